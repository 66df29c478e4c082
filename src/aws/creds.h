/*
 * creds.h -- AWS credentials resolved the way the AWS CLI does.
 *
 * Chain (AWS-ORGANIZATIONS.md section 5.1): environment variables, then the profile
 * ($AWS_PROFILE or configured): role_arn + source_profile (STS AssumeRole), credentials file,
 * credential_process, static keys in the config file. Secrets are wiped when released and
 * never logged. Credentials already expired are refused, never returned.
 *
 * The pieces: creds_value.h (the credentials as a value, what STS returns), creds_ini.h (the
 * shared files), creds_process.h (credential_process); this header is the chain over them.
 */
#ifndef SBX_CREDS_H
#define SBX_CREDS_H

#include <stdint.h>

#include "aws/creds_ini.h"
#include "aws/creds_process.h"
#include "aws/creds_value.h"
#include "sbx.h"

struct sbx_clock;
struct http_client;

struct creds_opts {
    const char *profile;      /* NULL: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, "default" */
    bool profile_explicit;    /* --profile / config given: environment keys do not win */
    const char *region;       /* region for STS when assuming a role (NULL: us-east-1) */
    const char *sts_endpoint; /* override for STS (NULL: $AWS_ENDPOINT_URL_STS, ..., default) */
    struct http_client *http; /* transport for STS AssumeRole; borrowed */
    struct sbx_clock *clock;  /* borrowed; NULL = real time */
    int max_attempts;         /* attempts per STS call (0: $AWS_MAX_ATTEMPTS or 5) */
    int process_timeout;      /* seconds a credential_process may run (0: 60) */
};

/*
 * Resolves credentials. On success *out is filled (caller calls creds_release). On failure
 * err is SBX_E_CREDS and lists every source tried and why each did not apply.
 */
int creds_resolve(const struct creds_opts *opts, struct creds *out,
                  struct sbx_err *err) SBX_NODISCARD;

/* The profile name opts select: opts->profile, $AWS_PROFILE, $AWS_DEFAULT_PROFILE, "default".
 * Borrowed. */
const char *creds_profile_name(const struct creds_opts *opts);

#endif
