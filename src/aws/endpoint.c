/*
 * endpoint.c -- endpoint URLs, partitions and signing regions (see endpoint.h).
 *
 * The default endpoints are the table of AWS-ORGANIZATIONS.md section 1.2 (Organizations) and
 * section 5.4 (STS). An override URL is signed with the configured region, as botocore does.
 */
#include "aws/endpoint.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_REGION "us-east-1"

struct partition_info {
    const char *prefix;      /* region prefix */
    const char *name;        /* partition */
    const char *dns_suffix;  /* for regional STS endpoints */
    const char *orgs_host;   /* the one Organizations endpoint of the partition */
    const char *orgs_region; /* its signing region */
    const char *orgs_fips_host;
};

/* Longest prefixes first: "us-isob-" must win over "us-iso-". */
static const struct partition_info partitions[] = {
    { "us-isob-", "aws-iso-b", "sc2s.sgov.gov", "organizations.us-isob-east-1.sc2s.sgov.gov",
      "us-isob-east-1", NULL },
    { "us-isof-", "aws-iso-f", "csp.hci.ic.gov", "organizations.us-isof-south-1.csp.hci.ic.gov",
      "us-isof-south-1", NULL },
    { "us-iso-", "aws-iso", "c2s.ic.gov", "organizations.us-iso-east-1.c2s.ic.gov", "us-iso-east-1",
      NULL },
    { "eu-isoe-", "aws-iso-e", "cloud.adc-e.uk", "organizations.eu-isoe-west-1.cloud.adc-e.uk",
      "eu-isoe-west-1", NULL },
    { "us-gov-", "aws-us-gov", "amazonaws.com", "organizations.us-gov-west-1.amazonaws.com",
      "us-gov-west-1", "organizations.us-gov-west-1.amazonaws.com" },
    { "cn-", "aws-cn", "amazonaws.com.cn", "organizations.cn-northwest-1.amazonaws.com.cn",
      "cn-northwest-1", NULL },
    { "", "aws", "amazonaws.com", "organizations.us-east-1.amazonaws.com", "us-east-1",
      "organizations-fips.us-east-1.amazonaws.com" },
};

static const struct partition_info *
partition_of(const char *region)
{
    for (size_t i = 0; i < SBX_ARRAY_LEN(partitions); i++) {
        if (strncmp(region, partitions[i].prefix, strlen(partitions[i].prefix)) == 0)
            return &partitions[i];
    }
    return &partitions[SBX_ARRAY_LEN(partitions) - 1];
}

const char *
endpoint_partition(const char *region)
{
    return partition_of(region != NULL ? region : DEFAULT_REGION)->name;
}

static bool
is_set(const char *s)
{
    return s != NULL && *s != '\0';
}

/* Region names become DNS labels: lowercase letters, digits and '-' only. */
static int
check_region(const char *region, struct sbx_err *err)
{
    size_t n = strlen(region);

    if (n == 0 || n > 40)
        goto bad;
    for (size_t i = 0; i < n; i++) {
        if (!(islower((unsigned char)region[i]) || isdigit((unsigned char)region[i]) ||
              region[i] == '-'))
            goto bad;
    }
    if (region[0] == '-' || region[n - 1] == '-')
        goto bad;
    return 0;
bad:
    sbx_err_set(err, SBX_E_CONFIG, "invalid AWS region '%.64s': expected a name like 'us-east-1'",
                region);
    return -1;
}

static bool
host_char_ok(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

int
endpoint_parse_url(const char *url, struct endpoint_url *out, struct sbx_err *err)
{
    const char *p, *auth_end, *host_end;
    size_t hostlen;
    bool https;
    int default_port;

    memset(out, 0, sizeof(*out));
    if (url == NULL || *url == '\0') {
        sbx_err_set(err, SBX_E_CONFIG, "invalid endpoint URL '': empty");
        return -1;
    }
    if (strncasecmp(url, "https://", 8) == 0) {
        https = true;
        p = url + 8;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        https = false;
        p = url + 7;
    } else {
        sbx_err_set(err, SBX_E_CONFIG,
                    "invalid endpoint URL '%.200s': scheme must be http:// or https://", url);
        return -1;
    }
    auth_end = p + strcspn(p, "/?#");
    if (memchr(p, '@', (size_t)(auth_end - p)) != NULL) {
        sbx_err_set(err, SBX_E_CONFIG,
                    "invalid endpoint URL '%.200s': user information is not allowed", url);
        return -1;
    }
    if (*p == '[') {
        host_end = memchr(p, ']', (size_t)(auth_end - p));
        if (host_end == NULL || host_end == p + 1)
            goto badhost;
        for (const char *q = p + 1; q < host_end; q++) {
            if (!(isxdigit((unsigned char)*q) || *q == ':' || *q == '.'))
                goto badhost;
        }
        host_end++;
    } else {
        host_end = p;
        while (host_end < auth_end && *host_end != ':') {
            if (!host_char_ok(*host_end))
                goto badhost;
            host_end++;
        }
        if (host_end == p)
            goto badhost;
    }
    hostlen = (size_t)(host_end - p);
    if (hostlen >= sizeof(out->host))
        goto badhost;
    for (size_t i = 0; i < hostlen; i++)
        out->host[i] = (char)tolower((unsigned char)p[i]);
    out->host[hostlen] = '\0';
    if (host_end < auth_end) {
        const char *q = host_end + 1;
        long port = 0;

        if (*host_end != ':' || q == auth_end)
            goto badport;
        for (; q < auth_end; q++) {
            if (!isdigit((unsigned char)*q))
                goto badport;
            port = port * 10 + (*q - '0');
            if (port > 65535)
                goto badport;
        }
        if (port < 1)
            goto badport;
        out->port = (int)port;
    }
    p = auth_end;
    if (strpbrk(p, "?#") != NULL)
        p = strpbrk(p, "?#");
    if (*p == '?') {
        sbx_err_set(err, SBX_E_CONFIG, "invalid endpoint URL '%.200s': a query is not allowed",
                    url);
        return -1;
    }
    if (*p == '#') {
        sbx_err_set(err, SBX_E_CONFIG, "invalid endpoint URL '%.200s': a fragment is not allowed",
                    url);
        return -1;
    }
    if (*p == '/' && p[1] == '\0')
        p++;
    if (*p != '\0') {
        sbx_err_set(err, SBX_E_CONFIG,
                    "invalid endpoint URL '%.200s': a path is not allowed (only '/')", url);
        return -1;
    }
    snprintf(out->scheme, sizeof(out->scheme), "%s", https ? "https" : "http");
    default_port = https ? 443 : 80;
    if (out->port != 0 && out->port != default_port)
        snprintf(out->hostport, sizeof(out->hostport), "%s:%d", out->host, out->port);
    else
        snprintf(out->hostport, sizeof(out->hostport), "%s", out->host);
    snprintf(out->base, sizeof(out->base), "%s://%s", out->scheme, out->hostport);
    return 0;
badhost:
    sbx_err_set(err, SBX_E_CONFIG, "invalid endpoint URL '%.200s': missing or invalid host", url);
    return -1;
badport:
    sbx_err_set(err, SBX_E_CONFIG,
                "invalid endpoint URL '%.200s': port must be a number from 1 to 65535", url);
    return -1;
}

/* Fills out from an override URL named by source; signs with region. */
static int
from_override(const char *url, const char *source, const char *region, struct endpoint *out,
              struct sbx_err *err)
{
    struct endpoint_url u;

    if (endpoint_parse_url(url, &u, err) != 0) {
        sbx_err_prefix(err, "%s", source);
        return -1;
    }
    snprintf(out->url, sizeof(out->url), "%s", u.base);
    snprintf(out->host, sizeof(out->host), "%s", u.hostport);
    snprintf(out->signing_region, sizeof(out->signing_region), "%s", region);
    snprintf(out->partition, sizeof(out->partition), "%s", endpoint_partition(region));
    snprintf(out->source, sizeof(out->source), "%s", source);
    out->https = strcmp(u.scheme, "https") == 0;
    return 0;
}

static void
from_host(const char *host, const char *region, const char *partition, struct endpoint *out)
{
    snprintf(out->url, sizeof(out->url), "https://%s", host);
    snprintf(out->host, sizeof(out->host), "%s", host);
    snprintf(out->signing_region, sizeof(out->signing_region), "%s", region);
    snprintf(out->partition, sizeof(out->partition), "%s", partition);
    snprintf(out->source, sizeof(out->source), "default");
    out->https = true;
}

/* The first configured override URL, in precedence order, or NULL. */
static const char *
pick_override(const struct endpoint_opts *opts, const struct endpoint_env *env,
              const char *config_key, const char *service_var, const char **source)
{
    bool ignore = env != NULL && env->ignore_configured != NULL &&
                  strcasecmp(env->ignore_configured, "true") == 0;

    if (is_set(opts->config_url)) {
        *source = config_key;
        return opts->config_url;
    }
    if (ignore || env == NULL)
        return NULL;
    if (is_set(env->service_url)) {
        *source = service_var;
        return env->service_url;
    }
    if (is_set(env->global_url)) {
        *source = "AWS_ENDPOINT_URL";
        return env->global_url;
    }
    if (is_set(opts->profile_url)) {
        *source = "AWS config file";
        return opts->profile_url;
    }
    return NULL;
}

/*
 * The endpoint when no override is configured, for one service: out filled from region (checked)
 * and its partition pi; ctx is the service's own data (a struct endpoint_service for a regional
 * service, a struct global_service for a global one, NULL for Organizations and STS).
 */
typedef int (*default_fn)(const struct endpoint_opts *opts, const void *ctx, const char *region,
                          const struct partition_info *pi, struct endpoint *out,
                          struct sbx_err *err);

/*
 * The one resolver: the region (opts->region or the default), checked; then the first
 * configured override URL (config_key, service_var, $AWS_ENDPOINT_URL, the profile); else the
 * service's own default rule.
 */
static int
resolve(const struct endpoint_opts *opts, const struct endpoint_env *env, const char *config_key,
        const char *service_var, default_fn fallback, const void *ctx, struct endpoint *out,
        struct sbx_err *err)
{
    const char *region = is_set(opts->region) ? opts->region : DEFAULT_REGION;
    const char *url, *source = NULL;

    memset(out, 0, sizeof(*out));
    if (check_region(region, err) != 0)
        return -1;
    url = pick_override(opts, env, config_key, service_var, &source);
    if (url != NULL)
        return from_override(url, source, region, out, err);
    return fallback(opts, ctx, region, partition_of(region), out, err);
}

/* Organizations is global: one endpoint per partition (its FIPS one where there is one). */
static int
orgs_default(const struct endpoint_opts *opts, const void *ctx, const char *region,
             const struct partition_info *pi, struct endpoint *out, struct sbx_err *err)
{
    (void)ctx;
    (void)region;
    if (opts->fips) {
        if (pi->orgs_fips_host == NULL) {
            sbx_err_set(err, SBX_E_CONFIG,
                        "FIPS endpoints are not available for Organizations in partition '%s'",
                        pi->name);
            return -1;
        }
        from_host(pi->orgs_fips_host, pi->orgs_region, pi->name, out);
        return 0;
    }
    from_host(pi->orgs_host, pi->orgs_region, pi->name, out);
    return 0;
}

int
endpoint_resolve_orgs(const struct endpoint_opts *opts, const struct endpoint_env *env,
                      struct endpoint *out, struct sbx_err *err)
{
    return resolve(opts, env, "config aws.endpoint", "AWS_ENDPOINT_URL_ORGANIZATIONS", orgs_default,
                   NULL, out, err);
}

/* A global service: one endpoint per partition that has it, and the region that signs for it. */
struct global_service {
    const char *name;       /* for messages: "Cost Explorer" */
    const char *config_key; /* "aws.ce_endpoint" */
    const char *source;     /* the override's source: "config aws.ce_endpoint" */
    const char *env_var;    /* "AWS_ENDPOINT_URL_COST_EXPLORER" */
    struct {
        const char *partition;
        const char *host;
        const char *region;
    } hosts[2];
};

/*
 * Cost Explorer and AWS Budgets are global (botocore's endpoint rules, AWS-ACCESS-SPEND-NUKE.md's
 * service table): ce.us-east-1.amazonaws.com and budgets.amazonaws.com signed for us-east-1 in
 * aws, their .com.cn twins signed for cn-northwest-1 in aws-cn.
 */
static const struct global_service ce_service = {
    "Cost Explorer",
    "aws.ce_endpoint",
    "config aws.ce_endpoint",
    "AWS_ENDPOINT_URL_COST_EXPLORER",
    { { "aws", "ce.us-east-1.amazonaws.com", "us-east-1" },
      { "aws-cn", "ce.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1" } },
};
static const struct global_service budgets_service = {
    "AWS Budgets",
    "aws.budgets_endpoint",
    "config aws.budgets_endpoint",
    "AWS_ENDPOINT_URL_BUDGETS",
    { { "aws", "budgets.amazonaws.com", "us-east-1" },
      { "aws-cn", "budgets.amazonaws.com.cn", "cn-northwest-1" } },
};

/* The global service ctx's entry for the partition pi, or SBX_E_CONFIG naming its key. */
static int
global_default(const struct endpoint_opts *opts, const void *ctx, const char *region,
               const struct partition_info *pi, struct endpoint *out, struct sbx_err *err)
{
    const struct global_service *gs = ctx;

    (void)opts;
    (void)region;
    for (size_t i = 0; i < SBX_ARRAY_LEN(gs->hosts); i++) {
        if (strcmp(pi->name, gs->hosts[i].partition) == 0) {
            from_host(gs->hosts[i].host, gs->hosts[i].region, pi->name, out);
            return 0;
        }
    }
    sbx_err_set(err, SBX_E_CONFIG, "%s has no known endpoint in partition '%s'; set %s", gs->name,
                pi->name, gs->config_key);
    return -1;
}

static int
resolve_global(const struct endpoint_opts *opts, const struct endpoint_env *env,
               const struct global_service *gs, struct endpoint *out, struct sbx_err *err)
{
    return resolve(opts, env, gs->source, gs->env_var, global_default, gs, out, err);
}

int
endpoint_resolve_ce(const struct endpoint_opts *opts, const struct endpoint_env *env,
                    struct endpoint *out, struct sbx_err *err)
{
    return resolve_global(opts, env, &ce_service, out, err);
}

int
endpoint_resolve_budgets(const struct endpoint_opts *opts, const struct endpoint_env *env,
                         struct endpoint *out, struct sbx_err *err)
{
    return resolve_global(opts, env, &budgets_service, out, err);
}

/* Regions whose legacy (AWS_STS_REGIONAL_ENDPOINTS=legacy) STS endpoint is the global one. */
static bool
sts_legacy_global(const char *region)
{
    static const char *const regions[] = {
        "ap-northeast-1", "ap-south-1",   "ap-southeast-1", "ap-southeast-2",
        "aws-global",     "ca-central-1", "eu-central-1",   "eu-north-1",
        "eu-west-1",      "eu-west-2",    "eu-west-3",      "sa-east-1",
        "us-east-1",      "us-east-2",    "us-west-1",      "us-west-2",
    };

    for (size_t i = 0; i < SBX_ARRAY_LEN(regions); i++) {
        if (strcmp(region, regions[i]) == 0)
            return true;
    }
    return false;
}

static int
sts_default(const struct endpoint_opts *opts, const void *ctx, const char *region,
            const struct partition_info *pi, struct endpoint *out, struct sbx_err *err)
{
    char host[160];

    (void)ctx;
    (void)err;
    if (opts->sts_global && strcmp(pi->name, "aws") == 0 && sts_legacy_global(region)) {
        from_host("sts.amazonaws.com", "us-east-1", pi->name, out);
        return 0;
    }
    snprintf(host, sizeof(host), "sts%s.%s.%s", opts->fips ? "-fips" : "", region, pi->dns_suffix);
    from_host(host, region, pi->name, out);
    return 0;
}

int
endpoint_resolve_sts(const struct endpoint_opts *opts, const struct endpoint_env *env,
                     struct endpoint *out, struct sbx_err *err)
{
    return resolve(opts, env, "config aws.sts_endpoint", "AWS_ENDPOINT_URL_STS", sts_default, NULL,
                   out, err);
}

/* A regional service: {host_prefix}.{region}.{dns suffix}; FIPS only through an override. */
static int
regional_default(const struct endpoint_opts *opts, const void *ctx, const char *region,
                 const struct partition_info *pi, struct endpoint *out, struct sbx_err *err)
{
    const struct endpoint_service *svc = ctx;
    char host[160];

    if (opts->fips) {
        sbx_err_set(err, SBX_E_CONFIG,
                    "FIPS endpoints are not resolved for %s: set %s to the endpoint to use",
                    svc->host_prefix, svc->config_key);
        return -1;
    }
    snprintf(host, sizeof(host), "%s.%s.%s", svc->host_prefix, region, pi->dns_suffix);
    from_host(host, region, pi->name, out);
    return 0;
}

int
endpoint_resolve_regional(const struct endpoint_opts *opts, const struct endpoint_env *env,
                          const struct endpoint_service *svc, struct endpoint *out,
                          struct sbx_err *err)
{
    return resolve(opts, env, svc->config_key, svc->env_var, regional_default, svc, out, err);
}

void
endpoint_env_read(const char *service_upper, struct endpoint_env *env)
{
    char name[64];

    snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", service_upper);
    env->service_url = getenv(name);
    env->global_url = getenv("AWS_ENDPOINT_URL");
    env->ignore_configured = getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
}
