/*
 * creds_value.c -- credentials as a value (see creds_value.h). Secrets are wiped with
 * OPENSSL_cleanse before they are freed.
 */
#include "aws/creds_value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "util/duration.h"

void
creds_wipe_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void
creds_release(struct creds *c)
{
    if (c == NULL)
        return;
    free(c->access_key_id);
    creds_wipe_free(c->secret_access_key);
    creds_wipe_free(c->session_token);
    memset(c, 0, sizeof(*c));
}

int
creds_copy(struct creds *dst, const struct creds *src, struct sbx_err *err)
{
    memset(dst, 0, sizeof(*dst));
    dst->access_key_id = strdup(src->access_key_id != NULL ? src->access_key_id : "");
    dst->secret_access_key = strdup(src->secret_access_key != NULL ? src->secret_access_key : "");
    if (src->session_token != NULL)
        dst->session_token = strdup(src->session_token);
    if (dst->access_key_id == NULL || dst->secret_access_key == NULL ||
        (src->session_token != NULL && dst->session_token == NULL)) {
        creds_release(dst);
        return sbx_err_nomem(err);
    }
    dst->expiration = src->expiration;
    memcpy(dst->source, src->source, sizeof(dst->source));
    return 0;
}

int
creds_set(struct creds *c, const char *akid, const char *secret, const char *token,
          int64_t expiration, struct sbx_err *err)
{
    struct creds tmp = { 0 };

    tmp.access_key_id = (char *)akid;
    tmp.secret_access_key = (char *)secret;
    tmp.session_token = token != NULL && *token != '\0' ? (char *)token : NULL;
    if (creds_copy(c, &tmp, err) != 0)
        return -1;
    c->expiration = expiration;
    return 0;
}

bool
creds_expiring(const struct creds *c, int64_t now, int64_t margin)
{
    return c->expiration != 0 && c->expiration - margin <= now;
}

int
creds_check_unexpired(const struct creds *c, int64_t now, struct sbx_err *err)
{
    char when[40];

    if (!creds_expiring(c, now, 0))
        return 0;
    sbx_err_set(err, SBX_E_CREDS, "credentials expired at %s",
                duration_format_time(c->expiration, when, sizeof(when)));
    return -1;
}

const char *
creds_mask_key_id(const char *key_id, char *buf, size_t n)
{
    size_t len = key_id != NULL ? strlen(key_id) : 0;

    if (len >= 12)
        snprintf(buf, n, "%.4s****%s", key_id, key_id + len - 4);
    else
        snprintf(buf, n, "****");
    return buf;
}
