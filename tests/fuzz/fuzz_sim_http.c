/*
 * fuzz_sim_http.c -- the simulator as a network service: its HTTP front end (libmicrohttpd on
 * 127.0.0.1, a free port) with SigV4 authentication, routing by X-Amz-Target, form-encoded STS
 * and the admin API, each input on a fresh organization and server.
 *
 * Input: the first byte picks the mode.
 *   even  the rest is sent verbatim as the request bytes (request line, headers, body).
 *   odd   the rest is "TARGET" on the first line (an X-Amz-Target value, "sts" for an STS form
 *         body, or an admin path "/__sim/..."), then extra "Name: value" header lines up to an
 *         empty line, then the body; the request is signed with the management keys as a
 *         client would sign it, so the fuzzer reaches the handlers behind authentication.
 * Nothing leaves 127.0.0.1.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "aws/sigv4.h"
#include "fuzz_util.h"
#include "sim/sim.h"

#define T0       1795000000.0
#define AKID     "AKIAIOSFODNN7EXAMPLE"
#define SECRET   "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define MAX_HDRS 16

/* Sends req (len bytes) to 127.0.0.1:port, closes the sending side and reads the answer to
 * the end (or a 10 s receive timeout, which only a hung server reaches). */
static void
exchange(int port, const char *req, size_t len)
{
    struct sockaddr_in sa = { 0 };
    struct timeval tv = { .tv_sec = 10 };
    char buf[4096];
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        abort();
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        abort();
    for (size_t off = 0; off < len;) {
        ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);

        if (w <= 0)
            break; /* the server may refuse a request before reading all of it */
        off += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    for (bool first = true; recv(fd, buf, sizeof(buf) - 1, 0) > 0; first = false) {
        /* SBX_FUZZ_DEBUG=1 shows each answer's status line, to check what inputs reach. */
        if (first && getenv("SBX_FUZZ_DEBUG") != NULL)
            fprintf(stderr, "fuzz: %.*s\n", (int)strcspn(buf, "\r\n"), buf);
    }
    close(fd);
}

/* Builds a signed request from the structured form (see the top of the file). */
static char *
signed_request(char *text, size_t *len_out)
{
    struct sigv4_header hdrs[MAX_HDRS + 3];
    struct sigv4_request req = { 0 };
    struct sigv4_params p = { 0 };
    struct sigv4_result res = { 0 };
    struct sbx_err err = { 0 };
    char *rest = text, *line, *out = NULL;
    const char *path = "/", *target;
    size_t n = 0, cap, body_len;
    bool sts = false;
    int off;

    target = fz_line(&rest);
    if (target == NULL)
        target = "";
    if (strncmp(target, "/__sim/", 7) == 0)
        path = target;
    else if (strcmp(target, "sts") == 0)
        sts = true;
    hdrs[n++] = (struct sigv4_header){ "Host", "127.0.0.1" };
    hdrs[n++] = (struct sigv4_header){ "Content-Type", sts ? "application/x-www-form-urlencoded"
                                                           : "application/x-amz-json-1.1" };
    if (!sts && path[1] == '\0')
        hdrs[n++] = (struct sigv4_header){ "X-Amz-Target", target };
    while ((line = fz_line(&rest)) != NULL && *line != '\0' && n < MAX_HDRS) {
        char *colon = strchr(line, ':');

        if (colon == NULL || colon == line || strpbrk(line, "\r") != NULL)
            continue;
        *colon = '\0';
        hdrs[n++] = (struct sigv4_header){ line, colon + 1 };
    }
    body_len = strlen(rest);
    req.method = "POST";
    req.path = path;
    req.headers = hdrs;
    req.nheaders = n;
    req.body = rest;
    req.body_len = body_len;
    p.access_key_id = AKID;
    p.secret_access_key = SECRET;
    p.region = "us-east-1";
    p.service = sts ? "sts" : "organizations";
    p.time = (int64_t)T0;
    p.normalize_path = true;
    if (sigv4_sign(&req, &p, &res, &err) != 0)
        return NULL;
    cap = 512 + strlen(path) + strlen(res.authorization) + body_len;
    for (size_t i = 0; i < n; i++)
        cap += strlen(hdrs[i].name) + strlen(hdrs[i].value) + 4;
    out = malloc(cap);
    if (out == NULL)
        abort();
    off = snprintf(out, cap, "POST %s HTTP/1.1\r\n", path);
    for (size_t i = 0; i < n; i++)
        off += snprintf(out + off, cap - (size_t)off, "%s:%s\r\n", hdrs[i].name, hdrs[i].value);
    off += snprintf(out + off, cap - (size_t)off,
                    "X-Amz-Date: %s\r\nAuthorization: %s\r\nContent-Length: %zu\r\n"
                    "Connection: close\r\n\r\n",
                    res.amz_date, res.authorization, body_len);
    memcpy(out + off, rest, body_len);
    *len_out = (size_t)off + body_len;
    sigv4_result_release(&res);
    return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sim_opts o;
    struct sim *s = NULL;
    struct sim_server *srv = NULL;
    struct sbx_err err = { 0 };
    char *text;

    if (size < 1)
        return 0;
    sim_opts_init(&o);
    o.access_key_id = AKID;
    o.secret_access_key = SECRET;
    o.fixed_clock = true;
    o.start_time = T0;
    o.seed = 1;
    o.seeded = true;
    if (sim_new(&o, &s, &err) != 0 ||
        sim_server_start(s, NULL, "127.0.0.1:0", NULL, NULL, &srv, &err) != 0) {
        fprintf(stderr, "fuzz: cannot start the simulator: %s\n", err.msg);
        abort();
    }
    text = fz_strndup(data + 1, size - 1);
    if (data[0] % 2 == 0) {
        exchange(sim_server_port(srv), text, size - 1);
    } else {
        size_t len = 0;
        char *req = signed_request(text, &len);

        if (req != NULL)
            exchange(sim_server_port(srv), req, len);
        free(req);
    }
    free(text);
    sim_server_stop(srv);
    sim_free(s);
    return 0;
}
