/*
 * cfg.c -- load sandboxctl.cfg (libconfig) into struct sbx_config, validating every value.
 *
 * Design: the struct starts from the defaults (cfg_defaults), then each group of the file is
 * walked setting by setting; a name the schema does not know is an error, so a typo never
 * silently falls back to a default. Every message names the file, the line and the full key
 * ("FILE:LINE: key 'limits.create_rate': must be > 0 (got -1)"). Checks that relate two keys
 * (ttl <= max_ttl, warn < max_ttl, quota min <= max) run after the walk, so key order in the
 * file does not matter. Relative paths are resolved against the config file's directory.
 * When cfg_load returns, every string is a copy owned by the struct and libconfig's tree is
 * gone (the simulator secret in it is wiped first).
 */
#include "cfg.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>
#include <openssl/crypto.h>

#include "util/duration.h"

#define DAY (24 * 3600)

struct loader {
    const char *path; /* as given: messages name it this way */
    char *dir;        /* absolute directory of the file, for relative paths */
    struct sbx_config *cfg;
    struct sbx_err *err;
};

/* A string check: returns 0, or -1 with why filled ("must be ..."). */
typedef int (*str_check)(const char *v, char *why, size_t n);

static const char *const hook_event_names[CFG_HOOK_EVENT_COUNT] = {
    [CFG_HOOK_POST_CREATE] = "post-create",
    [CFG_HOOK_EXPIRY_WARNING] = "expiry-warning",
    [CFG_HOOK_PRE_CLOSE] = "pre-close",
    [CFG_HOOK_POST_CLOSE] = "post-close",
};

static const char *const placeholders[] = { "kind", "owner", "class", "seat", "seq", "rand" };

const char *
cfg_hook_event_name(enum cfg_hook_event ev)
{
    if ((int)ev < 0 || ev >= CFG_HOOK_EVENT_COUNT)
        return "unknown";
    return hook_event_names[ev];
}

const char *
cfg_resolve_path(const char *explicit_path)
{
    const char *env = getenv("SANDBOXCTL_CONFIG");

    if (explicit_path != NULL)
        return explicit_path;
    return env != NULL && *env != '\0' ? env : CFG_DEFAULT_PATH;
}

const struct cfg_kind *
cfg_kind_find(const struct sbx_config *cfg, const char *name)
{
    if (cfg == NULL || name == NULL)
        return NULL;
    for (int i = 0; i < cfg->nkinds; i++)
        if (strcmp(cfg->kinds[i].name, name) == 0)
            return &cfg->kinds[i];
    return NULL;
}

/* ---- memory ---- */

/* Replaces *dst with a copy of src (NULL allowed). Returns -1 on out of memory. */
static int
set_str(char **dst, const char *src)
{
    char *copy = NULL;

    if (src != NULL) {
        copy = strdup(src);
        if (copy == NULL)
            return -1;
    }
    free(*dst);
    *dst = copy;
    return 0;
}

static void
free_tags(struct cfg_tag *tags, int *n)
{
    for (int i = 0; i < *n; i++) {
        free(tags[i].key);
        free(tags[i].value);
        tags[i].key = tags[i].value = NULL;
    }
    *n = 0;
}

static void
free_kind(struct cfg_kind *k)
{
    free(k->name);
    free(k->ou);
    free_tags(k->tags, &k->ntags);
    free(k->email_template);
    free(k->name_template);
    memset(k, 0, sizeof(*k));
}

void
cfg_free(struct sbx_config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->path);
    free(cfg->store);
    free(cfg->aws.profile);
    free(cfg->aws.region);
    free(cfg->aws.endpoint);
    free(cfg->aws.sts_endpoint);
    free(cfg->aws.access_role);
    free(cfg->org.email_template);
    free(cfg->org.name_template);
    free(cfg->org.owner_domain);
    free_tags(cfg->org.protected_tags, &cfg->org.nprotected_tags);
    for (int i = 0; i < cfg->org.nprotected_accounts; i++)
        free(cfg->org.protected_accounts[i]);
    free(cfg->org.close_wait_ou);
    free(cfg->hooks.dir);
    free(cfg->hooks.log_dir);
    free(cfg->hooks.nuke_config_dir);
    free(cfg->hooks.nuke_regions);
    free(cfg->hooks.webhook_url);
    free(cfg->hooks.mail_from);
    free(cfg->sim.listen);
    free(cfg->sim.access_key_id);
    if (cfg->sim.secret_access_key != NULL) {
        OPENSSL_cleanse(cfg->sim.secret_access_key, strlen(cfg->sim.secret_access_key));
        free(cfg->sim.secret_access_key);
    }
    free(cfg->sim.state);
    for (int i = 0; i < cfg->nkinds; i++)
        free_kind(&cfg->kinds[i]);
    free(cfg);
}

/* ---- defaults ---- */

static int
add_default_kind(struct sbx_config *cfg, const char *name, int64_t ttl, int64_t max_ttl,
                 const char *ou, int max_per_owner, const int64_t *warn, int nwarn)
{
    struct cfg_kind *k = &cfg->kinds[cfg->nkinds++];

    if (set_str(&k->name, name) != 0 || set_str(&k->ou, ou) != 0)
        return -1;
    k->default_ttl = ttl;
    k->max_ttl = max_ttl;
    k->max_per_owner = max_per_owner;
    for (int i = 0; i < nwarn; i++)
        k->warn[i] = warn[i];
    k->nwarn = nwarn;
    for (int i = 0; i < CFG_HOOK_EVENT_COUNT; i++)
        k->hooks[i] = true;
    return 0;
}

static int
add_default_kinds(struct sbx_config *cfg)
{
    static const int64_t dev_warn[] = { DAY }, training_warn[] = { DAY, 2 * 3600 },
                         demo_warn[] = { 3600 };

    if (add_default_kind(cfg, "developer", 0, 0, "Sandboxes/Developers", 1, dev_warn, 1) != 0 ||
        add_default_kind(cfg, "training", 3 * DAY, 14 * DAY, "Sandboxes/Training", 0, training_warn,
                         2) != 0 ||
        add_default_kind(cfg, "demo", 8 * 3600, 3 * DAY, "Sandboxes/Demos", 0, demo_warn, 1) != 0)
        return -1;
    return 0;
}

/* Everything but the kinds and the hook log directory (which follows the store). */
static int
set_defaults(struct sbx_config *cfg)
{
    struct cfg_limits *l = &cfg->limits;

    if (set_str(&cfg->store, "/var/lib/sandboxctl/sandboxctl.db") != 0 ||
        set_str(&cfg->aws.access_role, "OrganizationAccountAccessRole") != 0 ||
        set_str(&cfg->org.email_template, "sandbox+{kind}-{owner}-{seq}@example.com") != 0 ||
        set_str(&cfg->org.name_template, "sbx-{kind}-{owner}-{seq}") != 0 ||
        set_str(&cfg->hooks.dir, "/etc/sandboxctl/hooks") != 0 ||
        set_str(&cfg->hooks.nuke_regions, "global,us-east-1") != 0 ||
        set_str(&cfg->sim.listen, "127.0.0.1:4566") != 0 ||
        set_str(&cfg->sim.access_key_id, "AKIASANDBOXCTLSIM01") != 0 ||
        set_str(&cfg->sim.secret_access_key, "sandboxctl-simulator-secret-key-not-for-aws") != 0)
        return -1;
    cfg->aws.max_attempts = 5;
    cfg->aws.connect_timeout = 10;
    cfg->aws.request_timeout = 60;
    l->create_rate = 0.1;
    l->create_burst = 3;
    l->create_in_progress = 5;
    l->close_rate = 0.05;
    l->close_burst = 1;
    l->close_in_flight = 3;
    l->close_quota = 0;
    l->close_quota_min = 250;
    l->close_quota_pct = 20;
    l->close_quota_max = 1000;
    l->describe_rate = 2;
    l->move_rate = 2;
    l->tag_rate = 4;
    l->account_limit = 10;
    l->create_stuck = 10 * 60;
    cfg->hooks.timeout = 60 * 60;
    cfg->hooks.output_limit = 1024 * 1024;
    cfg->hooks.parallel = 4;
    cfg->hooks.max_attempts = 3;
    cfg->hooks.retry_backoff = 5 * 60;
    cfg->sim.time_scale = 1;
    cfg->sim.create_latency = 60;
    cfg->sim.close_latency = 5 * 60;
    cfg->sim.account_limit = 10;
    cfg->sim.seed = 1;
    cfg->sim.throttle = true;
    return 0;
}

/* hooks.log_dir defaults to <directory of the store>/hook-logs. */
static int
default_log_dir(struct sbx_config *cfg)
{
    const char *slash;
    int dirlen;
    size_t size;

    if (cfg->hooks.log_dir != NULL)
        return 0;
    slash = strrchr(cfg->store, '/');
    dirlen = slash == NULL ? 1 : (int)(slash - cfg->store);
    size = (size_t)dirlen + sizeof("/hook-logs");
    cfg->hooks.log_dir = malloc(size);
    if (cfg->hooks.log_dir == NULL)
        return -1;
    snprintf(cfg->hooks.log_dir, size, "%.*s/hook-logs", dirlen, slash == NULL ? "." : cfg->store);
    return 0;
}

int
cfg_defaults(struct sbx_config **out, struct sbx_err *err)
{
    struct sbx_config *cfg = calloc(1, sizeof(*cfg));

    *out = NULL;
    if (cfg == NULL || set_defaults(cfg) != 0 || add_default_kinds(cfg) != 0 ||
        default_log_dir(cfg) != 0) {
        cfg_free(cfg);
        sbx_err_set(err, SBX_E_NOMEM, "out of memory");
        return -1;
    }
    *out = cfg;
    return 0;
}

/* ---- messages ---- */

/* The dotted key of s: "kinds.demo.ttl", list elements as "kinds.demo.warn[1]". */
static void
key_path(const config_setting_t *s, char *buf, size_t n)
{
    const config_setting_t *parent = config_setting_parent(s);
    const char *name = config_setting_name(s);
    size_t len;

    buf[0] = '\0';
    if (parent == NULL)
        return;
    if (!config_setting_is_root(parent))
        key_path(parent, buf, n);
    len = strlen(buf);
    if (name != NULL)
        snprintf(buf + len, n - len, "%s%s", len > 0 ? "." : "", name);
    else
        snprintf(buf + len, n - len, "[%d]", config_setting_index(s));
}

static const char *
source_file(const struct loader *ld, const config_setting_t *s)
{
    const char *f = config_setting_source_file(s);

    return f != NULL ? f : ld->path;
}

static int key_error(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
        SBX_PRINTF(3, 4);

/* Sets "FILE:LINE: key 'a.b': <fmt>" (SBX_E_CONFIG) and returns -1. */
static int
key_error(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
{
    char key[256], why[384];
    va_list ap;

    key_path(s, key, sizeof(key));
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    sbx_err_set(ld->err, SBX_E_CONFIG, "%s:%u: key '%s': %s", source_file(ld, s),
                (unsigned)config_setting_source_line(s), key, why);
    return -1;
}

static int
unknown_key(struct loader *ld, const config_setting_t *s)
{
    char key[256];

    key_path(s, key, sizeof(key));
    sbx_err_set(ld->err, SBX_E_CONFIG, "%s:%u: unknown key '%s'", source_file(ld, s),
                (unsigned)config_setting_source_line(s), key);
    return -1;
}

static int
nomem(struct loader *ld)
{
    sbx_err_set(ld->err, SBX_E_NOMEM, "out of memory");
    return -1;
}

static const char *
type_name(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_GROUP:
        return "a group";
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        return "an integer";
    case CONFIG_TYPE_FLOAT:
        return "a number";
    case CONFIG_TYPE_STRING:
        return "a string";
    case CONFIG_TYPE_BOOL:
        return "a boolean";
    case CONFIG_TYPE_ARRAY:
        return "an array";
    case CONFIG_TYPE_LIST:
        return "a list";
    default:
        return "nothing";
    }
}

/* ---- typed getters ---- */

static int
get_group(struct loader *ld, const config_setting_t *s)
{
    if (!config_setting_is_group(s))
        return key_error(ld, s, "must be a group { ... } (got %s)", type_name(s));
    return 0;
}

static int
get_list(struct loader *ld, const config_setting_t *s, int max)
{
    if (!config_setting_is_array(s) && !config_setting_is_list(s))
        return key_error(ld, s, "must be a list [ ... ] (got %s)", type_name(s));
    if (config_setting_length(s) > max)
        return key_error(ld, s, "at most %d entries allowed (got %d)", max,
                         config_setting_length(s));
    return 0;
}

static int
get_string(struct loader *ld, const config_setting_t *s, const char **out)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return key_error(ld, s, "must be a string (got %s)", type_name(s));
    *out = config_setting_get_string(s);
    return 0;
}

/* A string passing check into *dst. Empty strings mean "unset" (NULL) when optional. */
static int
get_str(struct loader *ld, const config_setting_t *s, bool optional, str_check check, char **dst)
{
    const char *v = NULL;
    char why[256];

    if (get_string(ld, s, &v) != 0)
        return -1;
    if (*v == '\0') {
        if (!optional)
            return key_error(ld, s, "must not be empty");
        free(*dst);
        *dst = NULL;
        return 0;
    }
    if (check != NULL && check(v, why, sizeof(why)) != 0)
        return key_error(ld, s, "%s (got \"%s\")", why, v);
    if (set_str(dst, v) != 0)
        return nomem(ld);
    return 0;
}

static int
get_int(struct loader *ld, const config_setting_t *s, int64_t min, int64_t max, int64_t *out)
{
    int64_t v;

    if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
        return key_error(ld, s, "must be an integer (got %s)", type_name(s));
    v = (int64_t)config_setting_get_int64(s);
    if (v < min)
        return key_error(ld, s, "must be >= %" PRId64 " (got %" PRId64 ")", min, v);
    if (v > max)
        return key_error(ld, s, "must be <= %" PRId64 " (got %" PRId64 ")", max, v);
    *out = v;
    return 0;
}

static int
get_int32(struct loader *ld, const config_setting_t *s, int min, int max, int *out)
{
    int64_t v = 0;

    if (get_int(ld, s, min, max, &v) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

/* A number in (above, max]. */
static int
get_double(struct loader *ld, const config_setting_t *s, double above, double max, double *out)
{
    double v;

    if (!config_setting_is_number(s))
        return key_error(ld, s, "must be a number (got %s)", type_name(s));
    if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
        v = config_setting_get_float(s);
    else
        v = (double)config_setting_get_int64(s);
    if (!(v > above))
        return key_error(ld, s, "must be > %g (got %g)", above, v);
    if (v > max)
        return key_error(ld, s, "must be <= %g (got %g)", max, v);
    *out = v;
    return 0;
}

static int
get_bool(struct loader *ld, const config_setting_t *s, bool *out)
{
    if (config_setting_type(s) != CONFIG_TYPE_BOOL)
        return key_error(ld, s, "must be true or false (got %s)", type_name(s));
    *out = config_setting_get_bool(s) != 0;
    return 0;
}

/* A duration string ("90m", "8h", "3d") within [min, max] seconds. */
static int
get_duration(struct loader *ld, const config_setting_t *s, int64_t min, int64_t max, int64_t *out)
{
    struct sbx_err derr = { 0 };
    char a[32], b[32];
    const char *v;
    int64_t secs;

    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return key_error(ld, s,
                         "must be a duration string such as \"90m\", \"8h\", \"3d\" (got %s)",
                         type_name(s));
    v = config_setting_get_string(s);
    if (duration_parse(v, &secs, &derr) != 0)
        return key_error(ld, s, "%s", derr.msg);
    if (secs < min)
        return key_error(ld, s, "must be at least %s (got \"%s\")",
                         duration_format(min, a, sizeof(a)), v);
    if (secs > max)
        return key_error(ld, s, "must be at most %s (got \"%s\")",
                         duration_format(max, b, sizeof(b)), v);
    *out = secs;
    return 0;
}

/* ---- string checks ---- */

static bool
is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
has_space_or_ctl(const char *v)
{
    for (; *v != '\0'; v++)
        if ((unsigned char)*v <= 0x20 || *v == 0x7f)
            return true;
    return false;
}

static int
check_path(const char *v, char *why, size_t n)
{
    if (strlen(v) >= PATH_MAX) {
        snprintf(why, n, "path too long");
        return -1;
    }
    return 0;
}

static int
check_profile(const char *v, char *why, size_t n)
{
    if (strlen(v) > 128 || has_space_or_ctl(v) || strpbrk(v, "[]") != NULL) {
        snprintf(why, n, "must be a profile name (1-128 characters, no spaces or brackets)");
        return -1;
    }
    return 0;
}

static int
check_region(const char *v, char *why, size_t n)
{
    size_t len = strlen(v);

    if (len > 32 || !(v[0] >= 'a' && v[0] <= 'z') || v[len - 1] == '-' ||
        strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != len) {
        snprintf(why, n, "must be a region name such as \"us-east-1\"");
        return -1;
    }
    return 0;
}

/* A DNS name or IPv4 literal: labels of letters, digits and '-', separated by '.'. */
static bool
valid_hostname(const char *h, size_t len)
{
    size_t label = 0;

    if (len == 0 || len > 253)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (h[i] == '.') {
            if (label == 0 || h[i - 1] == '-')
                return false;
            label = 0;
        } else if (is_alnum(h[i]) || (h[i] == '-' && label > 0)) {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return label > 0 && h[len - 1] != '-';
}

/* "host:port": host a name, IPv4 or [IPv6] literal; port 0..65535 when port_zero_ok. */
static int
parse_host_port(const char *v, size_t len, bool need_port, bool port_zero_ok)
{
    const char *colon = NULL, *host = v;
    size_t hostlen;

    if (len > 0 && v[0] == '[') {
        const char *close = memchr(v, ']', len);

        if (close == NULL || close == v + 1 ||
            strspn(v + 1, "0123456789abcdefABCDEF:.") != (size_t)(close - v - 1))
            return -1;
        host = v;
        hostlen = (size_t)(close - v + 1);
        if (hostlen < len && v[hostlen] != ':')
            return -1;
        colon = hostlen < len ? v + hostlen : NULL;
    } else {
        colon = memchr(v, ':', len);
        hostlen = colon != NULL ? (size_t)(colon - v) : len;
        if (!valid_hostname(host, hostlen))
            return -1;
    }
    if (colon == NULL)
        return need_port ? -1 : 0;
    {
        size_t plen = len - (size_t)(colon + 1 - v);
        long port = 0;

        if (plen == 0 || plen > 5)
            return -1;
        for (size_t i = 0; i < plen; i++) {
            if (colon[1 + i] < '0' || colon[1 + i] > '9')
                return -1;
            port = port * 10 + (colon[1 + i] - '0');
        }
        if (port > 65535 || (port == 0 && !port_zero_ok))
            return -1;
    }
    return 0;
}

static int
check_endpoint(const char *v, char *why, size_t n)
{
    const char *rest;
    size_t len;

    if (strncmp(v, "https://", 8) == 0)
        rest = v + 8;
    else if (strncmp(v, "http://", 7) == 0)
        rest = v + 7;
    else
        goto bad;
    len = strlen(rest);
    if (len > 0 && rest[len - 1] == '/')
        len--;
    if (memchr(rest, '/', len) != NULL || parse_host_port(rest, len, false, false) != 0)
        goto bad;
    return 0;
bad:
    snprintf(why, n,
             "must be an endpoint URL http(s)://host[:port] without path, query or "
             "credentials");
    return -1;
}

static int
check_role(const char *v, char *why, size_t n)
{
    size_t len = strlen(v);

    for (size_t i = 0; i < len; i++) {
        if (!is_alnum(v[i]) && strchr("_+=,.@-", v[i]) == NULL)
            len = 0;
    }
    if (len == 0 || len > 64) {
        snprintf(why, n, "must be an IAM role name (1-64 of A-Z a-z 0-9 _+=,.@-)");
        return -1;
    }
    return 0;
}

/* Placeholders are {name} with name among the known ones; braces must balance. */
static int
check_placeholders(const char *v, char *why, size_t n, bool *has_unique)
{
    *has_unique = false;
    for (const char *p = v; *p != '\0'; p++) {
        const char *close;
        size_t len, i;

        if (*p == '}') {
            snprintf(why, n, "unbalanced '}' in template");
            return -1;
        }
        if (*p != '{')
            continue;
        close = strchr(p, '}');
        if (close == NULL) {
            snprintf(why, n, "unbalanced '{' in template");
            return -1;
        }
        len = (size_t)(close - p - 1);
        for (i = 0; i < SBX_ARRAY_LEN(placeholders); i++)
            if (strlen(placeholders[i]) == len && memcmp(placeholders[i], p + 1, len) == 0)
                break;
        if (i == SBX_ARRAY_LEN(placeholders)) {
            snprintf(why, n,
                     "unknown placeholder '{%.*s}' (known: {kind} {owner} {class} {seat} {seq} "
                     "{rand})",
                     (int)(len > 32 ? 32 : len), p + 1);
            return -1;
        }
        if (strcmp(placeholders[i], "seq") == 0 || strcmp(placeholders[i], "rand") == 0)
            *has_unique = true;
        p = close;
    }
    return 0;
}

static int
check_email_template(const char *v, char *why, size_t n)
{
    const char *at = strchr(v, '@');
    bool unique;

    if (at == NULL || strchr(at + 1, '@') != NULL) {
        snprintf(why, n, "email template must contain '@' exactly once");
        return -1;
    }
    if (at == v || at[1] == '\0' || strchr(at + 1, '.') == NULL || has_space_or_ctl(v)) {
        snprintf(why, n, "email template must look like local@domain.tld, without spaces");
        return -1;
    }
    if (check_placeholders(v, why, n, &unique) != 0)
        return -1;
    if (!unique) {
        snprintf(why, n,
                 "email template must contain {seq} or {rand} so that every address is "
                 "unique");
        return -1;
    }
    return 0;
}

static int
check_name_template(const char *v, char *why, size_t n)
{
    bool unique;

    for (const char *p = v; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
            snprintf(why, n, "account name template must be printable ASCII");
            return -1;
        }
    }
    return check_placeholders(v, why, n, &unique);
}

static int
check_domain(const char *v, char *why, size_t n)
{
    if (!valid_hostname(v, strlen(v))) {
        snprintf(why, n, "must be a domain name such as \"corp.example\"");
        return -1;
    }
    return 0;
}

static int
check_ou_path(const char *v, char *why, size_t n)
{
    const char *p = v;

    if (*v == '/' || v[strlen(v) - 1] == '/') {
        snprintf(why, n, "OU path must not start or end with '/' (e.g. \"Sandboxes/Demos\")");
        return -1;
    }
    while (*p != '\0') {
        size_t len = strcspn(p, "/");

        if (len == 0 || len > 128) {
            snprintf(why, n, "OU path segments must be 1-128 characters");
            return -1;
        }
        p += len;
        if (*p == '/')
            p++;
    }
    for (p = v; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            snprintf(why, n, "OU path must not contain control characters");
            return -1;
        }
    }
    return 0;
}

static int
check_account_id(const char *v, char *why, size_t n)
{
    if (strlen(v) != 12 || strspn(v, "0123456789") != 12) {
        snprintf(why, n, "must be a 12-digit account id");
        return -1;
    }
    return 0;
}

static int
check_regions(const char *v, char *why, size_t n)
{
    const char *p = v;

    while (*p != '\0' || p == v) {
        size_t len = strcspn(p, ",");
        char one[40];

        if (len == 0 || len >= sizeof(one)) {
            snprintf(why, n, "must be comma-separated region names (e.g. \"global,us-east-1\")");
            return -1;
        }
        memcpy(one, p, len);
        one[len] = '\0';
        if (strcmp(one, "global") != 0 && check_region(one, why, n) != 0) {
            snprintf(why, n, "must be comma-separated region names (e.g. \"global,us-east-1\")");
            return -1;
        }
        p += len;
        if (*p == ',') {
            p++;
            if (*p == '\0') {
                snprintf(why, n, "must not end with ','");
                return -1;
            }
        }
    }
    return 0;
}

static int
check_url(const char *v, char *why, size_t n)
{
    if ((strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) || has_space_or_ctl(v) ||
        strlen(v) > 2048) {
        snprintf(why, n, "must be an http:// or https:// URL");
        return -1;
    }
    return 0;
}

static int
check_mail(const char *v, char *why, size_t n)
{
    const char *at = strchr(v, '@');

    if (at == NULL || at == v || strchr(at + 1, '@') != NULL || at[1] == '\0' ||
        has_space_or_ctl(v)) {
        snprintf(why, n, "must be an email address");
        return -1;
    }
    return 0;
}

static int
check_listen(const char *v, char *why, size_t n)
{
    if (parse_host_port(v, strlen(v), true, true) != 0) {
        snprintf(why, n, "must be host:port, e.g. \"127.0.0.1:4566\" (port 0 picks a free one)");
        return -1;
    }
    return 0;
}

static int
check_access_key(const char *v, char *why, size_t n)
{
    size_t len = strlen(v);

    if (len < 16 || len > 128 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != len) {
        snprintf(why, n, "must be 16-128 characters of A-Z and 0-9");
        return -1;
    }
    return 0;
}

/* Like check_* but never echoes the value: used for the secret. */
static int
get_secret(struct loader *ld, const config_setting_t *s, char **dst)
{
    const char *v = NULL;
    char *copy;

    if (get_string(ld, s, &v) != 0)
        return -1;
    if (*v == '\0' || strlen(v) > 128 || has_space_or_ctl(v))
        return key_error(ld, s, "must be 1-128 characters without spaces");
    copy = strdup(v);
    if (copy == NULL)
        return nomem(ld);
    if (*dst != NULL) {
        OPENSSL_cleanse(*dst, strlen(*dst));
        free(*dst);
    }
    *dst = copy;
    return 0;
}

/* ---- tags ---- */

/* Counts UTF-8 code points; -1 if malformed. Sets *bad to the first byte not allowed by
 * AWS's tag pattern ([\p{L}\p{Z}\p{N}_.:/=+\-@]; non-ASCII letters are taken on trust). */
static long
tag_chars(const char *s, size_t len, char *bad)
{
    long count = 0;

    *bad = '\0';
    for (size_t i = 0; i < len; count++) {
        unsigned char c = (unsigned char)s[i];
        size_t extra = c < 0x80             ? 0
                       : (c & 0xe0) == 0xc0 ? 1
                       : (c & 0xf0) == 0xe0 ? 2
                       : (c & 0xf8) == 0xf0 ? 3
                                            : 4;

        if (extra == 4 || (c >= 0x80 && c < 0xc2) || extra > len - i - 1)
            return -1;
        for (size_t j = 1; j <= extra; j++)
            if (((unsigned char)s[i + j] & 0xc0) != 0x80)
                return -1;
        if (extra == 0 && !is_alnum((char)c) && strchr(" _.:/=+-@", c) == NULL && *bad == '\0')
            *bad = (char)c;
        i += extra + 1;
    }
    return count;
}

static int
get_tag(struct loader *ld, const config_setting_t *s, struct cfg_tag *tags, int ntags,
        struct cfg_tag *out)
{
    const char *v = NULL, *eq;
    size_t klen;
    long kc, vc;
    char bad;

    if (get_string(ld, s, &v) != 0)
        return -1;
    eq = strchr(v, '=');
    if (eq == NULL)
        return key_error(ld, s, "tag must be \"Key=Value\" (got \"%s\")", v);
    klen = (size_t)(eq - v);
    kc = tag_chars(v, klen, &bad);
    if (kc < 1 || kc > 128)
        return key_error(ld, s, "tag key must be 1-128 characters of valid UTF-8 (got \"%s\")", v);
    if (bad != '\0')
        return key_error(ld, s,
                         "tag key contains '%c' (allowed: letters, digits, spaces, _.:/=+-@)", bad);
    if (klen >= 4 && (v[0] == 'a' || v[0] == 'A') && (v[1] == 'w' || v[1] == 'W') &&
        (v[2] == 's' || v[2] == 'S') && v[3] == ':')
        return key_error(ld, s, "tag keys starting with \"aws:\" are reserved by AWS (got \"%s\")",
                         v);
    vc = tag_chars(eq + 1, strlen(eq + 1), &bad);
    if (vc < 0 || vc > 256)
        return key_error(ld, s, "tag value must be 0-256 characters of valid UTF-8");
    if (bad != '\0')
        return key_error(
                ld, s, "tag value contains '%c' (allowed: letters, digits, spaces, _.:/=+-@)", bad);
    for (int i = 0; i < ntags; i++)
        if (strlen(tags[i].key) == klen && memcmp(tags[i].key, v, klen) == 0)
            return key_error(ld, s, "duplicate tag key '%.*s'", (int)klen, v);
    out->key = strndup(v, klen);
    out->value = strdup(eq + 1);
    if (out->key == NULL || out->value == NULL) {
        free(out->key);
        free(out->value);
        out->key = out->value = NULL;
        return nomem(ld);
    }
    return 0;
}

static int
get_tags(struct loader *ld, const config_setting_t *s, int max, struct cfg_tag *tags, int *n)
{
    free_tags(tags, n);
    if (get_list(ld, s, max) != 0)
        return -1;
    for (int i = 0; i < config_setting_length(s); i++) {
        if (get_tag(ld, config_setting_get_elem(s, i), tags, *n, &tags[*n]) != 0)
            return -1;
        (*n)++;
    }
    return 0;
}

/* ---- groups ---- */

#define KEY(name) (strcmp(k, (name)) == 0)

static int
load_aws(struct loader *ld, const config_setting_t *g)
{
    struct cfg_aws *a = &ld->cfg->aws;

    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, i);
        const char *k = config_setting_name(s);
        int rc;

        if (KEY("profile"))
            rc = get_str(ld, s, true, check_profile, &a->profile);
        else if (KEY("region"))
            rc = get_str(ld, s, true, check_region, &a->region);
        else if (KEY("endpoint"))
            rc = get_str(ld, s, true, check_endpoint, &a->endpoint);
        else if (KEY("sts_endpoint"))
            rc = get_str(ld, s, true, check_endpoint, &a->sts_endpoint);
        else if (KEY("max_attempts"))
            rc = get_int32(ld, s, 1, 20, &a->max_attempts);
        else if (KEY("connect_timeout"))
            rc = get_duration(ld, s, 1, 3600, &a->connect_timeout);
        else if (KEY("request_timeout"))
            rc = get_duration(ld, s, 1, 3600, &a->request_timeout);
        else if (KEY("access_role"))
            rc = get_str(ld, s, false, check_role, &a->access_role);
        else if (KEY("follow_sim_clock"))
            rc = get_bool(ld, s, &a->follow_sim_clock);
        else
            rc = unknown_key(ld, s);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int
load_protected_accounts(struct loader *ld, const config_setting_t *s)
{
    struct cfg_org *o = &ld->cfg->org;

    for (int i = 0; i < o->nprotected_accounts; i++)
        free(o->protected_accounts[i]);
    o->nprotected_accounts = 0;
    if (get_list(ld, s, CFG_MAX_PROTECT) != 0)
        return -1;
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        char *id = NULL;

        if (get_str(ld, e, false, check_account_id, &id) != 0)
            return -1;
        for (int j = 0; j < o->nprotected_accounts; j++) {
            if (strcmp(o->protected_accounts[j], id) == 0) {
                free(id);
                return key_error(ld, e, "duplicate account id");
            }
        }
        o->protected_accounts[o->nprotected_accounts++] = id;
    }
    return 0;
}

static int
load_org(struct loader *ld, const config_setting_t *g)
{
    struct cfg_org *o = &ld->cfg->org;

    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, i);
        const char *k = config_setting_name(s);
        int rc;

        if (KEY("email_template"))
            rc = get_str(ld, s, false, check_email_template, &o->email_template);
        else if (KEY("name_template"))
            rc = get_str(ld, s, false, check_name_template, &o->name_template);
        else if (KEY("owner_domain"))
            rc = get_str(ld, s, true, check_domain, &o->owner_domain);
        else if (KEY("protected_tags"))
            rc = get_tags(ld, s, CFG_MAX_PROTECT, o->protected_tags, &o->nprotected_tags);
        else if (KEY("protected_accounts"))
            rc = load_protected_accounts(ld, s);
        else if (KEY("close_wait_ou"))
            rc = get_str(ld, s, true, check_ou_path, &o->close_wait_ou);
        else
            rc = unknown_key(ld, s);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int
load_limits(struct loader *ld, const config_setting_t *g)
{
    struct cfg_limits *l = &ld->cfg->limits;

    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, i);
        const char *k = config_setting_name(s);
        int rc;

        if (KEY("create_rate"))
            rc = get_double(ld, s, 0, 1000, &l->create_rate);
        else if (KEY("create_burst"))
            rc = get_int32(ld, s, 1, 1000, &l->create_burst);
        else if (KEY("create_in_progress"))
            rc = get_int32(ld, s, 1, 100, &l->create_in_progress);
        else if (KEY("close_rate"))
            rc = get_double(ld, s, 0, 1000, &l->close_rate);
        else if (KEY("close_burst"))
            rc = get_int32(ld, s, 1, 1000, &l->close_burst);
        else if (KEY("close_in_flight"))
            rc = get_int32(ld, s, 1, 100, &l->close_in_flight);
        else if (KEY("close_quota"))
            rc = get_int32(ld, s, 0, 1000000, &l->close_quota);
        else if (KEY("close_quota_min"))
            rc = get_int32(ld, s, 0, 1000000, &l->close_quota_min);
        else if (KEY("close_quota_pct"))
            rc = get_int32(ld, s, 0, 100, &l->close_quota_pct);
        else if (KEY("close_quota_max"))
            rc = get_int32(ld, s, 1, 1000000, &l->close_quota_max);
        else if (KEY("describe_rate"))
            rc = get_double(ld, s, 0, 1000, &l->describe_rate);
        else if (KEY("move_rate"))
            rc = get_double(ld, s, 0, 1000, &l->move_rate);
        else if (KEY("tag_rate"))
            rc = get_double(ld, s, 0, 1000, &l->tag_rate);
        else if (KEY("account_limit"))
            rc = get_int32(ld, s, 1, 10000000, &l->account_limit);
        else if (KEY("create_stuck"))
            rc = get_duration(ld, s, 60, 7 * DAY, &l->create_stuck);
        else
            rc = unknown_key(ld, s);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int
load_hooks(struct loader *ld, const config_setting_t *g)
{
    struct cfg_hooks *h = &ld->cfg->hooks;

    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, i);
        const char *k = config_setting_name(s);
        int rc;

        if (KEY("dir"))
            rc = get_str(ld, s, true, check_path, &h->dir);
        else if (KEY("log_dir"))
            rc = get_str(ld, s, true, check_path, &h->log_dir);
        else if (KEY("timeout"))
            rc = get_duration(ld, s, 1, 7 * DAY, &h->timeout);
        else if (KEY("output_limit"))
            rc = get_int(ld, s, 4096, 1024 * 1024 * 1024, &h->output_limit);
        else if (KEY("parallel"))
            rc = get_int32(ld, s, 1, 256, &h->parallel);
        else if (KEY("max_attempts"))
            rc = get_int32(ld, s, 1, 100, &h->max_attempts);
        else if (KEY("retry_backoff"))
            rc = get_duration(ld, s, 0, 7 * DAY, &h->retry_backoff);
        else if (KEY("pass_credentials"))
            rc = get_bool(ld, s, &h->pass_credentials);
        else if (KEY("nuke_config_dir"))
            rc = get_str(ld, s, true, check_path, &h->nuke_config_dir);
        else if (KEY("nuke_regions"))
            rc = get_str(ld, s, true, check_regions, &h->nuke_regions);
        else if (KEY("webhook_url"))
            rc = get_str(ld, s, true, check_url, &h->webhook_url);
        else if (KEY("mail_from"))
            rc = get_str(ld, s, true, check_mail, &h->mail_from);
        else
            rc = unknown_key(ld, s);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int
load_sim(struct loader *ld, const config_setting_t *g)
{
    struct cfg_sim *m = &ld->cfg->sim;

    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, i);
        const char *k = config_setting_name(s);
        int rc;

        if (KEY("listen"))
            rc = get_str(ld, s, false, check_listen, &m->listen);
        else if (KEY("access_key_id"))
            rc = get_str(ld, s, false, check_access_key, &m->access_key_id);
        else if (KEY("secret_access_key"))
            rc = get_secret(ld, s, &m->secret_access_key);
        else if (KEY("state"))
            rc = get_str(ld, s, true, check_path, &m->state);
        else if (KEY("time_scale"))
            rc = get_double(ld, s, 0, 100000, &m->time_scale);
        else if (KEY("create_latency"))
            rc = get_duration(ld, s, 0, 30 * DAY, &m->create_latency);
        else if (KEY("close_latency"))
            rc = get_duration(ld, s, 0, 30 * DAY, &m->close_latency);
        else if (KEY("account_limit"))
            rc = get_int32(ld, s, 1, 10000000, &m->account_limit);
        else if (KEY("seed"))
            rc = get_int(ld, s, INT64_MIN, INT64_MAX, &m->seed);
        else if (KEY("throttle"))
            rc = get_bool(ld, s, &m->throttle);
        else
            rc = unknown_key(ld, s);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int
load_warn(struct loader *ld, const config_setting_t *s, struct cfg_kind *kd)
{
    kd->nwarn = 0;
    if (get_list(ld, s, CFG_MAX_WARN) != 0)
        return -1;
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        int64_t v;
        int j;

        if (get_duration(ld, e, 1, 365 * DAY, &v) != 0)
            return -1;
        for (j = 0; j < kd->nwarn; j++)
            if (kd->warn[j] == v)
                return key_error(ld, e, "duplicate warning offset \"%s\"",
                                 config_setting_get_string(e));
        /* keep the offsets sorted, largest (earliest warning) first */
        for (j = kd->nwarn; j > 0 && kd->warn[j - 1] < v; j--)
            kd->warn[j] = kd->warn[j - 1];
        kd->warn[j] = v;
        kd->nwarn++;
    }
    return 0;
}

static int
load_kind_hooks(struct loader *ld, const config_setting_t *s, struct cfg_kind *kd)
{
    for (int ev = 0; ev < CFG_HOOK_EVENT_COUNT; ev++)
        kd->hooks[ev] = false;
    if (get_list(ld, s, CFG_HOOK_EVENT_COUNT) != 0)
        return -1;
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        const char *v = NULL;
        int ev;

        if (get_string(ld, e, &v) != 0)
            return -1;
        for (ev = 0; ev < CFG_HOOK_EVENT_COUNT; ev++)
            if (strcmp(v, hook_event_names[ev]) == 0)
                break;
        if (ev == CFG_HOOK_EVENT_COUNT)
            return key_error(ld, e,
                             "unknown hook event \"%s\" (known: post-create, expiry-warning, "
                             "pre-close, post-close)",
                             v);
        if (kd->hooks[ev])
            return key_error(ld, e, "duplicate hook event \"%s\"", v);
        kd->hooks[ev] = true;
    }
    return 0;
}

/* A kind's OU: a path below the root, or "" for the root itself. */
static int
get_kind_ou(struct loader *ld, const config_setting_t *s, char **dst)
{
    const char *v = NULL;

    if (get_string(ld, s, &v) != 0)
        return -1;
    if (*v != '\0')
        return get_str(ld, s, false, check_ou_path, dst);
    if (set_str(dst, "") != 0)
        return nomem(ld);
    return 0;
}

static bool
valid_kind_name(const char *name)
{
    size_t len = strlen(name);

    return len >= 1 && len <= 32 && name[0] >= 'a' && name[0] <= 'z' &&
           strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

static int
load_kind(struct loader *ld, const config_setting_t *g, struct cfg_kind *kd)
{
    const config_setting_t *s;
    char a[32], b[32];

    if (!valid_kind_name(config_setting_name(g)))
        return key_error(ld, g, "kind names must match [a-z][a-z0-9_-]{0,31}");
    if (get_group(ld, g) != 0)
        return -1;
    if (set_str(&kd->name, config_setting_name(g)) != 0 || set_str(&kd->ou, "") != 0)
        return nomem(ld);
    for (int ev = 0; ev < CFG_HOOK_EVENT_COUNT; ev++)
        kd->hooks[ev] = true; /* absent: every event */
    for (int i = 0; i < config_setting_length(g); i++) {
        const char *k;
        int rc;

        s = config_setting_get_elem(g, i);
        k = config_setting_name(s);
        if (KEY("ttl"))
            rc = get_duration(ld, s, 0, 3650 * DAY, &kd->default_ttl);
        else if (KEY("max_ttl"))
            rc = get_duration(ld, s, 0, 3650 * DAY, &kd->max_ttl);
        else if (KEY("ou"))
            rc = get_kind_ou(ld, s, &kd->ou);
        else if (KEY("tags"))
            rc = get_tags(ld, s, CFG_MAX_TAGS, kd->tags, &kd->ntags);
        else if (KEY("max_per_owner"))
            rc = get_int32(ld, s, 0, 100000, &kd->max_per_owner);
        else if (KEY("warn"))
            rc = load_warn(ld, s, kd);
        else if (KEY("hooks"))
            rc = load_kind_hooks(ld, s, kd);
        else if (KEY("email_template"))
            rc = get_str(ld, s, true, check_email_template, &kd->email_template);
        else if (KEY("name_template"))
            rc = get_str(ld, s, true, check_name_template, &kd->name_template);
        else
            rc = unknown_key(ld, s);
        if (rc != 0)
            return -1;
    }

    /* Relations between keys, whatever order they came in. */
    s = config_setting_get_member(g, "ttl");
    if (s != NULL && kd->max_ttl > 0 && kd->default_ttl > kd->max_ttl)
        return key_error(ld, s, "ttl %s exceeds max_ttl %s",
                         duration_format(kd->default_ttl, a, sizeof(a)),
                         duration_format(kd->max_ttl, b, sizeof(b)));
    s = config_setting_get_member(g, "warn");
    if (s != NULL && kd->max_ttl > 0) {
        for (int i = 0; i < config_setting_length(s); i++) {
            const config_setting_t *e = config_setting_get_elem(s, i);
            int64_t v = 0;

            if (get_duration(ld, e, 1, 365 * DAY, &v) != 0)
                return -1;
            if (v >= kd->max_ttl)
                return key_error(ld, e, "warning offset %s must be less than max_ttl %s",
                                 duration_format(v, a, sizeof(a)),
                                 duration_format(kd->max_ttl, b, sizeof(b)));
        }
    }
    return 0;
}

static int
load_kinds(struct loader *ld, const config_setting_t *g)
{
    struct sbx_config *cfg = ld->cfg;

    for (int i = 0; i < cfg->nkinds; i++)
        free_kind(&cfg->kinds[i]);
    cfg->nkinds = 0;
    if (config_setting_length(g) == 0)
        return key_error(ld, g,
                         "must define at least one kind (or leave out 'kinds' for the "
                         "defaults developer, training, demo)");
    if (config_setting_length(g) > CFG_MAX_KINDS)
        return key_error(ld, g, "at most %d kinds allowed (got %d)", CFG_MAX_KINDS,
                         config_setting_length(g));
    for (int i = 0; i < config_setting_length(g); i++) {
        /* counted first so that a half-loaded kind is freed with the config */
        cfg->nkinds++;
        if (load_kind(ld, config_setting_get_elem(g, i), &cfg->kinds[i]) != 0)
            return -1;
    }
    return 0;
}

static int
load_root(struct loader *ld, const config_setting_t *root, bool *have_kinds)
{
    *have_kinds = false;
    for (int i = 0; i < config_setting_length(root); i++) {
        const config_setting_t *s = config_setting_get_elem(root, i);
        const char *k = config_setting_name(s);
        int rc;

        if (KEY("store")) {
            rc = get_str(ld, s, false, check_path, &ld->cfg->store);
        } else if (KEY("aws") || KEY("organization") || KEY("limits") || KEY("hooks") ||
                   KEY("sim") || KEY("kinds")) {
            if (get_group(ld, s) != 0)
                return -1;
            if (KEY("aws"))
                rc = load_aws(ld, s);
            else if (KEY("organization"))
                rc = load_org(ld, s);
            else if (KEY("limits"))
                rc = load_limits(ld, s);
            else if (KEY("hooks"))
                rc = load_hooks(ld, s);
            else if (KEY("sim"))
                rc = load_sim(ld, s);
            else {
                *have_kinds = true;
                rc = load_kinds(ld, s);
            }
        } else {
            rc = unknown_key(ld, s);
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

#undef KEY

/* Checks that relate keys of the limits group. */
static int
check_limits(struct loader *ld, config_setting_t *root)
{
    const struct cfg_limits *l = &ld->cfg->limits;
    const config_setting_t *s = config_setting_lookup(root, "limits.close_quota_max");

    if (l->close_quota_max < l->close_quota_min) {
        if (s == NULL)
            s = config_setting_lookup(root, "limits.close_quota_min");
        return key_error(ld, s, "close_quota_max (%d) must be >= close_quota_min (%d)",
                         l->close_quota_max, l->close_quota_min);
    }
    return 0;
}

/* ---- paths ---- */

/*
 * Joins dir and rel (rel as is when absolute) and cleans the result lexically: no "."
 * segments, no "//", ".." removes the previous segment. Returns a heap string or NULL.
 */
static char *
join_clean(const char *dir, const char *rel)
{
    size_t dlen = rel[0] == '/' ? 0 : strlen(dir), rlen = strlen(rel), n = 0;
    char *joined = malloc(dlen + rlen + 2), *out = malloc(dlen + rlen + 2);
    const char *p;

    if (joined == NULL || out == NULL) {
        free(joined);
        free(out);
        return NULL;
    }
    memcpy(joined, dir, dlen);
    joined[dlen] = '/';
    memcpy(joined + dlen + 1, rel, rlen + 1);
    for (p = joined; *p != '\0';) {
        size_t len = strcspn(p, "/");

        if (len == 0 || (len == 1 && p[0] == '.')) {
            /* nothing */
        } else if (len == 2 && p[0] == '.' && p[1] == '.') {
            while (n > 0 && out[n - 1] != '/')
                n--;
            if (n > 0)
                n--;
        } else {
            out[n++] = '/';
            memcpy(out + n, p, len);
            n += len;
        }
        p += len;
        if (*p == '/')
            p++;
    }
    if (n == 0)
        out[n++] = '/';
    out[n] = '\0';
    free(joined);
    return out;
}

static int
resolve(struct loader *ld, char **path)
{
    char *abs;

    if (*path == NULL)
        return 0;
    abs = join_clean(ld->dir, *path);
    if (abs == NULL)
        return -1;
    free(*path);
    *path = abs;
    return 0;
}

/*
 * The absolute directory of path, in a heap string: its directory part as named (symlinks
 * are kept, so paths stay where the operator wrote them), made absolute with the working
 * directory when relative. errno is set when NULL is returned.
 */
static char *
config_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL, *abs = NULL, *cwd = NULL;

    if (slash == NULL)
        dir = strdup(".");
    else if (slash == path)
        dir = strdup("/");
    else
        dir = strndup(path, (size_t)(slash - path));
    if (dir == NULL)
        goto out;
    if (dir[0] == '/') {
        abs = join_clean("", dir);
        goto out;
    }
    for (size_t size = 256; size <= 65536; size *= 2) {
        char *p = realloc(cwd, size);

        if (p == NULL)
            goto out;
        cwd = p;
        if (getcwd(cwd, size) != NULL) {
            abs = join_clean(cwd, dir);
            goto out;
        }
        if (errno != ERANGE)
            goto out;
    }
out:
    free(cwd);
    free(dir);
    return abs;
}

/* ---- loading ---- */

/* Wipes libconfig's copy of the simulator secret before its tree is freed. */
static void
wipe_tree_secret(config_t *lc)
{
    config_setting_t *s = config_lookup(lc, "sim.secret_access_key");
    const char *v;

    if (s == NULL || config_setting_type(s) != CONFIG_TYPE_STRING)
        return;
    v = config_setting_get_string(s);
    if (v != NULL)
        OPENSSL_cleanse((char *)(uintptr_t)v, strlen(v));
}

int
cfg_load(const char *path, struct sbx_config **out, struct sbx_err *err)
{
    struct sbx_config *cfg = NULL;
    struct loader ld = { 0 };
    bool have_kinds = false;
    struct stat st;
    config_t lc;
    FILE *f;
    int rc = -1;

    *out = NULL;
    config_init(&lc);
    /* libconfig only says "file I/O error": find the cause first. */
    f = fopen(path, "r");
    if (f == NULL || fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode)) {
        int e = f == NULL ? errno : S_ISDIR(st.st_mode) ? EISDIR : errno;

        if (f != NULL)
            fclose(f);
        sbx_err_set(err, SBX_E_CONFIG, "cannot read config '%s': %s", path, strerror(e));
        goto out;
    }
    fclose(f);
    ld.path = path;
    ld.err = err;
    ld.dir = config_dir(path);
    if (ld.dir == NULL) {
        sbx_err_set(err, SBX_E_CONFIG, "cannot read config '%s': %s", path, strerror(errno));
        goto out;
    }
    config_set_include_dir(&lc, ld.dir);
    if (config_read_file(&lc, path) != CONFIG_TRUE) {
        sbx_err_set(err, SBX_E_CONFIG, "%s:%d: %s",
                    config_error_file(&lc) != NULL ? config_error_file(&lc) : path,
                    config_error_line(&lc),
                    config_error_text(&lc) != NULL ? config_error_text(&lc) : "cannot parse");
        goto out;
    }

    cfg = calloc(1, sizeof(*cfg));
    if (cfg == NULL || set_defaults(cfg) != 0)
        goto nomem;
    ld.cfg = cfg;
    if (load_root(&ld, config_root_setting(&lc), &have_kinds) != 0 ||
        check_limits(&ld, config_root_setting(&lc)) != 0)
        goto out;
    if (!have_kinds && add_default_kinds(cfg) != 0)
        goto nomem;
    {
        const char *base = strrchr(path, '/');

        cfg->path = join_clean(ld.dir, base != NULL ? base + 1 : path);
    }
    if (cfg->path == NULL || resolve(&ld, &cfg->store) != 0 || resolve(&ld, &cfg->hooks.dir) != 0 ||
        resolve(&ld, &cfg->hooks.log_dir) != 0 || resolve(&ld, &cfg->hooks.nuke_config_dir) != 0 ||
        resolve(&ld, &cfg->sim.state) != 0 || default_log_dir(cfg) != 0)
        goto nomem;
    *out = cfg;
    cfg = NULL;
    rc = 0;
    goto out;
nomem:
    sbx_err_set(err, SBX_E_NOMEM, "out of memory");
out:
    wipe_tree_secret(&lc);
    config_destroy(&lc);
    cfg_free(cfg);
    free(ld.dir);
    return rc;
}
