/*
 * class_util.h -- pure helpers of training classes: names, seat labels, console sign-in
 * URLs and the `--ready-by` start time. No I/O; unit-tested in tests/unit/test_roster.c.
 */
#ifndef SBX_CLASS_UTIL_H
#define SBX_CLASS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "sbx.h"

#define CLASS_NAME_MAX 40

/* Class states (class.state in the store). */
#define CLASS_SCHEDULED    "scheduled"    /* waiting for its start time (--ready-by) */
#define CLASS_PROVISIONING "provisioning" /* seats being created */
#define CLASS_READY        "ready"        /* every seat active */
#define CLASS_PARTIAL      "partial"      /* every seat settled, some failed: `class resume` */
#define CLASS_ENDING       "ending"       /* `class end`: seats being nuked and closed */
#define CLASS_ENDED        "ended"        /* every seat closed (or failed before creation) */

/*
 * A class name: 1..CLASS_NAME_MAX characters of [A-Za-z0-9._-], starting with a letter or
 * digit (it appears in tags, account names, aliases and console display names). Returns
 * true, or false with the reason in why (size n).
 */
bool class_name_valid(const char *name, char *why, size_t n);

/* The seat label: the seat number zero-padded to the width of nseats, at least 2 digits
 * ("07" of 60, "007" of 120). Returns buf. */
const char *class_seat_label(int64_t seat, int64_t nseats, char *buf, size_t n);

/*
 * The AWS console switch-role URL for the member account's access role:
 * https://signin.aws.amazon.com/switchrole?roleName=ROLE&account=ID&displayName=DISPLAY
 * with the partition's sign-in host (aws-cn: signin.amazonaws.cn, aws-us-gov:
 * signin.amazonaws-us-gov.com) and every value percent-encoded. The display name is cut to
 * the console's 64 characters. Returns 0, or -1 when the partition has no console sign-in
 * (e.g. aws-iso) or buf is too small (buf is then "").
 */
int class_signin_url(const char *partition, const char *role, const char *account_id,
                     const char *display, char *buf, size_t n);

/*
 * When provisioning must start so that a class whose ideal creation takes floor_secs is
 * ready at ready_by: ready_by - floor_secs * CLASS_READY_FACTOR - CLASS_READY_MARGIN
 * (seconds, rounded down). The factor and margin absorb polling delays, retries and
 * throttling that the ideal scheduler does not have.
 */
#define CLASS_READY_FACTOR 1.25
#define CLASS_READY_MARGIN 300
int64_t class_ready_by_start(int64_t ready_by, double floor_secs);

#endif
