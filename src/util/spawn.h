/*
 * spawn.h -- the one way sandboxctl runs another program (hooks, credential_process).
 *
 * A child runs argv from an explicit environment, without a shell, as the leader of its own
 * process group. Before it execs, every signal disposition is reset to the default, the
 * signal mask is emptied and every descriptor above standard error is closed, so nothing of
 * ours (connections, the store, the log) leaks into it. Standard input, output and error are
 * each a descriptor of ours, /dev/null, or (output and error) a pipe the parent captures
 * into a bounded buffer that keeps the head and the tail of what was written. A timeout, or
 * spawn_terminate(), signals the whole group: SIGTERM, then SIGKILL after a grace period.
 *
 * Use: spawn_start(), then either spawn_wait() (blocks) or spawn_step() in the caller's own
 * loop (spawn_pollfds() gives the descriptors to poll), then spawn_release().
 */
#ifndef SBX_SPAWN_H
#define SBX_SPAWN_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sbx.h"

#define SPAWN_DEVNULL    (-1) /* the stream is /dev/null */
#define SPAWN_CAPTURE    (-2) /* output or error: captured by the parent */
#define SPAWN_TO_STDOUT  (-3) /* error only: wherever output goes (one stream, in order) */
#define SPAWN_KILL_GRACE 5.0  /* default seconds between SIGTERM and SIGKILL */

struct spawn_opts {
    const char *path;        /* the executable, as execve(2) takes it (no PATH search) */
    const char *const *argv; /* NULL-terminated; argv[0] is what the program sees */
    const char *const *envp; /* NULL-terminated: the child's whole environment */
    int in;                  /* a descriptor of ours or SPAWN_DEVNULL */
    int out;                 /* a descriptor of ours, SPAWN_DEVNULL or SPAWN_CAPTURE */
    int err;                 /* like out, or SPAWN_TO_STDOUT */
    size_t out_limit;        /* bytes of captured output kept (head and tail); >= 2 */
    size_t err_limit;        /* the same for captured error */
    double timeout;          /* seconds the child may run; 0 = no limit */
    double kill_grace;       /* seconds from SIGTERM to SIGKILL; 0 = SPAWN_KILL_GRACE */
};

/*
 * What was captured of one stream. While at most `limit` bytes were written, buf holds them
 * all; beyond that it holds the first `head` bytes and, once the child is done, the last
 * limit - head bytes right after them. buf is NUL-terminated after len bytes.
 */
struct spawn_capture {
    char *buf;
    size_t limit;
    size_t len;     /* bytes in buf */
    size_t head;    /* when truncated: bytes of the head part (the tail follows) */
    uint64_t total; /* bytes the child wrote */
    size_t ring;    /* while truncated and running: oldest tail byte's offset in the tail */
    int fd;         /* read end of the pipe; -1 once closed */
};

struct spawn_proc {
    pid_t pid; /* also the process group id; 0 when not started */
    struct spawn_capture out, err;
    double started;  /* clock_mono() */
    double deadline; /* clock_mono() time of the timeout; 0 = none */
    double grace;
    double kill_at;   /* after SIGTERM: when SIGKILL follows; 0 = not terminating */
    bool timed_out;   /* the deadline passed (the child was signalled for it) */
    bool terminating; /* SIGTERM sent to the group */
    bool killed;      /* SIGKILL sent to the group */
    bool reaped;      /* the child itself was waited for */
    bool done;        /* reaped, captures closed, and the group is gone or killed */
    int wstatus;      /* raw status from waitpid() once reaped */
};

/*
 * Starts the child. On failure (no pipe, no fork, bad options) returns -1 with err
 * (SBX_E_FAILURE; callers re-code it) and *p is released. An exec failure is not seen here:
 * the child exits 127 (not found) or 126.
 */
int spawn_start(const struct spawn_opts *o, struct spawn_proc *p,
                struct sbx_err *err) SBX_NODISCARD;

/* Advances without blocking: reads what the pipes hold, reaps, applies the timeout. Returns
 * true once the child is done. */
bool spawn_step(struct spawn_proc *p);

/* Blocks until the child is done (polling its pipes, bounded by the timeout). */
void spawn_wait(struct spawn_proc *p);

/* Adds the descriptors worth polling for p (at most 2) to pf; returns how many. */
size_t spawn_pollfds(const struct spawn_proc *p, struct pollfd *pf);

/* Signals the whole group now: SIGTERM, then SIGKILL after the grace period. */
void spawn_terminate(struct spawn_proc *p);

/* The outcome once done: the exit status, 128 + N for signal N. */
int spawn_status(const struct spawn_proc *p);
bool spawn_signaled(const struct spawn_proc *p);

/* True when the stream wrote more than its limit (buf holds head and tail). */
bool spawn_truncated(const struct spawn_capture *c);

/* Kills and reaps a child still running, wipes and frees the captures. Accepts a zeroed or
 * released *p. */
void spawn_release(struct spawn_proc *p);

#endif
