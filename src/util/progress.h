/*
 * progress.h -- progress of a long batch (a class being created or closed) on stderr.
 *
 * Three modes: on a terminal one status line is redrawn in place (at most 10 times a second)
 * with a bar, counts, elapsed time and ETA; elsewhere (a log, CI) one plain line is printed
 * whenever a count changes, and at least every 30 s as a heartbeat; with --json nothing is
 * printed, so stdout and stderr carry only the result and errors. Times are the caller's
 * clock (the simulator's when following it); redraw pacing uses real monotonic time.
 */
#ifndef SBX_PROGRESS_H
#define SBX_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum progress_mode {
    PROGRESS_OFF = 0,
    PROGRESS_TTY,
    PROGRESS_LINES,
};

struct progress_counts {
    int total;
    int done;        /* finished successfully (active, or closed) */
    int in_progress; /* submitted, not finished */
    int failed;
    double elapsed; /* seconds since the batch started */
    double eta;     /* seconds until the batch should be done; < 0 = unknown */
};

struct progress {
    FILE *out;
    enum progress_mode mode;
    char label[128];  /* e.g. "class k8s-101: creating" */
    int width;        /* terminal columns (TTY mode) */
    double last_draw; /* monotonic seconds of the last output */
    struct progress_counts last;
    bool drawn;     /* something was printed */
    bool open_line; /* TTY: the status line has no newline yet */
};

/* The mode for stream f: OFF when quiet (e.g. --json), TTY when f is a terminal and TERM is
 * not "dumb", else LINES. */
enum progress_mode progress_mode_for(FILE *f, bool quiet);

/* Starts progress output on out (borrowed) in mode, labelled label (copied, truncated). */
void progress_init(struct progress *p, FILE *out, enum progress_mode mode, const char *label);

/*
 * Formats the plain status line ("LABEL: 12/60 done, 5 in progress, 1 failed, elapsed 2m10s,
 * eta 9m40s") into buf (size n). Returns buf.
 */
const char *progress_format_line(char *buf, size_t n, const char *label,
                                 const struct progress_counts *c);
/*
 * Formats the terminal status line with a bar, fitted to width columns (never longer than
 * width - 1 bytes so the terminal does not wrap). Returns buf.
 */
const char *progress_format_bar(char *buf, size_t n, const char *label,
                                const struct progress_counts *c, int width);

/* Reports the current counts; prints only when the mode's pacing says so. now_mono is
 * clock_mono() (a parameter so tests can drive it). */
void progress_update(struct progress *p, const struct progress_counts *c, double now_mono);
/* Prints the final counts (always) and ends the terminal line. */
void progress_finish(struct progress *p, const struct progress_counts *c);

#endif
