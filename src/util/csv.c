/* csv.c -- RFC 4180 record reader and field writer (see csv.h). */
#include "util/csv.h"

#include <stdlib.h>
#include <string.h>

#include "util/grow.h"

/* A growable byte buffer for the field being read. */
struct field_buf {
    char *p;
    size_t n, cap;
};

static int
fb_put(struct field_buf *b, char c)
{
    if (grow_bytes(&b->p, &b->cap, b->n + 2, 64) != 0)
        return -1;
    b->p[b->n++] = c;
    b->p[b->n] = '\0';
    return 0;
}

/* Appends the finished field to rec (taking b's buffer) and resets b. */
static int
push_field(struct csv_record *rec, struct field_buf *b)
{
    char **fields = realloc(rec->fields, (rec->nfields + 1) * sizeof(*fields));

    if (fields == NULL)
        return -1;
    rec->fields = fields;
    if (b->p == NULL) {
        b->p = strdup("");
        if (b->p == NULL)
            return -1;
    }
    rec->fields[rec->nfields++] = b->p;
    b->p = NULL;
    b->n = b->cap = 0;
    return 0;
}

void
csv_reader_init(struct csv_reader *r, const char *buf, size_t len)
{
    r->buf = buf;
    r->len = len;
    r->pos = 0;
    r->line = 1;
    r->err_line = 0;
    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
        (unsigned char)buf[2] == 0xBF)
        r->pos = 3;
}

void
csv_record_release(struct csv_record *rec)
{
    if (rec == NULL)
        return;
    for (size_t i = 0; i < rec->nfields; i++)
        free(rec->fields[i]);
    free(rec->fields);
    rec->fields = NULL;
    rec->nfields = 0;
    rec->line = 0;
}

/* Consumes a line end at r->pos (CRLF, LF or a lone CR) if there is one. */
static bool
eat_eol(struct csv_reader *r)
{
    if (r->pos < r->len && r->buf[r->pos] == '\r') {
        r->pos++;
        if (r->pos < r->len && r->buf[r->pos] == '\n')
            r->pos++;
        r->line++;
        return true;
    }
    if (r->pos < r->len && r->buf[r->pos] == '\n') {
        r->pos++;
        r->line++;
        return true;
    }
    return false;
}

int
csv_next(struct csv_reader *r, struct csv_record *rec, struct sbx_err *err)
{
    struct field_buf b = { 0 };
    int rc = -1;

    csv_record_release(rec);
    /* Empty lines hold no record. */
    while (eat_eol(r))
        ;
    if (r->pos >= r->len)
        return 0;
    rec->line = r->line;
    for (;;) {
        /* At the start of a field. */
        if (r->pos < r->len && r->buf[r->pos] == '"') {
            int start_line = r->line;

            r->pos++;
            for (;;) {
                char c;

                if (r->pos >= r->len) {
                    r->err_line = start_line;
                    sbx_err_set(err, SBX_E_INVALID, "unterminated quoted field");
                    goto out;
                }
                c = r->buf[r->pos];
                if (c == '\0') {
                    r->err_line = r->line;
                    sbx_err_set(err, SBX_E_INVALID, "NUL byte in a field");
                    goto out;
                }
                if (c == '"') {
                    if (r->pos + 1 < r->len && r->buf[r->pos + 1] == '"') {
                        if (fb_put(&b, '"') != 0)
                            goto nomem;
                        r->pos += 2;
                        continue;
                    }
                    r->pos++;
                    break;
                }
                /* Line ends inside quotes are data; keep counting physical lines. */
                if (c == '\n' ||
                    (c == '\r' && !(r->pos + 1 < r->len && r->buf[r->pos + 1] == '\n')))
                    r->line++;
                if (fb_put(&b, c) != 0)
                    goto nomem;
                r->pos++;
            }
            if (r->pos < r->len && r->buf[r->pos] != ',' && r->buf[r->pos] != '\r' &&
                r->buf[r->pos] != '\n') {
                r->err_line = r->line;
                sbx_err_set(err, SBX_E_INVALID, "unexpected '%c' after a closing quote",
                            r->buf[r->pos]);
                goto out;
            }
        } else {
            while (r->pos < r->len) {
                char c = r->buf[r->pos];

                if (c == ',' || c == '\r' || c == '\n')
                    break;
                if (c == '"') {
                    r->err_line = r->line;
                    sbx_err_set(err, SBX_E_INVALID,
                                "'\"' inside an unquoted field (quote the whole field)");
                    goto out;
                }
                if (c == '\0') {
                    r->err_line = r->line;
                    sbx_err_set(err, SBX_E_INVALID, "NUL byte in a field");
                    goto out;
                }
                if (fb_put(&b, c) != 0)
                    goto nomem;
                r->pos++;
            }
        }
        if (push_field(rec, &b) != 0)
            goto nomem;
        if (r->pos < r->len && r->buf[r->pos] == ',') {
            r->pos++;
            continue;
        }
        eat_eol(r);
        break;
    }
    rc = 1;
    goto out;
nomem:
    r->err_line = r->line;
    sbx_err_nomem(err);
out:
    free(b.p);
    if (rc != 1)
        csv_record_release(rec);
    return rc;
}

int
csv_write_field(FILE *f, const char *s)
{
    size_t len;
    bool quote;

    if (s == NULL || *s == '\0')
        return 0;
    len = strlen(s);
    quote = strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' ||
            s[len - 1] == '\t';
    if (!quote)
        return fputs(s, f) < 0 ? -1 : 0;
    if (fputc('"', f) == EOF)
        return -1;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '"' && fputc('"', f) == EOF)
            return -1;
        if (fputc(*p, f) == EOF)
            return -1;
    }
    return fputc('"', f) == EOF ? -1 : 0;
}

int
csv_end_record(FILE *f)
{
    return fputs("\r\n", f) < 0 ? -1 : 0;
}
