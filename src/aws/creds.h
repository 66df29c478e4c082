/*
 * creds.h -- AWS credentials resolved the way the AWS CLI does.
 *
 * Chain (AWS-ORGANIZATIONS.md section 5.1): environment variables, then the profile
 * ($AWS_PROFILE or configured): role_arn + source_profile (STS AssumeRole), credentials file,
 * credential_process, static keys in the config file. Secrets are wiped when released and
 * never logged.
 */
#ifndef SBX_CREDS_H
#define SBX_CREDS_H

#include <stdint.h>

#include "sbx.h"

struct sbx_clock;
struct http_client;

struct creds {
    char *access_key_id;
    char *secret_access_key; /* secret: wiped by creds_release */
    char *session_token;     /* secret, may be NULL */
    int64_t expiration;      /* epoch seconds; 0 = does not expire */
    char source[128];        /* which source won, e.g. "environment", "profile 'mgmt' (credential_process)" */
};

struct creds_opts {
    const char *profile;      /* NULL: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, "default" */
    bool profile_explicit;    /* --profile / config given: environment keys do not win */
    const char *region;       /* region for STS when assuming a role (NULL: us-east-1) */
    const char *sts_endpoint; /* override for STS (NULL: $AWS_ENDPOINT_URL_STS, ..., default) */
    struct http_client *http; /* transport for STS AssumeRole; borrowed */
    struct sbx_clock *clock;  /* borrowed; NULL = real time */
};

/*
 * Resolves credentials. On success *out is filled (caller calls creds_release). On failure
 * err is SBX_E_CREDS and lists every source tried and why each did not apply.
 */
int creds_resolve(const struct creds_opts *opts, struct creds *out, struct sbx_err *err)
        SBX_NODISCARD;
/* Copies src into dst (deep). */
int creds_copy(struct creds *dst, const struct creds *src, struct sbx_err *err) SBX_NODISCARD;
/* Wipes and frees the strings; leaves *c zeroed. Accepts a zeroed struct. */
void creds_release(struct creds *c);
/* True when c expires within `margin` seconds of now. */
bool creds_expiring(const struct creds *c, int64_t now, int64_t margin);

#endif
