/*
 * store_audit.c -- the append-only, hash-chained audit log.
 *
 * Each row's hash is SHA-256 over a canonical serialisation of all its fields, prev_hash
 * included, so editing any field of any row, deleting a row in the middle (a gap in seq and a
 * broken prev_hash link) or deleting the newest rows (the head recorded in meta no longer
 * matches) is detected by store_audit_verify. The serialisation is length-prefixed
 * ("name=LEN:VALUE\n"), so no choice of field contents can make two different rows serialise
 * alike; a NULL field is "name=-\n", distinct from the empty string "name=0:\n".
 *
 * What this does not protect against: someone with write access who recomputes the whole chain
 * and the head. Anchoring the head outside the store (e.g. `sandboxctl log --json` shipped to a
 * log service) closes that gap; the head is printed by `log --verify` for that purpose.
 */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "store/store_int.h"

#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static void
put_field(EVP_MD_CTX *ctx, const char *name, const char *value)
{
    char head[64];
    int n;

    if (value == NULL) {
        n = snprintf(head, sizeof(head), "%s=-\n", name);
        EVP_DigestUpdate(ctx, head, (size_t)n);
        return;
    }
    n = snprintf(head, sizeof(head), "%s=%zu:", name, strlen(value));
    EVP_DigestUpdate(ctx, head, (size_t)n);
    EVP_DigestUpdate(ctx, value, strlen(value));
    EVP_DigestUpdate(ctx, "\n", 1);
}

static void
put_int(EVP_MD_CTX *ctx, const char *name, int64_t v)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%lld", (long long)v);
    put_field(ctx, name, buf);
}

void
store_audit_hash(const struct store_audit_row *r, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    out[0] = '\0';
    if (ctx == NULL)
        return;
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
        EVP_DigestUpdate(ctx, "sandboxctl-audit-v1\n", 20);
        put_int(ctx, "seq", r->seq);
        put_int(ctx, "ts", r->ts);
        put_field(ctx, "actor", r->actor);
        put_int(ctx, "account", r->account);
        put_field(ctx, "account_id", r->account_id);
        put_field(ctx, "event", r->event);
        put_field(ctx, "from_state", r->from_state);
        put_field(ctx, "to_state", r->to_state);
        put_field(ctx, "detail", r->detail);
        put_field(ctx, "prev_hash", r->prev_hash);
        if (EVP_DigestFinal_ex(ctx, md, &mdlen) == 1) {
            for (unsigned int i = 0; i < mdlen && i < 32; i++) {
                out[2 * i] = hex[md[i] >> 4];
                out[2 * i + 1] = hex[md[i] & 15];
            }
            out[2 * (mdlen < 32 ? mdlen : 32)] = '\0';
        }
    }
    EVP_MD_CTX_free(ctx);
}

static int
read_head(struct store *s, int64_t *seq, char hash[65], struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_AUDIT_HEAD, err);
    int rc = store_step(&b);

    *seq = 0;
    snprintf(hash, 65, "%s", GENESIS_HASH);
    if (rc == 1) {
        *seq = sqlite3_column_int64(b.st, 0);
        snprintf(hash, 65, "%s", store_col_text(b.st, 1));
    }
    store_done(&b);
    return rc < 0 ? -1 : 0;
}

int
store_audit_append(struct store *s, const struct store_account *a, const struct store_audit_ev *ev,
                   struct sbx_err *err)
{
    struct store_audit_row r = { 0 };
    char prev[65], hash[65], head[96];
    struct store_binder b;

    if (store_begin(s, err) != 0)
        return -1;
    if (read_head(s, &r.seq, prev, err) != 0)
        goto fail;
    r.seq++;
    r.ts = ev->ts;
    r.actor = ev->actor != NULL ? ev->actor : "sandboxctl";
    r.account = a != NULL ? a->id : 0;
    r.account_id = a != NULL ? a->account_id : "";
    r.event = ev->event;
    r.from_state = ev->from_state;
    r.to_state = ev->to_state;
    r.detail = ev->detail != NULL ? ev->detail : "{}";
    r.prev_hash = prev;
    store_audit_hash(&r, hash);
    if (hash[0] == '\0') {
        sbx_err_set(err, SBX_E_FAILURE, "audit: cannot compute SHA-256");
        goto fail;
    }
    b = store_stmt(s, STORE_AUDIT_INSERT, err);
    store_bind_int(&b, ":seq", r.seq);
    store_bind_int(&b, ":ts", r.ts);
    store_bind_text(&b, ":actor", r.actor);
    store_bind_int_or_null(&b, ":account", r.account);
    store_bind_text(&b, ":account_id", r.account_id);
    store_bind_text(&b, ":event", r.event);
    store_bind_text(&b, ":from_state", r.from_state);
    store_bind_text(&b, ":to_state", r.to_state);
    store_bind_text(&b, ":detail", r.detail);
    store_bind_text(&b, ":prev_hash", r.prev_hash);
    store_bind_text(&b, ":hash", hash);
    if (store_exec_stmt(&b) != 0)
        goto fail;
    snprintf(head, sizeof(head), "%lld:%s", (long long)r.seq, hash);
    return store_finish(s, store_meta_set(s, "audit_head", head, err), NULL, NULL, err);
fail:
    store_rollback(s);
    return -1;
}

int
store_finish(struct store *s, int rc, const struct store_account *a,
             const struct store_audit_ev *ev, struct sbx_err *err)
{
    if (rc == 0 && ev != NULL && ev->event != NULL)
        rc = store_audit_append(s, a, ev, err);
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc != 0) {
        store_rollback(s);
        return -1;
    }
    return 0;
}

static void
read_row(sqlite3_stmt *st, struct store_audit_row *r)
{
    r->seq = sqlite3_column_int64(st, 0);
    r->ts = sqlite3_column_int64(st, 1);
    r->actor = store_col_text(st, 2);
    r->account = sqlite3_column_int64(st, 3);
    r->account_id = store_col_text(st, 4);
    r->event = store_col_text(st, 5);
    r->from_state = sqlite3_column_type(st, 6) == SQLITE_NULL ? NULL : store_col_text(st, 6);
    r->to_state = sqlite3_column_type(st, 7) == SQLITE_NULL ? NULL : store_col_text(st, 7);
    r->detail = store_col_text(st, 8);
    r->prev_hash = store_col_text(st, 9);
    r->hash = store_col_text(st, 10);
}

int
store_audit_list(struct store *s, int64_t account, int64_t limit,
                 int (*cb)(void *arg, const struct store_audit_row *r), void *arg,
                 struct sbx_err *err)
{
    struct store_binder b =
            store_stmt(s, account > 0 ? STORE_AUDIT_LIST_ACCOUNT : STORE_AUDIT_LIST, err);
    struct store_audit_row r;
    int rc;

    if (account > 0)
        store_bind_int(&b, ":account", account);
    store_bind_limit(&b, limit);
    while ((rc = store_step(&b)) == 1) {
        read_row(b.st, &r);
        rc = cb(arg, &r);
        if (rc != 0)
            break;
    }
    store_done(&b);
    return rc;
}

static void
bad(struct store_audit_report *r, int64_t seq, const char *why)
{
    r->ok = false;
    r->bad_seq = seq;
    snprintf(r->why, sizeof(r->why), "%s", why);
}

int
store_audit_verify(struct store *s, struct store_audit_report *rep, struct sbx_err *err)
{
    char prev[65] = GENESIS_HASH, calc[65];
    struct store_audit_row r;
    struct store_binder b;
    char *head = NULL;
    bool own_tx = s->tx_depth == 0;
    int64_t expect = 1;
    int rc;

    memset(rep, 0, sizeof(*rep));
    rep->ok = true;
    /* One read transaction: the head and the rows come from the same snapshot even while
     * other processes append. */
    if (own_tx && sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        store_sqlite_err(s, err, "cannot start a read transaction");
        return -1;
    }
    if (store_meta_get(s, "audit_head", &head, err) != 0) {
        rc = -1;
        goto out;
    }
    b = store_stmt(s, STORE_AUDIT_ALL, err);
    while ((rc = store_step(&b)) == 1) {
        read_row(b.st, &r);
        rep->rows++;
        if (!rep->ok)
            continue;
        if (r.seq != expect) {
            bad(rep, expect, "this event is missing (deleted?)");
            continue;
        }
        if (strcmp(r.prev_hash, prev) != 0) {
            bad(rep, r.seq, "prev_hash does not match the previous event's hash");
            continue;
        }
        store_audit_hash(&r, calc);
        if (strcmp(calc, r.hash) != 0) {
            bad(rep, r.seq, "hash does not match the event's contents (edited?)");
            continue;
        }
        snprintf(prev, sizeof(prev), "%s", r.hash);
        expect++;
    }
    store_done(&b);
    if (rc < 0)
        goto out;
    rc = 0;
    if (rep->ok) {
        char want[96];

        if (expect == 1 && head == NULL)
            goto out; /* empty log, never written */
        snprintf(want, sizeof(want), "%lld:%s", (long long)(expect - 1), prev);
        if (head == NULL || strcmp(head, want) != 0) {
            char why[160];

            snprintf(why, sizeof(why),
                     "the log does not end at the recorded head %.100s (newest events deleted?)",
                     head != NULL ? head : "(none)");
            bad(rep, expect, why);
        }
    }
out:
    if (own_tx)
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    free(head);
    return rc;
}
