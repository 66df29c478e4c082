/* engine_access.c -- the `access` configuration resolved against Identity Center (see
 * engine_access.h). */
#include "engine/engine_access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/grow.h"

void
engine_access_idc_opts(const struct sbx_config *cfg, struct idc_opts *out)
{
    memset(out, 0, sizeof(*out));
    out->region = cfg->access.region;
    out->sso_endpoint = cfg->aws.sso_endpoint;
    out->identitystore_endpoint = cfg->aws.identitystore_endpoint;
}

int
engine_access_instance(struct idc *c, const struct cfg_access *cfg,
                       struct engine_access_instance *out, struct sbx_err *err)
{
    struct idc_instance *v = NULL;
    const struct idc_instance *pick = NULL;
    size_t n = 0;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (idc_list_instances(c, &v, &n, err) != 0) {
        sbx_err_prefix(err, "cannot list the IAM Identity Center instances in %s", idc_region(c));
        return -1;
    }
    if (cfg->instance != NULL) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(v[i].arn, cfg->instance) == 0)
                pick = &v[i];
        }
        if (pick == NULL) {
            sbx_err_set(err, SBX_E_CONFIG,
                        "access.instance %s is not an IAM Identity Center instance in %s (%zu "
                        "there; is access.region the instance's home region?)",
                        cfg->instance, idc_region(c), n);
            goto out;
        }
    } else if (n == 1) {
        pick = &v[0];
    } else if (n == 0) {
        sbx_err_set(err, SBX_E_CONFIG,
                    "no IAM Identity Center instance in %s: enable Identity Center, or set "
                    "access.region to its home region",
                    idc_region(c));
        goto out;
    } else {
        sbx_err_set(err, SBX_E_CONFIG,
                    "%zu IAM Identity Center instances in %s: set access.instance to the one "
                    "to use",
                    n, idc_region(c));
        goto out;
    }
    out->arn = strdup(pick->arn);
    out->identity_store_id = strdup(pick->identity_store_id);
    if (out->arn == NULL || out->identity_store_id == NULL) {
        engine_access_instance_release(out);
        sbx_err_nomem(err);
        goto out;
    }
    rc = 0;
out:
    idc_instances_free(v, n);
    return rc;
}

void
engine_access_instance_release(struct engine_access_instance *in)
{
    free(in->arn);
    free(in->identity_store_id);
    memset(in, 0, sizeof(*in));
}

const char *
engine_access_permission_set_for(const struct sbx_config *cfg, const struct cfg_kind *kind)
{
    if (kind != NULL && kind->permission_set != NULL)
        return kind->permission_set;
    return cfg->access.permission_set;
}

int
engine_access_permission_set_arn(struct idc *c, const char *instance_arn, const char *name_or_arn,
                                 char **arn, struct sbx_err *err)
{
    struct idc_permission_set ps;
    char **sets = NULL;
    size_t n = 0;

    *arn = NULL;
    if (strncmp(name_or_arn, "arn:", 4) == 0) {
        if (idc_describe_permission_set(c, instance_arn, name_or_arn, &ps, err) != 0) {
            if (err->code == SBX_E_AWS && err->aws == SBX_AWS_NOT_FOUND)
                sbx_err_set(err, SBX_E_CONFIG, "permission set %s does not exist in %s",
                            name_or_arn, instance_arn);
            return -1;
        }
        idc_permission_set_release(&ps);
        *arn = strdup(name_or_arn);
        return *arn == NULL ? sbx_err_nomem(err) : 0;
    }
    if (idc_list_permission_sets(c, instance_arn, &sets, &n, err) != 0)
        return -1;
    for (size_t i = 0; i < n && *arn == NULL; i++) {
        if (idc_describe_permission_set(c, instance_arn, sets[i], &ps, err) != 0) {
            idc_strings_free(sets, n);
            return -1;
        }
        if (strcmp(ps.name, name_or_arn) == 0) {
            *arn = sets[i];
            sets[i] = NULL;
        }
        idc_permission_set_release(&ps);
    }
    idc_strings_free(sets, n);
    if (*arn == NULL) {
        sbx_err_set(err, SBX_E_CONFIG,
                    "no permission set named '%s' in %s (%zu permission set%s there)", name_or_arn,
                    instance_arn, n, n == 1 ? "" : "s");
        return -1;
    }
    return 0;
}

int
engine_access_user_key(const struct cfg_access *cfg, const char *owner, const char **path,
                       char *value, size_t n, struct sbx_err *err)
{
    const char *at = strchr(owner, '@');
    size_t local = at != NULL ? (size_t)(at - owner) : strlen(owner);
    size_t len = 0;

    if (cfg->user_name_template == NULL) {
        *path = "emails.value";
        if (strlen(owner) >= n)
            goto too_long;
        snprintf(value, n, "%s", owner);
        return 0;
    }
    *path = "userName";
    for (const char *p = cfg->user_name_template; *p != '\0';) {
        const char *piece = p;
        size_t plen = 1;

        if (strncmp(p, "{owner}", 7) == 0) {
            piece = owner;
            plen = strlen(owner);
            p += 7;
        } else if (strncmp(p, "{local}", 7) == 0) {
            piece = owner;
            plen = local;
            p += 7;
        } else {
            p++;
        }
        if (len + plen >= n)
            goto too_long;
        memcpy(value + len, piece, plen);
        len += plen;
    }
    value[len] = '\0';
    if (len == 0) {
        sbx_err_set(err, SBX_E_INVALID,
                    "access.user_name_template '%s' gives an empty user name for owner '%s'",
                    cfg->user_name_template, owner);
        return -1;
    }
    return 0;
too_long:
    sbx_err_set(err, SBX_E_INVALID, "the Identity Center user name for owner '%.64s' is too long",
                owner);
    return -1;
}

int
engine_access_user_id(struct idc *c, const struct cfg_access *cfg, const char *identity_store_id,
                      const char *owner, char **user_id, struct sbx_err *err)
{
    const char *path;
    char value[256];

    *user_id = NULL;
    if (engine_access_user_key(cfg, owner, &path, value, sizeof(value), err) != 0)
        return -1;
    if (idc_get_user_id(c, identity_store_id, path, value, user_id, err) == 0)
        return 0;
    if (err->code == SBX_E_AWS && err->aws == SBX_AWS_NOT_FOUND)
        sbx_err_set(err, SBX_E_NOTFOUND,
                    "owner %s has no IAM Identity Center user (%s = %s in identity store %s)",
                    owner, path, value, identity_store_id);
    else
        sbx_err_prefix(err, "cannot look up the Identity Center user of owner %s", owner);
    return -1;
}

/* Adds a copy of name[0..len) to v unless it is there; -1 when out of memory. */
static int
add_group(char ***v, size_t *n, size_t *cap, const char *name, size_t len)
{
    char **g;

    for (size_t i = 0; i < *n; i++) {
        if (strlen((*v)[i]) == len && strncmp((*v)[i], name, len) == 0)
            return 0;
    }
    if ((g = grow_array(*v, *n, cap, sizeof(*g))) == NULL)
        return -1;
    *v = g;
    if (((*v)[*n] = strndup(name, len)) == NULL)
        return -1;
    (*n)++;
    return 0;
}

int
engine_access_groups(const struct sbx_config *cfg, const struct cfg_kind *kind,
                     const char *const *extra, size_t nextra, char ***out, size_t *n,
                     struct sbx_err *err)
{
    const char *p =
            kind != NULL && kind->access_groups != NULL ? kind->access_groups : cfg->access.groups;
    char **v = NULL;
    size_t len = 0, cap = 0;

    *out = NULL;
    *n = 0;
    while (p != NULL && *p != '\0') {
        size_t l = strcspn(p, ",");

        if (l > 0 && add_group(&v, &len, &cap, p, l) != 0)
            goto nomem;
        p += l + (p[l] == ',' ? 1 : 0);
    }
    for (size_t i = 0; i < nextra; i++) {
        if (extra[i][0] != '\0' && add_group(&v, &len, &cap, extra[i], strlen(extra[i])) != 0)
            goto nomem;
    }
    *out = v;
    *n = len;
    return 0;
nomem:
    store_strings_free(v, len);
    return sbx_err_nomem(err);
}

int
engine_access_group_id(struct idc *c, const char *identity_store_id, const char *name,
                       char **group_id, struct sbx_err *err)
{
    *group_id = NULL;
    if (idc_get_group_id(c, identity_store_id, name, group_id, err) == 0)
        return 0;
    if (err->code == SBX_E_AWS && err->aws == SBX_AWS_NOT_FOUND)
        sbx_err_set(err, SBX_E_NOTFOUND,
                    "no IAM Identity Center group '%s' in identity store %s (displayName)", name,
                    identity_store_id);
    else
        sbx_err_prefix(err, "cannot look up the Identity Center group '%s'", name);
    return -1;
}

int
engine_access_portal_url(const char *identity_store_id, char *buf, size_t n)
{
    int w = snprintf(buf, n, "https://%s.awsapps.com/start", identity_store_id);

    return w < 0 || (size_t)w >= n ? -1 : 0;
}

int
engine_access_console_url(const char *portal, const char *account_id, const char *role_name,
                          char *buf, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t plen = strlen(portal), o;
    int w;

    if (plen > 0 && portal[plen - 1] == '/')
        plen--;
    w = snprintf(buf, n, "%.*s/#/console?account_id=%s&role_name=", (int)plen, portal, account_id);
    if (w < 0 || (size_t)w >= n)
        return -1;
    o = (size_t)w;
    for (const unsigned char *p = (const unsigned char *)role_name; *p != '\0'; p++) {
        bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                     (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL;

        if (o + (plain ? 1 : 3) >= n)
            return -1;
        if (plain) {
            buf[o++] = (char)*p;
        } else {
            buf[o++] = '%';
            buf[o++] = hex[*p >> 4];
            buf[o++] = hex[*p & 15];
        }
    }
    buf[o] = '\0';
    return 0;
}

void
engine_access_cache_free(struct engine_access_cache *c)
{
    if (c == NULL)
        return;
    idc_free(c->idc);
    engine_access_instance_release(&c->in);
    for (size_t i = 0; i < c->ngroups; i++) {
        free(c->groups[i].name);
        free(c->groups[i].id);
    }
    free(c->groups);
    for (size_t i = 0; i < c->nps; i++) {
        free(c->ps[i].kind);
        free(c->ps[i].arn);
        free(c->ps[i].name);
    }
    free(c);
}
