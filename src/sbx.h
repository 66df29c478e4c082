/*
 * sbx.h -- shared types: the error record every fallible function fills, exit statuses,
 * and the compiler attributes used across the project.
 *
 * Exit statuses are API: they are listed under EXIT STATUS in sandboxctl(1) and are never
 * renumbered. A new failure class gets a new number at the end.
 */
#ifndef SBX_H
#define SBX_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define SBX_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define SBX_NODISCARD         __attribute__((warn_unused_result))
#define SBX_UNUSED            __attribute__((unused))
#else
#define SBX_PRINTF(fmt, args)
#define SBX_NODISCARD
#define SBX_UNUSED
#endif

#define SBX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Exit statuses of the sandboxctl binary. Never renumber. */
enum sbx_exit {
    SBX_EXIT_OK = 0,       /* success */
    SBX_EXIT_FAILURE = 1,  /* general failure, or a refused operation (protection) */
    SBX_EXIT_USAGE = 2,    /* bad command line */
    SBX_EXIT_CONFIG = 3,   /* configuration file missing or invalid */
    SBX_EXIT_STORE = 4,    /* state store cannot be opened, is newer, or failed */
    SBX_EXIT_AWS = 5,      /* AWS (or simulator) call failed, or credentials unusable */
    SBX_EXIT_HOOK = 6,     /* a hook failed or an account is quarantined */
    SBX_EXIT_NOTFOUND = 7, /* the named account, owner or class does not exist */
    SBX_EXIT_PARTIAL = 8,  /* some of the work succeeded, some did not (see output) */
};

/* Error classes: decide the exit status and let callers branch without parsing text. */
enum sbx_errc {
    SBX_E_OK = 0,
    SBX_E_FAILURE, /* generic */
    SBX_E_NOMEM,
    SBX_E_USAGE,
    SBX_E_CONFIG,
    SBX_E_STORE,
    SBX_E_AWS,   /* see struct sbx_err.aws for the AWS error class */
    SBX_E_CREDS, /* no usable credentials */
    SBX_E_HOOK,
    SBX_E_NOTFOUND,
    SBX_E_INVALID,   /* invalid user input (owner, kind, ttl, email, ...) */
    SBX_E_PROTECTED, /* refused: protected or management account */
    SBX_E_CONFLICT,  /* state changed under us (compare-and-set lost, claim held) */
    SBX_E_IO,
};

/* What kind of AWS failure happened, so the engine can branch on it. */
enum sbx_aws_errc {
    SBX_AWS_NONE = 0,
    SBX_AWS_THROTTLED,               /* TooManyRequestsException and friends */
    SBX_AWS_TRANSIENT,               /* 5xx, ServiceException, dropped connection, timeout */
    SBX_AWS_CLOSE_QUOTA,             /* CLOSE_ACCOUNT_QUOTA_EXCEEDED */
    SBX_AWS_CLOSE_IN_FLIGHT,         /* CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED */
    SBX_AWS_ACCOUNT_LIMIT,           /* ACCOUNT_NUMBER_LIMIT_EXCEEDED */
    SBX_AWS_CREATE_RATE,             /* ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED */
    SBX_AWS_CANNOT_CLOSE_MGMT,       /* CANNOT_CLOSE_MANAGEMENT_ACCOUNT */
    SBX_AWS_CONSTRAINT,              /* other ConstraintViolationException reasons */
    SBX_AWS_NOT_FOUND,               /* *NotFoundException */
    SBX_AWS_ALREADY_CLOSED,          /* AccountAlreadyClosedException */
    SBX_AWS_CONCURRENT_MODIFICATION, /* ConcurrentModificationException */
    SBX_AWS_CONFLICT,                /* ConflictException */
    SBX_AWS_DUPLICATE,               /* Duplicate*Exception */
    SBX_AWS_ACCESS_DENIED,           /* AccessDenied(Exception), NotAuthorized */
    SBX_AWS_AUTH,                    /* bad signature, unknown key, expired token, skew */
    SBX_AWS_INVALID_INPUT,           /* InvalidInputException, ValidationError */
    SBX_AWS_NOT_IN_USE,              /* AWSOrganizationsNotInUseException */
    SBX_AWS_PROTOCOL,                /* malformed answer to a request that may have run */
    SBX_AWS_REFUSED,                 /* any other HTTP 4xx: refused, had no effect, not retried */
    SBX_AWS_NETWORK,                 /* could not connect / TLS failure after retries */
    SBX_AWS_OTHER,
};

struct sbx_err {
    enum sbx_errc code;
    enum sbx_aws_errc aws; /* set when code == SBX_E_AWS */
    int http_status;       /* set when code == SBX_E_AWS and a response arrived */
    char aws_code[64];     /* sanitised AWS error code, e.g. "TooManyRequestsException" */
    char aws_reason[64];   /* Reason field, e.g. "CLOSE_ACCOUNT_QUOTA_EXCEEDED" */
    char msg[512];
};

/* Sets code and message; clears the AWS fields. Never allocates. */
void sbx_err_set(struct sbx_err *err, enum sbx_errc code, const char *fmt, ...) SBX_PRINTF(3, 4);
void sbx_err_vset(struct sbx_err *err, enum sbx_errc code, const char *fmt, va_list ap)
        SBX_PRINTF(3, 0);
/* Prepends "context: " to the message, keeping code and AWS fields. */
void sbx_err_prefix(struct sbx_err *err, const char *fmt, ...) SBX_PRINTF(2, 3);
/* Sets err to SBX_E_NOMEM, "out of memory" (what every allocation failure reports); -1. */
int sbx_err_nomem(struct sbx_err *err);
/* strdup(s) (s not NULL) that reports a failure into err (sbx_err_nomem): the copy or NULL. */
char *sbx_strdup(const char *s, struct sbx_err *err);
/* calloc(n, size) that reports a failure into err (sbx_err_nomem): the block or NULL. */
void *sbx_calloc(size_t n, size_t size, struct sbx_err *err);
/* Resets err to "no error". */
void sbx_err_clear(struct sbx_err *err);
/* The exit status that a command failing with err should return. */
enum sbx_exit sbx_err_exit_code(const struct sbx_err *err);
/* Stable lower_snake name of an AWS error class, e.g. "close_quota" (for --json output). */
const char *sbx_aws_errc_name(enum sbx_aws_errc c);

#endif
