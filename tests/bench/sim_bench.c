/*
 * sim_bench.c -- sbx_bench_sim: a small keep-alive load generator for `sandboxctl sim`.
 *
 * usage: sbx_bench_sim URL [-c CONNECTIONS] [-n REQUESTS] [-o OPERATION] [-b BODY]
 *
 * N threads each hold one HTTP/1.1 keep-alive connection to 127.0.0.1 and send signed
 * Organizations requests (JSON 1.1) back to back, reading each answer fully before the next.
 * Keys come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (eval the simulator's banner).
 * The client is made cheap on purpose, so that the number measures the simulator: a request
 * is signed with the project's SigV4 code once per second per thread (X-Amz-Date has
 * one-second resolution) and the same bytes are resent until the second changes. Prints one
 * line: requests, non-200 answers, seconds, requests per second. Exits 1 if any request
 * failed at the transport level or was not answered 200.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "aws/sigv4.h"
#include "util/clock.h"
#include "util/duration.h"

struct bench {
    struct sockaddr_in addr;
    char host[64];
    const char *op;
    const char *body;
    const char *akid;
    const char *secret;
    long per_thread;
};

struct worker {
    const struct bench *b;
    pthread_t tid;
    long done;
    long bad;
    int failed;
};

/* Builds the signed request for time t into out (heap); returns its length or -1. */
static long
build_request(const struct bench *b, int64_t t, char **out)
{
    char target[128], len[32];
    struct sigv4_header h[4];
    struct sigv4_request req = { 0 };
    struct sigv4_params p = { 0 };
    struct sigv4_result res = { 0 };
    struct sbx_err err = { 0 };
    size_t cap;
    int n;

    snprintf(target, sizeof(target), "AWSOrganizationsV20161128.%s", b->op);
    snprintf(len, sizeof(len), "%zu", strlen(b->body));
    h[0] = (struct sigv4_header){ "Host", b->host };
    h[1] = (struct sigv4_header){ "Content-Type", "application/x-amz-json-1.1" };
    h[2] = (struct sigv4_header){ "X-Amz-Target", target };
    req.method = "POST";
    req.path = "/";
    req.headers = h;
    req.nheaders = 3;
    req.body = b->body;
    req.body_len = strlen(b->body);
    p.access_key_id = b->akid;
    p.secret_access_key = b->secret;
    p.region = "us-east-1";
    p.service = "organizations";
    p.time = t;
    p.normalize_path = true;
    if (sigv4_sign(&req, &p, &res, &err) != 0) {
        fprintf(stderr, "sbx_bench_sim: sign: %s\n", err.msg);
        return -1;
    }
    cap = 1024 + strlen(res.authorization) + strlen(b->body);
    *out = malloc(cap);
    if (*out == NULL) {
        sigv4_result_release(&res);
        return -1;
    }
    n = snprintf(*out, cap,
                 "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-amz-json-1.1\r\n"
                 "X-Amz-Target: %s\r\nX-Amz-Date: %s\r\nAuthorization: %s\r\n"
                 "Content-Length: %s\r\n\r\n%s",
                 b->host, target, res.amz_date, res.authorization, len, b->body);
    sigv4_result_release(&res);
    return n;
}

static int
send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The value after "\r\nName:" in the header block hdrs (case-insensitive), or NULL. */
static const char *
header_value(const char *hdrs, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = strstr(hdrs, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':')
            return p + 3 + n;
    }
    return NULL;
}

/* Reads one response (headers + Content-Length body); returns the status or -1. */
static int
read_response(int fd, char *buf, size_t cap, size_t *have)
{
    size_t body_len = 0, need;
    const char *cl;
    char *end;
    int status;

    for (;;) {
        buf[*have] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end != NULL)
            break;
        if (*have + 1 >= cap)
            return -1;
        {
            ssize_t r = recv(fd, buf + *have, cap - *have - 1, 0);

            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return -1;
            *have += (size_t)r;
        }
    }
    if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
        return -1;
    *end = '\0';
    cl = header_value(buf, "Content-Length");
    if (cl != NULL)
        body_len = strtoul(cl, NULL, 10);
    need = (size_t)(end - buf) + 4 + body_len;
    while (*have < need) {
        ssize_t r;

        if (need >= cap)
            return -1;
        r = recv(fd, buf + *have, cap - *have - 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        *have += (size_t)r;
    }
    /* keep any bytes of a next response (there are none: one request in flight) */
    memmove(buf, buf + need, *have - need);
    *have -= need;
    return status;
}

static void *
work(void *arg)
{
    struct worker *w = arg;
    const struct bench *b = w->b;
    char *req = NULL, buf[65536];
    size_t have = 0;
    int64_t signed_at = -1;
    long len = 0;
    int fd, one = 1;

    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (const struct sockaddr *)&b->addr, sizeof(b->addr)) != 0) {
        perror("sbx_bench_sim: connect");
        w->failed = 1;
        goto out;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    for (long i = 0; i < b->per_thread; i++) {
        int64_t now = (int64_t)clock_wall();
        int status;

        if (now != signed_at) {
            free(req);
            req = NULL;
            len = build_request(b, now, &req);
            if (len < 0) {
                w->failed = 1;
                goto out;
            }
            signed_at = now;
        }
        if (send_all(fd, req, (size_t)len) != 0) {
            fprintf(stderr, "sbx_bench_sim: send failed after %ld requests\n", w->done);
            w->failed = 1;
            goto out;
        }
        status = read_response(fd, buf, sizeof(buf), &have);
        if (status < 0) {
            fprintf(stderr, "sbx_bench_sim: connection lost after %ld requests\n", w->done);
            w->failed = 1;
            goto out;
        }
        w->done++;
        if (status != 200) {
            if (w->bad == 0)
                fprintf(stderr, "sbx_bench_sim: HTTP %d: %.200s\n", status, buf);
            w->bad++;
        }
    }
out:
    if (fd >= 0)
        close(fd);
    free(req);
    return NULL;
}

int
main(int argc, char **argv)
{
    struct bench b = { 0 };
    struct worker *ws;
    struct sbx_err err = { 0 };
    const char *url, *colon;
    int64_t conns = 4, total = 100000;
    long done = 0, bad = 0;
    int failed = 0, ch;
    double t0, secs;

    b.op = "DescribeOrganization";
    b.body = "{}";
    while ((ch = getopt(argc, argv, "c:n:o:b:")) != -1) {
        switch (ch) {
        case 'c':
            if (duration_parse_int64(optarg, 1, 1024, &conns, &err) != 0)
                goto usage;
            break;
        case 'n':
            if (duration_parse_int64(optarg, 1, 100000000, &total, &err) != 0)
                goto usage;
            break;
        case 'o':
            b.op = optarg;
            break;
        case 'b':
            b.body = optarg;
            break;
        default:
            goto usage;
        }
    }
    if (optind + 1 != argc)
        goto usage;
    url = argv[optind];
    if (strncmp(url, "http://", 7) != 0)
        goto usage;
    snprintf(b.host, sizeof(b.host), "%s", url + 7);
    b.host[strcspn(b.host, "/")] = '\0';
    colon = strrchr(b.host, ':');
    if (colon == NULL)
        goto usage;
    b.addr.sin_family = AF_INET;
    b.addr.sin_port = htons((uint16_t)strtol(colon + 1, NULL, 10));
    {
        char ip[64];

        snprintf(ip, sizeof(ip), "%.*s", (int)(colon - b.host), b.host);
        if (inet_pton(AF_INET, ip, &b.addr.sin_addr) != 1)
            goto usage;
    }
    b.akid = getenv("AWS_ACCESS_KEY_ID");
    b.secret = getenv("AWS_SECRET_ACCESS_KEY");
    if (b.akid == NULL || b.secret == NULL) {
        fprintf(stderr, "sbx_bench_sim: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n");
        return 2;
    }
    b.per_thread = (long)(total / conns);
    ws = calloc((size_t)conns, sizeof(*ws));
    if (ws == NULL)
        return 1;
    t0 = clock_mono();
    for (int64_t i = 0; i < conns; i++) {
        ws[i].b = &b;
        if (pthread_create(&ws[i].tid, NULL, work, &ws[i]) != 0) {
            fprintf(stderr, "sbx_bench_sim: cannot start thread\n");
            return 1;
        }
    }
    for (int64_t i = 0; i < conns; i++) {
        pthread_join(ws[i].tid, NULL);
        done += ws[i].done;
        bad += ws[i].bad;
        failed |= ws[i].failed;
    }
    secs = clock_mono() - t0;
    printf("requests=%ld non200=%ld connections=%lld seconds=%.3f req_per_s=%.0f\n", done, bad,
           (long long)conns, secs, (double)done / secs);
    free(ws);
    return failed || bad > 0 ? 1 : 0;
usage:
    fprintf(stderr, "usage: sbx_bench_sim URL [-c CONNECTIONS] [-n REQUESTS] [-o OPERATION] "
                    "[-b BODY]\n");
    return 2;
}
