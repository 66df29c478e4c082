/*
 * spawn.c -- running another program (the contract is in spawn.h).
 *
 * Everything the child needs is prepared before fork(): the descriptors it will see as 0, 1
 * and 2 are first moved above standard error (a caller started with stdio closed would
 * otherwise hand out 0-2 for pipes and the dup2() calls would clobber each other), and the
 * highest descriptor number is known for the close loop. All signals are blocked around
 * fork() so no handler of ours runs in the child before it has reset the dispositions; the
 * child then calls async-signal-safe functions only and execs.
 *
 * Captured output is read from non-blocking pipes. Once the child itself has been reaped,
 * what it wrote is already in the pipe: one last read takes it and the pipe is closed, so a
 * background process it left behind cannot hold the caller.
 */
#define _GNU_SOURCE /* close_range(2) in <unistd.h> (glibc >= 2.34), NSIG; this file only */
#include "util/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "util/clock.h"

#if defined(__GLIBC__) && defined(__GLIBC_MINOR__)
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34)
#define SPAWN_HAVE_CLOSE_RANGE 1
#endif
#endif

#ifndef NSIG
#define NSIG 65
#endif

#define SPAWN_READ_CHUNK 16384
#define SPAWN_READ_MAX   64   /* reads per drain: 1 MiB, a whole pipe buffer */
#define SPAWN_POLL_MAX   0.05 /* seconds between checks while nothing can be polled */

/* --- capture ------------------------------------------------------------------------------ */

static int
cap_init(struct spawn_capture *c, size_t limit)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->limit = limit;
    c->buf = malloc(limit + 1);
    if (c->buf == NULL)
        return -1;
    c->buf[0] = '\0';
    return 0;
}

static void
cap_release(struct spawn_capture *c)
{
    if (c->fd >= 0)
        close(c->fd);
    if (c->buf != NULL) {
        OPENSSL_cleanse(c->buf, c->limit + 1);
        free(c->buf);
    }
    memset(c, 0, sizeof(*c));
    c->fd = -1;
}

static void
cap_push(struct spawn_capture *c, const char *d, size_t n)
{
    size_t tcap, first;
    char *t;

    c->total += n;
    if (c->head == 0 && c->len + n <= c->limit) {
        memcpy(c->buf + c->len, d, n);
        c->len += n;
        return;
    }
    if (c->head == 0) {
        /* First overflow: fill up, then the upper half becomes a ring of the latest bytes
         * (full, oldest byte first at offset 0). */
        size_t room = c->limit - c->len;

        memcpy(c->buf + c->len, d, room);
        c->len = c->limit;
        d += room;
        n -= room;
        c->head = c->limit / 2;
        c->ring = 0;
    }
    tcap = c->limit - c->head;
    t = c->buf + c->head;
    if (n >= tcap) {
        memcpy(t, d + n - tcap, tcap);
        c->ring = 0;
        return;
    }
    first = n < tcap - c->ring ? n : tcap - c->ring;
    memcpy(t + c->ring, d, first);
    memcpy(t, d + first, n - first);
    c->ring = (c->ring + n) % tcap;
}

static void
reverse(char *s, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        char x = s[i];

        s[i] = s[n - 1 - i];
        s[n - 1 - i] = x;
    }
}

/* Puts the tail ring in order (oldest first) and terminates buf. */
static void
cap_finish(struct spawn_capture *c)
{
    if (c->buf == NULL)
        return;
    if (c->head > 0 && c->ring > 0) {
        char *t = c->buf + c->head;
        size_t tcap = c->limit - c->head;

        reverse(t, c->ring);
        reverse(t + c->ring, tcap - c->ring);
        reverse(t, tcap);
        c->ring = 0;
    }
    c->buf[c->len] = '\0';
}

/* Reads what the pipe holds, at most SPAWN_READ_MAX reads (a child writing without pause
 * must not keep the caller from its timeouts). Closes it at end of file or on an error. */
static void
cap_drain(struct spawn_capture *c)
{
    char tmp[SPAWN_READ_CHUNK];
    bool any = false;

    for (int reads = 0; c->fd >= 0 && reads < SPAWN_READ_MAX; reads++) {
        ssize_t r = read(c->fd, tmp, sizeof(tmp));

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (r <= 0) {
            close(c->fd);
            c->fd = -1;
            break;
        }
        any = true;
        cap_push(c, tmp, (size_t)r);
    }
    if (any)
        OPENSSL_cleanse(tmp, sizeof(tmp));
}

bool
spawn_truncated(const struct spawn_capture *c)
{
    return c->total > c->limit;
}

/* --- starting ----------------------------------------------------------------------------- */

/* A close-on-exec copy of fd numbered above standard error (fd itself stays open). */
static int
dup_above_stdio(int fd)
{
    return fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
}

static int
max_fd(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur <= 65536)
        return (int)rl.rlim_cur - 1;
    return 65535;
}

/* The child: async-signal-safe calls only. src[i] becomes descriptor i. */
static void
child_exec(const struct spawn_opts *o, const int src[3], int maxfd)
{
    struct sigaction dfl;
    sigset_t none;

    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    /* Ignored signals stay ignored across execve() and handlers would become the default
     * anyway; reset everything while every signal is still blocked. */
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP)
            (void)sigaction(sig, &dfl, NULL);
    }
    (void)setpgid(0, 0);
    for (int i = 0; i < 3; i++) {
        if (dup2(src[i], i) < 0)
            _exit(126);
    }
#ifdef SPAWN_HAVE_CLOSE_RANGE
    if (close_range(3, ~0U, 0) != 0)
#endif
    {
        for (int fd = 3; fd <= maxfd; fd++)
            (void)close(fd);
    }
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    /* execve() takes non-const arrays for historical reasons; it does not modify them. */
    execve(o->path, (char *const *)(uintptr_t)o->argv, (char *const *)(uintptr_t)o->envp);
    _exit(errno == ENOENT ? 127 : 126);
}

static int
open_pipe(struct spawn_capture *c, int *write_end)
{
    int fds[2];

    if (pipe(fds) != 0)
        return -1;
    c->fd = dup_above_stdio(fds[0]);
    *write_end = dup_above_stdio(fds[1]);
    close(fds[0]);
    close(fds[1]);
    if (c->fd < 0 || *write_end < 0)
        return -1;
    return fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) == 0 ? 0 : -1;
}

int
spawn_start(const struct spawn_opts *o, struct spawn_proc *p, struct sbx_err *err)
{
    int src[3] = { -1, -1, -1 }, devnull = -1, maxfd = max_fd();
    sigset_t all, old;
    pid_t pid;
    int rc = -1;

    memset(p, 0, sizeof(*p));
    p->out.fd = p->err.fd = -1;
    if (o->path == NULL || o->argv == NULL || o->argv[0] == NULL || o->envp == NULL ||
        o->in == SPAWN_CAPTURE || o->in == SPAWN_TO_STDOUT || o->out == SPAWN_TO_STDOUT ||
        (o->out == SPAWN_CAPTURE && o->out_limit < 2) ||
        (o->err == SPAWN_CAPTURE && o->err_limit < 2) || o->timeout < 0 || o->kill_grace < 0) {
        sbx_err_set(err, SBX_E_FAILURE, "cannot start '%s': invalid options",
                    o->path != NULL ? o->path : "(null)");
        return -1;
    }
    if (o->in == SPAWN_DEVNULL || o->out == SPAWN_DEVNULL || o->err == SPAWN_DEVNULL) {
        int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

        devnull = fd >= 0 ? dup_above_stdio(fd) : -1;
        if (fd >= 0)
            close(fd);
        if (devnull < 0) {
            sbx_err_set(err, SBX_E_FAILURE, "cannot open /dev/null: %s", strerror(errno));
            goto out;
        }
    }
    if ((o->out == SPAWN_CAPTURE && cap_init(&p->out, o->out_limit) != 0) ||
        (o->err == SPAWN_CAPTURE && cap_init(&p->err, o->err_limit) != 0)) {
        sbx_err_nomem(err);
        goto out;
    }
    src[0] = o->in == SPAWN_DEVNULL ? dup_above_stdio(devnull) : dup_above_stdio(o->in);
    if (o->out == SPAWN_CAPTURE) {
        if (open_pipe(&p->out, &src[1]) != 0)
            goto pipe_failed;
    } else {
        src[1] = dup_above_stdio(o->out == SPAWN_DEVNULL ? devnull : o->out);
    }
    if (o->err == SPAWN_CAPTURE) {
        if (open_pipe(&p->err, &src[2]) != 0)
            goto pipe_failed;
    } else if (o->err == SPAWN_TO_STDOUT) {
        src[2] = dup_above_stdio(src[1]);
    } else {
        src[2] = dup_above_stdio(o->err == SPAWN_DEVNULL ? devnull : o->err);
    }
    if (src[0] < 0 || src[1] < 0 || src[2] < 0) {
        sbx_err_set(err, SBX_E_FAILURE, "cannot start '%s': %s", o->path, strerror(errno));
        goto out;
    }
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid = fork();
    if (pid == 0)
        child_exec(o, src, maxfd);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        sbx_err_set(err, SBX_E_FAILURE, "cannot start '%s': fork: %s", o->path, strerror(errno));
        goto out;
    }
    /* Also in the parent, so the group exists before we might signal it. EACCES (the child
     * already exec'd) and ESRCH are fine. */
    (void)setpgid(pid, pid);
    p->pid = pid;
    p->started = clock_mono();
    p->deadline = o->timeout > 0 ? p->started + o->timeout : 0;
    p->grace = o->kill_grace > 0 ? o->kill_grace : SPAWN_KILL_GRACE;
    rc = 0;
    goto out;
pipe_failed:
    sbx_err_set(err, SBX_E_FAILURE, "cannot start '%s': cannot create a pipe: %s", o->path,
                strerror(errno));
out:
    for (int i = 0; i < 3; i++) {
        if (src[i] >= 0)
            close(src[i]);
    }
    if (devnull >= 0)
        close(devnull);
    if (rc != 0)
        spawn_release(p);
    return rc;
}

/* --- running ------------------------------------------------------------------------------ */

void
spawn_terminate(struct spawn_proc *p)
{
    if (p->pid <= 0 || p->terminating || p->done)
        return;
    p->terminating = true;
    p->kill_at = clock_mono() + p->grace;
    (void)kill(-p->pid, SIGTERM);
}

static void
finish(struct spawn_proc *p)
{
    cap_drain(&p->out);
    cap_drain(&p->err);
    /* What the child wrote before it ended is read; the rest belongs to whatever it left. */
    if (p->out.fd >= 0) {
        close(p->out.fd);
        p->out.fd = -1;
    }
    if (p->err.fd >= 0) {
        close(p->err.fd);
        p->err.fd = -1;
    }
    cap_finish(&p->out);
    cap_finish(&p->err);
    p->done = true;
}

bool
spawn_step(struct spawn_proc *p)
{
    double now;

    if (p->done || p->pid <= 0)
        return true;
    cap_drain(&p->out);
    cap_drain(&p->err);
    if (!p->reaped) {
        int ws;
        pid_t r = waitpid(p->pid, &ws, WNOHANG);

        if (r == p->pid) {
            p->reaped = true;
            p->wstatus = ws;
        } else if (r < 0 && errno == ECHILD) {
            /* Someone else reaped it (SIGCHLD ignored by the caller): its status is lost. */
            p->reaped = true;
            p->wstatus = 255 << 8;
        }
    }
    now = clock_mono();
    if (!p->reaped && p->deadline > 0 && !p->terminating && now >= p->deadline) {
        p->timed_out = true;
        spawn_terminate(p);
    }
    if (p->terminating && !p->killed && now >= p->kill_at) {
        (void)kill(-p->pid, SIGKILL);
        p->killed = true;
    }
    if (!p->reaped)
        return false;
    if (p->terminating && !p->killed) {
        /* The child is gone: give the rest of its group the grace period, then SIGKILL. */
        if (kill(-p->pid, 0) == 0 && now < p->kill_at)
            return false;
        (void)kill(-p->pid, SIGKILL);
        p->killed = true;
    }
    finish(p);
    return true;
}

size_t
spawn_pollfds(const struct spawn_proc *p, struct pollfd *pf)
{
    size_t n = 0;

    if (p->done)
        return 0;
    if (p->out.fd >= 0)
        pf[n++] = (struct pollfd){ .fd = p->out.fd, .events = POLLIN };
    if (p->err.fd >= 0)
        pf[n++] = (struct pollfd){ .fd = p->err.fd, .events = POLLIN };
    return n;
}

void
spawn_wait(struct spawn_proc *p)
{
    double delay = 0.001;

    while (!spawn_step(p)) {
        struct pollfd pf[2];
        size_t n = spawn_pollfds(p, pf);
        double wait = SPAWN_POLL_MAX, now = clock_mono();

        /* With a pipe open, poll() wakes on output and on the child's exit (end of file);
         * without one, check back with a growing delay. */
        if (n == 0 || p->reaped) {
            wait = delay;
            delay = delay * 2 < SPAWN_POLL_MAX ? delay * 2 : SPAWN_POLL_MAX;
        }
        if (p->deadline > 0 && !p->terminating && p->deadline - now < wait)
            wait = p->deadline - now;
        if (p->terminating && !p->killed && p->kill_at - now < wait)
            wait = p->kill_at - now;
        if (wait < 0)
            wait = 0;
        if (n > 0 && !p->reaped) {
            (void)poll(pf, (nfds_t)n, (int)ceil(wait * 1000));
        } else {
            struct timespec ts = { (time_t)wait, (long)((wait - floor(wait)) * 1e9) };

            nanosleep(&ts, NULL);
        }
    }
}

int
spawn_status(const struct spawn_proc *p)
{
    if (WIFEXITED(p->wstatus))
        return WEXITSTATUS(p->wstatus);
    if (WIFSIGNALED(p->wstatus))
        return 128 + WTERMSIG(p->wstatus);
    return 1;
}

bool
spawn_signaled(const struct spawn_proc *p)
{
    return WIFSIGNALED(p->wstatus);
}

void
spawn_release(struct spawn_proc *p)
{
    if (p->pid > 0 && !p->reaped) {
        (void)kill(-p->pid, SIGKILL);
        while (waitpid(p->pid, &p->wstatus, 0) < 0 && errno == EINTR)
            ;
    }
    cap_release(&p->out);
    cap_release(&p->err);
    memset(p, 0, sizeof(*p));
    p->out.fd = p->err.fd = -1;
}
