/*
 * sbx_err.c -- the error record: set, prefix, map to exit statuses.
 *
 * Messages are built with text_vformat: values from input are escaped (a control character
 * in an owner cannot retitle the terminal) and a long value is shortened rather than the
 * reason after it. A prefix keeps the reason too: when both do not fit, the context is
 * shortened, and a context the message already starts with is not repeated.
 */
#include "sbx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

/* The least room a shortened context keeps before the reason. */
#define PREFIX_MIN 48

void
sbx_err_vset(struct sbx_err *err, enum sbx_errc code, const char *fmt, va_list ap)
{
    if (err == NULL)
        return;
    memset(err, 0, sizeof(*err));
    err->code = code;
    text_vformat(err->msg, sizeof(err->msg), fmt, ap);
}

void
sbx_err_set(struct sbx_err *err, enum sbx_errc code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    sbx_err_vset(err, code, fmt, ap);
    va_end(ap);
}

void
sbx_err_prefix(struct sbx_err *err, const char *fmt, ...)
{
    char prefix[256], old[sizeof(err->msg)];
    size_t plen, olen, room;
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    text_vformat(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    plen = strlen(prefix);
    /* Named once: "DescribeOrganization: DescribeOrganization: ..." says nothing more. */
    if (plen == 0 || (strncmp(err->msg, prefix, plen) == 0 && err->msg[plen] == ':'))
        return;
    memcpy(old, err->msg, sizeof(old));
    olen = strlen(old);
    room = sizeof(err->msg) - 1 - 2; /* ": " */
    if (plen + olen > room) {
        /* The reason is at the end: shorten the context first, then the reason's start. */
        size_t keep = olen < room - PREFIX_MIN ? room - olen : PREFIX_MIN;
        char shortp[sizeof(prefix)];

        text_shorten(shortp, keep + 1, prefix, plen);
        memcpy(prefix, shortp, sizeof(prefix));
        plen = strlen(prefix);
        if (plen + olen > room) {
            size_t cut = olen - (room - plen) + (sizeof(TEXT_ELLIPSIS) - 1);
            char *start = old + cut;

            while (((unsigned char)*start & 0xc0) == 0x80)
                start++;
            snprintf(err->msg, sizeof(err->msg), "%s: " TEXT_ELLIPSIS "%s", prefix, start);
            return;
        }
    }
    snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
}

int
sbx_err_nomem(struct sbx_err *err)
{
    sbx_err_set(err, SBX_E_NOMEM, "out of memory");
    return -1;
}

char *
sbx_strdup(const char *s, struct sbx_err *err)
{
    char *copy = strdup(s);

    if (copy == NULL)
        sbx_err_nomem(err);
    return copy;
}

void *
sbx_calloc(size_t n, size_t size, struct sbx_err *err)
{
    void *p = calloc(n, size);

    if (p == NULL)
        sbx_err_nomem(err);
    return p;
}

void
sbx_err_clear(struct sbx_err *err)
{
    if (err != NULL)
        memset(err, 0, sizeof(*err));
}

enum sbx_exit
sbx_err_exit_code(const struct sbx_err *err)
{
    switch (err->code) {
    case SBX_E_OK:
        return SBX_EXIT_OK;
    case SBX_E_USAGE:
    case SBX_E_INVALID:
        return SBX_EXIT_USAGE;
    case SBX_E_CONFIG:
        return SBX_EXIT_CONFIG;
    case SBX_E_STORE:
        return SBX_EXIT_STORE;
    case SBX_E_AWS:
    case SBX_E_CREDS:
        return SBX_EXIT_AWS;
    case SBX_E_HOOK:
        return SBX_EXIT_HOOK;
    case SBX_E_NOTFOUND:
        return SBX_EXIT_NOTFOUND;
    case SBX_E_FAILURE:
    case SBX_E_NOMEM:
    case SBX_E_PROTECTED:
    case SBX_E_CONFLICT:
    case SBX_E_IO:
        break;
    }
    return SBX_EXIT_FAILURE;
}

const char *
sbx_aws_errc_name(enum sbx_aws_errc c)
{
    static const char *const names[] = {
        [SBX_AWS_NONE] = "none",
        [SBX_AWS_THROTTLED] = "throttled",
        [SBX_AWS_TRANSIENT] = "transient",
        [SBX_AWS_CLOSE_QUOTA] = "close_quota",
        [SBX_AWS_CLOSE_IN_FLIGHT] = "close_in_flight",
        [SBX_AWS_ACCOUNT_LIMIT] = "account_limit",
        [SBX_AWS_CREATE_RATE] = "create_rate",
        [SBX_AWS_CANNOT_CLOSE_MGMT] = "cannot_close_management",
        [SBX_AWS_CONSTRAINT] = "constraint",
        [SBX_AWS_NOT_FOUND] = "not_found",
        [SBX_AWS_ALREADY_CLOSED] = "already_closed",
        [SBX_AWS_CONCURRENT_MODIFICATION] = "concurrent_modification",
        [SBX_AWS_CONFLICT] = "conflict",
        [SBX_AWS_DUPLICATE] = "duplicate",
        [SBX_AWS_ACCESS_DENIED] = "access_denied",
        [SBX_AWS_AUTH] = "auth",
        [SBX_AWS_INVALID_INPUT] = "invalid_input",
        [SBX_AWS_NOT_IN_USE] = "not_in_use",
        [SBX_AWS_PROTOCOL] = "protocol",
        [SBX_AWS_REFUSED] = "refused",
        [SBX_AWS_NETWORK] = "network",
        [SBX_AWS_OTHER] = "other",
    };

    if ((size_t)c >= SBX_ARRAY_LEN(names) || names[c] == NULL)
        return "other";
    return names[c];
}
