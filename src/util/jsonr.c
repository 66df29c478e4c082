/* jsonr.c -- reading members of a parsed JSON object, building flat ones (see jsonr.h). */
#include "util/jsonr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
jsonr_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int
jsonr_dup(const cJSON *obj, const char *key, char **dst)
{
    const char *s = jsonr_str(obj, key);

    *dst = NULL;
    if (s == NULL)
        return 0;
    *dst = strdup(s);
    return *dst == NULL ? -1 : 0;
}

void
jsonr_copy(const cJSON *obj, const char *key, char *buf, size_t n)
{
    const char *s = jsonr_str(obj, key);

    snprintf(buf, n, "%s", s != NULL ? s : "");
}

double
jsonr_num(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static char **
field(void *obj, const struct jsonr_field *f)
{
    return (char **)((char *)obj + f->off);
}

int
jsonr_dup_fields(const cJSON *j, void *obj, const struct jsonr_field *f)
{
    for (const struct jsonr_field *i = f; i->key != NULL; i++) {
        if (jsonr_dup(j, i->key, field(obj, i)) != 0) {
            jsonr_free_fields(obj, f);
            return -1;
        }
    }
    return 0;
}

void
jsonr_free_fields(void *obj, const struct jsonr_field *f)
{
    for (; f->key != NULL; f++) {
        free(*field(obj, f));
        *field(obj, f) = NULL;
    }
}

void
jsonr_free_array(void *items, size_t n, size_t size, const struct jsonr_field *f)
{
    for (size_t i = 0; items != NULL && f != NULL && i < n; i++)
        jsonr_free_fields((char *)items + i * size, f);
    free(items);
}

int
jsonr_add(cJSON *obj, const char *name, cJSON *item)
{
    if (item != NULL && cJSON_AddItemToObject(obj, name, item))
        return 0;
    cJSON_Delete(item);
    return -1;
}

int
jsonr_add_one(cJSON *obj, const char *name, cJSON *item)
{
    cJSON *arr = item != NULL ? cJSON_CreateArray() : NULL;

    if (arr == NULL) {
        cJSON_Delete(item);
        return -1;
    }
    cJSON_AddItemToArray(arr, item);
    return jsonr_add(obj, name, arr);
}

int
jsonr_add_strings(cJSON *obj, const char *name, const char *const *v, size_t n)
{
    cJSON *arr = cJSON_CreateArray();

    for (size_t i = 0; arr != NULL && i < n; i++) {
        cJSON *s = cJSON_CreateString(v[i]);

        if (s == NULL) {
            cJSON_Delete(arr);
            arr = NULL;
        } else {
            cJSON_AddItemToArray(arr, s);
        }
    }
    return jsonr_add(obj, name, arr);
}

cJSON *
jsonr_vstrings(const char *name, va_list ap)
{
    cJSON *obj = cJSON_CreateObject();

    for (const char *n = name; obj != NULL && n != NULL; n = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);

        if (v != NULL && cJSON_AddStringToObject(obj, n, v) == NULL) {
            cJSON_Delete(obj);
            obj = NULL;
        }
    }
    return obj;
}
