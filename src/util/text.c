/*
 * text.c -- terminal-safe text (see text.h).
 *
 * Design: one decoder, unit(), turns the input at a position into one output unit -- a
 * character copied as is, or its escape -- so every writer cuts only between units. The
 * formatter makes two passes over the arguments (va_copy): the first measures the escaped
 * %s arguments and the rest of the text, the second writes with a cap on the longest
 * arguments, found by bisection, so that the whole fits. Nothing is allocated: the error
 * record (sbx_err.c) and the logger use it.
 */
#include "util/text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* At most this many %s arguments are shortened individually; more are a plain cut. */
#define TEXT_MAX_STRS 32

/* A code point copied as is would reorder or break the line it is printed on. */
static bool
format_control(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * The output unit for the input at s[i] (i < len): returns its length and points *p at its
 * bytes (the input itself, or esc); *adv is the number of input bytes it stands for.
 */
static size_t
unit(const unsigned char *s, size_t len, size_t i, char esc[8], const char **p, size_t *adv)
{
    unsigned c = s[i];
    uint32_t cp;
    size_t k;

    *adv = 1;
    if (c >= 0x20 && c < 0x7f) {
        *p = (const char *)s + i;
        return 1;
    }
    *p = esc;
    if (c == '\n' || c == '\r' || c == '\t') {
        esc[0] = '\\';
        esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        esc[2] = '\0';
        return 2;
    }
    if (c < 0x80)
        goto byte;
    /* UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. */
    if (c >= 0xc2 && c <= 0xdf) {
        k = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        k = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        k = 4;
        cp = c & 0x07;
    } else {
        goto byte;
    }
    if (len - i < k)
        goto byte;
    for (size_t j = 1; j < k; j++) {
        if ((s[i + j] & 0xc0) != 0x80)
            goto byte;
        cp = (cp << 6) | (s[i + j] & 0x3f);
    }
    if ((k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (k == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        goto byte;
    *adv = k;
    if (format_control(cp))
        return (size_t)snprintf(esc, 8, "\\u%04x", (unsigned)cp);
    *p = (const char *)s + i;
    return k;
byte:
    return (size_t)snprintf(esc, 8, "\\x%02x", c);
}

size_t
text_escape(char *out, size_t n, const char *src, size_t len)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t o = 0, total = 0, i = 0;
    bool full = n == 0;

    while (i < len) {
        char esc[8];
        const char *p;
        size_t adv, k = unit(s, len, i, esc, &p, &adv);

        if (!full && o + k < n) {
            memcpy(out + o, p, k);
            o += k;
        } else {
            full = true;
        }
        total += k;
        i += adv;
    }
    if (n > 0)
        out[o] = '\0';
    return total;
}

bool
text_needs_escape(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        char esc[8];
        const char *p;
        size_t adv;

        if (u[i] >= 0x20 && u[i] < 0x7f) {
            i++;
            continue;
        }
        unit(u, len, i, esc, &p, &adv);
        if (p == esc)
            return true;
        i += adv;
    }
    return false;
}

const char *
text_shorten(char *out, size_t n, const char *src, size_t len)
{
    size_t mark = sizeof(TEXT_ELLIPSIS) - 1, o;

    if (text_escape(out, n, src, len) < n || n <= mark + 1)
        return out;
    text_escape(out, n - mark, src, len);
    o = strlen(out);
    memcpy(out + o, TEXT_ELLIPSIS, mark + 1);
    return out;
}

const char *
text_safe(const char *s, char *buf, size_t n)
{
    if (s == NULL)
        s = "(null)";
    return text_shorten(buf, n, s, strlen(s));
}

void
text_fwrite(const char *s, size_t len, FILE *f)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        size_t run = i;

        /* Printable ASCII runs go out in one call. */
        while (run < len && u[run] >= 0x20 && u[run] < 0x7f)
            run++;
        if (run > i) {
            fwrite(s + i, 1, run - i, f);
            i = run;
            continue;
        }
        {
            char esc[8];
            const char *p;
            size_t adv, k = unit(u, len, i, esc, &p, &adv);

            fwrite(p, 1, k, f);
            i += adv;
        }
    }
}

void
text_fputs(const char *s, FILE *f)
{
    if (s != NULL)
        text_fwrite(s, strlen(s), f);
}

/* --- the formatter ------------------------------------------------------------------------- */

struct pass {
    char *out; /* NULL while measuring */
    size_t n, o;
    bool full;                  /* writing: the end was cut */
    size_t fixed;               /* measuring: bytes that are not %s arguments */
    size_t strs[TEXT_MAX_STRS]; /* measuring: escaped length of each %s argument */
    size_t nstr;                /* %s arguments seen */
    size_t cap;                 /* writing: most bytes one %s argument may take */
};

/* Appends text that is already safe (format text, numbers, padding), cut on a UTF-8 boundary. */
static void
put(struct pass *p, const char *s, size_t len)
{
    if (p->out == NULL) {
        p->fixed += len;
        return;
    }
    if (p->full)
        return;
    if (p->o + len >= p->n) {
        size_t k = p->n - 1 - p->o;

        while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
            k--;
        len = k;
        p->full = true;
    }
    memcpy(p->out + p->o, s, len);
    p->o += len;
    p->out[p->o] = '\0';
}

static void
pad(struct pass *p, size_t w)
{
    static const char spaces[] = "                                ";

    while (w > 0) {
        size_t k = w < sizeof(spaces) - 1 ? w : sizeof(spaces) - 1;

        put(p, spaces, k);
        w -= k;
    }
}

/* Untrusted text: escaped, and in the writing pass shortened to the cap. */
static void
put_str(struct pass *p, const char *s, size_t len, size_t width, bool left)
{
    size_t idx = p->nstr++, e = text_escape(NULL, 0, s, len), lim, room, wrote;

    if (p->out == NULL) {
        if (idx < TEXT_MAX_STRS)
            p->strs[idx] = e;
        else
            p->fixed += e;
        if (width > e)
            p->fixed += width - e;
        return;
    }
    lim = idx < TEXT_MAX_STRS && e > p->cap ? p->cap : e;
    if (!left && width > lim)
        pad(p, width - lim);
    if (p->full)
        return;
    room = p->n - p->o;
    if (lim < e) {
        text_shorten(p->out + p->o, lim + 1 < room ? lim + 1 : room, s, len);
        p->full = lim + 1 > room;
    } else {
        text_escape(p->out + p->o, room, s, len);
        p->full = e >= room;
    }
    wrote = strlen(p->out + p->o);
    p->o += wrote;
    if (left && width > wrote)
        pad(p, width - wrote);
}

/* The length of s[0..max) that ends on a character boundary (a precision on %s). */
static size_t
str_prefix(const char *s, size_t max)
{
    size_t len = strnlen(s, max);

    if (len == max && s[len] != '\0') {
        while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
            len--;
    }
    return len;
}

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#endif

/* Reads a decimal field (width or precision), saturating. */
static int
decimal(const char **f)
{
    int v = 0;

    while (**f >= '0' && **f <= '9') {
        if (v < 100000)
            v = v * 10 + (**f - '0');
        (*f)++;
    }
    return v;
}

/* A number through snprintf with the spec rebuilt from its parts ('*' already resolved). */
static void
put_number(struct pass *p, const char *flags, int width, int prec, const char *lenmod, char conv,
           va_list *ap)
{
    char sp[40], w[16] = "", pr[16] = "", buf[512];

    if (width > 0)
        snprintf(w, sizeof(w), "%d", width);
    if (prec >= 0)
        snprintf(pr, sizeof(pr), ".%d", prec);
    snprintf(sp, sizeof(sp), "%%%s%s%s%s%c", flags, w, pr, lenmod, conv);
    buf[0] = '\0';
    if (conv == 'p') {
        snprintf(buf, sizeof(buf), sp, va_arg(*ap, void *));
    } else if (strchr("fFeEgGaA", conv) != NULL) {
        if (strcmp(lenmod, "L") == 0)
            snprintf(buf, sizeof(buf), sp, va_arg(*ap, long double));
        else
            snprintf(buf, sizeof(buf), sp, va_arg(*ap, double));
    } else if (conv == 'd' || conv == 'i') {
        if (strcmp(lenmod, "ll") == 0)
            snprintf(buf, sizeof(buf), sp, va_arg(*ap, long long));
        else if (strcmp(lenmod, "l") == 0)
            snprintf(buf, sizeof(buf), sp, va_arg(*ap, long));
        else if (strcmp(lenmod, "j") == 0)
            snprintf(buf, sizeof(buf), sp, va_arg(*ap, intmax_t));
        else if (strcmp(lenmod, "z") == 0 || strcmp(lenmod, "t") == 0)
            snprintf(buf, sizeof(buf), sp, va_arg(*ap, ptrdiff_t));
        else
            snprintf(buf, sizeof(buf), sp, va_arg(*ap, int)); /* hh and h promote to int */
    } else {
        if (strcmp(lenmod, "ll") == 0)
            snprintf(buf, sizeof(buf), sp, va_arg(*ap, unsigned long long));
        else if (strcmp(lenmod, "l") == 0)
            snprintf(buf, sizeof(buf), sp, va_arg(*ap, unsigned long));
        else if (strcmp(lenmod, "j") == 0)
            snprintf(buf, sizeof(buf), sp, va_arg(*ap, uintmax_t));
        else if (strcmp(lenmod, "z") == 0 || strcmp(lenmod, "t") == 0)
            snprintf(buf, sizeof(buf), sp, va_arg(*ap, size_t));
        else
            snprintf(buf, sizeof(buf), sp, va_arg(*ap, unsigned));
    }
    put(p, buf, strlen(buf));
}

/* One pass over fmt and the arguments in *ap. */
static void
run(struct pass *p, const char *fmt, va_list *ap)
{
    const char *f = fmt;

    while (*f != '\0') {
        const char *pct = strchr(f, '%'), *spec;
        char flags[8], lenmod[3];
        int width = 0, prec = -1;
        size_t nf = 0, nl = 0;
        bool left = false;
        char conv;

        if (pct == NULL) {
            put(p, f, strlen(f));
            return;
        }
        put(p, f, (size_t)(pct - f));
        spec = pct;
        f = pct + 1;
        if (*f == '%') {
            put(p, "%", 1);
            f++;
            continue;
        }
        while (*f != '\0' && strchr("-+ #0", *f) != NULL) {
            left = left || *f == '-';
            if (nf < sizeof(flags) - 1)
                flags[nf++] = *f;
            f++;
        }
        flags[nf] = '\0';
        if (*f == '*') {
            width = va_arg(*ap, int);
            if (width < 0) {
                left = true;
                width = width < -100000 ? 100000 : -width;
                if (nf < sizeof(flags) - 1) {
                    flags[nf++] = '-';
                    flags[nf] = '\0';
                }
            }
            f++;
        } else {
            width = decimal(&f);
        }
        if (*f == '.') {
            f++;
            if (*f == '*') {
                prec = va_arg(*ap, int);
                prec = prec < 0 ? -1 : prec;
                f++;
            } else {
                prec = decimal(&f);
            }
        }
        while (*f != '\0' && strchr("hljztL", *f) != NULL && nl < sizeof(lenmod) - 1)
            lenmod[nl++] = *f++;
        lenmod[nl] = '\0';
        conv = *f;
        if (conv == '\0' || strchr("diuoxXcspfFeEgGaA", conv) == NULL) {
            put(p, spec, strlen(spec)); /* not understood: the rest is text, no more arguments */
            return;
        }
        f++;
        if (conv == 's') {
            const char *s = va_arg(*ap, const char *);

            if (s == NULL)
                s = "(null)";
            put_str(p, s, prec >= 0 ? str_prefix(s, (size_t)prec) : strlen(s), (size_t)width, left);
        } else if (conv == 'c') {
            char ch = (char)va_arg(*ap, int), esc[8];
            size_t e = text_escape(esc, sizeof(esc), &ch, 1);

            if (!left && (size_t)width > e)
                pad(p, (size_t)width - e);
            put(p, esc, e);
            if (left && (size_t)width > e)
                pad(p, (size_t)width - e);
        } else {
            put_number(p, flags, width, prec, lenmod, conv, ap);
        }
    }
}

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* The largest cap that makes the %s arguments fit in budget bytes (bisection). */
static size_t
find_cap(const struct pass *m, size_t budget)
{
    size_t lo = 0, hi = 0, total = 0, nstr = m->nstr < TEXT_MAX_STRS ? m->nstr : TEXT_MAX_STRS;

    for (size_t i = 0; i < nstr; i++) {
        total += m->strs[i];
        hi = m->strs[i] > hi ? m->strs[i] : hi;
    }
    if (total <= budget)
        return SIZE_MAX;
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2, sum = 0;

        for (size_t i = 0; i < nstr; i++)
            sum += m->strs[i] < mid ? m->strs[i] : mid;
        if (sum <= budget)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

size_t
text_vformat(char *out, size_t n, const char *fmt, va_list ap)
{
    struct pass m = { 0 }, w = { 0 };
    va_list aq;

    if (n == 0)
        return 0;
    out[0] = '\0';
    va_copy(aq, ap);
    run(&m, fmt, &aq);
    va_end(aq);
    w.out = out;
    w.n = n;
    w.cap = find_cap(&m, m.fixed < n - 1 ? n - 1 - m.fixed : 0);
    va_copy(aq, ap);
    run(&w, fmt, &aq);
    va_end(aq);
    return w.o;
}

size_t
text_format(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    size_t len;

    va_start(ap, fmt);
    len = text_vformat(out, n, fmt, ap);
    va_end(ap);
    return len;
}

int
text_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *
text_percent_decode(const char *src, size_t len, bool plus_space, size_t *out_len)
{
    char *out = malloc(len + 1);
    size_t n = 0;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;

        if (src[i] == '%' && i + 2 < len && (hi = text_hex_digit(src[i + 1])) >= 0 &&
            (lo = text_hex_digit(src[i + 2])) >= 0) {
            out[n++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[n++] = plus_space && src[i] == '+' ? ' ' : src[i];
        }
    }
    out[n] = '\0';
    if (out_len != NULL)
        *out_len = n;
    return out;
}
