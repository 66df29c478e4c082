/* test_duration.c -- durations, timestamps and bounded integers. */
#include "check.h"
#include "util/duration.h"

TEST(parses_units)
{
    struct sbx_err err = { 0 };
    int64_t v;

    CHECK_OK(duration_parse("90m", &v, &err), &err);
    CHECK_INT_EQ(v, 5400);
    CHECK_OK(duration_parse("8h", &v, &err), &err);
    CHECK_INT_EQ(v, 28800);
    CHECK_OK(duration_parse("3d", &v, &err), &err);
    CHECK_INT_EQ(v, 259200);
    CHECK_OK(duration_parse("1h30m", &v, &err), &err);
    CHECK_INT_EQ(v, 5400);
    CHECK_OK(duration_parse("2w", &v, &err), &err);
    CHECK_INT_EQ(v, 1209600);
    CHECK_OK(duration_parse("0", &v, &err), &err);
    CHECK_INT_EQ(v, 0);
}

TEST(rejects_bad_durations)
{
    struct sbx_err err = { 0 };
    int64_t v;

    CHECK_ERR(duration_parse("", &v, &err), &err, SBX_E_INVALID);
    CHECK_ERR(duration_parse("10", &v, &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "missing unit");
    CHECK_ERR(duration_parse("3x", &v, &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "unknown unit 'x'");
    CHECK_ERR(duration_parse("h", &v, &err), &err, SBX_E_INVALID);
    CHECK_ERR(duration_parse("-3d", &v, &err), &err, SBX_E_INVALID);
    CHECK_ERR(duration_parse("99999999999999999999d", &v, &err), &err, SBX_E_INVALID);
}

TEST(formats_durations)
{
    char buf[32];

    CHECK_STR_EQ(duration_format(5400, buf, sizeof(buf)), "1h30m");
    CHECK_STR_EQ(duration_format(259200, buf, sizeof(buf)), "3d");
    CHECK_STR_EQ(duration_format(0, buf, sizeof(buf)), "0s");
    CHECK_STR_EQ(duration_format(-61, buf, sizeof(buf)), "-1m1s");
}

TEST(parses_and_formats_times)
{
    struct sbx_err err = { 0 };
    char buf[32];
    int64_t t;

    CHECK_OK(duration_parse_time("2015-08-30T12:36:00Z", &t, &err), &err);
    CHECK_INT_EQ(t, 1440938160);
    CHECK_STR_EQ(duration_format_time(t, buf, sizeof(buf)), "2015-08-30T12:36:00Z");
    CHECK_OK(duration_parse_time("2015-08-30T14:36:00.123+02:00", &t, &err), &err);
    CHECK_INT_EQ(t, 1440938160);
    CHECK_OK(duration_parse_time("2015-08-30", &t, &err), &err);
    CHECK_INT_EQ(t, 1440892800);
    CHECK_OK(duration_parse_time("@1440938160", &t, &err), &err);
    CHECK_INT_EQ(t, 1440938160);
    CHECK_ERR(duration_parse_time("2015-13-01", &t, &err), &err, SBX_E_INVALID);
    CHECK_ERR(duration_parse_time("yesterday", &t, &err), &err, SBX_E_INVALID);
}

TEST(parses_bounded_integers)
{
    struct sbx_err err = { 0 };
    int64_t v;

    CHECK_OK(duration_parse_int64("60", 1, 1000, &v, &err), &err);
    CHECK_INT_EQ(v, 60);
    CHECK_ERR(duration_parse_int64("0", 1, 1000, &v, &err), &err, SBX_E_INVALID);
    CHECK_ERR(duration_parse_int64("12a", 1, 1000, &v, &err), &err, SBX_E_INVALID);
    CHECK_ERR(duration_parse_int64(" 1", 1, 1000, &v, &err), &err, SBX_E_INVALID);
}

/* Found by fuzz_duration: "@1700000095000000" parsed, printed as year 53872828, and that text
 * did not parse back. "@EPOCH" stops where RFC 3339's four-digit years stop. */
TEST(epoch_times_stay_printable)
{
    struct sbx_err err = { 0 };
    char buf[64];
    int64_t t, back;

    CHECK_OK(duration_parse_time("@253402300799", &t, &err), &err);
    CHECK_STR_EQ(duration_format_time(t, buf, sizeof(buf)), "9999-12-31T23:59:59Z");
    CHECK_OK(duration_parse_time(buf, &back, &err), &err);
    CHECK_INT_EQ(back, t);
    CHECK_ERR(duration_parse_time("@253402300800", &t, &err), &err, SBX_E_INVALID);
    CHECK_ERR(duration_parse_time("@1700000095000000", &t, &err), &err, SBX_E_INVALID);
}

/* Each unit at most once, largest first: "1h1h" and "30m1h" are typos, not 2h and 90m. */
TEST(rejects_repeated_or_unordered_units)
{
    struct sbx_err err = { 0 };
    int64_t v = 0;

    CHECK_ERR(duration_parse("1h1h", &v, &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "invalid duration '1h1h': unit 'h' repeated");
    CHECK_ERR(duration_parse("30m1h", &v, &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "invalid duration '30m1h': 'h' after 'm'");
    CHECK_ERR(duration_parse("1s1d", &v, &err), &err, SBX_E_INVALID);
    CHECK_ERR(duration_parse("2d3w", &v, &err), &err, SBX_E_INVALID);
    CHECK_ERR(duration_parse("1w2d3h4m5s5s", &v, &err), &err, SBX_E_INVALID);
    CHECK_OK(duration_parse("1w2d3h4m5s", &v, &err), &err);
    CHECK_INT_EQ(v, 7 * 86400 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    CHECK_OK(duration_parse("1d30m", &v, &err), &err);
    CHECK_INT_EQ(v, 86400 + 1800);
}

/* Calendar days (Cost Explorer's periods): only dates that exist, and back. */
TEST(parses_and_formats_days)
{
    char buf[11];

    CHECK_INT_EQ(duration_parse_day("1970-01-01"), 0);
    CHECK_INT_EQ(duration_parse_day("2026-12-04"), 20791);
    CHECK_STR_EQ(duration_format_day(20791, buf), "2026-12-04");
    CHECK_STR_EQ(duration_format_day(duration_parse_day("2024-02-29"), buf), "2024-02-29");
    CHECK(duration_parse_day("2026-02-29") == INT64_MIN);
    CHECK(duration_parse_day("2100-02-29") == INT64_MIN);
    CHECK(duration_parse_day("2026-13-01") == INT64_MIN);
    CHECK(duration_parse_day("2026-1-01") == INT64_MIN);
    CHECK(duration_parse_day("2026-01-01x") == INT64_MIN);
    CHECK(duration_parse_day(NULL) == INT64_MIN);
}
