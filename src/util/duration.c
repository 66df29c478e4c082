/* duration.c -- parse and format durations, timestamps and bounded integers. */
#include "util/duration.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
duration_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out, struct sbx_err *err)
{
    char *end = NULL;
    long long v;

    if (s == NULL || *s == '\0' || isspace((unsigned char)*s)) {
        sbx_err_set(err, SBX_E_INVALID, "'%s' is not a number", s == NULL ? "" : s);
        return -1;
    }
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0') {
        sbx_err_set(err, SBX_E_INVALID, "'%s' is not a number", s);
        return -1;
    }
    if (v < min || v > max) {
        sbx_err_set(err, SBX_E_INVALID, "'%s' is out of range (%" PRId64 "..%" PRId64 ")", s, min,
                    max);
        return -1;
    }
    *out = v;
    return 0;
}

int
duration_parse(const char *s, int64_t *out, struct sbx_err *err)
{
    const char *p = s;
    int64_t total = 0, last_unit = 0;
    char last = '\0';

    if (s == NULL || *s == '\0') {
        sbx_err_set(err, SBX_E_INVALID, "empty duration (expected e.g. 90m, 8h, 3d)");
        return -1;
    }
    if (strcmp(s, "0") == 0) {
        *out = 0;
        return 0;
    }
    while (*p != '\0') {
        int64_t n = 0, unit;

        if (!isdigit((unsigned char)*p)) {
            sbx_err_set(err, SBX_E_INVALID,
                        "invalid duration '%s': expected a number before '%c' (e.g. 90m, 8h, 3d)",
                        s, *p);
            return -1;
        }
        while (isdigit((unsigned char)*p)) {
            if (n > (INT64_MAX - 9) / 10) {
                sbx_err_set(err, SBX_E_INVALID, "invalid duration '%s': too large", s);
                return -1;
            }
            n = n * 10 + (*p++ - '0');
        }
        switch (*p) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        case 'w':
            unit = 7 * 86400;
            break;
        case '\0':
            sbx_err_set(err, SBX_E_INVALID, "invalid duration '%s': missing unit (s, m, h, d or w)",
                        s);
            return -1;
        default:
            sbx_err_set(err, SBX_E_INVALID,
                        "invalid duration '%s': unknown unit '%c' (s, m, h, d or w)", s, *p);
            return -1;
        }
        /* Each unit once, largest first: "1h1h" and "30m1h" are typos, not 2h and 90m. */
        if (last_unit != 0 && unit == last_unit) {
            sbx_err_set(err, SBX_E_INVALID, "invalid duration '%s': unit '%c' repeated", s, *p);
            return -1;
        }
        if (last_unit != 0 && unit > last_unit) {
            sbx_err_set(err, SBX_E_INVALID,
                        "invalid duration '%s': '%c' after '%c' (units go from the largest, "
                        "w d h m s, each at most once)",
                        s, *p, last);
            return -1;
        }
        last_unit = unit;
        last = *p;
        p++;
        if (n > (INT64_MAX - total) / unit) {
            sbx_err_set(err, SBX_E_INVALID, "invalid duration '%s': too large", s);
            return -1;
        }
        total += n * unit;
    }
    *out = total;
    return 0;
}

const char *
duration_format(int64_t secs, char *buf, size_t n)
{
    static const struct {
        int64_t len;
        char unit;
    } units[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
    size_t used = 0;
    const char *sign = "";

    if (n == 0)
        return buf;
    buf[0] = '\0';
    if (secs < 0) {
        sign = "-";
        secs = -secs;
    }
    if (secs == 0) {
        snprintf(buf, n, "0s");
        return buf;
    }
    used = (size_t)snprintf(buf, n, "%s", sign);
    for (size_t i = 0; i < SBX_ARRAY_LEN(units) && used < n; i++) {
        if (secs >= units[i].len) {
            int w = snprintf(buf + used, n - used, "%" PRId64 "%c", secs / units[i].len,
                             units[i].unit);
            if (w < 0)
                break;
            used += (size_t)w;
            secs %= units[i].len;
        }
    }
    return buf;
}

const char *
duration_format_time(int64_t t, char *buf, size_t n)
{
    struct tm tm;
    time_t tt = (time_t)t;

    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, n, "@%" PRId64, t);
    return buf;
}

#define TIME_MAX INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

/* Days since the epoch of a civil date (proleptic Gregorian); no timezone involved. */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t
duration_parse_day(const char *s)
{
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int64_t y, m, d;

    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return INT64_MIN;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return INT64_MIN;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
        (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
        return INT64_MIN;
    return days_from_civil(y, m, d);
}

/* Howard Hinnant's civil_from_days. */
const char *
duration_format_day(int64_t days, char out[11])
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;

    y += m <= 2;
    snprintf(out, 11, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
    return out;
}

static int
digits(const char **p, int count, int *out)
{
    int v = 0;

    for (int i = 0; i < count; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += count;
    *out = v;
    return 0;
}

int
duration_parse_time(const char *s, int64_t *out, struct sbx_err *err)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
    int64_t t;

    /* Times print as RFC 3339 with a four-digit year (duration_format_time): accept only what
     * prints back to the same text form, 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z. */
    if (s != NULL && s[0] == '@')
        return duration_parse_int64(s + 1, 0, TIME_MAX, out, err);
    if (s == NULL || digits(&p, 4, &y) != 0 || *p++ != '-' || digits(&p, 2, &mo) != 0 ||
        *p++ != '-' || digits(&p, 2, &d) != 0)
        goto bad;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) != 0 || *p++ != ':' || digits(&p, 2, &mi) != 0)
            goto bad;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec) != 0)
                goto bad;
            if (*p == '.') {
                p++;
                if (!isdigit((unsigned char)*p))
                    goto bad;
                while (isdigit((unsigned char)*p))
                    p++;
            }
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            sign = *p == '+' ? 1 : -1;
            p++;
            if (digits(&p, 2, &oh) != 0)
                goto bad;
            if (*p == ':')
                p++;
            if (digits(&p, 2, &om) != 0)
                goto bad;
        } else if (*p != '\0') {
            goto bad;
        }
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
        oh > 23 || om > 59)
        goto bad;
    t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
    if (t < 0 || t > TIME_MAX) {
        sbx_err_set(err, SBX_E_INVALID,
                    "time '%s' is out of range (1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z)", s);
        return -1;
    }
    *out = t;
    return 0;
bad:
    sbx_err_set(err, SBX_E_INVALID,
                "invalid time '%s' (expected e.g. 2026-11-26T18:00:00Z, 2026-11-26 or @EPOCH)",
                s == NULL ? "" : s);
    return -1;
}
