/* progress.c -- terminal and line-oriented batch progress (see progress.h). */
#include "util/progress.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/duration.h"

#define TTY_MIN_INTERVAL  0.1  /* seconds between redraws on a terminal */
#define LINES_HEARTBEAT   30.0 /* seconds between unchanged lines elsewhere */
#define DEFAULT_TTY_WIDTH 80

enum progress_mode
progress_mode_for(FILE *f, bool quiet)
{
    const char *term = getenv("TERM");

    if (quiet)
        return PROGRESS_OFF;
    if (isatty(fileno(f)) && term != NULL && strcmp(term, "dumb") != 0)
        return PROGRESS_TTY;
    return PROGRESS_LINES;
}

static int
tty_width(FILE *f)
{
    struct winsize ws;

    if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return DEFAULT_TTY_WIDTH;
}

void
progress_init(struct progress *p, FILE *out, enum progress_mode mode, const char *label)
{
    memset(p, 0, sizeof(*p));
    p->out = out;
    p->mode = mode;
    snprintf(p->label, sizeof(p->label), "%s", label);
    p->width = mode == PROGRESS_TTY ? tty_width(out) : DEFAULT_TTY_WIDTH;
    p->last_draw = -1e9;
}

/* Seconds rounded to whole seconds, formatted compactly ("2m10s"). */
static const char *
fmt_secs(double s, char *buf, size_t n)
{
    if (s < 0)
        s = 0;
    return duration_format((int64_t)(s + 0.5), buf, n);
}

const char *
progress_format_line(char *buf, size_t n, const char *label, const struct progress_counts *c)
{
    char el[32], eta[32];

    fmt_secs(c->elapsed, el, sizeof(el));
    if (c->eta >= 0)
        fmt_secs(c->eta, eta, sizeof(eta));
    else
        snprintf(eta, sizeof(eta), "unknown");
    snprintf(buf, n, "%s: %d/%d done, %d in progress, %d failed, elapsed %s, eta %s", label,
             c->done, c->total, c->in_progress, c->failed, el, eta);
    return buf;
}

const char *
progress_format_bar(char *buf, size_t n, const char *label, const struct progress_counts *c,
                    int width)
{
    char tail[160], el[32], eta[32], bar[256];
    int room, fill = 0, len;

    fmt_secs(c->elapsed, el, sizeof(el));
    if (c->eta >= 0)
        fmt_secs(c->eta, eta, sizeof(eta));
    else
        snprintf(eta, sizeof(eta), "?");
    snprintf(tail, sizeof(tail), " %d/%d done  %d running  %d failed  %s  eta %s", c->done,
             c->total, c->in_progress, c->failed, el, eta);
    /* label + " [" + bar + "]" + tail must fit in width - 1 columns. */
    room = width - 1 - (int)strlen(label) - 3 - (int)strlen(tail);
    if (room > (int)sizeof(bar) - 1)
        room = (int)sizeof(bar) - 1;
    if (room < 10) {
        /* Too narrow for a bar: the plain counts, cut to the width. */
        len = snprintf(buf, n, "%s:%s", label, tail);
        if (len > 0 && width > 1 && (size_t)(width - 1) < n && len > width - 1)
            buf[width - 1] = '\0';
        return buf;
    }
    if (c->total > 0)
        fill = (int)((double)room * (c->done + c->failed) / c->total);
    if (fill > room)
        fill = room;
    for (int i = 0; i < room; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[room] = '\0';
    snprintf(buf, n, "%s [%s]%s", label, bar, tail);
    return buf;
}

static bool
counts_changed(const struct progress_counts *a, const struct progress_counts *b)
{
    return a->total != b->total || a->done != b->done || a->in_progress != b->in_progress ||
           a->failed != b->failed;
}

static void
emit(struct progress *p, const struct progress_counts *c, double now_mono)
{
    char line[512];

    if (p->mode == PROGRESS_TTY) {
        progress_format_bar(line, sizeof(line), p->label, c, p->width);
        fprintf(p->out, "\r%s\033[K", line);
        p->open_line = true;
    } else {
        progress_format_line(line, sizeof(line), p->label, c);
        fprintf(p->out, "%s\n", line);
    }
    fflush(p->out);
    p->last = *c;
    p->last_draw = now_mono;
    p->drawn = true;
}

void
progress_update(struct progress *p, const struct progress_counts *c, double now_mono)
{
    switch (p->mode) {
    case PROGRESS_OFF:
        return;
    case PROGRESS_TTY:
        if (now_mono - p->last_draw >= TTY_MIN_INTERVAL)
            emit(p, c, now_mono);
        return;
    case PROGRESS_LINES:
        if (!p->drawn || counts_changed(&p->last, c) || now_mono - p->last_draw >= LINES_HEARTBEAT)
            emit(p, c, now_mono);
        return;
    }
}

void
progress_finish(struct progress *p, const struct progress_counts *c)
{
    if (p->mode == PROGRESS_OFF)
        return;
    /* A line already showing exactly these counts is not repeated (LINES mode). */
    if (p->mode == PROGRESS_TTY || !p->drawn || counts_changed(&p->last, c))
        emit(p, c, p->last_draw);
    if (p->open_line) {
        fputc('\n', p->out);
        fflush(p->out);
        p->open_line = false;
    }
}
