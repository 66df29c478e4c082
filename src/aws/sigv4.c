/*
 * sigv4.c -- AWS Signature Version 4 (header form): signer and server-side verifier.
 *
 * Design: one canonicaliser serves both sides. sigv4_sign() feeds it every header of the
 * request (plus X-Amz-Date and the session token it adds) minus the hop-by-hop headers
 * botocore never signs; sigv4_verify() feeds it only the headers the Authorization header
 * names. Everything after the canonical request (string to sign, key chain, signature) is
 * shared. Follows AWS-ORGANIZATIONS.md section 4.1; tests/data/sigv4/ (aws-c-auth v4 suite)
 * pins every step byte for byte.
 *
 * Pure code: the time is an argument, nothing is read from the clock, the environment or
 * the network. Key material ("AWS4"+secret and every derived key) lives in local buffers
 * that are wiped with OPENSSL_cleanse before return.
 */
#include "aws/sigv4.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/duration.h"
#include "util/grow.h"
#include "util/text.h"

#define SIGV4_ALGORITHM  "AWS4-HMAC-SHA256"
#define SIGV4_TERMINATOR "aws4_request"

/* A growable string; any failed append sets oom and later appends do nothing. */
struct buf {
    char *p;
    size_t len, cap;
    bool oom;
};

/* One header as the canonicaliser sees it: lowercase name, trimmed and collapsed value. */
struct canon_hdr {
    char *name;
    char *value;
    size_t order; /* position in the input, so equal names keep their order when sorted */
};

/* One query parameter, both halves already URI-encoded. */
struct query_param {
    char *name;
    char *value;
};

static void auth_error(struct sbx_err *err, const char *fmt, ...) SBX_PRINTF(2, 3);

/* Headers botocore never signs: proxies and libcurl may add, drop or rewrite them. */
static const char *const unsigned_headers[] = {
    "authorization",
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "x-amzn-trace-id",
};

static void
buf_reserve(struct buf *b, size_t extra)
{
    size_t need;

    if (b->oom)
        return;
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = true;
        return;
    }
    need = b->len + extra + 1;
    if (grow_bytes(&b->p, &b->cap, need, 256) != 0)
        b->oom = true;
}

static void
buf_addn(struct buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    if (b->oom)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void
buf_add(struct buf *b, const char *s)
{
    buf_addn(b, s, strlen(s));
}

static void
buf_addc(struct buf *b, char c)
{
    buf_addn(b, &c, 1);
}

/* Returns the finished string (never NULL unless oom) and resets b; the caller frees. */
static char *
buf_take(struct buf *b)
{
    char *p;

    if (!b->oom && b->p == NULL)
        buf_reserve(b, 0);
    if (b->oom) {
        free(b->p);
        *b = (struct buf){ 0 };
        return NULL;
    }
    b->p[b->len] = '\0';
    p = b->p;
    *b = (struct buf){ 0 };
    return p;
}

static void
buf_release(struct buf *b)
{
    free(b->p);
    *b = (struct buf){ 0 };
}

static bool
is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static char
ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive ASCII comparison (header names), independent of the locale. */
static int
ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = ascii_lower(*a), y = ascii_lower(*b);

        if (x != y || x == '\0')
            return (unsigned char)x - (unsigned char)y;
    }
}

static void
hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * n] = '\0';
}

/* An HTTP token (RFC 9110 tchar), the only bytes a header name may hold. */
static bool
is_token(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              strchr("!#$%&'*+-.^_`|~", c) != NULL))
            return false;
    }
    return true;
}

static void
uri_encode_into(struct buf *b, const char *src, size_t len, bool keep_slash)
{
    static const char digits[] = "0123456789ABCDEF";

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];

        if (is_unreserved(c) || (keep_slash && c == '/')) {
            buf_addc(b, (char)c);
        } else {
            char esc[3] = { '%', digits[c >> 4], digits[c & 0x0f] };

            buf_addn(b, esc, sizeof(esc));
        }
    }
}

char *
sigv4_uri_encode(const char *src, size_t len, bool keep_slash)
{
    struct buf b = { 0 };

    uri_encode_into(&b, src, len, keep_slash);
    return buf_take(&b);
}

static int
sha256_raw(const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 0;

    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return -1;
    return 0;
}

void
sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];

    if (sha256_raw(data == NULL ? "" : data, len, md) != 0) {
        out[0] = '\0';
        return;
    }
    hex_encode(md, sizeof(md), out);
}

static int
hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 0;

    if (key_len > INT32_MAX)
        return -1;
    if (HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &n) == NULL || n != 32)
        return -1;
    return 0;
}

/*
 * Appends the canonical URI of path: optionally with dot segments removed and empty segments
 * dropped (RFC 3986 section 5.2.4 plus "//" collapsing), then every segment URI-encoded.
 * The path is encoded exactly once here; callers pass the path as it goes on the wire, which
 * yields AWS's "double encoding" for pre-encoded paths.
 */
static int
canonical_uri(struct buf *b, const char *path, bool normalize)
{
    const char **segs = NULL;
    size_t *lens = NULL, nseg = 0, cap = 1;
    const char *p;
    bool trailing = false;

    if (path == NULL || *path == '\0')
        path = "/";
    if (!normalize) {
        if (*path != '/')
            buf_addc(b, '/');
        uri_encode_into(b, path, strlen(path), true);
        return b->oom ? -1 : 0;
    }
    for (p = path; *p != '\0'; p++)
        cap += *p == '/';
    segs = calloc(cap, sizeof(*segs));
    lens = calloc(cap, sizeof(*lens));
    if (segs == NULL || lens == NULL) {
        free(segs);
        free(lens);
        return -1;
    }
    p = path;
    while (*p != '\0') {
        const char *slash = strchr(p, '/');
        size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);

        /* A path ending in "/", "/." or "/.." keeps its trailing slash (RFC 3986 5.2.4). */
        trailing = slash != NULL;
        if (n == 0) {
            /* "//" and the leading "/" contribute no segment */
        } else if (n == 1 && p[0] == '.') {
            trailing = true;
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (nseg > 0)
                nseg--;
            trailing = true;
        } else {
            segs[nseg] = p;
            lens[nseg] = n;
            nseg++;
        }
        p += n;
        if (*p == '/')
            p++;
    }
    buf_addc(b, '/');
    for (size_t i = 0; i < nseg; i++) {
        uri_encode_into(b, segs[i], lens[i], false);
        if (i + 1 < nseg || trailing)
            buf_addc(b, '/');
    }
    free(segs);
    free(lens);
    return b->oom ? -1 : 0;
}

static int
query_param_cmp(const void *a, const void *b)
{
    const struct query_param *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    return c != 0 ? c : strcmp(x->value, y->value);
}

/* Appends the canonical query string: parameters decoded then encoded, sorted by name then
 * value, "name=value" joined with '&' ("k=" for a key without value). */
static int
canonical_query(struct buf *b, const char *query)
{
    struct query_param *params = NULL;
    size_t n = 0, cap = 1;
    const char *p;
    int rc = -1;

    if (query == NULL || *query == '\0')
        return 0;
    for (p = query; *p != '\0'; p++)
        cap += *p == '&';
    params = calloc(cap, sizeof(*params));
    if (params == NULL)
        return -1;
    p = query;
    for (;;) {
        const char *amp = strchr(p, '&');
        size_t len = amp != NULL ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t nlen = eq != NULL ? (size_t)(eq - p) : len, dlen;
        char *dec;

        if (len > 0) {
            dec = text_percent_decode(p, nlen, false, &dlen);
            if (dec == NULL)
                goto out;
            params[n].name = sigv4_uri_encode(dec, dlen, false);
            free(dec);
            if (eq != NULL)
                dec = text_percent_decode(eq + 1, len - nlen - 1, false, &dlen);
            else
                dec = text_percent_decode("", 0, false, &dlen);
            if (dec == NULL) {
                free(params[n].name);
                goto out;
            }
            params[n].value = sigv4_uri_encode(dec, dlen, false);
            free(dec);
            n++;
            if (params[n - 1].name == NULL || params[n - 1].value == NULL)
                goto out;
        }
        if (amp == NULL)
            break;
        p = amp + 1;
    }
    qsort(params, n, sizeof(*params), query_param_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf_addc(b, '&');
        buf_add(b, params[i].name);
        buf_addc(b, '=');
        buf_add(b, params[i].value);
    }
    rc = b->oom ? -1 : 0;
out:
    for (size_t i = 0; i < n; i++) {
        free(params[i].name);
        free(params[i].value);
    }
    free(params);
    return rc;
}

/* Trims value and collapses every internal run of whitespace (folded lines included) into
 * one space. Returns a heap string or NULL on out of memory. */
static char *
canonical_value(const char *value)
{
    size_t len = strlen(value), n = 0;
    char *out = malloc(len + 1);
    bool pending_space = false;

    if (out == NULL)
        return NULL;
    for (const char *p = value; *p != '\0'; p++) {
        if (is_space(*p)) {
            pending_space = n > 0;
            continue;
        }
        if (pending_space)
            out[n++] = ' ';
        pending_space = false;
        out[n++] = *p;
    }
    out[n] = '\0';
    return out;
}

static char *
lower_dup(const char *s)
{
    size_t len = strlen(s);
    char *out = malloc(len + 1);

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i <= len; i++)
        out[i] = ascii_lower(s[i]);
    return out;
}

static int
canon_hdr_cmp(const void *a, const void *b)
{
    const struct canon_hdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    if (c != 0)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static bool
name_in_list(const char *lower_name, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(lower_name, names[i]) == 0)
            return true;
    return false;
}

/* What the canonical request covers. */
struct canon_input {
    const char *method;
    const char *path;
    const char *query;
    const struct sigv4_header *headers;
    size_t nheaders;
    const void *body;
    size_t body_len;
    bool normalize;
    /* Signer: skip these lowercase names. Verifier: keep only these (each must exist). */
    const char *const *skip;
    size_t nskip;
    const char *const *only;
    size_t nonly;
};

/*
 * Builds the canonical request and the signed-headers list from in. On success returns 0
 * with two heap strings; -1 with err otherwise.
 */
static int
build_canonical_request(const struct canon_input *in, char **creq_out, char **signed_out,
                        struct sbx_err *err)
{
    struct canon_hdr *hdrs = NULL;
    struct buf creq = { 0 }, sh = { 0 };
    size_t n = 0;
    char payload_hash[65];
    int rc = -1;

    *creq_out = NULL;
    *signed_out = NULL;
    hdrs = calloc(in->nheaders + 1, sizeof(*hdrs));
    if (hdrs == NULL)
        goto nomem;
    for (size_t i = 0; i < in->nheaders; i++) {
        const struct sigv4_header *h = &in->headers[i];
        char *lname;

        if (h->name == NULL || h->value == NULL) {
            sbx_err_set(err, SBX_E_INVALID, "header %zu has no name or value", i);
            goto out;
        }
        lname = lower_dup(h->name);
        if (lname == NULL)
            goto nomem;
        if ((in->only != NULL && !name_in_list(lname, in->only, in->nonly)) ||
            (in->skip != NULL && name_in_list(lname, in->skip, in->nskip))) {
            free(lname);
            continue;
        }
        if (!is_token(lname)) {
            sbx_err_set(err, SBX_E_INVALID, "invalid header name '%s'", h->name);
            free(lname);
            goto out;
        }
        hdrs[n].name = lname;
        hdrs[n].order = i;
        hdrs[n].value = canonical_value(h->value);
        n++;
        if (hdrs[n - 1].value == NULL)
            goto nomem;
    }
    for (size_t i = 0; in->only != NULL && i < in->nonly; i++) {
        bool found = false;

        for (size_t j = 0; j < n && !found; j++)
            found = strcmp(hdrs[j].name, in->only[i]) == 0;
        if (!found) {
            auth_error(err, "signed header '%s' missing", in->only[i]);
            goto out;
        }
    }
    qsort(hdrs, n, sizeof(*hdrs), canon_hdr_cmp);

    buf_add(&creq, in->method);
    buf_addc(&creq, '\n');
    if (canonical_uri(&creq, in->path, in->normalize) != 0)
        goto nomem;
    buf_addc(&creq, '\n');
    if (canonical_query(&creq, in->query) != 0)
        goto nomem;
    buf_addc(&creq, '\n');
    for (size_t i = 0; i < n; i++) {
        /* Repeated names: one line, values joined with ',' in the order they came. */
        if (i > 0 && strcmp(hdrs[i].name, hdrs[i - 1].name) == 0) {
            buf_addc(&creq, ',');
        } else {
            if (i > 0) {
                buf_addc(&creq, '\n');
                buf_addc(&sh, ';');
            }
            buf_add(&creq, hdrs[i].name);
            buf_addc(&creq, ':');
            buf_add(&sh, hdrs[i].name);
        }
        buf_add(&creq, hdrs[i].value);
    }
    buf_add(&creq, "\n\n");
    buf_add(&creq, sh.p != NULL ? sh.p : "");
    buf_addc(&creq, '\n');
    sigv4_sha256_hex(in->body != NULL ? in->body : "", in->body_len, payload_hash);
    if (payload_hash[0] == '\0')
        goto crypto;
    buf_add(&creq, payload_hash);
    *creq_out = buf_take(&creq);
    *signed_out = buf_take(&sh);
    if (*creq_out == NULL || *signed_out == NULL) {
        free(*creq_out);
        free(*signed_out);
        *creq_out = NULL;
        *signed_out = NULL;
        goto nomem;
    }
    rc = 0;
    goto out;
crypto:
    sbx_err_set(err, SBX_E_FAILURE, "sha-256 failed");
    goto out;
nomem:
    sbx_err_nomem(err);
out:
    for (size_t i = 0; i < n; i++) {
        free(hdrs[i].name);
        free(hdrs[i].value);
    }
    free(hdrs);
    buf_release(&creq);
    buf_release(&sh);
    return rc;
}

/*
 * From a canonical request: the string to sign and the hex signature. The secret, the
 * "AWS4"+secret buffer and every derived key are wiped before return.
 */
static int
sign_canonical(const char *creq, const char *amz_date, const char *region, const char *service,
               const char *secret, char **sts_out, char signature[65], struct sbx_err *err)
{
    unsigned char creq_hash[32], k1[32], k2[32], mac[32];
    char creq_hex[65], datestamp[9];
    char *secret_key = NULL, *sts = NULL;
    size_t secret_len = strlen(secret);
    struct buf b = { 0 };
    int rc = -1;

    *sts_out = NULL;
    memcpy(datestamp, amz_date, 8);
    datestamp[8] = '\0';
    if (sha256_raw(creq, strlen(creq), creq_hash) != 0)
        goto crypto;
    hex_encode(creq_hash, sizeof(creq_hash), creq_hex);
    buf_add(&b, SIGV4_ALGORITHM "\n");
    buf_add(&b, amz_date);
    buf_addc(&b, '\n');
    buf_add(&b, datestamp);
    buf_addc(&b, '/');
    buf_add(&b, region);
    buf_addc(&b, '/');
    buf_add(&b, service);
    buf_add(&b, "/" SIGV4_TERMINATOR "\n");
    buf_add(&b, creq_hex);
    sts = buf_take(&b);
    if (sts == NULL)
        goto nomem;

    secret_key = malloc(secret_len + 5);
    if (secret_key == NULL)
        goto nomem;
    memcpy(secret_key, "AWS4", 4);
    memcpy(secret_key + 4, secret, secret_len + 1);
    /* kDate -> kRegion -> kService -> kSigning, then the signature itself */
    if (hmac_sha256(secret_key, secret_len + 4, datestamp, 8, k1) != 0 ||
        hmac_sha256(k1, sizeof(k1), region, strlen(region), k2) != 0 ||
        hmac_sha256(k2, sizeof(k2), service, strlen(service), k1) != 0 ||
        hmac_sha256(k1, sizeof(k1), SIGV4_TERMINATOR, strlen(SIGV4_TERMINATOR), k2) != 0 ||
        hmac_sha256(k2, sizeof(k2), sts, strlen(sts), mac) != 0)
        goto crypto;
    hex_encode(mac, sizeof(mac), signature);
    *sts_out = sts;
    sts = NULL;
    rc = 0;
    goto out;
crypto:
    sbx_err_set(err, SBX_E_FAILURE, "hmac-sha256 failed");
    goto out;
nomem:
    sbx_err_nomem(err);
out:
    if (secret_key != NULL) {
        OPENSSL_cleanse(secret_key, secret_len + 5);
        free(secret_key);
    }
    OPENSSL_cleanse(k1, sizeof(k1));
    OPENSSL_cleanse(k2, sizeof(k2));
    OPENSSL_cleanse(mac, sizeof(mac));
    free(sts);
    return rc;
}

static int
format_amz_date(int64_t t, char out[17], struct sbx_err *err)
{
    struct tm tm;
    time_t tt = (time_t)t;

    if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL || tm.tm_year < 0 - 1900 ||
        tm.tm_year > 9999 - 1900) {
        sbx_err_set(err, SBX_E_INVALID, "signing time %" PRId64 " is out of range", t);
        return -1;
    }
    snprintf(out, 17, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    return 0;
}

/* Scope parts go into the credential between '/': they may not contain '/', ',' or spaces. */
static bool
valid_scope_part(const char *s)
{
    if (s == NULL || *s == '\0')
        return false;
    for (; *s != '\0'; s++)
        if (*s == '/' || *s == ',' || *s == '=' || is_space(*s) || (unsigned char)*s < 0x20)
            return false;
    return true;
}

static const struct sigv4_header *
find_header(const struct sigv4_header *hdrs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (hdrs[i].name != NULL && ascii_casecmp(hdrs[i].name, name) == 0)
            return &hdrs[i];
    return NULL;
}

/* How many of hdrs are named name (case-insensitively). */
static size_t
count_header(const struct sigv4_header *hdrs, size_t n, const char *name)
{
    size_t count = 0;

    for (size_t i = 0; i < n; i++)
        count += hdrs[i].name != NULL && ascii_casecmp(hdrs[i].name, name) == 0;
    return count;
}

/* An authentication failure of a received request: SBX_E_AWS with class SBX_AWS_AUTH. */
static void
auth_error(struct sbx_err *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    sbx_err_vset(err, SBX_E_AWS, fmt, ap);
    va_end(ap);
    if (err != NULL)
        err->aws = SBX_AWS_AUTH;
}

int
sigv4_sign(const struct sigv4_request *req, const struct sigv4_params *params,
           struct sigv4_result *out, struct sbx_err *err)
{
    const char *skip[SBX_ARRAY_LEN(unsigned_headers) + 1];
    struct sigv4_header *hdrs = NULL;
    const struct sigv4_header *h;
    struct sigv4_result r = { 0 };
    struct canon_input in = { 0 };
    struct buf auth = { 0 };
    char *have = NULL;
    size_t n = 0, nskip = 0;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (req->method == NULL || !is_token(req->method)) {
        sbx_err_set(err, SBX_E_INVALID, "invalid HTTP method '%s'",
                    req->method == NULL ? "" : req->method);
        goto out;
    }
    if (!valid_scope_part(params->access_key_id) || params->secret_access_key == NULL ||
        !valid_scope_part(params->region) || !valid_scope_part(params->service)) {
        sbx_err_set(err, SBX_E_INVALID,
                    "cannot sign: access key id, secret, region and service are required "
                    "(without '/', ',', '=' or spaces)");
        goto out;
    }
    if (format_amz_date(params->time, r.amz_date, err) != 0)
        goto out;
    if (find_header(req->headers, req->nheaders, "host") == NULL) {
        sbx_err_set(err, SBX_E_INVALID, "cannot sign: request has no Host header");
        goto out;
    }

    hdrs = calloc(req->nheaders + 2, sizeof(*hdrs));
    if (hdrs == NULL)
        goto nomem;
    if (req->nheaders > 0)
        memcpy(hdrs, req->headers, req->nheaders * sizeof(*hdrs));
    n = req->nheaders;
    /*
     * An X-Amz-Date the caller set must agree with the signing time; otherwise add ours. Two
     * of them would be signed as one joined value that no verifier reads as a date.
     */
    if (count_header(req->headers, req->nheaders, "x-amz-date") > 1) {
        sbx_err_set(err, SBX_E_INVALID, "cannot sign: X-Amz-Date header repeated");
        goto out;
    }
    h = find_header(req->headers, req->nheaders, "x-amz-date");
    if (h != NULL) {
        have = canonical_value(h->value != NULL ? h->value : "");
        if (have == NULL)
            goto nomem;
        if (strcmp(have, r.amz_date) != 0) {
            sbx_err_set(err, SBX_E_INVALID,
                        "cannot sign: X-Amz-Date header '%s' does not match the signing time %s",
                        have, r.amz_date);
            goto out;
        }
        free(have);
        have = NULL;
    } else {
        hdrs[n++] = (struct sigv4_header){ "X-Amz-Date", r.amz_date };
    }
    /* The token is a header like any other: added before canonicalising so it is signed. */
    if (params->session_token != NULL) {
        h = find_header(req->headers, req->nheaders, "x-amz-security-token");
        if (h == NULL) {
            hdrs[n++] = (struct sigv4_header){ "X-Amz-Security-Token", params->session_token };
        } else if (h->value == NULL || strcmp(h->value, params->session_token) != 0) {
            sbx_err_set(err, SBX_E_INVALID,
                        "cannot sign: X-Amz-Security-Token header differs from the session token");
            goto out;
        }
    }
    for (size_t i = 0; i < SBX_ARRAY_LEN(unsigned_headers); i++)
        skip[nskip++] = unsigned_headers[i];
    if (params->omit_session_token)
        skip[nskip++] = "x-amz-security-token";

    in.method = req->method;
    in.path = req->path;
    in.query = req->query;
    in.headers = hdrs;
    in.nheaders = n;
    in.body = req->body;
    in.body_len = req->body_len;
    in.normalize = params->normalize_path;
    in.skip = skip;
    in.nskip = nskip;
    if (build_canonical_request(&in, &r.canonical_request, &r.signed_headers, err) != 0)
        goto out;
    if (sign_canonical(r.canonical_request, r.amz_date, params->region, params->service,
                       params->secret_access_key, &r.string_to_sign, r.signature, err) != 0)
        goto out;

    buf_add(&auth, SIGV4_ALGORITHM " Credential=");
    buf_add(&auth, params->access_key_id);
    buf_addc(&auth, '/');
    buf_addn(&auth, r.amz_date, 8);
    buf_addc(&auth, '/');
    buf_add(&auth, params->region);
    buf_addc(&auth, '/');
    buf_add(&auth, params->service);
    buf_add(&auth, "/" SIGV4_TERMINATOR ", SignedHeaders=");
    buf_add(&auth, r.signed_headers);
    buf_add(&auth, ", Signature=");
    buf_add(&auth, r.signature);
    r.authorization = buf_take(&auth);
    if (r.authorization == NULL)
        goto nomem;
    *out = r;
    r = (struct sigv4_result){ 0 };
    rc = 0;
    goto out;
nomem:
    sbx_err_nomem(err);
out:
    sigv4_result_release(&r);
    buf_release(&auth);
    free(have);
    free(hdrs);
    return rc;
}

void
sigv4_result_release(struct sigv4_result *r)
{
    if (r == NULL)
        return;
    free(r->canonical_request);
    free(r->string_to_sign);
    free(r->signed_headers);
    free(r->authorization);
    memset(r, 0, sizeof(*r));
}

/* Copies s[0..n) into dst (size cap) if it fits; returns false if it does not. */
static bool
copy_part(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        return false;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return true;
}

/* Splits "AKID/DATE/REGION/SERVICE/aws4_request" into out. */
static int
parse_credential(const char *s, size_t len, struct sigv4_auth *out, struct sbx_err *err)
{
    const char *parts[5];
    size_t lens[5], np = 0;
    const char *p = s, *end = s + len;

    while (np < 5) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *stop = slash != NULL ? slash : end;

        parts[np] = p;
        lens[np] = (size_t)(stop - p);
        np++;
        if (slash == NULL)
            break;
        p = slash + 1;
    }
    if (np != 5 || parts[4] + lens[4] != end || lens[4] != strlen(SIGV4_TERMINATOR) ||
        memcmp(parts[4], SIGV4_TERMINATOR, lens[4]) != 0) {
        auth_error(err, "malformed Authorization: Credential must be %s",
                   "AKID/YYYYMMDD/REGION/SERVICE/aws4_request");
        return -1;
    }
    for (size_t i = 0; i < 4; i++) {
        for (size_t j = 0; j < lens[i]; j++) {
            if (is_space(parts[i][j]) || (unsigned char)parts[i][j] < 0x20) {
                auth_error(err, "malformed Authorization: %s", "space in Credential");
                return -1;
            }
        }
    }
    if (lens[0] == 0 ||
        !copy_part(out->access_key_id, sizeof(out->access_key_id), parts[0], lens[0])) {
        auth_error(err, "malformed Authorization: %s", "bad access key id in Credential");
        return -1;
    }
    if (lens[1] != 8 || !copy_part(out->date, sizeof(out->date), parts[1], lens[1]) ||
        strspn(out->date, "0123456789") != 8) {
        auth_error(err, "malformed Authorization: %s", "Credential date is not YYYYMMDD");
        return -1;
    }
    if (lens[2] == 0 || !copy_part(out->region, sizeof(out->region), parts[2], lens[2]) ||
        lens[3] == 0 || !copy_part(out->service, sizeof(out->service), parts[3], lens[3])) {
        auth_error(err, "malformed Authorization: %s", "bad region or service in Credential");
        return -1;
    }
    return 0;
}

/* SignedHeaders: lowercase header names separated by ';'. */
static int
parse_signed_headers(const char *s, size_t len, struct sigv4_auth *out, struct sbx_err *err)
{
    const char *start = s;

    if (len == 0 || !copy_part(out->signed_headers, sizeof(out->signed_headers), s, len)) {
        auth_error(err, "malformed Authorization: %s", "SignedHeaders empty or too long");
        return -1;
    }
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == ';') {
            if (s + i == start) {
                auth_error(err, "malformed Authorization: %s", "empty name in SignedHeaders");
                return -1;
            }
            start = s + i + 1;
            continue;
        }
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              (s[i] != '\0' && strchr("!#$%&'*+-.^_`|~", s[i]) != NULL))) {
            auth_error(err, "malformed Authorization: %s",
                       "SignedHeaders must be lowercase header names separated by ';'");
            return -1;
        }
    }
    return 0;
}

int
sigv4_parse_authorization(const char *value, struct sigv4_auth *out, struct sbx_err *err)
{
    static const char *const names[] = { "Credential", "SignedHeaders", "Signature" };
    struct sigv4_auth a = { 0 };
    bool seen[3] = { false, false, false };
    size_t alen = strlen(SIGV4_ALGORITHM);
    const char *p;

    if (value == NULL || strncmp(value, SIGV4_ALGORITHM, alen) != 0 || !is_space(value[alen])) {
        auth_error(err, "malformed Authorization: %s", "algorithm must be " SIGV4_ALGORITHM);
        return -1;
    }
    p = value + alen;
    for (;;) {
        const char *comma, *eq, *v;
        size_t len, klen, vlen, k;

        while (is_space(*p))
            p++;
        comma = strchr(p, ',');
        len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        while (len > 0 && is_space(p[len - 1]))
            len--;
        eq = memchr(p, '=', len);
        if (eq == NULL) {
            auth_error(err, "malformed Authorization: %s",
                       "expected Credential=, SignedHeaders= and Signature=");
            return -1;
        }
        klen = (size_t)(eq - p);
        v = eq + 1;
        vlen = len - klen - 1;
        for (k = 0; k < SBX_ARRAY_LEN(names); k++)
            if (strlen(names[k]) == klen && memcmp(names[k], p, klen) == 0)
                break;
        if (k == SBX_ARRAY_LEN(names) || seen[k]) {
            auth_error(err, "malformed Authorization: %s",
                       k == SBX_ARRAY_LEN(names) ? "unknown component" : "repeated component");
            return -1;
        }
        seen[k] = true;
        if (k == 0 && parse_credential(v, vlen, &a, err) != 0)
            return -1;
        if (k == 1 && parse_signed_headers(v, vlen, &a, err) != 0)
            return -1;
        if (k == 2) {
            if (vlen != 64 || !copy_part(a.signature, sizeof(a.signature), v, vlen) ||
                strspn(a.signature, "0123456789abcdef") != 64) {
                auth_error(err, "malformed Authorization: %s",
                           "Signature must be 64 lowercase hex digits");
                return -1;
            }
        }
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    for (size_t k = 0; k < SBX_ARRAY_LEN(names); k++) {
        if (!seen[k]) {
            auth_error(err, "malformed Authorization: missing %s", names[k]);
            return -1;
        }
    }
    *out = a;
    return 0;
}

/* Parses "YYYYMMDDTHHMMSSZ" strictly. */
static int
parse_amz_date(const char *s, int64_t *t)
{
    char iso[21];
    struct sbx_err ignored = { 0 };

    if (strlen(s) != 16 || strspn(s, "0123456789") != 8 || s[8] != 'T' ||
        strspn(s + 9, "0123456789") != 6 || s[15] != 'Z')
        return -1;
    snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", s, s + 4, s + 6, s + 9, s + 11,
             s + 13);
    return duration_parse_time(iso, t, &ignored);
}

int
sigv4_verify(const struct sigv4_request *req, const struct sigv4_auth *auth,
             const char *secret_access_key, int64_t *signed_time, struct sbx_err *err)
{
    char names_buf[sizeof(auth->signed_headers)], signature[65] = { 0 };
    const char *names[sizeof(auth->signed_headers) / 2 + 1];
    char *amz_date = NULL, *creq = NULL, *signed_h = NULL, *sts = NULL;
    const struct sigv4_header *dh = NULL;
    struct canon_input in = { 0 };
    size_t nnames = 0, ndates = 0;
    int64_t t = 0;
    int rc = -1;

    if (secret_access_key == NULL) {
        auth_error(err, "%s", "no secret access key to verify with");
        goto out;
    }
    dh = find_header(req->headers, req->nheaders, "x-amz-date");
    ndates = count_header(req->headers, req->nheaders, "x-amz-date");
    if (dh == NULL || ndates != 1) {
        auth_error(err, "%s", dh == NULL ? "X-Amz-Date header missing" : "X-Amz-Date repeated");
        goto out;
    }
    amz_date = canonical_value(dh->value != NULL ? dh->value : "");
    if (amz_date == NULL)
        goto nomem;
    if (parse_amz_date(amz_date, &t) != 0) {
        auth_error(err, "invalid X-Amz-Date '%s' (expected YYYYMMDDTHHMMSSZ)", amz_date);
        goto out;
    }
    if (strncmp(auth->date, amz_date, 8) != 0 || strlen(auth->date) != 8) {
        auth_error(err, "credential date '%s' does not match X-Amz-Date '%s'", auth->date,
                   amz_date);
        goto out;
    }
    if (strnlen(auth->signature, sizeof(auth->signature)) != 64 ||
        strnlen(auth->signed_headers, sizeof(auth->signed_headers)) ==
                sizeof(auth->signed_headers)) {
        auth_error(err, "malformed Authorization: %s", "bad Signature or SignedHeaders");
        goto out;
    }

    memcpy(names_buf, auth->signed_headers, sizeof(names_buf));
    for (char *p = names_buf; p != NULL;) {
        char *semi = strchr(p, ';');

        if (semi != NULL)
            *semi = '\0';
        if (*p == '\0' || name_in_list(p, names, nnames)) {
            auth_error(err, "malformed Authorization: %s",
                       *p == '\0' ? "empty name in SignedHeaders"
                                  : "repeated name in SignedHeaders");
            goto out;
        }
        names[nnames++] = p;
        p = semi != NULL ? semi + 1 : NULL;
    }
    /* Unsigned host or date would let a request be replayed elsewhere or later. */
    if (!name_in_list("host", names, nnames) || !name_in_list("x-amz-date", names, nnames)) {
        auth_error(err, "%s", "SignedHeaders must include host and x-amz-date");
        goto out;
    }

    in.method = req->method;
    in.path = req->path;
    in.query = req->query;
    in.headers = req->headers;
    in.nheaders = req->nheaders;
    in.body = req->body;
    in.body_len = req->body_len;
    in.normalize = true;
    in.only = names;
    in.nonly = nnames;
    if (req->method == NULL || !is_token(req->method)) {
        auth_error(err, "invalid HTTP method '%s'", req->method == NULL ? "" : req->method);
        goto out;
    }
    if (build_canonical_request(&in, &creq, &signed_h, err) != 0)
        goto out;
    if (sign_canonical(creq, amz_date, auth->region, auth->service, secret_access_key, &sts,
                       signature, err) != 0)
        goto out;
    if (CRYPTO_memcmp(signature, auth->signature, 64) != 0) {
        auth_error(err, "%s", "signature does not match");
        goto out;
    }
    if (signed_time != NULL)
        *signed_time = t;
    rc = 0;
    goto out;
nomem:
    sbx_err_nomem(err);
out:
    OPENSSL_cleanse(signature, sizeof(signature));
    free(amz_date);
    free(creq);
    free(signed_h);
    free(sts);
    return rc;
}
