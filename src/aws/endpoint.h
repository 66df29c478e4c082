/*
 * endpoint.h -- where Organizations and STS requests go and which region signs them, as pure
 * code (no I/O; the environment is read only by endpoint_resolve_*).
 *
 * AWS-ORGANIZATIONS.md section 1.2: Organizations is global, one endpoint per partition with a
 * fixed signing region; an override URL is signed with the client's configured region. Section
 * 5.4: STS is regional. Override order for Organizations: the config file's aws.endpoint, then
 * $AWS_ENDPOINT_URL_ORGANIZATIONS, then $AWS_ENDPOINT_URL, then the AWS shared config file's
 * services section / endpoint_url (passed in by the caller); all of these except the first are
 * ignored when $AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is "true". STS likewise with aws.sts_endpoint
 * and $AWS_ENDPOINT_URL_STS.
 */
#ifndef SBX_ENDPOINT_H
#define SBX_ENDPOINT_H

#include "sbx.h"

/* A validated endpoint URL: scheme://host[:port][/], nothing else. */
struct endpoint_url {
    char scheme[8];     /* "http" or "https" */
    char host[256];     /* as written; IPv6 literals keep their brackets ("[::1]") */
    int port;           /* explicit port, or 0 when absent */
    char hostport[300]; /* Host header value: host, plus ":port" unless it is the default */
    char base[320];     /* normalised base URL without a trailing slash: "http://127.0.0.1:4566" */
};

struct endpoint {
    char url[320];           /* base URL without trailing slash; requests POST to url + "/" */
    char host[300];          /* Host header value to send and sign (section 1.3) */
    char signing_region[64]; /* region in the credential scope */
    char partition[16];      /* "aws", "aws-cn", "aws-us-gov", "aws-iso", ... */
    char source[64];         /* "default", "config aws.endpoint", "AWS_ENDPOINT_URL", ... */
    bool https;
};

/* Settings that pick an endpoint. Strings are borrowed; NULL or "" means unset. */
struct endpoint_opts {
    const char *region;      /* client region; NULL = us-east-1 */
    const char *config_url;  /* aws.endpoint / aws.sts_endpoint from the config file */
    const char *profile_url; /* from the AWS shared config file (services / endpoint_url) */
    bool fips;               /* $AWS_USE_FIPS_ENDPOINT=true */
    bool sts_global;         /* $AWS_STS_REGIONAL_ENDPOINTS=legacy (us-east-1 & co. only) */
};

/*
 * Parses and validates url: scheme http or https, a host, an optional port 1..65535, an
 * optional path of exactly "/", and no userinfo, query or fragment. On failure err is
 * SBX_E_CONFIG and names the URL and what is wrong with it.
 */
int endpoint_parse_url(const char *url, struct endpoint_url *out,
                       struct sbx_err *err) SBX_NODISCARD;

/* Partition of a region name: "cn-*" -> "aws-cn", "us-gov-*" -> "aws-us-gov", "us-iso-*" ->
 * "aws-iso", "us-isob-*" -> "aws-iso-b", "us-isof-*" -> "aws-iso-f", "eu-isoe-*" ->
 * "aws-iso-e", anything else -> "aws". Returns a static string. */
const char *endpoint_partition(const char *region);

/* Endpoint-related environment values (borrowed, NULL when unset). */
struct endpoint_env {
    const char *service_url;       /* $AWS_ENDPOINT_URL_ORGANIZATIONS or $AWS_ENDPOINT_URL_STS */
    const char *global_url;        /* $AWS_ENDPOINT_URL */
    const char *ignore_configured; /* $AWS_IGNORE_CONFIGURED_ENDPOINT_URLS */
};

/*
 * Resolves the Organizations (or STS) endpoint from opts and env, which the caller read, so
 * this stays pure and testable. On success *out is filled; on failure err is SBX_E_CONFIG and
 * names the setting that holds the bad URL or region.
 */
int endpoint_resolve_orgs(const struct endpoint_opts *opts, const struct endpoint_env *env,
                          struct endpoint *out, struct sbx_err *err) SBX_NODISCARD;
int endpoint_resolve_sts(const struct endpoint_opts *opts, const struct endpoint_env *env,
                         struct endpoint *out, struct sbx_err *err) SBX_NODISCARD;

/* A regional JSON service other than Organizations and STS (sso-admin, identitystore). */
struct endpoint_service {
    const char *host_prefix; /* "sso" -> sso.{region}.amazonaws.com */
    const char *config_key;  /* the config file's override key, for messages: "access.endpoint" */
    const char *env_var;     /* "AWS_ENDPOINT_URL_SSO_ADMIN" */
};

/*
 * Resolves svc's endpoint in opts->region (the signing region too) with the same override
 * order as Organizations: opts->config_url, then svc->env_var, $AWS_ENDPOINT_URL, then
 * opts->profile_url. FIPS without an override is refused (SBX_E_CONFIG).
 */
int endpoint_resolve_regional(const struct endpoint_opts *opts, const struct endpoint_env *env,
                              const struct endpoint_service *svc, struct endpoint *out,
                              struct sbx_err *err) SBX_NODISCARD;

/* The Cost Explorer endpoint: aws.ce_endpoint, $AWS_ENDPOINT_URL_COST_EXPLORER, then as above;
 * by default the partition's one endpoint (SBX_E_CONFIG in a partition without one). */
int endpoint_resolve_ce(const struct endpoint_opts *opts, const struct endpoint_env *env,
                        struct endpoint *out, struct sbx_err *err) SBX_NODISCARD;

/* The AWS Budgets endpoint: aws.budgets_endpoint, $AWS_ENDPOINT_URL_BUDGETS, then as above; by
 * default the partition's one endpoint (budgets.amazonaws.com, signed for us-east-1, in aws). */
int endpoint_resolve_budgets(const struct endpoint_opts *opts, const struct endpoint_env *env,
                             struct endpoint *out, struct sbx_err *err) SBX_NODISCARD;

/* Fills env from the process environment for service "ORGANIZATIONS", "STS",
 * "COST_EXPLORER" or "BUDGETS". The pointers are borrowed from the environment and stay valid until
 * it changes. */
void endpoint_env_read(const char *service_upper, struct endpoint_env *env);

#endif
