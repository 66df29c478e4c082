/* awscall.c -- sign, send, parse errors, retry (see awscall.h). */
#include "aws/awscall.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "aws/awserr.h"
#include "aws/sigv4.h"
#include "util/clock.h"
#include "util/log.h"

/* The body's Content-Type per protocol (enum awscall_proto). */
static const char *const content_types[] = {
    [AWSCALL_JSON] = "application/x-amz-json-1.1",
    [AWSCALL_QUERY] = "application/x-www-form-urlencoded; charset=utf-8",
};

double
awscall_random(void *unused)
{
    unsigned char b[8];
    uint64_t v = 0;

    (void)unused;
    if (RAND_bytes(b, sizeof(b)) != 1)
        return 0.5;
    for (size_t i = 0; i < sizeof(b); i++)
        v = (v << 8) | b[i];
    /* 53 random bits -> [0, 1). */
    return (double)(v >> 11) * 0x1.0p-53;
}

/* One signed attempt. Returns 0 with a response of any status, -1 on a transport failure. */
static int
attempt(struct awscall_client *c, const struct awscall_req *req, const struct creds *cr,
        int attempt_no, struct http_response *resp, struct sbx_err *err)
{
    struct sigv4_header sh[3];
    struct http_header wire[8];
    struct sigv4_request sreq = { 0 };
    struct sigv4_params params = { 0 };
    struct sigv4_result sig = { 0 };
    char url[400], sdkreq[48];
    size_t nsh = 0, nw = 0;
    int rc = -1, n;

    sh[nsh++] = (struct sigv4_header){ "Host", req->ep->host };
    sh[nsh++] = (struct sigv4_header){ "Content-Type", content_types[req->proto] };
    if (req->target != NULL)
        sh[nsh++] = (struct sigv4_header){ "X-Amz-Target", req->target };
    sreq.method = "POST";
    sreq.path = "/";
    sreq.query = NULL;
    sreq.headers = sh;
    sreq.nheaders = nsh;
    sreq.body = req->body;
    sreq.body_len = req->body_len;
    params.access_key_id = cr->access_key_id;
    params.secret_access_key = cr->secret_access_key;
    params.session_token = cr->session_token;
    params.region = req->ep->signing_region;
    params.service = req->service;
    params.time = (int64_t)floor(clock_now(c->clock));
    params.normalize_path = true;
    if (sigv4_sign(&sreq, &params, &sig, err) != 0) {
        sbx_err_prefix(err, "cannot sign %s", req->operation);
        return -1;
    }
    n = snprintf(url, sizeof(url), "%s/", req->ep->url);
    if (n < 0 || (size_t)n >= sizeof(url)) {
        sbx_err_set(err, SBX_E_CONFIG, "endpoint URL is too long");
        goto out;
    }
    snprintf(sdkreq, sizeof(sdkreq), "attempt=%d; max=%d", attempt_no, c->max_attempts);
    for (size_t i = 0; i < nsh; i++)
        wire[nw++] = (struct http_header){ sh[i].name, sh[i].value };
    wire[nw++] = (struct http_header){ "X-Amz-Date", sig.amz_date };
    if (cr->session_token != NULL && *cr->session_token != '\0')
        wire[nw++] = (struct http_header){ "X-Amz-Security-Token", cr->session_token };
    wire[nw++] = (struct http_header){ "Authorization", sig.authorization };
    wire[nw++] = (struct http_header){ "amz-sdk-request", sdkreq };
    rc = http_request(c->http, "POST", url, req->non_idempotent ? HTTP_FRESH : 0, wire, nw,
                      req->body, req->body_len, resp, err);
out:
    sigv4_result_release(&sig);
    return rc;
}

/* For a non-idempotent call: true when the failed attempt provably had no effect at AWS. */
static bool
had_no_effect(const struct sbx_err *err)
{
    return err->code == SBX_E_AWS && (err->aws == SBX_AWS_NETWORK || err->aws == SBX_AWS_THROTTLED);
}

static bool
expired_token(const struct sbx_err *err)
{
    return err->code == SBX_E_AWS && (strcmp(err->aws_code, "ExpiredToken") == 0 ||
                                      strcmp(err->aws_code, "ExpiredTokenException") == 0);
}

int
awscall_send(struct awscall_client *c, const struct awscall_req *req, struct http_response *resp,
             struct sbx_err *err)
{
    struct retry_state st = { 0 };
    bool force = false, refreshed = false;
    const struct creds *cr;

    memset(resp, 0, sizeof(*resp));
    for (;;) {
        enum retry_kind kind;
        const char *why = NULL;
        double delay, r;

        if (c->get_creds(c->creds_ctx, force, &cr, err) != 0)
            return -1;
        force = false;
        st.attempts++;
        if (attempt(c, req, cr, st.attempts, resp, err) == 0) {
            if (resp->status >= 200 && resp->status < 300) {
                retry_on_success(&st, c->quota);
                return 0;
            }
            if (req->proto == AWSCALL_JSON)
                awserr_from_json(resp->status, resp->error_type, resp->body, resp->body_len, err);
            else
                awserr_from_xml(resp->status, resp->body, resp->body_len, err);
            if (resp->request_id[0] != '\0')
                log_debug("%s: %s (request id %s)", req->operation, err->msg, resp->request_id);
        } else if (err->code != SBX_E_AWS) {
            return -1; /* out of memory, signing failure: nothing to retry */
        }
        if (expired_token(err) && !refreshed) {
            /* The session ended under us: fetch new credentials once and try again. */
            refreshed = true;
            force = true;
            st.attempts--;
            http_response_release(resp);
            log_info("%s: %s; refreshing credentials", req->operation, err->msg);
            continue;
        }
        kind = retry_classify(err, resp->timed_out);
        if (req->non_idempotent && kind != RETRY_NONE && !had_no_effect(err)) {
            /* It may have been done: sending it again could do it twice. */
            log_debug("%s: not retried (it may have taken effect): %s", req->operation, err->msg);
            kind = RETRY_NONE;
        }
        r = c->rand01 != NULL ? c->rand01(c->rand_ctx) : awscall_random(NULL);
        if (!retry_next(&st, c->quota, c->max_attempts, kind, r, resp->retry_after, &delay, &why)) {
            http_response_release(resp);
            bool quota = why != NULL && strcmp(why, "retry quota exhausted") == 0;
            size_t len = strlen(err->msg);

            if (st.attempts > 1)
                snprintf(err->msg + len, sizeof(err->msg) - len, " (after %d attempts%s)",
                         st.attempts, quota ? "; retry quota exhausted" : "");
            else if (quota)
                snprintf(err->msg + len, sizeof(err->msg) - len, " (retry quota exhausted)");
            return -1;
        }
        http_response_release(resp);
        log_info("%s: %s; retrying in %.2fs (attempt %d of %d)", req->operation, err->msg, delay,
                 st.attempts + 1, c->max_attempts);
        if (clock_sleep(c->clock, delay) != 0) {
            sbx_err_prefix(err, "interrupted while waiting to retry");
            return -1;
        }
    }
}
