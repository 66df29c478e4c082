/* test_cmd_opt.c -- the commands' option parser: typed targets, the common options, and the
 * usage errors (their text and exit status). */
#include <unistd.h>

#include "check.h"
#include "cli/cmd.h"
#include "util/log.h"

static const char usage[] = "usage: sandboxctl t [--flag] [--ttl DURATION]";

/* The command line of one test: words copied into argv (getopt_long permutes it). */
struct line {
    char words[16][64];
    char *argv[17];
    int argc;
};

static void
line_init(struct line *l, const char *const *words)
{
    memset(l, 0, sizeof(*l));
    for (; words[l->argc] != NULL; l->argc++) {
        snprintf(l->words[l->argc], sizeof(l->words[0]), "%s", words[l->argc]);
        l->argv[l->argc] = l->words[l->argc];
    }
}

/* Runs cmd_parse_opts with stderr in a file; *out is what it wrote (heap). */
static int
parse(const char *cmd, const struct cmd_opt *rows, const char *const *words, char **out)
{
    char *dir = check_tmpdir(), path[4200];
    struct line l;
    int saved, rc;

    log_set_progname("sandboxctl");
    line_init(&l, words);
    snprintf(path, sizeof(path), "%s/stderr", dir);
    saved = check_stderr_begin(path);
    rc = cmd_parse_opts(cmd, usage, rows, l.argc, l.argv);
    *out = check_stderr_end(path, saved);
    unlink(path);
    rmdir(dir);
    free(dir);
    return rc;
}

struct targets {
    bool flag, wait, dry_run, json, given;
    const char *name;
    int64_t ttl, until, count;
    int small;
    double rate;
};

/* The rows every case below parses with, over t. */
static void
rows_for(struct targets *t, struct cmd_opt rows[11])
{
    const struct cmd_opt r[11] = {
        CMD_OPT_DRY_RUN(&t->dry_run),
        CMD_OPT_JSON(&t->json),
        { .name = "flag", .letter = 'f', .type = CMD_OPT_SET, .target = &t->flag },
        { .name = "no-wait", .letter = 'W', .type = CMD_OPT_UNSET, .target = &t->wait },
        { .name = "name", .letter = 'N', .type = CMD_OPT_STRING, .target = &t->name },
        { .name = "ttl",
          .letter = 't',
          .type = CMD_OPT_DURATION,
          .target = &t->ttl,
          .given = &t->given,
          .min = 1 },
        { .name = "until", .type = CMD_OPT_TIME, .target = &t->until },
        { .name = "count", .type = CMD_OPT_INT, .target = &t->count, .min = 1, .max = 9 },
        { .name = "small", .type = CMD_OPT_INT32, .target = &t->small, .min = 0, .max = 5 },
        { .name = "rate", .type = CMD_OPT_DOUBLE, .target = &t->rate, .lo = 0, .hi = 1 },
        CMD_OPT_END,
    };

    memcpy(rows, r, sizeof(r));
}

TEST(typed_targets)
{
    struct targets t = { .wait = true };
    struct cmd_opt rows[11];
    const char *const words[] = { "t",       "--flag",  "--no-wait",
                                  "--name",  "x y",     "--ttl",
                                  "90m",     "--until", "2030-01-02T03:04:05Z",
                                  "--count", "9",       "--small",
                                  "5",       "--rate",  "0.25",
                                  "OPERAND", NULL };
    char *err;

    rows_for(&t, rows);
    CHECK_INT_EQ(parse("t", rows, words, &err), 0);
    CHECK_STR_EQ(err, "");
    free(err);
    CHECK(t.flag);
    CHECK(!t.wait);
    CHECK_STR_EQ(t.name, "x y");
    CHECK_INT_EQ(t.ttl, 5400);
    CHECK(t.given);
    CHECK_INT_EQ(t.until, 1893553445);
    CHECK_INT_EQ(t.count, 9);
    CHECK_INT_EQ(t.small, 5);
    CHECK(t.rate == 0.25);
    CHECK_INT_EQ(optind, 15); /* the operand */
}

TEST(short_letters_abbreviations_and_operands_first)
{
    struct targets t = { .wait = true };
    struct cmd_opt rows[11];
    const char *const words[] = { "t", "-f", "-W", "--na", "abbrev", "-t", "1d", "OPERAND", NULL };
    const char *const later[] = { "t", "OPERAND", "--fl", NULL };
    char *err;

    rows_for(&t, rows);
    CHECK_INT_EQ(parse("t", rows, words, &err), 0);
    free(err);
    CHECK(t.flag && !t.wait && t.given);
    CHECK_STR_EQ(t.name, "abbrev");
    CHECK_INT_EQ(t.ttl, 86400);
    /* Options may follow the operands (getopt_long permutes). */
    t.flag = false;
    CHECK_INT_EQ(parse("t", rows, later, &err), 0);
    free(err);
    CHECK(t.flag);
    CHECK_INT_EQ(optind, 2);
}

TEST(untouched_when_not_given)
{
    struct targets t = { .wait = true, .ttl = 77, .name = "default" };
    struct cmd_opt rows[11];
    const char *const words[] = { "t", NULL };
    char *err;

    rows_for(&t, rows);
    CHECK_INT_EQ(parse("t", rows, words, &err), 0);
    free(err);
    CHECK(t.wait && !t.flag && !t.given);
    CHECK_INT_EQ(t.ttl, 77);
    CHECK_STR_EQ(t.name, "default");
}

TEST(missing_argument)
{
    struct targets t = { 0 };
    struct cmd_opt rows[11];
    const char *const words[] = { "t", "--ttl", NULL };
    char *err;

    rows_for(&t, rows);
    CHECK_INT_EQ(parse("t", rows, words, &err), SBX_EXIT_USAGE);
    CHECK_CONTAINS(err, "option '--ttl' requires an argument");
    CHECK_CONTAINS(err, usage);
    free(err);
}

/* A bad value: "sandboxctl: <cmd>: --<name>: <why>", then the usage, exit status 2. */
TEST(bad_value_text)
{
    static const struct {
        const char *opt, *value, *msg;
    } cases[] = {
        { "--ttl", "0", "sandboxctl: t: --ttl: must be positive\n" },
        { "--ttl", "5 parsecs", "sandboxctl: t: --ttl: " },
        { "--until", "yesterday", "sandboxctl: t: --until: " },
        { "--count", "10", "sandboxctl: t: --count: " },
        { "--small", "-1", "sandboxctl: t: --small: " },
        { "--rate", "1.5", "sandboxctl: t: --rate: not a number from 0 to 1\n" },
    };

    for (size_t i = 0; i < SBX_ARRAY_LEN(cases); i++) {
        struct targets t = { 0 };
        struct cmd_opt rows[11];
        const char *const words[] = { "t", cases[i].opt, cases[i].value, NULL };
        char *err;

        rows_for(&t, rows);
        CHECK_INT_EQ(parse("t", rows, words, &err), SBX_EXIT_USAGE);
        CHECK(strncmp(err, cases[i].msg, strlen(cases[i].msg)) == 0);
        CHECK_CONTAINS(err, usage);
        CHECK(!t.given);
        free(err);
    }
}

static int
take_even(const struct cmd_opt *o, const char *arg, char *why, size_t n)
{
    if (strlen(arg) % 2 != 0) {
        snprintf(why, n, o->whole_msg ? "t: '%s' is odd" : "odd", arg);
        return -1;
    }
    *(const char **)o->target = arg;
    return 0;
}

TEST(callback_messages)
{
    const char *v = NULL;
    const struct cmd_opt part[] = {
        { .name = "even", .type = CMD_OPT_CALL, .target = &v, .fn = take_even },
        CMD_OPT_END,
    };
    const struct cmd_opt whole[] = {
        { .name = "even", .type = CMD_OPT_CALL, .target = &v, .fn = take_even, .whole_msg = true },
        CMD_OPT_END,
    };
    const char *const ok[] = { "t", "--even", "ab", NULL };
    const char *const odd[] = { "t", "--even", "abc", NULL };
    char *err;

    CHECK_INT_EQ(parse("t", part, ok, &err), 0);
    free(err);
    CHECK_STR_EQ(v, "ab");
    CHECK_INT_EQ(parse("t", part, odd, &err), SBX_EXIT_USAGE);
    CHECK(strncmp(err, "sandboxctl: t: --even: odd\n", 27) == 0);
    free(err);
    CHECK_INT_EQ(parse("t", whole, odd, &err), SBX_EXIT_USAGE);
    CHECK(strncmp(err, "sandboxctl: t: 'abc' is odd\n", 28) == 0);
    free(err);
    /* Without .cmd (sim's wording): "invalid --<name> '<value>'", a callback's why in (). */
    CHECK_INT_EQ(parse(NULL, part, odd, &err), SBX_EXIT_USAGE);
    CHECK(strncmp(err, "sandboxctl: invalid --even 'abc' (odd)\n", 39) == 0);
    free(err);
}

TEST(plain_wording_without_cmd)
{
    struct targets t = { 0 };
    struct cmd_opt rows[11];
    const char *const words[] = { "t", "--rate", "x", NULL };
    char *err;

    rows_for(&t, rows);
    CHECK_INT_EQ(parse(NULL, rows, words, &err), SBX_EXIT_USAGE);
    CHECK(strncmp(err, "sandboxctl: invalid --rate 'x'\n", 31) == 0);
    free(err);
}

TEST(unknown_option)
{
    struct targets t = { 0 };
    struct cmd_opt rows[11];
    const char *const lng[] = { "t", "--bogus", NULL };
    const char *const shrt[] = { "t", "-x", NULL };
    const char *const no_letter[] = { "t", "-u", "2030-01-01", NULL };
    char *err;

    rows_for(&t, rows);
    CHECK_INT_EQ(parse("t", rows, lng, &err), SBX_EXIT_USAGE);
    CHECK_CONTAINS(err, "unrecognized option '--bogus'");
    CHECK_CONTAINS(err, usage);
    free(err);
    CHECK_INT_EQ(parse("t", rows, shrt, &err), SBX_EXIT_USAGE);
    CHECK_CONTAINS(err, "invalid option -- 'x'");
    free(err);
    /* A row without a letter has no short form. */
    CHECK_INT_EQ(parse("t", rows, no_letter, &err), SBX_EXIT_USAGE);
    free(err);
}

TEST(common_options)
{
    struct targets t = { 0 };
    struct cmd_opt rows[11];
    const struct cmd_opt json_only[] = { CMD_OPT_JSON(&t.json), CMD_OPT_END };
    const char *const lng[] = { "t", "--dry-run", "--json", NULL };
    const char *const shrt[] = { "t", "-nj", NULL };
    const char *const dry[] = { "t", "--dry-run", NULL };
    char *err;

    rows_for(&t, rows);
    CHECK_INT_EQ(parse("t", rows, lng, &err), 0);
    free(err);
    CHECK(t.dry_run && t.json);
    t.dry_run = t.json = false;
    CHECK_INT_EQ(parse("t", rows, shrt, &err), 0);
    free(err);
    CHECK(t.dry_run && t.json);
    /* A command without --dry-run refuses it. */
    t.dry_run = false;
    CHECK_INT_EQ(parse("t", json_only, dry, &err), SBX_EXIT_USAGE);
    CHECK_CONTAINS(err, "unrecognized option '--dry-run'");
    free(err);
    CHECK(!t.dry_run);
}

TEST(no_operands)
{
    const struct cmd_opt some[] = { CMD_OPT_END };
    const struct cmd_opt none[] = { CMD_OPT_END_NO_OPERANDS };
    const char *const zero[] = { "t", NULL };
    const char *const one[] = { "t", "extra", NULL };
    char *err;

    CHECK_INT_EQ(parse("t", none, zero, &err), 0);
    free(err);
    CHECK_INT_EQ(parse("t", some, one, &err), 0);
    free(err);
    CHECK_INT_EQ(optind, 1);
    CHECK_INT_EQ(parse("t", none, one, &err), SBX_EXIT_USAGE);
    CHECK(strncmp(err, "sandboxctl: unexpected argument 'extra'\n", 40) == 0);
    free(err);
}

TEST(exactly_one_operand)
{
    const struct cmd_opt one_row[] = { CMD_OPT_END_ONE("ACCOUNT") };
    const char *const one[] = { "t", "#3", NULL };
    const char *const *const wrong[] = {
        (const char *const[]){ "t", NULL },
        (const char *const[]){ "t", "#3", "#4", NULL },
    };
    char *err;

    CHECK_INT_EQ(parse("t", one_row, one, &err), 0);
    CHECK_STR_EQ(err, "");
    free(err);
    CHECK_INT_EQ(optind, 1);
    for (size_t i = 0; i < SBX_ARRAY_LEN(wrong); i++) {
        CHECK_INT_EQ(parse("t", one_row, wrong[i], &err), SBX_EXIT_USAGE);
        CHECK(strncmp(err, "sandboxctl: t: name exactly one ACCOUNT\nusage: ", 47) == 0);
        free(err);
    }
}
