/* test_text.c -- terminal-safe text: escaping, shortening on character boundaries, formatting
 * that keeps the reason, and the error record and log lines built on it. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "util/log.h"
#include "util/text.h"

static const char *
esc(const char *s)
{
    static char buf[256];

    text_escape(buf, sizeof(buf), s, strlen(s));
    return buf;
}

TEST(escape_c0_and_del)
{
    CHECK_STR_EQ(esc("a\033]0;pwned\007b"), "a\\x1b]0;pwned\\x07b");
    CHECK_STR_EQ(esc("line\nnext\r\tend"), "line\\nnext\\r\\tend");
    CHECK_STR_EQ(esc("del\177"), "del\\x7f");
    CHECK_STR_EQ(esc("plain ASCII, with \\ and 'quotes'"), "plain ASCII, with \\ and 'quotes'");
    /* An embedded NUL is escaped, not the end. */
    {
        char buf[32];

        CHECK_INT_EQ(text_escape(buf, sizeof(buf), "a\0b", 3), 6);
        CHECK_STR_EQ(buf, "a\\x00b");
    }
}

TEST(escape_c1_and_format_controls)
{
    /* U+009B is CSI, a one-character ESC [ for terminals that honour 8-bit controls. */
    CHECK_STR_EQ(esc("x\xc2\x9b"
                     "31my"),
                 "x\\u009b31my");
    CHECK_STR_EQ(esc("\xc2\x80\xc2\x9f"), "\\u0080\\u009f");
    /* Bidi override (U+202E) and line separator (U+2028). */
    CHECK_STR_EQ(esc("ab\xe2\x80\xae"
                     "cd\xe2\x80\xa8"),
                 "ab\\u202ecd\\u2028");
    /* Ordinary non-ASCII text is kept. */
    CHECK_STR_EQ(esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0"),
                 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0");
}

TEST(escape_invalid_utf8)
{
    CHECK_STR_EQ(esc("a\xff"
                     "b"),
                 "a\\xffb");
    CHECK_STR_EQ(esc("\xc3"), "\\xc3");                            /* truncated sequence */
    CHECK_STR_EQ(esc("\xc3(x"), "\\xc3(x");                        /* bad continuation */
    CHECK_STR_EQ(esc("\xc0\xaf"), "\\xc0\\xaf");                   /* overlong '/' */
    CHECK_STR_EQ(esc("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");          /* overlong, 3 bytes */
    CHECK_STR_EQ(esc("\xed\xa0\x80"), "\\xed\\xa0\\x80");          /* surrogate U+D800 */
    CHECK_STR_EQ(esc("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); /* above U+10FFFF */
    CHECK_STR_EQ(esc("\x80"), "\\x80");                            /* lone continuation byte */
}

TEST(escape_is_idempotent)
{
    char once[128], twice[128];
    const char *in = "o\033[2Jwn\xc2\x9b\xff\n";

    text_escape(once, sizeof(once), in, strlen(in));
    text_escape(twice, sizeof(twice), once, strlen(once));
    CHECK_STR_EQ(twice, once);
}

TEST(escape_cuts_on_boundaries)
{
    char buf[8];

    /* "é" is two bytes: 3 of them fit in 6 bytes + NUL, never half of the fourth. */
    CHECK_INT_EQ(text_escape(buf, 8, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8), 8);
    CHECK_STR_EQ(buf, "\xc3\xa9\xc3\xa9\xc3\xa9");
    /* An escape is never cut either: "ab" + "\x1b" needs 6 bytes; 5 leaves it out. */
    CHECK_INT_EQ(text_escape(buf, 6, "ab\033", 3), 6);
    CHECK_STR_EQ(buf, "ab");
    CHECK_INT_EQ(text_escape(buf, 7, "ab\033", 3), 6);
    CHECK_STR_EQ(buf, "ab\\x1b");
}

TEST(shorten_marks_the_cut)
{
    char buf[10];

    CHECK_STR_EQ(text_shorten(buf, sizeof(buf), "short", 5), "short");
    CHECK_STR_EQ(text_shorten(buf, sizeof(buf), "0123456789abc", 13), "012345...");
    /* The cut falls between characters: 6 bytes of room before the mark, "é" takes 2. */
    CHECK_STR_EQ(text_shorten(buf, sizeof(buf), "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 10),
                 "\xc3\xa9\xc3\xa9\xc3\xa9...");
    CHECK_STR_EQ(text_shorten(buf, sizeof(buf), "a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 11),
                 "a\xc3\xa9\xc3\xa9...");
    CHECK_STR_EQ(text_safe(NULL, buf, sizeof(buf)), "(null)");
}

TEST(format_escapes_arguments)
{
    char buf[128];

    text_format(buf, sizeof(buf), "invalid owner '%s': %c is not allowed", "a\033]0;x\007b",
                '\033');
    CHECK_STR_EQ(buf, "invalid owner 'a\\x1b]0;x\\x07b': \\x1b is not allowed");
    text_format(buf, sizeof(buf), "%d %5.2f %-4s| %4s| %lld %zu %x %% %.3s %c", -7, 3.14159, "ab",
                "cd", -9000000000LL, (size_t)42, 255u, "abcdef", 'z');
    CHECK_STR_EQ(buf, "-7  3.14 ab  |   cd| -9000000000 42 ff % abc z");
    text_format(buf, sizeof(buf), "%*d|%-*s|%.*s", 4, 7, 3, "x", 2, "hello");
    CHECK_STR_EQ(buf, "   7|x  |he");
    /* A precision never splits a character. */
    text_format(buf, sizeof(buf), "'%.3s'", "\xc3\xa9\xc3\xa9");
    CHECK_STR_EQ(buf, "'\xc3\xa9'");
    {
        const char *volatile none = NULL;

        text_format(buf, sizeof(buf), "%s", none);
        CHECK_STR_EQ(buf, "(null)");
    }
}

TEST(format_shortens_the_value_not_the_reason)
{
    char buf[100], owner[1000];

    memset(owner, 'x', sizeof(owner) - 1);
    owner[sizeof(owner) - 1] = '\0';
    CHECK(text_format(buf, sizeof(buf), "invalid owner '%s': too long (at most %d characters)",
                      owner, 64) < sizeof(buf));
    CHECK_CONTAINS(buf, "invalid owner 'xxxx");
    CHECK_CONTAINS(buf, "...': too long (at most 64 characters)");
    CHECK_INT_EQ(strlen(buf), sizeof(buf) - 1);
    /* With two values, the longer one gives way first; the short one stays whole. */
    text_format(buf, sizeof(buf), "seat '%s' of class '%s': %s", owner, "intro-101",
                "EMAIL_ALREADY_EXISTS");
    CHECK_CONTAINS(buf, "' of class 'intro-101': EMAIL_ALREADY_EXISTS");
    CHECK_CONTAINS(buf, "seat 'xxx");
    /* Multi-byte values are shortened on a character boundary. */
    {
        char wide[600] = "";

        for (int i = 0; i < 250; i++)
            memcpy(wide + 2 * i, "\xc3\xa9", 3);
        text_format(buf, sizeof(buf), "name '%s' is taken", wide);
        CHECK_CONTAINS(buf, "\xc3\xa9...' is taken");
    }
    /* When even the words do not fit, the end is cut, on a character boundary. */
    {
        char small[8];

        text_format(small, sizeof(small), "%s", "ab\xc3\xa9\xc3\xa9\xc3\xa9");
        CHECK_STR_EQ(small, "ab\xc3\xa9...");
        text_format(small, sizeof(small), "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 %d", 1);
        CHECK_STR_EQ(small, "\xc3\xa9\xc3\xa9\xc3\xa9");
    }
}

TEST(err_keeps_reason_and_names_context_once)
{
    struct sbx_err err = { 0 };
    char owner[2000];

    memset(owner, 'o', sizeof(owner) - 1);
    owner[sizeof(owner) - 1] = '\0';
    sbx_err_set(&err, SBX_E_INVALID, "invalid owner '%s': '%c' is not allowed", owner, '\033');
    CHECK_CONTAINS(err.msg, "...': '\\x1b' is not allowed");
    CHECK(strchr(err.msg, '\033') == NULL);

    /* A prefix that is already there is not added again. */
    sbx_err_set(&err, SBX_E_AWS, "DescribeOrganization: HTTP 200: malformed JSON response");
    sbx_err_prefix(&err, "%s", "DescribeOrganization");
    CHECK_STR_EQ(err.msg, "DescribeOrganization: HTTP 200: malformed JSON response");
    sbx_err_prefix(&err, "cannot describe the organization");
    CHECK_STR_EQ(err.msg, "cannot describe the organization: DescribeOrganization: HTTP 200: "
                          "malformed JSON response");

    /* A long reason survives a long context: the context is what gets shortened. */
    {
        char reason[400];

        memset(reason, 'r', sizeof(reason) - 1);
        reason[sizeof(reason) - 1] = '\0';
        sbx_err_set(&err, SBX_E_AWS, "AccessDeniedException: %s end-of-reason", reason);
        sbx_err_prefix(&err, "cannot close '%s'", owner);
        CHECK_CONTAINS(err.msg, "cannot close 'ooo");
        CHECK_CONTAINS(err.msg, "...: AccessDeniedException: rrrr");
        CHECK_CONTAINS(err.msg, "end-of-reason");
    }
}

/* Out of memory is reported one way everywhere: code, message, exit status; the allocating
 * helpers set nothing when they succeed. */
TEST(err_nomem_is_one_report)
{
    struct sbx_err err = { 0 };
    char *copy;
    int *zeroed;

    CHECK_INT_EQ(sbx_err_nomem(&err), -1);
    CHECK_INT_EQ(err.code, SBX_E_NOMEM);
    CHECK_STR_EQ(err.msg, "out of memory");
    CHECK_INT_EQ(sbx_err_exit_code(&err), SBX_EXIT_FAILURE);
    CHECK_INT_EQ(sbx_err_nomem(NULL), -1);

    sbx_err_clear(&err);
    copy = sbx_strdup("owner@example.com", &err);
    CHECK(copy != NULL);
    CHECK_STR_EQ(copy, "owner@example.com");
    free(copy);
    zeroed = sbx_calloc(4, sizeof(*zeroed), &err);
    CHECK(zeroed != NULL);
    CHECK_INT_EQ(zeroed[0] | zeroed[1] | zeroed[2] | zeroed[3], 0);
    free(zeroed);
    CHECK_INT_EQ(err.code, SBX_E_OK);
}

TEST(log_line_is_escaped)
{
    char path[] = "/tmp/sbx-test-text.XXXXXX", line[512] = "";
    int fd = mkstemp(path), saved = dup(2);
    FILE *f;

    CHECK(fd >= 0 && saved >= 0);
    fflush(stderr);
    dup2(fd, 2);
    log_error("create: invalid owner '%s'", "a\033]0;pwned\007b");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    f = fdopen(fd, "r");
    CHECK(f != NULL);
    rewind(f);
    CHECK(fgets(line, sizeof(line), f) != NULL);
    fclose(f);
    unlink(path);
    CHECK_STR_EQ(line, "sandboxctl: create: invalid owner 'a\\x1b]0;pwned\\x07b'\n");
}
