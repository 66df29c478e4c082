/*
 * clock.h -- the one source of "now" for the engine, the client and the simulator.
 *
 * A clock is real time, a fixed instant (unit tests), or simulated time that runs `scale`
 * times faster than real time from a base instant (the simulator's --time-scale, and the
 * engine when it follows a simulator's clock). Sleeping on a scaled clock sleeps
 * secs/scale real seconds; sleeping on a fixed clock just moves it forward. A scaled clock
 * can be paused: it stands still at the current instant until advanced or resumed (then it
 * runs again from where it stopped), and sleeping on it still takes secs/scale real seconds
 * without moving it -- a client following a paused simulator waits in real time for the test
 * to move the simulator's clock, rather than spinning through simulated waits.
 */
#ifndef SBX_CLOCK_H
#define SBX_CLOCK_H

#include <stdbool.h>

struct sbx_clock {
    double base_sim;  /* simulated epoch seconds at base_mono */
    double base_mono; /* CLOCK_MONOTONIC seconds when base_sim was taken */
    double scale;     /* simulated seconds per real second; 1 for real time */
    bool fixed;       /* if true, now is base_sim and never moves on its own */
    bool paused;      /* if true, now is base_sim until advanced or resumed; sleeps are real */
};

/* The latest instant any clock may show: 9999-12-31T23:59:59Z. Later times overflow the
 * calendar functions and, a little further on, a 64-bit count of seconds converted from a
 * double; a simulator or client refuses to move a clock past it. */
#define CLOCK_MAX_TIME 253402300799.0
/* The fastest a simulated clock may run (simulated seconds per real second). */
#define CLOCK_MAX_SCALE 1e7

/* Monotonic seconds (CLOCK_MONOTONIC). */
double clock_mono(void);
/* Wall-clock epoch seconds (CLOCK_REALTIME). */
double clock_wall(void);

void clock_init_real(struct sbx_clock *c);
void clock_init_fixed(struct sbx_clock *c, double now);
/* Simulated time equal to `now` at this instant, running `scale` times real time. */
void clock_init_scaled(struct sbx_clock *c, double now, double scale);
/* The same clock, paused at `now` (see clock_pause). */
void clock_init_paused(struct sbx_clock *c, double now, double scale);

/* Current time in epoch seconds (fractional). */
double clock_now(const struct sbx_clock *c);
/* Moves simulated time forward by secs (fixed and scaled clocks; no-op on a real clock). */
void clock_advance(struct sbx_clock *c, double secs);
/* Sleeps secs of this clock's time; returns early (with -1) if interrupted by a signal. */
int clock_sleep(struct sbx_clock *c, double secs);
/* Pauses a scaled clock at its current instant / lets it run again from there (no-ops when
 * it already is paused / running, and on a fixed clock). A real clock must not be paused. */
void clock_pause(struct sbx_clock *c);
void clock_resume(struct sbx_clock *c);
/* True when now (epoch seconds) is in (0, CLOCK_MAX_TIME] and scale in (0, CLOCK_MAX_SCALE]:
 * what a client accepts from a simulator's clock. */
bool clock_plausible(double now, double scale);
/* Real seconds that secs of this clock's time take. */
double clock_real_secs(const struct sbx_clock *c, double secs);

#endif
