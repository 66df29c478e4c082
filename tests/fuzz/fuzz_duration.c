/*
 * fuzz_duration.c -- durations ("1h30m"), timestamps (RFC 3339, dates, "@EPOCH") and integers
 * as the command line and the config file give them.
 *
 * Besides "no crash", it checks round trips: a parsed duration formats to text that parses
 * back to the same number of seconds, and so does a parsed timestamp.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_util.h"
#include "util/duration.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sbx_err err = { 0 };
    char *s = fz_strndup(data, size), buf[64];
    int64_t v, back;

    if (duration_parse(s, &v, &err) == 0) {
        duration_format(v, buf, sizeof(buf));
        if (duration_parse(buf, &back, &err) != 0 || back != v) {
            fprintf(stderr, "duration '%s' = %" PRId64 " formats as '%s', which parses %s\n", s, v,
                    buf, err.msg);
            abort();
        }
    }
    if (duration_parse_time(s, &v, &err) == 0) {
        duration_format_time(v, buf, sizeof(buf));
        if (duration_parse_time(buf, &back, &err) != 0 || back != v) {
            fprintf(stderr, "time '%s' = %" PRId64 " formats as '%s', which parses %s\n", s, v, buf,
                    err.msg);
            abort();
        }
    }
    (void)!duration_parse_int64(s, INT64_MIN, INT64_MAX, &v, &err);
    (void)!duration_parse_int64(s, 0, 1000, &v, &err);
    free(s);
    return 0;
}
