/*
 * orgs_int.h -- for the other JSON 1.1 services that share the Organizations client's
 * connection, credentials, retry quota and clock (ce.c, idc.c). Not for the engine.
 */
#ifndef SBX_ORGS_INT_H
#define SBX_ORGS_INT_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "aws/endpoint.h"
#include "aws/orgs.h"

/* One operation of another JSON 1.1 service (Cost Explorer, sso-admin, identitystore). */
struct orgs_service_call {
    const struct endpoint *ep; /* resolved by the caller (endpoint.h) or orgs_ce_ep() */
    const char *service;       /* signing name: "ce", "sso", "identitystore" */
    const char *target_prefix; /* X-Amz-Target prefix: "AWSInsightsIndexService" */
    const char *operation;     /* "GetCostAndUsage" */
    bool non_idempotent;       /* see awscall.h */
};

/*
 * Sends req (NULL = "{}") as sc describes, with the client's standard-mode retries, and parses
 * the 2xx answer into *resp (an empty body becomes an empty object; the caller deletes it).
 * Errors as for every Organizations call. Not paced.
 */
int orgs_call_service(struct orgs *o, const struct orgs_service_call *sc, const cJSON *req,
                      cJSON **resp, struct sbx_err *err) SBX_NODISCARD;

/* A listing of another service, page by page (orgs_paginate_service). */
struct orgs_pager {
    const char *token_key;  /* the page token, in the request and the answer: "NextPageToken" */
    const char *result_key; /* the answer's list: "ResultsByTime" */
    int (*item)(void *ctx, const cJSON *it, struct sbx_err *err); /* per element (an object) */
    void *ctx;
    int pages; /* out: requests sent, one per page */
};

/*
 * Sends req as sc describes until an answer has no page token, the previous page's token in
 * each request (req is changed, the caller still owns it), calling pg->item for every element
 * of pg->result_key; never stops on an empty page and refuses a repeated token (protocol
 * error). The same loop serves the Organizations listings.
 */
int orgs_paginate_service(struct orgs *o, const struct orgs_service_call *sc, cJSON *req,
                          struct orgs_pager *pg, struct sbx_err *err) SBX_NODISCARD;

/*
 * The Cost Explorer endpoint the client resolved (borrowed), or NULL with SBX_E_CONFIG in err
 * when the partition has no Cost Explorer endpoint and none is configured.
 */
const struct endpoint *orgs_ce_ep(const struct orgs *o, struct sbx_err *err);

/* The client's configured region (aws.region, $AWS_REGION, ..., us-east-1) and profile name
 * (borrowed). */
const char *orgs_region(const struct orgs *o);
const char *orgs_profile(const struct orgs *o);

#endif
