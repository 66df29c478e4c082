/*
 * clock.h -- the one source of "now" for the engine, the client and the simulator.
 *
 * A clock is real time, a fixed instant (unit tests), or simulated time that runs `scale`
 * times faster than real time from a base instant (the simulator's --time-scale, and the
 * engine when it follows a simulator's clock). Sleeping on a scaled clock sleeps
 * secs/scale real seconds; sleeping on a fixed clock just moves it forward.
 */
#ifndef SBX_CLOCK_H
#define SBX_CLOCK_H

#include <stdbool.h>

struct sbx_clock {
    double base_sim;  /* simulated epoch seconds at base_mono */
    double base_mono; /* CLOCK_MONOTONIC seconds when base_sim was taken */
    double scale;     /* simulated seconds per real second; 1 for real time */
    bool fixed;       /* if true, now is base_sim and never moves on its own */
};

/* Monotonic seconds (CLOCK_MONOTONIC). */
double clock_mono(void);
/* Wall-clock epoch seconds (CLOCK_REALTIME). */
double clock_wall(void);

void clock_init_real(struct sbx_clock *c);
void clock_init_fixed(struct sbx_clock *c, double now);
/* Simulated time equal to `now` at this instant, running `scale` times real time. */
void clock_init_scaled(struct sbx_clock *c, double now, double scale);

/* Current time in epoch seconds (fractional). */
double clock_now(const struct sbx_clock *c);
/* Moves simulated time forward by secs (fixed and scaled clocks; no-op on a real clock). */
void clock_advance(struct sbx_clock *c, double secs);
/* Sleeps secs of this clock's time; returns early (with -1) if interrupted by a signal. */
int clock_sleep(struct sbx_clock *c, double secs);
/* Real seconds that secs of this clock's time take. */
double clock_real_secs(const struct sbx_clock *c, double secs);

#endif
