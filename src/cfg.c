/*
 * cfg.c -- load sandboxctl.cfg (libconfig) into struct sbx_config, validating every value.
 *
 * Design: one key table (below the validators) names every key with its section, type, field,
 * range, default and validator, and drives everything else: the defaults, the walk of the
 * file, range and type errors, unknown-key errors, freeing and the resolution of relative
 * paths. A kind's keys are a second table of the same shape. Defaults are written in the
 * table as the file would write them and go through the loader like a file does, so a default
 * can never be one the loader would refuse. A name the table does not know is an error, so a
 * typo never silently falls back to a default. Every message names the file, the line and the
 * full key ("FILE:LINE: key 'limits.create_rate': must be > 0 (got -1)"). Checks that relate
 * two keys (ttl <= max_ttl, warn < max_ttl, quota min <= max) run after the walk, so key order
 * in the file does not matter. When cfg_load returns, every string is a copy owned by the
 * struct and libconfig's trees are gone (secrets in them are wiped first).
 *
 * Adding a key: a field in cfg.h, one KEY_<type> row in keys[] (or kind_keys[]), and an item
 * with its default in sandboxctl.cfg.5 (test_cfg_doc checks that the two agree).
 */
#include "cfg.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>
#include <openssl/crypto.h>

#include "util/duration.h"
#include "util/money.h"

#define DAY           (24 * 3600)
#define DEFAULTS_NAME "(built-in defaults)"

struct loader {
    const char *path; /* as given: messages name it this way */
    char *dir;        /* absolute directory of the file, for relative paths */
    char *text;       /* the file's text, for integer literals (see find_literal) */
    char *inc_path;   /* an included file whose text is in inc_text */
    char *inc_text;
    struct sbx_config *cfg;
    struct sbx_err *err;
};

static const char *const hook_event_names[CFG_HOOK_EVENT_COUNT] = {
    [CFG_HOOK_POST_CREATE] = "post-create",
    [CFG_HOOK_EXPIRY_WARNING] = "expiry-warning",
    [CFG_HOOK_PRE_CLOSE] = "pre-close",
    [CFG_HOOK_POST_CLOSE] = "post-close",
    [CFG_HOOK_NUKE_FAILED] = "nuke-failed",
    [CFG_HOOK_QUARANTINED] = "quarantined",
    [CFG_HOOK_CLOSE_FAILED] = "close-failed",
    [CFG_HOOK_BUDGET_WARNING] = "budget-warning",
    [CFG_HOOK_BUDGET_EXCEEDED] = "budget-exceeded",
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

/* A validator's refusal: the reason into why[n], and -1. */
static int why_not(char *why, size_t n, const char *fmt, ...) SBX_PRINTF(3, 4);

static int
why_not(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return -1;
}

static int
check_path(const char *v, char *why, size_t n)
{
    if (strlen(v) >= PATH_MAX)
        return why_not(why, n, "path too long");
    return 0;
}

static int
check_profile(const char *v, char *why, size_t n)
{
    if (strlen(v) > 128 || has_space_or_ctl(v) || strpbrk(v, "[]") != NULL)
        return why_not(why, n, "must be a profile name (1-128 characters, no spaces or brackets)");
    return 0;
}

static int
check_region(const char *v, char *why, size_t n)
{
    size_t len = strlen(v);

    if (len > 32 || !(v[0] >= 'a' && v[0] <= 'z') || v[len - 1] == '-' ||
        strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != len)
        return why_not(why, n, "must be a region name such as \"us-east-1\"");
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
    return why_not(why, n,
                   "must be an endpoint URL http(s)://host[:port] without path, query or "
                   "credentials");
}

/* 1 to max of IAM's name characters: A-Z a-z 0-9 _+=,.@- */
static bool
is_iam_name(const char *v, size_t max)
{
    size_t len = strlen(v);

    for (size_t i = 0; i < len; i++) {
        if (!is_alnum(v[i]) && strchr("_+=,.@-", v[i]) == NULL)
            return false;
    }
    return len > 0 && len <= max;
}

static int
check_role(const char *v, char *why, size_t n)
{
    if (!is_iam_name(v, 64))
        return why_not(why, n, "must be an IAM role name (1-64 of A-Z a-z 0-9 _+=,.@-)");
    return 0;
}

/* arn:PARTITION:sso:::instance/ssoins-ID (AWS-ACCESS-SPEND-NUKE.md). */
static int
check_instance_arn(const char *v, char *why, size_t n)
{
    const char *p = strstr(v, ":sso:::instance/ssoins-");

    if (strncmp(v, "arn:", 4) != 0 || p == NULL || p[strlen(":sso:::instance/ssoins-")] == '\0' ||
        has_space_or_ctl(v) || strlen(v) > 1224)
        return why_not(why, n,
                       "must be an Identity Center instance ARN "
                       "(arn:aws:sso:::instance/ssoins-...)");
    return 0;
}

/* A permission set's name ([\w+=,.@-]{1,32}) or ARN (arn:...:permissionSet/ssoins-.../ps-...). */
static int
check_permission_set(const char *v, char *why, size_t n)
{
    if (strncmp(v, "arn:", 4) == 0) {
        if (strstr(v, ":permissionSet/ssoins-") == NULL || strstr(v, "/ps-") == NULL ||
            has_space_or_ctl(v) || strlen(v) > 1224)
            return why_not(why, n,
                           "must be a permission set name or ARN "
                           "(arn:aws:sso:::permissionSet/ssoins-.../ps-...)");
        return 0;
    }
    if (!is_iam_name(v, 32))
        return why_not(why, n,
                       "must be a permission set name (1-32 of A-Z a-z 0-9 _+=,.@-) or ARN");
    return 0;
}

/* A userName template: text with {owner} and {local}; Identity Store user names are at most
 * 128 characters without spaces or control characters. */
static int
check_user_template(const char *v, char *why, size_t n)
{
    if (*v == '\0' || strlen(v) > 128 || has_space_or_ctl(v))
        return why_not(why, n, "must be a user name template of 1-128 characters without spaces");
    for (const char *p = v; *p != '\0'; p++) {
        if (*p == '}')
            return why_not(why, n, "unbalanced '}' in template");
        if (*p != '{')
            continue;
        if (strncmp(p, "{owner}", 7) == 0)
            p += 6;
        else if (strncmp(p, "{local}", 7) == 0)
            p += 6;
        else
            return why_not(why, n, "unknown placeholder in '%.40s' (known: {owner} {local})", p);
    }
    return 0;
}

/* Identity Store group display names, comma-separated (each 1-1024 characters, no control
 * characters; spaces inside a name are kept). */
static int
check_group_list(const char *v, char *why, size_t n)
{
    const char *p = v;

    for (;;) {
        size_t len = strcspn(p, ",");

        if (len == 0 || len > 1024)
            return why_not(why, n,
                           "must be group names separated by commas (1-1024 characters each)");
        for (size_t i = 0; i < len; i++) {
            if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
                return why_not(why, n, "a group name holds a control character");
        }
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

/* A kind's access_groups: group names as for check_group_list, or "" for none. */
static int
check_group_list_or_none(const char *v, char *why, size_t n)
{
    return *v == '\0' ? 0 : check_group_list(v, why, n);
}

/* Placeholders are {name} with name among the known ones; braces must balance. */
static int
check_placeholders(const char *v, char *why, size_t n, bool *has_unique)
{
    *has_unique = false;
    for (const char *p = v; *p != '\0'; p++) {
        const char *close;
        size_t len, i;

        if (*p == '}')
            return why_not(why, n, "unbalanced '}' in template");
        if (*p != '{')
            continue;
        close = strchr(p, '}');
        if (close == NULL)
            return why_not(why, n, "unbalanced '{' in template");
        len = (size_t)(close - p - 1);
        for (i = 0; i < SBX_ARRAY_LEN(placeholders); i++)
            if (strlen(placeholders[i]) == len && memcmp(placeholders[i], p + 1, len) == 0)
                break;
        if (i == SBX_ARRAY_LEN(placeholders))
            return why_not(
                    why, n,
                    "unknown placeholder '{%.*s}' (known: {kind} {owner} {class} {seat} {seq} "
                    "{rand})",
                    (int)(len > 32 ? 32 : len), p + 1);
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

    if (at == NULL || strchr(at + 1, '@') != NULL)
        return why_not(why, n, "email template must contain '@' exactly once");
    if (at == v || at[1] == '\0' || strchr(at + 1, '.') == NULL || has_space_or_ctl(v))
        return why_not(why, n, "email template must look like local@domain.tld, without spaces");
    if (check_placeholders(v, why, n, &unique) != 0)
        return -1;
    if (!unique)
        return why_not(why, n,
                       "email template must contain {seq} or {rand} so that every address is "
                       "unique");
    return 0;
}

static int
check_name_template(const char *v, char *why, size_t n)
{
    bool unique;

    for (const char *p = v; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            return why_not(why, n, "account name template must be printable ASCII");
    }
    return check_placeholders(v, why, n, &unique);
}

static int
check_domain(const char *v, char *why, size_t n)
{
    if (!valid_hostname(v, strlen(v)))
        return why_not(why, n, "must be a domain name such as \"corp.example\"");
    return 0;
}

static int
check_ou_path(const char *v, char *why, size_t n)
{
    const char *p = v;

    if (*v == '/' || v[strlen(v) - 1] == '/')
        return why_not(why, n, "OU path must not start or end with '/' (e.g. \"Sandboxes/Demos\")");
    while (*p != '\0') {
        size_t len = strcspn(p, "/");

        if (len == 0 || len > 128)
            return why_not(why, n, "OU path segments must be 1-128 characters");
        p += len;
        if (*p == '/')
            p++;
    }
    for (p = v; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return why_not(why, n, "OU path must not contain control characters");
    }
    return 0;
}

static int
check_account_id(const char *v, char *why, size_t n)
{
    if (strlen(v) != 12 || strspn(v, "0123456789") != 12)
        return why_not(why, n, "must be a 12-digit account id");
    return 0;
}

static int
check_regions(const char *v, char *why, size_t n)
{
    const char *p = v;

    /* "all": every region enabled in the account, plus global (the aws-nuke hook expands it) */
    if (strcmp(v, "all") == 0)
        return 0;
    while (*p != '\0' || p == v) {
        size_t len = strcspn(p, ",");
        char one[40];

        if (len == 0 || len >= sizeof(one))
            return why_not(why, n,
                           "must be comma-separated region names (e.g. \"global,us-east-1\")");
        memcpy(one, p, len);
        one[len] = '\0';
        if (strcmp(one, "global") != 0 && check_region(one, why, n) != 0)
            return why_not(
                    why, n,
                    "must be \"all\" or comma-separated region names (e.g. \"global,us-east-1\")");
        p += len;
        if (*p == ',') {
            p++;
            if (*p == '\0')
                return why_not(why, n, "must not end with ','");
        }
    }
    return 0;
}

static int
check_url(const char *v, char *why, size_t n)
{
    if ((strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) || has_space_or_ctl(v) ||
        strlen(v) > 2048)
        return why_not(why, n, "must be an http:// or https:// URL");
    return 0;
}

static int
check_mail(const char *v, char *why, size_t n)
{
    const char *at = strchr(v, '@');

    if (at == NULL || at == v || strchr(at + 1, '@') != NULL || at[1] == '\0' ||
        has_space_or_ctl(v))
        return why_not(why, n, "must be an email address");
    return 0;
}

static int
check_listen(const char *v, char *why, size_t n)
{
    if (parse_host_port(v, strlen(v), true, true) != 0)
        return why_not(why, n,
                       "must be host:port, e.g. \"127.0.0.1:4566\" (port 0 picks a free one)");
    return 0;
}

static int
check_access_key(const char *v, char *why, size_t n)
{
    size_t len = strlen(v);

    if (len < 16 || len > 128 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != len)
        return why_not(why, n, "must be 16-128 characters of A-Z and 0-9");
    return 0;
}

/* A kind's OU: a path below the root, or "" for the root itself. */
static int
check_kind_ou(const char *v, char *why, size_t n)
{
    return *v == '\0' ? 0 : check_ou_path(v, why, n);
}

static int
check_budget_period(const char *v, char *why, size_t n)
{
    if (strcmp(v, "lease") == 0 || strcmp(v, "monthly") == 0)
        return 0;
    return why_not(why, n,
                   "must be \"lease\" (since the account became active) or \"monthly\" "
                   "(this calendar month)");
}

static int
check_at_limit(const char *v, char *why, size_t n)
{
    if (strcmp(v, "notify") == 0 || strcmp(v, "freeze") == 0 || strcmp(v, "close") == 0)
        return 0;
    return why_not(why, n, "must be \"notify\", \"freeze\" or \"close\"");
}

/* ---- the key table ---- */

/*
 * The offset of field f of T, which must have type ctype (AT) or be an array of ctype (ARR):
 * a mismatch is a "distinct pointer types" diagnostic, an error with -Werror.
 */
#define AT(T, f, ctype)  (offsetof(T, f) + 0 * sizeof((ctype *)NULL == &((T *)NULL)->f))
#define ARR(T, f, ctype) (offsetof(T, f) + 0 * sizeof((ctype *)NULL == ((T *)NULL)->f))

#define KEY_STR(T, sec, name, f, flags, check, def)                      \
    {                                                                    \
        sec, name, CFG_STR, AT(T, f, char *), 0, 0, 0, def, check, flags \
    }
#define KEY_PATH(T, sec, name, f, flags, def)                                  \
    {                                                                          \
        sec, name, CFG_PATH, AT(T, f, char *), 0, 0, 0, def, check_path, flags \
    }
#define KEY_SECRET(T, sec, name, f, def)                               \
    {                                                                  \
        sec, name, CFG_SECRET, AT(T, f, char *), 0, 0, 0, def, NULL, 0 \
    }
#define KEY_INT(T, sec, name, f, min, max, def)                      \
    {                                                                \
        sec, name, CFG_INT, AT(T, f, int), 0, min, max, def, NULL, 0 \
    }
#define KEY_INT64(T, sec, name, f, min, max, def)                          \
    {                                                                      \
        sec, name, CFG_INT64, AT(T, f, int64_t), 0, min, max, def, NULL, 0 \
    }
#define KEY_DOUBLE(T, sec, name, f, above, max, def)                         \
    {                                                                        \
        sec, name, CFG_DOUBLE, AT(T, f, double), 0, above, max, def, NULL, 0 \
    }
#define KEY_BOOL(T, sec, name, f, def)                             \
    {                                                              \
        sec, name, CFG_BOOL, AT(T, f, bool), 0, 0, 0, def, NULL, 0 \
    }
#define KEY_DURATION(T, sec, name, f, min, max, def)                          \
    {                                                                         \
        sec, name, CFG_DURATION, AT(T, f, int64_t), 0, min, max, def, NULL, 0 \
    }
#define KEY_EVENTS(T, sec, name, f, flags, def)                           \
    {                                                                     \
        sec, name, CFG_EVENTS, ARR(T, f, bool), 0, 0, 0, def, NULL, flags \
    }
#define KEY_TAGS(T, sec, name, f, nf, cap)                                                    \
    {                                                                                         \
        sec, name, CFG_TAGS, ARR(T, f, struct cfg_tag), AT(T, nf, int), 0, cap, NULL, NULL, 0 \
    }
#define KEY_ACCOUNTS(T, sec, name, f, nf, cap)                                            \
    {                                                                                     \
        sec, name, CFG_ACCOUNTS, ARR(T, f, char *), AT(T, nf, int), 0, cap, NULL, NULL, 0 \
    }
#define KEY_WARN(T, sec, name, f, nf, cap)                                             \
    {                                                                                  \
        sec, name, CFG_WARN, ARR(T, f, int64_t), AT(T, nf, int), 0, cap, NULL, NULL, 0 \
    }

#define KEY_MONEY(T, sec, name, f, def)                                \
    {                                                                  \
        sec, name, CFG_MONEY, AT(T, f, int64_t), 0, 0, 0, def, NULL, 0 \
    }
#define KEY_PCTS(T, sec, name, f, nf, cap)                                         \
    {                                                                              \
        sec, name, CFG_PCTS, ARR(T, f, int), AT(T, nf, int), 1, cap, NULL, NULL, 0 \
    }

#define C  struct sbx_config
#define KD struct cfg_kind

/* clang-format off */
static const struct cfg_key keys[] = {
    KEY_PATH(C, "", "store", store, 0, "/var/lib/sandboxctl/sandboxctl.db"),

    KEY_STR(C, "aws", "profile", aws.profile, CFG_OPTIONAL, check_profile, NULL),
    KEY_STR(C, "aws", "region", aws.region, CFG_OPTIONAL, check_region, NULL),
    KEY_STR(C, "aws", "endpoint", aws.endpoint, CFG_OPTIONAL, check_endpoint, NULL),
    KEY_STR(C, "aws", "sts_endpoint", aws.sts_endpoint, CFG_OPTIONAL, check_endpoint, NULL),
    KEY_STR(C, "aws", "sso_endpoint", aws.sso_endpoint, CFG_OPTIONAL, check_endpoint, NULL),
    KEY_STR(C, "aws", "identitystore_endpoint", aws.identitystore_endpoint, CFG_OPTIONAL,
            check_endpoint, NULL),
    KEY_STR(C, "aws", "ce_endpoint", aws.ce_endpoint, CFG_OPTIONAL, check_endpoint, NULL),
    KEY_STR(C, "aws", "budgets_endpoint", aws.budgets_endpoint, CFG_OPTIONAL, check_endpoint,
            NULL),
    KEY_INT(C, "aws", "max_attempts", aws.max_attempts, 1, 20, "5"),
    KEY_DURATION(C, "aws", "connect_timeout", aws.connect_timeout, 1, 3600, "10s"),
    KEY_DURATION(C, "aws", "request_timeout", aws.request_timeout, 1, 3600, "60s"),
    KEY_STR(C, "aws", "access_role", aws.access_role, 0, check_role,
            "OrganizationAccountAccessRole"),
    KEY_BOOL(C, "aws", "follow_sim_clock", aws.follow_sim_clock, "false"),

    KEY_STR(C, "organization", "email_template", org.email_template, 0, check_email_template,
        "sandbox+{kind}-{owner}-{seq}@example.com"),
    KEY_STR(C, "organization", "name_template", org.name_template, 0, check_name_template,
        "sbx-{kind}-{owner}-{seq}"),
    KEY_STR(C, "organization", "owner_domain", org.owner_domain, CFG_OPTIONAL, check_domain, NULL),
    KEY_TAGS(C, "organization", "protected_tags", org.protected_tags, org.nprotected_tags,
         CFG_MAX_PROTECT),
    KEY_ACCOUNTS(C, "organization", "protected_accounts", org.protected_accounts,
             org.nprotected_accounts, CFG_MAX_PROTECT),
    KEY_STR(C, "organization", "close_wait_ou", org.close_wait_ou, CFG_OPTIONAL, check_ou_path,
            NULL),

    KEY_DOUBLE(C, "limits", "create_rate", limits.create_rate, 0, 1000, "0.1"),
    KEY_INT(C, "limits", "create_burst", limits.create_burst, 1, 1000, "3"),
    KEY_INT(C, "limits", "create_in_progress", limits.create_in_progress, 1, 100, "5"),
    KEY_DOUBLE(C, "limits", "close_rate", limits.close_rate, 0, 1000, "0.05"),
    KEY_INT(C, "limits", "close_burst", limits.close_burst, 1, 1000, "1"),
    KEY_INT(C, "limits", "close_in_flight", limits.close_in_flight, 1, 100, "3"),
    KEY_INT(C, "limits", "close_quota", limits.close_quota, 0, 1000000, "0"),
    KEY_INT(C, "limits", "close_quota_min", limits.close_quota_min, 0, 1000000, "250"),
    KEY_INT(C, "limits", "close_quota_pct", limits.close_quota_pct, 0, 100, "20"),
    KEY_INT(C, "limits", "close_quota_max", limits.close_quota_max, 1, 1000000, "1000"),
    KEY_DOUBLE(C, "limits", "describe_rate", limits.describe_rate, 0, 1000, "2"),
    KEY_DOUBLE(C, "limits", "move_rate", limits.move_rate, 0, 1000, "2"),
    KEY_DOUBLE(C, "limits", "tag_rate", limits.tag_rate, 0, 1000, "4"),
    KEY_INT(C, "limits", "account_limit", limits.account_limit, 1, 10000000, "10"),
    KEY_INT(C, "limits", "pool_reserve", limits.pool_reserve, 0, 10000000, "2"),
    KEY_DURATION(C, "limits", "create_stuck", limits.create_stuck, 60, 7 * DAY, "10m"),

    KEY_PATH(C, "hooks", "dir", hooks.dir, CFG_OPTIONAL, "/etc/sandboxctl/hooks"),
    KEY_PATH(C, "hooks", "log_dir", hooks.log_dir, CFG_OPTIONAL, NULL),
    KEY_PATH(C, "hooks", "state_dir", hooks.state_dir, CFG_OPTIONAL, NULL),
    KEY_DURATION(C, "hooks", "timeout", hooks.timeout, 1, 7 * DAY, "60m"),
    KEY_INT64(C, "hooks", "output_limit", hooks.output_limit, 4096, 1073741824, "1048576"),
    KEY_INT(C, "hooks", "parallel", hooks.parallel, 1, 256, "4"),
    KEY_INT(C, "hooks", "max_attempts", hooks.max_attempts, 1, 100, "3"),
    KEY_DURATION(C, "hooks", "retry_backoff", hooks.retry_backoff, 0, 7 * DAY, "5m"),
    KEY_EVENTS(C, "hooks", "pass_credentials", hooks.pass_credentials, CFG_NO_BOOL, "pre-close"),
    KEY_PATH(C, "hooks", "nuke_config_dir", hooks.nuke_config_dir, CFG_OPTIONAL, NULL),
    KEY_STR(C, "hooks", "nuke_regions", hooks.nuke_regions, CFG_OPTIONAL, check_regions,
        "all"),
    KEY_STR(C, "hooks", "webhook_url", hooks.webhook_url, CFG_OPTIONAL, check_url, NULL),
    KEY_STR(C, "hooks", "mail_from", hooks.mail_from, CFG_OPTIONAL, check_mail, NULL),

    KEY_DURATION(C, "engine", "drift_interval", engine.drift_interval, 0, 30 * DAY, "1h"),

    KEY_DURATION(C, "budget", "check_interval", budget.check_interval, 3600, 30 * DAY, "6h"),
    KEY_BOOL(C, "budget", "aws_budget", budget.aws_budget, "false"),
    KEY_STR(C, "budget", "alert_email", budget.alert_email, CFG_OPTIONAL, check_mail, NULL),

    KEY_STR(C, "access", "instance", access.instance, CFG_OPTIONAL, check_instance_arn, NULL),
    KEY_STR(C, "access", "region", access.region, CFG_OPTIONAL, check_region, NULL),
    KEY_STR(C, "access", "user_name_template", access.user_name_template, CFG_OPTIONAL,
            check_user_template, NULL),
    KEY_STR(C, "access", "permission_set", access.permission_set, 0, check_permission_set,
            "AdministratorAccess"),
    KEY_STR(C, "access", "portal_url", access.portal_url, CFG_OPTIONAL, check_url, NULL),
    KEY_BOOL(C, "access", "revoke_others", access.revoke_others, "false"),
    KEY_BOOL(C, "access", "create_users", access.create_users, "false"),
    KEY_STR(C, "access", "user_groups", access.user_groups, CFG_OPTIONAL, check_group_list, NULL),
    KEY_STR(C, "access", "groups", access.groups, CFG_OPTIONAL, check_group_list, NULL),
    KEY_DOUBLE(C, "access", "assign_rate", access.assign_rate, 0, 20, "5"),
    KEY_DURATION(C, "access", "directory_interval", access.directory_interval, 0, 30 * DAY,
                 "1h"),
    KEY_INT(C, "access", "directory_brake_owners", access.brake_owners, 0, 1000000, "5"),
    KEY_INT(C, "access", "directory_brake_percent", access.brake_percent, 0, 100, "10"),

    KEY_STR(C, "sim", "listen", sim.listen, 0, check_listen, "127.0.0.1:4566"),
    KEY_STR(C, "sim", "access_key_id", sim.access_key_id, 0, check_access_key,
            "AKIASANDBOXCTLSIM01"),
    KEY_SECRET(C, "sim", "secret_access_key", sim.secret_access_key,
           "sandboxctl-simulator-secret-key-not-for-aws"),
    KEY_PATH(C, "sim", "state", sim.state, CFG_OPTIONAL, NULL),
    KEY_DOUBLE(C, "sim", "time_scale", sim.time_scale, 0, 100000, "1"),
    KEY_DURATION(C, "sim", "create_latency", sim.create_latency, 0, 30 * DAY, "60s"),
    KEY_DURATION(C, "sim", "close_latency", sim.close_latency, 0, 30 * DAY, "5m"),
    KEY_INT(C, "sim", "account_limit", sim.account_limit, 1, 10000000, "10"),
    KEY_INT64(C, "sim", "seed", sim.seed, INT64_MIN, INT64_MAX, "1"),
    KEY_BOOL(C, "sim", "throttle", sim.throttle, "true"),
};

static const struct cfg_key kind_keys[] = {
    KEY_DURATION(KD, "kinds", "ttl", default_ttl, 0, 3650 * DAY, "0"),
    KEY_DURATION(KD, "kinds", "max_ttl", max_ttl, 0, 3650 * DAY, "0"),
    KEY_STR(KD, "kinds", "ou", ou, CFG_EMPTY, check_kind_ou, ""),
    KEY_TAGS(KD, "kinds", "tags", tags, ntags, CFG_MAX_TAGS),
    KEY_INT(KD, "kinds", "max_per_owner", max_per_owner, 0, 100000, "0"),
    KEY_WARN(KD, "kinds", "warn", warn, nwarn, CFG_MAX_WARN),
    KEY_EVENTS(KD, "kinds", "hooks", hooks, 0,                 "post-create,expiry-warning,pre-close,post-close,nuke-failed,quarantined,"
                "close-failed,budget-warning,budget-exceeded"),
    KEY_STR(KD, "kinds", "email_template", email_template, CFG_OPTIONAL, check_email_template,
            NULL),
    KEY_STR(KD, "kinds", "name_template", name_template, CFG_OPTIONAL, check_name_template, NULL),
    KEY_STR(KD, "kinds", "permission_set", permission_set, CFG_OPTIONAL, check_permission_set,
            NULL),
    KEY_STR(KD, "kinds", "access_groups", access_groups, CFG_EMPTY, check_group_list_or_none,
            NULL),
    KEY_INT(KD, "kinds", "pool.size", pool_size, 0, 10000, "0"),
    KEY_STR(KD, "kinds", "pool.ou", pool_ou, 0, check_ou_path, "Sandboxes/Pool"),
    KEY_MONEY(KD, "kinds", "budget.limit", budget.limit, NULL),
    KEY_STR(KD, "kinds", "budget.period", budget.period_name, 0, check_budget_period, "lease"),
    KEY_PCTS(KD, "kinds", "budget.warn", budget.warn, budget.nwarn, CFG_MAX_BUDGET_WARN),
    KEY_STR(KD, "kinds", "budget.at_limit", budget.at_limit_name, 0, check_at_limit, "notify"),
};
/* clang-format on */

#undef C
#undef KD

/* The kinds of a file without a `kinds` group, written as a file would write them. */
static const char default_kinds[] =
        "kinds = {\n"
        "    developer = { ou = \"Sandboxes/Developers\"; max_per_owner = 1;\n"
        "                  warn = [ \"1d\" ]; };\n"
        "    training = { ttl = \"3d\"; max_ttl = \"14d\"; ou = \"Sandboxes/Training\";\n"
        "                 warn = [ \"1d\", \"2h\" ]; };\n"
        "    demo = { ttl = \"8h\"; max_ttl = \"3d\"; ou = \"Sandboxes/Demos\";\n"
        "             warn = [ \"1h\" ]; };\n"
        "};\n";

const struct cfg_key *
cfg_keys(size_t *n)
{
    *n = SBX_ARRAY_LEN(keys);
    return keys;
}

const struct cfg_key *
cfg_kind_keys(size_t *n)
{
    *n = SBX_ARRAY_LEN(kind_keys);
    return kind_keys;
}

static bool
quoted_type(enum cfg_type t)
{
    return t == CFG_STR || t == CFG_PATH || t == CFG_SECRET || t == CFG_DURATION || t == CFG_MONEY;
}

const char *
cfg_key_default(const struct cfg_key *k, char *buf, size_t n)
{
    size_t used = 0;
    int w;

    if (k->def == NULL || n == 0)
        return NULL;
    if (k->type == CFG_EVENTS) {
        const char *p = k->def;

        w = snprintf(buf, n, "[");
        used = w < 0 ? n : (size_t)w;
        while (*p != '\0' && used < n) {
            size_t len = strcspn(p, ",");

            w = snprintf(buf + used, n - used, "%s\"%.*s\"", used > 1 ? ", " : " ", (int)len, p);
            used += w < 0 ? n : (size_t)w;
            p += len + (p[len] == ',');
        }
        if (used < n) {
            w = snprintf(buf + used, n - used, " ]");
            used += w < 0 ? n : (size_t)w;
        }
    } else {
        w = snprintf(buf, n, quoted_type(k->type) ? "\"%s\"" : "%s", k->def);
        used = w < 0 ? n : (size_t)w;
    }
    return used < n ? buf : NULL;
}

/* The row for name in section, or NULL. */
static const struct cfg_key *
find_key(const struct cfg_key *tab, size_t n, const char *section, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(tab[i].section, section) == 0 && strcmp(tab[i].name, name) == 0)
            return &tab[i];
    return NULL;
}

/* True when some row of keys[] is in the group name. */
static bool
is_section(const char *name)
{
    for (size_t i = 0; i < SBX_ARRAY_LEN(keys); i++)
        if (*name != '\0' && strcmp(keys[i].section, name) == 0)
            return true;
    return false;
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
free_secret(char **p)
{
    if (*p != NULL) {
        OPENSSL_cleanse(*p, strlen(*p));
        free(*p);
        *p = NULL;
    }
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
free_accounts(char **ids, int *n)
{
    for (int i = 0; i < *n; i++) {
        free(ids[i]);
        ids[i] = NULL;
    }
    *n = 0;
}

/* Frees what the rows of tab own in the struct at base. */
static void
free_fields(const struct cfg_key *tab, size_t n, void *base)
{
    for (size_t i = 0; i < n; i++) {
        char *field = (char *)base + tab[i].offset;
        int *count = (int *)(void *)((char *)base + tab[i].count);

        switch (tab[i].type) {
        case CFG_STR:
        case CFG_PATH:
            free(*(char **)(void *)field);
            *(char **)(void *)field = NULL;
            break;
        case CFG_SECRET:
            free_secret((char **)(void *)field);
            break;
        case CFG_TAGS:
            free_tags((struct cfg_tag *)(void *)field, count);
            break;
        case CFG_ACCOUNTS:
            free_accounts((char **)(void *)field, count);
            break;
        default:
            break;
        }
    }
}

static void
free_kind(struct cfg_kind *k)
{
    free(k->name);
    free_fields(kind_keys, SBX_ARRAY_LEN(kind_keys), k);
    memset(k, 0, sizeof(*k));
}

void
cfg_free(struct sbx_config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->path);
    free_fields(keys, SBX_ARRAY_LEN(keys), cfg);
    for (int i = 0; i < cfg->nkinds; i++)
        free_kind(&cfg->kinds[i]);
    free(cfg);
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

    (void)ld;
    return f != NULL ? f : DEFAULTS_NAME;
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
    return sbx_err_nomem(ld->err);
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

/* ---- integer literals ---- */

/*
 * libconfig 1.5 converts an integer written without the L suffix with atoi(), so 4294967297
 * arrives as 1 and 2147483648 as -2147483648. Integers are therefore read again from the
 * literal in the text: the setting's line has "name = literal" (or "name: literal"); of the
 * literals found there for that name, the first that libconfig's conversion maps to the value
 * it reported is the one. When none is found libconfig's value stands.
 */

/* The whole of f into a heap string (NUL-terminated), or NULL with errno set. */
static char *
read_all(FILE *f)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;

    for (;;) {
        size_t got;

        if (cap - len < 4096) {
            char *p = realloc(buf, cap + 65536);

            if (p == NULL) {
                free(buf);
                errno = ENOMEM;
                return NULL;
            }
            buf = p;
            cap += 65536;
        }
        got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

/* The text the setting came from: the file or an included file (read once). */
static const char *
setting_text(struct loader *ld, const config_setting_t *s)
{
    const char *f = config_setting_source_file(s);
    char path[PATH_MAX];
    FILE *in;

    if (f == NULL)
        return NULL; /* the built-in defaults: no literal beyond 32 bits there */
    if (strcmp(f, ld->path) == 0)
        return ld->text;
    if (ld->inc_path != NULL && strcmp(ld->inc_path, f) == 0)
        return ld->inc_text;
    free(ld->inc_path);
    free(ld->inc_text);
    ld->inc_text = NULL;
    ld->inc_path = strdup(f);
    /* libconfig names an included file as the directive wrote it, relative to the include
     * directory (the config's) */
    if (f[0] != '/' && ld->dir != NULL &&
        snprintf(path, sizeof(path), "%s/%s", ld->dir, f) < (int)sizeof(path))
        f = path;
    in = fopen(f, "r");
    if (ld->inc_path != NULL && in != NULL)
        ld->inc_text = read_all(in);
    if (in != NULL)
        fclose(in);
    return ld->inc_text;
}

static bool
name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '*';
}

/*
 * Parses the integer literal at p ([-+]digits or 0x hex, optional L or LL) into *v, clamped
 * as strtoll clamps; *range is set when it does not fit in 64 bits. Returns the length of the
 * literal's digits (for messages), or 0 when p holds no integer literal.
 */
static size_t
int_literal(const char *p, int64_t *v, bool *range)
{
    const char *q = p;
    char *end = NULL;

    *range = false;
    if (*q == '-' || *q == '+')
        q++;
    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
        unsigned long long u;

        if (p != q)
            return 0;
        errno = 0;
        u = strtoull(p, &end, 16);
        if (end == p + 2)
            return 0;
        *range = errno == ERANGE;
        *v = (int64_t)u; /* libconfig reads hex as the bits of the value */
    } else {
        long long ll;

        if (*q < '0' || *q > '9')
            return 0;
        errno = 0;
        ll = strtoll(p, &end, 10);
        *range = errno == ERANGE;
        *v = ll;
        if (*end == '.' || *end == 'e' || *end == 'E')
            return 0; /* a float */
    }
    return (size_t)(end - p);
}

/* What libconfig 1.5 reports for literal v read as a plain int: its low 32 bits (atoi and
 * strtoul clamp as int_literal does). */
static int64_t
as_libconfig_int(int64_t v)
{
    return (int32_t)(uint32_t)(uint64_t)v;
}

/*
 * Finds s's literal. Returns 0 with *v (and *text, *len: the literal as written) when found,
 * -1 when not.
 */
static int
find_literal(struct loader *ld, const config_setting_t *s, int64_t *v, bool *range,
             const char **text, size_t *len)
{
    const char *name = config_setting_name(s), *start = setting_text(ld, s), *p = start;
    size_t nlen = name != NULL ? strlen(name) : 0;
    int64_t want = config_setting_get_int64(s);
    bool plain = config_setting_type(s) == CONFIG_TYPE_INT;

    if (p == NULL || nlen == 0)
        return -1;
    for (unsigned line = 1; line < (unsigned)config_setting_source_line(s) && *p != '\0'; p++)
        if (*p == '\n')
            line++;
    for (const char *eol = p + strcspn(p, "\n"); p < eol; p++) {
        const char *q = p + nlen;
        int64_t lit;
        bool big;
        size_t n;

        if (strncmp(p, name, nlen) != 0 || (p > start && name_char(p[-1])) || name_char(*q))
            continue;
        q += strspn(q, " \t");
        if (*q != '=' && *q != ':')
            continue;
        q++;
        q += strspn(q, " \t\r\n");
        n = int_literal(q, &lit, &big);
        if (n == 0)
            continue;
        if ((plain ? as_libconfig_int(lit) : lit) != want)
            continue;
        *v = lit;
        *range = big;
        *text = q;
        *len = n;
        return 0;
    }
    return -1;
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

/* A string passing check into *dst. "" is unset (NULL) with CFG_OPTIONAL, a value with
 * CFG_EMPTY, an error otherwise. */
static int
get_str(struct loader *ld, const config_setting_t *s, unsigned flags, cfg_check_fn check,
        char **dst)
{
    const char *v = NULL;
    char why[256];

    if (get_string(ld, s, &v) != 0)
        return -1;
    if (*v == '\0' && !(flags & CFG_EMPTY)) {
        if (!(flags & CFG_OPTIONAL))
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

/* Never echoes the value: used for the secret. */
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
    free_secret(dst);
    *dst = copy;
    return 0;
}

/* An integer setting's value as written (see find_literal), within [min, max]. */
static int
get_int(struct loader *ld, const config_setting_t *s, int64_t min, int64_t max, int64_t *out)
{
    const char *text = NULL;
    size_t len = 0;
    bool range = false;
    int64_t v;

    if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
        return key_error(ld, s, "must be an integer (got %s)", type_name(s));
    if (find_literal(ld, s, &v, &range, &text, &len) != 0)
        v = (int64_t)config_setting_get_int64(s);
    if (range && text[0] == '-')
        return key_error(ld, s, "must be >= %" PRId64 " (got %.*s)", min, (int)len, text);
    if (range)
        return key_error(ld, s, "must be <= %" PRId64 " (got %.*s)", max, (int)len, text);
    if (v < min)
        return key_error(ld, s, "must be >= %" PRId64 " (got %" PRId64 ")", min, v);
    if (v > max)
        return key_error(ld, s, "must be <= %" PRId64 " (got %" PRId64 ")", max, v);
    *out = v;
    return 0;
}

/* A number in (above, max]. */
static int
get_double(struct loader *ld, const config_setting_t *s, double above, double max, double *out)
{
    double v;

    if (!config_setting_is_number(s))
        return key_error(ld, s, "must be a number (got %s)", type_name(s));
    if (config_setting_type(s) == CONFIG_TYPE_FLOAT) {
        v = config_setting_get_float(s);
    } else {
        int64_t i = 0;

        if (get_int(ld, s, INT64_MIN, INT64_MAX, &i) != 0)
            return -1;
        v = (double)i;
    }
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

/* ---- lists ---- */

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

/* A list of distinct hook event names into ev[]; with CFG_NO_BOOL, false means none. */
static int
get_events(struct loader *ld, const config_setting_t *s, unsigned flags, bool *ev)
{
    if ((flags & CFG_NO_BOOL) && config_setting_type(s) == CONFIG_TYPE_BOOL) {
        if (config_setting_get_bool(s))
            return key_error(ld, s,
                             "must list the hook events that get the credentials, e.g. "
                             "[ \"pre-close\" ] (true, which gave them to every event, is no "
                             "longer accepted)");
        for (int i = 0; i < CFG_HOOK_EVENT_COUNT; i++)
            ev[i] = false;
        return 0;
    }
    if (get_list(ld, s, CFG_HOOK_EVENT_COUNT) != 0)
        return -1;
    for (int i = 0; i < CFG_HOOK_EVENT_COUNT; i++)
        ev[i] = false;
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        const char *v = NULL;
        int j;

        if (get_string(ld, e, &v) != 0)
            return -1;
        for (j = 0; j < CFG_HOOK_EVENT_COUNT; j++)
            if (strcmp(v, hook_event_names[j]) == 0)
                break;
        if (j == CFG_HOOK_EVENT_COUNT)
            return key_error(ld, e,
                             "unknown hook event \"%s\" (known: post-create, expiry-warning, "
                             "pre-close, post-close, nuke-failed, quarantined, close-failed, "
                             "budget-warning, budget-exceeded)",
                             v);
        if (ev[j])
            return key_error(ld, e, "duplicate hook event \"%s\"", v);
        ev[j] = true;
    }
    return 0;
}

static int
get_accounts(struct loader *ld, const config_setting_t *s, int max, char **ids, int *n)
{
    free_accounts(ids, n);
    if (get_list(ld, s, max) != 0)
        return -1;
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        char *id = NULL;

        if (get_str(ld, e, 0, check_account_id, &id) != 0)
            return -1;
        for (int j = 0; j < *n; j++) {
            if (strcmp(ids[j], id) == 0) {
                free(id);
                return key_error(ld, e, "duplicate account id");
            }
        }
        ids[(*n)++] = id;
    }
    return 0;
}

static int
get_money(struct loader *ld, const config_setting_t *s, int64_t *out)
{
    struct sbx_err merr = { 0 };
    int64_t cents;

    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return key_error(ld, s, "must be an amount string such as \"50 USD\" (got %s)",
                         type_name(s));
    if (money_parse(config_setting_get_string(s), &cents, &merr) != 0)
        return key_error(ld, s, "%s", merr.msg);
    if (cents == 0)
        return key_error(ld, s, "must be more than 0 USD (leave budget.limit out for no budget)");
    *out = cents;
    return 0;
}

/* A list of distinct numbers kept sorted: expiry-warning offsets, budget warning thresholds. */
struct num_list {
    int (*get)(struct loader *ld, const config_setting_t *e, int64_t *v); /* one entry, checked */
    bool descending;  /* largest first, else smallest first */
    const char *what; /* a repeated entry is "duplicate <what> <the entry as written>" */
    const char *unit; /* after a number in that message */
};

/* The list s (at most max entries) into v[0..*n): each entry read by l->get, in l's order,
 * none twice. */
static int
get_num_list(struct loader *ld, const config_setting_t *s, int max, const struct num_list *l,
             int64_t *v, int *n)
{
    *n = 0;
    if (get_list(ld, s, max) != 0)
        return -1;
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        int64_t x;
        int j;

        if (l->get(ld, e, &x) != 0)
            return -1;
        for (j = 0; j < *n && v[j] != x; j++)
            ;
        if (j < *n && config_setting_type(e) == CONFIG_TYPE_STRING)
            return key_error(ld, e, "duplicate %s \"%s\"", l->what, config_setting_get_string(e));
        if (j < *n)
            return key_error(ld, e, "duplicate %s %" PRId64 "%s", l->what, x, l->unit);
        for (j = *n; j > 0 && (l->descending ? v[j - 1] < x : v[j - 1] > x); j--)
            v[j] = v[j - 1];
        v[j] = x;
        (*n)++;
    }
    return 0;
}

#define WARN_MAX (365 * DAY)

static int
get_warn_offset(struct loader *ld, const config_setting_t *e, int64_t *v)
{
    return get_duration(ld, e, 1, WARN_MAX, v);
}

/* Expiry-warning offsets, largest (earliest warning) first. */
static const struct num_list warn_list = { get_warn_offset, true, "warning offset", "" };

static int
get_pct(struct loader *ld, const config_setting_t *e, int64_t *v)
{
    if (config_setting_type(e) != CONFIG_TYPE_INT && config_setting_type(e) != CONFIG_TYPE_INT64)
        return key_error(ld, e, "must be a percentage of the limit, an integer 1..99 (got %s)",
                         type_name(e));
    return get_int(ld, e, 1, 99, v);
}

/* Warning thresholds in percent of a budget, ascending, into int pct[]. */
static int
get_pcts(struct loader *ld, const config_setting_t *s, int max, int *pct, int *n)
{
    static const struct num_list pct_list = { get_pct, false, "warning threshold", "%" };
    int64_t v[CFG_MAX_BUDGET_WARN];
    int rc;

    if (max > CFG_MAX_BUDGET_WARN)
        max = CFG_MAX_BUDGET_WARN;
    rc = get_num_list(ld, s, max, &pct_list, v, n);
    for (int i = 0; i < *n; i++)
        pct[i] = (int)v[i];
    return rc;
}

/* ---- the walk ---- */

/* Loads setting s as key k into the struct at base. */
static int
load_key(struct loader *ld, const config_setting_t *s, const struct cfg_key *k, void *base)
{
    char *field = (char *)base + k->offset;
    int *count = (int *)(void *)((char *)base + k->count);
    int64_t v = 0;

    switch (k->type) {
    case CFG_STR:
    case CFG_PATH:
        return get_str(ld, s, k->flags, k->check, (char **)(void *)field);
    case CFG_SECRET:
        return get_secret(ld, s, (char **)(void *)field);
    case CFG_INT:
        if (get_int(ld, s, k->min, k->max, &v) != 0)
            return -1;
        *(int *)(void *)field = (int)v;
        return 0;
    case CFG_INT64:
        return get_int(ld, s, k->min, k->max, (int64_t *)(void *)field);
    case CFG_DOUBLE:
        return get_double(ld, s, (double)k->min, (double)k->max, (double *)(void *)field);
    case CFG_BOOL:
        return get_bool(ld, s, (bool *)(void *)field);
    case CFG_DURATION:
        return get_duration(ld, s, k->min, k->max, (int64_t *)(void *)field);
    case CFG_EVENTS:
        return get_events(ld, s, k->flags, (bool *)(void *)field);
    case CFG_TAGS:
        return get_tags(ld, s, (int)k->max, (struct cfg_tag *)(void *)field, count);
    case CFG_ACCOUNTS:
        return get_accounts(ld, s, (int)k->max, (char **)(void *)field, count);
    case CFG_WARN:
        return get_num_list(ld, s, (int)k->max, &warn_list, (int64_t *)(void *)field, count);
    case CFG_MONEY:
        return get_money(ld, s, (int64_t *)(void *)field);
    case CFG_PCTS:
        return get_pcts(ld, s, (int)k->max, (int *)(void *)field, count);
    }
    return key_error(ld, s, "internal error: key of unknown type");
}

/* True when some row of tab in section is named prefix + "." + something (a nested group,
 * e.g. a kind's pool = { size; ou; }, whose rows are named "pool.size", "pool.ou"). */
static bool
is_subgroup(const struct cfg_key *tab, size_t n, const char *section, const char *prefix)
{
    size_t len = strlen(prefix);

    for (size_t i = 0; i < n; i++)
        if (strcmp(tab[i].section, section) == 0 && strncmp(tab[i].name, prefix, len) == 0 &&
            tab[i].name[len] == '.')
            return true;
    return false;
}

/* Loads every setting of group g, whose keys are the rows of tab in section named prefix +
 * the setting's name; a nested group recurses with its name added to prefix. */
static int
load_group_in(struct loader *ld, const config_setting_t *g, const struct cfg_key *tab, size_t n,
              const char *section, const char *prefix, void *base)
{
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, i);
        const struct cfg_key *k;
        char name[128];

        snprintf(name, sizeof(name), "%s%s", prefix, config_setting_name(s));
        k = find_key(tab, n, section, name);
        if (k == NULL && is_subgroup(tab, n, section, name)) {
            if (get_group(ld, s) != 0)
                return -1;
            snprintf(name + strlen(name), sizeof(name) - strlen(name), ".");
            if (load_group_in(ld, s, tab, n, section, name, base) != 0)
                return -1;
            continue;
        }
        if (k == NULL)
            return unknown_key(ld, s);
        if (load_key(ld, s, k, base) != 0)
            return -1;
    }
    return 0;
}

/* Loads every setting of group g, whose keys are the rows of tab in section. */
static int
load_group(struct loader *ld, const config_setting_t *g, const struct cfg_key *tab, size_t n,
           const char *section, void *base)
{
    return load_group_in(ld, g, tab, n, section, "", base);
}

static bool
valid_kind_name(const char *name)
{
    size_t len = strlen(name);

    return len >= 1 && len <= 32 && name[0] >= 'a' && name[0] <= 'z' &&
           strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

/* Relations between a kind's keys, whatever order they came in; the budget's names parsed. */
static int
check_kind(struct loader *ld, const config_setting_t *g, struct cfg_kind *kd)
{
    const config_setting_t *s;
    struct cfg_budget *bu = &kd->budget;
    char a[32], b[32];

    bu->period = strcmp(bu->period_name, "monthly") == 0 ? CFG_BUDGET_MONTHLY : CFG_BUDGET_LEASE;
    bu->at_limit = strcmp(bu->at_limit_name, "freeze") == 0  ? CFG_AT_LIMIT_FREEZE
                   : strcmp(bu->at_limit_name, "close") == 0 ? CFG_AT_LIMIT_CLOSE
                                                             : CFG_AT_LIMIT_NOTIFY;
    s = config_setting_get_member(g, "budget");
    if (s != NULL && bu->limit == 0 && config_setting_length(s) > 0)
        return key_error(ld, s, "a budget needs its limit, e.g. limit = \"50 USD\"");
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

            if (get_duration(ld, e, 1, WARN_MAX, &v) != 0)
                return -1;
            if (v >= kd->max_ttl)
                return key_error(ld, e, "warning offset %s must be less than max_ttl %s",
                                 duration_format(v, a, sizeof(a)),
                                 duration_format(kd->max_ttl, b, sizeof(b)));
        }
    }
    return 0;
}

/* kind_defaults: the group of a kind's defaults (see defaults_text). */
static int
load_kinds(struct loader *ld, const config_setting_t *g, const config_setting_t *kind_defaults)
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
        const config_setting_t *kg = config_setting_get_elem(g, i);
        struct cfg_kind *kd = &cfg->kinds[i];

        /* counted first so that a half-loaded kind is freed with the config */
        cfg->nkinds++;
        if (!valid_kind_name(config_setting_name(kg)))
            return key_error(ld, kg, "kind names must match [a-z][a-z0-9_-]{0,31}");
        if (get_group(ld, kg) != 0)
            return -1;
        if (set_str(&kd->name, config_setting_name(kg)) != 0)
            return nomem(ld);
        if (load_group(ld, kind_defaults, kind_keys, SBX_ARRAY_LEN(kind_keys), "kinds", kd) != 0 ||
            load_group(ld, kg, kind_keys, SBX_ARRAY_LEN(kind_keys), "kinds", kd) != 0 ||
            check_kind(ld, kg, kd) != 0)
            return -1;
    }
    return 0;
}

static int
load_root(struct loader *ld, const config_setting_t *root, const config_setting_t *kind_defaults)
{
    for (int i = 0; i < config_setting_length(root); i++) {
        const config_setting_t *s = config_setting_get_elem(root, i);
        const char *name = config_setting_name(s);
        const struct cfg_key *k = find_key(keys, SBX_ARRAY_LEN(keys), "", name);
        int rc;

        if (k != NULL) {
            rc = load_key(ld, s, k, ld->cfg);
        } else if (is_section(name)) {
            rc = get_group(ld, s);
            if (rc == 0)
                rc = load_group(ld, s, keys, SBX_ARRAY_LEN(keys), name, ld->cfg);

        } else if (strcmp(name, "kinds") == 0 && kind_defaults != NULL) {
            rc = get_group(ld, s);
            if (rc == 0)
                rc = load_kinds(ld, s, kind_defaults);
        } else {
            rc = unknown_key(ld, s);
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

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

/* ---- defaults ---- */

struct text {
    char *p;
    size_t len, cap;
    bool failed;
};

static void text_add(struct text *t, const char *fmt, ...) SBX_PRINTF(2, 3);

static void
text_add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int w;

    for (;;) {
        va_start(ap, fmt);
        w = vsnprintf(t->p != NULL ? t->p + t->len : NULL, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (w < 0) {
            t->failed = true;
            return;
        }
        if ((size_t)w < t->cap - t->len) {
            t->len += (size_t)w;
            return;
        }
        {
            size_t cap = t->cap * 2 + (size_t)w + 256;
            char *p = realloc(t->p, cap);

            if (p == NULL) {
                t->failed = true;
                return;
            }
            t->p = p;
            t->cap = cap;
        }
    }
}

/*
 * The defaults of tab as a configuration file would write them, each row in its section's
 * group; when wrap is set, every row in the one group wrap instead. Returns a heap string or
 * NULL (out of memory).
 */
static char *
defaults_text(const struct cfg_key *tab, size_t n, const char *wrap)
{
    struct text t = { 0 };
    const char *open = NULL, *group = NULL, *dot;
    size_t glen = 0;
    char buf[256];

    if (wrap != NULL)
        text_add(&t, "%s = {\n", wrap);
    for (size_t i = 0; i < n; i++) {
        if (cfg_key_default(&tab[i], buf, sizeof(buf)) == NULL)
            continue;
        if (wrap == NULL && (open == NULL || strcmp(open, tab[i].section) != 0)) {
            if (open != NULL && *open != '\0')
                text_add(&t, "};\n");
            open = tab[i].section;
            if (*open != '\0')
                text_add(&t, "%s = {\n", open);
        }
        dot = strchr(tab[i].name, '.');
        if (group != NULL && (dot == NULL || (size_t)(dot - tab[i].name) != glen ||
                              strncmp(tab[i].name, group, glen) != 0)) {
            text_add(&t, "};\n");
            group = NULL;
        }
        if (dot != NULL && group == NULL) {
            /* a nested group's rows ("pool.size", "pool.ou") are written pool = { ... }; */
            group = tab[i].name;
            glen = (size_t)(dot - tab[i].name);
            text_add(&t, "%.*s = {\n", (int)glen, group);
        }
        text_add(&t, "%s = %s;\n", dot != NULL ? dot + 1 : tab[i].name, buf);
    }
    if (group != NULL)
        text_add(&t, "};\n");
    if (wrap != NULL || (open != NULL && *open != '\0'))
        text_add(&t, "};\n");
    if (t.failed || t.p == NULL) {
        free(t.p);
        return NULL;
    }
    return t.p;
}

/* Parses text (built in, so an error in it is the program's) into lc. */
static int
read_builtin(struct loader *ld, config_t *lc, const char *text)
{
    if (text == NULL)
        return nomem(ld);
    if (config_read_string(lc, text) != CONFIG_TRUE) {
        sbx_err_set(ld->err, SBX_E_CONFIG, "%s:%d: %s", DEFAULTS_NAME, config_error_line(lc),
                    config_error_text(lc) != NULL ? config_error_text(lc) : "cannot parse");
        return -1;
    }
    return 0;
}

/*
 * Loads the defaults into ld->cfg: every row's default, then the default kinds. On success
 * *kind_defaults is the group of a kind's defaults in kl, for the kinds of the file.
 */
static int
load_defaults(struct loader *ld, config_t *dl, config_t *kl, const config_setting_t **kind_defaults)
{
    char *main_text = defaults_text(keys, SBX_ARRAY_LEN(keys), NULL);
    char *kind_text = defaults_text(kind_keys, SBX_ARRAY_LEN(kind_keys), "kind");
    struct text all = { 0 };
    int rc = -1;

    if (main_text != NULL)
        text_add(&all, "%s%s", main_text, default_kinds);
    if (read_builtin(ld, dl, all.failed ? NULL : all.p) != 0 ||
        read_builtin(ld, kl, kind_text) != 0)
        goto out;
    *kind_defaults = config_lookup(kl, "kind");
    if (*kind_defaults == NULL) {
        sbx_err_set(ld->err, SBX_E_CONFIG, "%s: no kind defaults", DEFAULTS_NAME);
        goto out;
    }
    rc = load_root(ld, config_root_setting(dl), *kind_defaults);
out:
    free(main_text);
    free(kind_text);
    free(all.p);
    return rc;
}

/* *dir, when unset, defaults to <directory of the store>/name. */
static int
default_beside_store(const struct sbx_config *cfg, char **dir, const char *name)
{
    const char *slash;
    int dirlen;
    size_t size;

    if (*dir != NULL)
        return 0;
    slash = strrchr(cfg->store, '/');
    dirlen = slash == NULL ? 1 : (int)(slash - cfg->store);
    size = (size_t)dirlen + strlen(name) + 2;
    *dir = malloc(size);
    if (*dir == NULL)
        return -1;
    snprintf(*dir, size, "%.*s/%s", dirlen, slash == NULL ? "." : cfg->store, name);
    return 0;
}

/* hooks.log_dir and hooks.state_dir default to hook-logs and hook-state beside the store. */
static int
default_log_dir(struct sbx_config *cfg)
{
    if (default_beside_store(cfg, &cfg->hooks.log_dir, "hook-logs") != 0)
        return -1;
    return default_beside_store(cfg, &cfg->hooks.state_dir, "hook-state");
}

/* Wipes libconfig's copies of the secrets before its tree is freed. */
static void
wipe_tree_secrets(config_t *lc)
{
    for (size_t i = 0; i < SBX_ARRAY_LEN(keys); i++) {
        config_setting_t *s;
        char path[128];
        const char *v;

        if (keys[i].type != CFG_SECRET)
            continue;
        snprintf(path, sizeof(path), "%s%s%s", keys[i].section, *keys[i].section ? "." : "",
                 keys[i].name);
        s = config_lookup(lc, path);
        if (s == NULL || config_setting_type(s) != CONFIG_TYPE_STRING)
            continue;
        v = config_setting_get_string(s);
        if (v != NULL)
            OPENSSL_cleanse((char *)(uintptr_t)v, strlen(v));
    }
}

int
cfg_defaults(struct sbx_config **out, struct sbx_err *err)
{
    const config_setting_t *kind_defaults = NULL;
    struct loader ld = { 0 };
    config_t dl, kl;
    int rc = -1;

    *out = NULL;
    config_init(&dl);
    config_init(&kl);
    ld.path = DEFAULTS_NAME;
    ld.err = err;
    ld.cfg = sbx_calloc(1, sizeof(*ld.cfg), err);
    if (ld.cfg == NULL)
        goto out;
    if (load_defaults(&ld, &dl, &kl, &kind_defaults) != 0)
        goto out;
    if (default_log_dir(ld.cfg) != 0) {
        sbx_err_nomem(err);
        goto out;
    }
    *out = ld.cfg;
    ld.cfg = NULL;
    rc = 0;
out:
    wipe_tree_secrets(&dl);
    config_destroy(&dl);
    config_destroy(&kl);
    cfg_free(ld.cfg);
    return rc;
}

int
cfg_load(const char *path, struct sbx_config **out, struct sbx_err *err)
{
    const config_setting_t *kind_defaults = NULL;
    struct sbx_config *cfg = NULL;
    struct loader ld = { 0 };
    struct stat st;
    config_t lc, dl, kl;
    FILE *f;
    int rc = -1;

    *out = NULL;
    config_init(&lc);
    config_init(&dl);
    config_init(&kl);
    /* libconfig only says "file I/O error": find the cause first. The text is kept for the
     * integer literals (see find_literal). */
    f = fopen(path, "r");
    if (f != NULL && fstat(fileno(f), &st) == 0 && !S_ISDIR(st.st_mode))
        ld.text = read_all(f);
    if (ld.text == NULL) {
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
    if (cfg == NULL)
        goto nomem;
    ld.cfg = cfg;
    if (load_defaults(&ld, &dl, &kl, &kind_defaults) != 0 ||
        load_root(&ld, config_root_setting(&lc), kind_defaults) != 0 ||
        check_limits(&ld, config_root_setting(&lc)) != 0)
        goto out;
    /* Owner access is in force when the file (not the built-in defaults) has the group. */
    cfg->access.enabled = config_lookup(&lc, "access") != NULL;
    {
        const char *base = strrchr(path, '/');

        cfg->path = join_clean(ld.dir, base != NULL ? base + 1 : path);
    }
    if (cfg->path == NULL)
        goto nomem;
    for (size_t i = 0; i < SBX_ARRAY_LEN(keys); i++)
        if (keys[i].type == CFG_PATH &&
            resolve(&ld, (char **)(void *)((char *)cfg + keys[i].offset)) != 0)
            goto nomem;
    if (default_log_dir(cfg) != 0)
        goto nomem;
    *out = cfg;
    cfg = NULL;
    rc = 0;
    goto out;
nomem:
    sbx_err_nomem(err);
out:
    wipe_tree_secrets(&lc);
    wipe_tree_secrets(&dl);
    config_destroy(&lc);
    config_destroy(&dl);
    config_destroy(&kl);
    cfg_free(cfg);
    free(ld.dir);
    free(ld.text);
    free(ld.inc_path);
    free(ld.inc_text);
    return rc;
}
