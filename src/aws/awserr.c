/*
 * awserr.c -- AWS error responses into typed errors (see awserr.h).
 *
 * The classification tables follow AWS-ORGANIZATIONS.md sections 1.5, 1.6 and 6.1: the SDKs'
 * throttling and transient code lists, the Organizations error shapes, and the common errors
 * of the signature layer.
 */
#include "aws/awserr.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util/text.h"

static const char *const throttling_codes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "EC2ThrottledException",
};

static const char *const transient_codes[] = {
    "ServiceException",    "InternalFailure",         "InternalError",
    "InternalServerError", "ServiceUnavailable",      "ServiceUnavailableException",
    "RequestTimeout",      "RequestTimeoutException", "PriorRequestNotComplete",
};

static const char *const auth_codes[] = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "IncompleteSignatureException",
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidAccessKeyId",
    "AuthFailure",
};

static const char *const access_codes[] = {
    "AccessDenied",
    "AccessDeniedException",
    "NotAuthorized",
    "OptInRequired",
};

static const char *const invalid_codes[] = {
    "InvalidInputException",
    "ValidationError",
    "ValidationException",
    "InvalidParameterValue",
    "InvalidParameterCombination",
    "MissingParameter",
    "InvalidAction",
    "MalformedPolicyDocument",
    "PackedPolicyTooLarge",
};

static const struct {
    const char *reason;
    enum sbx_aws_errc errc;
} constraint_reasons[] = {
    { "CLOSE_ACCOUNT_QUOTA_EXCEEDED", SBX_AWS_CLOSE_QUOTA },
    { "CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED", SBX_AWS_CLOSE_IN_FLIGHT },
    { "ACCOUNT_NUMBER_LIMIT_EXCEEDED", SBX_AWS_ACCOUNT_LIMIT },
    { "ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED", SBX_AWS_CREATE_RATE },
    { "CANNOT_CLOSE_MANAGEMENT_ACCOUNT", SBX_AWS_CANNOT_CLOSE_MGMT },
};

static bool
in_list(const char *code, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(code, list[i]) == 0)
            return true;
    }
    return false;
}

static bool
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool
is_transient_status(long status)
{
    return status == 500 || status == 502 || status == 503 || status == 504;
}

const char *
awserr_sanitize_code(const char *raw, size_t n, char *out, size_t outsz)
{
    const char *start = raw, *end;
    size_t len;

    if (outsz == 0)
        return out;
    end = memchr(raw, ':', n);
    if (end == NULL)
        end = raw + n;
    for (const char *p = raw; p < end; p++) {
        if (*p == '#')
            start = p + 1;
    }
    /* Trim surrounding whitespace a proxy might add. */
    while (start < end && isspace((unsigned char)*start))
        start++;
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    len = (size_t)(end - start);
    if (len >= outsz)
        len = outsz - 1;
    memcpy(out, start, len);
    out[len] = '\0';
    return out;
}

enum sbx_aws_errc
awserr_classify(const char *code, const char *reason, long status)
{
    if (code == NULL)
        code = "";
    if (in_list(code, throttling_codes, SBX_ARRAY_LEN(throttling_codes)) || status == 429)
        return SBX_AWS_THROTTLED;
    if (in_list(code, transient_codes, SBX_ARRAY_LEN(transient_codes)))
        return SBX_AWS_TRANSIENT;
    if (strcmp(code, "ConstraintViolationException") == 0) {
        for (size_t i = 0; reason != NULL && i < SBX_ARRAY_LEN(constraint_reasons); i++) {
            if (strcmp(reason, constraint_reasons[i].reason) == 0)
                return constraint_reasons[i].errc;
        }
        return SBX_AWS_CONSTRAINT;
    }
    if (strcmp(code, "AccountAlreadyClosedException") == 0)
        return SBX_AWS_ALREADY_CLOSED;
    if (strcmp(code, "ConcurrentModificationException") == 0)
        return SBX_AWS_CONCURRENT_MODIFICATION;
    if (strcmp(code, "ConflictException") == 0)
        return SBX_AWS_CONFLICT;
    if (strcmp(code, "AWSOrganizationsNotInUseException") == 0)
        return SBX_AWS_NOT_IN_USE;
    if (in_list(code, auth_codes, SBX_ARRAY_LEN(auth_codes)))
        return SBX_AWS_AUTH;
    if (in_list(code, access_codes, SBX_ARRAY_LEN(access_codes)))
        return SBX_AWS_ACCESS_DENIED;
    if (in_list(code, invalid_codes, SBX_ARRAY_LEN(invalid_codes)))
        return SBX_AWS_INVALID_INPUT;
    if (ends_with(code, "NotFoundException") || ends_with(code, "NotFound"))
        return SBX_AWS_NOT_FOUND;
    if (strncmp(code, "Duplicate", 9) == 0)
        return SBX_AWS_DUPLICATE;
    if (is_transient_status(status))
        return SBX_AWS_TRANSIENT;
    /* A client error the SDKs do not retry: the request was refused and had no effect. */
    if (status >= 400 && status < 500)
        return SBX_AWS_REFUSED;
    return SBX_AWS_OTHER;
}

/* Long enough for an access denial's whole reason (who, what, which resource, which policy). */
#define AWSERR_EXCERPT_MAX 320

/* A printable, one-line excerpt of body: markup and control characters become single spaces. */
static void
excerpt(const char *body, size_t len, char *out, size_t outsz)
{
    size_t o = 0, max = outsz - 4;
    bool in_tag = false, space = true;

    for (size_t i = 0; i < len && o < max; i++) {
        unsigned char c = (unsigned char)body[i];

        if (c == '<' && !in_tag) {
            in_tag = true;
            continue;
        }
        if (in_tag) {
            if (c == '>')
                in_tag = false;
            else
                continue;
            c = ' ';
        }
        if (c < 0x20 || c == 0x7f || isspace(c))
            c = ' ';
        else if (c >= 0x80)
            c = '?';
        if (c == ' ') {
            if (space)
                continue;
            space = true;
        } else {
            space = false;
        }
        out[o++] = (char)c;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    if (o == max)
        snprintf(out + o, outsz - o, "...");
}

void
awserr_protocol(long status, const char *what, const char *body, size_t len, struct sbx_err *err)
{
    char ex[AWSERR_EXCERPT_MAX + 4];

    excerpt(body != NULL ? body : "", body != NULL ? len : 0, ex, sizeof(ex));
    if (status > 0)
        sbx_err_set(err, SBX_E_AWS, "HTTP %ld: %s: '%s'", status, what, ex);
    else
        sbx_err_set(err, SBX_E_AWS, "%s: '%s'", what, ex);
    /* A 4xx is definitive whatever its body (a proxy's page, an emulator's XML): the request
     * was refused, so it is neither retried nor taken for one that may have run. */
    if (is_transient_status(status))
        err->aws = SBX_AWS_TRANSIENT;
    else if (status == 429)
        err->aws = SBX_AWS_THROTTLED;
    else if (status >= 400 && status < 500)
        err->aws = SBX_AWS_REFUSED;
    else
        err->aws = SBX_AWS_PROTOCOL;
    err->http_status = (int)status;
}

static void
set_error(long status, const char *code, const char *message, const char *reason,
          struct sbx_err *err)
{
    bool has_msg = message != NULL && *message != '\0';
    bool has_reason = reason != NULL && *reason != '\0';
    char line[sizeof(err->msg) + 8];
    size_t k = 0;

    /* The text is the server's: keep it on one line in logs (the rest is escaped later). */
    for (const char *p = has_msg ? message : ""; *p != '\0' && k < sizeof(line) - 1; p++)
        line[k++] = (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p;
    line[k] = '\0';
    message = line;
    if (has_msg && has_reason)
        sbx_err_set(err, SBX_E_AWS, "%s: %s (%s)", code, message, reason);
    else if (has_msg)
        sbx_err_set(err, SBX_E_AWS, "%s: %s", code, message);
    else if (has_reason)
        sbx_err_set(err, SBX_E_AWS, "%s (%s) (HTTP %ld)", code, reason, status);
    else
        sbx_err_set(err, SBX_E_AWS, "%s (HTTP %ld)", code, status);
    err->aws = awserr_classify(code, reason, status);
    err->http_status = (int)status;
    snprintf(err->aws_code, sizeof(err->aws_code), "%s", code);
    snprintf(err->aws_reason, sizeof(err->aws_reason), "%s", has_reason ? reason : "");
}

static const char *
json_str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * True when body looks like the start of a JSON document cut short: strings and brackets
 * are still open at the end and no bracket was closed by the wrong kind.
 */
static bool
json_cut_short(const char *body, size_t len)
{
    char stack[64];
    size_t depth = 0;
    bool in_str = false, esc = false, overflow = false;

    for (size_t i = 0; i < len; i++) {
        char c = body[i];

        if (in_str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (depth < sizeof(stack))
                stack[depth] = c;
            else
                overflow = true;
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return false;
            depth--;
            if (!overflow && depth < sizeof(stack) && stack[depth] != (c == '}' ? '{' : '['))
                return false;
        }
    }
    return in_str || depth > 0;
}

const char *
awserr_json_problem(const char *body, size_t len)
{
    cJSON *j;
    size_t i = 0;

    while (i < len && isspace((unsigned char)body[i]))
        i++;
    if (i == len)
        return "empty response body";
    if (body[i] != '{' && body[i] != '[')
        return "response is not JSON";
    j = cJSON_ParseWithLength(body, len);
    if (j != NULL) {
        bool obj = cJSON_IsObject(j);
        cJSON_Delete(j);
        return obj ? NULL : "response is not a JSON object";
    }
    return json_cut_short(body + i, len - i) ? "truncated JSON response"
                                             : "malformed JSON response";
}

/* True when body is an XML error document with a non-empty <Code>. */
static bool
xml_error(const char *body, size_t len)
{
    char *code;
    bool ok;
    size_t i = 0;

    while (i < len && isspace((unsigned char)body[i]))
        i++;
    if (i == len || body[i] != '<')
        return false;
    code = awserr_xml_text(body, len, "Code");
    ok = code != NULL && *code != '\0';
    free(code);
    return ok;
}

void
awserr_from_json(long status, const char *errortype_header, const char *body, size_t len,
                 struct sbx_err *err)
{
    char code[64] = "";
    const char *message = NULL, *reason = NULL, *raw, *problem;
    cJSON *j = NULL;

    if (body == NULL)
        len = 0;
    problem = len > 0 ? awserr_json_problem(body, len) : "empty response body";
    if (problem == NULL)
        j = cJSON_ParseWithLength(body, len);
    if (errortype_header != NULL && *errortype_header != '\0')
        awserr_sanitize_code(errortype_header, strlen(errortype_header), code, sizeof(code));
    if (j != NULL && code[0] == '\0') {
        raw = json_str(j, "code");
        if (raw == NULL)
            raw = json_str(j, "__type");
        if (raw != NULL)
            awserr_sanitize_code(raw, strlen(raw), code, sizeof(code));
    }
    if (code[0] == '\0' && j == NULL && xml_error(body, len)) {
        /* An emulator or a gateway answering in the query protocol's XML: its code counts. */
        awserr_from_xml(status, body, len, err);
        goto out;
    }
    if (code[0] == '\0') {
        awserr_protocol(status, problem != NULL ? problem : "error response without an error code",
                        body, len, err);
        goto out;
    }
    if (j != NULL) {
        message = json_str(j, "message");
        if (message == NULL)
            message = json_str(j, "Message");
        reason = json_str(j, "Reason");
    }
    set_error(status, code, message, reason, err);
out:
    cJSON_Delete(j);
}

/* Appends the UTF-8 encoding of code point cp to out at *o (out has room for 4 bytes). */
static void
put_utf8(char *out, size_t *o, unsigned long cp)
{
    if (cp < 0x80) {
        out[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (char)(0xc0 | (cp >> 6));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*o)++] = (char)(0xe0 | (cp >> 12));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*o)++] = (char)(0xf0 | (cp >> 18));
        out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    }
}

/* Decodes one entity at s (after '&', up to end); returns bytes consumed or 0 if not one. */
static size_t
decode_entity(const char *s, const char *end, char *out, size_t *o)
{
    static const struct {
        const char *name;
        char c;
    } named[] = { { "lt;", '<' },
                  { "gt;", '>' },
                  { "amp;", '&' },
                  { "quot;", '"' },
                  { "apos;", '\'' } };
    unsigned long cp = 0;
    const char *p = s;

    for (size_t i = 0; i < SBX_ARRAY_LEN(named); i++) {
        size_t n = strlen(named[i].name);
        if ((size_t)(end - s) >= n && memcmp(s, named[i].name, n) == 0) {
            out[(*o)++] = named[i].c;
            return n;
        }
    }
    if (p >= end || *p != '#')
        return 0;
    p++;
    if (p < end && (*p == 'x' || *p == 'X')) {
        p++;
        while (p < end && text_hex_digit(*p) >= 0 && cp <= 0x10ffff)
            cp = cp * 16 + (unsigned long)text_hex_digit(*p++);
    } else {
        while (p < end && isdigit((unsigned char)*p) && cp <= 0x10ffff)
            cp = cp * 10 + (unsigned long)(*p++ - '0');
    }
    if (p >= end || *p != ';' || cp == 0 || cp > 0x10ffff || p == s + 1)
        return 0;
    put_utf8(out, o, cp);
    return (size_t)(p + 1 - s);
}

/* Finds "<tag>" or "<tag attr...>" in [xml, end); returns the position after '>'. */
static const char *
find_open_tag(const char *xml, const char *end, const char *tag)
{
    size_t tl = strlen(tag);

    for (const char *p = xml; p + tl + 2 <= end; p++) {
        p = memchr(p, '<', (size_t)(end - p));
        if (p == NULL || p + tl + 2 > end)
            return NULL;
        if (memcmp(p + 1, tag, tl) == 0 && (p[tl + 1] == '>' || p[tl + 1] == ' ')) {
            const char *gt = memchr(p + tl + 1, '>', (size_t)(end - (p + tl + 1)));
            if (gt == NULL)
                return NULL;
            if (gt[-1] == '/')
                continue; /* <tag/>: empty, look for a real one */
            return gt + 1;
        }
    }
    return NULL;
}

char *
awserr_xml_text(const char *xml, size_t len, const char *tag)
{
    const char *end = xml + len, *start, *close;
    char closing[80], *out;
    size_t o = 0;
    int n;

    if (xml == NULL)
        return NULL;
    start = find_open_tag(xml, end, tag);
    if (start == NULL)
        return NULL;
    n = snprintf(closing, sizeof(closing), "</%s>", tag);
    if (n < 0 || (size_t)n >= sizeof(closing))
        return NULL;
    close = NULL;
    for (const char *p = start; p + n <= end; p++) {
        if (*p == '<' && memcmp(p, closing, (size_t)n) == 0) {
            close = p;
            break;
        }
    }
    if (close == NULL)
        return NULL;
    out = malloc((size_t)(close - start) + 1);
    if (out == NULL)
        return NULL;
    for (const char *p = start; p < close;) {
        if (*p == '&') {
            size_t used = decode_entity(p + 1, close, out, &o);
            if (used > 0) {
                p += used + 1;
                continue;
            }
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
    return out;
}

void
awserr_from_xml(long status, const char *body, size_t len, struct sbx_err *err)
{
    char *raw = NULL, *message = NULL, code[64];

    if (body == NULL)
        len = 0;
    raw = awserr_xml_text(body, len, "Code");
    if (raw == NULL || *raw == '\0') {
        size_t i = 0;

        while (i < len && isspace((unsigned char)body[i]))
            i++;
        awserr_protocol(status,
                        i == len         ? "empty response body"
                        : body[i] != '<' ? "response is not XML"
                        : find_open_tag(body, body + len, "Error") != NULL
                                ? "error response without an error code"
                                : "not an AWS error response",
                        body, len, err);
        goto out;
    }
    awserr_sanitize_code(raw, strlen(raw), code, sizeof(code));
    message = awserr_xml_text(body, len, "Message");
    set_error(status, code, message, NULL, err);
out:
    free(raw);
    free(message);
}
