/*
 * engine_identity.c -- every account carries tags naming its store and row (DESIGN.md section
 * 3, "identity"), so nothing is adopted or reconciled into a row unless its tags say it
 * belongs there, and the store can be rebuilt from them.
 *
 * The store's identity is a random 128-bit id kept in store meta (store_id), made by `init`
 * (or on first need by a store made before identities existed). An account's identity is
 * three tags: sandboxctl:store (the store id), sandboxctl:row (the row id) and
 * sandboxctl:created (when the row was made, RFC 3339). The row id alone is not enough: a
 * store restored from an older copy hands out row ids again, and the creation time tells the
 * lost row's account from the new row's. CreateAccount carries the identity tags, so an
 * account has them from its first moment, even when the answer to CreateAccount is lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "engine/engine_int.h"

static int
read_id(struct engine *e, char out[ENG_STORE_ID_LEN], struct sbx_err *err)
{
    char *v = NULL;

    out[0] = '\0';
    if (store_meta_get(e->store, ENGINE_META_STORE_ID, &v, err) != 0)
        return -1;
    if (v != NULL && strlen(v) < ENG_STORE_ID_LEN)
        snprintf(out, ENG_STORE_ID_LEN, "%s", v);
    free(v);
    return 0;
}

int
eng_store_id(struct engine *e, bool create, char out[ENG_STORE_ID_LEN], struct sbx_err *err)
{
    unsigned char raw[16];
    static const char hex[] = "0123456789abcdef";

    if (read_id(e, out, err) != 0)
        return -1;
    if (out[0] != '\0' || !create || e->dry_run)
        return 0;
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
        sbx_err_set(err, SBX_E_FAILURE, "cannot make a store id: getrandom failed");
        return -1;
    }
    /* Two processes may get here at once: the second sees the first's id. */
    if (store_begin(e->store, err) != 0)
        return -1;
    if (read_id(e, out, err) != 0)
        goto fail;
    if (out[0] == '\0') {
        for (size_t i = 0; i < sizeof(raw); i++) {
            out[2 * i] = hex[raw[i] >> 4];
            out[2 * i + 1] = hex[raw[i] & 15];
        }
        out[2 * sizeof(raw)] = '\0';
        if (store_meta_set(e->store, ENGINE_META_STORE_ID, out, err) != 0)
            goto fail;
    }
    if (store_commit(e->store, err) != 0)
        goto fail;
    return 0;
fail:
    store_rollback(e->store);
    out[0] = '\0';
    return -1;
}

int
eng_identity_tags(struct engine *e, const struct store_account *a, struct eng_identity *id,
                  struct sbx_err *err)
{
    memset(id, 0, sizeof(*id));
    if (eng_store_id(e, true, id->store, err) != 0)
        return -1;
    snprintf(id->row, sizeof(id->row), "%lld", (long long)a->id);
    engine_fmt_time(a->created_at, id->created, sizeof(id->created));
    id->tags[id->n++] = (struct orgs_tag){ (char *)TAG_STORE, id->store };
    id->tags[id->n++] = (struct orgs_tag){ (char *)TAG_ROW, id->row };
    id->tags[id->n++] = (struct orgs_tag){ (char *)TAG_CREATED, id->created };
    return 0;
}

const char *
eng_identity_tag_value(const struct orgs_tag *tags, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (tags[i].key != NULL && strcmp(tags[i].key, key) == 0)
            return tags[i].value != NULL ? tags[i].value : "";
    }
    return NULL;
}

int
eng_account_identity(struct engine *e, const struct store_account *a, const char *account_id,
                     enum eng_owner *who, char *why, size_t n, struct sbx_err *err)
{
    struct eng_identity mine;
    struct orgs_tag *tags = NULL;
    const char *store, *row, *created;
    size_t ntags = 0;

    *who = ENG_OWNER_FOREIGN;
    if (n > 0)
        why[0] = '\0';
    if (eng_identity_tags(e, a, &mine, err) != 0)
        return -1;
    if (orgs_list_tags(e->orgs, account_id, &tags, &ntags, err) != 0)
        return -1;
    store = eng_identity_tag_value(tags, ntags, TAG_STORE);
    row = eng_identity_tag_value(tags, ntags, TAG_ROW);
    created = eng_identity_tag_value(tags, ntags, TAG_CREATED);
    if (store == NULL) {
        *who = ENG_OWNER_UNTAGGED;
        snprintf(why, n, "%s carries no %s tag (not created by this store)", account_id, TAG_STORE);
    } else if (strcmp(store, mine.store) != 0) {
        snprintf(why, n, "%s belongs to another store (%s=%s)", account_id, TAG_STORE, store);
    } else if (row == NULL || strcmp(row, mine.row) != 0 || created == NULL ||
               strcmp(created, mine.created) != 0) {
        snprintf(why, n,
                 "%s belongs to another row of this store (row %s made %s; a restored older "
                 "copy of the store?)",
                 account_id, row != NULL ? row : "?", created != NULL ? created : "?");
    } else {
        *who = ENG_OWNER_OURS;
    }
    orgs_tags_free(tags, ntags);
    return 0;
}
