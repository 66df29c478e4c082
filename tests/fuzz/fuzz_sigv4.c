/*
 * fuzz_sigv4.c -- SigV4 as the simulator sees it: an Authorization header value from the wire,
 * then verification of a request whose path, headers and body come from the input.
 *
 * Input: line 1 the Authorization value, line 2 the request path, then "Name: value" header
 * lines up to an empty line, then the body. Besides "no crash", it checks a property: when
 * the signer accepts the request, verifying what it produced must succeed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/sigv4.h"
#include "fuzz_util.h"

#define SECRET   "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define MAX_HDRS 32

static void
sign_then_verify(struct sigv4_request *req)
{
    struct sigv4_params p = { 0 };
    struct sigv4_result res = { 0 };
    struct sigv4_header hdrs[MAX_HDRS + 1];
    struct sigv4_request vreq = *req;
    struct sigv4_auth auth;
    struct sbx_err err = { 0 };
    int64_t t = 0;

    p.access_key_id = "AKIAIOSFODNN7EXAMPLE";
    p.secret_access_key = SECRET;
    p.region = "us-east-1";
    p.service = "organizations";
    p.time = 1795000000;
    p.normalize_path = true;
    if (sigv4_sign(req, &p, &res, &err) != 0)
        return;
    /* The wire request: the caller's headers plus X-Amz-Date when the signer added it. */
    memcpy(hdrs, req->headers, req->nheaders * sizeof(hdrs[0]));
    vreq.headers = hdrs;
    vreq.nheaders = req->nheaders;
    if (strstr(res.signed_headers, "x-amz-date") != NULL) {
        bool present = false;

        for (size_t i = 0; i < req->nheaders; i++)
            present = present || strcasecmp(req->headers[i].name, "x-amz-date") == 0;
        if (!present)
            hdrs[vreq.nheaders++] = (struct sigv4_header){ "X-Amz-Date", res.amz_date };
    }
    if (sigv4_parse_authorization(res.authorization, &auth, &err) != 0) {
        fprintf(stderr, "signer produced an unparsable Authorization '%s': %s\n", res.authorization,
                err.msg);
        abort();
    }
    if (sigv4_verify(&vreq, &auth, SECRET, &t, &err) != 0) {
        fprintf(stderr, "signed request does not verify: %s\ncanonical request:\n%s\n", err.msg,
                res.canonical_request);
        abort();
    }
    sigv4_result_release(&res);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_strndup(data, size), *p = text, *authz, *path, *line;
    struct sigv4_header hdrs[MAX_HDRS];
    struct sigv4_request req = { 0 };
    struct sigv4_auth auth;
    struct sbx_err err = { 0 };
    int64_t t = 0;
    size_t n = 0;

    authz = fz_line(&p);
    path = fz_line(&p);
    while ((line = fz_line(&p)) != NULL && *line != '\0' && n < MAX_HDRS) {
        char *colon = strchr(line, ':');

        if (colon == NULL)
            continue;
        *colon = '\0';
        hdrs[n].name = line;
        hdrs[n].value = colon + 1;
        n++;
    }
    req.method = "POST";
    req.path = path;
    req.headers = hdrs;
    req.nheaders = n;
    req.body = p;
    req.body_len = strlen(p);
    if (authz != NULL && sigv4_parse_authorization(authz, &auth, &err) == 0)
        (void)!sigv4_verify(&req, &auth, SECRET, &t, &err);
    sign_then_verify(&req);
    free(text);
    return 0;
}
