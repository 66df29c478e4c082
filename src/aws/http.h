/*
 * http.h -- the HTTP transport: one libcurl easy handle per client, so the connection is kept
 * alive and reused across calls.
 *
 * TLS peer and host verification are always on for https ($AWS_CA_BUNDLE names an extra CA
 * file); proxies come from libcurl's own handling of http_proxy, https_proxy, all_proxy and
 * no_proxy (CURLOPT_PROXY is never set); "Expect: 100-continue" is never sent. Response bodies
 * are capped (64 MiB by default) and wiped when released, since some carry credentials. At
 * debug level request and response headers are logged through log_redact_header(); bodies
 * never are.
 */
#ifndef SBX_HTTP_H
#define SBX_HTTP_H

#include <stddef.h>

#include "sbx.h"

#define HTTP_DEFAULT_CONNECT_TIMEOUT 10
#define HTTP_DEFAULT_REQUEST_TIMEOUT 60
#define HTTP_DEFAULT_MAX_BODY        ((size_t)64 * 1024 * 1024)

struct http_client;

struct http_opts {
    long connect_timeout;  /* seconds; <= 0: HTTP_DEFAULT_CONNECT_TIMEOUT */
    long request_timeout;  /* whole transfer, seconds; <= 0: HTTP_DEFAULT_REQUEST_TIMEOUT */
    const char *ca_bundle; /* CA file; NULL: $AWS_CA_BUNDLE, else the system store */
    size_t max_body;       /* response body cap; 0: HTTP_DEFAULT_MAX_BODY */
};

struct http_header {
    const char *name;
    const char *value;
};

/* A response. Strings are NUL-terminated; header fields are "" when absent. */
struct http_response {
    long status;
    char *body; /* heap, NUL-terminated, body_len bytes before the NUL; wiped on release */
    size_t body_len;
    char request_id[128];   /* x-amzn-RequestId (or x-amz-request-id) */
    char error_type[128];   /* X-Amzn-Errortype */
    char retry_after[32];   /* x-amz-retry-after */
    char content_type[128]; /* Content-Type */
    bool timed_out;         /* set (also on failure) when the transport timed out */
};

/* Creates a client. On failure err says why (SBX_E_NOMEM, or SBX_E_CONFIG for an unreadable
 * CA bundle). The caller frees it with http_client_free. */
int http_client_new(const struct http_opts *opts, struct http_client **out,
                    struct sbx_err *err) SBX_NODISCARD;
void http_client_free(struct http_client *c);

/* Flags of http_request(). */
enum http_flag {
    /*
     * A non-idempotent request (CreateAccount, CloseAccount, ...): sent on a new connection,
     * never on a kept-alive one. When a reused connection turns out dead without an answer,
     * libcurl silently sends the request again on a new one, which would repeat the side
     * effect if the server had read it. A fresh connection has no such hidden second try, so
     * the request reaches the server at most once per call and SBX_AWS_NETWORK then proves it
     * never did. The connection stays open afterwards for later (idempotent) requests.
     */
    HTTP_FRESH = 1 << 0,
};

/*
 * Sends one request: method "GET" or "POST", url absolute, flags a set of enum http_flag,
 * headers sent exactly as given (a Host header overrides libcurl's), body may be NULL for
 * GET. resp is always initialised. Returns 0 when a response arrived, whatever its status
 * (the caller releases it); -1 when none did, with err SBX_E_AWS and aws SBX_AWS_NETWORK (the
 * request never left: name resolution, connect or TLS handshake failed, or the connect timed
 * out), SBX_AWS_TRANSIENT (it may have reached the server: connection dropped, timeout after
 * connecting: resp->timed_out) or SBX_AWS_PROTOCOL (body over the cap), the message naming
 * the URL and libcurl's cause.
 */
int http_request(struct http_client *c, const char *method, const char *url, unsigned flags,
                 const struct http_header *headers, size_t nheaders, const void *body,
                 size_t body_len, struct http_response *resp, struct sbx_err *err) SBX_NODISCARD;

/* Wipes and frees the body; leaves *r zeroed. Accepts a zeroed struct. */
void http_response_release(struct http_response *r);

/* New connections the client has opened so far (reuse makes this stay at 1). */
long http_connection_count(const struct http_client *c);

#endif
