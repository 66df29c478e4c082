/* class.c -- class detail JSON and the per-seat view of a class (see class.h). */
#include "class/class.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util/jsonr.h"

enum class_phase
class_phase_of(enum engine_state state)
{
    switch (state) {
    case ENGINE_S_REQUESTED:
        return CLASS_PHASE_WAITING;
    case ENGINE_S_ACTIVE:
    case ENGINE_S_FREEZING: /* over budget, still the seat's */
    case ENGINE_S_FROZEN:
        return CLASS_PHASE_ACTIVE;
    case ENGINE_S_FAILED:
        return CLASS_PHASE_FAILED;
    case ENGINE_S_EXPIRING:
    case ENGINE_S_NUKING:
    case ENGINE_S_CLOSE_WAIT:
    case ENGINE_S_CLOSING:
        return CLASS_PHASE_CLOSING;
    case ENGINE_S_NUKE_FAILED:
    /* A close refused by a protection rule or by AWS needs a human, like a quarantine. */
    case ENGINE_S_PROTECTED:
    case ENGINE_S_CLOSE_FAILED:
        return CLASS_PHASE_QUARANTINED;
    case ENGINE_S_SUSPENDED:
    case ENGINE_S_GONE:
    case ENGINE_S_RELEASED: /* handed over: no longer the class's */
        return CLASS_PHASE_CLOSED;
    default:
        /* creating, and any state this module does not know: a step of getting it ready. */
        return CLASS_PHASE_CREATING;
    }
}

const char *
class_phase_name(enum class_phase p)
{
    static const char *const names[CLASS_PHASE_COUNT] = {
        [CLASS_PHASE_WAITING] = "waiting", [CLASS_PHASE_CREATING] = "creating",
        [CLASS_PHASE_ACTIVE] = "active",   [CLASS_PHASE_FAILED] = "failed",
        [CLASS_PHASE_CLOSING] = "closing", [CLASS_PHASE_QUARANTINED] = "quarantined",
        [CLASS_PHASE_CLOSED] = "closed",
    };

    return (unsigned)p < CLASS_PHASE_COUNT ? names[p] : "unknown";
}

const char *
class_effective_state(const char *stored, const int counts[CLASS_PHASE_COUNT], size_t nseats)
{
    int unsettled = counts[CLASS_PHASE_WAITING] + counts[CLASS_PHASE_CREATING];
    int closing = counts[CLASS_PHASE_CLOSING] + counts[CLASS_PHASE_QUARANTINED];
    bool ending = strcmp(stored, CLASS_ENDING) == 0 || strcmp(stored, CLASS_ENDED) == 0;

    if (nseats == 0)
        return ending ? CLASS_ENDED : stored;
    if (ending || counts[CLASS_PHASE_CLOSED] + closing > 0) {
        /* Failed seats never existed at AWS: nothing to close. */
        if (unsettled == 0 && closing == 0 && counts[CLASS_PHASE_ACTIVE] == 0)
            return CLASS_ENDED;
        if (ending || counts[CLASS_PHASE_ACTIVE] == 0)
            return CLASS_ENDING;
    }
    if (unsettled > 0) {
        if (strcmp(stored, CLASS_SCHEDULED) == 0 && counts[CLASS_PHASE_CREATING] == 0 &&
            counts[CLASS_PHASE_ACTIVE] == 0 && counts[CLASS_PHASE_FAILED] == 0)
            return CLASS_SCHEDULED;
        return CLASS_PROVISIONING;
    }
    return counts[CLASS_PHASE_FAILED] > 0 ? CLASS_PARTIAL : CLASS_READY;
}

void
class_detail_release(struct class_detail *d)
{
    if (d == NULL)
        return;
    free(d->roster);
    for (int64_t i = 0; i < d->nnames; i++)
        free(d->names[i]);
    free(d->names);
    memset(d, 0, sizeof(*d));
}

int
class_detail_parse(const char *text, struct class_detail *d, struct sbx_err *err)
{
    cJSON *root = NULL;
    const cJSON *names;
    int rc = -1;

    memset(d, 0, sizeof(*d));
    root = cJSON_Parse(text != NULL ? text : "{}");
    if (!cJSON_IsObject(root)) {
        sbx_err_set(err, SBX_E_STORE, "class detail is not a JSON object");
        goto out;
    }
    d->ttl = (int64_t)jsonr_num(root, "ttl");
    d->ready_by = (int64_t)jsonr_num(root, "ready_by");
    d->start_at = (int64_t)jsonr_num(root, "start_at");
    d->started_at = (int64_t)jsonr_num(root, "started_at");
    d->ready_at = (int64_t)jsonr_num(root, "ready_at");
    d->end_at = (int64_t)jsonr_num(root, "end_at");
    d->ended_at = (int64_t)jsonr_num(root, "ended_at");
    d->floor = jsonr_num(root, "floor");
    if (jsonr_dup(root, "roster", &d->roster) != 0)
        goto nomem;
    names = cJSON_GetObjectItemCaseSensitive(root, "names");
    if (cJSON_IsArray(names)) {
        int n = cJSON_GetArraySize(names);

        d->names = calloc(n > 0 ? (size_t)n : 1, sizeof(char *));
        if (d->names == NULL)
            goto nomem;
        d->nnames = n;
        for (int i = 0; i < n; i++) {
            const cJSON *item = cJSON_GetArrayItem(names, i);

            d->names[i] = strdup(cJSON_IsString(item) ? item->valuestring : "");
            if (d->names[i] == NULL)
                goto nomem;
        }
    }
    rc = 0;
    goto out;
nomem:
    sbx_err_nomem(err);
out:
    if (rc != 0)
        class_detail_release(d);
    cJSON_Delete(root);
    return rc;
}

int
class_detail_format(const struct class_detail *d, char **text, struct sbx_err *err)
{
    cJSON *root = cJSON_CreateObject(), *names = NULL;
    bool ok = root != NULL;

    *text = NULL;
    ok = ok && cJSON_AddNumberToObject(root, "ttl", (double)d->ttl) != NULL;
    ok = ok && cJSON_AddNumberToObject(root, "ready_by", (double)d->ready_by) != NULL;
    ok = ok && cJSON_AddNumberToObject(root, "start_at", (double)d->start_at) != NULL;
    ok = ok && cJSON_AddNumberToObject(root, "started_at", (double)d->started_at) != NULL;
    ok = ok && cJSON_AddNumberToObject(root, "ready_at", (double)d->ready_at) != NULL;
    ok = ok && cJSON_AddNumberToObject(root, "end_at", (double)d->end_at) != NULL;
    ok = ok && cJSON_AddNumberToObject(root, "ended_at", (double)d->ended_at) != NULL;
    ok = ok && cJSON_AddNumberToObject(root, "floor", d->floor) != NULL;
    if (ok && d->roster != NULL)
        ok = cJSON_AddStringToObject(root, "roster", d->roster) != NULL;
    if (ok && d->nnames > 0) {
        names = cJSON_AddArrayToObject(root, "names");
        ok = names != NULL;
        for (int64_t i = 0; ok && i < d->nnames; i++) {
            cJSON *s = cJSON_CreateString(d->names[i] != NULL ? d->names[i] : "");

            ok = s != NULL && cJSON_AddItemToArray(names, s);
        }
    }
    if (ok)
        *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (*text == NULL)
        return sbx_err_nomem(err);
    return 0;
}

void
class_view_release(struct class_view *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->nseats; i++)
        store_account_release(&v->seats[i].a);
    free(v->seats);
    class_detail_release(&v->d);
    store_strings_free(v->groups, v->ngroups);
    store_class_release(&v->c);
    memset(v, 0, sizeof(*v));
}

struct collect {
    struct class_view *v;
    struct sbx_err *err;
};

/* Copies the strings of a into *dst (which is released first). */
static int
account_copy(struct store_account *dst, const struct store_account *a, struct sbx_err *err)
{
    store_account_release(dst);
    *dst = *a;
    dst->email = dst->name = dst->kind = dst->owner = dst->class_name = NULL;
    dst->reason = dst->request_id = dst->last_error = dst->claim_by = NULL;
    if (store_set_str(&dst->email, a->email, err) != 0 ||
        store_set_str(&dst->name, a->name, err) != 0 ||
        store_set_str(&dst->kind, a->kind, err) != 0 ||
        store_set_str(&dst->owner, a->owner, err) != 0 ||
        store_set_str(&dst->class_name, a->class_name, err) != 0 ||
        store_set_str(&dst->reason, a->reason, err) != 0 ||
        store_set_str(&dst->request_id, a->request_id, err) != 0 ||
        store_set_str(&dst->last_error, a->last_error, err) != 0 ||
        store_set_str(&dst->claim_by, a->claim_by, err) != 0) {
        store_account_release(dst);
        return -1;
    }
    return 0;
}

static int
collect_seat(void *arg, const struct store_account *a)
{
    struct collect *c = arg;
    struct class_view *v = c->v;
    struct class_seat *slot;

    if (a->seat < 1 || a->seat > v->c.seats)
        return 0; /* not a seat of this class (cannot happen unless edited by hand) */
    slot = &v->seats[a->seat - 1];
    /* Rows come in id order, so a later row for the same seat (a retry) replaces it. */
    if (account_copy(&slot->a, a, c->err) != 0)
        return -1;
    return 0;
}

int
class_view_load(struct store *s, const char *name, struct class_view *out, struct sbx_err *err)
{
    struct class_view v = { 0 };
    struct store_filter f = { 0 };
    struct collect c = { &v, err };
    size_t j = 0;
    int rc = -1;

    if (store_class_get(s, name, &v.c, err) != 0)
        return -1;
    if (class_detail_parse(v.c.detail, &v.d, err) != 0 ||
        store_class_groups(s, v.c.id, &v.groups, &v.ngroups, err) != 0)
        goto out;
    if (v.c.seats > 0) {
        v.seats = sbx_calloc((size_t)v.c.seats, sizeof(*v.seats), err);
        if (v.seats == NULL)
            goto out;
        v.nseats = (size_t)v.c.seats; /* so class_view_release frees partial work */
    }
    f.class_id = v.c.id;
    f.all = true;
    if (store_account_list(s, &f, collect_seat, &c, err) != 0)
        goto out;
    /* Keep the seats that have a row (all of them, unless the class is being inserted). */
    for (int64_t i = 0; i < v.c.seats; i++) {
        struct class_seat *st = &v.seats[i];

        if (st->a.id == 0)
            continue;
        st->seat = i + 1;
        class_seat_label(st->seat, v.c.seats, st->label, sizeof(st->label));
        st->display_name = i < v.d.nnames && v.d.names[i] != NULL ? v.d.names[i] : "";
        st->phase = class_phase_of(st->a.state);
        if (st->phase == CLASS_PHASE_WAITING && st->a.submitted)
            st->phase = CLASS_PHASE_CREATING;
        v.counts[st->phase]++;
        if (j != (size_t)i) {
            v.seats[j] = *st;
            memset(st, 0, sizeof(*st));
        }
        j++;
    }
    v.nseats = j;
    v.state = class_effective_state(v.c.state, v.counts, v.nseats);
    *out = v;
    memset(&v, 0, sizeof(v));
    rc = 0;
out:
    class_view_release(&v);
    return rc;
}
