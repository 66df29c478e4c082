/*
 * creds_value.h -- one set of AWS credentials as a value: copy, release (wiping the
 * secrets), expiry tests, display. What STS returns and what the provider chain (creds.h)
 * resolves; this header depends on no provider.
 */
#ifndef SBX_CREDS_VALUE_H
#define SBX_CREDS_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "sbx.h"

struct creds {
    char *access_key_id;
    char *secret_access_key; /* secret: wiped by creds_release */
    char *session_token;     /* secret, may be NULL */
    int64_t expiration;      /* epoch seconds; 0 = does not expire */
    char source[128]; /* which source won, e.g. "environment", "profile 'mgmt' (credential_process)"
                       */
};

/* Fills c with copies of the given strings (token NULL or "" = none). */
int creds_set(struct creds *c, const char *akid, const char *secret, const char *token,
              int64_t expiration, struct sbx_err *err) SBX_NODISCARD;
/* Copies src into dst (deep). */
int creds_copy(struct creds *dst, const struct creds *src, struct sbx_err *err) SBX_NODISCARD;
/* Wipes and frees the strings; leaves *c zeroed. Accepts a zeroed struct. */
void creds_release(struct creds *c);
/* True when c expires within `margin` seconds of now. */
bool creds_expiring(const struct creds *c, int64_t now, int64_t margin);
/*
 * Refuses credentials that expired at or before now (epoch seconds of the real world, not
 * of a simulated clock): SBX_E_CREDS "credentials expired at <RFC 3339>". 0 otherwise.
 */
int creds_check_unexpired(const struct creds *c, int64_t now, struct sbx_err *err) SBX_NODISCARD;

/* Masks an access key id for display: "AKIAIOSFODNN7EXAMPLE" -> "AKIA****MPLE". Returns buf. */
const char *creds_mask_key_id(const char *key_id, char *buf, size_t n);

/* Wipes a heap string that may hold a secret, then frees it. Accepts NULL. */
void creds_wipe_free(char *s);

#endif
