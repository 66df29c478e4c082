/*
 * jsonr.h -- reading members of a parsed JSON object (cJSON) the way every AWS response parser
 * and the simulator's state loader want it: absent or of the wrong type is "not there", never
 * an error of its own; and building the flat objects of strings that requests and audit
 * details are.
 */
#ifndef SBX_JSONR_H
#define SBX_JSONR_H

#include <stdarg.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* obj.key when it is a string, else NULL (borrowed from obj). */
const char *jsonr_str(const cJSON *obj, const char *key);
/* *dst = a heap copy of obj.key, or NULL when it is absent. Returns -1 only when out of
 * memory. */
int jsonr_dup(const cJSON *obj, const char *key, char **dst);
/* obj.key into buf (cut to n - 1 bytes), or "" when it is absent. */
void jsonr_copy(const cJSON *obj, const char *key, char *buf, size_t n);
/* obj.key when it is a number, else 0. */
double jsonr_num(const cJSON *obj, const char *key);
/*
 * A char * member of a struct (at offset off) read from the JSON member key: the rows of one
 * table say both what a parser copies and what its release frees. A table ends with a row whose
 * key is NULL.
 */
struct jsonr_field {
    const char *key;
    size_t off; /* offsetof(struct ..., member) */
};
/* Every field of f into obj (its fields NULL before) from j.key (jsonr_dup). Returns -1 only
 * when out of memory, with the fields of f freed. */
int jsonr_dup_fields(const cJSON *j, void *obj, const struct jsonr_field *f);
/* Frees every field of f in obj and sets it to NULL. */
void jsonr_free_fields(void *obj, const struct jsonr_field *f);
/* Frees the fields of f in each of the n elements of `size` bytes at items (f NULL: none),
 * then items. */
void jsonr_free_array(void *items, size_t n, size_t size, const struct jsonr_field *f);
/* Adds item as obj.name; item is taken over (deleted when it cannot be added, as when obj is
 * NULL; NULL means it could not be built). -1 when out of memory. */
int jsonr_add(cJSON *obj, const char *name, cJSON *item);
/* The same with item as the one element of a new array obj.name. */
int jsonr_add_one(cJSON *obj, const char *name, cJSON *item);
/* The n strings of v as the array obj.name. -1 when out of memory. */
int jsonr_add_strings(cJSON *obj, const char *name, const char *const *v, size_t n);
/* A new object of string members from ap: name, value pairs after `name`, ended by a NULL
 * name; a NULL value leaves its member out. NULL when out of memory. */
cJSON *jsonr_vstrings(const char *name, va_list ap);

#endif
