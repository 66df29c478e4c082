/*
 * test_orgs.c -- the Organizations client against a scripted local HTTP server: request shape
 * and signing, retries (throttling, 5xx, dropped connections, retry-after), pagination, every
 * typed error class, malformed responses, keep-alive, proxies, timeouts, credential refresh,
 * STS, and that debug logs never show a secret.
 *
 * The client runs on a fixed clock, so backoff and pacing sleeps advance it instantly and the
 * tests can assert how long the client chose to wait.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/creds.h"
#include "aws/http.h"
#include "aws/orgs.h"
#include "aws/sigv4.h"
#include "check.h"
#include "responder.h"
#include "util/clock.h"
#include "util/log.h"

#define T0          1795000000.0
#define TEST_AKID   "AKIAIOSFODNN7EXAMPLE"
#define TEST_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TEST_TOKEN  "AQoDYXdzEPT//////////wEXAMPLEtc764sessiontokenvalue"

#define THROTTLE_BODY                                                                           \
    "{\"__type\":\"TooManyRequestsException\",\"Type\":\"client\",\"Message\":\"You have sent " \
    "too many requests in too short a period of time. Try again later.\"}"
#define ORG_BODY                                                                                \
    "{\"Organization\":{\"Id\":\"o-a1b2c3d4e5\",\"Arn\":\"arn:aws:organizations::111111111111:" \
    "organization/o-a1b2c3d4e5\",\"FeatureSet\":\"ALL\",\"MasterAccountArn\":\"arn:aws:"        \
    "organizations::111111111111:account/o-a1b2c3d4e5/111111111111\",\"MasterAccountId\":"      \
    "\"111111111111\",\"MasterAccountEmail\":\"mgmt@example.com\"}}"
#define ACCOUNT_BODY                                                                       \
    "{\"Account\":{\"Id\":\"555555555555\",\"Arn\":\"arn:aws:organizations::111111111111:" \
    "account/o-a1b2c3d4e5/555555555555\",\"Email\":\"a@example.com\",\"Name\":\"Beta\","   \
    "\"Status\":\"ACTIVE\",\"State\":\"ACTIVE\",\"JoinedMethod\":\"CREATED\","             \
    "\"JoinedTimestamp\":1481835795.536}}"

struct fx {
    struct responder *r;
    struct orgs_opts opts;
    struct sbx_clock clk;
    struct orgs *o;
    char *home;
};

/* A clean environment: no AWS settings but the test keys, HOME in a private directory. */
static char *
clean_env(bool keys)
{
    return check_aws_home(keys ? TEST_AKID : NULL, TEST_SECRET);
}

static void
fx_config(struct fx *f, int attempts)
{
    memset(&f->opts, 0, sizeof(f->opts));
    f->opts.endpoint = responder_url(f->r);
    f->opts.sts_endpoint = responder_url(f->r);
    f->opts.max_attempts = attempts;
    f->opts.connect_timeout = 5;
    f->opts.request_timeout = 10;
    /* AWS's rates (DESIGN.md section 4), as the configuration has them by default */
    f->opts.create_rate = 0.1;
    f->opts.create_burst = 3;
    f->opts.close_rate = 0.05;
    f->opts.close_burst = 1;
    f->opts.describe_rate = 2;
    f->opts.move_rate = 2;
    f->opts.tag_rate = 4;
}

static void
fx_init(struct fx *f, int attempts)
{
    struct sbx_err err = { 0 };

    memset(f, 0, sizeof(*f));
    f->home = clean_env(true);
    f->r = responder_start();
    fx_config(f, attempts);
    clock_init_fixed(&f->clk, T0);
    CHECK_OK(orgs_new(&f->opts, &f->clk, &f->o, &err), &err);
}

static void
fx_done(struct fx *f)
{
    orgs_free(f->o);
    responder_stop(f->r);
    free(f->home);
}

static struct orgs_tag
tag(const char *key, const char *value)
{
    return (struct orgs_tag){ (char *)key, (char *)value };
}

static const struct responder_request *
req(struct fx *f, size_t i)
{
    const struct responder_request *q = responder_request(f->r, i);

    if (q == NULL)
        CHECK_FAIL("no request %zu (only %zu)", i, responder_count(f->r));
    return q;
}

/* Verifies the recorded request's SigV4 signature with secret; returns the parsed header. */
static struct sigv4_auth
verify_signature(const struct responder_request *q, const char *secret)
{
    struct sigv4_header hs[64];
    struct sigv4_request sr = { 0 };
    struct sigv4_auth auth;
    struct sbx_err err = { 0 };
    const char *authz = responder_header(q, "Authorization");
    int64_t t = 0;

    CHECK(authz != NULL);
    CHECK(q->nheaders <= SBX_ARRAY_LEN(hs));
    for (size_t i = 0; i < q->nheaders; i++)
        hs[i] = (struct sigv4_header){ q->headers[i].name, q->headers[i].value };
    sr.method = q->method;
    sr.path = q->url;
    sr.headers = hs;
    sr.nheaders = q->nheaders;
    sr.body = q->body;
    sr.body_len = q->body_len;
    CHECK_OK(sigv4_parse_authorization(authz, &auth, &err), &err);
    CHECK_OK(sigv4_verify(&sr, &auth, secret, &t, &err), &err);
    CHECK_INT_EQ(t, (int64_t)T0);
    return auth;
}

TEST(request_shape_and_signature)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_organization org;
    const struct responder_request *q;
    struct sigv4_auth auth;
    char host[64];

    fx_init(&f, 3);
    responder_push_simple(f.r, 200, ORG_BODY);
    CHECK_OK(orgs_describe_organization(f.o, &org, &err), &err);
    CHECK_STR_EQ(org.id, "o-a1b2c3d4e5");
    CHECK_STR_EQ(org.feature_set, "ALL");
    CHECK_STR_EQ(org.master_account_id, "111111111111");
    CHECK_STR_EQ(org.master_account_email, "mgmt@example.com");
    orgs_organization_release(&org);

    q = req(&f, 0);
    CHECK_STR_EQ(q->method, "POST");
    CHECK_STR_EQ(q->url, "/");
    CHECK_STR_EQ(q->body, "{}");
    CHECK_STR_EQ(responder_header(q, "X-Amz-Target"),
                 "AWSOrganizationsV20161128.DescribeOrganization");
    CHECK_STR_EQ(responder_header(q, "Content-Type"), "application/x-amz-json-1.1");
    snprintf(host, sizeof(host), "127.0.0.1:%d", responder_port(f.r));
    CHECK_STR_EQ(responder_header(q, "Host"), host);
    CHECK(responder_header(q, "X-Amz-Security-Token") == NULL);
    CHECK(responder_header(q, "Expect") == NULL);
    CHECK(responder_header(q, "x-amz-content-sha256") == NULL);
    CHECK_STR_EQ(responder_header(q, "amz-sdk-request"), "attempt=1; max=3");
    auth = verify_signature(q, TEST_SECRET);
    CHECK_STR_EQ(auth.signed_headers, "content-type;host;x-amz-date;x-amz-target");
    CHECK_STR_EQ(auth.access_key_id, TEST_AKID);
    CHECK_STR_EQ(auth.region, "us-east-1");
    CHECK_STR_EQ(auth.service, "organizations");
    CHECK_STR_EQ(orgs_endpoint(f.o), responder_url(f.r));
    CHECK_STR_EQ(orgs_endpoint_source(f.o), "config aws.endpoint");
    fx_done(&f);
}

TEST(session_token_is_sent_and_signed)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_account a;
    struct sigv4_auth auth;
    const struct responder_request *q;

    fx_init(&f, 3);
    setenv("AWS_SESSION_TOKEN", TEST_TOKEN, 1);
    responder_push_simple(f.r, 200, ACCOUNT_BODY);
    CHECK_OK(orgs_describe_account(f.o, "555555555555", &a, &err), &err);
    CHECK_STR_EQ(a.id, "555555555555");
    CHECK_STR_EQ(a.email, "a@example.com");
    CHECK_STR_EQ(a.state, "ACTIVE");
    CHECK_STR_EQ(a.joined_method, "CREATED");
    CHECK(fabs(a.joined - 1481835795.536) < 1e-6);
    CHECK(!orgs_account_is_closed(&a));
    orgs_account_release(&a);
    q = req(&f, 0);
    CHECK_STR_EQ(q->body, "{\"AccountId\":\"555555555555\"}");
    CHECK_STR_EQ(responder_header(q, "X-Amz-Security-Token"), TEST_TOKEN);
    auth = verify_signature(q, TEST_SECRET);
    CHECK_STR_EQ(auth.signed_headers,
                 "content-type;host;x-amz-date;x-amz-security-token;x-amz-target");
    fx_done(&f);
}

TEST(throttling_succeeds_after_retries)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_account a;
    double waited;

    fx_init(&f, 5);
    responder_push_simple(f.r, 400, THROTTLE_BODY);
    responder_push_simple(f.r, 400, THROTTLE_BODY);
    responder_push_simple(f.r, 200, ACCOUNT_BODY);
    CHECK_OK(orgs_describe_account(f.o, "555555555555", &a, &err), &err);
    orgs_account_release(&a);
    CHECK_INT_EQ(responder_count(f.r), 3);
    CHECK_STR_EQ(responder_header(req(&f, 2), "amz-sdk-request"), "attempt=3; max=5");
    /* Throttling backoff: rand * 1 s, then rand * 2 s. */
    waited = clock_now(&f.clk) - T0;
    CHECK(waited >= 0 && waited < 3.0);
    /* Two retries cost 5 each; the success refunds the last one. */
    CHECK_INT_EQ(orgs_retry_quota(f.o), 495);
    fx_done(&f);
}

TEST(server_error_then_success)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_organization org;

    fx_init(&f, 3);
    responder_push_simple(f.r, 500,
                          "{\"__type\":\"ServiceException\",\"Message\":\"internal error\"}");
    responder_push_simple(f.r, 200, ORG_BODY);
    CHECK_OK(orgs_describe_organization(f.o, &org, &err), &err);
    orgs_organization_release(&org);
    CHECK_INT_EQ(responder_count(f.r), 2);
    /* Transient backoff base is 100 ms. */
    CHECK(clock_now(&f.clk) - T0 < 0.1 + 1e-9);
    fx_done(&f);
}

TEST(dropped_connection_then_success)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_organization org;
    struct responder_script drop = { 0 };

    fx_init(&f, 3);
    drop.action = RESPOND_DROP;
    responder_push(f.r, &drop);
    responder_push_simple(f.r, 200, ORG_BODY);
    CHECK_OK(orgs_describe_organization(f.o, &org, &err), &err);
    orgs_organization_release(&org);
    CHECK_INT_EQ(responder_count(f.r), 2);
    fx_done(&f);
}

TEST(retries_give_up_with_typed_error)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_organization org;

    fx_init(&f, 4);
    for (int i = 0; i < 4; i++)
        responder_push_simple(f.r, 400, THROTTLE_BODY);
    CHECK_ERR(orgs_describe_organization(f.o, &org, &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_THROTTLED);
    CHECK_INT_EQ(err.http_status, 400);
    CHECK_STR_EQ(err.aws_code, "TooManyRequestsException");
    CHECK_CONTAINS(err.msg, "TooManyRequestsException: You have sent too many requests");
    CHECK_CONTAINS(err.msg, "(after 4 attempts)");
    CHECK_INT_EQ(responder_count(f.r), 4);
    CHECK_INT_EQ(orgs_retry_quota(f.o), 500 - 3 * 5);
    fx_done(&f);
}

TEST(retry_after_header_is_honoured)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_organization org;
    struct responder_script s = { 0 };
    double waited;

    fx_init(&f, 3);
    s.status = 400;
    s.body = THROTTLE_BODY;
    s.headers = "x-amz-retry-after: 3000";
    responder_push(f.r, &s);
    responder_push_simple(f.r, 200, ORG_BODY);
    CHECK_OK(orgs_describe_organization(f.o, &org, &err), &err);
    orgs_organization_release(&org);
    waited = clock_now(&f.clk) - T0;
    /* max(t, min(3 s, t + 5 s)) with t < 1 s is exactly 3 s. */
    CHECK(fabs(waited - 3.0) < 1e-6);
    fx_done(&f);
}

TEST(concurrent_modification_is_retried)
{
    struct fx f;
    struct sbx_err err = { 0 };

    fx_init(&f, 3);
    responder_push_simple(f.r, 400,
                          "{\"__type\":\"ConcurrentModificationException\",\"Message\":\"The "
                          "target of the operation is currently being modified by a different "
                          "request. Try again later.\"}");
    responder_push_simple(f.r, 200, "");
    CHECK_OK(orgs_move_account(f.o, "555555555555", "r-ab12", "ou-ab12-11111111", &err), &err);
    CHECK_INT_EQ(responder_count(f.r), 2);
    CHECK_STR_EQ(req(&f, 0)->body, "{\"AccountId\":\"555555555555\",\"SourceParentId\":\"r-ab12\","
                                   "\"DestinationParentId\":\"ou-ab12-11111111\"}");
    fx_done(&f);
}

TEST(pagination_continues_past_empty_page)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_account *accts = NULL;
    size_t n = 0;

    fx_init(&f, 3);
    responder_push_simple(f.r, 200,
                          "{\"Accounts\":[{\"Id\":\"111111111111\",\"State\":\"ACTIVE\"},"
                          "{\"Id\":\"222222222222\",\"Status\":\"SUSPENDED\"}],"
                          "\"NextToken\":\"tok-1\"}");
    responder_push_simple(f.r, 200, "{\"Accounts\":[],\"NextToken\":\"tok-2\"}");
    responder_push_simple(f.r, 200,
                          "{\"Accounts\":[{\"Id\":\"333333333333\",\"State\":\"CLOSED\","
                          "\"JoinedTimestamp\":1.6E9}],\"NextToken\":null}");
    CHECK_OK(orgs_list_accounts(f.o, &accts, &n, &err), &err);
    CHECK_INT_EQ(n, 3);
    CHECK_STR_EQ(accts[0].id, "111111111111");
    CHECK_STR_EQ(accts[1].id, "222222222222");
    CHECK_STR_EQ(accts[2].id, "333333333333");
    CHECK(!orgs_account_is_closed(&accts[0]));
    CHECK(orgs_account_is_closed(&accts[1]));
    CHECK(orgs_account_is_closed(&accts[2]));
    CHECK(accts[2].joined == 1.6e9);
    orgs_accounts_free(accts, n);
    CHECK_INT_EQ(responder_count(f.r), 3);
    CHECK_STR_EQ(req(&f, 0)->body, "{\"MaxResults\":20}");
    CHECK_STR_EQ(req(&f, 1)->body, "{\"MaxResults\":20,\"NextToken\":\"tok-1\"}");
    CHECK_STR_EQ(req(&f, 2)->body, "{\"MaxResults\":20,\"NextToken\":\"tok-2\"}");
    fx_done(&f);
}

TEST(pagination_of_tags_has_no_max_results)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_tag *tags = NULL;
    size_t n = 0;

    fx_init(&f, 3);
    responder_push_simple(
            f.r, 200, "{\"Tags\":[{\"Key\":\"owner\",\"Value\":\"dev1\"}],\"NextToken\":\"t\"}");
    responder_push_simple(f.r, 200, "{\"Tags\":[]}");
    CHECK_OK(orgs_list_tags(f.o, "555555555555", &tags, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(tags[0].key, "owner");
    CHECK_STR_EQ(tags[0].value, "dev1");
    orgs_tags_free(tags, n);
    CHECK_STR_EQ(req(&f, 0)->body, "{\"ResourceId\":\"555555555555\"}");
    CHECK_STR_EQ(req(&f, 1)->body, "{\"ResourceId\":\"555555555555\",\"NextToken\":\"t\"}");
    fx_done(&f);
}

TEST(pagination_refuses_a_repeated_token)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_root *roots = NULL;
    size_t n = 0;

    fx_init(&f, 3);
    responder_push_simple(f.r, 200, "{\"Roots\":[{\"Id\":\"r-ab12\"}],\"NextToken\":\"same\"}");
    responder_push_simple(f.r, 200, "{\"Roots\":[],\"NextToken\":\"same\"}");
    CHECK_ERR(orgs_list_roots(f.o, &roots, &n, &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_PROTOCOL);
    CHECK_CONTAINS(err.msg, "NextToken repeated");
    CHECK(roots == NULL && n == 0);
    fx_done(&f);
}

/* Every typed error class from a real-shaped response, without retries. */
TEST(typed_errors)
{
    static const struct {
        int status;
        const char *header; /* X-Amzn-Errortype */
        const char *body;
        enum sbx_aws_errc want;
        const char *code;
        const char *reason;
    } cases[] = {
        { 400, NULL, THROTTLE_BODY, SBX_AWS_THROTTLED, "TooManyRequestsException", "" },
        { 500, NULL, "{\"__type\":\"ServiceException\",\"Message\":\"x\"}", SBX_AWS_TRANSIENT,
          "ServiceException", "" },
        { 400, NULL,
          "{\"__type\":\"ConstraintViolationException\",\"Message\":\"You have exceeded close "
          "account quota for the past 30 days.\",\"Reason\":\"CLOSE_ACCOUNT_QUOTA_EXCEEDED\"}",
          SBX_AWS_CLOSE_QUOTA, "ConstraintViolationException", "CLOSE_ACCOUNT_QUOTA_EXCEEDED" },
        { 400, NULL,
          "{\"__type\":\"ConstraintViolationException\",\"Message\":\"m\","
          "\"Reason\":\"CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED\"}",
          SBX_AWS_CLOSE_IN_FLIGHT, "ConstraintViolationException",
          "CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED" },
        { 400, NULL,
          "{\"__type\":\"ConstraintViolationException\",\"Message\":\"m\","
          "\"Reason\":\"ACCOUNT_NUMBER_LIMIT_EXCEEDED\"}",
          SBX_AWS_ACCOUNT_LIMIT, "ConstraintViolationException", "ACCOUNT_NUMBER_LIMIT_EXCEEDED" },
        { 400, NULL,
          "{\"__type\":\"ConstraintViolationException\",\"Message\":\"m\","
          "\"Reason\":\"ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED\"}",
          SBX_AWS_CREATE_RATE, "ConstraintViolationException",
          "ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED" },
        { 400, NULL,
          "{\"__type\":\"ConstraintViolationException\",\"Message\":\"m\","
          "\"Reason\":\"CANNOT_CLOSE_MANAGEMENT_ACCOUNT\"}",
          SBX_AWS_CANNOT_CLOSE_MGMT, "ConstraintViolationException",
          "CANNOT_CLOSE_MANAGEMENT_ACCOUNT" },
        { 400, NULL,
          "{\"__type\":\"ConstraintViolationException\",\"Message\":\"m\","
          "\"Reason\":\"MAX_TAG_LIMIT_EXCEEDED\"}",
          SBX_AWS_CONSTRAINT, "ConstraintViolationException", "MAX_TAG_LIMIT_EXCEEDED" },
        { 400, NULL, "{\"__type\":\"AccountNotFoundException\",\"Message\":\"m\"}",
          SBX_AWS_NOT_FOUND, "AccountNotFoundException", "" },
        { 400, NULL, "{\"__type\":\"AccountAlreadyClosedException\",\"Message\":\"m\"}",
          SBX_AWS_ALREADY_CLOSED, "AccountAlreadyClosedException", "" },
        { 400, NULL, "{\"__type\":\"ConcurrentModificationException\",\"Message\":\"try later\"}",
          SBX_AWS_CONCURRENT_MODIFICATION, "ConcurrentModificationException", "" },
        { 400, NULL, "{\"__type\":\"ConflictException\",\"Message\":\"m\"}", SBX_AWS_CONFLICT,
          "ConflictException", "" },
        { 400, NULL, "{\"__type\":\"DuplicateAccountException\",\"Message\":\"m\"}",
          SBX_AWS_DUPLICATE, "DuplicateAccountException", "" },
        { 400, NULL, "{\"__type\":\"AccessDeniedException\",\"Message\":\"no\"}",
          SBX_AWS_ACCESS_DENIED, "AccessDeniedException", "" },
        { 403, NULL,
          "{\"__type\":\"InvalidSignatureException\",\"message\":\"The request signature we "
          "calculated does not match\"}",
          SBX_AWS_AUTH, "InvalidSignatureException", "" },
        { 400, NULL,
          "{\"__type\":\"InvalidInputException\",\"Message\":\"m\",\"Reason\":\"INVALID_PATTERN\"}",
          SBX_AWS_INVALID_INPUT, "InvalidInputException", "INVALID_PATTERN" },
        { 400, NULL,
          "{\"__type\":\"AWSOrganizationsNotInUseException\",\"Message\":\"Your account is not "
          "a member of an organization.\"}",
          SBX_AWS_NOT_IN_USE, "AWSOrganizationsNotInUseException", "" },
        /* The header wins over the body, and codes are sanitised. */
        { 400, "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral/",
          "{\"__type\":\"com.amazon#SomethingElse\",\"message\":\"denied\"}", SBX_AWS_ACCESS_DENIED,
          "AccessDeniedException", "" },
        { 400, NULL,
          "{\"__type\":\"com.amazonaws.organizations.v20161128#ConflictException:http://x/\","
          "\"Message\":\"m\"}",
          SBX_AWS_CONFLICT, "ConflictException", "" },
    };

    for (size_t i = 0; i < SBX_ARRAY_LEN(cases); i++) {
        struct fx f;
        struct sbx_err err = { 0 };
        struct responder_script s = { 0 };
        char hdr[256];

        fx_init(&f, 1);
        s.status = cases[i].status;
        s.body = cases[i].body;
        if (cases[i].header != NULL) {
            snprintf(hdr, sizeof(hdr), "X-Amzn-Errortype: %s", cases[i].header);
            s.headers = hdr;
        }
        responder_push(f.r, &s);
        CHECK_ERR(orgs_close_account(f.o, "555555555555", &err), &err, SBX_E_AWS);
        if (err.aws != cases[i].want)
            CHECK_FAIL("case %zu: class %s, want %s (%s)", i, sbx_aws_errc_name(err.aws),
                       sbx_aws_errc_name(cases[i].want), err.msg);
        CHECK_STR_EQ(err.aws_code, cases[i].code);
        CHECK_STR_EQ(err.aws_reason, cases[i].reason);
        CHECK_INT_EQ(err.http_status, cases[i].status);
        CHECK(strncmp(err.msg, cases[i].code, strlen(cases[i].code)) == 0);
        if (cases[i].reason[0] != '\0')
            CHECK_CONTAINS(err.msg, cases[i].reason);
        CHECK_INT_EQ(responder_count(f.r), 1);
        fx_done(&f);
    }
}

TEST(non_retryable_errors_are_not_retried)
{
    struct fx f;
    struct sbx_err err = { 0 };

    fx_init(&f, 5);
    responder_push_simple(f.r, 400,
                          "{\"__type\":\"ConstraintViolationException\",\"Message\":\"m\","
                          "\"Reason\":\"CLOSE_ACCOUNT_QUOTA_EXCEEDED\"}");
    CHECK_ERR(orgs_close_account(f.o, "555555555555", &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_CLOSE_QUOTA);
    CHECK_INT_EQ(responder_count(f.r), 1);
    CHECK(strstr(err.msg, "attempts") == NULL);
    fx_done(&f);
}

TEST(malformed_json_error_body)
{
    struct fx f;
    struct sbx_err err = { 0 };

    fx_init(&f, 1);
    responder_push_simple(f.r, 400, "{\"__type\": \"Foo\", \"Message\": ]");
    CHECK_ERR(orgs_close_account(f.o, "555555555555", &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_REFUSED); /* a 4xx: refused, whatever the body */
    CHECK_INT_EQ(responder_count(f.r), 1);
    CHECK_CONTAINS(err.msg, "HTTP 400: malformed JSON response");
    fx_done(&f);
}

TEST(html_error_page)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct responder_script s = { 0 };

    fx_init(&f, 1);
    s.status = 403;
    s.content_type = "text/html";
    s.body = "<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1>"
             "<p>Request blocked by the corporate proxy.</p></body></html>";
    responder_push(f.r, &s);
    CHECK_ERR(orgs_close_account(f.o, "555555555555", &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_REFUSED); /* a 4xx: refused, not retried */
    CHECK_INT_EQ(responder_count(f.r), 1);
    CHECK_CONTAINS(err.msg, "HTTP 403: response is not JSON: '403 Forbidden Forbidden Request "
                            "blocked");
    CHECK(strchr(err.msg, '<') == NULL);
    fx_done(&f);
}

TEST(html_gateway_error_is_retried)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct responder_script s = { 0 };
    struct orgs_account acct;

    fx_init(&f, 2);
    s.status = 502;
    s.content_type = "text/html";
    s.body = "<html><body>502 Bad Gateway</body></html>";
    responder_push(f.r, &s);
    responder_push(f.r, &s);
    CHECK_ERR(orgs_describe_account(f.o, "555555555555", &acct, &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_TRANSIENT);
    CHECK_CONTAINS(err.msg, "HTTP 502: response is not JSON: '502 Bad Gateway'");
    CHECK_CONTAINS(err.msg, "(after 2 attempts)");
    CHECK_INT_EQ(responder_count(f.r), 2);
    fx_done(&f);
}

TEST(truncated_success_body)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_organization org;

    fx_init(&f, 3);
    responder_push_simple(f.r, 200, "{\"Organization\":{\"Id\":\"o-a1b2c3d4e5\",\"Feat");
    CHECK_ERR(orgs_describe_organization(f.o, &org, &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_PROTOCOL);
    CHECK_CONTAINS(err.msg, "DescribeOrganization: HTTP 200: truncated JSON response");
    /* A broken success body is not retried. */
    CHECK_INT_EQ(responder_count(f.r), 1);
    fx_done(&f);
}

TEST(connection_cut_mid_body)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_organization org;
    struct responder_script s = { 0 };

    fx_init(&f, 2);
    s.status = 200;
    s.body = ORG_BODY;
    s.action = RESPOND_CUT;
    responder_push(f.r, &s);
    responder_push(f.r, &s);
    CHECK_ERR(orgs_describe_organization(f.o, &org, &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_TRANSIENT);
    CHECK_CONTAINS(err.msg, "dropped");
    CHECK_CONTAINS(err.msg, "(after 2 attempts)");
    fx_done(&f);
}

TEST(wrong_success_shape)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_account a;

    fx_init(&f, 1);
    responder_push_simple(f.r, 200, "{\"Something\":{}}");
    CHECK_ERR(orgs_describe_account(f.o, "555555555555", &a, &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_PROTOCOL);
    CHECK_CONTAINS(err.msg, "response lacks Account");
    responder_push_simple(f.r, 200, "[1,2,3]");
    CHECK_ERR(orgs_describe_account(f.o, "555555555555", &a, &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_PROTOCOL);
    fx_done(&f);
}

TEST(no_output_operations_accept_empty_and_braces)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_tag tags[2];
    const char *keys[] = { "owner", "kind" };

    fx_init(&f, 1);
    tags[0] = tag("owner", "dev1@example.com");
    tags[1] = tag("kind", "");
    responder_push_simple(f.r, 200, "");
    responder_push_simple(f.r, 200, "{}");
    responder_push_simple(f.r, 200, " {} ");
    CHECK_OK(orgs_tag_resource(f.o, "555555555555", tags, 2, &err), &err);
    CHECK_OK(orgs_untag_resource(f.o, "555555555555", keys, 2, &err), &err);
    CHECK_OK(orgs_close_account(f.o, "555555555555", &err), &err);
    CHECK_STR_EQ(req(&f, 0)->body, "{\"ResourceId\":\"555555555555\",\"Tags\":[{\"Key\":\"owner\","
                                   "\"Value\":\"dev1@example.com\"},{\"Key\":\"kind\",\"Value\":"
                                   "\"\"}]}");
    CHECK_STR_EQ(req(&f, 1)->body,
                 "{\"ResourceId\":\"555555555555\",\"TagKeys\":[\"owner\",\"kind\"]}");
    CHECK_STR_EQ(responder_header(req(&f, 2), "X-Amz-Target"),
                 "AWSOrganizationsV20161128.CloseAccount");
    fx_done(&f);
}

TEST(create_account_and_status)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_create_status st, *all = NULL;
    struct orgs_tag tags[1];
    const char *const states[] = { "IN_PROGRESS", "FAILED", NULL };
    size_t n = 0;

    fx_init(&f, 1);
    tags[0] = tag("owner", "dev1");
    responder_push_simple(f.r, 200,
                          "{\"CreateAccountStatus\":{\"Id\":\"car-0123456789abcdef\","
                          "\"AccountName\":\"sbx-dev-1\",\"State\":\"IN_PROGRESS\","
                          "\"RequestedTimestamp\":1470684478.687}}");
    CHECK_OK(orgs_create_account(f.o, "sandbox+1@example.com", "sbx-dev-1", NULL, tags, 1, &st,
                                 &err),
             &err);
    CHECK_STR_EQ(st.id, "car-0123456789abcdef");
    CHECK_STR_EQ(st.state, "IN_PROGRESS");
    CHECK_STR_EQ(st.account_name, "sbx-dev-1");
    CHECK(fabs(st.requested - 1470684478.687) < 1e-6);
    CHECK(st.completed == 0);
    orgs_create_status_release(&st);
    CHECK_STR_EQ(req(&f, 0)->body, "{\"Email\":\"sandbox+1@example.com\",\"AccountName\":"
                                   "\"sbx-dev-1\",\"Tags\":[{\"Key\":\"owner\",\"Value\":"
                                   "\"dev1\"}]}");

    responder_push_simple(f.r, 200,
                          "{\"CreateAccountStatus\":{\"Id\":\"car-0123456789abcdef\","
                          "\"State\":\"SUCCEEDED\",\"AccountId\":\"333333333333\","
                          "\"CompletedTimestamp\":1.470684532472e9}}");
    CHECK_OK(orgs_describe_create_account_status(f.o, "car-0123456789abcdef", &st, &err), &err);
    CHECK_STR_EQ(st.state, "SUCCEEDED");
    CHECK_STR_EQ(st.account_id, "333333333333");
    CHECK(fabs(st.completed - 1470684532.472) < 1e-6);
    orgs_create_status_release(&st);

    responder_push_simple(f.r, 200,
                          "{\"CreateAccountStatuses\":[{\"Id\":\"car-aaaaaaaa\",\"State\":"
                          "\"FAILED\",\"FailureReason\":\"EMAIL_ALREADY_EXISTS\"}]}");
    CHECK_OK(orgs_list_create_account_status(f.o, states, &all, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(all[0].failure_reason, "EMAIL_ALREADY_EXISTS");
    orgs_create_statuses_free(all, n);
    CHECK_STR_EQ(req(&f, 2)->body, "{\"States\":[\"IN_PROGRESS\",\"FAILED\"],\"MaxResults\":20}");
    fx_done(&f);
}

TEST(ous_roots_parents)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_ou ou, *ous = NULL;
    struct orgs_root *roots = NULL;
    struct orgs_parent *parents = NULL;
    size_t n = 0;

    fx_init(&f, 1);
    responder_push_simple(f.r, 200,
                          "{\"Roots\":[{\"Id\":\"r-ab12\",\"Arn\":\"arn:aws:organizations::"
                          "111111111111:root/o-a1b2c3d4e5/r-ab12\",\"Name\":\"Root\"}]}");
    CHECK_OK(orgs_list_roots(f.o, &roots, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(roots[0].id, "r-ab12");
    CHECK_STR_EQ(roots[0].name, "Root");
    orgs_roots_free(roots, n);

    responder_push_simple(f.r, 200,
                          "{\"OrganizationalUnit\":{\"Id\":\"ou-ab12-11111111\",\"Name\":"
                          "\"Sandboxes\",\"Path\":\"o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/\"}}");
    CHECK_OK(orgs_create_ou(f.o, "r-ab12", "Sandboxes", NULL, 0, &ou, &err), &err);
    CHECK_STR_EQ(ou.id, "ou-ab12-11111111");
    CHECK_STR_EQ(ou.path, "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/");
    orgs_ou_release(&ou);
    CHECK_STR_EQ(req(&f, 1)->body, "{\"ParentId\":\"r-ab12\",\"Name\":\"Sandboxes\"}");

    responder_push_simple(f.r, 200,
                          "{\"OrganizationalUnits\":[{\"Id\":\"ou-ab12-11111111\",\"Name\":"
                          "\"Sandboxes\"},{\"Id\":\"ou-ab12-22222222\",\"Name\":\"Other\"}]}");
    CHECK_OK(orgs_list_ous_for_parent(f.o, "r-ab12", &ous, &n, &err), &err);
    CHECK_INT_EQ(n, 2);
    CHECK_STR_EQ(ous[1].name, "Other");
    orgs_ous_free(ous, n);

    responder_push_simple(f.r, 200,
                          "{\"Parents\":[{\"Id\":\"ou-ab12-11111111\",\"Type\":"
                          "\"ORGANIZATIONAL_UNIT\"}]}");
    CHECK_OK(orgs_list_parents(f.o, "555555555555", &parents, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(parents[0].type, "ORGANIZATIONAL_UNIT");
    free(parents);
    CHECK_STR_EQ(req(&f, 3)->body, "{\"ChildId\":\"555555555555\",\"MaxResults\":20}");

    responder_push_simple(f.r, 200, "{\"Accounts\":[{\"Id\":\"444444444444\"}]}");
    {
        struct orgs_account *a = NULL;
        CHECK_OK(orgs_list_accounts_for_parent(f.o, "ou-ab12-11111111", &a, &n, &err), &err);
        CHECK_INT_EQ(n, 1);
        orgs_accounts_free(a, n);
    }
    CHECK_STR_EQ(req(&f, 4)->body, "{\"ParentId\":\"ou-ab12-11111111\",\"MaxResults\":20}");
    fx_done(&f);
}

TEST(connections_are_reused)
{
    struct fx f;
    struct sbx_err err = { 0 };

    fx_init(&f, 1);
    for (int i = 0; i < 4; i++)
        responder_push_simple(f.r, 200, "");
    for (int i = 0; i < 4; i++)
        CHECK_OK(orgs_tag_resource(f.o, "555555555555",
                                   &(struct orgs_tag){ (char *)"k", (char *)"v" }, 1, &err),
                 &err);
    CHECK_INT_EQ(responder_count(f.r), 4);
    CHECK_INT_EQ(responder_connections(f.r), 1);
    fx_done(&f);
}

/* How many recorded requests carry X-Amz-Target AWSOrganizationsV20161128.<op>. */
static size_t
count_op(struct fx *f, const char *op)
{
    char target[96];
    size_t n = 0;

    snprintf(target, sizeof(target), "AWSOrganizationsV20161128.%s", op);
    for (size_t i = 0; i < responder_count(f->r); i++) {
        const char *t = responder_header(req(f, i), "X-Amz-Target");

        if (t != NULL && strcmp(t, target) == 0)
            n++;
    }
    return n;
}

#define CREATE_BODY                                                                        \
    "{\"CreateAccountStatus\":{\"Id\":\"car-0123456789abcdef\",\"State\":\"IN_PROGRESS\"," \
    "\"RequestedTimestamp\":1470684478.687}}"

#define OU_BODY "{\"OrganizationalUnit\":{\"Id\":\"ou-ab12-11111111\",\"Name\":\"Sandboxes\"}}"

/*
 * A non-idempotent call whose connection dies after the request was read is never sent again:
 * not by libcurl (which silently re-sends a request on a new connection when a reused one
 * turns out dead), nor by the client's retries. The error goes back to the caller, even with
 * attempts to spare.
 */
TEST(non_idempotent_calls_are_sent_once_on_a_dropped_connection)
{
    static const char *const ops[] = { "CreateAccount", "CloseAccount",
                                       "CreateOrganizationalUnit" };

    for (size_t i = 0; i < SBX_ARRAY_LEN(ops); i++) {
        struct fx f;
        struct sbx_err err = { 0 };
        struct orgs_organization org;
        struct orgs_create_status st;
        struct orgs_ou ou;
        struct responder_script drop = { 0 };
        int rc;

        fx_init(&f, 3);
        /* An earlier call leaves a kept-alive connection for the next one to reuse. */
        responder_push_simple(f.r, 200, ORG_BODY);
        CHECK_OK(orgs_describe_organization(f.o, &org, &err), &err);
        orgs_organization_release(&org);
        drop.action = RESPOND_DROP;
        responder_push(f.r, &drop);
        /* What a second copy of the request would be answered. */
        for (int k = 0; k < 2; k++)
            responder_push_simple(f.r, 200, i == 0 ? CREATE_BODY : i == 1 ? "" : OU_BODY);
        if (i == 0)
            rc = orgs_create_account(f.o, "sandbox+1@example.com", "sbx-dev-1", NULL, NULL, 0, &st,
                                     &err);
        else if (i == 1)
            rc = orgs_close_account(f.o, "555555555555", &err);
        else
            rc = orgs_create_ou(f.o, "r-ab12", "Sandboxes", NULL, 0, &ou, &err);
        if (rc == 0)
            CHECK_FAIL("%s: succeeded after a dropped answer: it was sent %zu times", ops[i],
                       count_op(&f, ops[i]));
        CHECK_INT_EQ(err.code, SBX_E_AWS);
        CHECK_INT_EQ(err.aws, SBX_AWS_TRANSIENT);
        CHECK_CONTAINS(err.msg, "dropped");
        CHECK(strstr(err.msg, "attempts") == NULL);
        if (count_op(&f, ops[i]) != 1)
            CHECK_FAIL("%s was sent %zu times", ops[i], count_op(&f, ops[i]));
        fx_done(&f);
    }
}

/* A 5xx answer to a non-idempotent call is ambiguous (it may have been done): not retried.
 * Idempotent calls still are (html_gateway_error_is_retried). */
TEST(non_idempotent_calls_are_not_retried_after_a_server_error)
{
    struct fx f;
    struct sbx_err err = { 0 };

    fx_init(&f, 3);
    responder_push_simple(f.r, 500, "{\"__type\":\"ServiceException\",\"Message\":\"x\"}");
    responder_push_simple(f.r, 200, "");
    CHECK_ERR(orgs_close_account(f.o, "555555555555", &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_TRANSIENT);
    CHECK_INT_EQ(responder_count(f.r), 1);
    fx_done(&f);
}

/* Throttling is AWS refusing the call before doing anything: retried as for any call. */
TEST(non_idempotent_calls_are_retried_when_throttled)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_create_status st;

    fx_init(&f, 3);
    responder_push_simple(f.r, 400, THROTTLE_BODY);
    responder_push_simple(f.r, 200, CREATE_BODY);
    CHECK_OK(orgs_create_account(f.o, "sandbox+1@example.com", "sbx-dev-1", NULL, NULL, 0, &st,
                                 &err),
             &err);
    orgs_create_status_release(&st);
    CHECK_INT_EQ(count_op(&f, "CreateAccount"), 2);
    fx_done(&f);
}

/* Each non-idempotent call opens a connection of its own; other calls reuse theirs. */
TEST(non_idempotent_calls_use_a_fresh_connection)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_organization org;

    fx_init(&f, 1);
    orgs_set_pace(f.o, ORGS_OP_CLOSE_ACCOUNT, 0, 1);
    for (int i = 0; i < 2; i++) {
        responder_push_simple(f.r, 200, ORG_BODY);
        CHECK_OK(orgs_describe_organization(f.o, &org, &err), &err);
        orgs_organization_release(&org);
    }
    CHECK_INT_EQ(responder_connections(f.r), 1);
    for (int i = 0; i < 2; i++) {
        responder_push_simple(f.r, 200, "");
        CHECK_OK(orgs_close_account(f.o, "555555555555", &err), &err);
    }
    CHECK_INT_EQ(responder_connections(f.r), 3);
    fx_done(&f);
}

TEST(pacing_spaces_calls)
{
    struct fx f;
    struct sbx_err err = { 0 };

    fx_init(&f, 1);
    /* CloseAccount: 0.05/s, burst 1 (DESIGN.md section 4). */
    CHECK(orgs_pace_wait(f.o, ORGS_OP_CLOSE_ACCOUNT) == 0);
    responder_push_simple(f.r, 200, "");
    responder_push_simple(f.r, 200, "");
    CHECK_OK(orgs_close_account(f.o, "555555555555", &err), &err);
    CHECK(fabs(orgs_pace_wait(f.o, ORGS_OP_CLOSE_ACCOUNT) - 20.0) < 1e-6);
    CHECK(clock_now(&f.clk) == T0);
    CHECK_OK(orgs_close_account(f.o, "555555555555", &err), &err);
    CHECK(fabs(clock_now(&f.clk) - (T0 + 20.0)) < 1e-6);
    /* Unpaced after orgs_set_pace(rate 0). */
    orgs_set_pace(f.o, ORGS_OP_CLOSE_ACCOUNT, 0, 1);
    CHECK(orgs_pace_wait(f.o, ORGS_OP_CLOSE_ACCOUNT) == 0);
    fx_done(&f);
}

TEST(proxy_variables_are_honoured)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs *o = NULL;
    struct responder *direct;
    char proxy[80];

    fx_init(&f, 1);
    /* Through the proxy: the request target is the absolute URL of a host that only the
     * proxy (our responder) ever sees. */
    snprintf(proxy, sizeof(proxy), "%s", responder_url(f.r));
    setenv("http_proxy", proxy, 1);
    f.opts.endpoint = "http://sbx-proxy-test.invalid:8080";
    CHECK_OK(orgs_new(&f.opts, &f.clk, &o, &err), &err);
    responder_push_simple(f.r, 200, "");
    CHECK_OK(orgs_close_account(o, "555555555555", &err), &err);
    CHECK_STR_EQ(req(&f, 0)->url, "http://sbx-proxy-test.invalid:8080/");
    CHECK_STR_EQ(responder_header(req(&f, 0), "Host"), "sbx-proxy-test.invalid:8080");
    orgs_free(o);

    /* no_proxy bypasses a dead proxy. */
    direct = responder_start();
    setenv("http_proxy", "http://127.0.0.1:1", 1);
    setenv("no_proxy", "127.0.0.1", 1);
    f.opts.endpoint = responder_url(direct);
    CHECK_OK(orgs_new(&f.opts, &f.clk, &o, &err), &err);
    responder_push_simple(direct, 200, "");
    CHECK_OK(orgs_close_account(o, "555555555555", &err), &err);
    CHECK_INT_EQ(responder_count(direct), 1);
    orgs_free(o);
    responder_stop(direct);
    fx_done(&f);
}

/* A loopback port with nothing listening. */
static int
closed_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    CHECK(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
    port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

/* Nothing was sent, so even a non-idempotent call is retried. */
TEST(connection_refused_is_a_network_error)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs *o = NULL;
    char url[64];

    fx_init(&f, 2);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", closed_port());
    f.opts.endpoint = url;
    CHECK_OK(orgs_new(&f.opts, &f.clk, &o, &err), &err);
    CHECK_ERR(orgs_close_account(o, "555555555555", &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_NETWORK);
    CHECK_CONTAINS(err.msg, "cannot reach");
    CHECK_CONTAINS(err.msg, url);
    CHECK_CONTAINS(err.msg, "(after 2 attempts)");
    orgs_free(o);
    fx_done(&f);
}

TEST(request_timeout)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs *o = NULL;
    struct responder_script s = { 0 };

    fx_init(&f, 1);
    f.opts.request_timeout = 1;
    CHECK_OK(orgs_new(&f.opts, &f.clk, &o, &err), &err);
    s.status = 200;
    s.delay_ms = 1500;
    responder_push(f.r, &s);
    CHECK_ERR(orgs_close_account(o, "555555555555", &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_TRANSIENT);
    CHECK_CONTAINS(err.msg, "timed out");
    orgs_free(o);
    fx_done(&f);
}

TEST(invalid_endpoint_url)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs *o = NULL;

    fx_init(&f, 1);
    f.opts.endpoint = "ftp://127.0.0.1:21";
    CHECK_ERR(orgs_new(&f.opts, &f.clk, &o, &err), &err, SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "config aws.endpoint");
    CHECK_CONTAINS(err.msg, "ftp://127.0.0.1:21");
    CHECK_INT_EQ(sbx_err_exit_code(&err), SBX_EXIT_CONFIG);
    CHECK(o == NULL);
    f.opts.endpoint = NULL;
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:99999", 1);
    CHECK_ERR(orgs_new(&f.opts, &f.clk, &o, &err), &err, SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "AWS_ENDPOINT_URL");
    CHECK_CONTAINS(err.msg, "port");
    fx_done(&f);
}

TEST(no_credentials_lists_sources)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_organization org;
    const char *source;

    fx_init(&f, 1);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    CHECK_ERR(orgs_credentials(f.o, &source, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "no credentials: environment (AWS_ACCESS_KEY_ID not set)");
    CHECK_CONTAINS(err.msg, "shared credentials file '");
    CHECK_CONTAINS(err.msg, "shared config file '");
    CHECK_INT_EQ(sbx_err_exit_code(&err), SBX_EXIT_AWS);
    /* An operation fails the same way and sends nothing. */
    CHECK_ERR(orgs_describe_organization(f.o, &org, &err), &err, SBX_E_CREDS);
    CHECK_INT_EQ(responder_count(f.r), 0);
    fx_done(&f);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
    FILE *fp = fopen(path, "w");

    CHECK(fp != NULL);
    CHECK(fputs(text, fp) >= 0);
    CHECK(fclose(fp) == 0);
    CHECK(chmod(path, mode) == 0);
}

/* A credential_process that counts its runs and hands out keys valid for `valid` seconds. */
static void
setup_process(const char *dir, int valid)
{
    char script[600], path[300], conf[400], cfgpath[300];

    snprintf(script, sizeof(script),
             "#!/bin/sh\n"
             "n=$(cat '%s/count' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '%s/count'\n"
             "exp=$(date -u -d @$(( $(date +%%s) + %d )) +%%Y-%%m-%%dT%%H:%%M:%%SZ)\n"
             "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC%%04d\", "
             "\"SecretAccessKey\": \"procsecret\", \"SessionToken\": \"proctoken\", "
             "\"Expiration\": \"%%s\"}' $n \"$exp\"\n",
             dir, dir, valid);
    snprintf(path, sizeof(path), "%s/proc.sh", dir);
    write_file(path, script, 0755);
    snprintf(conf, sizeof(conf), "[default]\ncredential_process = %s\n", path);
    snprintf(cfgpath, sizeof(cfgpath), "%s/config", dir);
    write_file(cfgpath, conf, 0600);
    setenv("AWS_CONFIG_FILE", cfgpath, 1);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
}

static int
run_count(const char *dir)
{
    char path[300], *text;
    int n;

    snprintf(path, sizeof(path), "%s/count", dir);
    text = check_read_file(path, NULL);
    n = (int)strtol(text, NULL, 10);
    free(text);
    return n;
}

TEST(credentials_refresh_before_expiry)
{
    struct fx f;
    struct sbx_err err = { 0 };
    const char *source;

    fx_init(&f, 1);
    /* Valid for 60 s: inside the 5-minute margin, so every call fetches fresh ones. */
    setup_process(f.home, 60);
    responder_push_simple(f.r, 200, "");
    responder_push_simple(f.r, 200, "");
    CHECK_OK(orgs_close_account(f.o, "555555555555", &err), &err);
    orgs_set_pace(f.o, ORGS_OP_CLOSE_ACCOUNT, 0, 1);
    CHECK_OK(orgs_close_account(f.o, "555555555555", &err), &err);
    CHECK_INT_EQ(run_count(f.home), 2);
    CHECK_CONTAINS(responder_header(req(&f, 0), "Authorization"), "Credential=AKIDPROC0001/");
    CHECK_CONTAINS(responder_header(req(&f, 1), "Authorization"), "Credential=AKIDPROC0002/");
    CHECK_STR_EQ(responder_header(req(&f, 1), "X-Amz-Security-Token"), "proctoken");
    verify_signature(req(&f, 1), "procsecret");
    CHECK_OK(orgs_credentials(f.o, &source, &err), &err);
    CHECK_STR_EQ(source, "profile 'default' (credential_process)");
    CHECK(orgs_credentials_expiration(f.o) > 0);
    fx_done(&f);
}

/* The client's credentials, refreshed as before a call, as a copy that outlives the client
 * (for hooks.pass_credentials). */
TEST(credentials_are_copied_fresh)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct creds c1 = { 0 }, c2 = { 0 };

    fx_init(&f, 1);
    /* Valid for 60 s: inside the 5-minute margin, so each copy is of fresh credentials. */
    setup_process(f.home, 60);
    CHECK_OK(orgs_copy_credentials(f.o, &c1, &err), &err);
    CHECK_OK(orgs_copy_credentials(f.o, &c2, &err), &err);
    CHECK_INT_EQ(run_count(f.home), 2);
    CHECK_STR_EQ(c1.access_key_id, "AKIDPROC0001");
    CHECK_STR_EQ(c2.access_key_id, "AKIDPROC0002");
    CHECK_STR_EQ(orgs_access_key_id(f.o), "AKIDPROC0002");
    /* Deep: the copies stay valid after the client is gone. */
    fx_done(&f);
    CHECK_STR_EQ(c2.secret_access_key, "procsecret");
    CHECK_STR_EQ(c2.session_token, "proctoken");
    CHECK_STR_EQ(c2.source, "profile 'default' (credential_process)");
    CHECK(c2.expiration > 0);
    creds_release(&c1);
    creds_release(&c2);
    CHECK(c2.access_key_id == NULL && c2.session_token == NULL);

    /* No credentials: the resolution error, and nothing to release. */
    fx_init(&f, 1);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    CHECK_ERR(orgs_copy_credentials(f.o, &c1, &err), &err, SBX_E_CREDS);
    CHECK(c1.access_key_id == NULL && c1.secret_access_key == NULL);
    fx_done(&f);
}

TEST(credentials_are_cached_while_valid)
{
    struct fx f;
    struct sbx_err err = { 0 };

    fx_init(&f, 1);
    setup_process(f.home, 3600);
    orgs_set_pace(f.o, ORGS_OP_CLOSE_ACCOUNT, 0, 1);
    for (int i = 0; i < 3; i++) {
        responder_push_simple(f.r, 200, "");
        CHECK_OK(orgs_close_account(f.o, "555555555555", &err), &err);
    }
    CHECK_INT_EQ(run_count(f.home), 1);
    fx_done(&f);
}

TEST(expired_token_forces_one_refresh)
{
    struct fx f;
    struct sbx_err err = { 0 };

    fx_init(&f, 1);
    setup_process(f.home, 3600);
    responder_push_simple(f.r, 400,
                          "{\"__type\":\"ExpiredTokenException\",\"message\":\"The security "
                          "token included in the request is expired\"}");
    responder_push_simple(f.r, 200, "");
    CHECK_OK(orgs_close_account(f.o, "555555555555", &err), &err);
    CHECK_INT_EQ(run_count(f.home), 2);
    CHECK_INT_EQ(responder_count(f.r), 2);
    fx_done(&f);
}

TEST(sts_caller_identity_and_assume_role)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs_caller who;
    struct creds c;
    struct responder_script s = { 0 };
    struct sigv4_auth auth;
    const struct responder_request *q;

    fx_init(&f, 2);
    s.status = 200;
    s.content_type = "text/xml";
    s.body = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
             "<GetCallerIdentityResult><Arn>arn:aws:iam::111111111111:user/admin</Arn>"
             "<UserId>AIDAEXAMPLE</UserId><Account>111111111111</Account>"
             "</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId>"
             "</ResponseMetadata></GetCallerIdentityResponse>";
    responder_push(f.r, &s);
    CHECK_OK(orgs_get_caller_identity(f.o, &who, &err), &err);
    CHECK_STR_EQ(who.account, "111111111111");
    CHECK_STR_EQ(who.arn, "arn:aws:iam::111111111111:user/admin");
    CHECK_STR_EQ(who.user_id, "AIDAEXAMPLE");
    orgs_caller_release(&who);
    q = req(&f, 0);
    CHECK_STR_EQ(q->body, "Action=GetCallerIdentity&Version=2011-06-15");
    CHECK_STR_EQ(responder_header(q, "Content-Type"),
                 "application/x-www-form-urlencoded; charset=utf-8");
    CHECK(responder_header(q, "X-Amz-Target") == NULL);
    auth = verify_signature(q, TEST_SECRET);
    CHECK_STR_EQ(auth.service, "sts");
    CHECK_STR_EQ(auth.signed_headers, "content-type;host;x-amz-date");

    s.body = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
             "<AssumeRoleResult><AssumedRoleUser><Arn>arn:aws:sts::555555555555:assumed-role/"
             "OrganizationAccountAccessRole/nuke</Arn><AssumedRoleId>AROA:nuke</AssumedRoleId>"
             "</AssumedRoleUser><Credentials><AccessKeyId>ASIAMEMBER</AccessKeyId>"
             "<SecretAccessKey>member/secret+key</SecretAccessKey>"
             "<SessionToken>FwoGZXIvYXdzE&amp;token</SessionToken>"
             "<Expiration>2026-11-26T18:00:00Z</Expiration></Credentials></AssumeRoleResult>"
             "</AssumeRoleResponse>";
    responder_push(f.r, &s);
    CHECK_OK(orgs_assume_role(f.o, "arn:aws:iam::555555555555:role/OrganizationAccountAccessRole",
                              "nuke", 3600, &c, &err),
             &err);
    CHECK_STR_EQ(c.access_key_id, "ASIAMEMBER");
    CHECK_STR_EQ(c.secret_access_key, "member/secret+key");
    CHECK_STR_EQ(c.session_token, "FwoGZXIvYXdzE&token");
    CHECK_INT_EQ(c.expiration, 1795716000);
    creds_release(&c);
    CHECK_STR_EQ(req(&f, 1)->body,
                 "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A555555555555"
                 "%3Arole%2FOrganizationAccountAccessRole&RoleSessionName=nuke&DurationSeconds="
                 "3600");

    s.status = 403;
    s.body = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>"
             "Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::111111111111:"
             "user/admin is not authorized to perform: sts:AssumeRole</Message></Error>"
             "<RequestId>x</RequestId></ErrorResponse>";
    responder_push(f.r, &s);
    CHECK_ERR(orgs_assume_role(f.o, "arn:aws:iam::555555555555:role/Nope", "nuke", 0, &c, &err),
              &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_ACCESS_DENIED);
    CHECK_STR_EQ(err.aws_code, "AccessDenied");
    CHECK_CONTAINS(err.msg, "cannot assume role 'arn:aws:iam::555555555555:role/Nope': "
                            "AccessDenied: User: arn:aws:iam::111111111111:user/admin is not");
    CHECK_INT_EQ(responder_count(f.r), 3);

    /* STS throttling is retried like any other throttling. */
    s.status = 400;
    s.body = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate "
             "exceeded</Message></Error></ErrorResponse>";
    responder_push(f.r, &s);
    s.status = 200;
    s.body = "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::"
             "111111111111:root</Arn><Account>111111111111</Account></GetCallerIdentityResult>"
             "</GetCallerIdentityResponse>";
    responder_push(f.r, &s);
    CHECK_OK(orgs_get_caller_identity(f.o, &who, &err), &err);
    orgs_caller_release(&who);
    CHECK_INT_EQ(responder_count(f.r), 5);
    fx_done(&f);
}

TEST(sim_clock_is_followed)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct sbx_clock c;

    fx_init(&f, 1);
    clock_init_real(&c);
    responder_push_simple(f.r, 200, "{\"now\": 1900000000.5, \"scale\": 60}");
    CHECK_OK(orgs_sim_clock(f.o, &c, &err), &err);
    CHECK_STR_EQ(req(&f, 0)->method, "GET");
    CHECK_STR_EQ(req(&f, 0)->url, "/__sim/clock");
    CHECK(clock_now(&c) >= 1900000000.5 && clock_now(&c) < 1900000000.5 + 60);
    CHECK(c.scale == 60);
    responder_push_simple(f.r, 404, "not here");
    CHECK_ERR(orgs_sim_clock(f.o, &c, &err), &err, SBX_E_AWS);
    CHECK_CONTAINS(err.msg, "cannot read the simulator clock");
    fx_done(&f);
}

/* Runs fn with stderr redirected to a file; returns what was written (heap). */
static char *
capture_stderr(void (*fn)(struct fx *), struct fx *f)
{
    char path[300];
    int saved;

    snprintf(path, sizeof(path), "%s/stderr.log", f->home);
    saved = check_stderr_begin(path);
    fn(f);
    return check_stderr_end(path, saved);
}

static void
calls_for_log(struct fx *f)
{
    struct sbx_err err = { 0 };
    struct orgs_organization org;
    struct creds c;
    struct responder_script s = { 0 };

    responder_push_simple(f->r, 400, THROTTLE_BODY);
    responder_push_simple(f->r, 200, ORG_BODY);
    CHECK_OK(orgs_describe_organization(f->o, &org, &err), &err);
    orgs_organization_release(&org);
    s.status = 200;
    s.content_type = "text/xml";
    s.body = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAMEMBER"
             "</AccessKeyId><SecretAccessKey>MEMBERSECRETVALUE</SecretAccessKey><SessionToken>"
             "MEMBERTOKENVALUE</SessionToken><Expiration>2026-11-26T18:00:00Z</Expiration>"
             "</Credentials></AssumeRoleResult></AssumeRoleResponse>";
    responder_push(f->r, &s);
    CHECK_OK(orgs_assume_role(f->o, "arn:aws:iam::555555555555:role/OrganizationAccountAccessRole",
                              NULL, 0, &c, &err),
             &err);
    creds_release(&c);
}

TEST(debug_log_never_shows_secrets)
{
    struct fx f;
    char *log;
    const char *authz;
    struct sigv4_auth auth;
    struct sbx_err err = { 0 };

    fx_init(&f, 3);
    setenv("AWS_SESSION_TOKEN", TEST_TOKEN, 1);
    log_set_level(LOG_LVL_DEBUG);
    log = capture_stderr(calls_for_log, &f);
    log_set_level(LOG_LVL_WARN);
    CHECK_INT_EQ(responder_count(f.r), 3);
    /* The log shows the exchange... */
    CHECK_CONTAINS(log, "> POST ");
    CHECK_CONTAINS(log, "X-Amz-Target: AWSOrganizationsV20161128.DescribeOrganization");
    CHECK_CONTAINS(log, "Authorization: [redacted]");
    CHECK_CONTAINS(log, "X-Amz-Security-Token: [redacted]");
    CHECK_CONTAINS(log, "< HTTP/1.1 400");
    CHECK_CONTAINS(log, "retrying");
    /* ...but never a secret, a token or a signature. */
    CHECK(strstr(log, TEST_SECRET) == NULL);
    CHECK(strstr(log, TEST_TOKEN) == NULL);
    CHECK(strstr(log, "MEMBERSECRETVALUE") == NULL);
    CHECK(strstr(log, "MEMBERTOKENVALUE") == NULL);
    for (size_t i = 0; i < responder_count(f.r); i++) {
        authz = responder_header(req(&f, i), "Authorization");
        CHECK_OK(sigv4_parse_authorization(authz, &auth, &err), &err);
        CHECK(strstr(log, auth.signature) == NULL);
    }
    free(log);
    fx_done(&f);
}

TEST(max_attempts_from_environment)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs *o = NULL;
    struct orgs_account acct;

    fx_init(&f, 5);
    CHECK_INT_EQ(orgs_max_attempts(f.o), 5);
    setenv("AWS_MAX_ATTEMPTS", "2", 1);
    CHECK_OK(orgs_new(&f.opts, &f.clk, &o, &err), &err);
    CHECK_INT_EQ(orgs_max_attempts(o), 2);
    for (int i = 0; i < 3; i++)
        responder_push_simple(f.r, 503, "");
    CHECK_ERR(orgs_describe_account(o, "555555555555", &acct, &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_TRANSIENT);
    CHECK_INT_EQ(responder_count(f.r), 2);
    orgs_free(o);
    setenv("AWS_MAX_ATTEMPTS", "zero", 1);
    CHECK_ERR(orgs_new(&f.opts, &f.clk, &o, &err), &err, SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "AWS_MAX_ATTEMPTS");
    fx_done(&f);
}

TEST(missing_arguments_are_refused)
{
    struct fx f;
    struct sbx_err err = { 0 };

    fx_init(&f, 1);
    CHECK_ERR(orgs_close_account(f.o, NULL, &err), &err, SBX_E_INVALID);
    CHECK_ERR(orgs_tag_resource(f.o, "555555555555", NULL, 0, &err), &err, SBX_E_INVALID);
    CHECK_INT_EQ(responder_count(f.r), 0);
    CHECK_STR_EQ(orgs_op_name(ORGS_OP_LIST_OUS_FOR_PARENT), "ListOrganizationalUnitsForParent");
    fx_done(&f);
}

TEST(tls_is_verified_and_ca_bundle_checked)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct orgs *o = NULL;
    char url[64];

    fx_init(&f, 1);
    /* https to a plain-HTTP server: the TLS handshake fails; nothing is sent in clear. */
    snprintf(url, sizeof(url), "https://127.0.0.1:%d", responder_port(f.r));
    f.opts.endpoint = url;
    CHECK_OK(orgs_new(&f.opts, &f.clk, &o, &err), &err);
    CHECK_ERR(orgs_close_account(o, "555555555555", &err), &err, SBX_E_AWS);
    CHECK(err.aws == SBX_AWS_NETWORK || err.aws == SBX_AWS_TRANSIENT);
    CHECK_CONTAINS(err.msg, url);
    orgs_free(o);
    CHECK_INT_EQ(responder_count(f.r), 0);

    setenv("AWS_CA_BUNDLE", "/nonexistent/ca.pem", 1);
    CHECK_ERR(orgs_new(&f.opts, &f.clk, &o, &err), &err, SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "cannot read CA bundle '/nonexistent/ca.pem' (AWS_CA_BUNDLE)");
    fx_done(&f);
}

TEST(http_captures_headers_and_caps_bodies)
{
    struct responder *r;
    struct http_client *h = NULL;
    struct http_opts opts = { 0 };
    struct http_response resp;
    struct responder_script s = { 0 };
    struct sbx_err err = { 0 };
    struct http_header hdr[] = { { "Accept", "application/json" } };
    char url[80];

    free(clean_env(false));
    r = responder_start();
    snprintf(url, sizeof(url), "%s/x", responder_url(r));
    opts.max_body = 64;
    CHECK_OK(http_client_new(&opts, &h, &err), &err);
    s.status = 400;
    s.body = "{}";
    s.headers = "X-Amzn-Errortype: ThrottlingException\nx-amz-retry-after: 1500";
    responder_push(r, &s);
    CHECK_OK(http_request(h, "POST", url, 0, hdr, 1, "abc", 3, &resp, &err), &err);
    CHECK_INT_EQ(resp.status, 400);
    CHECK_STR_EQ(resp.body, "{}");
    CHECK_INT_EQ(resp.body_len, 2);
    CHECK_STR_EQ(resp.request_id, "test-request-1");
    CHECK_STR_EQ(resp.error_type, "ThrottlingException");
    CHECK_STR_EQ(resp.retry_after, "1500");
    CHECK_STR_EQ(resp.content_type, "application/x-amz-json-1.1");
    http_response_release(&resp);
    CHECK_STR_EQ(responder_request(r, 0)->body, "abc");
    CHECK_STR_EQ(responder_header(responder_request(r, 0), "Accept"), "application/json");

    /* Over the cap: a protocol error, not a truncated success. */
    responder_push_simple(r, 200,
                          "{\"padding\":\"0123456789012345678901234567890123456789012345678901"
                          "23456789\"}");
    CHECK_ERR(http_request(h, "GET", url, 0, NULL, 0, NULL, 0, &resp, &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_PROTOCOL);
    CHECK_CONTAINS(err.msg, "larger than 64 bytes");
    CHECK(resp.body == NULL);
    CHECK_STR_EQ(responder_request(r, 1)->method, "GET");
    http_client_free(h);
    responder_stop(r);
}
