/* responder.c -- scripted libmicrohttpd server for client tests (see responder.h). */
#include "responder.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

struct scripted {
    int status;
    char *body;
    char *content_type;
    char *headers;
    enum responder_action action;
    int delay_ms;
};

struct responder {
    struct MHD_Daemon *d;
    pthread_mutex_t mu;
    int port;
    char url[64];
    struct scripted *script;
    size_t nscript, next, script_cap;
    struct responder_request *reqs;
    size_t nreqs, reqs_cap;
    int connections;
    int seq;
};

/* Per-request state while the body arrives. */
struct pending {
    char *body;
    size_t len, cap;
};

/* State of a RESPOND_CUT body. */
struct cut {
    char *body;
    size_t len, sent;
};

static void *
xmalloc(size_t n)
{
    void *p = malloc(n);

    if (p == NULL) {
        fprintf(stderr, "responder: out of memory\n");
        exit(2);
    }
    return p;
}

static char *
xstrdup(const char *s)
{
    char *p;

    if (s == NULL)
        return NULL;
    p = xmalloc(strlen(s) + 1);
    memcpy(p, s, strlen(s) + 1);
    return p;
}

static enum MHD_Result
collect_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct responder_request *q = cls;

    (void)kind;
    q->headers = realloc(q->headers, (q->nheaders + 1) * sizeof(*q->headers));
    if (q->headers == NULL)
        exit(2);
    q->headers[q->nheaders].name = xstrdup(key);
    q->headers[q->nheaders].value = xstrdup(value != NULL ? value : "");
    q->nheaders++;
    return MHD_YES;
}

static ssize_t
cut_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct cut *c = cls;
    size_t half = c->len / 2, n;

    (void)pos;
    if (c->sent >= half)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    n = half - c->sent;
    if (n > max)
        n = max;
    memcpy(buf, c->body + c->sent, n);
    c->sent += n;
    return (ssize_t)n;
}

static void
cut_free(void *cls)
{
    struct cut *c = cls;

    free(c->body);
    free(c);
}

static void
add_headers(struct MHD_Response *resp, const struct scripted *s, int seq)
{
    char rid[64];

    snprintf(rid, sizeof(rid), "test-request-%d", seq);
    MHD_add_response_header(resp, "x-amzn-RequestId", rid);
    if (s->content_type == NULL)
        MHD_add_response_header(resp, "Content-Type", "application/x-amz-json-1.1");
    else if (*s->content_type != '\0')
        MHD_add_response_header(resp, "Content-Type", s->content_type);
    if (s->headers != NULL) {
        char *copy = xstrdup(s->headers), *line = copy, *next;

        for (; line != NULL && *line != '\0'; line = next) {
            char *colon;

            next = strchr(line, '\n');
            if (next != NULL)
                *next++ = '\0';
            colon = strchr(line, ':');
            if (colon == NULL)
                continue;
            *colon = '\0';
            colon++;
            while (*colon == ' ')
                colon++;
            MHD_add_response_header(resp, line, colon);
        }
        free(copy);
    }
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
        const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    struct responder *r = cls;
    struct pending *p = *con_cls;
    struct responder_request *q;
    static char exhausted[] =
            "{\"__type\":\"NoScriptedResponse\",\"message\":\"script exhausted\"}";
    struct scripted s = { 0 }, fallback = { 0 };
    struct MHD_Response *resp;
    enum MHD_Result ret;
    int seq;

    (void)version;
    if (p == NULL) {
        p = calloc(1, sizeof(*p));
        if (p == NULL)
            return MHD_NO;
        *con_cls = p;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (p->len + *upload_data_size + 1 > p->cap) {
            p->cap = (p->len + *upload_data_size + 1) * 2;
            p->body = realloc(p->body, p->cap);
            if (p->body == NULL)
                exit(2);
        }
        memcpy(p->body + p->len, upload_data, *upload_data_size);
        p->len += *upload_data_size;
        p->body[p->len] = '\0';
        *upload_data_size = 0;
        return MHD_YES;
    }

    pthread_mutex_lock(&r->mu);
    if (r->nreqs == r->reqs_cap) {
        r->reqs_cap = r->reqs_cap == 0 ? 16 : r->reqs_cap * 2;
        r->reqs = realloc(r->reqs, r->reqs_cap * sizeof(*r->reqs));
        if (r->reqs == NULL)
            exit(2);
    }
    q = &r->reqs[r->nreqs++];
    memset(q, 0, sizeof(*q));
    q->method = xstrdup(method);
    q->url = xstrdup(url);
    q->body = p->body != NULL ? p->body : xstrdup("");
    q->body_len = p->len;
    p->body = NULL;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, q);
    if (r->next < r->nscript) {
        s = r->script[r->next++];
    } else {
        fallback.status = 599;
        fallback.body = exhausted;
        s = fallback;
    }
    seq = ++r->seq;
    pthread_mutex_unlock(&r->mu);

    if (s.delay_ms > 0) {
        struct timespec ts = { s.delay_ms / 1000, (long)(s.delay_ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
    }
    if (s.action == RESPOND_DROP)
        return MHD_NO;
    if (s.action == RESPOND_CUT) {
        struct cut *c = xmalloc(sizeof(*c));

        c->body = xstrdup(s.body != NULL ? s.body : "");
        c->len = strlen(c->body);
        c->sent = 0;
        resp = MHD_create_response_from_callback(c->len, 1024, cut_reader, c, cut_free);
    } else {
        const char *b = s.body != NULL ? s.body : "";
        resp = MHD_create_response_from_buffer(strlen(b), (void *)b, MHD_RESPMEM_MUST_COPY);
    }
    if (resp == NULL)
        return MHD_NO;
    add_headers(resp, &s, seq);
    ret = MHD_queue_response(conn, (unsigned)(s.status != 0 ? s.status : 200), resp);
    MHD_destroy_response(resp);
    return ret;
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
          enum MHD_RequestTerminationCode toe)
{
    struct pending *p = *con_cls;

    (void)cls;
    (void)conn;
    (void)toe;
    if (p != NULL) {
        free(p->body);
        free(p);
        *con_cls = NULL;
    }
}

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
              enum MHD_ConnectionNotificationCode toe)
{
    struct responder *r = cls;

    (void)conn;
    (void)socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        pthread_mutex_lock(&r->mu);
        r->connections++;
        pthread_mutex_unlock(&r->mu);
    }
}

struct responder *
responder_start(void)
{
    struct responder *r = calloc(1, sizeof(*r));
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *info;

    if (r == NULL)
        exit(2);
    pthread_mutex_init(&r->mu, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                            NULL, NULL, handler, r, MHD_OPTION_SOCK_ADDR, &sa,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, r, MHD_OPTION_NOTIFY_CONNECTION,
                            on_connection, r, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                            MHD_OPTION_END);
    if (r->d == NULL) {
        fprintf(stderr, "responder: cannot start libmicrohttpd\n");
        exit(2);
    }
    info = MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT);
    if (info == NULL || info->port == 0) {
        fprintf(stderr, "responder: no port\n");
        exit(2);
    }
    r->port = info->port;
    snprintf(r->url, sizeof(r->url), "http://127.0.0.1:%d", r->port);
    return r;
}

void
responder_stop(struct responder *r)
{
    if (r == NULL)
        return;
    MHD_stop_daemon(r->d);
    for (size_t i = 0; i < r->nscript; i++) {
        free(r->script[i].body);
        free(r->script[i].content_type);
        free(r->script[i].headers);
    }
    free(r->script);
    for (size_t i = 0; i < r->nreqs; i++) {
        struct responder_request *q = &r->reqs[i];

        for (size_t j = 0; j < q->nheaders; j++) {
            free(q->headers[j].name);
            free(q->headers[j].value);
        }
        free(q->headers);
        free(q->method);
        free(q->url);
        free(q->body);
    }
    free(r->reqs);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

const char *
responder_url(const struct responder *r)
{
    return r->url;
}

int
responder_port(const struct responder *r)
{
    return r->port;
}

void
responder_push(struct responder *r, const struct responder_script *s)
{
    struct scripted *d;

    pthread_mutex_lock(&r->mu);
    if (r->nscript == r->script_cap) {
        r->script_cap = r->script_cap == 0 ? 16 : r->script_cap * 2;
        r->script = realloc(r->script, r->script_cap * sizeof(*r->script));
        if (r->script == NULL)
            exit(2);
    }
    d = &r->script[r->nscript++];
    d->status = s->status;
    d->body = xstrdup(s->body);
    d->content_type = xstrdup(s->content_type);
    d->headers = xstrdup(s->headers);
    d->action = s->action;
    d->delay_ms = s->delay_ms;
    pthread_mutex_unlock(&r->mu);
}

void
responder_push_simple(struct responder *r, int status, const char *body)
{
    struct responder_script s = { 0 };

    s.status = status;
    s.body = body;
    responder_push(r, &s);
}

size_t
responder_count(struct responder *r)
{
    size_t n;

    pthread_mutex_lock(&r->mu);
    n = r->nreqs;
    pthread_mutex_unlock(&r->mu);
    return n;
}

const struct responder_request *
responder_request(struct responder *r, size_t i)
{
    const struct responder_request *q = NULL;

    pthread_mutex_lock(&r->mu);
    if (i < r->nreqs)
        q = &r->reqs[i];
    pthread_mutex_unlock(&r->mu);
    return q;
}

const char *
responder_header(const struct responder_request *q, const char *name)
{
    for (size_t i = 0; i < q->nheaders; i++) {
        if (strcasecmp(q->headers[i].name, name) == 0)
            return q->headers[i].value;
    }
    return NULL;
}

int
responder_connections(struct responder *r)
{
    int n;

    pthread_mutex_lock(&r->mu);
    n = r->connections;
    pthread_mutex_unlock(&r->mu);
    return n;
}
