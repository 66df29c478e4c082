/* test_jsonr.c -- reading members of parsed JSON objects and building flat ones of strings. */
#include <stdarg.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "util/jsonr.h"

/* The object jsonr_vstrings builds from the arguments, as compact text (heap). */
static char *
strings_text(const char *name, ...)
{
    va_list ap;
    cJSON *obj;
    char *text;

    va_start(ap, name);
    obj = jsonr_vstrings(name, ap);
    va_end(ap);
    CHECK(obj != NULL);
    text = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    return text;
}

TEST(strings_object_keeps_order_and_leaves_out_null_values)
{
    char *t = strings_text("AccountId", "123456789012", "Email", NULL, "Note", "say \"hi\"", NULL);

    CHECK_STR_EQ(t, "{\"AccountId\":\"123456789012\",\"Note\":\"say \\\"hi\\\"\"}");
    free(t);
}

TEST(strings_object_of_no_members_is_empty)
{
    char *t = strings_text(NULL);

    CHECK_STR_EQ(t, "{}");
    free(t);
}

TEST(reads_members_of_the_right_type_only)
{
    cJSON *o = cJSON_Parse("{\"s\":\"text\",\"n\":42.5,\"b\":true}");
    char buf[3], *dup = NULL;

    CHECK(o != NULL);
    CHECK_STR_EQ(jsonr_str(o, "s"), "text");
    CHECK(jsonr_str(o, "n") == NULL);
    CHECK(jsonr_str(o, "missing") == NULL);
    CHECK(jsonr_num(o, "n") == 42.5);
    CHECK(jsonr_num(o, "s") == 0);
    jsonr_copy(o, "s", buf, sizeof(buf));
    CHECK_STR_EQ(buf, "te");
    jsonr_copy(o, "b", buf, sizeof(buf));
    CHECK_STR_EQ(buf, "");
    CHECK_INT_EQ(jsonr_dup(o, "s", &dup), 0);
    CHECK_STR_EQ(dup, "text");
    free(dup);
    CHECK_INT_EQ(jsonr_dup(o, "n", &dup), 0);
    CHECK(dup == NULL);
    cJSON_Delete(o);
}
