/*
 * creds.c -- AWS credentials resolved the way the AWS CLI resolves them (see creds.h).
 *
 * Chain (AWS-ORGANIZATIONS.md section 5.1, botocore's create_credential_resolver): the
 * environment (skipped for a profile given explicitly), then for the selected profile:
 * role_arn with source_profile or credential_source (STS AssumeRole), static keys in the
 * shared credentials file, credential_process, static keys in the config file. Profile
 * settings are read from the credentials file first, then the config file, as botocore merges
 * them. Every source that did not apply is remembered, so a failure lists them all.
 * The shared files are parsed by creds_ini.c, the helper run by creds_process.c.
 *
 * Credentials that have already expired are refused wherever they come from (the AWS CLI
 * refreshes them once and then refuses): the caller refreshes before expiry, and a source
 * that can only hand out expired ones is an error, never used.
 */
#include "aws/creds.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awscall.h"
#include "aws/endpoint.h"
#include "aws/retry.h"
#include "aws/sts.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/log.h"

#define MAX_ROLE_DEPTH  8
#define PROCESS_TIMEOUT 60

/* "a; b; c" list of the sources tried, for the final error. */
struct tried {
    char text[400];
};

static void tried_add(struct tried *t, const char *fmt, ...) SBX_PRINTF(2, 3);

static void
tried_add(struct tried *t, const char *fmt, ...)
{
    size_t n = strlen(t->text);
    va_list ap;

    if (n > 0 && n + 2 < sizeof(t->text)) {
        memcpy(t->text + n, "; ", 3);
        n += 2;
    }
    va_start(ap, fmt);
    vsnprintf(t->text + n, sizeof(t->text) - n, fmt, ap);
    va_end(ap);
}

const char *
creds_profile_name(const struct creds_opts *opts)
{
    const char *p = opts != NULL ? opts->profile : NULL;

    if (p != NULL && *p != '\0')
        return p;
    p = getenv("AWS_PROFILE");
    if (p != NULL && *p != '\0')
        return p;
    p = getenv("AWS_DEFAULT_PROFILE");
    if (p != NULL && *p != '\0')
        return p;
    return "default";
}

/* --- the chain ------------------------------------------------------------------------ */

struct resolver {
    const struct creds_opts *opts;
    struct creds_ini cred_file; /* shared credentials file */
    struct creds_ini conf_file; /* shared config file */
    struct tried tried;
};

/* A profile setting: credentials file first, then config file (botocore merges them so). */
static const char *
profile_get(const struct resolver *r, const char *profile, const char *key)
{
    const char *v = creds_ini_get(&r->cred_file, "profile", profile, key, NULL);

    if (v == NULL)
        v = creds_ini_get(&r->conf_file, "profile", profile, key, NULL);
    return v != NULL && *v != '\0' ? v : NULL;
}

static bool
profile_exists(const struct resolver *r, const char *profile)
{
    return creds_ini_has_section(&r->cred_file, "profile", profile) ||
           creds_ini_has_section(&r->conf_file, "profile", profile);
}

/* Environment credentials. Returns 1 if found, 0 if not (tried noted), -1 on error. */
static int
from_env(struct resolver *r, struct creds *out, struct sbx_err *err)
{
    const char *akid = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
    const char *token = getenv("AWS_SESSION_TOKEN"), *exp = getenv("AWS_CREDENTIAL_EXPIRATION");
    int64_t expiration = 0;
    bool has_akid = akid != NULL && *akid != '\0', has_secret = secret != NULL && *secret != '\0';

    if (token == NULL || *token == '\0')
        token = getenv("AWS_SECURITY_TOKEN");
    if (!has_akid && !has_secret) {
        tried_add(&r->tried, "environment (AWS_ACCESS_KEY_ID not set)");
        return 0;
    }
    if (!has_akid || !has_secret) {
        sbx_err_set(err, SBX_E_CREDS,
                    "partial credentials in the environment: %s is set but %s is not",
                    has_akid ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                    has_akid ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
        return -1;
    }
    if (exp != NULL && *exp != '\0' && duration_parse_time(exp, &expiration, NULL) != 0) {
        sbx_err_set(err, SBX_E_CREDS, "invalid AWS_CREDENTIAL_EXPIRATION '%.40s'", exp);
        return -1;
    }
    if (creds_set(out, akid, secret, token, expiration, err) != 0)
        return -1;
    if (creds_check_unexpired(out, (int64_t)clock_wall(), err) != 0) {
        creds_release(out);
        sbx_err_prefix(err, "environment (AWS_CREDENTIAL_EXPIRATION)");
        return -1;
    }
    snprintf(out->source, sizeof(out->source), "environment");
    return 1;
}

/* Static keys of profile in f. Returns 1 if found, 0 if not, -1 on error. */
static int
from_static(const struct creds_ini *f, const char *profile, struct creds *out, struct sbx_err *err)
{
    const char *akid = creds_ini_get(f, "profile", profile, "aws_access_key_id", NULL);
    const char *secret = creds_ini_get(f, "profile", profile, "aws_secret_access_key", NULL);
    const char *token = creds_ini_get(f, "profile", profile, "aws_session_token", NULL);

    if (akid == NULL || *akid == '\0')
        return 0;
    if (secret == NULL || *secret == '\0') {
        sbx_err_set(err, SBX_E_CREDS,
                    "profile '%s' in '%s' has aws_access_key_id but no aws_secret_access_key",
                    profile, f->path);
        return -1;
    }
    if (token == NULL || *token == '\0')
        token = creds_ini_get(f, "profile", profile, "aws_security_token", NULL);
    return creds_set(out, akid, secret, token, 0, err) == 0 ? 1 : -1;
}

/* A credentials provider over fixed credentials, for the AssumeRole call. */
static int
fixed_creds(void *ctx, bool force, const struct creds **out, struct sbx_err *err)
{
    (void)force;
    (void)err;
    *out = ctx;
    return 0;
}

static int resolve_profile(struct resolver *r, const char *profile, const char **visited, int depth,
                           struct creds *out, struct sbx_err *err);

static int
assume_role(struct resolver *r, const char *profile, const char *role_arn,
            const struct creds *source, struct creds *out, struct sbx_err *err)
{
    const struct creds_opts *o = r->opts;
    struct retry_quota quota;
    struct awscall_client c = { 0 };
    struct endpoint ep;
    struct endpoint_opts eo = { 0 };
    struct endpoint_env env;
    struct sts_assume_params p = { 0 };
    const char *dur = profile_get(r, profile, "duration_seconds");
    const char *region = profile_get(r, profile, "region");
    char session[64];
    int64_t d = 0;
    int attempts;

    if (o->http == NULL) {
        sbx_err_set(err, SBX_E_CREDS, "profile '%s': role_arn needs an HTTP client", profile);
        return -1;
    }
    if (profile_get(r, profile, "mfa_serial") != NULL) {
        sbx_err_set(err, SBX_E_CREDS,
                    "profile '%s': mfa_serial is not supported (use credential_process)", profile);
        return -1;
    }
    if (dur != NULL && duration_parse_int64(dur, 900, 43200, &d, NULL) != 0) {
        sbx_err_set(err, SBX_E_CREDS, "profile '%s': duration_seconds '%.20s' must be 900 to 43200",
                    profile, dur);
        return -1;
    }
    if (retry_max_attempts(o->max_attempts, getenv("AWS_MAX_ATTEMPTS"), &attempts, err) != 0)
        return -1;
    eo.region = o->region != NULL ? o->region : region;
    eo.config_url = o->sts_endpoint;
    endpoint_env_read("STS", &env);
    if (endpoint_resolve_sts(&eo, &env, &ep, err) != 0)
        return -1;
    retry_quota_init(&quota);
    c.http = o->http;
    c.clock = o->clock;
    c.quota = &quota;
    c.max_attempts = attempts;
    c.get_creds = fixed_creds;
    c.creds_ctx = (void *)source;
    p.role_arn = role_arn;
    p.session_name = profile_get(r, profile, "role_session_name");
    if (p.session_name == NULL) {
        snprintf(session, sizeof(session), "sandboxctl-%lld",
                 (long long)floor(clock_now(o->clock)));
        p.session_name = session;
    }
    p.duration_secs = (int)d;
    p.external_id = profile_get(r, profile, "external_id");
    if (sts_assume_role(&c, &ep, &p, out, err) != 0) {
        sbx_err_prefix(err, "profile '%s'", profile);
        return -1;
    }
    if (creds_check_unexpired(out, (int64_t)clock_wall(), err) != 0) {
        creds_release(out);
        sbx_err_prefix(err, "profile '%s': role '%s' (as STS returned them)", profile, role_arn);
        return -1;
    }
    return 0;
}

/* role_arn profiles: credentials of the source, then AssumeRole. visited lists nvisited
 * profiles, this one last. Returns 1 if the profile has role_arn and it worked, 0 if it has
 * none, -1 on error. */
static int
from_role(struct resolver *r, const char *profile, const char **visited, int nvisited,
          struct creds *out, struct sbx_err *err)
{
    const char *role_arn = profile_get(r, profile, "role_arn");
    const char *src = profile_get(r, profile, "source_profile");
    const char *csrc = profile_get(r, profile, "credential_source");
    struct creds source = { 0 };
    struct resolver sub;
    int rc = -1, found;

    if (role_arn == NULL)
        return 0;
    if ((src == NULL) == (csrc == NULL)) {
        sbx_err_set(
                err, SBX_E_CREDS,
                "profile '%s': role_arn needs exactly one of source_profile and credential_source",
                profile);
        return -1;
    }
    if (csrc != NULL) {
        if (strcmp(csrc, "Environment") != 0) {
            sbx_err_set(
                    err, SBX_E_CREDS,
                    "profile '%s': credential_source '%.40s' is not supported (only Environment)",
                    profile, csrc);
            return -1;
        }
        memset(&sub, 0, sizeof(sub));
        found = from_env(&sub, &source, err);
        if (found == 0)
            sbx_err_set(
                    err, SBX_E_CREDS,
                    "profile '%s': credential_source Environment but AWS_ACCESS_KEY_ID is not set",
                    profile);
        if (found != 1)
            goto out;
    } else if (strcmp(src, profile) == 0) {
        /* A profile may name itself as source: its static keys sign the AssumeRole call. */
        found = from_static(&r->cred_file, profile, &source, err);
        if (found == 0)
            found = from_static(&r->conf_file, profile, &source, err);
        if (found == 0)
            sbx_err_set(err, SBX_E_CREDS,
                        "profile '%s' is its own source_profile but has no static keys", profile);
        if (found != 1)
            goto out;
    } else {
        if (!profile_exists(r, src)) {
            sbx_err_set(err, SBX_E_CREDS, "profile '%s': source_profile '%s' does not exist",
                        profile, src);
            goto out;
        }
        if (resolve_profile(r, src, visited, nvisited, &source, err) != 0) {
            if (err->code == SBX_E_CREDS && strncmp(err->msg, "profile ", 8) != 0)
                sbx_err_prefix(err, "profile '%s': source_profile '%s'", profile, src);
            goto out;
        }
    }
    if (assume_role(r, profile, role_arn, &source, out, err) != 0)
        goto out;
    if (csrc != NULL)
        snprintf(out->source, sizeof(out->source),
                 "profile '%.60s' (role_arn, source: environment)", profile);
    else
        snprintf(out->source, sizeof(out->source),
                 "profile '%.40s' (role_arn, source_profile '%.40s')", profile, src);
    rc = 1;
out:
    creds_release(&source);
    return rc;
}

/*
 * The profile part of the chain. visited holds the profiles above this one (cycle check).
 * Returns 0 with *out, or -1: SBX_E_CREDS with r->tried listing what was looked at, or the
 * error of a source that applied and failed.
 */
static int
resolve_profile(struct resolver *r, const char *profile, const char **visited, int depth,
                struct creds *out, struct sbx_err *err)
{
    const char *process;
    const char *chain[MAX_ROLE_DEPTH + 2];
    int found;

    if (depth > MAX_ROLE_DEPTH) {
        sbx_err_set(err, SBX_E_CREDS, "profile '%s': source_profile chain deeper than %d", profile,
                    MAX_ROLE_DEPTH);
        return -1;
    }
    for (int i = 0; i < depth; i++) {
        if (strcmp(visited[i], profile) == 0) {
            char path[256] = "";
            for (int k = 0; k < depth; k++) {
                size_t n = strlen(path);
                snprintf(path + n, sizeof(path) - n, "%s -> ", visited[k]);
            }
            sbx_err_set(err, SBX_E_CREDS, "source_profile loop: %s%s", path, profile);
            return -1;
        }
        chain[i] = visited[i];
    }
    chain[depth] = profile;

    found = from_role(r, profile, chain, depth + 1, out, err);
    if (found != 0)
        return found > 0 ? 0 : -1;

    found = from_static(&r->cred_file, profile, out, err);
    if (found < 0)
        return -1;
    if (found > 0) {
        snprintf(out->source, sizeof(out->source), "profile '%.60s' (shared credentials file)",
                 profile);
        return 0;
    }
    if (!r->cred_file.present)
        tried_add(&r->tried, "shared credentials file '%.120s' (no such file)", r->cred_file.path);
    else if (!creds_ini_has_section(&r->cred_file, "profile", profile))
        tried_add(&r->tried, "shared credentials file '%.120s' (no profile '%.40s')",
                  r->cred_file.path, profile);
    else
        tried_add(&r->tried, "shared credentials file '%.120s' (profile '%.40s' has no keys)",
                  r->cred_file.path, profile);

    process = profile_get(r, profile, "credential_process");
    if (process != NULL) {
        int timeout = r->opts->process_timeout > 0 ? r->opts->process_timeout : PROCESS_TIMEOUT;

        if (creds_process_fetch(process, timeout, out, err) != 0) {
            sbx_err_prefix(err, "profile '%s'", profile);
            return -1;
        }
        if (creds_check_unexpired(out, (int64_t)clock_wall(), err) != 0) {
            char **argv = NULL;
            struct sbx_err ignore = { 0 };

            creds_release(out);
            sbx_err_prefix(err, "profile '%s': credential_process '%s'", profile,
                           creds_split_command(process, &argv, &ignore) == 0 ? argv[0] : "");
            creds_argv_free(argv);
            return -1;
        }
        snprintf(out->source, sizeof(out->source), "profile '%.60s' (credential_process)", profile);
        return 0;
    }

    found = from_static(&r->conf_file, profile, out, err);
    if (found < 0)
        return -1;
    if (found > 0) {
        snprintf(out->source, sizeof(out->source), "profile '%.60s' (shared config file)", profile);
        return 0;
    }
    if (!r->conf_file.present)
        tried_add(&r->tried, "shared config file '%.120s' (no such file)", r->conf_file.path);
    else if (!creds_ini_has_section(&r->conf_file, "profile", profile))
        tried_add(&r->tried, "shared config file '%.120s' (no profile '%.40s')", r->conf_file.path,
                  profile);
    else
        tried_add(&r->tried,
                  "shared config file '%.120s' (profile '%.40s' has no role_arn, "
                  "credential_process or keys)",
                  r->conf_file.path, profile);
    sbx_err_set(err, SBX_E_CREDS, "no credentials for profile '%s': %s", profile, r->tried.text);
    return -1;
}

int
creds_resolve(const struct creds_opts *opts, struct creds *out, struct sbx_err *err)
{
    struct resolver r;
    const char *profile = creds_profile_name(opts);
    bool explicit_profile = opts->profile_explicit && opts->profile != NULL;
    char path[4096];
    struct creds tmp = { 0 };
    int rc = -1, found;

    memset(out, 0, sizeof(*out));
    memset(&r, 0, sizeof(r));
    r.opts = opts;
    if (!explicit_profile) {
        found = from_env(&r, &tmp, err);
        if (found < 0)
            goto out;
        if (found > 0)
            goto done;
    } else {
        tried_add(&r.tried, "environment (skipped: profile '%.40s' configured)", profile);
    }
    if (creds_aws_file_path("AWS_SHARED_CREDENTIALS_FILE", "credentials", path, sizeof(path),
                            err) != 0 ||
        creds_ini_load(path, "shared credentials file", false, &r.cred_file, err) != 0)
        goto out;
    if (creds_aws_file_path("AWS_CONFIG_FILE", "config", path, sizeof(path), err) != 0 ||
        creds_ini_load(path, "shared config file", true, &r.conf_file, err) != 0)
        goto out;
    if (resolve_profile(&r, profile, NULL, 0, &tmp, err) != 0) {
        if (err->code == SBX_E_CREDS && strncmp(err->msg, "no credentials", 14) == 0)
            sbx_err_set(err, SBX_E_CREDS, "no credentials: %s", r.tried.text);
        goto out;
    }
done:
    *out = tmp;
    memset(&tmp, 0, sizeof(tmp));
    log_debug("credentials from %s", out->source);
    rc = 0;
out:
    creds_release(&tmp);
    creds_ini_free(&r.cred_file);
    creds_ini_free(&r.conf_file);
    return rc;
}
