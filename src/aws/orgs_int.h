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
#include "util/jsonr.h"

/* One service's endpoint, and where it comes from. */
#define ORGS_PROBLEM_MAX 256
struct orgs_service_ep {
    const char *section;    /* the shared config file's services section: "sso_admin" */
    const char *env_upper;  /* AWS_ENDPOINT_URL_<env_upper> */
    const char *config_url; /* the configured override (may be NULL) */
    int (*resolve)(const struct endpoint_opts *, const struct endpoint_env *, struct endpoint *,
                   struct sbx_err *);
    const struct endpoint_service *regional; /* else a regional service (endpoint.h) */
    struct endpoint *ep;                     /* filled */
    char *problem; /* a billing service's (ORGS_PROBLEM_MAX bytes); NULL for the others */
};

/*
 * Resolves sv's endpoint with eo (region and flags set; the profile's endpoint_url is read
 * here). Any error is a configuration error now, but for a billing service (Cost Explorer,
 * Budgets) in a partition without it: that matters only to the feature that uses it, which
 * reports sv->problem when it runs (ep->url "").
 */
int orgs_resolve_service_ep(const char *profile, const struct orgs_service_ep *sv,
                            struct endpoint_opts *eo, struct sbx_err *err) SBX_NODISCARD;

/* One operation of another JSON 1.1 service (Cost Explorer, sso-admin, identitystore). */
struct orgs_service_call {
    const struct endpoint *ep; /* resolved by the caller (endpoint.h) or orgs_ce_ep() */
    const char *service;       /* signing name: "ce", "sso", "identitystore" */
    const char *target_prefix; /* X-Amz-Target prefix: "AWSInsightsIndexService" */
    const char *operation;     /* "GetCostAndUsage" */
    bool non_idempotent;       /* see awscall.h */
    int page_size;             /* orgs_service_collect: the MaxResults of each page; 0 = none */
    const char *token_key;     /* orgs_service_collect: the page token; NULL = "NextToken" */
    int *pages;                /* orgs_service_collect: set to the requests sent (may be NULL) */
};

/*
 * Sends req (NULL = "{}") as sc describes, with the client's standard-mode retries, and parses
 * the 2xx answer into *resp (an empty body becomes an empty object; the caller deletes it).
 * Errors as for every Organizations call. Not paced.
 */
int orgs_call_service(struct orgs *o, const struct orgs_service_call *sc, const cJSON *req,
                      cJSON **resp, struct sbx_err *err) SBX_NODISCARD;

/* A malformed answer to op: SBX_E_AWS, SBX_AWS_PROTOCOL, "op: what". Returns -1. */
int orgs_protocol(const char *op, const char *what, struct sbx_err *err);

/* A request object with the given string members (name, value pairs, NULL-ended; NULL values
 * are left out), or NULL when out of memory. */
cJSON *orgs_request(const char *name, ...);

/*
 * Sends req (taken over; NULL means it could not be built: SBX_E_NOMEM) as sc describes and
 * returns the object member key of the answer, or NULL with err set (a missing member is
 * SBX_AWS_PROTOCOL). *resp holds the answer: the caller deletes it.
 */
const cJSON *orgs_service_member(struct orgs *o, const struct orgs_service_call *sc, cJSON *req,
                                 const char *key, cJSON **resp, struct sbx_err *err);

/*
 * A listing of another service: sends req (taken over; NULL: SBX_E_NOMEM) with MaxResults
 * sc->page_size and the previous page's NextToken until a page has none (never stopping on an empty
 * page), calling item() for every element of result_key (any JSON type: item() checks it).
 */
int orgs_service_collect(struct orgs *o, const struct orgs_service_call *sc, cJSON *req,
                         const char *result_key,
                         int (*item)(void *ctx, const cJSON *it, struct sbx_err *err), void *ctx,
                         struct sbx_err *err) SBX_NODISCARD;

/*
 * A growable array of elements of `size` bytes (set size, parse and fields; zero the rest),
 * filled by a listing with orgs_vec_item.
 */
struct orgs_vec {
    void *items;
    size_t n, cap, size;
    /* one element of the answer into a zeroed slot; on failure it leaves nothing to free */
    int (*parse)(const cJSON *j, void *slot, struct sbx_err *err);
    const struct jsonr_field *fields; /* an element's heap strings (NULL: none) */
};
/* A zeroed new slot at the end, or NULL when out of memory. */
void *orgs_vec_push(struct orgs_vec *v);
/* The item() of a listing into the orgs_vec ctx: a new element filled by ctx->parse. */
int orgs_vec_item(void *ctx, const cJSON *it, struct sbx_err *err);
/* rc != 0 (a failed listing): frees v's elements and leaves v empty. Returns rc. */
int orgs_vec_settle(struct orgs_vec *v, int rc);

/*
 * The Cost Explorer endpoint the client resolved (borrowed), or NULL with SBX_E_CONFIG in err
 * when the partition has no Cost Explorer endpoint and none is configured.
 */
const struct endpoint *orgs_ce_ep(const struct orgs *o, struct sbx_err *err);

/* The same for AWS Budgets (budgets.c). */
const struct endpoint *orgs_budgets_ep(const struct orgs *o, struct sbx_err *err);

/* The client's configured region (aws.region, $AWS_REGION, ..., us-east-1) and profile name
 * (borrowed). */
const char *orgs_region(const struct orgs *o);
const char *orgs_profile(const struct orgs *o);

#endif
