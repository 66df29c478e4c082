/*
 * test_sigv4.c -- SigV4 signer and verifier.
 *
 * `test_sigv4 vector DIR` runs one aws-c-auth v4 case (tests/data/sigv4/<case>/, registered
 * by test_sigv4.cmake): it signs request.txt with context.json and compares the canonical
 * request, string to sign, signature and Authorization header byte for byte. The TEST()
 * cases pin the Organizations worked example of AWS-ORGANIZATIONS.md section 4.2 and the
 * server-side parse/verify path.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/sigv4.h"
#include "check.h"
#include "util/duration.h"

#define MAX_VECTOR_HEADERS 32

/* 2015-08-30T12:36:00Z, the time of every AWS example. */
#define EXAMPLE_TIME   1440938160
#define EXAMPLE_AKID   "AKIDEXAMPLE"
#define EXAMPLE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define EXAMPLE_TOKEN                                                          \
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKW" \
    "HGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4" \
    "IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE" \
    "8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yj" \
    "c8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
#define ORGS_BODY   "{\"MaxResults\":20}"
#define ORGS_HOST   "organizations.us-east-1.amazonaws.com"
#define ORGS_TARGET "AWSOrganizationsV20161128.ListAccounts"

/* ---- the aws-c-auth vector runner ---- */

struct vector_request {
    char *method;
    char *path;
    char *query; /* NULL when the target has no '?' */
    char *names[MAX_VECTOR_HEADERS];
    char *values[MAX_VECTOR_HEADERS];
    size_t nheaders;
    const char *body;
    size_t body_len;
};

static char *
dup_range(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    if (p == NULL)
        CHECK_FAIL("out of memory");
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/*
 * Parses request.txt: "METHOD SP target SP HTTP/1.1", "Name:Value" lines (a line starting
 * with whitespace continues the previous value; it is kept with its newline and indentation
 * so that the signer has to fold it), a blank line, then the body verbatim.
 */
static void
parse_request(const char *text, size_t len, struct vector_request *r)
{
    const char *end = text + len, *eol = memchr(text, '\n', len), *sp1, *sp2, *p, *q;

    memset(r, 0, sizeof(*r));
    if (eol == NULL)
        CHECK_FAIL("request.txt: no request line");
    sp1 = memchr(text, ' ', (size_t)(eol - text));
    sp2 = eol;
    while (sp2 > text && sp2[-1] != ' ')
        sp2--;
    if (sp1 == NULL || sp2 - 1 <= sp1)
        CHECK_FAIL("request.txt: bad request line");
    r->method = dup_range(text, (size_t)(sp1 - text));
    q = memchr(sp1 + 1, '?', (size_t)(sp2 - 1 - (sp1 + 1)));
    if (q != NULL) {
        r->path = dup_range(sp1 + 1, (size_t)(q - (sp1 + 1)));
        r->query = dup_range(q + 1, (size_t)(sp2 - 1 - (q + 1)));
    } else {
        r->path = dup_range(sp1 + 1, (size_t)(sp2 - 1 - (sp1 + 1)));
    }
    p = eol + 1;
    r->body = end;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
        const char *colon;

        if (n == 0) {
            r->body = p + 1;
            break;
        }
        if (p[0] == ' ' || p[0] == '\t') {
            size_t old;
            char *v;

            if (r->nheaders == 0)
                CHECK_FAIL("request.txt: continuation line before any header");
            old = strlen(r->values[r->nheaders - 1]);
            v = realloc(r->values[r->nheaders - 1], old + 1 + n + 1);
            if (v == NULL)
                CHECK_FAIL("out of memory");
            v[old] = '\n';
            memcpy(v + old + 1, p, n);
            v[old + 1 + n] = '\0';
            r->values[r->nheaders - 1] = v;
        } else {
            colon = memchr(p, ':', n);
            if (colon == NULL || r->nheaders == MAX_VECTOR_HEADERS)
                CHECK_FAIL("request.txt: bad header line");
            r->names[r->nheaders] = dup_range(p, (size_t)(colon - p));
            r->values[r->nheaders] = dup_range(colon + 1, n - (size_t)(colon + 1 - p));
            r->nheaders++;
        }
        if (nl == NULL) {
            r->body = end;
            break;
        }
        p = nl + 1;
    }
    r->body_len = (size_t)(end - r->body);
}

static void
free_request(struct vector_request *r)
{
    free(r->method);
    free(r->path);
    free(r->query);
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->names[i]);
        free(r->values[i]);
    }
}

static char *
read_in(const char *dir, const char *name, size_t *len)
{
    char path[4096];

    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        CHECK_FAIL("path too long");
    return check_read_file(path, len);
}

static const char *
json_str(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* The value of the "Authorization:" line of a signed request, in a heap string. */
static char *
authorization_line(const char *signed_request)
{
    const char *p = strstr(signed_request, "\nAuthorization:"), *nl;

    if (p == NULL)
        CHECK_FAIL("header-signed-request.txt has no Authorization line");
    p += strlen("\nAuthorization:");
    nl = strchr(p, '\n');
    return dup_range(p, nl != NULL ? (size_t)(nl - p) : strlen(p));
}

static void
run_vector(void)
{
    struct sigv4_header hdrs[MAX_VECTOR_HEADERS + 4];
    struct sbx_err err = { 0 };
    struct sigv4_params params = { 0 };
    struct sigv4_request req = { 0 };
    struct sigv4_result res = { 0 };
    struct vector_request vr;
    struct sigv4_auth auth;
    const cJSON *creds;
    char payload_hash[65];
    char *ctx_text, *req_text, *want_creq, *want_sts, *want_sig, *signed_req, *want_auth;
    const char *dir, *ts;
    size_t req_len, n;
    cJSON *ctx;
    int64_t when = 0;

    if (check_argc < 3)
        CHECK_FAIL("usage: test_sigv4 vector DIR");
    dir = check_argv[2];
    ctx_text = read_in(dir, "context.json", NULL);
    req_text = read_in(dir, "request.txt", &req_len);
    want_creq = read_in(dir, "header-canonical-request.txt", NULL);
    want_sts = read_in(dir, "header-string-to-sign.txt", NULL);
    want_sig = read_in(dir, "header-signature.txt", NULL);
    signed_req = read_in(dir, "header-signed-request.txt", NULL);
    want_auth = authorization_line(signed_req);

    ctx = cJSON_Parse(ctx_text);
    CHECK(ctx != NULL);
    creds = cJSON_GetObjectItemCaseSensitive(ctx, "credentials");
    CHECK(cJSON_IsObject(creds));
    params.access_key_id = json_str(creds, "access_key_id");
    params.secret_access_key = json_str(creds, "secret_access_key");
    params.session_token = json_str(creds, "token");
    params.region = json_str(ctx, "region");
    params.service = json_str(ctx, "service");
    ts = json_str(ctx, "timestamp");
    CHECK(params.access_key_id != NULL && params.secret_access_key != NULL && ts != NULL);
    CHECK_OK(duration_parse_time(ts, &when, &err), &err);
    params.time = when;
    params.normalize_path = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ctx, "normalize"));
    params.omit_session_token =
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ctx, "omit_session_token"));

    parse_request(req_text, req_len, &vr);
    for (n = 0; n < vr.nheaders; n++)
        hdrs[n] = (struct sigv4_header){ vr.names[n], vr.values[n] };
    /* aws-c-auth's sign_body option: add and sign x-amz-content-sha256. */
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ctx, "sign_body"))) {
        sigv4_sha256_hex(vr.body, vr.body_len, payload_hash);
        hdrs[n++] = (struct sigv4_header){ "X-Amz-Content-Sha256", payload_hash };
    }
    req.method = vr.method;
    req.path = vr.path;
    req.query = vr.query;
    req.headers = hdrs;
    req.nheaders = n;
    req.body = vr.body;
    req.body_len = vr.body_len;

    CHECK_OK(sigv4_sign(&req, &params, &res, &err), &err);
    CHECK_STR_EQ(res.canonical_request, want_creq);
    CHECK_STR_EQ(res.string_to_sign, want_sts);
    CHECK_STR_EQ(res.signature, want_sig);
    CHECK_STR_EQ(res.authorization, want_auth);
    CHECK_STR_EQ(res.amz_date, "20150830T123600Z");

    /* The verifier (always normalising, as for every non-S3 service) must agree. */
    if (params.normalize_path) {
        int64_t signed_time = 0;

        hdrs[n++] = (struct sigv4_header){ "X-Amz-Date", res.amz_date };
        if (params.session_token != NULL)
            hdrs[n++] = (struct sigv4_header){ "X-Amz-Security-Token", params.session_token };
        hdrs[n++] = (struct sigv4_header){ "Authorization", res.authorization };
        req.nheaders = n;
        CHECK_OK(sigv4_parse_authorization(res.authorization, &auth, &err), &err);
        CHECK_OK(sigv4_verify(&req, &auth, params.secret_access_key, &signed_time, &err), &err);
        CHECK_INT_EQ(signed_time, when);
    }

    sigv4_result_release(&res);
    free_request(&vr);
    cJSON_Delete(ctx);
    free(ctx_text);
    free(req_text);
    free(want_creq);
    free(want_sts);
    free(want_sig);
    free(signed_req);
    free(want_auth);
}

/* Not a TEST() line on purpose: CMake registers "vector" once per folder (test_sigv4.cmake). */
__attribute__((constructor)) static void
register_vector(void)
{
    check_register("vector", run_vector);
}

/* ---- the Organizations example (AWS-ORGANIZATIONS.md section 4.2) ---- */

static const struct sigv4_header orgs_headers[] = {
    { "Content-Type", "application/x-amz-json-1.1" },
    { "Host", ORGS_HOST },
    { "X-Amz-Target", ORGS_TARGET },
    /* botocore never signs these; they must not change the signature */
    { "User-Agent", "sandboxctl/0.1.0" },
    { "Expect", "" },
};

static struct sigv4_request
orgs_request(void)
{
    struct sigv4_request req = { 0 };

    req.method = "POST";
    req.path = "/";
    req.query = NULL;
    req.headers = orgs_headers;
    req.nheaders = SBX_ARRAY_LEN(orgs_headers);
    req.body = ORGS_BODY;
    req.body_len = strlen(ORGS_BODY);
    return req;
}

static struct sigv4_params
orgs_params(const char *token)
{
    struct sigv4_params p = { 0 };

    p.access_key_id = EXAMPLE_AKID;
    p.secret_access_key = EXAMPLE_SECRET;
    p.session_token = token;
    p.region = "us-east-1";
    p.service = "organizations";
    p.time = EXAMPLE_TIME;
    p.normalize_path = true;
    return p;
}

/* The last line of s (after the final '\n'). */
static const char *
last_line(const char *s)
{
    const char *nl = strrchr(s, '\n');

    return nl != NULL ? nl + 1 : s;
}

TEST(organizations_example)
{
    struct sigv4_request req = orgs_request();
    struct sigv4_params params = orgs_params(NULL);
    struct sigv4_result res = { 0 };
    struct sbx_err err = { 0 };
    char hash[65];

    sigv4_sha256_hex(ORGS_BODY, strlen(ORGS_BODY), hash);
    CHECK_STR_EQ(hash, "ec4e3b46763401ec98e7fe3551a46022f1381d9b5458bd477fd6e6cda342adcf");
    CHECK_OK(sigv4_sign(&req, &params, &res, &err), &err);
    CHECK_STR_EQ(res.canonical_request,
                 "POST\n/\n\n"
                 "content-type:application/x-amz-json-1.1\n"
                 "host:organizations.us-east-1.amazonaws.com\n"
                 "x-amz-date:20150830T123600Z\n"
                 "x-amz-target:AWSOrganizationsV20161128.ListAccounts\n\n"
                 "content-type;host;x-amz-date;x-amz-target\n"
                 "ec4e3b46763401ec98e7fe3551a46022f1381d9b5458bd477fd6e6cda342adcf");
    CHECK_STR_EQ(res.string_to_sign,
                 "AWS4-HMAC-SHA256\n20150830T123600Z\n"
                 "20150830/us-east-1/organizations/aws4_request\n"
                 "1f643004eb02e4bf16d9f4f1feea0a9eb9513e8d35a575be8ce3fabe751cc890");
    CHECK_STR_EQ(res.signed_headers, "content-type;host;x-amz-date;x-amz-target");
    CHECK_STR_EQ(res.signature, "1f8e9c7b3ed5e11a5d2a9f58ae62e701deb97002766af4c895aa12addffe88da");
    CHECK_STR_EQ(res.authorization,
                 "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/organizations/"
                 "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                 "Signature=1f8e9c7b3ed5e11a5d2a9f58ae62e701deb97002766af4c895aa12addffe88da");
    CHECK_STR_EQ(res.amz_date, "20150830T123600Z");
    sigv4_result_release(&res);
    CHECK(res.authorization == NULL && res.canonical_request == NULL);
    sigv4_result_release(&res); /* twice is harmless */
}

TEST(organizations_example_session_token)
{
    struct sigv4_request req = orgs_request();
    struct sigv4_params params = orgs_params(EXAMPLE_TOKEN);
    struct sigv4_result res = { 0 };
    struct sbx_err err = { 0 };

    CHECK_OK(sigv4_sign(&req, &params, &res, &err), &err);
    CHECK_CONTAINS(res.canonical_request, "x-amz-date:20150830T123600Z\n"
                                          "x-amz-security-token:" EXAMPLE_TOKEN "\n"
                                          "x-amz-target:AWSOrganizationsV20161128.ListAccounts\n");
    CHECK_STR_EQ(last_line(res.string_to_sign),
                 "916e0856eb719310092f18aac4a48d1cea41bcd9d4e2e0d76613d56311ccc217");
    CHECK_STR_EQ(res.signed_headers,
                 "content-type;host;x-amz-date;x-amz-security-token;x-amz-target");
    CHECK_STR_EQ(res.signature, "42104b78036f1782a8a345563a60e609ab4890198676620c8cf02a597730e947");
    CHECK_CONTAINS(res.authorization, "SignedHeaders=content-type;host;x-amz-date;"
                                      "x-amz-security-token;x-amz-target, Signature=42104b78");
    sigv4_result_release(&res);
}

TEST(omit_session_token_leaves_token_unsigned)
{
    struct sigv4_request req = orgs_request();
    struct sigv4_params params = orgs_params(EXAMPLE_TOKEN);
    struct sigv4_result res = { 0 };
    struct sbx_err err = { 0 };

    params.omit_session_token = true;
    CHECK_OK(sigv4_sign(&req, &params, &res, &err), &err);
    CHECK_STR_EQ(res.signed_headers, "content-type;host;x-amz-date;x-amz-target");
    CHECK(strstr(res.canonical_request, "x-amz-security-token") == NULL);
    /* an unsigned token leaves exactly the no-token signature */
    CHECK_STR_EQ(res.signature, "1f8e9c7b3ed5e11a5d2a9f58ae62e701deb97002766af4c895aa12addffe88da");
    sigv4_result_release(&res);
}

/* Line n (0-based) of s, copied into buf. */
static const char *
nth_line(const char *s, int n, char *buf, size_t size)
{
    const char *nl;
    size_t len;

    for (; n > 0; n--) {
        s = strchr(s, '\n');
        if (s == NULL)
            CHECK_FAIL("canonical request has too few lines");
        s++;
    }
    nl = strchr(s, '\n');
    len = nl != NULL ? (size_t)(nl - s) : strlen(s);
    if (len >= size)
        CHECK_FAIL("line too long");
    memcpy(buf, s, len);
    buf[len] = '\0';
    return buf;
}

static void
check_uri_and_query(const char *path, const char *query, bool normalize, const char *want_uri,
                    const char *want_query)
{
    static const struct sigv4_header host[] = { { "Host", "example.amazonaws.com" } };
    struct sigv4_request req = { "GET", path, query, host, 1, NULL, 0 };
    struct sigv4_params params = orgs_params(NULL);
    struct sigv4_result res = { 0 };
    struct sbx_err err = { 0 };
    char line[512];

    params.normalize_path = normalize;
    CHECK_OK(sigv4_sign(&req, &params, &res, &err), &err);
    CHECK_STR_EQ(nth_line(res.canonical_request, 1, line, sizeof(line)), want_uri);
    CHECK_STR_EQ(nth_line(res.canonical_request, 2, line, sizeof(line)), want_query);
    sigv4_result_release(&res);
}

TEST(canonical_uri_and_query)
{
    check_uri_and_query("/a/b/../c/./d", NULL, true, "/a/c/d", "");
    check_uri_and_query("/a/b/..", NULL, true, "/a/", "");
    check_uri_and_query("/..", NULL, true, "/", "");
    check_uri_and_query("", "", true, "/", "");
    check_uri_and_query(NULL, NULL, true, "/", "");
    check_uri_and_query("a//b", NULL, true, "/a/b", "");
    check_uri_and_query("a//b", NULL, false, "/a//b", "");
    /* a path already %-encoded on the wire is encoded again (non-S3 double encoding) */
    check_uri_and_query("/a%20b", NULL, true, "/a%2520b", "");
    check_uri_and_query("/", "b=2&a=1&a=0&c", true, "/", "a=0&a=1&b=2&c=");
    check_uri_and_query("/", "x=%7e&a+b=%2F&&y=", true, "/", "a%2Bb=%2F&x=~&y=");
    check_uri_and_query("/", "k=v%zz&%41=1", true, "/", "A=1&k=v%25zz");
    check_uri_and_query("/", "=v", true, "/", "=v");
}

TEST(header_canonicalisation)
{
    static const struct sigv4_header hdrs[] = {
        { "HOST", "example.amazonaws.com" }, { "X-B", "  two\t words  " }, { "x-a", "first" },
        { "X-A", "\n  second\n   line " },   { "x-empty", "   " },
    };
    struct sigv4_request req = { "GET", "/", NULL, hdrs, SBX_ARRAY_LEN(hdrs), NULL, 0 };
    struct sigv4_params params = orgs_params(NULL);
    struct sigv4_result res = { 0 };
    struct sbx_err err = { 0 };

    CHECK_OK(sigv4_sign(&req, &params, &res, &err), &err);
    CHECK_CONTAINS(res.canonical_request, "\nhost:example.amazonaws.com\n"
                                          "x-a:first,second line\n"
                                          "x-amz-date:20150830T123600Z\n"
                                          "x-b:two words\n"
                                          "x-empty:\n\n"
                                          "host;x-a;x-amz-date;x-b;x-empty\n"
                                          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
                                          "7852b855");
    sigv4_result_release(&res);
}

TEST(sign_rejects_bad_input)
{
    static const struct sigv4_header no_host[] = { { "X-Amz-Target", ORGS_TARGET } };
    static const struct sigv4_header wrong_date[] = { { "Host", ORGS_HOST },
                                                      { "X-Amz-Date", "20150830T123601Z" } };
    static const struct sigv4_header same_date[] = { { "Host", ORGS_HOST },
                                                     { "X-Amz-Date", " 20150830T123600Z" } };
    static const struct sigv4_header bad_name[] = { { "Host", ORGS_HOST }, { "Bad Name", "x" } };
    /* Found by fuzz.sigv4: the verifier refuses a repeated X-Amz-Date, so the signer must too. */
    static const struct sigv4_header two_dates[] = { { "Host", ORGS_HOST },
                                                     { "X-Amz-Date", "20150830T123600Z" },
                                                     { "x-amz-date", "20150830T123600Z" } };
    struct sigv4_request req = { "POST", "/", NULL, no_host, 1, NULL, 0 };
    struct sigv4_params params = orgs_params(NULL);
    struct sigv4_result res = { 0 };
    struct sbx_err err = { 0 };

    CHECK_ERR(sigv4_sign(&req, &params, &res, &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "no Host header");
    CHECK(res.authorization == NULL);
    req.headers = wrong_date;
    req.nheaders = 2;
    CHECK_ERR(sigv4_sign(&req, &params, &res, &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "does not match the signing time");
    req.headers = two_dates;
    req.nheaders = 3;
    CHECK_ERR(sigv4_sign(&req, &params, &res, &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "X-Amz-Date header repeated");
    CHECK(res.authorization == NULL);
    req.nheaders = 2;
    req.headers = same_date;
    CHECK_OK(sigv4_sign(&req, &params, &res, &err), &err);
    CHECK_STR_EQ(res.signed_headers, "host;x-amz-date");
    sigv4_result_release(&res);
    req.headers = bad_name;
    CHECK_ERR(sigv4_sign(&req, &params, &res, &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "invalid header name 'Bad Name'");
    req.headers = same_date;
    params.region = "us/east";
    CHECK_ERR(sigv4_sign(&req, &params, &res, &err), &err, SBX_E_INVALID);
    params = orgs_params(NULL);
    req.method = "PO ST";
    CHECK_ERR(sigv4_sign(&req, &params, &res, &err), &err, SBX_E_INVALID);
}

TEST(uri_encode_and_sha256)
{
    char hex[65];
    char *s;

    s = sigv4_uri_encode("a b/\xe1\x88\xb4-_.~+*", strlen("a b/\xe1\x88\xb4-_.~+*"), true);
    CHECK_STR_EQ(s, "a%20b/%E1%88%B4-_.~%2B%2A");
    free(s);
    s = sigv4_uri_encode("a/b=c&d", 7, false);
    CHECK_STR_EQ(s, "a%2Fb%3Dc%26d");
    free(s);
    s = sigv4_uri_encode("", 0, false);
    CHECK_STR_EQ(s, "");
    free(s);
    s = sigv4_uri_encode("a\0b", 3, false); /* length, not NUL, ends the input */
    CHECK_STR_EQ(s, "a%00b");
    free(s);
    sigv4_sha256_hex("", 0, hex);
    CHECK_STR_EQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sigv4_sha256_hex(NULL, 0, hex);
    CHECK_STR_EQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* ---- Authorization parsing ---- */

static void
check_malformed(const char *value, const char *why)
{
    struct sigv4_auth auth;
    struct sbx_err err = { 0 };

    memset(&auth, 0x5a, sizeof(auth));
    CHECK_ERR(sigv4_parse_authorization(value, &auth, &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_AUTH);
    CHECK_CONTAINS(err.msg, "malformed Authorization");
    CHECK_CONTAINS(err.msg, why);
    CHECK_INT_EQ((unsigned char)auth.access_key_id[0], 0x5a); /* untouched on failure */
}

TEST(authorization_parse_round_trip)
{
    struct sigv4_request req = orgs_request();
    struct sigv4_params params = orgs_params(NULL);
    struct sigv4_result res = { 0 };
    struct sigv4_auth auth;
    struct sbx_err err = { 0 };

    CHECK_OK(sigv4_sign(&req, &params, &res, &err), &err);
    CHECK_OK(sigv4_parse_authorization(res.authorization, &auth, &err), &err);
    CHECK_STR_EQ(auth.access_key_id, EXAMPLE_AKID);
    CHECK_STR_EQ(auth.date, "20150830");
    CHECK_STR_EQ(auth.region, "us-east-1");
    CHECK_STR_EQ(auth.service, "organizations");
    CHECK_STR_EQ(auth.signed_headers, res.signed_headers);
    CHECK_STR_EQ(auth.signature, res.signature);
    sigv4_result_release(&res);

    /* components in any order, with or without spaces after the commas */
    CHECK_OK(sigv4_parse_authorization(
                     "AWS4-HMAC-SHA256 Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b"
                     "8aae1d763fbf31,SignedHeaders=host;x-amz-date,  "
                     "Credential=AKIDEXAMPLE/20150830/eu-west-1/sts/aws4_request",
                     &auth, &err),
             &err);
    CHECK_STR_EQ(auth.region, "eu-west-1");
    CHECK_STR_EQ(auth.service, "sts");
    CHECK_STR_EQ(auth.signed_headers, "host;x-amz-date");

#define GOOD_SIG  "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
#define GOOD_CRED "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"
    check_malformed("", "algorithm");
    check_malformed(NULL, "algorithm");
    check_malformed("AWS4-HMAC-SHA1 " GOOD_CRED ", SignedHeaders=host, " GOOD_SIG, "algorithm");
    check_malformed("AWS4-HMAC-SHA256" GOOD_CRED ", SignedHeaders=host, " GOOD_SIG, "algorithm");
    check_malformed("AWS4-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=host", "missing Signature");
    check_malformed("AWS4-HMAC-SHA256 " GOOD_CRED ", " GOOD_SIG, "missing SignedHeaders");
    check_malformed("AWS4-HMAC-SHA256 SignedHeaders=host, " GOOD_SIG, "missing Credential");
    check_malformed("AWS4-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=host, " GOOD_SIG ", " GOOD_SIG,
                    "repeated component");
    check_malformed("AWS4-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=host, Foo=bar, " GOOD_SIG,
                    "unknown component");
    check_malformed("AWS4-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=host, Signature=abc",
                    "64 lowercase hex");
    check_malformed("AWS4-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=host, "
                    "Signature=5FA00FA31553B73EBF1942676E86291E8372FF2A2260956D9B8AAE1D763FBF31",
                    "64 lowercase hex");
    check_malformed("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/aws4_request, "
                    "SignedHeaders=host, " GOOD_SIG,
                    "Credential must be");
    check_malformed("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2015083x/us-east-1/service/"
                    "aws4_request, SignedHeaders=host, " GOOD_SIG,
                    "YYYYMMDD");
    check_malformed("AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/service/aws4_request, "
                    "SignedHeaders=host, " GOOD_SIG,
                    "access key");
    check_malformed("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                    "aws4_request/x, SignedHeaders=host, " GOOD_SIG,
                    "Credential must be");
    check_malformed("AWS4-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=Host;x-amz-date, " GOOD_SIG,
                    "lowercase");
    check_malformed("AWS4-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=host;;x-amz-date, " GOOD_SIG,
                    "empty name");
    check_malformed("AWS4-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=, " GOOD_SIG, "SignedHeaders");
    check_malformed("AWS4-HMAC-SHA256 " GOOD_CRED " SignedHeaders=host " GOOD_SIG,
                    "Credential must be");
#undef GOOD_SIG
#undef GOOD_CRED
}

/* ---- server-side verification ---- */

/* A received request: the signed one plus what travels on the wire. */
struct received {
    struct sigv4_header hdrs[16];
    struct sigv4_request req;
    struct sigv4_result res;
    struct sigv4_auth auth;
};

static void
sign_and_receive(struct received *rx, const char *token, const char *body)
{
    struct sigv4_params params = orgs_params(token);
    struct sigv4_request req = orgs_request();
    struct sbx_err err = { 0 };
    size_t n = 0;

    memset(rx, 0, sizeof(*rx));
    req.body = body;
    req.body_len = strlen(body);
    CHECK_OK(sigv4_sign(&req, &params, &rx->res, &err), &err);
    for (size_t i = 0; i < req.nheaders; i++)
        rx->hdrs[n++] = req.headers[i];
    rx->hdrs[n++] = (struct sigv4_header){ "X-Amz-Date", rx->res.amz_date };
    if (token != NULL)
        rx->hdrs[n++] = (struct sigv4_header){ "X-Amz-Security-Token", token };
    rx->hdrs[n++] = (struct sigv4_header){ "Authorization", rx->res.authorization };
    /* added by the transport after signing, never signed */
    rx->hdrs[n++] = (struct sigv4_header){ "Content-Length", "17" };
    rx->hdrs[n++] = (struct sigv4_header){ "Accept", "*/*" };
    rx->req = req;
    rx->req.headers = rx->hdrs;
    rx->req.nheaders = n;
    CHECK_OK(sigv4_parse_authorization(rx->res.authorization, &rx->auth, &err), &err);
}

TEST(verify_accepts_signed_request)
{
    struct received rx;
    struct sbx_err err = { 0 };
    int64_t t = 0;

    sign_and_receive(&rx, NULL, ORGS_BODY);
    CHECK_OK(sigv4_verify(&rx.req, &rx.auth, EXAMPLE_SECRET, &t, &err), &err);
    CHECK_INT_EQ(t, EXAMPLE_TIME);
    CHECK_OK(sigv4_verify(&rx.req, &rx.auth, EXAMPLE_SECRET, NULL, &err), &err);
    sigv4_result_release(&rx.res);

    sign_and_receive(&rx, EXAMPLE_TOKEN, "{}");
    CHECK_OK(sigv4_verify(&rx.req, &rx.auth, EXAMPLE_SECRET, &t, &err), &err);
    CHECK_INT_EQ(t, EXAMPLE_TIME);
    /* header names arrive in any case on the wire */
    rx.hdrs[1].name = "HOST";
    CHECK_OK(sigv4_verify(&rx.req, &rx.auth, EXAMPLE_SECRET, &t, &err), &err);
    sigv4_result_release(&rx.res);
}

static void
check_rejected(struct received *rx, const char *secret, const char *why)
{
    struct sbx_err err = { 0 };
    int64_t t = -1;

    CHECK_ERR(sigv4_verify(&rx->req, &rx->auth, secret, &t, &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_AUTH);
    CHECK_CONTAINS(err.msg, why);
    CHECK_INT_EQ(t, -1);
}

TEST(verify_rejects_tampered_body)
{
    struct received rx;

    sign_and_receive(&rx, NULL, ORGS_BODY);
    rx.req.body = "{\"MaxResults\":21}";
    check_rejected(&rx, EXAMPLE_SECRET, "signature does not match");
    rx.req.body_len = 0;
    check_rejected(&rx, EXAMPLE_SECRET, "signature does not match");
    sigv4_result_release(&rx.res);
}

TEST(verify_rejects_tampered_header)
{
    struct received rx;
    struct sbx_err err = { 0 };

    sign_and_receive(&rx, NULL, ORGS_BODY);
    rx.hdrs[2].value = "AWSOrganizationsV20161128.CloseAccount";
    check_rejected(&rx, EXAMPLE_SECRET, "signature does not match");
    rx.hdrs[2].value = ORGS_TARGET;
    CHECK_OK(sigv4_verify(&rx.req, &rx.auth, EXAMPLE_SECRET, NULL, &err), &err);
    /* a signed header that did not arrive */
    rx.hdrs[2].name = "X-Amz-Targte";
    check_rejected(&rx, EXAMPLE_SECRET, "signed header 'x-amz-target' missing");
    rx.hdrs[2].name = "X-Amz-Target";
    /* path and query are signed too */
    rx.req.path = "/x";
    check_rejected(&rx, EXAMPLE_SECRET, "signature does not match");
    rx.req.path = "/";
    rx.req.query = "a=1";
    check_rejected(&rx, EXAMPLE_SECRET, "signature does not match");
    rx.req.query = NULL;
    /* an unsigned header may change freely */
    rx.hdrs[rx.req.nheaders - 1].value = "application/json";
    CHECK_OK(sigv4_verify(&rx.req, &rx.auth, EXAMPLE_SECRET, NULL, &err), &err);
    sigv4_result_release(&rx.res);

    /* a session token that was signed cannot be swapped */
    sign_and_receive(&rx, EXAMPLE_TOKEN, ORGS_BODY);
    rx.hdrs[6].value = "another-token";
    check_rejected(&rx, EXAMPLE_SECRET, "signature does not match");
    sigv4_result_release(&rx.res);
}

TEST(verify_rejects_wrong_secret)
{
    struct received rx;

    sign_and_receive(&rx, NULL, ORGS_BODY);
    check_rejected(&rx, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ", "signature does not match");
    check_rejected(&rx, "", "signature does not match");
    /* a different scope derives a different key */
    snprintf(rx.auth.region, sizeof(rx.auth.region), "eu-west-1");
    check_rejected(&rx, EXAMPLE_SECRET, "signature does not match");
    sigv4_result_release(&rx.res);
}

TEST(verify_rejects_bad_dates_and_scope)
{
    struct received rx;

    sign_and_receive(&rx, NULL, ORGS_BODY);
    /* X-Amz-Date is signed: moving it breaks the signature, a wrong scope date is named */
    rx.hdrs[5].value = "20150830T123700Z";
    check_rejected(&rx, EXAMPLE_SECRET, "signature does not match");
    rx.hdrs[5].value = "20150831T123600Z";
    check_rejected(&rx, EXAMPLE_SECRET, "credential date '20150830' does not match X-Amz-Date");
    rx.hdrs[5].value = "2015-08-30T12:36:00Z";
    check_rejected(&rx, EXAMPLE_SECRET, "invalid X-Amz-Date");
    rx.hdrs[5].name = "Date";
    check_rejected(&rx, EXAMPLE_SECRET, "X-Amz-Date header missing");
    rx.hdrs[5].name = "X-Amz-Date";
    rx.hdrs[5].value = rx.res.amz_date;
    rx.hdrs[7].name = "X-Amz-Date"; /* a second one */
    check_rejected(&rx, EXAMPLE_SECRET, "X-Amz-Date repeated");
    rx.hdrs[7].name = "Content-Length";
    snprintf(rx.auth.signed_headers, sizeof(rx.auth.signed_headers), "content-type;x-amz-date");
    check_rejected(&rx, EXAMPLE_SECRET, "must include host and x-amz-date");
    snprintf(rx.auth.signed_headers, sizeof(rx.auth.signed_headers), "host;host;x-amz-date");
    check_rejected(&rx, EXAMPLE_SECRET, "repeated name");
    sigv4_result_release(&rx.res);
}
