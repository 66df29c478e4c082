/*
 * text.h -- values from input made safe to print on a terminal, and messages that keep their
 * reason when a value in them is long.
 *
 * Escaping: C0 control characters and DEL become \n, \r, \t or \xNN; C1 controls (U+0080 to
 * U+009F) and the Unicode characters that reorder or break a line (U+061C, U+200E, U+200F,
 * U+2028 to U+202E, U+2066 to U+2069) become \uNNNN; every byte that is not part of valid UTF-8
 * becomes \xNN. Everything else, valid multi-byte UTF-8 and the backslash included, is copied:
 * escaping escaped text changes nothing, so a message may pass through several layers (error
 * record, prefix, log line) and is escaped once. Output is never cut inside a character or an
 * escape sequence.
 */
#ifndef SBX_TEXT_H
#define SBX_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sbx.h"

/* Appended to a value that was shortened. */
#define TEXT_ELLIPSIS "..."

/*
 * Writes the escaped form of src[0..len) into out (size n; NUL-terminated when n > 0), as many
 * whole characters as fit. Returns the length of the complete escaped form, as snprintf does:
 * a return value >= n means the output was cut.
 */
size_t text_escape(char *out, size_t n, const char *src, size_t len);

/* True when the escaped form of s[0..len) differs from s (a fast scan for plain text). */
bool text_needs_escape(const char *s, size_t len);

/*
 * Same as text_escape, but a form that does not fit is cut on a character boundary and ends in
 * "..." (when n leaves room for it). Returns out.
 */
const char *text_shorten(char *out, size_t n, const char *src, size_t len);

/* text_shorten of the NUL-terminated s (NULL prints as "(null)") into buf of size n. */
const char *text_safe(const char *s, char *buf, size_t n);

/*
 * snprintf into out (size n > 0) with every %s and %c argument escaped. When the result does
 * not fit, the longest %s arguments are shortened first (each ends in "..."), so that the
 * words of the format -- what went wrong and why -- survive a long value; only when those do
 * not fit either is the end cut (on a character boundary). Understands flags, width and
 * precision (also '*'), the length modifiers hh h l ll j z t L and the conversions
 * d i u o x X c s p f F e E g G a A and %%; formatting stops at anything else. A precision
 * on %s never cuts inside a UTF-8 character. Returns the length written.
 */
size_t text_vformat(char *out, size_t n, const char *fmt, va_list ap) SBX_PRINTF(3, 0);
size_t text_format(char *out, size_t n, const char *fmt, ...) SBX_PRINTF(3, 4);

/* Writes the escaped form of s (NULL: nothing) to f, however long. */
void text_fputs(const char *s, FILE *f);
/* Same for s[0..len). */
void text_fwrite(const char *s, size_t len, FILE *f);

/* The value of hexadecimal digit c (either case), -1 when c is none. */
int text_hex_digit(int c);
/*
 * Percent-decodes src[0..len) into a new heap string (NUL-terminated; its length in *out_len
 * when out_len is not NULL); a '%' not followed by two hex digits is kept as is, and with
 * plus_space (application/x-www-form-urlencoded) '+' becomes a space. NULL when out of memory.
 */
char *text_percent_decode(const char *src, size_t len, bool plus_space, size_t *out_len);

#endif
