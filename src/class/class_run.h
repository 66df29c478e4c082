/*
 * class_run.h -- what the class commands do: plan and validate a class, record it with all
 * its seats in one transaction, drive the engine until the seats are ready (or closed), end
 * a class, and resume one.
 *
 * Pipelining is the engine's: every seat is a `requested` row due at the class's start
 * time, and each engine step sends as many CreateAccount calls as the in-progress cap and
 * the rate allow, polls the creations in flight (each first when it is expected to be done,
 * engine_poll.c), and finishes (moves, tags) each account as soon as it is ready, without
 * waiting on any one of them. class_drive() loops engine steps, sleeping only until the next
 * due work, and reports progress with an ETA from the floor model (class/floor.h) applied to
 * the seats' current state.
 */
#ifndef SBX_CLASS_RUN_H
#define SBX_CLASS_RUN_H

#include <stdint.h>

#include "cfg.h"
#include "class/class.h"
#include "class/roster.h"
#include "sbx.h"
#include "util/progress.h"

struct store;
struct orgs;
struct sbx_clock;
struct engine;

/* Latencies the ETA assumes (AWS: "about a minute"; closure "a few minutes"). */
#define CLASS_CREATE_LATENCY 60.0
#define CLASS_CLOSE_LATENCY  300.0
#define CLASS_MAX_SEATS      ROSTER_MAX_STUDENTS
#define CLASS_END_REASON     "class-ended" /* SANDBOX_REASON of seats closed by `class end` */

struct class_env {
    const struct sbx_config *cfg;
    const char *config_path; /* for hooks (SANDBOX_CONFIG); may be NULL */
    struct store *store;
    struct orgs *orgs;
    struct sbx_clock *clock;
    struct engine *engine; /* over the same store, client and clock */
    const char *actor;     /* audit actor, e.g. "class create (pid 42)" */
    int verbosity;
};

/* The most --access-group options of one class. */
#define CLASS_MAX_GROUPS 20

struct class_request {
    const char *name;
    const char *owner;           /* instructor, as given */
    const char *kind;            /* NULL = "training" */
    int64_t ttl;                 /* seconds; 0 = the kind's default */
    bool ttl_set;                /* --ttl given (even "0" = no expiry) */
    int64_t ready_by;            /* epoch seconds; 0 = as soon as possible */
    const struct roster *roster; /* NULL with --seats */
    const char *roster_label;    /* roster file name, for messages and the class detail */
    int64_t seats;               /* with --seats */
    int64_t budget;              /* each seat's own budget in cents (--budget); 0 = the kind's */
    const char *const *groups;   /* Identity Center groups given access to every seat */
    size_t ngroups;              /* (--access-group; recorded with the class) */
};

struct class_plan {
    char owner[256];             /* the instructor, normalised */
    const struct cfg_kind *kind; /* borrowed from the config */
    int64_t seats;
    char **owners;         /* normalised owner of each seat (seats entries) */
    int64_t ttl;           /* effective seat lifetime, 0 = none */
    int64_t account_limit; /* limits.account_limit */
    int64_t in_org;        /* accounts in the organization (closed ones included) */
    int64_t being_created; /* our rows that may not be in the organization yet */
    int64_t free_slots;
    double floor; /* ideal creation makespan, seconds */
    int64_t now;
    int64_t start_at;   /* 0 = start now */
    int64_t expires_at; /* 0 = never */
};

/*
 * Validates a class request completely and computes its plan, changing nothing: name rules,
 * a name not yet used, the kind, TTL within the kind's maximum, every owner valid under the
 * engine's owner rules (a roster error names its line), and enough free account slots in the
 * organization (ListAccounts; closed accounts count for 90 days, as AWS counts them). Every
 * failure is SBX_E_INVALID (exit 2), except a taken name (SBX_E_CONFLICT) and AWS or store
 * errors. *p is owned by the caller (class_plan_release).
 */
int class_plan_make(struct class_env *e, const struct class_request *r, struct class_plan *p,
                    struct sbx_err *err) SBX_NODISCARD;
void class_plan_release(struct class_plan *p);

/*
 * Records the class and one `requested` seat row per seat (engine_request: the engine's
 * validation and a unique alias reserved forever), due at the plan's start time, in one
 * transaction with their audit events. Nothing is sent to AWS here.
 */
int class_insert(struct class_env *e, const struct class_request *r, const struct class_plan *p,
                 struct sbx_err *err) SBX_NODISCARD;

/* What class_drive() waits for. */
enum class_goal {
    CLASS_GOAL_SETTLED, /* every seat active or failed */
    CLASS_GOAL_CLOSED,  /* every seat closed, failed before creation, or quarantined */
};

/*
 * Runs engine steps until the class reaches goal, reporting progress to prog (may be NULL)
 * after each step. Sleeps only until the engine's next due time (capped, so progress stays
 * fresh). A scheduled class first waits for its start time. Returns 0 when the goal is
 * reached (whether or not some seats failed: the caller reads the view), -1 with err when
 * the engine fails hard or a signal interrupts (SBX_E_FAILURE, "interrupted").
 */
int class_drive(struct class_env *e, const char *name, enum class_goal goal, struct progress *prog,
                struct sbx_err *err) SBX_NODISCARD;

/*
 * Expected seconds until the class reaches goal, from its current state: the floor model
 * with the seats still waiting, those in flight (with their elapsed time) and the
 * pacing bucket as the client sees it now. Returns < 0 when it cannot tell.
 */
double class_eta(struct class_env *e, const struct class_view *v, enum class_goal goal);

/*
 * `class end`: asks every seat to close now (engine_close_request, reason
 * CLASS_END_REASON): active seats expire now (pre-close hooks, then a close slot),
 * quarantined ones get another attempt, seats still being created close as soon as they
 * exist, seats never sent to AWS are cancelled. Records the class as ending. *changed counts
 * the seats changed. Idempotent.
 */
int class_end(struct class_env *e, const char *name, int *changed,
              struct sbx_err *err) SBX_NODISCARD;

/*
 * `class resume`: releases every failed seat for another attempt (engine_retry: a fresh
 * alias, due now; the failure stays in the audit log), makes waiting seats of a scheduled
 * class due now, and records the class as provisioning again. Seats already sent to AWS are
 * left to the engine, whose reconciliation finds creations a crash interrupted, so nothing
 * is created twice. *retried counts the failed seats released.
 */
int class_resume(struct class_env *e, const char *name, int *retried,
                 struct sbx_err *err) SBX_NODISCARD;

/* Persists the class's effective state (and ready_at / ended_at) when it changed. */
int class_sync_state(struct class_env *e, const char *name, struct sbx_err *err) SBX_NODISCARD;

#endif
