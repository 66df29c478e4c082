/*
 * duration.h -- durations ("90m", "8h", "3d", "1h30m", "45s", "2w") and timestamps.
 *
 * Durations are whole seconds. Timestamps are seconds since the epoch (UTC) as int64_t;
 * they print as RFC 3339 ("2026-11-26T17:54:12Z").
 */
#ifndef SBX_DURATION_H
#define SBX_DURATION_H

#include <stdint.h>

#include "sbx.h"

/*
 * Parses a duration: one or more <number><unit> groups, unit one of s m h d w, each unit at
 * most once and from the largest down, e.g. "90m", "1h30m" (not "30m1h" or "1h1h"). A bare
 * "0" is zero. Returns 0 and sets *out, or -1 with err (SBX_E_INVALID)
 * naming the text and why it is wrong.
 */
int duration_parse(const char *s, int64_t *out, struct sbx_err *err) SBX_NODISCARD;
/* Formats seconds compactly ("3d", "1h30m", "45s", "0s") into buf; returns buf. */
const char *duration_format(int64_t secs, char *buf, size_t n);

/* Formats an epoch time as RFC 3339 UTC into buf (at least 21 bytes); returns buf. */
const char *duration_format_time(int64_t t, char *buf, size_t n);
/*
 * Parses RFC 3339 / ISO 8601 UTC ("2026-11-26T18:00:00Z", fractional seconds allowed,
 * "+00:00" or other offsets honoured), a date "2026-11-26" (midnight UTC), or "@EPOCH", from
 * 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z (what duration_format_time prints back the same
 * way).
 */
int duration_parse_time(const char *s, int64_t *out, struct sbx_err *err) SBX_NODISCARD;

/* Days since 1970-01-01 of a date "YYYY-MM-DD" that exists (UTC), or INT64_MIN. */
int64_t duration_parse_day(const char *s);
/* Formats days since 1970-01-01 as "YYYY-MM-DD" into out; returns out. */
const char *duration_format_day(int64_t days, char out[11]);

/* Range-checked integer parsing (no atoi): whole string must be a base-10 number. */
int duration_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out,
                         struct sbx_err *err) SBX_NODISCARD;

#endif
