/* test_spawn.c -- the process runner: capture, limits, timeouts, signals, descriptors. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "util/clock.h"
#include "util/spawn.h"

static const char *const env_min[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };

/* Options running `/bin/sh -c script` with output captured. */
static struct spawn_opts
sh_opts(const char **argv, const char *script)
{
    struct spawn_opts o = { 0 };

    argv[0] = "sh";
    argv[1] = "-c";
    argv[2] = script;
    argv[3] = NULL;
    o.path = "/bin/sh";
    o.argv = argv;
    o.envp = env_min;
    o.in = SPAWN_DEVNULL;
    o.out = SPAWN_CAPTURE;
    o.err = SPAWN_CAPTURE;
    o.out_limit = 65536;
    o.err_limit = 4096;
    return o;
}

/* True when pid is gone or a zombie (it runs no code any more). */
static bool
process_gone(pid_t pid)
{
    char path[64], buf[512];
    FILE *fp;
    char *p;

    if (kill(pid, 0) != 0)
        return errno == ESRCH;
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    fp = fopen(path, "r");
    if (fp == NULL)
        return true;
    p = fgets(buf, sizeof(buf), fp);
    fclose(fp);
    if (p == NULL)
        return true;
    p = strrchr(buf, ')');
    return p != NULL && p[1] == ' ' && p[2] == 'Z';
}

/* Waits (bounded, generously) for pid to be gone: a SIGKILL is delivered asynchronously. */
static bool
wait_gone(pid_t pid)
{
    for (int i = 0; i < 2000; i++) {
        struct timespec ts = { 0, 5000000L };

        if (process_gone(pid))
            return true;
        nanosleep(&ts, NULL);
    }
    return false;
}

TEST(captures_output_and_status)
{
    const char *argv[4];
    struct spawn_opts o = sh_opts(argv, "echo out; echo err >&2; exit 3");
    struct spawn_proc p;
    struct sbx_err err = { 0 };

    CHECK_OK(spawn_start(&o, &p, &err), &err);
    spawn_wait(&p);
    CHECK(p.done);
    CHECK_INT_EQ(spawn_status(&p), 3);
    CHECK(!spawn_signaled(&p));
    CHECK(!p.timed_out);
    CHECK_STR_EQ(p.out.buf, "out\n");
    CHECK_STR_EQ(p.err.buf, "err\n");
    spawn_release(&p);

    /* One stream, in order. */
    o = sh_opts(argv, "echo a; echo b >&2; echo c");
    o.err = SPAWN_TO_STDOUT;
    CHECK_OK(spawn_start(&o, &p, &err), &err);
    spawn_wait(&p);
    CHECK_INT_EQ(spawn_status(&p), 0);
    CHECK_STR_EQ(p.out.buf, "a\nb\nc\n");
    CHECK(p.err.buf == NULL);
    spawn_release(&p);

    /* The environment is exactly the one given. */
    o = sh_opts(argv, "env | sort");
    CHECK_OK(spawn_start(&o, &p, &err), &err);
    spawn_wait(&p);
    CHECK_CONTAINS(p.out.buf, "LC_ALL=C\nPATH=/usr/bin:/bin\n");
    CHECK(strstr(p.out.buf, "HOME=") == NULL);
    spawn_release(&p);
}

TEST(exec_failure_is_127)
{
    const char *argv[] = { "nope", NULL };
    struct spawn_opts o = { .path = "/nonexistent/nope", .argv = argv, .envp = env_min };
    struct spawn_proc p;
    struct sbx_err err = { 0 };

    o.in = o.out = o.err = SPAWN_DEVNULL;
    CHECK_OK(spawn_start(&o, &p, &err), &err);
    spawn_wait(&p);
    CHECK_INT_EQ(spawn_status(&p), 127);
    spawn_release(&p);
}

TEST(capture_is_capped_head_and_tail)
{
    const char *argv[4];
    /* 1,000,000 bytes: "BEGIN" + 'x'... + "END\n". */
    struct spawn_opts o = sh_opts(argv, "printf BEGIN; head -c 999991 /dev/zero | tr '\\0' x; "
                                        "printf 'END\\n'; echo small >&2");
    struct spawn_proc p;
    struct sbx_err err = { 0 };

    o.out_limit = 1000;
    CHECK_OK(spawn_start(&o, &p, &err), &err);
    spawn_wait(&p);
    CHECK_INT_EQ(spawn_status(&p), 0);
    CHECK(spawn_truncated(&p.out));
    CHECK(!spawn_truncated(&p.err));
    CHECK_INT_EQ(p.out.total, 1000000);
    CHECK_INT_EQ(p.out.len, 1000);
    CHECK_INT_EQ(p.out.head, 500);
    CHECK_INT_EQ(strlen(p.out.buf), 1000);
    CHECK(strncmp(p.out.buf, "BEGINxxx", 8) == 0);
    CHECK(strcmp(p.out.buf + 996, "END\n") == 0);
    for (size_t i = 5; i < 996; i++)
        CHECK(p.out.buf[i] == 'x');
    CHECK_STR_EQ(p.err.buf, "small\n");
    spawn_release(&p);

    /* Many small writes through the ring: the tail is the last bytes, in order. */
    o = sh_opts(argv, "i=0; while [ $i -lt 500 ]; do echo \"line $i\"; i=$((i+1)); done");
    o.out_limit = 64;
    CHECK_OK(spawn_start(&o, &p, &err), &err);
    spawn_wait(&p);
    CHECK(spawn_truncated(&p.out));
    CHECK(strncmp(p.out.buf, "line 0\nline 1\nline 2\n", 21) == 0);
    CHECK(strcmp(p.out.buf + 64 - 26, "ine 497\nline 498\nline 499\n") == 0);
    spawn_release(&p);
}

TEST(timeout_kills_the_whole_group)
{
    const char *argv[4];
    /* The child starts a grandchild in the background, tells us its pid, and waits. */
    struct spawn_opts o = sh_opts(argv, "sleep 1000 & echo $!; wait");
    struct spawn_proc p;
    struct sbx_err err = { 0 };
    pid_t grandchild;

    o.kill_grace = 0.2;
    CHECK_OK(spawn_start(&o, &p, &err), &err);
    /* Wait for the marker (the grandchild's pid), then let the deadline pass. */
    while (strchr(p.out.buf, '\n') == NULL) {
        struct pollfd pf[2];
        size_t n = spawn_pollfds(&p, pf);

        CHECK(!spawn_step(&p));
        CHECK(n > 0);
        (void)poll(pf, (nfds_t)n, 100);
    }
    grandchild = (pid_t)strtol(p.out.buf, NULL, 10);
    CHECK(grandchild > 1);
    CHECK(!process_gone(grandchild));
    p.deadline = clock_mono();
    spawn_wait(&p);
    CHECK(p.done);
    CHECK(p.timed_out);
    CHECK(spawn_signaled(&p));
    CHECK_INT_EQ(spawn_status(&p), 128 + SIGTERM);
    CHECK(wait_gone(grandchild));
    spawn_release(&p);
}

TEST(timeout_sigkills_what_ignores_sigterm)
{
    const char *argv[4];
    struct spawn_opts o = sh_opts(argv, "trap '' TERM; echo ready; while :; do sleep 1; done");
    struct spawn_proc p;
    struct sbx_err err = { 0 };

    o.timeout = 0.1;
    o.kill_grace = 0.2;
    CHECK_OK(spawn_start(&o, &p, &err), &err);
    spawn_wait(&p);
    CHECK(p.timed_out);
    CHECK(p.killed);
    CHECK(spawn_signaled(&p));
    spawn_release(&p);
}

/* The caller ignores SIGTERM and blocks SIGUSR1; the child must see neither. */
TEST(signal_dispositions_and_mask_reset)
{
    const char *argv[4];
    struct spawn_opts o = sh_opts(argv, "grep -E '^Sig(Blk|Ign):' /proc/self/status");
    struct spawn_proc p;
    struct sbx_err err = { 0 };
    struct sigaction ign, old_term, old_pipe;
    sigset_t usr1, old_mask;

    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    CHECK(sigaction(SIGTERM, &ign, &old_term) == 0);
    CHECK(sigaction(SIGPIPE, &ign, &old_pipe) == 0);
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &usr1, &old_mask) == 0);
    CHECK_OK(spawn_start(&o, &p, &err), &err);
    spawn_wait(&p);
    CHECK_INT_EQ(spawn_status(&p), 0);
    /* grep itself: nothing blocked, nothing ignored. */
    CHECK_STR_EQ(p.out.buf, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
    spawn_release(&p);
    CHECK(sigprocmask(SIG_SETMASK, &old_mask, NULL) == 0);
    CHECK(sigaction(SIGTERM, &old_term, NULL) == 0);
    CHECK(sigaction(SIGPIPE, &old_pipe, NULL) == 0);
}

/* A descriptor the caller left open without close-on-exec does not reach the child. */
TEST(inherited_descriptors_are_closed)
{
    const char *argv[4];
    struct spawn_opts o =
            sh_opts(argv, "for fd in 0 1 2 57; do [ -e /proc/$$/fd/$fd ] && echo $fd; done");
    struct spawn_proc p;
    struct sbx_err err = { 0 };
    int fd = open("/dev/null", O_RDONLY);

    CHECK(fd >= 0);
    CHECK(dup2(fd, 57) == 57);
    CHECK((fcntl(57, F_GETFD) & FD_CLOEXEC) == 0);
    CHECK_OK(spawn_start(&o, &p, &err), &err);
    spawn_wait(&p);
    CHECK_STR_EQ(p.out.buf, "0\n1\n2\n");
    spawn_release(&p);
    close(57);
    close(fd);
}

/* A caller whose standard descriptors are closed still gives the child the right ones. */
TEST(caller_with_stdio_closed)
{
    const char *argv[4];
    struct spawn_opts o = sh_opts(argv, "read line; echo \"got $line\"; echo e >&2");
    struct spawn_proc p;
    struct sbx_err err = { 0 };
    int saved[3], in[2];

    for (int i = 0; i < 3; i++) {
        saved[i] = dup(i);
        CHECK(saved[i] > 2);
    }
    close(0);
    close(1);
    close(2);
    CHECK(pipe(in) == 0); /* gets descriptors 0 and 1 */
    CHECK(write(in[1], "hello\n", 6) == 6);
    close(in[1]);
    o.in = in[0];
    CHECK_OK(spawn_start(&o, &p, &err), &err);
    spawn_wait(&p);
    close(in[0]);
    for (int i = 0; i < 3; i++) {
        CHECK(dup2(saved[i], i) == i);
        close(saved[i]);
    }
    CHECK_INT_EQ(spawn_status(&p), 0);
    CHECK_STR_EQ(p.out.buf, "got hello\n");
    CHECK_STR_EQ(p.err.buf, "e\n");
    spawn_release(&p);
}

/* A background process that keeps the pipe open does not hold the caller. */
TEST(leftover_background_process_does_not_block)
{
    const char *argv[4];
    struct spawn_opts o = sh_opts(argv, "sleep 1000 & echo $!; echo done");
    struct spawn_proc p;
    struct sbx_err err = { 0 };
    pid_t bg;

    CHECK_OK(spawn_start(&o, &p, &err), &err);
    spawn_wait(&p);
    CHECK_INT_EQ(spawn_status(&p), 0);
    CHECK_CONTAINS(p.out.buf, "done\n");
    bg = (pid_t)strtol(p.out.buf, NULL, 10);
    CHECK(bg > 1);
    CHECK(kill(bg, SIGKILL) == 0);
    spawn_release(&p);
}

TEST(invalid_options)
{
    const char *argv[] = { "x", NULL };
    struct spawn_opts o = { .path = "/bin/true", .argv = argv, .envp = env_min };
    struct spawn_proc p;
    struct sbx_err err = { 0 };

    o.in = SPAWN_DEVNULL;
    o.out = SPAWN_CAPTURE;
    o.out_limit = 1;
    o.err = SPAWN_DEVNULL;
    CHECK(spawn_start(&o, &p, &err) != 0);
    CHECK_CONTAINS(err.msg, "invalid options");
    CHECK(p.pid == 0);
    spawn_release(&p);
}

/* A child that writes without pause still meets its timeout, and the capture stays bounded. */
TEST(endless_output_still_times_out)
{
    const char *argv[4];
    struct spawn_opts o = sh_opts(argv, "exec yes");
    struct spawn_proc p;
    struct sbx_err err = { 0 };

    o.out_limit = 4096;
    o.timeout = 0.3;
    o.kill_grace = 0.2;
    CHECK_OK(spawn_start(&o, &p, &err), &err);
    spawn_wait(&p);
    CHECK(p.timed_out);
    CHECK(spawn_truncated(&p.out));
    CHECK_INT_EQ(p.out.len, 4096);
    CHECK(strncmp(p.out.buf, "y\ny\n", 4) == 0);
    spawn_release(&p);
}
