/*
 * class.h -- training classes: a named group of seats (one account each) created together,
 * handed out as a roster, and ended together.
 *
 * A class is one row in the store's class table (name, kind, instructor as owner, seat
 * count, state, expiry, and a JSON detail: ttl, ready_by, start_at, the roster's display
 * names, timing) plus one account row per seat (class_id, seat number, owner = the student,
 * or the instructor for `--seats` classes). Seats are ordinary accounts: the engine creates,
 * warns, nukes and closes them like any other; this module only adds what a class needs on
 * top -- inserting every seat up front in one transaction, a view of the newest row of each
 * seat, counting progress, and the ETA of the remaining work (class/floor.h).
 *
 * A seat whose creation failed keeps its failed row (history, and its alias stays reserved);
 * `class resume` gives the seat a new row, which the view then shows.
 */
#ifndef SBX_CLASS_H
#define SBX_CLASS_H

#include <stdint.h>

#include "class/class_util.h"
#include "sbx.h"
#include "store/store.h"

struct cJSON;

/* The class detail JSON, parsed. Strings are heap copies owned by the struct. */
struct class_detail {
    int64_t ttl;        /* seat lifetime in seconds (0 = kind default at creation) */
    int64_t ready_by;   /* requested ready time, 0 = none */
    int64_t start_at;   /* when provisioning starts (ready_by - floor - margin), 0 = at once */
    int64_t started_at; /* when provisioning actually started, 0 = not yet */
    int64_t ready_at;   /* when every seat first settled (active or failed), 0 = not yet */
    int64_t end_at;     /* when `class end` was asked, 0 = not yet */
    int64_t ended_at;   /* when every seat was closed, 0 = not yet */
    double floor;       /* ideal creation makespan at creation time, seconds */
    char *roster;       /* roster file name given at creation, NULL = --seats */
    char **names;       /* display name per seat (index seat - 1), NULL = none */
    int64_t nnames;
};

/* Where a seat stands, for progress and summaries. */
enum class_phase {
    CLASS_PHASE_WAITING = 0, /* requested, not yet sent */
    CLASS_PHASE_CREATING,    /* CreateAccount sent, or finishing (move, tag, hooks) */
    CLASS_PHASE_ACTIVE,      /* active */
    CLASS_PHASE_FAILED,      /* creation failed */
    CLASS_PHASE_CLOSING,     /* expiring, nuking, waiting for a close slot, closing */
    CLASS_PHASE_QUARANTINED, /* nuke failed too often: needs `sandboxctl retry` */
    CLASS_PHASE_CLOSED,      /* suspended or gone */
    CLASS_PHASE_COUNT
};

struct class_seat {
    int64_t seat;
    char label[16];           /* "07" */
    struct store_account a;   /* the seat's newest account row */
    const char *display_name; /* borrowed from the view's detail; "" = none */
    enum class_phase phase;
};

struct class_view {
    struct store_class c;
    const char *state; /* effective state (class_effective_state), a static string */
    struct class_detail d;
    struct class_seat *seats; /* ordered by seat number */
    size_t nseats;
    int counts[CLASS_PHASE_COUNT];
    char **groups; /* the Identity Center groups given access to the seats (--access-group) */
    size_t ngroups;
};

/* The phase of an account state (engine/state.h names). */
enum class_phase class_phase_of(enum engine_state state);
/* "waiting", "creating", "active", "failed", "closing", "quarantined", "closed". */
const char *class_phase_name(enum class_phase p);

/*
 * The state a class is in given its stored state and its seats' phases: the stored state
 * says what was asked (scheduled, provisioning, ending), the seats say how far it got. So a
 * class provisioned by `run` (after a --ready-by start, or a killed `class create`) shows
 * ready without anyone writing it, and a class whose seats all expired shows ended.
 * Returns one of the CLASS_* strings.
 */
const char *class_effective_state(const char *stored, const int counts[CLASS_PHASE_COUNT],
                                  size_t nseats);

/* Parses detail JSON text into *d (zeroed first). Unknown keys are ignored (forward
 * compatibility). Returns 0, or -1 with err (SBX_E_STORE: not a JSON object). */
int class_detail_parse(const char *text, struct class_detail *d, struct sbx_err *err) SBX_NODISCARD;
/* Serialises d; *text is a heap string (free). */
int class_detail_format(const struct class_detail *d, char **text,
                        struct sbx_err *err) SBX_NODISCARD;
void class_detail_release(struct class_detail *d);

/*
 * Loads the class called name with the newest row of each seat. *out is owned by the caller
 * (class_view_release). SBX_E_NOTFOUND when there is no such class.
 */
int class_view_load(struct store *s, const char *name, struct class_view *out,
                    struct sbx_err *err) SBX_NODISCARD;
void class_view_release(struct class_view *v);

#endif
