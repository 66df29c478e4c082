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
    char source[128]; /* which source won, e.g. "environment", "profile 'mgmt' (credential_process)"
                       */
};

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
/* Copies src into dst (deep). */
int creds_copy(struct creds *dst, const struct creds *src, struct sbx_err *err) SBX_NODISCARD;
/* Wipes and frees the strings; leaves *c zeroed. Accepts a zeroed struct. */
void creds_release(struct creds *c);
/* True when c expires within `margin` seconds of now. */
bool creds_expiring(const struct creds *c, int64_t now, int64_t margin);

/* The profile name opts select: opts->profile, $AWS_PROFILE, $AWS_DEFAULT_PROFILE, "default".
 * Borrowed. */
const char *creds_profile_name(const struct creds_opts *opts);

/*
 * Reads setting key of profile (e.g. "region") from the AWS config file ($AWS_CONFIG_FILE,
 * ~/.aws/config). When service is non-NULL, reads the service's sub-property key from the
 * "[services NAME]" section the profile's `services` setting names, falling back to the
 * profile's own key (botocore's endpoint_url lookup). *out is a heap string (free) or NULL
 * when absent. An unreadable file is SBX_E_CREDS naming it; a missing one is not an error.
 */
int creds_profile_setting(const char *profile, const char *service, const char *key, char **out,
                          struct sbx_err *err) SBX_NODISCARD;

/* Masks an access key id for display: "AKIAIOSFODNN7EXAMPLE" -> "AKIA****MPLE". Returns buf. */
const char *creds_mask_key_id(const char *key_id, char *buf, size_t n);

/*
 * Splits a credential_process command line the way a POSIX shell would split words (quotes,
 * backslashes), without expansions. On success *argv is a NULL-terminated heap array
 * (creds_argv_free). An unterminated quote or an empty command is SBX_E_CREDS.
 */
int creds_split_command(const char *cmd, char ***argv, struct sbx_err *err) SBX_NODISCARD;
void creds_argv_free(char **argv);

#endif
