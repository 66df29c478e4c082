/*
 * sim_http.c -- the simulator's HTTP front end on libmicrohttpd: request bodies, SigV4
 * verification against the configured keys, routing (JSON 1.1 by X-Amz-Target, STS by form
 * body, admin under /__sim/), injected latency and dropped connections, persistence after
 * every mutating request.
 *
 * Threading: libmicrohttpd's internal epoll with a pool of POOL_THREADS threads, so an idle
 * connection costs a socket, not a thread; at most PER_PEER_CONNS connections per client
 * address and MAX_CONNS in all (fewer if the descriptor limit is lower), each closed after
 * IDLE_TIMEOUT seconds without traffic: idle clients cannot starve the others. One mutex
 * guards the organization; the expensive part of a request, recomputing the SigV4 signature,
 * runs outside it, so two cores serve two requests at once.
 *
 * The admin API (/__sim/) answers loopback peers only (127.0.0.0/8, ::1), unless the
 * simulator has an admin token: then every peer must present "Authorization: Bearer TOKEN".
 * GET /__sim/clock stays open to all: clients following the clock read it without a token,
 * and it discloses nothing but the time. Bodies over MAX_BODY are answered 413.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "aws/sigv4.h"
#include "sim/sim_int.h"
#include "util/clock.h"
#include "util/grow.h"

#define MAX_BODY       (1024 * 1024)
#define POOL_THREADS   16   /* requests served at once (a latency fault holds one) */
#define MAX_CONNS      1000 /* connections in all */
#define PER_PEER_CONNS 128  /* connections from one client address */
#define IDLE_TIMEOUT   30   /* seconds a connection may stay silent */
#define MAX_HEADERS    64
#define TARGET_PREFIX  "AWSOrganizationsV20161128."
#define SSO_PREFIX     "SWBExternalService."
#define IDS_PREFIX     "AWSIdentityStore."
#define BUDGETS_PREFIX "AWSBudgetServiceGateway."
#define CE_PREFIX      "AWSInsightsIndexService."
#define SKEW_LIMIT     900.0 /* 15 minutes */
#define MSG_BAD_SIG \
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
#define MSG_BAD_TOKEN "The security token included in the request is invalid."
#define MSG_EXPIRED   "The security token included in the request is expired"

struct sim_server {
    struct MHD_Daemon *d;
    struct sim *s;
    struct sim_store *st;
    pthread_mutex_t lock;
    int port;
    char save_error[512]; /* last persistence failure, for the command to report */
    void (*log)(void *arg, const char *line); /* one line per request, or NULL */
    void *log_arg;
};

struct conn_ctx {
    char *body;
    size_t len, cap;
    bool too_big;
};

struct hdrs {
    struct sigv4_header v[MAX_HEADERS];
    size_t n;
};

static enum MHD_Result
collect_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct hdrs *h = cls;

    (void)kind;
    if (h->n < MAX_HEADERS) {
        h->v[h->n].name = key;
        h->v[h->n].value = value != NULL ? value : "";
        h->n++;
    }
    return MHD_YES;
}

static const char *
hdr_get(const struct hdrs *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++) {
        if (strcasecmp(h->v[i].name, name) == 0)
            return h->v[i].value;
    }
    return NULL;
}

/* Persists after a mutating request; called with the lock held. */
static void
persist(struct sim_server *srv)
{
    struct sbx_err err = { 0 };

    if (srv->st != NULL && sim_store_save(srv->st, srv->s, &err) != 0)
        snprintf(srv->save_error, sizeof(srv->save_error), "%s", err.msg);
}

/* "20150830T123600Z" -> epoch seconds, or -1 (days-from-civil, no timegm needed). */
static double
parse_amz_date(const char *v)
{
    int y, mo, d, h, mi, se;
    long era, yoe, doy, doe, days;
    char z;

    if (v == NULL || strlen(v) != 16 ||
        sscanf(v, "%4d%2d%2dT%2d%2d%2d%c", &y, &mo, &d, &h, &mi, &se, &z) != 7 || z != 'Z' ||
        mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    y -= mo <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    days = era * 146097 + doe - 719468;
    return (double)days * 86400.0 + h * 3600 + mi * 60 + se;
}

/* Maps sim_reply_error()'s result to authenticate()'s: 1 = answered with an error, -1 = OOM. */
static int
reply_fail(int rc)
{
    return rc != 0 ? -1 : 1;
}

/*
 * Authenticates a request per SigV4 (AWS-ORGANIZATIONS.md section 4) and fills caller. On
 * failure fills r with AWS's error for the protocol (json: JSON 1.1 codes; else STS codes) and
 * returns 1; returns -1 when out of memory, 0 on success.
 *
 * Clock skew: clients sign with their own (real) clock, but the simulator's clock may run
 * faster or have been advanced by days, and a client following the simulator's clock
 * (aws.follow_sim_clock) may sign with simulated time. A signature is therefore accepted when
 * X-Amz-Date is within 15 minutes of EITHER the real wall clock or the simulated clock;
 * outside both it is rejected as expired, exactly as AWS rejects a skewed client.
 */
/* The signing name a request must be scoped to, from its X-Amz-Target (NULL: STS). */
static const char *
service_of(const char *target)
{
    if (target == NULL)
        return "sts";
    if (strncmp(target, SSO_PREFIX, strlen(SSO_PREFIX)) == 0)
        return "sso";
    if (strncmp(target, IDS_PREFIX, strlen(IDS_PREFIX)) == 0)
        return "identitystore";
    if (strncmp(target, CE_PREFIX, strlen(CE_PREFIX)) == 0)
        return "ce";
    if (strncmp(target, BUDGETS_PREFIX, strlen(BUDGETS_PREFIX)) == 0)
        return "budgets";
    return "organizations";
}

static int
authenticate(struct sim_server *srv, const struct hdrs *h, const char *method, const char *url,
             const struct conn_ctx *cc, bool json, const char *service, struct sim_caller *caller,
             struct sim_reply *r)
{
    const char *authz = hdr_get(h, "Authorization"), *date = hdr_get(h, "X-Amz-Date");
    const char *token = hdr_get(h, "X-Amz-Security-Token");
    struct sigv4_auth auth;
    struct sigv4_request req = { 0 };
    struct sbx_err err = { 0 };
    enum sim_auth_result ar;
    char secret[256], amz[32], limit[32], now_s[32];
    int64_t signed_time = 0;
    double t, wall, simnow;
    int rc = 1;

    if (authz == NULL)
        return sim_reply_error(srv->s, r, json, 403,
                               json ? "MissingAuthenticationTokenException"
                                    : "MissingAuthenticationToken",
                               NULL, "Missing Authentication Token") != 0
                       ? -1
                       : 1;
    if (sigv4_parse_authorization(authz, &auth, &err) != 0)
        return sim_reply_error(srv->s, r, json, 400,
                               json ? "IncompleteSignatureException" : "IncompleteSignature", NULL,
                               "%s", err.msg) != 0
                       ? -1
                       : 1;
    t = parse_amz_date(date);
    if (t < 0)
        return sim_reply_error(srv->s, r, json, 400,
                               json ? "IncompleteSignatureException" : "IncompleteSignature", NULL,
                               "Authorization header requires existence of either a "
                               "'X-Amz-Date' or a 'Date' header.") != 0
                       ? -1
                       : 1;
    if (strcmp(auth.service, service) != 0)
        return sim_reply_error(srv->s, r, json, 403,
                               json ? "InvalidSignatureException" : "SignatureDoesNotMatch", NULL,
                               "Credential should be scoped to correct service: '%s'. ",
                               service) != 0
                       ? -1
                       : 1;
    if (strncmp(auth.date, date, 8) != 0)
        return sim_reply_error(srv->s, r, json, 403,
                               json ? "InvalidSignatureException" : "SignatureDoesNotMatch", NULL,
                               "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                               "version of date from HTTP: '%s' != '%.8s', from '%s'.",
                               auth.date, date, date) != 0
                       ? -1
                       : 1;
    pthread_mutex_lock(&srv->lock);
    ar = sim_auth_lookup(srv->s, auth.access_key_id, token, secret, sizeof(secret), caller);
    simnow = sim_now(srv->s);
    pthread_mutex_unlock(&srv->lock);
    if (ar == SIM_AUTH_UNKNOWN_KEY || ar == SIM_AUTH_BAD_TOKEN) {
        rc = reply_fail(sim_reply_error(
                srv->s, r, json, 403, json ? "UnrecognizedClientException" : "InvalidClientTokenId",
                NULL, MSG_BAD_TOKEN));
        goto out;
    }
    if (ar == SIM_AUTH_EXPIRED) {
        rc = reply_fail(sim_reply_error(srv->s, r, json, json ? 400 : 403,
                                        json ? "ExpiredTokenException" : "ExpiredToken", NULL,
                                        MSG_EXPIRED));
        goto out;
    }
    req.method = method;
    req.path = url;
    req.query = NULL;
    req.headers = h->v;
    req.nheaders = h->n;
    req.body = cc->body != NULL ? cc->body : "";
    req.body_len = cc->len;
    if (sigv4_verify(&req, &auth, secret, &signed_time, &err) != 0) {
        rc = reply_fail(sim_reply_error(
                srv->s, r, json, 403, json ? "InvalidSignatureException" : "SignatureDoesNotMatch",
                NULL, MSG_BAD_SIG));
        goto out;
    }
    wall = clock_wall();
    if (fabs(t - wall) > SKEW_LIMIT && fabs(t - simnow) > SKEW_LIMIT) {
        bool early = t < wall;

        sim_amz_date(t, amz, sizeof(amz));
        sim_amz_date(wall, now_s, sizeof(now_s));
        sim_amz_date(early ? wall - SKEW_LIMIT : wall + SKEW_LIMIT, limit, sizeof(limit));
        if (early)
            rc = reply_fail(sim_reply_error(
                    srv->s, r, json, json ? 400 : 403,
                    json ? "InvalidSignatureException" : "SignatureDoesNotMatch", NULL,
                    "Signature expired: %s is now earlier than %s (%s - 15 min.)", amz, limit,
                    now_s));
        else
            rc = reply_fail(sim_reply_error(
                    srv->s, r, json, json ? 400 : 403,
                    json ? "InvalidSignatureException" : "SignatureDoesNotMatch", NULL,
                    "Signature not yet current: %s is still later than %s (%s + "
                    "15 min.)",
                    amz, limit, now_s));
        goto out;
    }
    rc = 0;
out:
    OPENSSL_cleanse(secret, sizeof(secret));
    return rc;
}

static enum MHD_Result
respond(struct MHD_Connection *conn, const struct sim_reply *r)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    resp = MHD_create_response_from_buffer(r->len, r->body != NULL ? r->body : (void *)"",
                                           MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type",
                            r->content_type != NULL ? r->content_type : "application/json");
    MHD_add_response_header(resp, "x-amzn-RequestId", r->request_id);
    ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result
respond_oom(struct MHD_Connection *conn)
{
    static const char body[] = "{\"__type\":\"ServiceException\",\"Message\":\"out of memory\"}";
    struct sim_reply r = { 0 };

    r.status = 500;
    r.content_type = "application/x-amz-json-1.1";
    r.body = (char *)body;
    r.len = sizeof(body) - 1;
    sim_request_id(r.request_id);
    return respond(conn, &r);
}

static void
sleep_ms(int ms)
{
    struct timespec ts;

    if (ms <= 0)
        return;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Copies into out the JSON string member key of body (or the XML element <key>). */
static void
scrape(const char *body, const char *key, bool xml, char *out, size_t n)
{
    char pat[64];
    const char *p, *end;

    out[0] = '\0';
    if (body == NULL)
        return;
    snprintf(pat, sizeof(pat), xml ? "<%s>" : "\"%s\":\"", key);
    p = strstr(body, pat);
    if (p == NULL)
        return;
    p += strlen(pat);
    end = strchr(p, xml ? '<' : '"');
    if (end != NULL)
        snprintf(out, n, "%.*s", (int)(end - p), p);
}

/* Logs "STATUS WHAT [ErrorType [(Reason)]]" for one request when logging is on. */
static void
log_request(struct sim_server *srv, const char *what, const struct sim_reply *r)
{
    char type[80], reason[80], line[320];
    bool xml = r->content_type != NULL && strcmp(r->content_type, "text/xml") == 0;

    if (srv->log == NULL)
        return;
    type[0] = reason[0] = '\0';
    if (r->status >= 400) {
        scrape(r->body, xml ? "Code" : "__type", xml, type, sizeof(type));
        scrape(r->body, "Reason", false, reason, sizeof(reason));
    }
    if (r->drop)
        snprintf(line, sizeof(line), "%s: executed, connection dropped (fault)", what);
    else
        snprintf(line, sizeof(line), "%d %s%s%s%s%s%s", r->status, what, type[0] ? " " : "", type,
                 reason[0] ? " (" : "", reason, reason[0] ? ")" : "");
    srv->log(srv->log_arg, line);
}

bool
sim_peer_is_loopback(const struct sockaddr *sa)
{
    if (sa == NULL)
        return false;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        const unsigned char *b = in6->sin6_addr.s6_addr;

        if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
            return true;
        /* ::ffff:127.x.y.z, an IPv4 loopback peer on a dual-stack socket */
        return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && b[12] == 127;
    }
    return false;
}

enum sim_admin_access
sim_admin_access(const struct sockaddr *peer, const char *token, const char *authorization,
                 const char *method, const char *path)
{
    size_t n;

    if (strcmp(method, "GET") == 0 && strcmp(path, "/__sim/clock") == 0)
        return SIM_ADMIN_ALLOW;
    if (token == NULL)
        return sim_peer_is_loopback(peer) ? SIM_ADMIN_ALLOW : SIM_ADMIN_NOT_LOOPBACK;
    if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0)
        return SIM_ADMIN_NO_TOKEN;
    authorization += 7;
    n = strlen(token);
    if (strlen(authorization) != n || CRYPTO_memcmp(authorization, token, n) != 0)
        return SIM_ADMIN_BAD_TOKEN;
    return SIM_ADMIN_ALLOW;
}

/* Answers a refused admin request (403 for a non-loopback peer, 401 for a missing or wrong
 * token), without touching the organization. */
static enum MHD_Result
refuse_admin(struct sim_server *srv, struct MHD_Connection *conn, const char *what,
             enum sim_admin_access a)
{
    static const char not_loopback[] =
            "{\"error\":\"the admin API answers loopback peers only; start the simulator "
            "with an admin token (--admin-token) to serve it to others\"}";
    static const char no_token[] =
            "{\"error\":\"the admin API needs \\\"Authorization: Bearer TOKEN\\\" with the "
            "simulator's admin token\"}";
    static const char bad_token[] = "{\"error\":\"wrong admin token\"}";
    struct sim_reply r = { 0 };
    struct MHD_Response *resp;
    enum MHD_Result ret;

    r.status = a == SIM_ADMIN_NOT_LOOPBACK ? 403 : 401;
    r.content_type = "application/json";
    r.body = (char *)(a == SIM_ADMIN_NOT_LOOPBACK ? not_loopback
                      : a == SIM_ADMIN_NO_TOKEN   ? no_token
                                                  : bad_token);
    r.len = strlen(r.body);
    sim_request_id(r.request_id);
    log_request(srv, what, &r);
    resp = MHD_create_response_from_buffer(r.len, r.body, MHD_RESPMEM_PERSISTENT);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", r.content_type);
    MHD_add_response_header(resp, "x-amzn-RequestId", r.request_id);
    if (r.status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"sandboxctl-sim\"");
    ret = MHD_queue_response(conn, (unsigned)r.status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result
serve_admin(struct sim_server *srv, struct MHD_Connection *conn, const char *url,
            const char *method, const struct conn_ctx *cc)
{
    const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    enum sim_admin_access access;
    struct sim_reply r;
    enum MHD_Result ret;
    char what[300];
    int rc;

    snprintf(what, sizeof(what), "%s %s", method, url);
    access = sim_admin_access(ci != NULL ? ci->client_addr : NULL, sim_admin_token(srv->s),
                              MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"),
                              method, url);
    if (access != SIM_ADMIN_ALLOW)
        return refuse_admin(srv, conn, what, access);
    if (cc->too_big) {
        memset(&r, 0, sizeof(r));
        sim_request_id(r.request_id);
        rc = sim_admin_too_big(&r, MAX_BODY);
    } else {
        pthread_mutex_lock(&srv->lock);
        rc = sim_admin_call(srv->s, method, url, cc->body, cc->len, &r);
        if (rc == 0 && r.mutated)
            persist(srv);
        pthread_mutex_unlock(&srv->lock);
    }
    if (rc != 0)
        return respond_oom(conn);
    log_request(srv, what, &r);
    ret = respond(conn, &r);
    sim_reply_release(&r);
    return ret;
}

static enum MHD_Result
serve_aws(struct sim_server *srv, struct MHD_Connection *conn, const char *url, const char *method,
          const struct conn_ctx *cc)
{
    struct hdrs h = { .n = 0 };
    struct sim_caller caller;
    struct sim_reply r;
    const char *target;
    bool json;
    int rc;

    memset(&r, 0, sizeof(r));
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, &h);
    target = hdr_get(&h, "X-Amz-Target");
    json = target != NULL;
    if (cc->too_big) {
        rc = sim_reply_error(srv->s, &r, json, 413,
                             json ? "SerializationException" : "RequestEntityTooLarge", NULL,
                             "Request body larger than %d bytes", MAX_BODY);
        goto answer;
    }
    rc = authenticate(srv, &h, method, url, cc, json, service_of(json ? target : NULL), &caller,
                      &r);
    if (rc != 0)
        goto answer;
    if (strcmp(method, "POST") != 0) {
        rc = sim_reply_error(srv->s, &r, json, 400,
                             json ? "UnknownOperationException" : "InvalidAction", NULL,
                             "Only POST requests are supported");
        goto answer;
    }
    pthread_mutex_lock(&srv->lock);
    if (json && strncmp(target, SSO_PREFIX, strlen(SSO_PREFIX)) == 0)
        rc = sim_idc_call(srv->s, false, target + strlen(SSO_PREFIX), cc->body, cc->len, &caller,
                          &r);
    else if (json && strncmp(target, IDS_PREFIX, strlen(IDS_PREFIX)) == 0)
        rc = sim_idc_call(srv->s, true, target + strlen(IDS_PREFIX), cc->body, cc->len, &caller,
                          &r);
    else if (json && strncmp(target, CE_PREFIX, strlen(CE_PREFIX)) == 0)
        rc = sim_ce_call(srv->s, target + strlen(CE_PREFIX), cc->body, cc->len, &caller, &r);
    else if (json && strncmp(target, BUDGETS_PREFIX, strlen(BUDGETS_PREFIX)) == 0)
        rc = sim_budgets_call(srv->s, target + strlen(BUDGETS_PREFIX), cc->body, cc->len, &caller,
                              &r);
    else if (json && strncmp(target, TARGET_PREFIX, strlen(TARGET_PREFIX)) != 0)
        rc = sim_orgs_call(srv->s, "", cc->body, cc->len, &caller, &r);
    else if (json)
        rc = sim_orgs_call(srv->s, target + strlen(TARGET_PREFIX), cc->body, cc->len, &caller, &r);
    else
        rc = sim_sts_call(srv->s, cc->body != NULL ? cc->body : "", cc->len, &caller, &r);
    if (rc == 0 && r.mutated)
        persist(srv);
    pthread_mutex_unlock(&srv->lock);
answer:
    if (rc < 0)
        return respond_oom(conn);
    {
        char what[160];

        snprintf(what, sizeof(what), "%s",
                 !json ? "sts"
                 : strncmp(target, TARGET_PREFIX, strlen(TARGET_PREFIX)) == 0
                         ? target + strlen(TARGET_PREFIX)
                 : strncmp(target, CE_PREFIX, strlen(CE_PREFIX)) == 0 ? target + strlen(CE_PREFIX)
                 : strncmp(target, BUDGETS_PREFIX, strlen(BUDGETS_PREFIX)) == 0
                         ? target + strlen(BUDGETS_PREFIX)
                         : target);
        log_request(srv, what, &r);
    }
    sleep_ms(r.latency_ms);
    if (r.drop) {
        /* Returning MHD_NO closes the connection without an answer. */
        sim_reply_release(&r);
        return MHD_NO;
    }
    {
        enum MHD_Result ret = respond(conn, &r);

        sim_reply_release(&r);
        return ret;
    }
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
       const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    struct sim_server *srv = cls;
    struct conn_ctx *cc = *con_cls;

    (void)version;
    if (cc == NULL) {
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");

        cc = calloc(1, sizeof(*cc));
        if (cc == NULL)
            return MHD_NO;
        *con_cls = cc;
        /* A body announced over the limit is refused before it is read (413). */
        if (cl == NULL || strtoull(cl, NULL, 10) <= MAX_BODY)
            return MHD_YES;
        cc->too_big = true;
    } else if (*upload_data_size > 0) {
        size_t n = *upload_data_size;

        if (!cc->too_big && cc->len + n > MAX_BODY) {
            cc->too_big = true;
        } else if (!cc->too_big) {
            if (grow_bytes(&cc->body, &cc->cap, cc->len + n + 1, 4096) != 0)
                return MHD_NO;
            memcpy(cc->body + cc->len, upload_data, n);
            cc->len += n;
            cc->body[cc->len] = '\0';
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (strncmp(url, "/__sim/", 7) == 0)
        return serve_admin(srv, conn, url, method, cc);
    return serve_aws(srv, conn, url, method, cc);
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
          enum MHD_RequestTerminationCode toe)
{
    struct conn_ctx *cc = *con_cls;

    (void)cls;
    (void)conn;
    (void)toe;
    if (cc != NULL) {
        free(cc->body);
        free(cc);
        *con_cls = NULL;
    }
}

/* MAX_CONNS, or fewer when the descriptor limit (raised to its hard limit first) would run
 * out before: a connection refused at the limit is better than accept() failing. */
static unsigned
conn_limit(void)
{
    struct rlimit rl;
    rlim_t room;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 200;
    if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < MAX_CONNS + 128) {
        rl.rlim_cur = rl.rlim_max < MAX_CONNS + 128 ? rl.rlim_max : MAX_CONNS + 128;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            (void)getrlimit(RLIMIT_NOFILE, &rl);
    }
    /* Reserve descriptors for the state file, the pool's epoll and pipes, stdio. */
    room = rl.rlim_cur > 64 + POOL_THREADS * 4 ? rl.rlim_cur - 64 - POOL_THREADS * 4 : 16;
    return room < MAX_CONNS ? (unsigned)room : MAX_CONNS;
}

static int
parse_listen(const char *listen, struct sockaddr_in *sa, struct sbx_err *err)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    char *end;
    long port;

    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    if (colon == NULL) {
        snprintf(host, sizeof(host), "127.0.0.1");
        colon = listen - 1;
    } else {
        size_t n = (size_t)(colon - listen);

        if (n == 0 || n >= sizeof(host)) {
            snprintf(host, sizeof(host), "127.0.0.1");
        } else {
            memcpy(host, listen, n);
            host[n] = '\0';
        }
    }
    port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535) {
        sbx_err_set(err, SBX_E_USAGE, "invalid listen address '%s': expected HOST:PORT", listen);
        return -1;
    }
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        sbx_err_set(err, SBX_E_USAGE, "invalid listen address '%s': '%s' is not an IPv4 address",
                    listen, host);
        return -1;
    }
    sa->sin_port = htons((uint16_t)port);
    return 0;
}

int
sim_server_start(struct sim *s, struct sim_store *st, const char *listen,
                 void (*log)(void *arg, const char *line), void *log_arg, struct sim_server **out,
                 struct sbx_err *err)
{
    struct sim_server *srv;
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *info;

    *out = NULL;
    if (parse_listen(listen, &sa, err) != 0)
        return -1;
    srv = sbx_calloc(1, sizeof(*srv), err);
    if (srv == NULL)
        return -1;
    srv->s = s;
    srv->st = st;
    srv->log = log;
    srv->log_arg = log_arg;
    pthread_mutex_init(&srv->lock, NULL);
    srv->d = MHD_start_daemon(
            MHD_USE_EPOLL_INTERNAL_THREAD, 0, NULL, NULL, handle, srv, MHD_OPTION_SOCK_ADDR,
            (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)POOL_THREADS, MHD_OPTION_CONNECTION_LIMIT,
            conn_limit(), MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_PEER_CONNS,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT, MHD_OPTION_LISTEN_BACKLOG_SIZE,
            (unsigned)256, MHD_OPTION_END);
    if (srv->d == NULL) {
        sbx_err_set(err, SBX_E_IO, "cannot listen on %s (address in use or not available)", listen);
        pthread_mutex_destroy(&srv->lock);
        free(srv);
        return -1;
    }
    info = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info != NULL ? info->port : ntohs(sa.sin_port);
    *out = srv;
    return 0;
}

int
sim_server_port(const struct sim_server *srv)
{
    return srv->port;
}

void
sim_server_address(const struct sim_server *srv, char *buf, size_t n)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_LISTEN_FD);
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    char host[INET_ADDRSTRLEN];

    if (info == NULL || getsockname(info->listen_fd, (struct sockaddr *)&sa, &len) != 0 ||
        sa.sin_family != AF_INET || inet_ntop(AF_INET, &sa.sin_addr, host, sizeof(host)) == NULL) {
        snprintf(buf, n, "?:%d", srv->port);
        return;
    }
    snprintf(buf, n, "%s:%d", host, ntohs(sa.sin_port));
}

int
sim_server_save(struct sim_server *srv, struct sbx_err *err)
{
    int rc = 0;

    pthread_mutex_lock(&srv->lock);
    if (srv->st != NULL)
        rc = sim_store_save(srv->st, srv->s, err);
    pthread_mutex_unlock(&srv->lock);
    return rc;
}

int
sim_server_check(struct sim_server *srv, struct sbx_err *err)
{
    int rc = 0;

    pthread_mutex_lock(&srv->lock);
    if (srv->save_error[0] != '\0') {
        sbx_err_set(err, SBX_E_STORE, "%s", srv->save_error);
        srv->save_error[0] = '\0';
        rc = -1;
    }
    pthread_mutex_unlock(&srv->lock);
    return rc;
}

void
sim_server_stop(struct sim_server *srv)
{
    if (srv == NULL)
        return;
    MHD_stop_daemon(srv->d);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
}
