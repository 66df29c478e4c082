/*
 * check.h -- the unit-test harness: TEST(name) registers a case; CMake finds every
 * "TEST(name)" line and adds the ctest entry unit.<module>.<name>, which runs
 * `test_<module> <name>`. A failed CHECK prints file:line and what differed, then exits 1.
 */
#ifndef SBX_CHECK_H
#define SBX_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx.h"

typedef void (*check_fn)(void);
void check_register(const char *name, check_fn fn);
/* Runs when a test binary needs arguments beyond the case name (e.g. a vector directory). */
extern int check_argc;
extern char **check_argv;

#define TEST(name)                                                 \
    static void test_##name(void);                                 \
    __attribute__((constructor)) static void register_##name(void) \
    {                                                              \
        check_register(#name, test_##name);                        \
    }                                                              \
    static void test_##name(void)

#define CHECK_FAIL(...)                                 \
    do {                                                \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__);                   \
        fputc('\n', stderr);                            \
        exit(1);                                        \
    } while (0)

#define CHECK(cond)                                \
    do {                                           \
        if (!(cond))                               \
            CHECK_FAIL("check failed: %s", #cond); \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                  \
    do {                                                                    \
        intmax_t check_a_ = (intmax_t)(a), check_b_ = (intmax_t)(b);        \
        if (check_a_ != check_b_)                                           \
            CHECK_FAIL("%s == %s: %jd != %jd", #a, #b, check_a_, check_b_); \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                              \
    do {                                                                                \
        const char *check_a_ = (a), *check_b_ = (b);                                    \
        if (check_a_ == NULL || check_b_ == NULL || strcmp(check_a_, check_b_) != 0)    \
            CHECK_FAIL("%s == %s:\n  got:      \"%s\"\n  expected: \"%s\"", #a, #b,     \
                       check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)"); \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                          \
    do {                                                                     \
        const char *check_h_ = (hay), *check_n_ = (needle);                  \
        if (check_h_ == NULL || strstr(check_h_, check_n_) == NULL)          \
            CHECK_FAIL("%s does not contain \"%s\": \"%s\"", #hay, check_n_, \
                       check_h_ ? check_h_ : "(null)");                      \
    } while (0)

/* call must return 0; on failure prints err->msg. */
#define CHECK_OK(call, errp)                                 \
    do {                                                     \
        if ((call) != 0)                                     \
            CHECK_FAIL("%s failed: %s", #call, (errp)->msg); \
    } while (0)

/* call must return -1 and leave err->code == code. */
#define CHECK_ERR(call, errp, errcode)                                                      \
    do {                                                                                    \
        if ((call) == 0)                                                                    \
            CHECK_FAIL("%s succeeded, expected an error", #call);                           \
        if ((errp)->code != (errcode))                                                      \
            CHECK_FAIL("%s: error code %d, expected %s (%d): %s", #call, (int)(errp)->code, \
                       #errcode, (int)(errcode), (errp)->msg);                              \
    } while (0)

/* Reads a whole file into a NUL-terminated heap buffer (test helper); exits on failure. */
char *check_read_file(const char *path, size_t *len);
/* A fresh private directory under $TMPDIR; the caller may leave it (ctest runs are throwaway). */
char *check_tmpdir(void);
/* Sends stderr to the file path (created or truncated) until check_stderr_end(path, saved);
 * returns the saved descriptor. Exits on failure. */
int check_stderr_begin(const char *path);
/* Puts stderr back (saved: what check_stderr_begin returned); returns what was written to path
 * (heap). */
char *check_stderr_end(const char *path, int saved);

#endif
