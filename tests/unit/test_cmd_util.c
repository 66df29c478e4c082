/* test_cmd_util.c -- what `list` prints: bulk time formatting, the account JSON object and
 * table alignment. */
#include <time.h>

#include "check.h"
#include "cli/cmd_util.h"

/* RFC 3339 through gmtime_r/strftime: the reference for the bulk formatter. */
static const char *
reference_time(int64_t t, char buf[32])
{
    time_t tt = (time_t)t;
    struct tm tm;

    CHECK(gmtime_r(&tt, &tm) != NULL);
    CHECK(strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 20);
    return buf;
}

TEST(time_cached_matches_strftime)
{
    static const int64_t fixed[] = {
        1,          59,         60,         86399,      86400,        951782399,
        951782400,  951868799,  951868800,  1709164800, 1740787199,   1798761599,
        1798761600, 4107542399, 4107542400, 4102444800, 253402300799,
    };
    struct cmd_time_cache c = CMD_TIME_CACHE_INIT;
    char want[32];
    uint64_t x = 88172645463325252u;

    for (size_t i = 0; i < SBX_ARRAY_LEN(fixed); i++)
        CHECK_STR_EQ(cmd_time_cached(&c, fixed[i]), reference_time(fixed[i], want));
    /* Random times (xorshift), repeated seconds and same-day neighbours, in one cache: the
     * date part is reused only when the day really is the same. */
    for (int i = 0; i < 200000; i++) {
        int64_t t;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        switch (i % 4) {
        case 0:
            t = (int64_t)(x % 253402300800u);
            break;
        case 1:
            t = c.t; /* the same second again */
            break;
        case 2:
            t = c.t + (int64_t)(x % 7200) - 3600; /* nearby: often the same day */
            break;
        default:
            t = 1700000000 + (int64_t)(x % (86400 * 400));
        }
        if (t <= 0)
            t = 1;
        CHECK_STR_EQ(cmd_time_cached(&c, t), reference_time(t, want));
    }
}

TEST(time_cached_out_of_range_years)
{
    struct cmd_time_cache c = CMD_TIME_CACHE_INIT;
    char buf[32];

    CHECK_STR_EQ(cmd_time_cached(&c, 253402300800), "0000-00-00T00:00:00Z"); /* year 10000 */
    CHECK_STR_EQ(cmd_time_cached(&c, 253402300801), "0000-00-00T00:00:00Z");
    /* Back in range: the cache must not keep the placeholder's date or separators. */
    CHECK_STR_EQ(cmd_time_cached(&c, 1798761600), "2027-01-01T00:00:00Z");
    CHECK_STR_EQ(cmd_time(1798761661, buf, sizeof(buf), true), "2027-01-01T00:01:01Z");
    CHECK_STR_EQ(cmd_time(0, buf, sizeof(buf), true), "never");
    CHECK_STR_EQ(cmd_time(-5, buf, sizeof(buf), false), "-");
}

TEST(account_json_object)
{
    struct store_account a = { 0 };
    cJSON *o;
    char *text;

    a.id = 42;
    memcpy(a.account_id, "123456789012", 13);
    a.email = (char *)"zo\xc3\xab+\"q\"@example.com";
    a.name = (char *)"sbx-dev-zoe-1";
    a.owner = (char *)"zoe@example.com";
    a.kind = (char *)"developer";
    a.class_name = (char *)"k8s\\101";
    a.seat = 3;
    a.state = ENGINE_S_ACTIVE;
    a.reason = (char *)"";
    a.request_id = (char *)"car-1";
    a.expires_at = 1798761600;
    a.created_at = 1764115200;
    a.active_at = 1764115260;
    a.updated_at = 1764115260;
    a.attempts = 2;
    a.last_error = (char *)"line1\nline2\t\x01";
    a.adopted = true;
    o = cmd_account_json(&a);
    CHECK(o != NULL);
    text = cJSON_PrintUnformatted(o);
    CHECK_STR_EQ(text, "{\"id\":42,\"account_id\":\"123456789012\","
                       "\"email\":\"zo\xc3\xab+\\\"q\\\"@example.com\",\"name\":\"sbx-dev-zoe-1\","
                       "\"owner\":\"zoe@example.com\",\"kind\":\"developer\","
                       "\"class\":\"k8s\\\\101\",\"seat\":3,\"state\":\"active\",\"reason\":\"\","
                       "\"expires_at\":\"2027-01-01T00:00:00Z\","
                       "\"created_at\":\"2025-11-26T00:00:00Z\","
                       "\"active_at\":\"2025-11-26T00:01:00Z\",\"closed_at\":null,"
                       "\"updated_at\":\"2025-11-26T00:01:00Z\",\"next_action_at\":null,"
                       "\"attempts\":2,\"last_error\":\"line1\\nline2\\t\\u0001\","
                       "\"adopted\":true,\"request_id\":\"car-1\"}");
    cJSON_free(text);
    cJSON_Delete(o);

    /* Unknown account id, no class, seat, request or strings at all: nulls and "". */
    memset(&a, 0, sizeof(a));
    a.id = 7;
    a.state = ENGINE_S_REQUESTED;
    o = cmd_account_json(&a);
    CHECK(o != NULL);
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(o, "account_id")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(o, "class")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(o, "seat")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(o, "request_id")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(o, "expires_at")));
    CHECK_STR_EQ(cJSON_GetObjectItem(o, "email")->valuestring, "");
    CHECK_STR_EQ(cJSON_GetObjectItem(o, "last_error")->valuestring, "");
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(o, "adopted")));
    cJSON_Delete(o);
}

TEST(table_aligns_columns)
{
    static const char *const headers[] = { "ID", "NAME", "NOTE", NULL };
    static const char *const r1[] = { "#1", "alice", "x", NULL };
    static const char *const r2[] = { "#1000", NULL, "", NULL };
    static const char *const r3[] = { "#22", "bob-the-builder", "last column is not padded", NULL };
    struct cmd_table *t = cmd_table_new(headers);
    FILE *f = tmpfile();
    char out[512];
    size_t n;

    CHECK(t != NULL && f != NULL);
    CHECK(cmd_table_add(t, r1) == 0);
    CHECK(cmd_table_add(t, r2) == 0);
    CHECK(cmd_table_add(t, r3) == 0);
    cmd_table_print(t, f);
    cmd_table_free(t);
    rewind(f);
    n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = '\0';
    fclose(f);
    CHECK_STR_EQ(out, "ID     NAME             NOTE\n"
                      "#1     alice            x\n"
                      "#1000  -                -\n"
                      "#22    bob-the-builder  last column is not padded\n");
}

TEST(table_of_many_rows_flushes_whole_lines)
{
    /* More rows than one output buffer holds: every line arrives complete and in order. */
    static const char *const headers[] = { "N", "TEXT", NULL };
    struct cmd_table *t = cmd_table_new(headers);
    FILE *f = tmpfile();
    char line[128], cell[32], want[128];
    const char *cells[3];
    int i = -1;

    CHECK(t != NULL && f != NULL);
    for (int k = 0; k < 20000; k++) {
        snprintf(cell, sizeof(cell), "%d", k);
        cells[0] = cell;
        cells[1] = "some text that is not short";
        cells[2] = NULL;
        CHECK(cmd_table_add(t, cells) == 0);
    }
    cmd_table_print(t, f);
    cmd_table_free(t);
    rewind(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        if (i < 0)
            snprintf(want, sizeof(want), "N      TEXT\n");
        else
            snprintf(want, sizeof(want), "%-5d  some text that is not short\n", i);
        CHECK_STR_EQ(line, want);
        i++;
    }
    fclose(f);
    CHECK_INT_EQ(i, 20000);
}
