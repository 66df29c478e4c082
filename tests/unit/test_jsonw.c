/* test_jsonw.c -- the bulk JSON writer: string escaping, integers, buffering and failures. */
#include <cjson/cJSON.h>

#include "check.h"
#include "util/jsonw.h"

/* Escapes s like jsonw_string_into, one byte at a time: the reference for the SWAR scanner. */
static size_t
reference_escape(char *out, const char *s, size_t n)
{
    size_t k = 0;

    out[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '"' || c == '\\') {
            out[k++] = '\\';
            out[k++] = (char)c;
        } else if (c == '\n') {
            memcpy(out + k, "\\n", 2);
            k += 2;
        } else if (c == '\r') {
            memcpy(out + k, "\\r", 2);
            k += 2;
        } else if (c == '\t') {
            memcpy(out + k, "\\t", 2);
            k += 2;
        } else if (c < 0x20) {
            k += (size_t)snprintf(out + k, 7, "\\u%04x", c);
        } else {
            out[k++] = (char)c;
        }
    }
    out[k++] = '"';
    return k;
}

/* The text jsonw_write_string produces for s[0..n), NUL-terminated, in a static buffer. */
static const char *
escaped(const char *s, size_t n)
{
    static char out[512];
    struct jsonw w;

    CHECK(jsonw_init(&w, NULL, 8) == 0);
    jsonw_write_string(&w, s, n);
    CHECK(jsonw_flush(&w) == 0);
    CHECK(w.len < sizeof(out));
    memcpy(out, w.buf, w.len);
    out[w.len] = '\0';
    jsonw_release(&w);
    return out;
}

TEST(escapes_quotes_backslashes_and_controls)
{
    CHECK_STR_EQ(escaped("", 0), "\"\"");
    CHECK_STR_EQ(escaped("plain", 5), "\"plain\"");
    CHECK_STR_EQ(escaped("say \"hi\"", 8), "\"say \\\"hi\\\"\"");
    CHECK_STR_EQ(escaped("C:\\dir\\", 7), "\"C:\\\\dir\\\\\"");
    CHECK_STR_EQ(escaped("a\nb\rc\td", 7), "\"a\\nb\\rc\\td\"");
    CHECK_STR_EQ(escaped("\x01\x08\x0c\x1f", 4), "\"\\u0001\\u0008\\u000c\\u001f\"");
    CHECK_STR_EQ(escaped("nul\0here", 8), "\"nul\\u0000here\"");
    /* Space, DEL and '/' need no escape. */
    CHECK_STR_EQ(escaped(" \x7f/", 3), "\" \x7f/\"");
}

TEST(passes_utf8_through)
{
    /* "Zoë Ångström <zoë@例え.jp>" and an emoji: multi-byte sequences stay as they are. */
    const char *s = "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m <zo\xc3\xab@\xe4\xbe\x8b\xe3\x81\x88.jp> "
                    "\xf0\x9f\x9a\x80";
    char want[256];

    snprintf(want, sizeof(want), "\"%s\"", s);
    CHECK_STR_EQ(escaped(s, strlen(s)), want);
}

TEST(scanner_finds_escapes_at_every_position)
{
    /* Every length from 0 to 40 with each special byte at each position (and none), around
     * the 8-byte words the scanner reads: must equal the byte-by-byte reference. Bytes next
     * to the specials are 0x1f+1, '"'+-1 and '\\'+-1, the edges of the word tests. */
    static const char specials[] = { '"', '\\', '\n', '\x01', '\x1f', '\0', '\t' };
    static const char fill[] = " !#[]~\x80\xff";
    char s[48], got[512], want[512];

    for (size_t n = 0; n <= 40; n++) {
        for (size_t pos = 0; pos <= n; pos++) {
            for (size_t k = 0; k < sizeof(specials); k++) {
                struct jsonw w;
                size_t wn;

                for (size_t i = 0; i < n; i++)
                    s[i] = fill[(i + k) % (sizeof(fill) - 1)];
                if (pos < n)
                    s[pos] = specials[k];
                wn = reference_escape(want, s, n);
                CHECK(jsonw_init(&w, NULL, 16) == 0);
                jsonw_write_string(&w, s, n);
                CHECK(!w.failed);
                if (w.len != wn || memcmp(w.buf, want, wn) != 0) {
                    memcpy(got, w.buf, w.len);
                    got[w.len] = '\0';
                    want[wn] = '\0';
                    CHECK_FAIL("n %zu, special %zu at %zu: got %s, want %s", n, k, pos, got, want);
                }
                jsonw_release(&w);
            }
        }
    }
}

TEST(output_parses_back_to_the_input)
{
    /* Every byte value from 1 to 255 (UTF-8 validity aside, cJSON keeps bytes) round-trips. */
    char s[256];
    cJSON *o;

    for (int i = 1; i < 256; i++)
        s[i - 1] = (char)i;
    s[255] = '\0';
    o = cJSON_Parse(escaped(s, 255));
    CHECK(o != NULL && cJSON_IsString(o));
    CHECK(memcmp(o->valuestring, s, 256) == 0);
    cJSON_Delete(o);
}

TEST(formats_integers)
{
    char buf[JSONW_INT_MAX + 1];

    *jsonw_int_into(buf, 0) = '\0';
    CHECK_STR_EQ(buf, "0");
    *jsonw_int_into(buf, 7) = '\0';
    CHECK_STR_EQ(buf, "7");
    *jsonw_int_into(buf, 100000) = '\0';
    CHECK_STR_EQ(buf, "100000");
    *jsonw_int_into(buf, -42) = '\0';
    CHECK_STR_EQ(buf, "-42");
    *jsonw_int_into(buf, INT64_MAX) = '\0';
    CHECK_STR_EQ(buf, "9223372036854775807");
    *jsonw_int_into(buf, INT64_MIN) = '\0';
    CHECK_STR_EQ(buf, "-9223372036854775808");
}

TEST(file_writer_flushes_in_order)
{
    /* A 64-byte buffer over a temporary file: many pieces, some larger than the buffer, come
     * out whole and in order. */
    FILE *f = tmpfile();
    struct jsonw w;
    char big[300], text[4096];
    size_t n;

    CHECK(f != NULL);
    memset(big, 'x', sizeof(big));
    CHECK(jsonw_init(&w, f, 64) == 0);
    jsonw_raw(&w, "[", 1);
    for (int i = 0; i < 50; i++) {
        jsonw_int(&w, i);
        jsonw_raw(&w, ",", 1);
    }
    jsonw_write_string(&w, big, sizeof(big));
    jsonw_raw(&w, "]", 1);
    CHECK(jsonw_flush(&w) == 0);
    jsonw_release(&w);
    rewind(f);
    n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    CHECK_INT_EQ(n, 1 + 140 + 302 + 1); /* 10 one-digit and 40 two-digit numbers with commas */
    CHECK(strncmp(text, "[0,1,2,3,4,5,6,7,8,9,10,11,", 27) == 0);
    CHECK(strncmp(text + 141, "\"xxxx", 5) == 0);
    CHECK_STR_EQ(text + n - 4, "xx\"]");
}

TEST(write_errors_are_sticky)
{
    FILE *f = fopen("/dev/full", "w");
    struct jsonw w;

    if (f == NULL)
        return; /* no /dev/full here: nothing to test */
    setvbuf(f, NULL, _IONBF, 0);
    CHECK(jsonw_init(&w, f, 64) == 0);
    for (int i = 0; i < 100; i++)
        jsonw_write_string(&w, "0123456789", 10);
    CHECK(w.failed);
    CHECK(jsonw_reserve(&w, 1) == NULL);
    CHECK(jsonw_flush(&w) == -1);
    jsonw_release(&w);
    fclose(f);
}

TEST(reserve_writes_through_a_pointer)
{
    struct jsonw w;
    char *p, *start;

    CHECK(jsonw_init(&w, NULL, 4) == 0);
    start = p = jsonw_reserve(&w, 2 + JSONW_STRING_MAX(3) + JSONW_INT_MAX);
    CHECK(p != NULL);
    p = json_lit_into(p, "{\"a\":");
    p = jsonw_string_into(p, "b\"c", 3);
    p = json_lit_into(p, ",\"n\":");
    p = jsonw_int_into(p, 12);
    *p++ = '}';
    jsonw_commit(&w, (size_t)(p - start));
    CHECK_INT_EQ(w.len, 19);
    CHECK(memcmp(w.buf, "{\"a\":\"b\\\"c\",\"n\":12}", 19) == 0);
    jsonw_release(&w);
}
