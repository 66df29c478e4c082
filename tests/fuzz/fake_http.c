/* fake_http.c -- http.h's transport answered from a fuzzing script (see fake_http.h). */
#include "fake_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http.h"
#include "fuzz_util.h"

#define MAX_PARTS 16

struct http_client {
    long connections;
};

static char *parts[MAX_PARTS];
static size_t lens[MAX_PARTS];
static size_t nparts, next, served;

void
fake_http_script(char *text, size_t len)
{
    nparts = fz_split(text, len, parts, lens, MAX_PARTS);
    next = 0;
    served = 0;
}

size_t
fake_http_requests(void)
{
    return served;
}

int
http_client_new(const struct http_opts *opts, struct http_client **out, struct sbx_err *err)
{
    (void)opts;
    *out = calloc(1, sizeof(**out));
    if (*out == NULL) {
        sbx_err_set(err, SBX_E_NOMEM, "out of memory");
        return -1;
    }
    return 0;
}

void
http_client_free(struct http_client *c)
{
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
    free(r->body);
    memset(r, 0, sizeof(*r));
}

int
http_request(struct http_client *c, const char *method, const char *url, unsigned flags,
             const struct http_header *headers, size_t nheaders, const void *body, size_t body_len,
             struct http_response *resp, struct sbx_err *err)
{
    char *p, *first, *type;
    size_t len;

    (void)method;
    (void)flags;
    (void)headers;
    (void)nheaders;
    (void)body;
    (void)body_len;
    memset(resp, 0, sizeof(*resp));
    if (next >= nparts) {
        sbx_err_set(err, SBX_E_AWS, "cannot connect to '%s': connection refused (script ended)",
                    url);
        err->aws = SBX_AWS_NETWORK;
        return -1;
    }
    c->connections = 1;
    p = parts[next];
    len = lens[next];
    next++;
    served++;
    /* The first line is consumed once: a part answers one request. */
    first = p;
    p = memchr(p, '\n', len);
    if (p != NULL) {
        *p++ = '\0';
        len -= (size_t)(p - first);
    } else {
        p = first + len;
        len = 0;
    }
    resp->status = strtol(first, &type, 10);
    while (*type == ' ')
        type++;
    snprintf(resp->error_type, sizeof(resp->error_type), "%s", type);
    snprintf(resp->content_type, sizeof(resp->content_type), "application/x-amz-json-1.1");
    resp->body = malloc(len + 1);
    if (resp->body == NULL) {
        sbx_err_set(err, SBX_E_NOMEM, "out of memory");
        return -1;
    }
    memcpy(resp->body, p, len);
    resp->body[len] = '\0';
    resp->body_len = len;
    return 0;
}
