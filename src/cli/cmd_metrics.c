/*
 * cmd_metrics.c -- `sandboxctl metrics`: the store's state in the Prometheus text exposition
 * format (version 0.0.4): accounts by state and kind, the close quota, the close queue,
 * creations in flight, quarantined accounts, hook failures by event and the time of the last
 * successful `run`. With --output FILE it replaces FILE atomically (a temporary file in the
 * same directory, fsync, rename), for node_exporter's textfile collector.
 */
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "cmd_util.h"
#include "store/store.h"
#include "util/grow.h"
#include "util/log.h"

const char cmd_metrics_usage[] = "usage: sandboxctl metrics [--output FILE]";

struct acct_count {
    char state[24];
    char kind[64];
    int64_t n;
};

/* A count per hook event. */
struct event_counts {
    int64_t n[CFG_HOOK_EVENT_COUNT];
    int64_t other; /* events this binary does not know (newer/older stores) */
};

struct metrics {
    FILE *fp;
    struct acct_count *rows;
    size_t nrows, cap;
    int64_t by_state[ENGINE_S_COUNT];
    struct event_counts hook_failures;
    struct event_counts events_queued;
};

/* A label value with \, " and newline escaped, as the text format requires. */
static void
put_label(FILE *fp, const char *v)
{
    for (; *v != '\0'; v++) {
        if (*v == '\\' || *v == '"')
            fprintf(fp, "\\%c", *v);
        else if (*v == '\n')
            fputs("\\n", fp);
        else
            fputc(*v, fp);
    }
}

static void
header(FILE *fp, const char *name, const char *type, const char *help)
{
    fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int
acct_row(void *arg, const char *state, const char *kind, int64_t n)
{
    struct metrics *m = arg;
    struct acct_count *r = grow_slot(&m->rows, m->nrows, &m->cap, sizeof(*r));
    enum engine_state st;

    if (r == NULL)
        return -1;
    snprintf(r->state, sizeof(r->state), "%s", state);
    snprintf(r->kind, sizeof(r->kind), "%s", kind);
    r->n = n;
    m->nrows++;
    if (engine_state_parse(state, &st) == 0)
        m->by_state[st] += n;
    return 0;
}

static int
event_row(void *arg, const char *event, int64_t n)
{
    struct event_counts *c = arg;

    for (int ev = 0; ev < CFG_HOOK_EVENT_COUNT; ev++) {
        if (strcmp(event, cfg_hook_event_name((enum cfg_hook_event)ev)) == 0) {
            c->n[ev] += n;
            return 0;
        }
    }
    c->other += n;
    return 0;
}

/* One series per event (0 when none, so alerts see it), plus "other" when the store has
 * events this binary does not know. */
static void
print_event_counts(FILE *fp, const char *name, const char *type, const char *help,
                   const struct event_counts *c)
{
    header(fp, name, type, help);
    for (int ev = 0; ev < CFG_HOOK_EVENT_COUNT; ev++)
        fprintf(fp, "%s{event=\"%s\"} %lld\n", name, cfg_hook_event_name((enum cfg_hook_event)ev),
                (long long)c->n[ev]);
    if (c->other > 0)
        fprintf(fp, "%s{event=\"other\"} %lld\n", name, (long long)c->other);
}

static bool
has_row(const struct metrics *m, const char *state, const char *kind)
{
    for (size_t i = 0; i < m->nrows; i++)
        if (strcmp(m->rows[i].state, state) == 0 && strcmp(m->rows[i].kind, kind) == 0)
            return true;
    return false;
}

/* Every state of every configured kind (0 when empty, so alerts see the series), plus the
 * pairs the store has for kinds no longer configured. */
static void
print_accounts(const struct metrics *m, const struct sbx_config *cfg)
{
    header(m->fp, "sandboxctl_accounts", "gauge", "Accounts in the store by state and kind.");
    for (size_t i = 0; i < m->nrows; i++) {
        fputs("sandboxctl_accounts{state=\"", m->fp);
        put_label(m->fp, m->rows[i].state);
        fputs("\",kind=\"", m->fp);
        put_label(m->fp, m->rows[i].kind);
        fprintf(m->fp, "\"} %lld\n", (long long)m->rows[i].n);
    }
    for (int k = 0; k < cfg->nkinds; k++) {
        for (int s = 0; s < ENGINE_S_COUNT; s++) {
            const char *state = engine_state_name((enum engine_state)s);

            if (has_row(m, state, cfg->kinds[k].name))
                continue;
            fprintf(m->fp, "sandboxctl_accounts{state=\"%s\",kind=\"", state);
            put_label(m->fp, cfg->kinds[k].name);
            fputs("\"} 0\n", m->fp);
        }
    }
}

/* Writes to a temporary file next to path and renames it over path. */
static int
open_output(const char *path, char *tmp, size_t n, FILE **fp)
{
    int fd;

    if (snprintf(tmp, n, "%s.tmp.XXXXXX", path) >= (int)n) {
        log_error("metrics: output path '%s' is too long", path);
        return -1;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        log_error("metrics: cannot create a temporary file next to '%s': %s", path,
                  strerror(errno));
        return -1;
    }
    /* Readable by node_exporter, which usually runs as another user. */
    if (fchmod(fd, 0644) != 0 || (*fp = fdopen(fd, "w")) == NULL) {
        log_error("metrics: cannot prepare '%s': %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int
close_output(FILE *fp, const char *tmp, const char *path)
{
    int failed = fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0;
    int saved = errno;

    if (fclose(fp) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (!failed && rename(tmp, path) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        log_error("metrics: cannot write '%s': %s", path, strerror(saved));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int
last_run_path(const struct sbx_ctx *ctx, char *buf, size_t n)
{
    if (ctx->cfg == NULL || ctx->cfg->store == NULL)
        return -1;
    return snprintf(buf, n, "%s.last-run", ctx->cfg->store) < (int)n ? 0 : -1;
}

void
cmd_mark_run_ok(const struct sbx_ctx *ctx, int64_t now)
{
    char path[4096], tmp[4200];
    FILE *fp;
    int fd;

    if (last_run_path(ctx, path, sizeof(path)) != 0 ||
        snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
        return;
    fd = mkstemp(tmp);
    if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
        log_debug("run: cannot record the successful pass in '%s': %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        return;
    }
    fprintf(fp, "%lld\n", (long long)now);
    if (fclose(fp) != 0 || rename(tmp, path) != 0) {
        log_debug("run: cannot record the successful pass in '%s': %s", path, strerror(errno));
        unlink(tmp);
    }
}

int64_t
cmd_last_run_ok(const struct sbx_ctx *ctx)
{
    char path[4096];
    long long v = 0;
    FILE *fp;

    if (last_run_path(ctx, path, sizeof(path)) != 0 || (fp = fopen(path, "r")) == NULL)
        return 0;
    if (fscanf(fp, "%lld", &v) != 1 || v < 0)
        v = 0;
    fclose(fp);
    return (int64_t)v;
}

int
cmd_metrics(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct engine_quota_view v = { 0 };
    struct metrics m = { 0 };
    struct sbx_err err = { 0 };
    struct engine *e = NULL;
    const char *output = NULL;
    char tmp[4096];
    int64_t last_ok = 0;
    int rc;
    const struct cmd_opt opt[] = {
        { .name = "output", 'o', CMD_OPT_STRING, &output },
        CMD_OPT_END_NO_OPERANDS,
    };

    if ((rc = cmd_parse_opts("metrics", cmd_metrics_usage, opt, argc, argv)) != 0)
        return rc;
    if (output != NULL && output[0] == '\0')
        return cmd_usage_error(cmd_metrics_usage, "--output needs a file name");
    rc = cmd_engine_open(ctx, "metrics", false, NULL, &e);
    if (rc != 0)
        return rc;
    last_ok = cmd_last_run_ok(ctx);
    /* Everything is read before anything is written: a failed read leaves the old file. */
    if (store_metrics_accounts(ctx->store, acct_row, &m, &err) != 0 ||
        store_metrics_hook_failures(ctx->store, event_row, &m.hook_failures, &err) != 0 ||
        store_metrics_hook_events_queued(ctx->store, event_row, &m.events_queued, &err) != 0 ||
        engine_quota(e, &v, &err) != 0) {
        if (err.code == SBX_E_OK)
            sbx_err_nomem(&err);
        rc = cmd_fail("metrics", &err);
        goto out;
    }
    if (output != NULL) {
        if (open_output(output, tmp, sizeof(tmp), &m.fp) != 0) {
            rc = SBX_EXIT_FAILURE;
            goto out;
        }
    } else {
        m.fp = stdout;
    }
    print_accounts(&m, ctx->cfg);
    header(m.fp, "sandboxctl_pool_size", "gauge",
           "Fresh accounts each kind's warm pool keeps ready (its accounts are state pooled).");
    for (int k = 0; k < ctx->cfg->nkinds; k++) {
        fputs("sandboxctl_pool_size{kind=\"", m.fp);
        put_label(m.fp, ctx->cfg->kinds[k].name);
        fprintf(m.fp, "\"} %d\n", ctx->cfg->kinds[k].pool_size);
    }
    header(m.fp, "sandboxctl_close_quota", "gauge",
           "Account closures allowed per rolling 30 days.");
    fprintf(m.fp, "sandboxctl_close_quota %d\n", v.quota);
    header(m.fp, "sandboxctl_close_quota_used", "gauge",
           "Account closures counted against the quota in the last 30 days.");
    fprintf(m.fp, "sandboxctl_close_quota_used %d\n", v.used);
    header(m.fp, "sandboxctl_close_quota_free", "gauge", "Closures still allowed now.");
    fprintf(m.fp, "sandboxctl_close_quota_free %d\n", v.free_slots);
    header(m.fp, "sandboxctl_close_queue_length", "gauge",
           "Nuked accounts waiting for a close slot.");
    fprintf(m.fp, "sandboxctl_close_queue_length %zu\n", v.nqueue);
    header(m.fp, "sandboxctl_creations_in_flight", "gauge",
           "Accounts requested or being created (CreateAccount not finished).");
    fprintf(m.fp, "sandboxctl_creations_in_flight %lld\n",
            (long long)(m.by_state[ENGINE_S_REQUESTED] + m.by_state[ENGINE_S_CREATING]));
    header(m.fp, "sandboxctl_quarantined_accounts", "gauge",
           "Accounts quarantined after failed nukes (state nuke_failed).");
    fprintf(m.fp, "sandboxctl_quarantined_accounts %lld\n",
            (long long)m.by_state[ENGINE_S_NUKE_FAILED]);
    print_event_counts(m.fp, "sandboxctl_hook_failures_total", "counter",
                       "Hook runs that failed, timed out or could not run, by event.",
                       &m.hook_failures);
    print_event_counts(m.fp, "sandboxctl_hook_events_queued", "gauge",
                       "Hook events (nuke-failed, quarantined, close-failed) queued and not yet "
                       "delivered, by event.",
                       &m.events_queued);
    header(m.fp, "sandboxctl_last_successful_run_timestamp_seconds", "gauge",
           "When the last run pass without errors ended (Unix time; 0 = never).");
    fprintf(m.fp, "sandboxctl_last_successful_run_timestamp_seconds %lld\n", (long long)last_ok);
    if (output != NULL) {
        rc = close_output(m.fp, tmp, output) == 0 ? SBX_EXIT_OK : SBX_EXIT_FAILURE;
    } else {
        rc = fflush(stdout) == 0 && !ferror(stdout) ? SBX_EXIT_OK : SBX_EXIT_FAILURE;
        if (rc != SBX_EXIT_OK)
            log_error("metrics: cannot write to standard output");
    }
out:
    free(m.rows);
    engine_quota_view_release(&v);
    engine_free(e);
    return rc;
}
