/*
 * engine_state.h -- the account lifecycle (DESIGN.md section 3) as one static table.
 *
 *     requested -> creating -> active -> expiring -> nuking -> close_wait -> closing
 *         |            |                   ^   |       |          (quota)        |
 *         v            v                   |   v       v                         v
 *       failed       failed            nuke_failed / protected              suspended -> gone
 *
 * Every state change goes through engine_transition_allowed(): a change that is not in the
 * table is a bug, refused before it reaches the store. Two states extend the design's list:
 * - protected: a close or nuke was refused because the account is protected (management
 *   account, a protected id or tag, not ours) or was repurposed (moved out of its OU, or
 *   sandboxctl's tags removed or changed by someone else). It is a state rather than a silent
 *   skip so `list --state protected` shows what needs a human, and `retry` re-checks it; a
 *   repurposed account is re-checked by the engine and closes once it is back.
 * - close_failed: AWS refused CloseAccount for a reason other than the close quota or the
 *   closures in flight (an IAM deny such as `policy protect`'s, a refused request). Only those
 *   two queue an account (close_wait); anything else is a failure the operator sees, and
 *   `retry` (or `close`/`offboard` asking again) puts the account back in line.
 * - released: `release` handed the account over; the row stays with its history and the
 *   engine never touches the account again.
 * - pooled: a kind's warm pool (kinds.NAME.pool). A pool account is requested and created
 *   without an owner (owner ""), parked in the pool OU and never handed out; `create` hands
 *   one over with a compare-and-set pooled -> creating that assigns the owner, and the
 *   creating phase then provisions it like any created account (moved, tagged, hooks). An
 *   account handed out never returns to the pool; a surplus pool account (the pool shrank)
 *   closes through the normal path (pooled -> expiring).
 * - freezing and frozen: the spend guard (engine_budget.c). A budget's at_limit = freeze
 *   records the decision (active -> freezing) before anything happens at AWS; the freezing
 *   phase attaches the freeze SCP and starts revoking the owner's access, then moves the row
 *   to frozen, so a crash in between leaves a row the next run finishes, never an account
 *   half frozen. `unfreeze` detaches the SCP (frozen -> active; with owner access frozen ->
 *   creating, whose grant step gives the access back before it is active); a frozen account still
 *   closes at its expiry (the SCP spares aws.access_role, which nukes it).
 * - creating covers both "CreateAccount in progress" and "created, being moved and tagged":
 *   the account only becomes active once it is in its OU with its tags, so a crash after
 *   creation resumes the provisioning instead of leaving an untagged account behind.
 */
#ifndef SBX_ENGINE_STATE_H
#define SBX_ENGINE_STATE_H

#include <stdbool.h>

enum engine_state {
    ENGINE_S_REQUESTED = 0, /* intent recorded; CreateAccount not (known to be) sent */
    ENGINE_S_CREATING,      /* CreateAccount accepted; waiting, then moving and tagging */
    ENGINE_S_ACTIVE,        /* in use by its owner */
    ENGINE_S_EXPIRING,      /* due to close (expired, offboarded, manual); hooks pending */
    ENGINE_S_NUKING,        /* pre-close hooks running */
    ENGINE_S_NUKE_FAILED,   /* quarantined after hooks.max_attempts failures */
    ENGINE_S_CLOSE_WAIT,    /* nuked; waiting for a close slot (quota, in flight, rate) */
    ENGINE_S_CLOSING,       /* CloseAccount intent recorded / sent; waiting for AWS */
    ENGINE_S_SUSPENDED,     /* closed at AWS; in the 90-day post-closure period */
    ENGINE_S_GONE,          /* left the organization (terminal) */
    ENGINE_S_FAILED,        /* creation failed (terminal until `retry`) */
    ENGINE_S_PROTECTED,     /* close or nuke refused by a protection rule, or repurposed */
    ENGINE_S_RELEASED,      /* handed over by `release`: never touched again (terminal) */
    ENGINE_S_CLOSE_FAILED,  /* AWS refused CloseAccount for a reason no wait cures; `retry` */
    ENGINE_S_POOLED,        /* created ahead in the kind's pool OU, never handed out, no owner */
    ENGINE_S_FREEZING,      /* over budget, freeze decided: the freeze SCP is being attached */
    ENGINE_S_FROZEN,        /* over budget: the freeze SCP is attached; closes at expiry */
    ENGINE_S_COUNT
};

/* "requested", "creating", ...; NULL for an out-of-range value. */
const char *engine_state_name(enum engine_state s);
/* Parses a state name; returns -1 for an unknown name. */
int engine_state_parse(const char *name, enum engine_state *out);
/* True when the lifecycle table allows from -> to. */
bool engine_transition_allowed(enum engine_state from, enum engine_state to);
/* Same, by names (false for unknown names). */
bool engine_transition_allowed_names(const char *from, const char *to);
/* True for states the engine never leaves on its own (failed, gone, released). */
bool engine_state_terminal(enum engine_state s);
/* True for states in which the account exists at AWS and is not closed or closing. */
bool engine_state_open_at_aws(enum engine_state s);
/* The state `retry` releases an account in state s to (failed -> requested, nuke_failed and
 * protected -> expiring, close_failed -> close_wait); ENGINE_S_COUNT when s cannot be
 * retried. */
enum engine_state engine_retry_target(enum engine_state s);

#endif
