/*
 * http.c -- libcurl transport with a kept-alive easy handle (see http.h).
 *
 * The handle is reused for every request so libcurl keeps the connection (and TLS session)
 * open between calls. Per-request options are set again on each call; options that never
 * change (timeouts, TLS, callbacks) are set once.
 *
 * Whether a failed request reached the server matters for non-idempotent calls (HTTP_FRESH):
 * only failures before anything could be sent -- resolving, connecting, the TLS handshake, a
 * connect timeout -- count as "never sent" (SBX_AWS_NETWORK); every other failure may have
 * delivered the request (SBX_AWS_TRANSIENT).
 */
#include "aws/http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "util/log.h"

struct http_client {
    CURL *curl;
    size_t max_body;
    long connections;
    char errbuf[CURL_ERROR_SIZE];
};

/* State of one transfer, seen by the callbacks. */
struct transfer {
    struct http_response *resp;
    size_t cap;
    size_t max_body;
    bool too_large;
    bool nomem;
};

static int
set_fail(struct sbx_err *err, CURLcode rc, const char *what)
{
    sbx_err_set(err, SBX_E_NOMEM, "cannot set up libcurl (%s): %s", what, curl_easy_strerror(rc));
    return -1;
}

int
http_client_new(const struct http_opts *opts, struct http_client **out, struct sbx_err *err)
{
    struct http_client *c;
    const char *ca = opts != NULL ? opts->ca_bundle : NULL;
    long connect_timeout = opts != NULL && opts->connect_timeout > 0 ? opts->connect_timeout
                                                                     : HTTP_DEFAULT_CONNECT_TIMEOUT;
    long request_timeout = opts != NULL && opts->request_timeout > 0 ? opts->request_timeout
                                                                     : HTTP_DEFAULT_REQUEST_TIMEOUT;
    CURLcode rc;

    *out = NULL;
    c = sbx_calloc(1, sizeof(*c), err);
    if (c == NULL)
        return -1;
    c->max_body = opts != NULL && opts->max_body > 0 ? opts->max_body : HTTP_DEFAULT_MAX_BODY;
    c->curl = curl_easy_init();
    if (c->curl == NULL) {
        free(c);
        sbx_err_set(err, SBX_E_NOMEM, "cannot create a libcurl handle");
        return -1;
    }
    if (ca == NULL || *ca == '\0')
        ca = getenv("AWS_CA_BUNDLE");
    if (ca != NULL && *ca != '\0') {
        FILE *f = fopen(ca, "r");
        if (f == NULL) {
            sbx_err_set(err, SBX_E_CONFIG, "cannot read CA bundle '%s' (AWS_CA_BUNDLE)", ca);
            goto fail;
        }
        fclose(f);
        rc = curl_easy_setopt(c->curl, CURLOPT_CAINFO, ca);
        if (rc != CURLE_OK) {
            set_fail(err, rc, "CA bundle");
            goto fail;
        }
    }
    /* Options that hold for every request. Verification is never turned off. */
    if ((rc = curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L)) != CURLE_OK ||
        (rc = curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L)) != CURLE_OK ||
        (rc = curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https")) != CURLE_OK ||
        (rc = curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L)) != CURLE_OK ||
        (rc = curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
        (rc = curl_easy_setopt(c->curl, CURLOPT_TCP_KEEPALIVE, 1L)) != CURLE_OK ||
        (rc = curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, connect_timeout)) != CURLE_OK ||
        (rc = curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, request_timeout)) != CURLE_OK ||
        (rc = curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "sandboxctl/" SBX_VERSION)) !=
                CURLE_OK ||
        (rc = curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf)) != CURLE_OK ||
        (rc = curl_easy_setopt(c->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_body)) !=
                CURLE_OK) {
        set_fail(err, rc, "options");
        goto fail;
    }
    *out = c;
    return 0;
fail:
    curl_easy_cleanup(c->curl);
    free(c);
    return -1;
}

void
http_client_free(struct http_client *c)
{
    if (c == NULL)
        return;
    curl_easy_cleanup(c->curl);
    free(c);
}

long
http_connection_count(const struct http_client *c)
{
    return c->connections;
}

void
http_response_release(struct http_response *r)
{
    if (r == NULL)
        return;
    if (r->body != NULL) {
        OPENSSL_cleanse(r->body, r->body_len);
        free(r->body);
    }
    memset(r, 0, sizeof(*r));
}

/* Grows the body buffer without leaving a copy of its (possibly secret) bytes in freed memory. */
static bool
grow(struct transfer *t, size_t need)
{
    size_t cap = t->cap == 0 ? 4096 : t->cap;
    char *nb;

    while (cap < need)
        cap *= 2;
    nb = malloc(cap);
    if (nb == NULL)
        return false;
    if (t->resp->body != NULL) {
        memcpy(nb, t->resp->body, t->resp->body_len);
        OPENSSL_cleanse(t->resp->body, t->resp->body_len);
        free(t->resp->body);
    }
    t->resp->body = nb;
    t->cap = cap;
    return true;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct transfer *t = userp;
    size_t n = size * nmemb;
    struct http_response *r = t->resp;

    if (r->body_len + n > t->max_body) {
        t->too_large = true;
        return 0;
    }
    if (r->body_len + n + 1 > t->cap && !grow(t, r->body_len + n + 1)) {
        t->nomem = true;
        return 0;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return n;
}

/* Copies the trimmed value of header line (name already matched, len bytes) into dst. */
static void
copy_value(const char *line, size_t len, size_t namelen, char *dst, size_t dstsz)
{
    const char *v = line + namelen + 1, *end = line + len;

    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && isspace((unsigned char)end[-1]))
        end--;
    snprintf(dst, dstsz, "%.*s", (int)(end - v), v);
}

static bool
header_is(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);

    return len > n && line[n] == ':' && strncasecmp(line, name, n) == 0;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    struct transfer *t = userp;
    struct http_response *r = t->resp;
    size_t n = size * nmemb;

    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new response (after an interim one): forget what the previous one said. */
        r->request_id[0] = r->error_type[0] = r->retry_after[0] = r->content_type[0] = '\0';
    } else if (header_is(data, n, "x-amzn-RequestId")) {
        copy_value(data, n, 16, r->request_id, sizeof(r->request_id));
    } else if (header_is(data, n, "x-amz-request-id") && r->request_id[0] == '\0') {
        copy_value(data, n, 16, r->request_id, sizeof(r->request_id));
    } else if (header_is(data, n, "X-Amzn-Errortype")) {
        copy_value(data, n, 16, r->error_type, sizeof(r->error_type));
    } else if (header_is(data, n, "x-amz-retry-after")) {
        copy_value(data, n, 17, r->retry_after, sizeof(r->retry_after));
    } else if (header_is(data, n, "Content-Type")) {
        copy_value(data, n, 12, r->content_type, sizeof(r->content_type));
    }
    if (log_get_level() >= LOG_LVL_DEBUG) {
        char line[512], shown[600];
        size_t k = n;

        while (k > 0 && (data[k - 1] == '\r' || data[k - 1] == '\n'))
            k--;
        if (k > 0) {
            snprintf(line, sizeof(line), "%.*s", (int)k, data);
            log_debug("< %s", log_redact_header(line, shown, sizeof(shown)));
        }
    }
    return n;
}

/*
 * True when the failed transfer provably never sent the request: it failed before a connection
 * to the server was ready (resolve, connect, proxy tunnel, TLS handshake and verification), or
 * timed out before the TCP connect completed, and libcurl counted no request bytes sent.
 */
static bool
never_sent(CURL *curl, CURLcode rc)
{
    curl_off_t connect_time = 0;
    long request_size = 0;

    if (curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_size) != CURLE_OK ||
        request_size != 0)
        return false;
    switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
        return true;
    case CURLE_OPERATION_TIMEDOUT:
        return curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connect_time) == CURLE_OK &&
               connect_time == 0;
    default:
        return false;
    }
}

/* Maps a libcurl failure to an error class (unsent: never_sent() said so). */
static void
transfer_error(const struct http_client *c, const struct transfer *t, CURLcode rc, bool unsent,
               const char *url, struct sbx_err *err)
{
    const char *cause = c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(rc);
    enum sbx_aws_errc cls;

    if (t->nomem) {
        sbx_err_set(err, SBX_E_NOMEM, "out of memory reading the response from '%s'", url);
        return;
    }
    if (t->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        sbx_err_set(err, SBX_E_AWS, "response from '%s' is larger than %zu bytes", url,
                    t->max_body);
        err->aws = SBX_AWS_PROTOCOL;
        return;
    }
    if (unsent) {
        t->resp->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
        sbx_err_set(err, SBX_E_AWS, "cannot reach '%s': %s", url, cause);
        err->aws = SBX_AWS_NETWORK;
        return;
    }
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        t->resp->timed_out = true;
        sbx_err_set(err, SBX_E_AWS, "request to '%s' timed out: %s", url, cause);
        err->aws = SBX_AWS_TRANSIENT;
        return;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        cls = SBX_AWS_TRANSIENT;
        sbx_err_set(err, SBX_E_AWS, "connection to '%s' dropped: %s", url, cause);
        break;
    default:
        /* After the connection was up: the request may have been read. */
        cls = SBX_AWS_TRANSIENT;
        sbx_err_set(err, SBX_E_AWS, "request to '%s' failed: %s", url, cause);
        break;
    }
    err->aws = cls;
}

int
http_request(struct http_client *c, const char *method, const char *url, unsigned flags,
             const struct http_header *headers, size_t nheaders, const void *body, size_t body_len,
             struct http_response *resp, struct sbx_err *err)
{
    struct curl_slist *list = NULL, *tmp;
    struct transfer t = { 0 };
    bool post = strcmp(method, "POST") == 0;
    bool debug = log_get_level() >= LOG_LVL_DEBUG;
    long newconns = 0;
    char line[1024], shown[1100];
    CURLcode rc;
    int n, ret = -1;

    memset(resp, 0, sizeof(*resp));
    t.resp = resp;
    t.max_body = c->max_body;
    c->errbuf[0] = '\0';
    if (debug)
        log_debug("> %s %s", method, url);
    for (size_t i = 0; i < nheaders; i++) {
        n = snprintf(line, sizeof(line), "%s: %s", headers[i].name, headers[i].value);
        if (n < 0 || (size_t)n >= sizeof(line)) {
            sbx_err_set(err, SBX_E_FAILURE, "HTTP header '%s' is too long", headers[i].name);
            goto out;
        }
        tmp = curl_slist_append(list, line);
        if (tmp == NULL)
            goto nomem;
        list = tmp;
        if (debug)
            log_debug("> %s", log_redact_header(line, shown, sizeof(shown)));
    }
    /* Never wait for "100 Continue"; the body goes out with the headers. */
    tmp = curl_slist_append(list, "Expect:");
    if (tmp == NULL)
        goto nomem;
    list = tmp;
    if (debug && post)
        log_debug("> (body: %zu bytes)", body_len);

    if ((rc = curl_easy_setopt(c->curl, CURLOPT_URL, url)) != CURLE_OK ||
        (rc = curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, list)) != CURLE_OK ||
        (rc = curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body)) != CURLE_OK ||
        (rc = curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &t)) != CURLE_OK ||
        (rc = curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header)) != CURLE_OK ||
        (rc = curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, &t)) != CURLE_OK ||
        (rc = curl_easy_setopt(c->curl, CURLOPT_FRESH_CONNECT,
                               (flags & HTTP_FRESH) != 0 ? 1L : 0L)) != CURLE_OK) {
        set_fail(err, rc, "request");
        goto out;
    }
    if (post) {
        if ((rc = curl_easy_setopt(c->curl, CURLOPT_POST, 1L)) != CURLE_OK ||
            (rc = curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len)) !=
                    CURLE_OK ||
            (rc = curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body != NULL ? body : "")) !=
                    CURLE_OK) {
            set_fail(err, rc, "POST");
            goto out;
        }
    } else if ((rc = curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L)) != CURLE_OK) {
        set_fail(err, rc, "GET");
        goto out;
    }

    rc = curl_easy_perform(c->curl);
    if (curl_easy_getinfo(c->curl, CURLINFO_NUM_CONNECTS, &newconns) == CURLE_OK)
        c->connections += newconns;
    if (rc != CURLE_OK) {
        bool timed_out;

        transfer_error(c, &t, rc, never_sent(c->curl, rc), url, err);
        timed_out = resp->timed_out;
        http_response_release(resp);
        resp->timed_out = timed_out;
        goto out;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);
    if (resp->body == NULL) {
        resp->body = calloc(1, 1);
        if (resp->body == NULL)
            goto nomem;
    }
    if (debug)
        log_debug("< (HTTP %ld, body: %zu bytes)", resp->status, resp->body_len);
    ret = 0;
    goto out;
nomem:
    sbx_err_nomem(err);
    http_response_release(resp);
out:
    /* The handle must not keep pointers into this call's stack or list. */
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, NULL);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(c->curl, CURLOPT_FRESH_CONNECT, 0L);
    /* Header lines carry the signature and maybe a session token. */
    for (tmp = list; tmp != NULL; tmp = tmp->next)
        OPENSSL_cleanse(tmp->data, strlen(tmp->data));
    curl_slist_free_all(list);
    OPENSSL_cleanse(line, sizeof(line));
    OPENSSL_cleanse(shown, sizeof(shown));
    return ret;
}
