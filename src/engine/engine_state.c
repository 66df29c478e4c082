/* engine_state.c -- state names and the one table of allowed transitions. */
#include "engine/engine_state.h"

#include <string.h>

#include "sbx.h"

static const char *const names[ENGINE_S_COUNT] = {
    [ENGINE_S_REQUESTED] = "requested",   [ENGINE_S_CREATING] = "creating",
    [ENGINE_S_ACTIVE] = "active",         [ENGINE_S_EXPIRING] = "expiring",
    [ENGINE_S_NUKING] = "nuking",         [ENGINE_S_NUKE_FAILED] = "nuke_failed",
    [ENGINE_S_CLOSE_WAIT] = "close_wait", [ENGINE_S_CLOSING] = "closing",
    [ENGINE_S_SUSPENDED] = "suspended",   [ENGINE_S_GONE] = "gone",
    [ENGINE_S_FAILED] = "failed",         [ENGINE_S_PROTECTED] = "protected",
    [ENGINE_S_RELEASED] = "released",     [ENGINE_S_CLOSE_FAILED] = "close_failed",
    [ENGINE_S_POOLED] = "pooled",         [ENGINE_S_FREEZING] = "freezing",
    [ENGINE_S_FROZEN] = "frozen",
};

#define T(a, b)                    \
    {                              \
        ENGINE_S_##a, ENGINE_S_##b \
    }

/* Every allowed change, with why it happens. Nothing else is ever written. */
static const struct {
    enum engine_state from, to;
} transitions[] = {
    T(REQUESTED, CREATING),   /* CreateAccount accepted (or found by reconciliation) */
    T(REQUESTED, FAILED),     /* refused before creation, or cancelled by offboard/close */
    T(CREATING, ACTIVE),      /* created, moved to its OU, tagged, post-create hooks ran */
    T(CREATING, POOLED),      /* a pool account created, parked in the pool OU, tagged */
    T(POOLED, CREATING),      /* handed over: owner assigned; moved, tagged, hooks follow */
    T(POOLED, EXPIRING),      /* the pool shrank: the surplus closes through the normal path */
    T(CREATING, REQUESTED),   /* EMAIL_ALREADY_EXISTS (a new alias) or a lost duplicate: resend */
    T(CREATING, FAILED),      /* CreateAccount FAILED for another reason */
    T(ACTIVE, EXPIRING),      /* expired, offboarded, or `close` */
    T(EXPIRING, NUKING),      /* pre-close hooks start (claimed) */
    T(EXPIRING, ACTIVE),      /* `extend` of an expired account before its nuke started */
    T(EXPIRING, PROTECTED),   /* protection refused the nuke */
    T(NUKING, CLOSE_WAIT),    /* hooks succeeded */
    T(NUKING, EXPIRING),      /* hooks failed (retry after backoff) or were interrupted */
    T(NUKING, NUKE_FAILED),   /* hooks failed hooks.max_attempts times: quarantined */
    T(NUKING, PROTECTED),     /* protection refused the nuke */
    T(NUKE_FAILED, EXPIRING), /* `retry`, or offboard asks again */
    T(PROTECTED, EXPIRING),   /* `retry` after the protection was lifted */
    T(PROTECTED, ACTIVE),     /* `extend`: the operator keeps the account */
    T(NUKE_FAILED, ACTIVE),   /* `extend`: the operator keeps the account */
    T(CLOSE_WAIT, CLOSING),   /* CloseAccount intent recorded, call follows */
    T(CLOSE_WAIT, PROTECTED), /* protection (live tags) refused the close */
    T(CLOSING, CLOSE_WAIT),   /* AWS refused for quota / closures in flight: back in line */
    T(CLOSING, PROTECTED),    /* CANNOT_CLOSE_MANAGEMENT_ACCOUNT, or protection on re-check */
    T(CLOSING, SUSPENDED),    /* AWS reports the account closed */
    T(CLOSING, CLOSE_FAILED), /* AWS refused CloseAccount for another reason (access denied) */
    T(CLOSE_FAILED, CLOSE_WAIT), /* `retry`, or close/offboard asks again */
    T(SUSPENDED, GONE),          /* left the organization after the 90-day period */
    T(FAILED, REQUESTED),        /* `retry` of a failed creation (a new alias) */
    T(ACTIVE, FREEZING),         /* the spend reached the budget (at_limit freeze): decided */
    T(FREEZING, FROZEN),         /* the freeze SCP is attached, owner access revocation begun */
    T(FROZEN, ACTIVE),           /* `unfreeze`: the SCP is detached */
    T(FROZEN, CREATING),         /* `unfreeze` with owner access: granted again, then active */
    T(FROZEN, EXPIRING),         /* expired, offboarded, or `close`: closes frozen */
    T(FREEZING, EXPIRING),       /* offboarded or `close` before the freeze finished */
    /* Drift: AWS says the account is already closed (closed outside sandboxctl). */
    T(ACTIVE, SUSPENDED),
    T(EXPIRING, SUSPENDED),
    T(NUKE_FAILED, SUSPENDED),
    T(CLOSE_WAIT, SUSPENDED),
    T(PROTECTED, SUSPENDED),
    T(CLOSE_FAILED, SUSPENDED),
    T(POOLED, SUSPENDED),
    T(FREEZING, SUSPENDED),
    T(FROZEN, SUSPENDED),
    /* Drift: the account is no longer in the organization at all. */
    T(ACTIVE, GONE),
    T(EXPIRING, GONE),
    T(NUKE_FAILED, GONE),
    T(CLOSE_WAIT, GONE),
    T(CLOSING, GONE),
    T(PROTECTED, GONE),
    T(CLOSE_FAILED, GONE),
    T(POOLED, GONE),
    T(FREEZING, GONE),
    T(FROZEN, GONE),
    /* `release`: the account is handed over and never touched again. */
    T(ACTIVE, RELEASED),
    T(EXPIRING, RELEASED),
    T(NUKE_FAILED, RELEASED),
    T(CLOSE_WAIT, RELEASED),
    T(PROTECTED, RELEASED),
    T(CLOSE_FAILED, RELEASED),
};

#undef T

const char *
engine_state_name(enum engine_state s)
{
    if ((int)s < 0 || s >= ENGINE_S_COUNT)
        return NULL;
    return names[s];
}

int
engine_state_parse(const char *name, enum engine_state *out)
{
    for (int i = 0; i < ENGINE_S_COUNT; i++) {
        if (strcmp(names[i], name) == 0) {
            *out = (enum engine_state)i;
            return 0;
        }
    }
    return -1;
}

bool
engine_transition_allowed(enum engine_state from, enum engine_state to)
{
    for (size_t i = 0; i < SBX_ARRAY_LEN(transitions); i++) {
        if (transitions[i].from == from && transitions[i].to == to)
            return true;
    }
    return false;
}

bool
engine_transition_allowed_names(const char *from, const char *to)
{
    enum engine_state f, t;

    if (engine_state_parse(from, &f) != 0 || engine_state_parse(to, &t) != 0)
        return false;
    return engine_transition_allowed(f, t);
}

bool
engine_state_terminal(enum engine_state s)
{
    return s == ENGINE_S_FAILED || s == ENGINE_S_GONE || s == ENGINE_S_RELEASED;
}

bool
engine_state_open_at_aws(enum engine_state s)
{
    switch (s) {
    case ENGINE_S_ACTIVE:
    case ENGINE_S_EXPIRING:
    case ENGINE_S_NUKING:
    case ENGINE_S_NUKE_FAILED:
    case ENGINE_S_CLOSE_WAIT:
    case ENGINE_S_PROTECTED:
    case ENGINE_S_CLOSE_FAILED:
    case ENGINE_S_POOLED:
    case ENGINE_S_FREEZING:
    case ENGINE_S_FROZEN:
        return true;
    default:
        return false;
    }
}

enum engine_state
engine_retry_target(enum engine_state s)
{
    switch (s) {
    case ENGINE_S_FAILED:
        return ENGINE_S_REQUESTED; /* a new alias, CreateAccount again */
    case ENGINE_S_NUKE_FAILED:
    case ENGINE_S_PROTECTED:
        return ENGINE_S_EXPIRING; /* nuke (and protection check) again */
    case ENGINE_S_CLOSE_FAILED:
        return ENGINE_S_CLOSE_WAIT; /* nuked already: back in line for a close slot */
    default:
        return ENGINE_S_COUNT;
    }
}
