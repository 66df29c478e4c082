/* test_store_list.c -- `list`'s bulk reader (store_account_list_brief) against the general
 * listing (store_account_list) for every combination of filters, both column sets and every
 * statement it picks (scan, owner index, class index). */
#include "check.h"
#include "store/store.h"

#define NACCOUNTS 240

static const enum engine_state states[] = {
    ENGINE_S_REQUESTED, ENGINE_S_ACTIVE,     ENGINE_S_ACTIVE, ENGINE_S_SUSPENDED,
    ENGINE_S_GONE,      ENGINE_S_FAILED,     ENGINE_S_ACTIVE, ENGINE_S_NUKE_FAILED,
    ENGINE_S_EXPIRING,  ENGINE_S_CLOSE_WAIT,
};
static const char *const kinds[] = { "demo", "training", "developer" };

struct rows {
    char *text; /* one line per row */
    size_t len, cap;
    bool minimal;
};

static void
rows_add(struct rows *r, const char *line)
{
    size_t n = strlen(line);

    if (r->len + n + 1 > r->cap) {
        r->cap = (r->len + n + 1) * 2;
        r->text = realloc(r->text, r->cap);
        CHECK(r->text != NULL);
    }
    memcpy(r->text + r->len, line, n + 1);
    r->len += n;
}

/* The fields the brief reader promises (all of them, or the table's eight). */
static int
row_cb(void *arg, const struct store_account *a)
{
    struct rows *r = arg;
    char line[1024];

    snprintf(line, sizeof(line), "%lld|%s|%s|%s|%s|%lld|%s|%lld", (long long)a->id, a->account_id,
             a->email, a->kind, a->owner, (long long)a->class_id, engine_state_name(a->state),
             (long long)a->expires_at);
    rows_add(r, line);
    if (!r->minimal) {
        snprintf(line, sizeof(line), "|%s|%lld|%s|%s|%lld|%lld|%lld|%lld|%lld|%lld|%d|%s", a->name,
                 (long long)a->seat, a->reason, a->request_id != NULL ? a->request_id : "(null)",
                 (long long)a->created_at, (long long)a->updated_at, (long long)a->due_at,
                 (long long)a->attempts, (long long)a->active_at, (long long)a->closed_at,
                 a->adopted, a->last_error);
        rows_add(r, line);
    }
    rows_add(r, "\n");
    return 0;
}

static struct store *
seeded_store(int64_t class_ids[2])
{
    static const struct store_audit_ev ev = { 1000, "test", "requested", NULL, NULL, NULL };
    struct sbx_err err = { 0 };
    struct store *s = NULL;
    char *dir = check_tmpdir(), path[512];

    snprintf(path, sizeof(path), "%s/store.db", dir);
    free(dir);
    CHECK_OK(store_open(path, STORE_CREATE, &s, &err), &err);
    for (int c = 0; c < 2; c++) {
        struct store_class cl = { 0 };
        char name[32];

        snprintf(name, sizeof(name), "class-%d", c);
        cl.name = name;
        cl.kind = (char *)"training";
        cl.owner = (char *)"teacher@example.com";
        cl.seats = 10;
        cl.state = (char *)"open";
        cl.detail = (char *)"{}";
        CHECK_OK(store_class_insert(s, &cl, &ev, &err), &err);
        class_ids[c] = cl.id;
    }
    for (int i = 0; i < NACCOUNTS; i++) {
        struct store_account a = { 0 };
        char email[64], name[64], owner[64], reason[16], req[32];

        snprintf(email, sizeof(email), "sbx+%d@example.com", i);
        snprintf(name, sizeof(name), "sbx-%d", i);
        snprintf(owner, sizeof(owner), "o%d@example.com", i % 7);
        snprintf(reason, sizeof(reason), "%s", i % 5 == 0 ? "expired" : "");
        snprintf(req, sizeof(req), "car-%d", i);
        a.email = email;
        a.name = name;
        a.owner = owner;
        a.kind = (char *)kinds[i % 3];
        a.reason = reason;
        a.last_error = (char *)(i % 11 == 0 ? "boom \"quoted\"" : "");
        a.request_id = i % 4 == 0 ? NULL : req;
        a.state = states[i % SBX_ARRAY_LEN(states)];
        if (i % 3 != 0)
            snprintf(a.account_id, sizeof(a.account_id), "%012d", 200000000 + i);
        if (i % 6 == 1) {
            a.class_id = class_ids[i % 12 == 1];
            a.seat = i / 6 + 1;
        }
        a.expires_at = i % 8 == 0 ? 0 : 5000 + 37 * i;
        a.due_at = i % 2 == 0 ? 0 : 3000 + i;
        a.attempts = i % 4;
        a.active_at = i % 5 == 0 ? 0 : 1500;
        a.closed_at = i % 9 == 0 ? 2500 : 0;
        a.adopted = i % 13 == 0;
        CHECK_OK(store_account_insert(s, &a, 0, &ev, &err), &err);
    }
    return s;
}

TEST(brief_list_matches_the_general_list)
{
    static const char *const owners[] = { NULL, "o0@example.com", "o3@example.com",
                                          "nobody@example.com" };
    static const char *const kind_f[] = { NULL, "demo", "training" };
    /* ENGINE_S_COUNT: no state filter. */
    static const enum engine_state state_f[] = { ENGINE_S_COUNT, ENGINE_S_ACTIVE, ENGINE_S_GONE,
                                                 ENGINE_S_FAILED, ENGINE_S_NUKE_FAILED };
    static const int64_t expires_f[] = { 0, 8000 };
    struct sbx_err err = { 0 };
    int64_t class_ids[2];
    struct store *s = seeded_store(class_ids);
    const int64_t class_f[] = { 0, class_ids[0], class_ids[1], 9999 };
    size_t combos = 0, nonempty = 0;

    for (size_t o = 0; o < SBX_ARRAY_LEN(owners); o++)
        for (size_t k = 0; k < SBX_ARRAY_LEN(kind_f); k++)
            for (size_t c = 0; c < SBX_ARRAY_LEN(class_f); c++)
                for (size_t st = 0; st < SBX_ARRAY_LEN(state_f); st++)
                    for (size_t e = 0; e < SBX_ARRAY_LEN(expires_f); e++)
                        for (int all = 0; all < 2; all++)
                            for (int minimal = 0; minimal < 2; minimal++) {
                                struct store_filter f = { 0 };
                                struct rows want = { .minimal = minimal };
                                struct rows got = { .minimal = minimal };

                                f.owner = owners[o];
                                f.kind = kind_f[k];
                                f.class_id = class_f[c];
                                f.by_state = state_f[st] != ENGINE_S_COUNT;
                                f.state = f.by_state ? state_f[st] : ENGINE_S_REQUESTED;
                                f.expires_before = expires_f[e];
                                f.all = all;
                                rows_add(&want, "");
                                rows_add(&got, "");
                                CHECK_OK(store_account_list(s, &f, row_cb, &want, &err), &err);
                                CHECK_OK(store_account_list_brief(s, &f, minimal, row_cb, &got,
                                                                  &err),
                                         &err);
                                if (strcmp(got.text, want.text) != 0)
                                    CHECK_FAIL("owner %s kind %s class %lld state %s "
                                               "expires %lld all %d minimal %d:\n"
                                               "got:\n%s\nwant:\n%s",
                                               owners[o] ? owners[o] : "-",
                                               kind_f[k] ? kind_f[k] : "-", (long long)class_f[c],
                                               f.by_state ? engine_state_name(state_f[st]) : "-",
                                               (long long)expires_f[e], all, minimal, got.text,
                                               want.text);
                                combos++;
                                nonempty += want.len > 0;
                                free(want.text);
                                free(got.text);
                            }
    CHECK_INT_EQ(combos, 4 * 3 * 4 * 5 * 2 * 2 * 2);
    CHECK(nonempty > combos / 4); /* the filters do select rows, not only nothing */
    store_close(s);
}

TEST(brief_list_hides_failed_and_gone_by_default)
{
    struct sbx_err err = { 0 };
    int64_t class_ids[2];
    struct store *s = seeded_store(class_ids);
    struct store_filter f = { 0 };
    struct rows got = { .minimal = true };
    size_t lines = 0;

    rows_add(&got, "");
    CHECK_OK(store_account_list_brief(s, &f, true, row_cb, &got, &err), &err);
    for (const char *p = got.text; *p != '\0'; p++)
        lines += *p == '\n';
    CHECK_INT_EQ(lines, NACCOUNTS - 2 * NACCOUNTS / SBX_ARRAY_LEN(states));
    CHECK(strstr(got.text, "|gone|") == NULL);
    CHECK(strstr(got.text, "|failed|") == NULL);
    CHECK(strstr(got.text, "|nuke_failed|") != NULL);
    free(got.text);
    store_close(s);
}
