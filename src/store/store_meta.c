/* store_meta.c -- the meta table: key/value settings of the store and counters. */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>

#include "store/store_int.h"
#include "util/duration.h"

int
store_meta_get(struct store *s, const char *key, char **value, struct sbx_err *err)
{
    return store_get_text(s, STORE_META_GET, ":key", key, value, err);
}

int
store_meta_set(struct store *s, const char *key, const char *value, struct sbx_err *err)
{
    return store_put_text(s, STORE_META_SET, ":key", key, ":value", value, err);
}

int
store_meta_get_int(struct store *s, const char *key, int64_t def, int64_t *value,
                   struct sbx_err *err)
{
    struct sbx_err ignored = { 0 };
    char *text = NULL;

    if (store_meta_get(s, key, &text, err) != 0)
        return -1;
    if (text == NULL || duration_parse_int64(text, INT64_MIN, INT64_MAX, value, &ignored) != 0)
        *value = def;
    free(text);
    return 0;
}

int
store_meta_set_int(struct store *s, const char *key, int64_t value, struct sbx_err *err)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%lld", (long long)value);
    return store_meta_set(s, key, buf, err);
}

int
store_seq_next(struct store *s, const char *key, int64_t *out, struct sbx_err *err)
{
    int64_t v;

    if (store_begin(s, err) != 0)
        return -1;
    if (store_meta_get_int(s, key, 0, &v, err) != 0 ||
        store_meta_set_int(s, key, v + 1, err) != 0 || store_commit(s, err) != 0) {
        store_rollback(s);
        return -1;
    }
    *out = v + 1;
    return 0;
}
