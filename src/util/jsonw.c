/*
 * jsonw.c -- buffered JSON text output. Strings are first checked 8 bytes at a time for the
 * few bytes JSON needs escaped (SWAR: bytes below 0x20, '"' and '\\'); the usual email, name
 * or owner has none and is copied whole, the rare other one is escaped byte by byte.
 */
#include "util/jsonw.h"

#include <stdlib.h>

int
jsonw_init(struct jsonw *w, FILE *f, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->f = f;
    if (cap < 64)
        cap = 64;
    w->buf = malloc(cap);
    if (w->buf == NULL) {
        w->failed = true;
        return -1;
    }
    w->cap = cap;
    return 0;
}

void
jsonw_release(struct jsonw *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

int
jsonw_flush(struct jsonw *w)
{
    if (w->failed)
        return -1;
    if (w->f != NULL && w->len > 0) {
        if (fwrite(w->buf, 1, w->len, w->f) != w->len)
            w->failed = true;
        w->len = 0;
    }
    return w->failed ? -1 : 0;
}

char *
jsonw_reserve_slow(struct jsonw *w, size_t n)
{
    size_t cap = w->cap;
    char *grown;

    if (w->failed)
        return NULL;
    if (w->f != NULL && jsonw_flush(w) != 0)
        return NULL;
    if (n <= w->cap - w->len)
        return w->buf + w->len;
    /* Memory mode, or one piece larger than a FILE writer's whole buffer: grow. */
    while (cap - w->len < n) {
        if (cap > SIZE_MAX / 2) {
            w->failed = true;
            return NULL;
        }
        cap *= 2;
    }
    grown = realloc(w->buf, cap);
    if (grown == NULL) {
        w->failed = true;
        return NULL;
    }
    w->buf = grown;
    w->cap = cap;
    return w->buf + w->len;
}

void
jsonw_raw(struct jsonw *w, const char *s, size_t n)
{
    char *p = jsonw_reserve(w, n);

    if (p == NULL)
        return;
    memcpy(p, s, n);
    jsonw_commit(w, n);
}

void
jsonw_write_string(struct jsonw *w, const char *s, size_t n)
{
    char *p = jsonw_reserve(w, JSONW_STRING_MAX(n));

    if (p == NULL)
        return;
    jsonw_commit(w, (size_t)(jsonw_string_into(p, s, n) - p));
}

void
jsonw_int(struct jsonw *w, int64_t v)
{
    char *p = jsonw_reserve(w, JSONW_INT_MAX);

    if (p == NULL)
        return;
    jsonw_commit(w, (size_t)(jsonw_int_into(p, v) - p));
}

#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* The high bit of each of the 8 bytes of x that is below 0x20, '"' or '\\', plus perhaps
 * bytes above a matching one (a borrow): exact for "any", which is all it is used for. */
static inline uint64_t
word_escapes(uint64_t x)
{
    uint64_t q = x ^ (ONES * '"'), b = x ^ (ONES * '\\');

    return (((x - ONES * 0x20) & ~x) | ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS;
}

static inline bool
byte_needs_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

/* Whether s[0..n) holds anything to escape: whole 8-byte words, the last one overlapping the
 * one before, so a string of 8 bytes or more needs no byte loop. */
static inline bool
needs_escape(const char *s, size_t n)
{
    uint64_t x, acc = 0;

    if (n < 8) {
        for (size_t i = 0; i < n; i++) {
            if (byte_needs_escape((unsigned char)s[i]))
                return true;
        }
        return false;
    }
    for (size_t i = 0; i + 8 <= n; i += 8) {
        memcpy(&x, s + i, 8);
        acc |= word_escapes(x);
    }
    memcpy(&x, s + n - 8, 8);
    return (acc | word_escapes(x)) != 0;
}

char *
jsonw_string_into(char *p, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";

    *p++ = '"';
    if (!needs_escape(s, n)) {
        memcpy(p, s, n);
        p += n;
        *p++ = '"';
        return p;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (!byte_needs_escape(c)) {
            *p++ = (char)c;
            continue;
        }
        *p++ = '\\';
        switch (c) {
        case '"':
            *p++ = '"';
            break;
        case '\\':
            *p++ = '\\';
            break;
        case '\n':
            *p++ = 'n';
            break;
        case '\r':
            *p++ = 'r';
            break;
        case '\t':
            *p++ = 't';
            break;
        default:
            *p++ = 'u';
            *p++ = '0';
            *p++ = '0';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    *p++ = '"';
    return p;
}

char *
jsonw_int_into(char *p, int64_t v)
{
    char tmp[JSONW_INT_MAX];
    char *t = tmp + sizeof(tmp);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    size_t k;

    do {
        *--t = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        *--t = '-';
    k = (size_t)(tmp + sizeof(tmp) - t);
    memcpy(p, t, k);
    return p + k;
}
