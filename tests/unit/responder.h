/*
 * responder.h -- a scripted HTTP server for client tests: libmicrohttpd on 127.0.0.1 with a
 * free port, answering each request with the next scripted response and recording what it
 * received (method, URL, headers, body) so tests can check the wire format.
 *
 * When the script runs out, it answers 599 with a body saying so, which makes a missing
 * scripted response fail loudly instead of hanging.
 */
#ifndef SBX_TEST_RESPONDER_H
#define SBX_TEST_RESPONDER_H

#include <stddef.h>

enum responder_action {
    RESPOND_NORMAL = 0, /* status, headers and body as scripted */
    RESPOND_DROP,       /* close the connection without answering */
    RESPOND_CUT,        /* announce the whole body, send only its first half, then close */
};

struct responder_script {
    int status;               /* 0 = 200 */
    const char *body;         /* NULL = empty */
    const char *content_type; /* NULL = application/x-amz-json-1.1; "" = none */
    const char *headers;      /* extra "Name: value" lines separated by '\n', or NULL */
    enum responder_action action;
    int delay_ms; /* wait before answering */
};

struct responder_header {
    char *name;
    char *value;
};

struct responder_request {
    char *method;
    char *url; /* request target as received ("/" or an absolute URL through a proxy) */
    struct responder_header *headers;
    size_t nheaders;
    char *body;
    size_t body_len;
};

struct responder;

/* Starts the server; exits the test on failure. */
struct responder *responder_start(void);
/* Stops it and frees everything. */
void responder_stop(struct responder *r);
/* "http://127.0.0.1:PORT" (borrowed). */
const char *responder_url(const struct responder *r);
int responder_port(const struct responder *r);
/* Appends a response to the script (the strings are copied). */
void responder_push(struct responder *r, const struct responder_script *s);
/* Shorthand: status and body with the default content type. */
void responder_push_simple(struct responder *r, int status, const char *body);
/* Number of requests received so far, and the i-th one (borrowed until responder_stop). */
size_t responder_count(struct responder *r);
const struct responder_request *responder_request(struct responder *r, size_t i);
/* Value of a header of a recorded request (case-insensitive name), or NULL. */
const char *responder_header(const struct responder_request *q, const char *name);
/* TCP connections accepted so far. */
int responder_connections(struct responder *r);

#endif
