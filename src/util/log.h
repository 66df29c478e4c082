/*
 * log.h -- diagnostics on stderr: one "sandboxctl: " line per message.
 *
 * The threshold is set once in main() (-v info, -vv debug). Secrets never reach these
 * functions; callers that log HTTP headers use log_redact_header() first.
 */
#ifndef SBX_LOG_H
#define SBX_LOG_H

#include "sbx.h"

enum log_level {
    LOG_LVL_ERROR = 0,
    LOG_LVL_WARN = 1,
    LOG_LVL_INFO = 2,
    LOG_LVL_DEBUG = 3,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Program name prefix, "sandboxctl" by default; the string is borrowed for the process life. */
void log_set_progname(const char *name);

void log_error(const char *fmt, ...) SBX_PRINTF(1, 2);
void log_warn(const char *fmt, ...) SBX_PRINTF(1, 2);
void log_info(const char *fmt, ...) SBX_PRINTF(1, 2);
void log_debug(const char *fmt, ...) SBX_PRINTF(1, 2);

/*
 * Writes "Name: value" for logging into buf (size n), replacing the value with "[redacted]"
 * for Authorization, X-Amz-Security-Token and any header whose name mentions a secret.
 * Returns buf.
 */
const char *log_redact_header(const char *line, char *buf, size_t n);

#endif
