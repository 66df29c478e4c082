/* sts.c -- STS over the query protocol (see sts.h). */
#include "aws/sts.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "aws/awserr.h"
#include "aws/sigv4.h"
#include "util/duration.h"
#include "util/grow.h"

/* A growing form body: "k=v&k=v", values encoded with the SigV4 unreserved set. */
struct form {
    char *buf;
    size_t len, cap;
    bool nomem;
};

static void
form_add(struct form *f, const char *key, const char *value)
{
    char *enc = sigv4_uri_encode(value, strlen(value), false);
    size_t need;

    if (enc == NULL) {
        f->nomem = true;
        return;
    }
    need = f->len + strlen(key) + strlen(enc) + 3;
    if (grow_bytes(&f->buf, &f->cap, need, 256) != 0) {
        f->nomem = true;
        free(enc);
        return;
    }
    f->len += (size_t)snprintf(f->buf + f->len, f->cap - f->len, "%s%s=%s", f->len > 0 ? "&" : "",
                               key, enc);
    free(enc);
}

static int
call(struct awscall_client *c, const struct endpoint *ep, const char *action, struct form *f,
     struct http_response *resp, struct sbx_err *err)
{
    struct awscall_req req = { .ep = ep,
                               .service = "sts",
                               .proto = AWSCALL_QUERY,
                               .operation = action,
                               .body = f->buf,
                               .body_len = f->len };

    return awscall_send(c, &req, resp, err);
}

static bool
session_name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n < 2 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!(isalnum((unsigned char)s[i]) || strchr("_+=,.@-", s[i]) != NULL))
            return false;
    }
    return true;
}

int
sts_assume_role(struct awscall_client *c, const struct endpoint *ep,
                const struct sts_assume_params *p, struct creds *out, struct sbx_err *err)
{
    struct http_response resp = { 0 };
    struct form f = { 0 };
    char dur[16], *exp = NULL;
    int duration = p->duration_secs > 0 ? p->duration_secs : STS_DEFAULT_DURATION;
    size_t arnlen = p->role_arn != NULL ? strlen(p->role_arn) : 0;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (arnlen < 20 || arnlen > 2048 || strncmp(p->role_arn, "arn:", 4) != 0) {
        sbx_err_set(err, SBX_E_INVALID, "invalid role ARN '%.200s'",
                    p->role_arn != NULL ? p->role_arn : "");
        return -1;
    }
    if (p->session_name == NULL || !session_name_ok(p->session_name)) {
        sbx_err_set(err, SBX_E_INVALID,
                    "invalid role session name '%.80s': 2 to 64 of A-Z a-z 0-9 _+=,.@-",
                    p->session_name != NULL ? p->session_name : "");
        return -1;
    }
    if (duration < 900 || duration > 43200) {
        sbx_err_set(err, SBX_E_INVALID,
                    "invalid role session duration %d: must be 900 to 43200 seconds", duration);
        return -1;
    }
    if (p->external_id != NULL && (strlen(p->external_id) < 2 || strlen(p->external_id) > 1224)) {
        sbx_err_set(err, SBX_E_INVALID, "invalid external id: must be 2 to 1224 characters");
        return -1;
    }
    snprintf(dur, sizeof(dur), "%d", duration);
    form_add(&f, "Action", "AssumeRole");
    form_add(&f, "Version", "2011-06-15");
    form_add(&f, "RoleArn", p->role_arn);
    form_add(&f, "RoleSessionName", p->session_name);
    form_add(&f, "DurationSeconds", dur);
    if (p->external_id != NULL)
        form_add(&f, "ExternalId", p->external_id);
    if (f.nomem)
        goto nomem;
    if (call(c, ep, "AssumeRole", &f, &resp, err) != 0) {
        sbx_err_prefix(err, "cannot assume role '%.200s'", p->role_arn);
        goto out;
    }
    out->access_key_id = awserr_xml_text(resp.body, resp.body_len, "AccessKeyId");
    out->secret_access_key = awserr_xml_text(resp.body, resp.body_len, "SecretAccessKey");
    out->session_token = awserr_xml_text(resp.body, resp.body_len, "SessionToken");
    exp = awserr_xml_text(resp.body, resp.body_len, "Expiration");
    if (out->access_key_id == NULL || out->secret_access_key == NULL ||
        out->session_token == NULL || exp == NULL || *out->access_key_id == '\0' ||
        *out->secret_access_key == '\0') {
        /* Quote the status only: the body may hold part of a secret. */
        sbx_err_set(err, SBX_E_AWS,
                    "cannot assume role '%.200s': HTTP %ld response lacks credentials", p->role_arn,
                    resp.status);
        err->aws = SBX_AWS_PROTOCOL;
        err->http_status = (int)resp.status;
        creds_release(out);
        goto out;
    }
    if (duration_parse_time(exp, &out->expiration, err) != 0) {
        sbx_err_set(err, SBX_E_AWS, "cannot assume role '%.200s': bad Expiration '%.40s'",
                    p->role_arn, exp);
        err->aws = SBX_AWS_PROTOCOL;
        creds_release(out);
        goto out;
    }
    snprintf(out->source, sizeof(out->source), "assumed role '%.100s'", p->role_arn);
    rc = 0;
    goto out;
nomem:
    sbx_err_nomem(err);
out:
    free(exp);
    http_response_release(&resp);
    free(f.buf);
    return rc;
}

int
sts_get_caller_identity(struct awscall_client *c, const struct endpoint *ep,
                        struct sts_identity *out, struct sbx_err *err)
{
    struct http_response resp = { 0 };
    struct form f = { 0 };
    char *account = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    form_add(&f, "Action", "GetCallerIdentity");
    form_add(&f, "Version", "2011-06-15");
    if (f.nomem) {
        sbx_err_nomem(err);
        goto out;
    }
    if (call(c, ep, "GetCallerIdentity", &f, &resp, err) != 0)
        goto out;
    account = awserr_xml_text(resp.body, resp.body_len, "Account");
    out->arn = awserr_xml_text(resp.body, resp.body_len, "Arn");
    out->user_id = awserr_xml_text(resp.body, resp.body_len, "UserId");
    if (account == NULL || strlen(account) != 12 || out->arn == NULL) {
        awserr_protocol(resp.status, "GetCallerIdentity response lacks Account or Arn", resp.body,
                        resp.body_len, err);
        err->aws = SBX_AWS_PROTOCOL;
        sts_identity_release(out);
        goto out;
    }
    memcpy(out->account, account, 13);
    rc = 0;
out:
    free(account);
    http_response_release(&resp);
    free(f.buf);
    return rc;
}

void
sts_identity_release(struct sts_identity *id)
{
    if (id == NULL)
        return;
    free(id->arn);
    free(id->user_id);
    memset(id, 0, sizeof(*id));
}
