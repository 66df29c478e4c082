/*
 * hook.c -- run-parts style execution of hook executables (the contract is in hook.h).
 *
 * Design: a batch of sequences (one per account) is driven by one polling loop in the
 * parent. Each sequence is a small state machine: "running executable k", advanced when the
 * runner (util/spawn.h) reports it done. The runner gives each executable its own process
 * group (a timeout signals the hook and everything it started: SIGTERM, then SIGKILL 5 s
 * later) and captures its output through a pipe, bounded by hooks.output_limit. The head of
 * the output goes to the log as it arrives, the rest once the executable is done (all of
 * it, or a note of what was left out and the tail). hook_run() is the batch of one.
 *
 * The environment is built from nothing: a fixed PATH, LC_ALL=C, HOME=/nonexistent (so
 * tools never read the operator's dotfiles, e.g. ~/.aws), SANDBOX_EVENT, the SANDBOX_*
 * variables of struct hook_env, the hooks.* settings hooks need (SANDBOX_NUKE_REGIONS,
 * SANDBOX_NUKE_CONFIG_DIR, SANDBOX_WEBHOOK_URL, SANDBOX_MAIL_FROM), the caller's extra
 * entries (which replace a variable of the same name), and last the AWS_* credentials when
 * hooks.pass_credentials lists the event. Entries holding secrets are wiped before they are freed.
 */
#include "hook/hook.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "aws/creds.h"
#include "util/clock.h"
#include "util/spawn.h"

#define HOOK_PATH         "/usr/sbin:/usr/bin:/sbin:/bin"
#define HOOK_HOME         "/nonexistent"
#define HOOK_KILL_GRACE   5.0   /* seconds between SIGTERM and SIGKILL */
#define HOOK_POLL_MIN     0.005 /* parent's polling interval while children run: starts */
#define HOOK_POLL_MAX     0.2   /* short after a change and backs off to this while idle */
#define HOOK_TAIL_BYTES   1024
#define HOOK_OUTPUT_LIMIT (1024 * 1024) /* hooks.output_limit default */
#ifndef S_ISVTX
#define S_ISVTX 01000 /* the sticky bit (XSI) */
#endif

/* --- the event directory ----------------------------------------------------------------- */

/* The executables of one event, sorted by name (strcmp: the C locale's lexical order). */
struct hook_list {
    char **names;
    char **paths;
    size_t n;
};

static void
list_release(struct hook_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->names[i]);
        free(l->paths[i]);
    }
    free(l->names);
    free(l->paths);
    memset(l, 0, sizeof(*l));
}

static bool
has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Names run-parts conventions leave alone: dotfiles, editor backups, disabled and samples. */
static bool
skipped_name(const char *name)
{
    return name[0] == '.' || has_suffix(name, "~") || has_suffix(name, ".disabled") ||
           has_suffix(name, ".sample");
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Refuses what someone other than us or root could change: `comp` (a component of `path`,
 * or path itself when final) must be owned by us or root and, unless it is a symbolic link,
 * not writable by group or others. A directory above the checked object may be writable by
 * others when it is sticky (like /tmp): nobody else can rename or remove our entries there.
 */
static int
check_component(const char *what, const char *path, const char *comp, const struct stat *st,
                bool final, struct sbx_err *err)
{
    uid_t me = geteuid();
    char where[4200] = "";

    if (strcmp(comp, path) != 0)
        snprintf(where, sizeof(where), " '%s':", comp);
    if (st->st_uid != me && st->st_uid != 0) {
        sbx_err_set(err, SBX_E_HOOK, "refusing %s '%s':%s owned by uid %ld, not by uid %ld or root",
                    what, path, where, (long)st->st_uid, (long)me);
        return -1;
    }
    if (S_ISLNK(st->st_mode))
        return 0;
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) &&
        (final || !S_ISDIR(st->st_mode) || !(st->st_mode & S_ISVTX))) {
        sbx_err_set(err, SBX_E_HOOK,
                    "refusing %s '%s':%s writable by group or others (mode %04o); chmod go-w it",
                    what, path, where, (unsigned)(st->st_mode & 07777));
        return -1;
    }
    return 0;
}

/*
 * Checks path the way sudo and OpenSSH check their files: every component from '/' down is
 * lstat()ed and must pass check_component(); a symbolic link is followed only after its own
 * owner passed, and its target is then checked from '/' again. Returns 0 with *out the final
 * object's status, 1 when the path (or a link's target) does not exist, -1 when refused.
 */
static int
check_path(const char *what, const char *path, struct stat *out, struct sbx_err *err)
{
    char cur[4096], pre[4096];
    int links = 0;
    int w;

    if (path[0] == '/') {
        w = snprintf(cur, sizeof(cur), "%s", path);
    } else {
        char cwd[2048];

        if (getcwd(cwd, sizeof(cwd)) == NULL) {
            sbx_err_set(err, SBX_E_HOOK, "cannot check %s '%s': %s", what, path, strerror(errno));
            return -1;
        }
        w = snprintf(cur, sizeof(cur), "%s/%s", cwd, path);
    }
    if (w < 0 || (size_t)w >= sizeof(cur))
        goto too_long;
restart:
    if (lstat("/", out) != 0 || check_component(what, path, "/", out, false, err) != 0) {
        if (err->code == SBX_E_OK)
            sbx_err_set(err, SBX_E_HOOK, "cannot check '/': %s", strerror(errno));
        return -1;
    }
    pre[0] = '\0';
    for (const char *p = cur;;) {
        size_t n, plen;
        bool last;

        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        n = strcspn(p, "/");
        if (n == 1 && p[0] == '.') {
            p += n;
            continue;
        }
        plen = strlen(pre);
        if (plen + 1 + n >= sizeof(pre))
            goto too_long;
        pre[plen] = '/';
        memcpy(pre + plen + 1, p, n);
        pre[plen + 1 + n] = '\0';
        p += n;
        last = p[strspn(p, "/")] == '\0';
        if (lstat(pre, out) != 0) {
            if (errno == ENOENT || errno == ENOTDIR)
                return 1;
            sbx_err_set(err, SBX_E_HOOK, "cannot check %s '%s': '%s': %s", what, path, pre,
                        strerror(errno));
            return -1;
        }
        if (S_ISLNK(out->st_mode)) {
            char target[4096], next[4096];
            ssize_t tl;

            if (check_component(what, path, pre, out, last, err) != 0)
                return -1;
            if (++links > 40) {
                sbx_err_set(err, SBX_E_HOOK, "refusing %s '%s': too many symbolic links", what,
                            path);
                return -1;
            }
            tl = readlink(pre, target, sizeof(target) - 1);
            if (tl < 0) {
                sbx_err_set(err, SBX_E_HOOK, "cannot check %s '%s': '%s': %s", what, path, pre,
                            strerror(errno));
                return -1;
            }
            target[tl] = '\0';
            if (target[0] == '/') {
                w = snprintf(next, sizeof(next), "%s%s", target, p);
            } else {
                char *slash = strrchr(pre, '/');

                *slash = '\0';
                w = snprintf(next, sizeof(next), "%s/%s%s", pre, target, p);
            }
            if (w < 0 || (size_t)w >= sizeof(next))
                goto too_long;
            memcpy(cur, next, (size_t)w + 1);
            goto restart;
        }
        if (check_component(what, path, pre, out, last, err) != 0)
            return -1;
    }
    return 0;
too_long:
    sbx_err_set(err, SBX_E_HOOK, "cannot check %s '%s': path too long", what, path);
    return -1;
}

static int
event_dir(const struct cfg_hooks *hc, enum cfg_hook_event ev, char *buf, size_t n,
          struct sbx_err *err)
{
    int len;

    if ((int)ev < 0 || ev >= CFG_HOOK_EVENT_COUNT) {
        sbx_err_set(err, SBX_E_HOOK, "unknown hook event %d", (int)ev);
        return -1;
    }
    if (hc->dir == NULL || hc->dir[0] == '\0') {
        buf[0] = '\0';
        return 0;
    }
    len = snprintf(buf, n, "%s/%s.d", hc->dir, cfg_hook_event_name(ev));
    if (len < 0 || (size_t)len >= n) {
        sbx_err_set(err, SBX_E_HOOK, "hooks directory path too long: '%s'", hc->dir);
        return -1;
    }
    return 0;
}

/*
 * Lists the event's executables. A missing directory (or no hooks.dir) is an empty list.
 * Fails on an unreadable directory and on any unsafe file, naming it.
 */
static int
scan_event(const struct cfg_hooks *hc, enum cfg_hook_event ev, struct hook_list *out,
           struct sbx_err *err)
{
    char dir[4096];
    DIR *d = NULL;
    struct dirent *de;
    struct stat st;
    size_t cap = 0;
    int rc = -1, found;

    memset(out, 0, sizeof(*out));
    if (event_dir(hc, ev, dir, sizeof(dir), err) != 0)
        return -1;
    if (dir[0] == '\0')
        return 0;
    /* hooks.dir first, strictly: whoever may write there may swap the event directory. */
    found = check_path("hooks directory", hc->dir, &st, err);
    if (found != 0)
        return found > 0 ? 0 : -1;
    found = check_path("hook directory", dir, &st, err);
    if (found != 0)
        return found > 0 ? 0 : -1;
    if (!S_ISDIR(st.st_mode)) {
        sbx_err_set(err, SBX_E_HOOK, "hook directory '%s' is not a directory", dir);
        return -1;
    }
    d = opendir(dir);
    if (d == NULL) {
        sbx_err_set(err, SBX_E_HOOK, "cannot open hook directory '%s': %s", dir, strerror(errno));
        return -1;
    }
    for (;;) {
        char path[4096];
        int len;

        errno = 0;
        de = readdir(d);
        if (de == NULL) {
            if (errno != 0) {
                sbx_err_set(err, SBX_E_HOOK, "cannot read hook directory '%s': %s", dir,
                            strerror(errno));
                goto out;
            }
            break;
        }
        if (skipped_name(de->d_name))
            continue;
        len = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (len < 0 || (size_t)len >= sizeof(path)) {
            sbx_err_set(err, SBX_E_HOOK, "hook path too long in '%s'", dir);
            goto out;
        }
        /* A symlink to a shipped hook is the usual way to enable it: followed when the
         * link and its target pass. */
        found = check_path("hook", path, &st, err);
        if (found < 0)
            goto out;
        if (found > 0) {
            sbx_err_set(err, SBX_E_HOOK, "refusing hook '%s': a symbolic link to nothing", path);
            goto out;
        }
        if (!S_ISREG(st.st_mode)) {
            sbx_err_set(err, SBX_E_HOOK, "refusing hook '%s': not a regular file", path);
            goto out;
        }
        if (!(st.st_mode & S_IXUSR) || access(path, X_OK) != 0) {
            sbx_err_set(err, SBX_E_HOOK,
                        "refusing hook '%s': not executable (chmod +x it, or rename it to end "
                        "in .disabled)",
                        path);
            goto out;
        }
        if (out->n == cap) {
            size_t ncap = cap == 0 ? 8 : cap * 2;
            char **names = realloc(out->names, ncap * sizeof(*names));

            if (names == NULL)
                goto nomem;
            out->names = names;
            char **paths = realloc(out->paths, ncap * sizeof(*paths));
            if (paths == NULL)
                goto nomem;
            out->paths = paths;
            cap = ncap;
        }
        out->names[out->n] = strdup(de->d_name);
        if (out->names[out->n] == NULL)
            goto nomem;
        out->paths[out->n] = NULL;
        out->n++;
    }
    if (out->n > 1)
        qsort(out->names, out->n, sizeof(*out->names), cmp_names);
    for (size_t i = 0; i < out->n; i++) {
        size_t len = strlen(dir) + 1 + strlen(out->names[i]) + 1;

        out->paths[i] = malloc(len);
        if (out->paths[i] == NULL)
            goto nomem;
        snprintf(out->paths[i], len, "%s/%s", dir, out->names[i]);
    }
    rc = 0;
    goto out;
nomem:
    sbx_err_nomem(err);
out:
    if (d != NULL)
        closedir(d);
    if (rc != 0)
        list_release(out);
    return rc;
}

bool
hook_event_has_hooks(const struct cfg_hooks *hc, enum cfg_hook_event ev)
{
    struct hook_list l;
    struct sbx_err err = { 0 };
    bool any;

    /* An unsafe or unreadable directory counts as "has hooks": hook_run() then reports it
     * instead of the hooks being skipped silently. */
    if (scan_event(hc, ev, &l, &err) != 0)
        return true;
    any = l.n > 0;
    list_release(&l);
    return any;
}

/* --- the environment --------------------------------------------------------------------- */

struct envb {
    char **v;     /* "KEY=VALUE" strings, NULL-terminated when finished */
    bool *secret; /* wipe before free */
    size_t n, cap;
};

static void
envb_release(struct envb *e)
{
    for (size_t i = 0; i < e->n; i++) {
        if (e->secret[i])
            OPENSSL_cleanse(e->v[i], strlen(e->v[i]));
        free(e->v[i]);
    }
    free(e->v);
    free(e->secret);
    memset(e, 0, sizeof(*e));
}

/* Adds (or replaces) key=value. */
static int
envb_put(struct envb *e, const char *key, size_t keylen, const char *value, bool secret,
         struct sbx_err *err)
{
    size_t vlen = strlen(value), len = keylen + 1 + vlen + 1;
    char *s;
    int w;

    s = malloc(len);
    if (s == NULL)
        goto nomem;
    w = snprintf(s, len, "%.*s=%s", (int)keylen, key, value);
    if (w < 0 || (size_t)w != len - 1) {
        OPENSSL_cleanse(s, len);
        free(s);
        sbx_err_set(err, SBX_E_HOOK, "cannot build hook environment entry '%.*s'", (int)keylen,
                    key);
        return -1;
    }
    for (size_t i = 0; i < e->n; i++) {
        if (strncmp(e->v[i], key, keylen) == 0 && e->v[i][keylen] == '=') {
            if (e->secret[i])
                OPENSSL_cleanse(e->v[i], strlen(e->v[i]));
            free(e->v[i]);
            e->v[i] = s;
            e->secret[i] = secret;
            return 0;
        }
    }
    if (e->n + 2 > e->cap) {
        size_t ncap = e->cap == 0 ? 32 : e->cap * 2;
        char **v = realloc(e->v, ncap * sizeof(*v));

        if (v == NULL)
            goto nomem_s;
        e->v = v;
        bool *sec = realloc(e->secret, ncap * sizeof(*sec));
        if (sec == NULL)
            goto nomem_s;
        e->secret = sec;
        e->cap = ncap;
    }
    e->v[e->n] = s;
    e->secret[e->n] = secret;
    e->n++;
    e->v[e->n] = NULL;
    return 0;
nomem_s:
    if (secret)
        OPENSSL_cleanse(s, strlen(s));
    free(s);
nomem:
    return sbx_err_nomem(err);
}

static int
envb_set(struct envb *e, const char *key, const char *value, struct sbx_err *err)
{
    if (value == NULL)
        return 0;
    return envb_put(e, key, strlen(key), value, false, err);
}

/* Settings from the config that hooks use; set only when configured and non-empty. */
static int
envb_set_nonempty(struct envb *e, const char *key, const char *value, struct sbx_err *err)
{
    if (value == NULL || value[0] == '\0')
        return 0;
    return envb_put(e, key, strlen(key), value, false, err);
}

static bool
valid_env_key(const char *s, size_t n)
{
    if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

/* Extra entries that hold secrets are wiped like the credentials. */
static bool
secret_key(const char *entry)
{
    return strncmp(entry, "AWS_SECRET_ACCESS_KEY=", 22) == 0 ||
           strncmp(entry, "AWS_SESSION_TOKEN=", 18) == 0;
}

static int
build_env(const struct cfg_hooks *hc, enum cfg_hook_event ev, const struct hook_env *env,
          const struct creds *creds, struct envb *e, struct sbx_err *err)
{
    memset(e, 0, sizeof(*e));
    if (envb_set(e, "PATH", HOOK_PATH, err) != 0 || envb_set(e, "LC_ALL", "C", err) != 0 ||
        envb_set(e, "HOME", HOOK_HOME, err) != 0 ||
        envb_set(e, "SANDBOX_EVENT", cfg_hook_event_name(ev), err) != 0)
        goto fail;
    if (env != NULL) {
        if (envb_set(e, "SANDBOX_ACCOUNT_ID", env->account_id, err) != 0 ||
            envb_set(e, "SANDBOX_EMAIL", env->email, err) != 0 ||
            envb_set(e, "SANDBOX_ACCOUNT_NAME", env->name, err) != 0 ||
            envb_set(e, "SANDBOX_OWNER", env->owner, err) != 0 ||
            envb_set(e, "SANDBOX_KIND", env->kind, err) != 0 ||
            envb_set(e, "SANDBOX_CLASS", env->class_name, err) != 0 ||
            envb_set(e, "SANDBOX_EXPIRES_AT", env->expires_at, err) != 0 ||
            envb_set(e, "SANDBOX_REASON", env->reason, err) != 0 ||
            envb_set(e, "SANDBOX_ROLE_ARN", env->role_arn, err) != 0 ||
            envb_set(e, "SANDBOX_WARN_OFFSET", env->warn_offset, err) != 0 ||
            envb_set(e, "SANDBOX_CONFIG", env->config_path, err) != 0)
            goto fail;
        if (env->dry_run && envb_set(e, "SANDBOX_DRY_RUN", "1", err) != 0)
            goto fail;
    }
    if (envb_set_nonempty(e, "SANDBOX_NUKE_REGIONS", hc->nuke_regions, err) != 0 ||
        envb_set_nonempty(e, "SANDBOX_NUKE_CONFIG_DIR", hc->nuke_config_dir, err) != 0 ||
        envb_set_nonempty(e, "SANDBOX_WEBHOOK_URL", hc->webhook_url, err) != 0 ||
        envb_set_nonempty(e, "SANDBOX_MAIL_FROM", hc->mail_from, err) != 0)
        goto fail;
    if (env != NULL && env->extra != NULL) {
        for (const char *const *x = env->extra; *x != NULL; x++) {
            const char *eq = strchr(*x, '=');

            if (eq == NULL || !valid_env_key(*x, (size_t)(eq - *x))) {
                sbx_err_set(err, SBX_E_HOOK, "invalid hook environment entry '%.64s'", *x);
                goto fail;
            }
            if (envb_put(e, *x, (size_t)(eq - *x), eq + 1, secret_key(*x), err) != 0)
                goto fail;
        }
    }
    if (hc->pass_credentials[ev] && creds != NULL && creds->access_key_id != NULL &&
        creds->secret_access_key != NULL) {
        if (envb_put(e, "AWS_ACCESS_KEY_ID", strlen("AWS_ACCESS_KEY_ID"), creds->access_key_id,
                     false, err) != 0 ||
            envb_put(e, "AWS_SECRET_ACCESS_KEY", strlen("AWS_SECRET_ACCESS_KEY"),
                     creds->secret_access_key, true, err) != 0)
            goto fail;
        if (creds->session_token != NULL && creds->session_token[0] != '\0' &&
            envb_put(e, "AWS_SESSION_TOKEN", strlen("AWS_SESSION_TOKEN"), creds->session_token,
                     true, err) != 0)
            goto fail;
    }
    return 0;
fail:
    envb_release(e);
    return -1;
}

/* --- the log ----------------------------------------------------------------------------- */

/* mkdir -p, creating missing components 0700. */
static int
mkdirs(const char *path, struct sbx_err *err)
{
    char buf[4096];
    size_t n = strlen(path);

    if (n == 0 || n >= sizeof(buf)) {
        sbx_err_set(err, SBX_E_HOOK, "invalid hook log directory '%s'", path);
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];

        buf[i] = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
            sbx_err_set(err, SBX_E_HOOK, "cannot create hook log directory '%s': %s", buf,
                        strerror(errno));
            return -1;
        }
        buf[i] = saved;
    }
    return 0;
}

/* Account ids and names become part of a file name: keep [A-Za-z0-9._-] only. */
static void
safe_component(const char *s, char *out, size_t n)
{
    size_t j = 0;

    if (s == NULL || s[0] == '\0')
        s = "none";
    for (size_t i = 0; s[i] != '\0' && j + 1 < n; i++) {
        char c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';

        out[j++] = ok ? c : '_';
    }
    out[j] = '\0';
    if (out[0] == '.')
        out[0] = '_';
}

/*
 * Moves fd above standard error (a caller started with stdio closed would otherwise get its
 * log or /dev/null as fd 0-2, and the child's dup2() calls would clobber one with another).
 * Returns the new close-on-exec fd, or -1 with fd closed.
 */
static int
fd_above_stdio(int fd)
{
    int nfd;

    if (fd < 0 || fd > STDERR_FILENO)
        return fd;
    nfd = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    close(fd);
    return nfd;
}

/* Creates this run's log file (0600, never reusing an existing name). */
static int
open_log(const struct cfg_hooks *hc, enum cfg_hook_event ev, const struct hook_env *env, char *path,
         size_t pathlen, int *fd, struct sbx_err *err)
{
    char acct[64], stamp[32];
    time_t now = time(NULL);
    struct tm tm;

    if (hc->log_dir == NULL || hc->log_dir[0] == '\0') {
        sbx_err_set(err, SBX_E_CONFIG, "hooks.log_dir is not set");
        return -1;
    }
    if (mkdirs(hc->log_dir, err) != 0)
        return -1;
    safe_component(env != NULL ? env->account_id : NULL, acct, sizeof(acct));
    if (gmtime_r(&now, &tm) == NULL || strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
        snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
    for (int attempt = 0; attempt < 1000; attempt++) {
        int len;

        if (attempt == 0)
            len = snprintf(path, pathlen, "%s/%s-%s-%s-%ld.log", hc->log_dir, acct,
                           cfg_hook_event_name(ev), stamp, (long)getpid());
        else
            len = snprintf(path, pathlen, "%s/%s-%s-%s-%ld-%d.log", hc->log_dir, acct,
                           cfg_hook_event_name(ev), stamp, (long)getpid(), attempt);
        if (len < 0 || (size_t)len >= pathlen) {
            sbx_err_set(err, SBX_E_HOOK, "hook log path too long under '%s'", hc->log_dir);
            return -1;
        }
        *fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
        if (*fd >= 0) {
            *fd = fd_above_stdio(*fd);
            if (*fd >= 0)
                return 0;
            break;
        }
        if (errno != EEXIST)
            break;
    }
    sbx_err_set(err, SBX_E_HOOK, "cannot create hook log '%s': %s", path, strerror(errno));
    path[0] = '\0';
    return -1;
}

/* Writes buf[0..len) to the log fd, whole (a log write that fails is given up). */
static void
log_bytes(int fd, const char *buf, size_t len)
{
    size_t off = 0;

    while (off < len) {
        ssize_t w = write(fd, buf + off, len - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

/* Best effort: a log line that cannot be written must not fail the hook itself. */
static void log_line(int fd, const char *fmt, ...) SBX_PRINTF(2, 3);

static void
log_line(int fd, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    log_bytes(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void
now_rfc3339(char *buf, size_t n)
{
    time_t now = time(NULL);
    struct tm tm;

    if (gmtime_r(&now, &tm) == NULL || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, n, "@%lld", (long long)now);
}

/*
 * Fills out (size n) with the last whole lines of the file, at most n - 1 bytes. Control
 * characters other than newline and tab become '?', so the tail is safe to print.
 */
static void
read_tail(const char *path, char *out, size_t n)
{
    char buf[HOOK_TAIL_BYTES * 2];
    int fd;
    off_t size, start;
    ssize_t got;
    size_t len, skip = 0, want = n - 1;

    out[0] = '\0';
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    size = lseek(fd, 0, SEEK_END);
    if (size <= 0) {
        close(fd);
        return;
    }
    if (want > sizeof(buf))
        want = sizeof(buf);
    start = size > (off_t)want ? size - (off_t)want : 0;
    got = pread(fd, buf, want, start);
    close(fd);
    if (got <= 0)
        return;
    len = (size_t)got;
    if (start > 0) {
        /* Started inside a line: drop its remainder, unless that would drop everything. */
        char *nl = memchr(buf, '\n', len);

        if (nl != NULL && (size_t)(nl - buf) + 1 < len)
            skip = (size_t)(nl - buf) + 1;
    }
    len -= skip;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[skip + i];

        out[i] = (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : (char)c;
    }
    out[len] = '\0';
}

/* --- running ----------------------------------------------------------------------------- */

/* One account's sequence of executables. */
struct seq {
    enum {
        SEQ_IDLE = 0,
        SEQ_RUNNING,
        SEQ_DONE
    } state;
    struct envb env;
    int logfd;
    size_t next;            /* index of the executable to start next */
    struct spawn_proc proc; /* the running executable */
    const char *name;       /* running executable's name (borrowed from the list) */
    size_t written;         /* bytes of its output already in the log */
    struct hook_result *out;
    struct sbx_err *err;
    char result_path[1100]; /* SANDBOX_RESULT_FILE; "" when it could not be set up */
    cJSON *results;         /* the documents collected so far, keyed by executable */
};

struct batch {
    const struct cfg_hooks *hc;
    enum cfg_hook_event ev;
    const struct hook_list *list;
    size_t limit; /* bytes of output kept per executable */
};

/* Copies the head of the output to the log as it arrives (what lies beyond the head is kept
 * back until the end: it may turn out to be the middle that is left out). */
static void
log_output_head(const struct batch *b, struct seq *s)
{
    const struct spawn_capture *c = &s->proc.out;
    size_t head = b->limit / 2, avail = c->len < head ? c->len : head;

    if (avail > s->written) {
        log_bytes(s->logfd, c->buf + s->written, avail - s->written);
        s->written = avail;
    }
}

/* Once the executable is done: the rest of its output, or the note and the tail. */
static void
log_output_rest(const struct batch *b, struct seq *s)
{
    const struct spawn_capture *c = &s->proc.out;

    log_output_head(b, s);
    if (!spawn_truncated(c)) {
        log_bytes(s->logfd, c->buf + s->written, c->len - s->written);
    } else {
        if (c->len > 0 && c->buf[c->head - 1] != '\n')
            log_line(s->logfd, "\n");
        log_line(s->logfd,
                 "[output truncated: %llu bytes of %llu left out (hooks.output_limit %zu)]\n",
                 (unsigned long long)(c->total - c->len), (unsigned long long)c->total, b->limit);
        log_bytes(s->logfd, c->buf + c->head, c->len - c->head);
    }
    if (c->len > 0 && c->buf[c->len - 1] != '\n')
        log_line(s->logfd, "\n");
}

/* --- the result protocol ------------------------------------------------------------------ */

/* Empties the result file for the next executable. */
static void
result_reset(struct seq *s)
{
    int fd;

    if (s->result_path[0] == '\0')
        return;
    fd = open(s->result_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_line(s->logfd, "note: cannot prepare the result file '%s': %s\n", s->result_path,
                 strerror(errno));
        return;
    }
    close(fd);
}

/* Reads what the finished executable wrote to the result file, if anything, into s->results. */
static void
result_collect(struct seq *s)
{
    char buf[HOOK_RESULT_MAX + 1];
    struct stat st;
    const char *end = NULL;
    cJSON *doc;
    ssize_t got;
    size_t len = 0;
    int fd;

    if (s->result_path[0] == '\0')
        return;
    fd = open(s->result_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return; /* removed by the hook: nothing to collect */
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        log_line(s->logfd, "note: result of %s ignored: not a regular file\n", s->name);
        return;
    }
    while (len < sizeof(buf) && (got = read(fd, buf + len, sizeof(buf) - len)) > 0)
        len += (size_t)got;
    close(fd);
    if (len == 0)
        return;
    if (len > HOOK_RESULT_MAX) {
        log_line(s->logfd, "note: result of %s ignored: more than %d bytes\n", s->name,
                 HOOK_RESULT_MAX);
        return;
    }
    buf[len] = '\0';
    doc = strlen(buf) == len ? cJSON_ParseWithOpts(buf, &end, 1) : NULL;
    if (doc == NULL) {
        log_line(s->logfd, "note: result of %s ignored: not a JSON document\n", s->name);
        return;
    }
    if (s->results == NULL && (s->results = cJSON_CreateObject()) == NULL) {
        cJSON_Delete(doc);
        return;
    }
    if (!cJSON_AddItemToObject(s->results, s->name, doc)) {
        cJSON_Delete(doc);
        return;
    }
    {
        char *txt = cJSON_PrintUnformatted(s->results);

        if (txt == NULL || strlen(txt) >= sizeof(s->out->result)) {
            cJSON_DeleteItemFromObjectCaseSensitive(s->results, s->name);
            log_line(s->logfd, "note: result of %s ignored: the results exceed %zu bytes\n",
                     s->name, sizeof(s->out->result) - 1);
        } else {
            snprintf(s->out->result, sizeof(s->out->result), "%s", txt);
        }
        cJSON_free(txt);
    }
}

static int
spawn_next(struct batch *b, struct seq *s)
{
    char stamp[32];
    const char *argv[3];
    const char *path = b->list->paths[s->next];
    struct spawn_opts o = { 0 };

    s->name = b->list->names[s->next];
    result_reset(s);
    now_rfc3339(stamp, sizeof(stamp));
    log_line(s->logfd, "==> %s %s (started %s)\n", s->name, cfg_hook_event_name(b->ev), stamp);
    argv[0] = path;
    argv[1] = cfg_hook_event_name(b->ev);
    argv[2] = NULL;
    o.path = path;
    o.argv = argv;
    o.envp = (const char *const *)s->env.v;
    o.in = SPAWN_DEVNULL;
    o.out = SPAWN_CAPTURE;
    o.err = SPAWN_TO_STDOUT;
    o.out_limit = b->limit;
    o.timeout = b->hc->timeout > 0 ? (double)b->hc->timeout : 0;
    o.kill_grace = HOOK_KILL_GRACE;
    if (spawn_start(&o, &s->proc, s->err) != 0) {
        sbx_err_prefix(s->err, "hook '%s'", path);
        s->err->code = s->err->code == SBX_E_NOMEM ? SBX_E_NOMEM : SBX_E_HOOK;
        log_line(s->logfd, "<== %s: not started\n", s->name);
        return -1;
    }
    s->written = 0;
    s->state = SEQ_RUNNING;
    s->next++;
    s->out->ran++;
    return 0;
}

static void
seq_finish(struct seq *s)
{
    spawn_release(&s->proc);
    if (s->logfd >= 0) {
        close(s->logfd);
        s->logfd = -1;
    }
    if (s->out->log_path[0] != '\0')
        read_tail(s->out->log_path, s->out->tail, sizeof(s->out->tail));
    if (s->result_path[0] != '\0') {
        unlink(s->result_path);
        s->result_path[0] = '\0';
    }
    cJSON_Delete(s->results);
    s->results = NULL;
    envb_release(&s->env);
    s->state = SEQ_DONE;
}

/* Prepares and starts a sequence; on failure s->err is set and the sequence is DONE. */
static int
seq_start(struct batch *b, struct seq *s, const struct hook_env *env, const struct creds *creds)
{
    s->logfd = -1;
    memset(s->out, 0, sizeof(*s->out));
    sbx_err_clear(s->err);
    if (b->list->n == 0) {
        s->state = SEQ_DONE;
        return 0;
    }
    if (build_env(b->hc, b->ev, env, creds, &s->env, s->err) != 0)
        goto fail;
    if (open_log(b->hc, b->ev, env, s->out->log_path, sizeof(s->out->log_path), &s->logfd,
                 s->err) != 0)
        goto fail;
    /* Next to the log, in hooks.log_dir (created 0700). */
    if (snprintf(s->result_path, sizeof(s->result_path), "%s.result", s->out->log_path) >=
        (int)sizeof(s->result_path)) {
        sbx_err_set(s->err, SBX_E_HOOK, "hook result path too long under '%s'", b->hc->log_dir);
        s->result_path[0] = '\0';
        goto fail;
    }
    if (envb_set(&s->env, "SANDBOX_RESULT_FILE", s->result_path, s->err) != 0) {
        s->result_path[0] = '\0';
        goto fail;
    }
    if (spawn_next(b, s) != 0)
        goto fail;
    return 0;
fail:
    seq_finish(s);
    return -1;
}

/* Records the finished executable and starts the next one, or ends the sequence. */
static int
seq_executable_done(struct batch *b, struct seq *s)
{
    const struct spawn_proc *p = &s->proc;
    int status = spawn_status(p);
    bool signaled = spawn_signaled(p);

    log_output_rest(b, s);
    result_collect(s);
    if (p->timed_out && status == 0)
        status = 124; /* exited cleanly after the timeout: still a failure */
    log_line(s->logfd, "<== %s: %s %d after %.1fs%s\n", s->name, signaled ? "signal" : "exit",
             signaled ? status - 128 : status, clock_mono() - p->started,
             p->timed_out ? " (timed out)" : "");
    if (status != 0) {
        s->out->status = status;
        s->out->timed_out = p->timed_out;
        snprintf(s->out->failed, sizeof(s->out->failed), "%s", s->name);
        seq_finish(s);
        return 1;
    }
    spawn_release(&s->proc);
    if (s->next < b->list->n) {
        if (spawn_next(b, s) != 0) {
            seq_finish(s);
            return -1;
        }
        return 1;
    }
    seq_finish(s);
    return 1;
}

/*
 * Advances one running sequence without blocking. Returns 1 if something changed, 0 if still
 * waiting, -1 if the sequence ended with an error (s->err set).
 */
static int
seq_poll(struct batch *b, struct seq *s)
{
    uint64_t before = s->proc.out.total;

    if (!spawn_step(&s->proc)) {
        log_output_head(b, s);
        return s->proc.out.total != before ? 1 : 0;
    }
    return seq_executable_done(b, s);
}

size_t
hook_run_batch(const struct cfg_hooks *hc, enum cfg_hook_event ev, const struct hook_env *envs,
               size_t n, const struct creds *creds, struct hook_result *results,
               struct sbx_err *errs)
{
    struct hook_list list = { 0 };
    struct batch b;
    struct seq *seqs = NULL;
    struct pollfd *pfds = NULL;
    size_t failed = 0, started = 0, running = 0, parallel;
    struct sbx_err scan_err = { 0 };
    struct sigaction old_chld;
    bool restore_chld = false;
    double delay = HOOK_POLL_MIN;

    for (size_t i = 0; i < n; i++) {
        memset(&results[i], 0, sizeof(results[i]));
        sbx_err_clear(&errs[i]);
    }
    if (n == 0)
        return 0;
    if (scan_event(hc, ev, &list, &scan_err) != 0) {
        for (size_t i = 0; i < n; i++)
            errs[i] = scan_err;
        return n;
    }
    if (list.n == 0) {
        list_release(&list);
        return 0;
    }
    parallel = hc->parallel > 0 ? (size_t)hc->parallel : 1;
    seqs = calloc(n, sizeof(*seqs));
    pfds = calloc(parallel * 2, sizeof(*pfds));
    if (seqs == NULL || pfds == NULL) {
        for (size_t i = 0; i < n; i++)
            sbx_err_nomem(&errs[i]);
        free(seqs);
        free(pfds);
        list_release(&list);
        return n;
    }
    b.hc = hc;
    b.ev = ev;
    b.list = &list;
    b.limit = hc->output_limit > 0 ? (size_t)hc->output_limit : HOOK_OUTPUT_LIMIT;
    /* With SIGCHLD ignored the kernel would reap our children before waitpid() sees them. */
    if (sigaction(SIGCHLD, NULL, &old_chld) == 0 && old_chld.sa_handler == SIG_IGN) {
        struct sigaction dfl;

        memset(&dfl, 0, sizeof(dfl));
        dfl.sa_handler = SIG_DFL;
        restore_chld = sigaction(SIGCHLD, &dfl, NULL) == 0;
    }
    for (size_t i = 0; i < n; i++) {
        seqs[i].out = &results[i];
        seqs[i].err = &errs[i];
        seqs[i].logfd = -1;
    }
    while (started < n || running > 0) {
        bool progress = false;
        size_t npfd = 0;

        while (started < n && running < parallel) {
            struct seq *s = &seqs[started];

            if (seq_start(&b, s, &envs[started], creds) != 0)
                failed++;
            else if (s->state == SEQ_RUNNING)
                running++;
            started++;
            progress = true;
        }
        for (size_t i = 0; i < started; i++) {
            int r;

            if (seqs[i].state != SEQ_RUNNING)
                continue;
            r = seq_poll(&b, &seqs[i]);
            if (r != 0)
                progress = true;
            if (r < 0)
                failed++;
            if (seqs[i].state == SEQ_DONE)
                running--;
            else if (npfd + 2 <= parallel * 2)
                npfd += spawn_pollfds(&seqs[i].proc, pfds + npfd);
        }
        if (progress) {
            delay = HOOK_POLL_MIN;
        } else if (running > 0) {
            /* Output wakes us at once; an exit shows as end of file on the pipe unless a
             * leftover process holds it, hence the bounded, growing delay. */
            if (npfd > 0)
                (void)poll(pfds, (nfds_t)npfd, (int)(delay * 1000) + 1);
            else {
                struct timespec ts = { 0, (long)(delay * 1e9) };

                nanosleep(&ts, NULL);
            }
            delay = delay * 2 < HOOK_POLL_MAX ? delay * 2 : HOOK_POLL_MAX;
        }
    }
    if (restore_chld)
        (void)sigaction(SIGCHLD, &old_chld, NULL);
    free(pfds);
    free(seqs);
    list_release(&list);
    return failed;
}

int
hook_run(const struct cfg_hooks *hc, enum cfg_hook_event ev, const struct hook_env *env,
         const struct creds *creds, struct hook_result *out, struct sbx_err *err)
{
    static const struct hook_env none = { 0 };

    if (hook_run_batch(hc, ev, env != NULL ? env : &none, 1, creds, out, err) != 0)
        return -1;
    return 0;
}
