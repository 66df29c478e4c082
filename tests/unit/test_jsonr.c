/*
 * test_jsonr.c -- reading members of parsed JSON objects, the struct field tables that copy
 * and free their strings, and building objects: flat ones of strings and nested members.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "util/jsonr.h"

/* --- the heap under test ------------------------------------------------------------------ */

/* strdup and free of the whole binary come here (test_jsonr.cmake links with --wrap). */
char *__real_strdup(const char *s);
void __real_free(void *p);
char *__wrap_strdup(const char *s);
void __wrap_free(void *p);

/*
 * While on: strdup number fail_at (0 the first; -1 none) fails, and every pointer made by
 * strdup or given to dups_track() stays in live until it is freed. Not static: the C library
 * declares free() a leaf, so an optimiser takes it to leave this file's own data alone.
 */
struct dups {
    bool on;
    int calls, fail_at;
    void *live[16];
    size_t nlive;
};
struct dups dups;

static void
dups_track(void *p)
{
    CHECK(p != NULL && dups.nlive < sizeof(dups.live) / sizeof(dups.live[0]));
    dups.live[dups.nlive++] = p;
}

char *
__wrap_strdup(const char *s)
{
    char *p;

    if (!dups.on)
        return __real_strdup(s);
    if (dups.calls++ == dups.fail_at) {
        errno = ENOMEM;
        return NULL;
    }
    p = __real_strdup(s);
    dups_track(p);
    return p;
}

void
__wrap_free(void *p)
{
    for (size_t i = 0; dups.on && p != NULL && i < dups.nlive; i++) {
        if (dups.live[i] == p) {
            dups.live[i] = dups.live[--dups.nlive];
            break;
        }
    }
    __real_free(p);
}

static void
dups_watch(int fail_at)
{
    dups.on = true;
    dups.calls = 0;
    dups.fail_at = fail_at;
    dups.nlive = 0;
}

/* The number of tracked pointers not freed; stops watching. */
static size_t
dups_stop(void)
{
    dups.on = false;
    return dups.nlive;
}

/* cJSON's allocations while counted: the one numbered fail_at fails (-1: none); live is what
 * is allocated and not freed. */
static struct {
    int calls, fail_at;
    long live;
} cj;

static void *
cj_malloc(size_t n)
{
    void *p;

    if (cj.calls++ == cj.fail_at)
        return NULL;
    p = malloc(n);
    if (p != NULL)
        cj.live++;
    return p;
}

static void
cj_free(void *p)
{
    if (p != NULL)
        cj.live--;
    free(p);
}

/* Counts cJSON's allocations from now on (nothing allocated before may be freed meanwhile). */
static void
cj_count(void)
{
    cJSON_Hooks h = { cj_malloc, cj_free };

    cj.calls = 0;
    cj.fail_at = -1;
    cj.live = 0;
    cJSON_InitHooks(&h);
}

/* The k-th next allocation of cJSON fails (k -1: none). */
static void
cj_fail_in(int k)
{
    cj.fail_at = k < 0 ? -1 : cj.calls + k;
}

/* Back to cJSON's own allocator, with nothing left allocated under the count. */
static void
cj_end(void)
{
    CHECK_INT_EQ(cj.live, 0);
    cJSON_InitHooks(NULL);
}

/* --- helpers ------------------------------------------------------------------------------ */

/* obj as compact text (heap, from the system allocator). */
static char *
text_of(const cJSON *obj)
{
    char *t = cJSON_PrintUnformatted(obj), *copy;

    CHECK(t != NULL);
    copy = check_strdup(t);
    cJSON_free(t);
    return copy;
}

/* The object jsonr_vstrings builds from the arguments, as compact text (heap). */
static char *
strings_text(const char *name, ...)
{
    va_list ap;
    cJSON *obj;
    char *text;

    va_start(ap, name);
    obj = jsonr_vstrings(name, ap);
    va_end(ap);
    CHECK(obj != NULL);
    text = text_of(obj);
    cJSON_Delete(obj);
    return text;
}

TEST(strings_object_keeps_order_and_leaves_out_null_values)
{
    char *t = strings_text("AccountId", "123456789012", "Email", NULL, "Note", "say \"hi\"", NULL);

    CHECK_STR_EQ(t, "{\"AccountId\":\"123456789012\",\"Note\":\"say \\\"hi\\\"\"}");
    free(t);
}

TEST(strings_object_of_no_members_is_empty)
{
    char *t = strings_text(NULL);

    CHECK_STR_EQ(t, "{}");
    free(t);
}

TEST(reads_members_of_the_right_type_only)
{
    cJSON *o = cJSON_Parse("{\"s\":\"text\",\"n\":42.5,\"b\":true}");
    char buf[3], *dup = NULL;

    CHECK(o != NULL);
    CHECK_STR_EQ(jsonr_str(o, "s"), "text");
    CHECK(jsonr_str(o, "n") == NULL);
    CHECK(jsonr_str(o, "missing") == NULL);
    CHECK(jsonr_num(o, "n") == 42.5);
    CHECK(jsonr_num(o, "s") == 0);
    jsonr_copy(o, "s", buf, sizeof(buf));
    CHECK_STR_EQ(buf, "te");
    jsonr_copy(o, "b", buf, sizeof(buf));
    CHECK_STR_EQ(buf, "");
    CHECK_INT_EQ(jsonr_dup(o, "s", &dup), 0);
    CHECK_STR_EQ(dup, "text");
    free(dup);
    CHECK_INT_EQ(jsonr_dup(o, "n", &dup), 0);
    CHECK(dup == NULL);
    cJSON_Delete(o);
}

/* --- field tables ------------------------------------------------------------------------- */

/* A struct with heap strings in its table and other members between them. */
struct rec {
    char *arn;
    int n; /* not in the table: never touched */
    char *name;
    char tag[8];
    char *note;
};
static const struct jsonr_field rec_fields[] = {
    { "Arn", offsetof(struct rec, arn) },
    { "Name", offsetof(struct rec, name) },
    { "Note", offsetof(struct rec, note) },
    { NULL, 0 },
};
/* An array of char *: one row without a member name, only ever freed (as idc's strings). */
static const struct jsonr_field string_fields[] = { { "", 0 }, { NULL, 0 } };

static void
check_rec_empty(const struct rec *r)
{
    CHECK(r->arn == NULL);
    CHECK(r->name == NULL);
    CHECK(r->note == NULL);
    CHECK_INT_EQ(r->n, 7);
    CHECK_STR_EQ(r->tag, "keep");
}

TEST(fields_copy_the_string_members_of_their_table)
{
    cJSON *j = cJSON_Parse("{\"Arn\":\"arn:1\",\"Name\":\"\",\"Note\":\"n\",\"Other\":\"x\"}");
    struct rec r = { .n = 7, .tag = "keep" };

    CHECK(j != NULL);
    dups_watch(-1);
    CHECK_INT_EQ(jsonr_dup_fields(j, &r, rec_fields), 0);
    CHECK_INT_EQ(dups.nlive, 3);
    CHECK(r.arn != jsonr_str(j, "Arn")); /* copies, not borrowed */
    cJSON_Delete(j);
    CHECK_STR_EQ(r.arn, "arn:1");
    CHECK_STR_EQ(r.name, ""); /* empty is a value, not absent */
    CHECK_STR_EQ(r.note, "n");
    CHECK_INT_EQ(r.n, 7);
    CHECK_STR_EQ(r.tag, "keep");
    jsonr_free_fields(&r, rec_fields);
    CHECK_INT_EQ(dups_stop(), 0);
    check_rec_empty(&r);
}

TEST(fields_absent_of_another_type_or_null_stay_null)
{
    static const char *const texts[] = {
        "{\"Arn\":null,\"Name\":42,\"Note\":{\"Note\":\"inner\"}}",
        "{\"Arn\":true,\"Name\":[\"n\"],\"Note\":false}",
        "{\"arn\":\"a\",\"NAME\":\"b\",\"note\":\"c\"}", /* names are case-sensitive */
        "{}",
        "[\"Arn\",\"Name\"]",
        "\"Arn\"",
        "null",
    };

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        cJSON *j = cJSON_Parse(texts[i]);
        struct rec r = { .n = 7, .tag = "keep" };

        CHECK(j != NULL);
        dups_watch(-1);
        CHECK_INT_EQ(jsonr_dup_fields(j, &r, rec_fields), 0);
        CHECK_INT_EQ(dups_stop(), 0);
        check_rec_empty(&r);
        cJSON_Delete(j);
    }
    /* No object at all (a member that was not there), and only some members present. */
    {
        struct rec r = { .n = 7, .tag = "keep" };
        cJSON *j = cJSON_Parse("{\"Name\":\"only\",\"Arn\":7}");

        CHECK_INT_EQ(jsonr_dup_fields(NULL, &r, rec_fields), 0);
        check_rec_empty(&r);
        CHECK(j != NULL);
        CHECK_INT_EQ(jsonr_dup_fields(j, &r, rec_fields), 0);
        CHECK(r.arn == NULL && r.note == NULL);
        CHECK_STR_EQ(r.name, "only");
        jsonr_free_fields(&r, rec_fields);
        check_rec_empty(&r);
        cJSON_Delete(j);
    }
}

TEST(fields_out_of_memory_leave_none_set_and_nothing_allocated)
{
    cJSON *j = cJSON_Parse("{\"Arn\":\"a\",\"Name\":\"b\",\"Note\":\"c\"}");
    struct rec r = { .n = 7, .tag = "keep" };

    CHECK(j != NULL);
    /* Each copy in turn fails: the ones made before it are freed, every field is NULL (the
     * caller's release after the failure frees nothing twice). */
    for (int k = 0; k < 3; k++) {
        dups_watch(k);
        CHECK_INT_EQ(jsonr_dup_fields(j, &r, rec_fields), -1);
        CHECK_INT_EQ(dups_stop(), 0);
        check_rec_empty(&r);
        jsonr_free_fields(&r, rec_fields);
    }
    dups_watch(3);
    CHECK_INT_EQ(jsonr_dup_fields(j, &r, rec_fields), 0);
    CHECK_STR_EQ(r.note, "c");
    jsonr_free_fields(&r, rec_fields);
    CHECK_INT_EQ(dups_stop(), 0);
    cJSON_Delete(j);
}

TEST(fields_free_of_a_zeroed_struct_and_twice_is_harmless)
{
    struct rec r = { .n = 7, .tag = "keep" };

    jsonr_free_fields(&r, rec_fields);
    check_rec_empty(&r);
    dups_watch(-1);
    r.arn = check_strdup("a");
    r.note = check_strdup("c");
    jsonr_free_fields(&r, rec_fields);
    CHECK_INT_EQ(dups.nlive, 0);
    check_rec_empty(&r);
    jsonr_free_fields(&r, rec_fields); /* a second release: the fields are NULL */
    CHECK_INT_EQ(dups_stop(), 0);
    check_rec_empty(&r);
}

TEST(free_array_frees_the_n_elements_and_the_array)
{
    struct rec *v = calloc(4, sizeof(*v));
    cJSON *j = cJSON_Parse("{\"Arn\":\"a\",\"Name\":\"b\",\"Note\":\"c\"}");
    char *beyond;

    CHECK(v != NULL && j != NULL);
    dups_watch(-1);
    dups_track(v);
    CHECK_INT_EQ(jsonr_dup_fields(j, &v[0], rec_fields), 0); /* all set */
    v[2].name = check_strdup("only name");                   /* v[1]: zeroed */
    beyond = v[3].arn = check_strdup("not an element");      /* past n */
    CHECK_INT_EQ(dups.nlive, 6);
    jsonr_free_array(v, 3, sizeof(*v), rec_fields);
    CHECK_INT_EQ(dups.nlive, 1);
    CHECK(dups.live[0] == beyond);
    free(beyond);
    CHECK_INT_EQ(dups_stop(), 0);
    cJSON_Delete(j);
}

TEST(free_array_of_null_or_without_fields)
{
    struct rec *v = calloc(2, sizeof(*v));
    char **s = calloc(3, sizeof(*s));

    jsonr_free_array(NULL, 0, sizeof(struct rec), rec_fields);
    jsonr_free_array(NULL, 5, sizeof(struct rec), rec_fields);
    jsonr_free_array(NULL, 0, 0, NULL);
    CHECK(v != NULL && s != NULL);
    dups_watch(-1);
    /* f NULL: elements without heap strings; only the array is freed, not what they point at */
    dups_track(v);
    v[1].note = check_strdup("not the array's");
    jsonr_free_array(v, 2, sizeof(*v), NULL);
    CHECK_INT_EQ(dups.nlive, 1);
    free(dups.live[0]);
    /* n 0: the array alone */
    dups_track(s);
    s[0] = check_strdup("not an element");
    jsonr_free_array(s, 0, sizeof(*s), string_fields);
    CHECK_INT_EQ(dups.nlive, 1);
    free(dups.live[0]);
    CHECK_INT_EQ(dups_stop(), 0);
}

TEST(free_array_of_strings_with_an_unnamed_row)
{
    char **v = calloc(3, sizeof(*v));

    CHECK(v != NULL);
    dups_watch(-1);
    dups_track(v);
    v[0] = check_strdup("a");
    v[2] = check_strdup("c"); /* v[1]: NULL */
    jsonr_free_array(v, 3, sizeof(*v), string_fields);
    CHECK_INT_EQ(dups_stop(), 0);
}

/* --- nesting builders --------------------------------------------------------------------- */

TEST(add_nests_the_item_and_takes_it_over)
{
    static const char *const keys[] = { "owner", "team \"x\"" };
    cJSON *obj, *period;
    char *t;

    cj_count();
    obj = cJSON_CreateObject();
    period = cJSON_Parse("{\"Start\":\"2026-01-01\",\"End\":\"2026-02-01\"}");
    CHECK(obj != NULL && period != NULL);
    CHECK_INT_EQ(jsonr_add(obj, "TimePeriod", period), 0);
    CHECK(cJSON_GetObjectItemCaseSensitive(obj, "TimePeriod") == period);
    CHECK_INT_EQ(jsonr_add_one(obj, "Metrics", cJSON_CreateString("UnblendedCost")), 0);
    CHECK_INT_EQ(jsonr_add_strings(obj, "TagKeys", keys, 2), 0);
    t = text_of(obj);
    CHECK_STR_EQ(t, "{\"TimePeriod\":{\"Start\":\"2026-01-01\",\"End\":\"2026-02-01\"},"
                    "\"Metrics\":[\"UnblendedCost\"],\"TagKeys\":[\"owner\",\"team \\\"x\\\"\"]}");
    free(t);
    cJSON_Delete(obj); /* frees the items with it */
    cj_end();
}

TEST(add_strings_of_none_is_an_empty_array)
{
    static const char *const one[] = { "ACTIVE" };
    cJSON *obj = cJSON_CreateObject();
    char *t;

    CHECK(obj != NULL);
    CHECK_INT_EQ(jsonr_add_strings(obj, "States", NULL, 0), 0);
    CHECK_INT_EQ(jsonr_add_strings(obj, "Keys", one, 0), 0);
    t = text_of(obj);
    CHECK_STR_EQ(t, "{\"States\":[],\"Keys\":[]}");
    free(t);
    cJSON_Delete(obj);
}

TEST(add_with_a_null_item_or_object_fails_and_deletes_the_item)
{
    static const char *const v[] = { "a", "b" };
    cJSON *obj;

    cj_count();
    obj = cJSON_CreateObject();
    CHECK(obj != NULL);
    /* NULL item (it could not be built): -1, obj unchanged, no array left behind */
    CHECK_INT_EQ(jsonr_add(obj, "Name", NULL), -1);
    CHECK_INT_EQ(jsonr_add_one(obj, "Emails", NULL), -1);
    CHECK(obj->child == NULL);
    CHECK_INT_EQ(cj.live, 1);
    /* NULL object: the item is deleted (the caller must not delete it again) */
    CHECK_INT_EQ(jsonr_add(NULL, "Name", cJSON_CreateString("x")), -1);
    CHECK_INT_EQ(cj.live, 1);
    CHECK_INT_EQ(jsonr_add_one(NULL, "Emails", cJSON_CreateString("x")), -1);
    CHECK_INT_EQ(cj.live, 1);
    CHECK_INT_EQ(jsonr_add_strings(NULL, "States", v, 2), -1);
    CHECK_INT_EQ(cj.live, 1);
    cJSON_Delete(obj);
    cj_end();
}

/* jsonr_add_strings in the shape of jsonr_add (no item). */
static int
add_states(cJSON *obj, const char *name, cJSON *item)
{
    static const char *const v[] = { "ACTIVE", "SUSPENDED" };

    CHECK(item == NULL);
    return jsonr_add_strings(obj, name, v, 2);
}

/*
 * add(obj, name, the item parsed from item_text or NULL) with cJSON's k-th next allocation
 * failing, for k = 0, 1, ... until it succeeds: every failure is -1 with obj left empty and
 * nothing of the item left allocated. Returns the text of obj after the success (heap);
 * *failures is the number of failed attempts.
 */
static char *
add_until_built(int (*add)(cJSON *obj, const char *name, cJSON *item), const char *name,
                const char *item_text, int *failures)
{
    for (int k = 0; k < 32; k++) {
        cJSON *obj, *item;
        char *t;
        int rc;

        cj_count();
        obj = cJSON_CreateObject();
        item = item_text != NULL ? cJSON_Parse(item_text) : NULL;
        CHECK(obj != NULL && (item_text == NULL || item != NULL));
        cj_fail_in(k);
        rc = add(obj, name, item);
        cj_fail_in(-1);
        if (rc == 0) {
            t = text_of(obj);
            cJSON_Delete(obj);
            cj_end();
            *failures = k;
            return t;
        }
        CHECK_INT_EQ(rc, -1);
        CHECK(obj->child == NULL);
        cJSON_Delete(obj);
        cj_end(); /* the item went with the failure */
    }
    CHECK_FAIL("never built");
}

TEST(add_out_of_memory_deletes_the_item_and_leaves_obj_unchanged)
{
    int failures;
    char *t;

    t = add_until_built(jsonr_add, "TimePeriod", "{\"Start\":\"2026-01-01\"}", &failures);
    CHECK_STR_EQ(t, "{\"TimePeriod\":{\"Start\":\"2026-01-01\"}}");
    CHECK(failures >= 1); /* the member's name */
    free(t);
    t = add_until_built(jsonr_add_one, "Metrics", "\"UnblendedCost\"", &failures);
    CHECK_STR_EQ(t, "{\"Metrics\":[\"UnblendedCost\"]}");
    CHECK(failures >= 2); /* the array, the member's name */
    free(t);
    t = add_until_built(add_states, "States", NULL, &failures);
    CHECK_STR_EQ(t, "{\"States\":[\"ACTIVE\",\"SUSPENDED\"]}");
    CHECK(failures >= 4); /* the array, each string, the member's name */
    free(t);
}
