/*
 * log.c -- stderr diagnostics with a global threshold set once by main().
 *
 * Each line goes through text_vformat: values from input are escaped, never written raw to
 * the terminal, and a value too long for the line is shortened before the words after it.
 */
#include "util/log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/text.h"

static enum log_level threshold = LOG_LVL_WARN;
static const char *progname = "sandboxctl";

void
log_set_level(enum log_level level)
{
    threshold = level;
}

enum log_level
log_get_level(void)
{
    return threshold;
}

void
log_set_progname(const char *name)
{
    progname = name;
}

static void vlog(enum log_level level, const char *fmt, va_list ap) SBX_PRINTF(2, 0);

static void
vlog(enum log_level level, const char *fmt, va_list ap)
{
    static const char *const tags[] = { "", "warning: ", "", "debug: " };
    char line[2048];

    if (level > threshold)
        return;
    text_vformat(line, sizeof(line), fmt, ap);
    /* One write per line so concurrent processes do not interleave mid-line. */
    fprintf(stderr, "%s: %s%s\n", progname, tags[level], line);
}

#define LOG_FN(name, level)         \
    void name(const char *fmt, ...) \
    {                               \
        va_list ap;                 \
        va_start(ap, fmt);          \
        vlog(level, fmt, ap);       \
        va_end(ap);                 \
    }

LOG_FN(log_error, LOG_LVL_ERROR)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)

const char *
log_redact_header(const char *line, char *buf, size_t n)
{
    static const char *const secret_names[] = { "authorization", "x-amz-security-token",
                                                "proxy-authorization", "cookie" };
    const char *colon = strchr(line, ':');
    size_t namelen = colon != NULL ? (size_t)(colon - line) : strlen(line);
    bool secret = false;

    for (size_t i = 0; i < SBX_ARRAY_LEN(secret_names); i++) {
        if (namelen == strlen(secret_names[i]) && strncasecmp(line, secret_names[i], namelen) == 0)
            secret = true;
    }
    if (!secret && colon != NULL) {
        /* Any header that names a secret or token is redacted too. */
        char name[128];
        size_t k = namelen < sizeof(name) - 1 ? namelen : sizeof(name) - 1;
        memcpy(name, line, k);
        name[k] = '\0';
        for (size_t i = 0; i < k; i++)
            name[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
        if (strstr(name, "secret") != NULL || strstr(name, "token") != NULL)
            secret = true;
    }
    if (secret)
        snprintf(buf, n, "%.*s: [redacted]", (int)namelen, line);
    else
        snprintf(buf, n, "%s", line);
    return buf;
}
