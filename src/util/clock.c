/* clock.c -- real, fixed and scaled clocks (see clock.h). */
#include "util/clock.h"

#include <errno.h>
#include <math.h>
#include <time.h>

static double
read_clock(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
clock_mono(void)
{
    return read_clock(CLOCK_MONOTONIC);
}

double
clock_wall(void)
{
    return read_clock(CLOCK_REALTIME);
}

void
clock_init_real(struct sbx_clock *c)
{
    c->base_sim = 0;
    c->base_mono = 0;
    c->scale = 1;
    c->fixed = false;
    c->paused = false;
}

void
clock_init_fixed(struct sbx_clock *c, double now)
{
    c->base_sim = now;
    c->base_mono = 0;
    c->scale = 1;
    c->fixed = true;
    c->paused = false;
}

void
clock_init_scaled(struct sbx_clock *c, double now, double scale)
{
    c->base_sim = now;
    c->base_mono = clock_mono();
    c->scale = scale > 0 ? scale : 1;
    c->fixed = false;
    c->paused = false;
}

void
clock_init_paused(struct sbx_clock *c, double now, double scale)
{
    clock_init_scaled(c, now, scale);
    c->paused = true;
}

double
clock_now(const struct sbx_clock *c)
{
    if (c == NULL)
        return clock_wall();
    if (c->fixed || c->paused)
        return c->base_sim;
    if (c->base_mono == 0 && c->scale == 1 && c->base_sim == 0)
        return clock_wall();
    return c->base_sim + (clock_mono() - c->base_mono) * c->scale;
}

void
clock_advance(struct sbx_clock *c, double secs)
{
    if (c->fixed || c->paused) {
        c->base_sim += secs;
    } else if (!(c->base_mono == 0 && c->scale == 1 && c->base_sim == 0)) {
        c->base_sim += secs;
    }
}

void
clock_pause(struct sbx_clock *c)
{
    if (c->fixed || c->paused)
        return;
    c->base_sim = clock_now(c);
    c->paused = true;
}

void
clock_resume(struct sbx_clock *c)
{
    if (!c->paused)
        return;
    c->base_mono = clock_mono();
    c->paused = false;
}

bool
clock_plausible(double now, double scale)
{
    return isfinite(now) && now > 0 && now <= CLOCK_MAX_TIME && isfinite(scale) && scale > 0 &&
           scale <= CLOCK_MAX_SCALE;
}

double
clock_real_secs(const struct sbx_clock *c, double secs)
{
    if (c == NULL || c->fixed)
        return c == NULL ? secs : 0;
    return secs / c->scale;
}

int
clock_sleep(struct sbx_clock *c, double secs)
{
    struct timespec ts;
    double real;

    if (secs <= 0)
        return 0;
    if (c != NULL && c->fixed) {
        c->base_sim += secs;
        return 0;
    }
    real = clock_real_secs(c, secs);
    ts.tv_sec = (time_t)floor(real);
    ts.tv_nsec = (long)((real - floor(real)) * 1e9);
    if (nanosleep(&ts, NULL) != 0 && errno == EINTR)
        return -1;
    return 0;
}
