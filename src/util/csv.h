/*
 * csv.h -- RFC 4180 CSV: a strict record reader over an in-memory buffer and a field writer.
 *
 * Reader: fields are separated by ',' and records by CRLF or LF. A field that starts with '"'
 * is quoted: it may contain ',', CR, LF and '""' (one quote), and must end with '"' followed
 * by ',', a line end or the end of input. A '"' inside an unquoted field, text after a
 * closing quote, an unterminated quoted field and a NUL byte are errors. A UTF-8 byte order
 * mark at the start is skipped. Empty lines produce no record (a final line end is not an
 * extra record). Line numbers count physical lines from 1, so a quoted field spanning lines
 * moves the next record's line number on.
 *
 * Writer: a field is quoted when it holds ',', '"', CR, LF, or leading/trailing space, with
 * '"' doubled; records end with CRLF as RFC 4180 says.
 */
#ifndef SBX_CSV_H
#define SBX_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "sbx.h"

struct csv_reader {
    const char *buf; /* borrowed for the reader's life */
    size_t len;
    size_t pos;
    int line;     /* physical line the reader is on (1-based) */
    int err_line; /* line of the last error (valid after csv_next() returned -1) */
};

struct csv_record {
    char **fields; /* nfields heap strings, NUL-terminated (a field never contains NUL) */
    size_t nfields;
    int line; /* physical line the record starts on */
};

/* Starts reading buf (len bytes, need not be NUL-terminated); skips a UTF-8 BOM. */
void csv_reader_init(struct csv_reader *r, const char *buf, size_t len);

/*
 * Reads the next record into *rec (which must be zeroed or released). Returns 1 with a
 * record (owned by the caller: csv_record_release), 0 at the end of input, or -1 with err
 * (SBX_E_INVALID, the reason without a line number; r->err_line says where).
 */
int csv_next(struct csv_reader *r, struct csv_record *rec, struct sbx_err *err) SBX_NODISCARD;
/* Frees a record's fields and zeroes it; accepts a zeroed record. */
void csv_record_release(struct csv_record *rec);

/* Writes one field (quoted when needed) to f; a NULL s writes an empty field. Returns 0, or
 * -1 on a write error. The caller writes the ',' separators and csv_end_record(). */
int csv_write_field(FILE *f, const char *s);
/* Ends a record with CRLF. Returns 0, or -1 on a write error. */
int csv_end_record(FILE *f);

#endif
