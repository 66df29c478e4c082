/*
 * fuzz_util.h -- helpers shared by the libFuzzer targets: NUL-terminated copies of an input,
 * splitting an input into parts, and a private temporary directory for targets whose parser
 * reads a file.
 *
 * Targets stay thin: each calls the project's own parsing functions on the input, so a renamed
 * function is a one-line change in its target.
 */
#ifndef SBX_FUZZ_UTIL_H
#define SBX_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A heap copy of data with a NUL appended (embedded NULs stay). Never NULL: aborts on OOM. */
char *fz_strndup(const uint8_t *data, size_t size);

/* Splits text (length len) at every separator line "%%" ("\n%%\n"), in place. parts[i] are
 * pointers into text, NUL-terminated; returns the number of parts (at most max). */
size_t fz_split(char *text, size_t len, char **parts, size_t *lens, size_t max);

/* Takes the next line off *p (up to '\n', which is removed), advancing *p past it; returns the
 * line, or NULL when *p is empty. */
char *fz_line(char **p);

/* A private directory made once per process in $TMPDIR, else /dev/shm, else /tmp (removed at
 * exit with the files in it). */
const char *fz_tmpdir(void);
/* Writes data to name inside fz_tmpdir(); returns the full path (static buffer). Aborts on
 * failure. */
const char *fz_write(const char *name, const void *data, size_t len);

#endif
