/*
 * sts.h -- STS AssumeRole and GetCallerIdentity over the query protocol
 * (AWS-ORGANIZATIONS.md section 5.4): a form-encoded POST, Version 2011-06-15, signed for
 * service "sts", answered in XML that a small tag scanner reads.
 */
#ifndef SBX_STS_H
#define SBX_STS_H

#include "aws/awscall.h"
#include "aws/creds_value.h"
#include "aws/endpoint.h"
#include "sbx.h"

#define STS_DEFAULT_DURATION 3600

struct sts_assume_params {
    const char *role_arn;     /* required, 20..2048 characters */
    const char *session_name; /* required, 2..64 of [A-Za-z0-9_+=,.@-] */
    int duration_secs;        /* 900..43200; 0 = STS_DEFAULT_DURATION */
    const char *external_id;  /* optional, 2..1224 characters */
};

struct sts_identity {
    char account[13];
    char *arn;     /* heap */
    char *user_id; /* heap */
};

/*
 * Assumes p->role_arn with the credentials c's provider returns. On success *out holds the
 * temporary credentials (caller calls creds_release), out->expiration their expiry and
 * out->source "assumed role '<arn>'". Invalid parameters are SBX_E_INVALID; AWS errors come
 * back typed (e.g. AccessDenied -> SBX_AWS_ACCESS_DENIED); a response without credentials is
 * SBX_AWS_PROTOCOL.
 */
int sts_assume_role(struct awscall_client *c, const struct endpoint *ep,
                    const struct sts_assume_params *p, struct creds *out,
                    struct sbx_err *err) SBX_NODISCARD;

/* Who the credentials belong to. On success *out is filled (sts_identity_release). */
int sts_get_caller_identity(struct awscall_client *c, const struct endpoint *ep,
                            struct sts_identity *out, struct sbx_err *err) SBX_NODISCARD;
void sts_identity_release(struct sts_identity *id);

#endif
