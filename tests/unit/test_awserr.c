/* test_awserr.c -- AWS error responses into typed errors (JSON 1.1 and STS XML). */
#include "aws/awserr.h"
#include "check.h"

TEST(sanitizes_codes)
{
    static const struct {
        const char *raw, *want;
    } cases[] = {
        { "FooError", "FooError" },
        { "FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/", "FooError" },
        { "aws.protocoltests.restjson#FooError", "FooError" },
        { "aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/"
          "com.amazon.coral.validate/",
          "FooError" },
        { "  TooManyRequestsException ", "TooManyRequestsException" },
        { "", "" },
    };
    char out[64];

    for (size_t i = 0; i < SBX_ARRAY_LEN(cases); i++)
        CHECK_STR_EQ(awserr_sanitize_code(cases[i].raw, strlen(cases[i].raw), out, sizeof(out)),
                     cases[i].want);
    CHECK_STR_EQ(awserr_sanitize_code("LongCodeName", 12, out, 5), "Long");
}

TEST(classifies_codes)
{
    static const struct {
        const char *code, *reason;
        long status;
        enum sbx_aws_errc want;
    } cases[] = {
        { "TooManyRequestsException", NULL, 400, SBX_AWS_THROTTLED },
        { "ThrottlingException", NULL, 400, SBX_AWS_THROTTLED },
        { "Throttling", NULL, 400, SBX_AWS_THROTTLED },
        { "SlowDown", NULL, 503, SBX_AWS_THROTTLED },
        { "Whatever", NULL, 429, SBX_AWS_THROTTLED },
        { "ServiceException", NULL, 500, SBX_AWS_TRANSIENT },
        { "InternalFailure", NULL, 500, SBX_AWS_TRANSIENT },
        { "ServiceUnavailable", NULL, 503, SBX_AWS_TRANSIENT },
        { "RequestTimeout", NULL, 400, SBX_AWS_TRANSIENT },
        { "PriorRequestNotComplete", NULL, 400, SBX_AWS_TRANSIENT },
        { "SomethingNew", NULL, 502, SBX_AWS_TRANSIENT },
        { "ConstraintViolationException", "CLOSE_ACCOUNT_QUOTA_EXCEEDED", 400,
          SBX_AWS_CLOSE_QUOTA },
        { "ConstraintViolationException", "CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED", 400,
          SBX_AWS_CLOSE_IN_FLIGHT },
        { "ConstraintViolationException", "ACCOUNT_NUMBER_LIMIT_EXCEEDED", 400,
          SBX_AWS_ACCOUNT_LIMIT },
        { "ConstraintViolationException", "ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED", 400,
          SBX_AWS_CREATE_RATE },
        { "ConstraintViolationException", "CANNOT_CLOSE_MANAGEMENT_ACCOUNT", 400,
          SBX_AWS_CANNOT_CLOSE_MGMT },
        { "ConstraintViolationException", "WAIT_PERIOD_ACTIVE", 400, SBX_AWS_CONSTRAINT },
        { "ConstraintViolationException", NULL, 400, SBX_AWS_CONSTRAINT },
        { "AccountNotFoundException", NULL, 400, SBX_AWS_NOT_FOUND },
        { "CreateAccountStatusNotFoundException", NULL, 400, SBX_AWS_NOT_FOUND },
        { "ParentNotFoundException", NULL, 400, SBX_AWS_NOT_FOUND },
        { "TargetNotFoundException", NULL, 400, SBX_AWS_NOT_FOUND },
        { "AccountAlreadyClosedException", NULL, 400, SBX_AWS_ALREADY_CLOSED },
        { "ConcurrentModificationException", NULL, 400, SBX_AWS_CONCURRENT_MODIFICATION },
        { "ConflictException", NULL, 400, SBX_AWS_CONFLICT },
        { "DuplicateAccountException", NULL, 400, SBX_AWS_DUPLICATE },
        { "DuplicateOrganizationalUnitException", NULL, 400, SBX_AWS_DUPLICATE },
        { "AccessDeniedException", NULL, 400, SBX_AWS_ACCESS_DENIED },
        { "AccessDenied", NULL, 403, SBX_AWS_ACCESS_DENIED },
        { "NotAuthorized", NULL, 400, SBX_AWS_ACCESS_DENIED },
        { "UnrecognizedClientException", NULL, 403, SBX_AWS_AUTH },
        { "InvalidSignatureException", NULL, 403, SBX_AWS_AUTH },
        { "InvalidClientTokenId", NULL, 403, SBX_AWS_AUTH },
        { "ExpiredTokenException", NULL, 400, SBX_AWS_AUTH },
        { "RequestExpired", NULL, 400, SBX_AWS_AUTH },
        { "IncompleteSignature", NULL, 400, SBX_AWS_AUTH },
        { "InvalidInputException", "INVALID_PATTERN", 400, SBX_AWS_INVALID_INPUT },
        { "ValidationError", NULL, 400, SBX_AWS_INVALID_INPUT },
        { "AWSOrganizationsNotInUseException", NULL, 400, SBX_AWS_NOT_IN_USE },
        /* Any other 4xx is definitive: refused, not retried, never "may have run". */
        { "FinalizingOrganizationException", NULL, 400, SBX_AWS_REFUSED },
        { "UnknownOperationException", NULL, 400, SBX_AWS_REFUSED },
        { "SomethingNew", NULL, 403, SBX_AWS_REFUSED },
        { "SomethingNew", NULL, 0, SBX_AWS_OTHER },
        { "SomethingNew", NULL, 501, SBX_AWS_OTHER },
    };

    for (size_t i = 0; i < SBX_ARRAY_LEN(cases); i++) {
        enum sbx_aws_errc got = awserr_classify(cases[i].code, cases[i].reason, cases[i].status);
        if (got != cases[i].want)
            CHECK_FAIL("%s/%s: %s, want %s", cases[i].code,
                       cases[i].reason != NULL ? cases[i].reason : "-", sbx_aws_errc_name(got),
                       sbx_aws_errc_name(cases[i].want));
    }
}

TEST(json_error_fields)
{
    struct sbx_err err = { 0 };
    const char *body;

    body = "{\"__type\":\"ConstraintViolationException\",\"Message\":\"You have exceeded close "
           "account quota for the past 30 days.\",\"Reason\":\"CLOSE_ACCOUNT_QUOTA_EXCEEDED\"}";
    awserr_from_json(400, NULL, body, strlen(body), &err);
    CHECK_INT_EQ(err.code, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_CLOSE_QUOTA);
    CHECK_INT_EQ(err.http_status, 400);
    CHECK_STR_EQ(err.aws_code, "ConstraintViolationException");
    CHECK_STR_EQ(err.aws_reason, "CLOSE_ACCOUNT_QUOTA_EXCEEDED");
    CHECK_STR_EQ(err.msg, "ConstraintViolationException: You have exceeded close account quota "
                          "for the past 30 days. (CLOSE_ACCOUNT_QUOTA_EXCEEDED)");

    /* "message" is preferred to "Message"; "code" to "__type". */
    body = "{\"__type\":\"A\",\"code\":\"AccessDeniedException\",\"message\":\"lower\","
           "\"Message\":\"upper\"}";
    awserr_from_json(400, NULL, body, strlen(body), &err);
    CHECK_STR_EQ(err.msg, "AccessDeniedException: lower");
    CHECK_INT_EQ(err.aws, SBX_AWS_ACCESS_DENIED);

    /* The header wins over the body. */
    awserr_from_json(400, "ThrottlingException:http://internal/", body, strlen(body), &err);
    CHECK_STR_EQ(err.aws_code, "ThrottlingException");
    CHECK_INT_EQ(err.aws, SBX_AWS_THROTTLED);

    /* No message: the status stands in. */
    body = "{\"__type\":\"AccountNotFoundException\"}";
    awserr_from_json(400, NULL, body, strlen(body), &err);
    CHECK_STR_EQ(err.msg, "AccountNotFoundException (HTTP 400)");

    /* Control characters in the server's text never split a log line. */
    body = "{\"__type\":\"AccessDeniedException\",\"Message\":\"line one\\nline two\"}";
    awserr_from_json(400, NULL, body, strlen(body), &err);
    CHECK_STR_EQ(err.msg, "AccessDeniedException: line one line two");

    /* An empty body with only the header still classifies. */
    awserr_from_json(400, "TooManyRequestsException", "", 0, &err);
    CHECK_INT_EQ(err.aws, SBX_AWS_THROTTLED);
}

TEST(unparseable_bodies)
{
    static const struct {
        long status;
        const char *body;
        enum sbx_aws_errc want;
        const char *msg;
    } cases[] = {
        /* A 4xx is definitive whatever its body (a proxy's page, cut or broken JSON). */
        { 403, "<html><body><h1>403 Forbidden</h1></body></html>", SBX_AWS_REFUSED,
          "HTTP 403: response is not JSON: '403 Forbidden'" },
        { 503, "<html><body>Service Unavailable</body></html>", SBX_AWS_TRANSIENT,
          "HTTP 503: response is not JSON: 'Service Unavailable'" },
        { 429, "<html><body>Too Many Requests</body></html>", SBX_AWS_THROTTLED,
          "HTTP 429: response is not JSON: 'Too Many Requests'" },
        { 400, "{\"__type\":\"Foo\",\"Mess", SBX_AWS_REFUSED,
          "HTTP 400: truncated JSON response: '{\"__type\":\"Foo\",\"Mess'" },
        { 400, "{\"__type\": Foo}", SBX_AWS_REFUSED, "HTTP 400: malformed JSON response" },
        { 400, "{\"a\": [1, 2}", SBX_AWS_REFUSED, "HTTP 400: malformed JSON response" },
        { 400, "{\"message\":\"no code here\"}", SBX_AWS_REFUSED,
          "HTTP 400: error response without an error code" },
        { 400, "", SBX_AWS_REFUSED, "HTTP 400: empty response body: ''" },
        { 500, "", SBX_AWS_TRANSIENT, "HTTP 500: empty response body" },
        { 400, "[1]", SBX_AWS_REFUSED, "HTTP 400: response is not a JSON object" },
        /* Only an answer that is not a client error may belong to a request that ran. */
        { 200, "<html>captive portal</html>", SBX_AWS_PROTOCOL,
          "HTTP 200: response is not JSON: 'captive portal'" },
        /* An XML error document where JSON was expected: its code and message count. */
        { 403,
          "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: x "
          "is not authorized to perform: organizations:CloseAccount</Message></Error>"
          "</ErrorResponse>",
          SBX_AWS_ACCESS_DENIED,
          "AccessDenied: User: x is not authorized to perform: organizations:CloseAccount" },
        { 400, "<Error><Code>SomethingNew</Code></Error>", SBX_AWS_REFUSED,
          "SomethingNew (HTTP 400)" },
    };

    for (size_t i = 0; i < SBX_ARRAY_LEN(cases); i++) {
        struct sbx_err err = { 0 };

        awserr_from_json(cases[i].status, NULL, cases[i].body, strlen(cases[i].body), &err);
        CHECK_INT_EQ(err.code, SBX_E_AWS);
        if (err.aws != cases[i].want)
            CHECK_FAIL("case %zu: %s: class %s", i, err.msg, sbx_aws_errc_name(err.aws));
        CHECK_CONTAINS(err.msg, cases[i].msg);
        CHECK_INT_EQ(err.http_status, cases[i].status);
    }
}

TEST(excerpt_is_short_and_printable)
{
    struct sbx_err err = { 0 };
    char body[4096];

    memset(body, 'x', sizeof(body));
    memcpy(body, "<p>\x01\x02\xff tab\there", 16);
    awserr_protocol(418, "response is not JSON", body, sizeof(body), &err);
    CHECK(strlen(err.msg) < 400);
    CHECK_CONTAINS(err.msg, "HTTP 418: response is not JSON: '? tab here");
    CHECK_CONTAINS(err.msg, "...'");
    for (const char *p = err.msg; *p != '\0'; p++)
        CHECK((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
}

/* A proxy's or emulator's denial page: the reason (who, what, why) is kept whole. */
TEST(excerpt_keeps_the_whole_denial)
{
    struct sbx_err err = { 0 };
    const char *body =
            "<html><body><h1>403 Forbidden</h1>User: arn:aws:iam::111111111111:user/ops is not "
            "authorized to perform: organizations:CloseAccount on resource: "
            "arn:aws:organizations::111111111111:account/o-a1b2c3d4e5/210987654321 with an "
            "explicit deny in an identity-based policy</body></html>";

    awserr_protocol(403, "response is not JSON", body, strlen(body), &err);
    CHECK_CONTAINS(err.msg, "is not authorized to perform: organizations:CloseAccount on "
                            "resource: arn:aws:organizations::111111111111:account/o-a1b2c3d4e5/"
                            "210987654321 with an explicit deny in an identity-based policy'");
}

TEST(xml_errors)
{
    struct sbx_err err = { 0 };
    const char *body;

    body = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender"
           "</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::1:user/x is not "
           "authorized to perform: sts:AssumeRole &amp; more</Message></Error><RequestId>r"
           "</RequestId></ErrorResponse>";
    awserr_from_xml(403, body, strlen(body), &err);
    CHECK_INT_EQ(err.aws, SBX_AWS_ACCESS_DENIED);
    CHECK_STR_EQ(err.aws_code, "AccessDenied");
    CHECK_STR_EQ(err.msg, "AccessDenied: User: arn:aws:iam::1:user/x is not authorized to "
                          "perform: sts:AssumeRole & more");
    body = "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message>"
           "</Error></ErrorResponse>";
    awserr_from_xml(400, body, strlen(body), &err);
    CHECK_INT_EQ(err.aws, SBX_AWS_THROTTLED);
    body = "{\"not\":\"xml\"}";
    awserr_from_xml(400, body, strlen(body), &err);
    CHECK_INT_EQ(err.aws, SBX_AWS_REFUSED);
    CHECK_CONTAINS(err.msg, "response is not XML");
    body = "<html><body>Bad Gateway</body></html>";
    awserr_from_xml(502, body, strlen(body), &err);
    CHECK_INT_EQ(err.aws, SBX_AWS_TRANSIENT);
    CHECK_CONTAINS(err.msg, "not an AWS error response");
}

TEST(xml_text_scanner)
{
    const char *xml = "<A><Code/><Code attr=\"1\">x&lt;y&gt;&amp;&quot;&apos;&#65;&#x42;&bogus;"
                      "</Code><Empty></Empty><Open>never closed</A>";
    char *t;

    t = awserr_xml_text(xml, strlen(xml), "Code");
    CHECK_STR_EQ(t, "x<y>&\"'AB&bogus;");
    free(t);
    t = awserr_xml_text(xml, strlen(xml), "Empty");
    CHECK_STR_EQ(t, "");
    free(t);
    CHECK(awserr_xml_text(xml, strlen(xml), "Open") == NULL);
    CHECK(awserr_xml_text(xml, strlen(xml), "Missing") == NULL);
    /* A prefix of another tag's name is not that tag. */
    CHECK(awserr_xml_text("<CodeX>1</CodeX>", 16, "Code") == NULL);
    /* Only len bytes are read. */
    CHECK(awserr_xml_text("<B>1</B>", 6, "B") == NULL);
}
