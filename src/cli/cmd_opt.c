/* cmd_opt.c -- the one option parser of the commands (cmd_opt.h), over getopt_long. */
#include "cli/cmd_opt.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "util/duration.h"

/* More than any command has; a longer table is a programming error caught by the tests. */
#define CMD_OPT_MAX 32
/* getopt_long's value for a row without a short letter: above every character. */
#define CMD_OPT_VAL 256

static const struct cmd_opt common_rows[] = {
    { .name = "dry-run", .letter = 'n', .type = CMD_OPT_SET },
    { .name = "json", .letter = 'j', .type = CMD_OPT_SET },
};

int
cmd_opt_parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || errno != 0 || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

/* Stores arg into o's target. Returns 0, or -1 with why. */
static int
take(const struct cmd_opt *o, const char *arg, char *why, size_t n)
{
    struct sbx_err err = { 0 };
    int64_t v = 0;

    why[0] = '\0';
    switch (o->type) {
    case CMD_OPT_SET:
    case CMD_OPT_UNSET:
        *(bool *)o->target = o->type == CMD_OPT_SET;
        return 0;
    case CMD_OPT_STRING:
        *(const char **)o->target = arg;
        return 0;
    case CMD_OPT_DURATION:
        if (duration_parse(arg, &v, &err) != 0)
            break;
        if (v < o->min) { /* min is 1 where a duration is bounded: 0 is refused */
            snprintf(why, n, "must be positive");
            return -1;
        }
        *(int64_t *)o->target = v;
        return 0;
    case CMD_OPT_TIME:
        if (duration_parse_time(arg, &v, &err) != 0)
            break;
        *(int64_t *)o->target = v;
        return 0;
    case CMD_OPT_INT:
    case CMD_OPT_INT32:
        if (duration_parse_int64(arg, o->min, o->max, &v, &err) != 0)
            break;
        if (o->type == CMD_OPT_INT)
            *(int64_t *)o->target = v;
        else
            *(int *)o->target = (int)v;
        return 0;
    case CMD_OPT_DOUBLE:
        if (cmd_opt_parse_double(arg, o->lo, o->hi, (double *)o->target) == 0)
            return 0;
        snprintf(why, n, "not a number from %g to %g", o->lo, o->hi);
        return -1;
    case CMD_OPT_CALL:
    case CMD_OPT_CALL_SET:
        return o->fn(o, arg, why, n);
    }
    snprintf(why, n, "%s", err.msg);
    return -1;
}

static int
bad_value(const struct cmd_opts *spec, const struct cmd_opt *o, const char *arg, const char *why)
{
    if (o->whole_msg)
        return cmd_usage_error(spec->usage, "%s", why);
    if (spec->cmd == NULL) {
        bool say = o->fn != NULL && why[0] != '\0'; /* a callback's hint */

        return cmd_usage_error(spec->usage, "invalid --%s '%s'%s%s%s", o->name, arg,
                               say ? " (" : "", say ? why : "", say ? ")" : "");
    }
    return cmd_usage_error(spec->usage, "%s: --%s: %s", spec->cmd, o->name, why);
}

int
cmd_parse_opts(const struct cmd_opts *spec, int argc, char **argv)
{
    struct cmd_opt rows[CMD_OPT_MAX];
    struct option lopts[CMD_OPT_MAX + 1];
    char shorts[2 * CMD_OPT_MAX + 1], why[512];
    size_t n = 0, ns = 0;
    int ch;

    /* The table's end, or room for the common rows (CMD_OPT_MAX is above any command's). */
    for (const struct cmd_opt *o = spec->opt; o != NULL && o->name != NULL && n + 2 < CMD_OPT_MAX;
         o++)
        rows[n++] = *o;
    if (spec->dry_run != NULL) {
        rows[n] = common_rows[0];
        rows[n++].target = spec->dry_run;
    }
    if (spec->json != NULL) {
        rows[n] = common_rows[1];
        rows[n++].target = spec->json;
    }
    for (size_t i = 0; i < n; i++) {
        bool has_arg = rows[i].type != CMD_OPT_SET && rows[i].type != CMD_OPT_UNSET &&
                       rows[i].type != CMD_OPT_CALL_SET;

        lopts[i] = (struct option){ rows[i].name, has_arg ? required_argument : no_argument, NULL,
                                    rows[i].letter != 0 ? rows[i].letter : CMD_OPT_VAL + (int)i };
        if (rows[i].letter != 0) {
            shorts[ns++] = (char)rows[i].letter;
            if (has_arg)
                shorts[ns++] = ':';
        }
    }
    lopts[n] = (struct option){ NULL, 0, NULL, 0 };
    shorts[ns] = '\0';
    /* 0, not 1: glibc re-initialises getopt, so options may follow operands. */
    optind = 0;
    while ((ch = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
        const struct cmd_opt *o = NULL;

        for (size_t i = 0; i < n && o == NULL; i++) {
            if (lopts[i].val == ch)
                o = &rows[i];
        }
        if (o == NULL) /* unknown option or missing argument: getopt_long said which */
            return cmd_usage_error(spec->usage, NULL);
        if (take(o, optarg, why, sizeof(why)) != 0)
            return bad_value(spec, o, optarg, why);
        if (o->given != NULL)
            *o->given = true;
    }
    if (spec->no_operands && optind != argc)
        return cmd_usage_error(spec->usage, "unexpected argument '%s'", argv[optind]);
    return 0;
}
