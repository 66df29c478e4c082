/*
 * sigv4.h -- AWS Signature Version 4, header form, as pure code: no clock, no I/O.
 *
 * Used by the client to sign requests and by the simulator to verify them. The time is an
 * argument. Follows AWS-ORGANIZATIONS.md section 4.1 and passes the aws-c-auth v4 suite
 * (tests/data/sigv4/).
 */
#ifndef SBX_SIGV4_H
#define SBX_SIGV4_H

#include <stdint.h>

#include "sbx.h"

struct sigv4_header {
    const char *name;  /* any case; repeated names allowed (joined with "," in order) */
    const char *value; /* raw value; whitespace is trimmed and collapsed for signing */
};

struct sigv4_request {
    const char *method;                 /* "POST" */
    const char *path;                   /* request path exactly as sent on the wire, e.g. "/";
                                         * encoded once more when signing (AWS's double
                                         * encoding for non-S3 services); NULL/"" mean "/" */
    const char *query;                  /* raw query without '?', or NULL/"" */
    const struct sigv4_header *headers; /* must include Host; X-Amz-Date is added if absent.
                                         * Never signed: Authorization, User-Agent, Expect,
                                         * Connection, Keep-Alive, TE, Trailer, Upgrade,
                                         * Transfer-Encoding, Proxy-Authenticate,
                                         * Proxy-Authorization, X-Amzn-Trace-Id (botocore's
                                         * list: transports may rewrite them) */
    size_t nheaders;
    const void *body;
    size_t body_len;
};

struct sigv4_params {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL without temporary credentials */
    const char *region;        /* "us-east-1" */
    const char *service;       /* "organizations", "sts" */
    int64_t time;              /* epoch seconds (UTC) */
    bool normalize_path;       /* remove dot segments and "//" (true for every non-S3 service) */
    bool omit_session_token;   /* send X-Amz-Security-Token but leave it unsigned */
};

/* Everything the signer computed. Heap strings are freed by sigv4_result_release(). */
struct sigv4_result {
    char amz_date[17]; /* "20150830T123600Z" */
    char *canonical_request;
    char *string_to_sign;
    char *signed_headers; /* "content-type;host;x-amz-date;x-amz-target" */
    char signature[65];   /* lowercase hex */
    char *authorization;  /* full Authorization header value */
};

/*
 * Signs req. On success fills *out (caller releases it); on failure *out is zeroed and err
 * says why (SBX_E_INVALID: no Host header, bad header name, X-Amz-Date present but not the
 * signing time, bad credentials/scope; SBX_E_NOMEM). The headers to add to the wire request
 * are X-Amz-Date: out->amz_date (unless req has it), X-Amz-Security-Token (when a token is
 * given and req lacks it) and Authorization: out->authorization. "AWS4"+secret and every
 * derived key are wiped before return.
 */
int sigv4_sign(const struct sigv4_request *req, const struct sigv4_params *params,
               struct sigv4_result *out, struct sbx_err *err) SBX_NODISCARD;
/* Frees r's strings and zeroes it; accepts NULL and an already released result. */
void sigv4_result_release(struct sigv4_result *r);

/* A parsed Authorization header: "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/
 * aws4_request, SignedHeaders=a;b, Signature=hex". */
struct sigv4_auth {
    char access_key_id[129];
    char date[9]; /* YYYYMMDD */
    char region[64];
    char service[64];
    char signed_headers[1024];
    char signature[65];
};

/*
 * Parses an Authorization header value. Components may come in any order, separated by ','
 * with optional spaces; each must appear once. Returns 0 and fills *out, or -1 with err
 * (SBX_E_AWS, aws = SBX_AWS_AUTH, "malformed Authorization: ...") leaving *out untouched.
 */
int sigv4_parse_authorization(const char *value, struct sigv4_auth *out,
                              struct sbx_err *err) SBX_NODISCARD;

/*
 * Verifies a received request (server side): recomputes the signature over exactly the
 * headers auth->signed_headers names (each must be present in req; X-Amz-Date must be among
 * the received headers) with secret, and compares in constant time. time is taken from the
 * request's X-Amz-Date. Returns 0 if the signature matches; -1 with err (SBX_E_AWS,
 * aws = SBX_AWS_AUTH) naming the mismatch otherwise. *signed_time receives X-Amz-Date as epoch
 * seconds (for the caller's clock-skew check) when non-NULL.
 * The path is normalised (every non-S3 service); req->path must be the undecoded wire path.
 * SignedHeaders must include host and x-amz-date; X-Amz-Date must appear once, as
 * YYYYMMDDTHHMMSSZ, on the credential's date. Messages: "signature does not match",
 * "signed header 'x' missing", "X-Amz-Date header missing", "credential date ... does not
 * match X-Amz-Date ...", "malformed Authorization: ...". The region, service and access key
 * in auth are not checked here: the caller knows which it accepts.
 */
int sigv4_verify(const struct sigv4_request *req, const struct sigv4_auth *auth,
                 const char *secret_access_key, int64_t *signed_time,
                 struct sbx_err *err) SBX_NODISCARD;

/* URI-encodes src per SigV4 (unreserved A-Z a-z 0-9 - _ . ~ kept; %XX uppercase); keeps '/'
 * when keep_slash. Returns a heap string or NULL on out of memory. Also used for query-protocol
 * form bodies. */
char *sigv4_uri_encode(const char *src, size_t len, bool keep_slash);

/* Lowercase hex SHA-256 of data into out[65]. */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);

#endif
