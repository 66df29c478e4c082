/*
 * cmd_opt.h -- the commands' options, declared: one row per option, one parser.
 *
 * A command lists its options as rows ({ .name = long name, the short letter getopt_long also
 * takes or 0, type, target, then what the type needs: a range, a callback }) and calls
 * cmd_parse_opts(). The value becomes a bool, a string, a duration, a time, a number in a
 * range, or what a callback makes of it. --dry-run (-n) and --json (-j) are the rows
 * CMD_OPT_DRY_RUN and CMD_OPT_JSON. getopt_long does the parsing underneath, so long options
 * may be abbreviated and may follow the operands.
 *
 * A bad value is a usage error (exit status 2) worded "<cmd>: --<name>: <why>" followed by the
 * usage text; an unknown option or a missing argument is getopt_long's own message and the
 * usage text.
 */
#ifndef SBX_CMD_OPT_H
#define SBX_CMD_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h> /* optind: the first operand once cmd_parse_opts() returns */

enum cmd_opt_type {
    CMD_OPT_SET,      /* no argument: *(bool *)target = true */
    CMD_OPT_UNSET,    /* no argument: *(bool *)target = false (--no-wait) */
    CMD_OPT_STRING,   /* *(const char **)target = the argument (argv's storage) */
    CMD_OPT_DURATION, /* *(int64_t *)target = seconds ("90m", "7d"), at least min */
    CMD_OPT_TIME,     /* *(int64_t *)target = Unix time of RFC 3339 or a date */
    CMD_OPT_INT,      /* *(int64_t *)target = an integer in [min, max] */
    CMD_OPT_INT32,    /* *(int *)target = an integer in [min, max] */
    CMD_OPT_DOUBLE,   /* *(double *)target = a number in [lo, hi] */
    CMD_OPT_CALL,     /* fn(row, argument) */
    CMD_OPT_CALL_SET, /* no argument: fn(row, NULL) */
};

struct cmd_opt;

/* Takes arg for row o (o->target, o->data). Returns 0, or -1 with why written (NUL-terminated,
 * at most n bytes): the reason, or the whole message when o->whole_msg. */
typedef int cmd_opt_fn(const struct cmd_opt *o, const char *arg, char *why, size_t n);

struct cmd_opt {
    const char *name; /* long name without "--"; NULL ends a table */
    int letter;       /* the short option getopt_long accepts too (-k), 0 for none */
    enum cmd_opt_type type;
    void *target;
    bool *given;      /* set to true when the option is given (may be NULL) */
    int64_t min, max; /* CMD_OPT_INT, CMD_OPT_INT32: range; CMD_OPT_DURATION: min 1 refuses 0 */
    double lo, hi;    /* CMD_OPT_DOUBLE: range */
    cmd_opt_fn *fn;   /* CMD_OPT_CALL, CMD_OPT_CALL_SET */
    const void *data; /* what fn needs besides target */
    bool whole_msg;   /* fn's why is the whole message, not "<cmd>: --<name>: <why>" */
    bool no_operands; /* the end row (name NULL): the command takes no operand */
    const char *one;  /* the end row: the command takes exactly one operand, so named */
};

/* The options most commands share, rows like any other (one definition for all); the end of
 * a table, and with _NO_OPERANDS an operand is "unexpected argument '<arg>'", with _ONE(what)
 * anything but one operand is "<cmd>: name exactly one <what>". */
/* clang-format off */
#define CMD_OPT_DRY_RUN(flag)   { .name = "dry-run", 'n', CMD_OPT_SET, (flag) }
#define CMD_OPT_JSON(flag)      { .name = "json", 'j', CMD_OPT_SET, (flag) }
#define CMD_OPT_END             { .name = NULL }
#define CMD_OPT_END_NO_OPERANDS { .name = NULL, .no_operands = true }
#define CMD_OPT_END_ONE(what)   { .name = NULL, .one = (what) }
/* clang-format on */

/* A number in [lo, hi], the whole string s (strtod). Returns 0, or -1 leaving *out alone. */
int cmd_opt_parse_double(const char *s, double lo, double hi, double *out);

/*
 * Parses argv[1..] (argv[0] is the command) with getopt_long against the rows of opt (ended
 * by CMD_OPT_END, CMD_OPT_END_NO_OPERANDS or CMD_OPT_END_ONE); operands stay in
 * argv[optind..argc). cmd names
 * the command in messages ("create", "class create"); NULL words a bad value
 * "invalid --<name> '<value>'" (`sim`). Returns 0, or prints the error and usage on stderr
 * and returns SBX_EXIT_USAGE. Targets of options not given are left alone: set defaults first.
 */
int cmd_parse_opts(const char *cmd, const char *usage, const struct cmd_opt *opt, int argc,
                   char **argv);

#endif
