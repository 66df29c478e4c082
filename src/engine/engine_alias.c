/* engine_alias.c -- template expansion and AWS's email / account-name rules. */
#include "engine/engine_alias.h"

#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

static const char *const placeholders[] = { "kind", "owner", "class", "seat", "seq", "rand" };

static bool
known_placeholder(const char *p, size_t len)
{
    for (size_t i = 0; i < SBX_ARRAY_LEN(placeholders); i++) {
        if (strlen(placeholders[i]) == len && memcmp(placeholders[i], p, len) == 0)
            return true;
    }
    return false;
}

void
engine_alias_sanitize(const char *in, size_t inlen, char *out, size_t n)
{
    size_t o = 0;
    bool dash = false;

    if (n == 0)
        return;
    for (size_t i = 0; i < inlen && in[i] != '\0'; i++) {
        char c = in[i];

        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
            if (dash && o > 0 && o + 1 < n)
                out[o++] = '-';
            dash = false;
            if (o + 1 < n)
                out[o++] = c;
        } else {
            dash = true; /* '-', '.', '+', anything else: one '-' between kept characters */
        }
    }
    out[o] = '\0';
}

int
engine_alias_template_check(const char *tmpl, const char *what, struct sbx_err *err)
{
    for (const char *p = tmpl; *p != '\0'; p++) {
        const char *end;

        if (*p == '}') {
            sbx_err_set(err, SBX_E_INVALID, "malformed %s '%s': '}' without '{'", what, tmpl);
            return -1;
        }
        if (*p != '{')
            continue;
        end = strchr(p + 1, '}');
        if (end == NULL) {
            sbx_err_set(err, SBX_E_INVALID, "malformed %s '%s': unterminated '{'", what, tmpl);
            return -1;
        }
        if (!known_placeholder(p + 1, (size_t)(end - p - 1))) {
            sbx_err_set(err, SBX_E_INVALID,
                        "malformed %s '%s': unknown placeholder '{%.*s}' (known: {kind} {owner} "
                        "{class} {seat} {seq} {rand})",
                        what, tmpl, (int)(end - p - 1), p + 1);
            return -1;
        }
        p = end;
    }
    return 0;
}

bool
engine_alias_template_uses(const char *tmpl, const char *placeholder)
{
    char want[16];

    snprintf(want, sizeof(want), "{%s}", placeholder);
    return strstr(tmpl, want) != NULL;
}

static int
append(char *out, size_t n, size_t *o, const char *s, size_t len)
{
    if (*o + len >= n)
        return -1;
    memcpy(out + *o, s, len);
    *o += len;
    out[*o] = '\0';
    return 0;
}

int
engine_alias_expand(const char *tmpl, const struct engine_alias_vars *v, char *out, size_t n,
                    struct sbx_err *err)
{
    char buf[256];
    size_t o = 0;

    if (n == 0 || engine_alias_template_check(tmpl, "template", err) != 0)
        return -1;
    out[0] = '\0';
    for (const char *p = tmpl; *p != '\0'; p++) {
        const char *val = buf, *end;
        size_t len;

        if (*p != '{') {
            if (append(out, n, &o, p, 1) != 0)
                goto toolong;
            continue;
        }
        end = strchr(p + 1, '}');
        len = (size_t)(end - p - 1);
        buf[0] = '\0';
        if (len == 4 && memcmp(p + 1, "kind", 4) == 0) {
            engine_alias_sanitize(v->kind, strlen(v->kind), buf, sizeof(buf));
        } else if (len == 5 && memcmp(p + 1, "owner", 5) == 0) {
            const char *at = strchr(v->owner, '@');

            engine_alias_sanitize(v->owner, at != NULL ? (size_t)(at - v->owner) : strlen(v->owner),
                                  buf, sizeof(buf));
        } else if (len == 5 && memcmp(p + 1, "class", 5) == 0) {
            if (v->class_name != NULL)
                engine_alias_sanitize(v->class_name, strlen(v->class_name), buf, sizeof(buf));
        } else if (len == 4 && memcmp(p + 1, "seat", 4) == 0) {
            if (v->seat > 0)
                snprintf(buf, sizeof(buf), "%lld", (long long)v->seat);
        } else if (len == 3 && memcmp(p + 1, "seq", 3) == 0) {
            snprintf(buf, sizeof(buf), "%lld", (long long)v->seq);
        } else {
            val = v->rand != NULL ? v->rand : "";
        }
        if (append(out, n, &o, val, strlen(val)) != 0)
            goto toolong;
        p = end;
    }
    return 0;
toolong:
    sbx_err_set(err, SBX_E_INVALID, "template '%s' expands to more than %zu characters", tmpl,
                n - 1);
    return -1;
}

static bool
ascii_printable(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    }
    return true;
}

int
engine_alias_validate_email(const char *email, struct sbx_err *err)
{
    const char *at = strchr(email, '@'), *domain;
    size_t len = strlen(email), dlen;

    if (len < ALIAS_EMAIL_MIN || len > ALIAS_EMAIL_MAX) {
        sbx_err_set(err, SBX_E_INVALID, "email '%s' is %zu characters; AWS accepts %d to %d", email,
                    len, ALIAS_EMAIL_MIN, ALIAS_EMAIL_MAX);
        return -1;
    }
    if (!ascii_printable(email)) {
        sbx_err_set(err, SBX_E_INVALID, "email '%s' must be printable 7-bit ASCII", email);
        return -1;
    }
    if (at == NULL || strchr(at + 1, '@') != NULL) {
        sbx_err_set(err, SBX_E_INVALID, "email '%s' must contain exactly one '@'", email);
        return -1;
    }
    if (at == email) {
        sbx_err_set(err, SBX_E_INVALID, "email '%s' has an empty local part", email);
        return -1;
    }
    if (email[0] == '.') {
        sbx_err_set(err, SBX_E_INVALID, "email '%s' must not begin with '.'", email);
        return -1;
    }
    for (const char *p = email; p < at; p++) {
        if (strchr(" \"'()<>[]:;,\\|%&", *p) != NULL) {
            sbx_err_set(err, SBX_E_INVALID, "email '%s': '%c' is not allowed in the local part",
                        email, *p);
            return -1;
        }
    }
    domain = at + 1;
    dlen = strlen(domain);
    if (dlen == 0 || domain[0] == '-' || domain[0] == '.' || domain[dlen - 1] == '-' ||
        domain[dlen - 1] == '.') {
        sbx_err_set(err, SBX_E_INVALID,
                    "email '%s': the domain must not be empty or begin or end with '-' or '.'",
                    email);
        return -1;
    }
    for (const char *p = domain; *p != '\0'; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '-' || *p == '.';

        if (!ok) {
            sbx_err_set(err, SBX_E_INVALID, "email '%s': '%c' is not allowed in the domain", email,
                        *p);
            return -1;
        }
        if (*p == '.' && p[1] == '.') {
            sbx_err_set(err, SBX_E_INVALID, "email '%s': the domain has an empty label", email);
            return -1;
        }
    }
    if (strchr(domain, '.') == NULL) {
        sbx_err_set(err, SBX_E_INVALID, "email '%s': the domain must contain a '.'", email);
        return -1;
    }
    return 0;
}

int
engine_alias_validate_name(const char *name, struct sbx_err *err)
{
    size_t len = strlen(name);

    if (len < 1 || len > ALIAS_NAME_MAX) {
        sbx_err_set(err, SBX_E_INVALID, "account name '%s' is %zu characters; AWS accepts 1 to %d",
                    name, len, ALIAS_NAME_MAX);
        return -1;
    }
    if (!ascii_printable(name)) {
        sbx_err_set(err, SBX_E_INVALID, "account name '%s' must be printable ASCII", name);
        return -1;
    }
    return 0;
}

int
engine_alias_normalize_owner(const char *owner, const char *domain, char *out, size_t n,
                             struct sbx_err *err)
{
    const char *at = strchr(owner, '@');
    size_t len = strlen(owner);

    if (len == 0 || len > ALIAS_OWNER_MAX || len >= n || at == NULL || at == owner ||
        strchr(at + 1, '@') != NULL || strchr(at + 1, '.') == NULL || at[1] == '.' ||
        owner[len - 1] == '.' || owner[0] == '.') {
        sbx_err_set(err, SBX_E_INVALID, "invalid owner '%s': must be an email address", owner);
        return -1;
    }
    for (const char *p = owner; *p != '\0'; p++) {
        bool alnum =
                (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
        bool ok = p < at ? alnum || strchr("._+-", *p) != NULL
                         : p == at || alnum || *p == '.' || *p == '-';

        if (!ok) {
            sbx_err_set(err, SBX_E_INVALID,
                        "invalid owner '%s': '%c' is not allowed (letters, digits and . _ + - "
                        "before the '@'; letters, digits, . and - after it)",
                        owner, *p);
            return -1;
        }
    }
    for (size_t i = 0; i <= len; i++)
        out[i] = (owner[i] >= 'A' && owner[i] <= 'Z') ? (char)(owner[i] - 'A' + 'a') : owner[i];
    if (domain != NULL && *domain != '\0') {
        const char *od = strchr(out, '@') + 1;
        char want[256];

        snprintf(want, sizeof(want), "%s", domain);
        for (char *w = want; *w != '\0'; w++) {
            if (*w >= 'A' && *w <= 'Z')
                *w = (char)(*w - 'A' + 'a');
        }
        if (strcmp(od, want) != 0) {
            sbx_err_set(err, SBX_E_INVALID, "invalid owner '%s': owners must be in '%s'", owner,
                        domain);
            return -1;
        }
    }
    return 0;
}

int
engine_alias_random(char *out, size_t len, struct sbx_err *err)
{
    static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char buf[64];
    size_t o = 0;

    while (o < len) {
        if (RAND_bytes(buf, sizeof(buf)) != 1) {
            sbx_err_set(err, SBX_E_FAILURE, "cannot get random bytes");
            return -1;
        }
        for (size_t i = 0; i < sizeof(buf) && o < len; i++) {
            if (buf[i] < 252) /* 252 = 7 * 36: no modulo bias */
                out[o++] = chars[buf[i] % 36];
        }
    }
    out[len] = '\0';
    return 0;
}
