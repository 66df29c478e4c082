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
/* A new object of string members from ap: name, value pairs after `name`, ended by a NULL
 * name; a NULL value leaves its member out. NULL when out of memory. */
cJSON *jsonr_vstrings(const char *name, va_list ap);

#endif
