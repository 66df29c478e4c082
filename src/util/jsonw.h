/*
 * jsonw.h -- a buffered writer for JSON text produced in bulk (`list --json` of 100,000
 * accounts): the caller writes the structure, jsonw escapes strings and formats numbers into
 * one large buffer that goes to a FILE whenever it fills. No tree is built.
 *
 * Design notes:
 * - The hot path is jsonw_reserve(): the caller asks once for the worst-case size of what it
 *   is about to write (a string of n bytes needs at most JSONW_STRING_MAX(n)) and then writes
 *   through the returned pointer with the *_into() functions, without a bounds check per
 *   piece.
 * - Without a FILE (f == NULL) the buffer grows in memory instead: the text is then w->buf,
 *   w->len bytes (not NUL-terminated), for tests and for parsing the text back.
 * - Errors are sticky: after an allocation or write failure every call is a no-op and
 *   jsonw_flush() returns -1, so a bulk writer checks once at the end.
 */
#ifndef SBX_JSONW_H
#define SBX_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct jsonw {
    FILE *f; /* where full buffers go; NULL = grow in memory */
    char *buf;
    size_t len, cap;
    bool failed; /* allocation or write failure: nothing more is written */
};

/* Room a quoted, escaped string of n bytes needs at most ("\u00XX" per byte plus quotes). */
#define JSONW_STRING_MAX(n) (6 * (size_t)(n) + 2)
/* Room a decimal int64 needs at most. */
#define JSONW_INT_MAX 20

/*
 * Starts a writer with a cap-byte buffer (f != NULL: the buffer flushed to f when full;
 * f == NULL: cap is the initial size of a growing buffer). Returns -1 when out of memory
 * (w is then failed and safe to release).
 */
int jsonw_init(struct jsonw *w, FILE *f, size_t cap);
/* Writes what is buffered to w->f (nothing in memory mode). -1 when the writer failed. */
int jsonw_flush(struct jsonw *w);
/* Frees the buffer without flushing. Accepts a zeroed or failed writer. */
void jsonw_release(struct jsonw *w);

/* Out-of-line part of jsonw_reserve (flush or grow). */
char *jsonw_reserve_slow(struct jsonw *w, size_t n);

/*
 * A pointer to at least n writable bytes at the end of the text, or NULL when the writer
 * failed (or n exceeds the buffer of a FILE writer). The caller writes k <= n bytes there and
 * then calls jsonw_commit(w, k); nothing else may touch w in between.
 */
static inline char *
jsonw_reserve(struct jsonw *w, size_t n)
{
    if (n <= w->cap - w->len && !w->failed)
        return w->buf + w->len;
    return jsonw_reserve_slow(w, n);
}

/* Ends a write started with jsonw_reserve: k bytes were written (p - reserved pointer). */
static inline void
jsonw_commit(struct jsonw *w, size_t k)
{
    w->len += k;
}

/* Appends n raw bytes (JSON punctuation, keys, values known not to need escaping). */
void jsonw_raw(struct jsonw *w, const char *s, size_t n);
/* Appends s[0..n) as a quoted JSON string (escaping as jsonw_string_into does). */
void jsonw_write_string(struct jsonw *w, const char *s, size_t n);
/* Appends the decimal text of v. */
void jsonw_int(struct jsonw *w, int64_t v);

/*
 * Writes s[0..n) quoted and escaped at p, which has room for JSONW_STRING_MAX(n) bytes, and
 * returns the end. Escapes '"' and '\\' with a backslash, \n \r \t by name and every other
 * byte below 0x20 as \u00xx (lower-case hex); every other byte, including UTF-8 sequences and
 * NUL-free binary above 0x7f, passes through unchanged. Embedded NULs (n counts them) are
 * escaped as \u0000.
 */
char *jsonw_string_into(char *p, const char *s, size_t n);
/* Writes the decimal text of v at p (room for JSONW_INT_MAX bytes) and returns the end. */
char *jsonw_int_into(char *p, int64_t v);

/* Copies n bytes to p and returns the end: for literal pieces, json_lit_into(p, "\"id\":"). */
static inline char *
json_bytes_into(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}
#define json_lit_into(p, lit) json_bytes_into((p), (lit), sizeof(lit) - 1)

#endif
