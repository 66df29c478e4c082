/*
 * awscall.h -- one signed AWS call with standard-mode retries: sign (SigV4) with the current
 * credentials, send over the client's kept-alive connection, parse an error response into a
 * typed error, and retry what retry.h says is retryable, sleeping on the caller's clock.
 *
 * Shared by the Organizations client (JSON 1.1) and STS (query protocol). Credentials come
 * from a provider callback before every attempt, so a long retry sequence picks up refreshed
 * credentials, and an ExpiredToken answer makes one forced refresh and one more attempt.
 *
 * A non-idempotent call (awscall_req.non_idempotent: CreateAccount, CloseAccount,
 * CreateOrganizationalUnit) is never repeated when it may have taken effect: each attempt goes
 * out on a fresh connection (HTTP_FRESH, so libcurl cannot re-send it behind our back), and
 * another attempt follows only an answer that proves the previous one did nothing -- the
 * request never left (SBX_AWS_NETWORK), AWS throttled it, or rejected the session token.
 * A 5xx, a timeout or a dropped connection goes back to the caller, who reconciles.
 */
#ifndef SBX_AWSCALL_H
#define SBX_AWSCALL_H

#include "aws/creds_value.h"
#include "aws/endpoint.h"
#include "aws/http.h"
#include "aws/retry.h"
#include "sbx.h"

struct sbx_clock;

struct awscall_client {
    struct http_client *http;  /* borrowed */
    struct sbx_clock *clock;   /* borrowed; NULL = real time; signs and sleeps with it */
    struct retry_quota *quota; /* borrowed; one per client */
    int max_attempts;          /* total attempts per call (>= 1) */
    /*
     * Returns the credentials to sign with in *out (borrowed until the next call). force asks
     * for a fresh copy (after ExpiredToken). On failure err is filled (usually SBX_E_CREDS).
     */
    int (*get_creds)(void *ctx, bool force, const struct creds **out, struct sbx_err *err);
    void *creds_ctx;
    /* Uniform random number in [0, 1) for jitter; NULL = OpenSSL RAND_bytes. */
    double (*rand01)(void *ctx);
    void *rand_ctx;
};

/* The protocol: the body's Content-Type and how errors read. */
enum awscall_proto {
    AWSCALL_JSON,  /* awsJson1_1: application/x-amz-json-1.1, errors are JSON (section 1.5) */
    AWSCALL_QUERY, /* query protocol (STS): a form body, errors are XML (section 5.4) */
};

struct awscall_req {
    const struct endpoint *ep;
    const char *service; /* signing name: "organizations", "sts" */
    enum awscall_proto proto;
    const char *operation; /* for messages and logs: "ListAccounts" */
    const char *target;    /* X-Amz-Target value, or NULL */
    const char *body;
    size_t body_len;
    bool non_idempotent; /* repeating it would repeat a side effect (see above) */
};

/*
 * Performs req. On success (HTTP 2xx) returns 0 and *resp holds the response (the caller
 * releases it). On failure returns -1 with resp released and err filled: SBX_E_AWS with the
 * class of the last attempt's failure ("... (after N attempts)" when it was retried), or the
 * credential provider's error.
 */
int awscall_send(struct awscall_client *c, const struct awscall_req *req,
                 struct http_response *resp, struct sbx_err *err) SBX_NODISCARD;

/* A uniform random number in [0, 1) from OpenSSL's CSPRNG (0.5 if it fails). */
double awscall_random(void *unused);

#endif
