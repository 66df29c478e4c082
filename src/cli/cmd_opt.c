/* cmd_opt.c -- the one option parser of the commands (cmd_opt.h), over getopt_long. */
#include "cli/cmd_opt.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "util/duration.h"

/* More than any command has (sim has 21); rows past it are not seen. */
#define CMD_OPT_MAX 32
/* getopt_long's value for a row without a short letter: above every character. */
#define CMD_OPT_VAL 256

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
bad_value(const char *cmd, const char *usage, const struct cmd_opt *o, const char *arg,
          const char *why)
{
    if (o->whole_msg)
        return cmd_usage_error(usage, "%s", why);
    if (cmd == NULL) {
        bool say = o->fn != NULL && why[0] != '\0'; /* a callback's hint */

        return cmd_usage_error(usage, "invalid --%s '%s'%s%s%s", o->name, arg, say ? " (" : "",
                               say ? why : "", say ? ")" : "");
    }
    return cmd_usage_error(usage, "%s: --%s: %s", cmd, o->name, why);
}

int
cmd_parse_opts(const char *cmd, const char *usage, const struct cmd_opt *opt, int argc, char **argv)
{
    struct option lopts[CMD_OPT_MAX + 1];
    char shorts[2 * CMD_OPT_MAX + 1], why[512];
    size_t n = 0, ns = 0;
    int ch;

    while (n < CMD_OPT_MAX && opt[n].name != NULL)
        n++;
    for (size_t i = 0; i < n; i++) {
        bool has_arg = opt[i].type != CMD_OPT_SET && opt[i].type != CMD_OPT_UNSET &&
                       opt[i].type != CMD_OPT_CALL_SET;

        lopts[i] = (struct option){ opt[i].name, has_arg ? required_argument : no_argument, NULL,
                                    opt[i].letter != 0 ? opt[i].letter : CMD_OPT_VAL + (int)i };
        if (opt[i].letter != 0) {
            shorts[ns++] = (char)opt[i].letter;
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
                o = &opt[i];
        }
        if (o == NULL) /* unknown option or missing argument: getopt_long said which */
            return cmd_usage_error(usage, NULL);
        if (take(o, optarg, why, sizeof(why)) != 0)
            return bad_value(cmd, usage, o, optarg, why);
        if (o->given != NULL)
            *o->given = true;
    }
    if (opt[n].name == NULL && opt[n].no_operands && optind != argc)
        return cmd_usage_error(usage, "unexpected argument '%s'", argv[optind]);
    if (opt[n].name == NULL && opt[n].one != NULL && argc - optind != 1)
        return cmd_usage_error(usage, "%s: name exactly one %s", cmd, opt[n].one);
    return 0;
}
