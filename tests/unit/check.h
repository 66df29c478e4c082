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
#include "util/clock.h"

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
/* strdup() that exits on failure. */
char *check_strdup(const char *s);
/* A fresh private directory under $TMPDIR; the caller may leave it (ctest runs are throwaway). */
char *check_tmpdir(void);
/* The environment of a client under test that talks to an in-process simulator: no AWS
 * setting of the host's (profiles, endpoints, proxies, region, tokens), HOME as given, and the
 * simulator's key pair CHECK_SIM_KEY / CHECK_SIM_SECRET as the credentials. */
#define CHECK_SIM_KEY    "AKIDTEST"
#define CHECK_SIM_SECRET "secret"
void check_aws_env(const char *home);
/* A client test's environment: none of the AWS settings of the host's (the shared files are
 * those of the new home, which has none), HOME a fresh private directory (returned, heap), and
 * akid/secret as the keys (NULL: no keys). */
char *check_aws_home(const char *akid, const char *secret);

/* An engine over an in-process simulator on 127.0.0.1: check_sim_open(), then any change to
 * cfg, then check_engine_open(); check_fx_close() frees it all. */
struct check_fx {
    char *dir; /* the test's private directory (store.db, hooks/) */
    struct sim *sim;
    struct sim_server *srv;
    struct sbx_config *cfg;
    struct sbx_clock clock;
    struct store *store;
    struct orgs *orgs;
    struct engine *e;
    bool dry_run; /* set before check_engine_open(): an engine that changes nothing */
};
struct sim_opts;
/* Starts the simulator of so (its key pair set to CHECK_SIM_KEY / CHECK_SIM_SECRET, the
 * environment set by check_aws_env) and loads the default configuration pointed at it, with
 * hooks in dir/hooks. */
void check_sim_open(struct check_fx *f, struct sim_opts *so);
/* Opens the store, the Organizations client and the engine (actor "test") on a clock fixed at
 * start, or, with start 0, following the simulator's clock (aws.follow_sim_clock). */
void check_engine_open(struct check_fx *f, double start);
void check_fx_close(struct check_fx *f);
/* Sends stderr to the file path (created or truncated) until check_stderr_end(path, saved);
 * returns the saved descriptor. Exits on failure. */
int check_stderr_begin(const char *path);
/* Puts stderr back (saved: what check_stderr_begin returned); returns what was written to path
 * (heap). */
char *check_stderr_end(const char *path, int saved);

#endif
