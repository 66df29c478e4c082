/*
 * creds_ini.c -- the AWS shared config and credentials files (see creds_ini.h).
 *
 * Secrets pass through file buffers and INI values: each of them is wiped with
 * OPENSSL_cleanse before it is freed.
 */
#include "aws/creds_ini.h"

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "aws/creds_value.h"
#include "util/grow.h"

#define INI_MAX_FILE (4 * 1024 * 1024)

void
creds_ini_free(struct creds_ini *f)
{
    for (size_t i = 0; i < f->nsecs; i++) {
        struct creds_ini_section *s = &f->secs[i];

        for (size_t j = 0; j < s->nprops; j++) {
            free(s->props[j].key);
            creds_wipe_free(s->props[j].value);
            free(s->props[j].parent);
        }
        free(s->props);
        free(s->name);
    }
    free(f->secs);
    f->secs = NULL;
    f->nsecs = f->cap = 0;
}

static char *
trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* Cuts a comment that starts with '#' or ';' preceded by whitespace (inline comment). */
static void
cut_inline_comment(char *s)
{
    for (char *p = s; *p != '\0'; p++) {
        if ((*p == '#' || *p == ';') && p > s && (p[-1] == ' ' || p[-1] == '\t')) {
            *p = '\0';
            return;
        }
    }
}

static struct creds_ini_section *
ini_add_section(struct creds_ini *f, const char *kind, const char *name)
{
    struct creds_ini_section *s = grow_slot(&f->secs, f->nsecs, &f->cap, sizeof(*s));

    if (s == NULL)
        return NULL;
    snprintf(s->kind, sizeof(s->kind), "%s", kind);
    s->name = strdup(name);
    if (s->name == NULL)
        return NULL;
    f->nsecs++;
    return s;
}

static int
ini_add_prop(struct creds_ini_section *s, const char *key, const char *value, const char *parent)
{
    struct creds_ini_prop *p = grow_slot(&s->props, s->nprops, &s->cap, sizeof(*p));

    if (p == NULL)
        return -1;
    p->key = strdup(key);
    p->value = strdup(value);
    p->parent = parent != NULL ? strdup(parent) : NULL;
    if (p->key == NULL || p->value == NULL || (parent != NULL && p->parent == NULL)) {
        free(p->key);
        creds_wipe_free(p->value);
        free(p->parent);
        return -1;
    }
    for (char *c = p->key; *c != '\0'; c++)
        *c = (char)tolower((unsigned char)*c);
    s->nprops++;
    return 0;
}

/*
 * Classifies a section header's inner text. Config file: "default", "profile NAME",
 * "services NAME", "sso-session NAME"; credentials file: any bare NAME is a profile.
 * Returns false for sections that name nothing we read.
 */
static bool
section_kind(char *inner, bool config, const char **kind, const char **name)
{
    static const char *const kinds[] = { "profile", "services", "sso-session" };

    if (!config) {
        if (*inner == '\0' || strpbrk(inner, " \t") != NULL)
            return false;
        *kind = "profile";
        *name = inner;
        return true;
    }
    if (strcmp(inner, "default") == 0) {
        *kind = "profile";
        *name = inner;
        return true;
    }
    for (size_t i = 0; i < SBX_ARRAY_LEN(kinds); i++) {
        size_t n = strlen(kinds[i]);
        if (strncmp(inner, kinds[i], n) == 0 && (inner[n] == ' ' || inner[n] == '\t')) {
            char *nm = trim(inner + n);
            if (*nm == '\0' || strpbrk(nm, " \t") != NULL)
                return false;
            *kind = kinds[i];
            *name = nm;
            return true;
        }
    }
    return false;
}

/* A malformed line: "<what> '<path>' line N: why". */
static int
malformed(const char *what, const char *path, int line, const char *why, struct sbx_err *err)
{
    sbx_err_set(err, SBX_E_CREDS, "%s '%s' line %d: %s", what, path, line, why);
    return -1;
}

/* Parses buf (NUL-terminated, modified in place) into f, line by line. */
static int
ini_parse_lines(struct creds_ini *f, char *buf, bool config, const char *what, struct sbx_err *err)
{
    struct creds_ini_section *cur = NULL;
    char *line = buf, *next;
    char *last_key = NULL; /* top-level key of the last property, for sub-properties */
    bool last_empty = false, in_section = false, have_key = false;
    int rc = -1, lineno = 0;

    for (; line != NULL; line = next) {
        char *t, *eq;

        lineno++;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        t = trim(line);
        if (*t == '\0' || *t == '#' || *t == ';')
            continue;
        if (*t == '[') {
            char *close = strchr(t, ']');
            const char *kind, *name;

            free(last_key);
            last_key = NULL;
            cur = NULL;
            in_section = true;
            have_key = false;
            if (close == NULL) {
                malformed(what, f->path, lineno, "section header without ']'", err);
                goto out;
            }
            *close = '\0';
            cut_inline_comment(close + 1);
            /* Sections we do not read (other kinds, trailing text) are skipped whole. */
            if (*trim(close + 1) != '\0')
                continue;
            if (!section_kind(trim(t + 1), config, &kind, &name))
                continue;
            cur = ini_add_section(f, kind, name);
            if (cur == NULL)
                goto nomem;
            continue;
        }
        if ((line[0] == ' ' || line[0] == '\t') && have_key) {
            /* Indented after a property: a sub-property of an empty-valued key, else a
             * continuation line. (Indented first lines of a section are plain properties.) */
            if (cur == NULL || last_key == NULL || cur->nprops == 0)
                continue;
            if (last_empty) {
                eq = strchr(t, '=');
                if (eq == NULL)
                    continue;
                *eq = '\0';
                cut_inline_comment(eq + 1);
                if (ini_add_prop(cur, trim(t), trim(eq + 1), last_key) != 0)
                    goto nomem;
            } else {
                struct creds_ini_prop *p = &cur->props[cur->nprops - 1];
                size_t n = strlen(p->value) + strlen(t) + 2;
                char *nv = malloc(n);

                if (nv == NULL)
                    goto nomem;
                snprintf(nv, n, "%s\n%s", p->value, t);
                creds_wipe_free(p->value);
                p->value = nv;
            }
            continue;
        }
        /* "key = value" or "key: value": the first '=' or ':' separates. */
        eq = t + strcspn(t, "=:");
        if (*eq == '\0') {
            malformed(what, f->path, lineno, "expected '[section]' or 'key = value'", err);
            goto out;
        }
        *eq = '\0';
        cut_inline_comment(eq + 1);
        t = trim(t);
        if (*t == '\0') {
            malformed(what, f->path, lineno, "a value without a key", err);
            goto out;
        }
        if (!in_section) {
            malformed(what, f->path, lineno, "'key = value' before any [section]", err);
            goto out;
        }
        have_key = true;
        if (cur == NULL)
            continue;
        if (ini_add_prop(cur, t, trim(eq + 1), NULL) != 0)
            goto nomem;
        free(last_key);
        last_key = strdup(cur->props[cur->nprops - 1].key);
        if (last_key == NULL)
            goto nomem;
        last_empty = cur->props[cur->nprops - 1].value[0] == '\0';
    }
    rc = 0;
    goto out;
nomem:
    sbx_err_nomem(err);
out:
    free(last_key);
    return rc;
}

int
creds_ini_parse(const char *what, const char *path, const char *text, size_t len, bool config,
                struct creds_ini *out, struct sbx_err *err)
{
    const char *nul = memchr(text, '\0', len);
    char *buf;
    int rc;

    memset(out, 0, sizeof(*out));
    snprintf(out->path, sizeof(out->path), "%s", path);
    if (nul != NULL) {
        int line = 1;

        for (const char *p = text; p < nul; p++)
            line += *p == '\n';
        return malformed(what, path, line, "a NUL byte", err);
    }
    buf = malloc(len + 1);
    if (buf == NULL)
        return sbx_err_nomem(err);
    memcpy(buf, text, len);
    buf[len] = '\0';
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\r')
            buf[i] = ' ';
    }
    out->present = true;
    rc = ini_parse_lines(out, buf, config, what, err);
    OPENSSL_cleanse(buf, len + 1);
    free(buf);
    if (rc != 0)
        creds_ini_free(out);
    return rc;
}

/*
 * Loads path. A missing file leaves f->present false and is not an error; any other failure
 * (permission, a directory, an I/O error) is SBX_E_CREDS naming what and path.
 */
int
creds_ini_load(const char *path, const char *what, bool config, struct creds_ini *f,
               struct sbx_err *err)
{
    FILE *fp = NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = -1;

    memset(f, 0, sizeof(*f));
    snprintf(f->path, sizeof(f->path), "%s", path);
    fp = fopen(path, "r");
    if (fp == NULL) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        sbx_err_set(err, SBX_E_CREDS, "cannot read %s '%s': %s", what, path, strerror(errno));
        return -1;
    }
    for (;;) {
        size_t r;

        if (len + 4096 + 1 > cap) {
            size_t ncap = cap == 0 ? 8192 : cap * 2;
            char *nb;

            if (ncap > INI_MAX_FILE) {
                sbx_err_set(err, SBX_E_CREDS, "cannot read %s '%s': larger than %d bytes", what,
                            path, INI_MAX_FILE);
                goto out;
            }
            nb = malloc(ncap);
            if (nb == NULL) {
                sbx_err_nomem(err);
                goto out;
            }
            if (buf != NULL) {
                memcpy(nb, buf, len);
                OPENSSL_cleanse(buf, len);
                free(buf);
            }
            buf = nb;
            cap = ncap;
        }
        r = fread(buf + len, 1, cap - len - 1, fp);
        len += r;
        if (r == 0) {
            if (ferror(fp)) {
                sbx_err_set(err, SBX_E_CREDS, "cannot read %s '%s': %s", what, path,
                            strerror(errno != 0 ? errno : EIO));
                goto out;
            }
            break;
        }
    }
    if (creds_ini_parse(what, path, buf, len, config, f, err) != 0)
        goto out;
    rc = 0;
out:
    if (buf != NULL) {
        OPENSSL_cleanse(buf, cap);
        free(buf);
    }
    if (fp != NULL)
        fclose(fp);
    return rc;
}

bool
creds_ini_has_section(const struct creds_ini *f, const char *kind, const char *name)
{
    for (size_t i = 0; i < f->nsecs; i++) {
        if (strcmp(f->secs[i].kind, kind) == 0 && strcmp(f->secs[i].name, name) == 0)
            return true;
    }
    return false;
}

/* The value of key (under parent, or top-level when parent is NULL); the last one wins. */
const char *
creds_ini_get(const struct creds_ini *f, const char *kind, const char *name, const char *key,
              const char *parent)
{
    const char *v = NULL;

    for (size_t i = 0; i < f->nsecs; i++) {
        const struct creds_ini_section *s = &f->secs[i];

        if (strcmp(s->kind, kind) != 0 || strcmp(s->name, name) != 0)
            continue;
        for (size_t j = 0; j < s->nprops; j++) {
            const struct creds_ini_prop *p = &s->props[j];
            bool same_parent = parent == NULL ? p->parent == NULL
                                              : p->parent != NULL && strcmp(p->parent, parent) == 0;
            if (same_parent && strcmp(p->key, key) == 0)
                v = p->value;
        }
    }
    return v;
}

/* --- file locations ------------------------------------------------------------------- */

static const char *
home_dir(void)
{
    const char *h = getenv("HOME");
    struct passwd *pw;

    if (h != NULL && *h != '\0')
        return h;
    pw = getpwuid(getuid());
    return pw != NULL && pw->pw_dir != NULL ? pw->pw_dir : "/";
}

/* Path from env var (with "~/" expanded) or ~/.aws/<file>. */
int
creds_aws_file_path(const char *env, const char *file, char *out, size_t n, struct sbx_err *err)
{
    const char *v = getenv(env);
    int w;

    if (v != NULL && *v != '\0') {
        if (v[0] == '~' && (v[1] == '/' || v[1] == '\0'))
            w = snprintf(out, n, "%s%s", home_dir(), v + 1);
        else
            w = snprintf(out, n, "%s", v);
    } else {
        w = snprintf(out, n, "%s/.aws/%s", home_dir(), file);
    }
    if (w < 0 || (size_t)w >= n) {
        sbx_err_set(err, SBX_E_CREDS, "path of the AWS %s file is too long", file);
        return -1;
    }
    return 0;
}

int
creds_profile_setting(const char *profile, const char *service, const char *key, char **out,
                      struct sbx_err *err)
{
    struct creds_ini cfg = { 0 };
    char path[4096];
    const char *v = NULL, *services;
    int rc = -1;

    *out = NULL;
    if (creds_aws_file_path("AWS_CONFIG_FILE", "config", path, sizeof(path), err) != 0)
        return -1;
    if (creds_ini_load(path, "AWS config file", true, &cfg, err) != 0)
        return -1;
    if (service != NULL) {
        services = creds_ini_get(&cfg, "profile", profile, "services", NULL);
        if (services != NULL)
            v = creds_ini_get(&cfg, "services", services, key, service);
    }
    if (v == NULL)
        v = creds_ini_get(&cfg, "profile", profile, key, NULL);
    if (v != NULL && *v != '\0') {
        *out = sbx_strdup(v, err);
        if (*out == NULL)
            goto out;
    }
    rc = 0;
out:
    creds_ini_free(&cfg);
    return rc;
}
