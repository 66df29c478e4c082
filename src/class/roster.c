/*
 * roster.c -- parse and validate class rosters (see roster.h).
 *
 * The whole file is checked before the caller creates anything, so an instructor fixes every
 * problem up front instead of finding a half-provisioned class. Duplicates are found by
 * sorting (email lowercased, line) pairs, which keeps a 10,000-row roster fast.
 */
#include "class/roster.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/csv.h"
#include "util/grow.h"

bool
roster_email_valid(const char *s, char *why, size_t n)
{
    const char *at = strchr(s, '@');
    const char *dom, *label;
    size_t len = strlen(s);

    if (len == 0) {
        snprintf(why, n, "empty email address");
        return false;
    }
    if (len > ROSTER_EMAIL_MAX) {
        snprintf(why, n, "email address longer than %d characters", ROSTER_EMAIL_MAX);
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;

        if (c <= 0x20 || c >= 0x7f) {
            snprintf(why, n, "email address '%s' contains a blank or non-ASCII character", s);
            return false;
        }
    }
    if (at == NULL || strchr(at + 1, '@') != NULL) {
        snprintf(why, n, "'%s' is not an email address (needs exactly one '@')", s);
        return false;
    }
    if (at == s) {
        snprintf(why, n, "email address '%s' has an empty local part", s);
        return false;
    }
    for (const char *p = s; p < at; p++) {
        if (strchr("\"()<>[]:;,\\", *p) != NULL) {
            snprintf(why, n, "email address '%s' has '%c' in its local part", s, *p);
            return false;
        }
    }
    if (s[0] == '.' || at[-1] == '.') {
        snprintf(why, n, "email address '%s' has a local part starting or ending with '.'", s);
        return false;
    }
    dom = at + 1;
    if (strchr(dom, '.') == NULL) {
        snprintf(why, n, "email address '%s' has no '.' in its domain", s);
        return false;
    }
    label = dom;
    for (const char *p = dom;; p++) {
        if (*p == '.' || *p == '\0') {
            if (p == label) {
                snprintf(why, n, "email address '%s' has an empty domain label", s);
                return false;
            }
            if (*label == '-' || p[-1] == '-') {
                snprintf(why, n,
                         "email address '%s' has a domain label starting or ending with '-'", s);
                return false;
            }
            if (*p == '\0')
                break;
            label = p + 1;
            continue;
        }
        if (!isalnum((unsigned char)*p) && *p != '-') {
            snprintf(why, n, "email address '%s' has '%c' in its domain", s, *p);
            return false;
        }
    }
    return true;
}

/* True when s is well-formed UTF-8 without control characters (C0, DEL, C1). */
static bool
name_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p != '\0') {
        unsigned cp;
        int extra;

        if (*p < 0x80) {
            if (*p < 0x20 || *p == 0x7f)
                return false;
            p++;
            continue;
        }
        if ((*p & 0xE0) == 0xC0) {
            cp = *p & 0x1Fu;
            extra = 1;
        } else if ((*p & 0xF0) == 0xE0) {
            cp = *p & 0x0Fu;
            extra = 2;
        } else if ((*p & 0xF8) == 0xF0) {
            cp = *p & 0x07u;
            extra = 3;
        } else {
            return false;
        }
        p++;
        for (int i = 0; i < extra; i++, p++) {
            if ((*p & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (*p & 0x3Fu);
        }
        /* Overlong forms, surrogates, beyond Unicode, and C1 controls. */
        if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
            (extra == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
            (cp >= 0x80 && cp <= 0x9F))
            return false;
    }
    return true;
}

/* Returns a heap copy of s without leading and trailing blanks (space, tab), or NULL. */
static char *
trimmed_dup(const char *s)
{
    size_t len;

    while (*s == ' ' || *s == '\t')
        s++;
    len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return strndup(s, len);
}

/* Returns a heap copy of a display name with every run of blanks and line ends (a quoted
 * field may span lines) folded into one space and none at either end, or NULL. */
static char *
folded_dup(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    size_t n = 0;
    bool blank = false;

    if (d == NULL)
        return NULL;
    for (; *s != '\0'; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
            blank = n > 0;
            continue;
        }
        if (blank)
            d[n++] = ' ';
        blank = false;
        d[n++] = *s;
    }
    d[n] = '\0';
    return d;
}

static bool
is_header(const struct csv_record *rec)
{
    char *f0 = NULL, *f1 = NULL;
    bool yes;

    f0 = trimmed_dup(rec->fields[0]);
    f1 = rec->nfields > 1 ? trimmed_dup(rec->fields[1]) : NULL;
    yes = f0 != NULL && strcasecmp(f0, "email") == 0 &&
          (rec->nfields == 1 || (f1 != NULL && strcasecmp(f1, "name") == 0));
    free(f0);
    free(f1);
    return yes;
}

/* Sort key for duplicate detection. */
struct dup_key {
    const char *email;
    size_t index;
};

static int
dup_cmp(const void *a, const void *b)
{
    const struct dup_key *x = a, *y = b;
    int c = strcasecmp(x->email, y->email);

    if (c != 0)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

void
roster_release(struct roster *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->students[i].email);
        free(r->students[i].name);
    }
    free(r->students);
    r->students = NULL;
    r->n = 0;
}

int
roster_parse(const char *label, const char *text, size_t len, struct roster *out,
             struct sbx_err *err)
{
    struct csv_reader rd;
    struct csv_record rec = { 0 };
    struct roster r = { 0 };
    struct dup_key *keys = NULL;
    size_t cap = 0;
    bool first = true;
    char why[384];
    int got, rc = -1;

    if (len > ROSTER_MAX_BYTES) {
        sbx_err_set(err, SBX_E_INVALID, "roster '%s' is larger than %d bytes", label,
                    ROSTER_MAX_BYTES);
        return -1;
    }
    csv_reader_init(&rd, text, len);
    for (;;) {
        struct roster_student *st;

        got = csv_next(&rd, &rec, err);
        if (got < 0) {
            sbx_err_prefix(err, "roster '%s' line %d", label, rd.err_line);
            goto out;
        }
        if (got == 0)
            break;
        if (first) {
            first = false;
            if (is_header(&rec))
                continue;
        }
        if (rec.nfields > 2) {
            sbx_err_set(err, SBX_E_INVALID,
                        "roster '%s' line %d: expected 1 or 2 fields (email, name), got %zu", label,
                        rec.line, rec.nfields);
            goto out;
        }
        if (r.n == ROSTER_MAX_STUDENTS) {
            sbx_err_set(err, SBX_E_INVALID, "roster '%s' line %d: more than %d students", label,
                        rec.line, ROSTER_MAX_STUDENTS);
            goto out;
        }
        st = grow_slot(&r.students, r.n, &cap, sizeof(*st));
        if (st == NULL)
            goto nomem;
        st->email = trimmed_dup(rec.fields[0]);
        st->name = folded_dup(rec.nfields > 1 ? rec.fields[1] : "");
        st->line = rec.line;
        if (st->email == NULL || st->name == NULL) {
            free(st->email);
            free(st->name);
            goto nomem;
        }
        r.n++;
        if (!roster_email_valid(st->email, why, sizeof(why))) {
            sbx_err_set(err, SBX_E_INVALID, "roster '%s' line %d: %s", label, rec.line, why);
            goto out;
        }
        if (!name_valid(st->name)) {
            sbx_err_set(err, SBX_E_INVALID,
                        "roster '%s' line %d: display name is not valid UTF-8 text (control "
                        "characters or bad bytes)",
                        label, rec.line);
            goto out;
        }
        if (strlen(st->name) > ROSTER_NAME_MAX) {
            sbx_err_set(err, SBX_E_INVALID,
                        "roster '%s' line %d: display name longer than %d bytes", label, rec.line,
                        ROSTER_NAME_MAX);
            goto out;
        }
    }
    if (r.n == 0) {
        sbx_err_set(err, SBX_E_INVALID, "roster '%s' has no students", label);
        goto out;
    }
    keys = calloc(r.n, sizeof(*keys));
    if (keys == NULL)
        goto nomem;
    for (size_t i = 0; i < r.n; i++) {
        keys[i].email = r.students[i].email;
        keys[i].index = i;
    }
    qsort(keys, r.n, sizeof(*keys), dup_cmp);
    /* In each run of equal emails the first key is the earliest row and the second is its
     * first repeat; report the repeat that comes first in the file. */
    {
        size_t best = r.n;

        for (size_t i = 1; i < r.n; i++) {
            bool run_start = i == 1 || strcasecmp(keys[i - 2].email, keys[i - 1].email) != 0;

            if (run_start && strcasecmp(keys[i].email, keys[i - 1].email) == 0 &&
                (best == r.n || keys[i].index < keys[best].index))
                best = i;
        }
        if (best != r.n) {
            const struct roster_student *a = &r.students[keys[best - 1].index];
            const struct roster_student *b = &r.students[keys[best].index];

            sbx_err_set(err, SBX_E_INVALID,
                        "roster '%s' line %d: duplicate student '%s' (already on line %d as "
                        "'%s')",
                        label, b->line, b->email, a->line, a->email);
            goto out;
        }
    }
    *out = r;
    r.students = NULL;
    r.n = 0;
    rc = 0;
    goto out;
nomem:
    sbx_err_nomem(err);
out:
    free(keys);
    csv_record_release(&rec);
    roster_release(&r);
    return rc;
}

int
roster_load(const char *path, struct roster *out, struct sbx_err *err)
{
    FILE *f = NULL;
    char *buf = NULL;
    size_t n = 0;
    int rc = -1;

    f = fopen(path, "rb");
    if (f == NULL) {
        sbx_err_set(err, SBX_E_IO, "cannot open roster '%s': %s", path, strerror(errno));
        goto out;
    }
    /* One byte more than the limit tells "too large" apart from "exactly at the limit". */
    buf = malloc((size_t)ROSTER_MAX_BYTES + 1);
    if (buf == NULL) {
        sbx_err_nomem(err);
        goto out;
    }
    n = fread(buf, 1, (size_t)ROSTER_MAX_BYTES + 1, f);
    if (ferror(f)) {
        sbx_err_set(err, SBX_E_IO, "cannot read roster '%s': %s", path, strerror(errno));
        goto out;
    }
    rc = roster_parse(path, buf, n, out, err);
out:
    free(buf);
    if (f != NULL)
        fclose(f);
    return rc;
}

int
roster_write_csv_record(FILE *f, const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *c = cells[i];

        if (i > 0 && fputc(',', f) == EOF)
            return -1;
        if (c != NULL && c[0] != '\0' && strchr("=+-@\t\r", c[0]) != NULL) {
            /* The quote goes inside the field, so it is quoted as the value needs. */
            size_t len = strlen(c);
            char *q = malloc(len + 2);
            int rc;

            if (q == NULL)
                return -1;
            q[0] = '\'';
            memcpy(q + 1, c, len + 1);
            rc = csv_write_field(f, q);
            free(q);
            if (rc != 0)
                return -1;
        } else if (csv_write_field(f, c) != 0) {
            return -1;
        }
    }
    return csv_end_record(f);
}
