/*
 * roster.h -- a class roster: one student per CSV row (email, optional display name).
 *
 * The file is RFC 4180 CSV (util/csv.h: quoted fields, embedded commas, quotes and line
 * ends, CRLF or LF, a UTF-8 BOM tolerated), optionally starting with the header row
 * `email,name` (or just `email`). It is validated completely before anything is created:
 * every row has 1 or 2 fields, a plausible email address (the student becomes the seat's
 * owner), a display name of valid UTF-8 without control characters once runs of blanks and
 * line ends are folded into single spaces (at most ROSTER_NAME_MAX bytes), and no student
 * appears twice (emails compared case-insensitively).
 * Every error reads "roster 'FILE' line N: why" (code SBX_E_INVALID, exit status 2);
 * a duplicate names both lines.
 */
#ifndef SBX_ROSTER_H
#define SBX_ROSTER_H

#include <stddef.h>
#include <stdio.h>

#include "sbx.h"

#define ROSTER_MAX_BYTES    (4 * 1024 * 1024) /* larger files are refused */
#define ROSTER_MAX_STUDENTS 10000
#define ROSTER_EMAIL_MAX    254 /* RFC 5321 path limit */
#define ROSTER_NAME_MAX     128

struct roster_student {
    char *email; /* trimmed of surrounding blanks, case kept */
    char *name;  /* blanks folded and trimmed; "" when the row has none */
    int line;    /* physical line of the row in the file (1-based) */
};

struct roster {
    struct roster_student *students; /* in file order */
    size_t n;
};

/*
 * Parses and validates roster text (len bytes) read from the file called label (used only in
 * messages). On success *out is filled and owned by the caller (roster_release); a roster
 * with no student is an error. On failure *out is untouched and err says why.
 */
int roster_parse(const char *label, const char *text, size_t len, struct roster *out,
                 struct sbx_err *err) SBX_NODISCARD;
/* Reads the file at path and parses it as roster_parse() does (SBX_E_IO if unreadable). */
int roster_load(const char *path, struct roster *out, struct sbx_err *err) SBX_NODISCARD;
/* Frees the students and zeroes r; accepts a zeroed roster. */
void roster_release(struct roster *r);

/*
 * Checks that s looks like a deliverable email address: at most ROSTER_EMAIL_MAX bytes of
 * printable 7-bit ASCII, exactly one '@', a non-empty local part without blanks or
 * " ( ) < > [ ] : ; , \ and not starting or ending with '.', and a domain of letters, digits,
 * '-' and '.' with at least one '.', no empty label and no label starting or ending with '-'.
 * Returns true, or false with the reason in why (size n).
 */
bool roster_email_valid(const char *s, char *why, size_t n);

/*
 * Writes one CSV record of n cells to f (util/csv.h quoting, CRLF end). A cell a spreadsheet
 * would read as a formula -- one starting with '=', '+', '-', '@', a tab or a carriage return
 * -- is written with a single quote in front (OWASP's advice on CSV injection): a display
 * name such as =HYPERLINK(...) from a roster never runs in the instructor's spreadsheet.
 * NULL cells are empty. Returns 0, or -1 on a write error.
 */
int roster_write_csv_record(FILE *f, const char *const *cells, size_t n);

#endif
