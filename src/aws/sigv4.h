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
    const char *path;                   /* request path as sent, e.g. "/"; may be %-encoded */
    const char *query;                  /* raw query without '?', or NULL/"" */
    const struct sigv4_header *headers; /* must include Host; X-Amz-Date is added if absent */
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
    char amz_date[17];        /* "20150830T123600Z" */
    char *canonical_request;
    char *string_to_sign;
    char *signed_headers;     /* "content-type;host;x-amz-date;x-amz-target" */
    char signature[65];       /* lowercase hex */
    char *authorization;      /* full Authorization header value */
};

/*
 * Signs req. On success fills *out (caller releases it). The headers to add to the wire
 * request are X-Amz-Date: out->amz_date, X-Amz-Security-Token (when a token is given) and
 * Authorization: out->authorization. The derived signing key is wiped before return.
 */
int sigv4_sign(const struct sigv4_request *req, const struct sigv4_params *params,
               struct sigv4_result *out, struct sbx_err *err) SBX_NODISCARD;
void sigv4_result_release(struct sigv4_result *r);

/* A parsed Authorization header: "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/
 * aws4_request, SignedHeaders=a;b, Signature=hex". */
struct sigv4_auth {
    char access_key_id[129];
    char date[9];            /* YYYYMMDD */
    char region[64];
    char service[64];
    char signed_headers[1024];
    char signature[65];
};

int sigv4_parse_authorization(const char *value, struct sigv4_auth *out, struct sbx_err *err)
        SBX_NODISCARD;

/*
 * Verifies a received request (server side): recomputes the signature over exactly the
 * headers auth->signed_headers names (each must be present in req; X-Amz-Date must be among
 * the received headers) with secret, and compares in constant time. time is taken from the
 * request's X-Amz-Date. Returns 0 if the signature matches; -1 with err (SBX_E_AWS,
 * aws = SBX_AWS_AUTH) naming the mismatch otherwise. *signed_time receives X-Amz-Date as epoch
 * seconds (for the caller's clock-skew check) when non-NULL.
 */
int sigv4_verify(const struct sigv4_request *req, const struct sigv4_auth *auth,
                 const char *secret_access_key, int64_t *signed_time, struct sbx_err *err)
        SBX_NODISCARD;

/* URI-encodes src per SigV4 (unreserved A-Z a-z 0-9 - _ . ~ kept; %XX uppercase); keeps '/'
 * when keep_slash. Returns a heap string or NULL on out of memory. Also used for query-protocol
 * form bodies. */
char *sigv4_uri_encode(const char *src, size_t len, bool keep_slash);

/* Lowercase hex SHA-256 of data into out[65]. */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);

#endif
