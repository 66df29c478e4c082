/*
 * creds.c -- AWS credentials resolved the way the AWS CLI resolves them (see creds.h).
 *
 * Chain (AWS-ORGANIZATIONS.md section 5.1, botocore's create_credential_resolver): the
 * environment (skipped for a profile given explicitly), then for the selected profile:
 * role_arn with source_profile or credential_source (STS AssumeRole), static keys in the
 * shared credentials file, credential_process, static keys in the config file. Profile
 * settings are read from the credentials file first, then the config file, as botocore merges
 * them. Every source that did not apply is remembered, so a failure lists them all.
 *
 * Secrets pass through file buffers, INI values, process output and JSON trees: each of them
 * is wiped with OPENSSL_cleanse before it is freed.
 */
#include "aws/creds.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
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

#include "aws/awscall.h"
#include "aws/endpoint.h"
#include "aws/retry.h"
#include "aws/sts.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/log.h"

#define MAX_ROLE_DEPTH     8
#define PROCESS_TIMEOUT    60
#define PROCESS_MAX_STDOUT (64 * 1024)
#define PROCESS_MAX_STDERR 1024
#define INI_MAX_FILE       (4 * 1024 * 1024)

/* --- INI files (section 5.2) ---------------------------------------------------------- */

struct ini_prop {
    char *key;    /* lowercase */
    char *value;  /* may hold a secret */
    char *parent; /* key of the parent property for nested sub-properties, else NULL */
};

struct ini_section {
    char kind[16]; /* "profile", "services", "sso-session" */
    char *name;
    struct ini_prop *props;
    size_t nprops, cap;
};

struct ini {
    char path[4096];
    bool present;
    struct ini_section *secs;
    size_t nsecs, cap;
};

static void
wipe_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static void
ini_free(struct ini *f)
{
    for (size_t i = 0; i < f->nsecs; i++) {
        struct ini_section *s = &f->secs[i];

        for (size_t j = 0; j < s->nprops; j++) {
            free(s->props[j].key);
            wipe_free(s->props[j].value);
            free(s->props[j].parent);
        }
        free(s->props);
        free(s->name);
    }
    free(f->secs);
    f->secs = NULL;
    f->nsecs = f->cap = 0;
}

static char *
trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* Cuts a comment that starts with '#' or ';' preceded by whitespace (inline comment). */
static void
cut_inline_comment(char *s)
{
    for (char *p = s; *p != '\0'; p++) {
        if ((*p == '#' || *p == ';') && p > s && (p[-1] == ' ' || p[-1] == '\t')) {
            *p = '\0';
            return;
        }
    }
}

static struct ini_section *
ini_add_section(struct ini *f, const char *kind, const char *name)
{
    struct ini_section *s;

    if (f->nsecs == f->cap) {
        size_t cap = f->cap == 0 ? 8 : f->cap * 2;
        struct ini_section *ns = realloc(f->secs, cap * sizeof(*ns));
        if (ns == NULL)
            return NULL;
        f->secs = ns;
        f->cap = cap;
    }
    s = &f->secs[f->nsecs];
    memset(s, 0, sizeof(*s));
    snprintf(s->kind, sizeof(s->kind), "%s", kind);
    s->name = strdup(name);
    if (s->name == NULL)
        return NULL;
    f->nsecs++;
    return s;
}

static int
ini_add_prop(struct ini_section *s, const char *key, const char *value, const char *parent)
{
    struct ini_prop *p;

    if (s->nprops == s->cap) {
        size_t cap = s->cap == 0 ? 8 : s->cap * 2;
        struct ini_prop *np = realloc(s->props, cap * sizeof(*np));
        if (np == NULL)
            return -1;
        s->props = np;
        s->cap = cap;
    }
    p = &s->props[s->nprops];
    p->key = strdup(key);
    p->value = strdup(value);
    p->parent = parent != NULL ? strdup(parent) : NULL;
    if (p->key == NULL || p->value == NULL || (parent != NULL && p->parent == NULL)) {
        free(p->key);
        wipe_free(p->value);
        free(p->parent);
        return -1;
    }
    for (char *c = p->key; *c != '\0'; c++)
        *c = (char)tolower((unsigned char)*c);
    s->nprops++;
    return 0;
}

/*
 * Classifies a section header's inner text. Config file: "default", "profile NAME",
 * "services NAME", "sso-session NAME"; credentials file: any bare NAME is a profile.
 * Returns false for sections that name nothing we read.
 */
static bool
section_kind(char *inner, bool config, const char **kind, const char **name)
{
    static const char *const kinds[] = { "profile", "services", "sso-session" };

    if (!config) {
        if (*inner == '\0' || strpbrk(inner, " \t") != NULL)
            return false;
        *kind = "profile";
        *name = inner;
        return true;
    }
    if (strcmp(inner, "default") == 0) {
        *kind = "profile";
        *name = inner;
        return true;
    }
    for (size_t i = 0; i < SBX_ARRAY_LEN(kinds); i++) {
        size_t n = strlen(kinds[i]);
        if (strncmp(inner, kinds[i], n) == 0 && (inner[n] == ' ' || inner[n] == '\t')) {
            char *nm = trim(inner + n);
            if (*nm == '\0' || strpbrk(nm, " \t") != NULL)
                return false;
            *kind = kinds[i];
            *name = nm;
            return true;
        }
    }
    return false;
}

/* Parses buf (NUL-terminated, modified in place) into f. */
static int
ini_parse(struct ini *f, char *buf, bool config)
{
    struct ini_section *cur = NULL;
    char *line = buf, *next;
    char *last_key = NULL; /* top-level key of the last property, for sub-properties */
    bool last_empty = false;
    int rc = -1;

    for (; line != NULL; line = next) {
        char *t, *eq;

        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        t = trim(line);
        if (*t == '\0' || *t == '#' || *t == ';')
            continue;
        if (*t == '[') {
            char *close = strchr(t, ']');
            const char *kind, *name;

            free(last_key);
            last_key = NULL;
            cur = NULL;
            if (close == NULL)
                continue;
            *close = '\0';
            cut_inline_comment(close + 1);
            if (*trim(close + 1) != '\0')
                continue;
            if (!section_kind(trim(t + 1), config, &kind, &name))
                continue;
            cur = ini_add_section(f, kind, name);
            if (cur == NULL)
                goto out;
            continue;
        }
        if (cur == NULL)
            continue;
        if ((line[0] == ' ' || line[0] == '\t') && last_key != NULL && cur->nprops > 0) {
            /* Indented after a property: a sub-property of an empty-valued key, else a
             * continuation line. (Indented first lines of a section are plain properties.) */
            if (last_empty) {
                eq = strchr(t, '=');
                if (eq == NULL)
                    continue;
                *eq = '\0';
                cut_inline_comment(eq + 1);
                if (ini_add_prop(cur, trim(t), trim(eq + 1), last_key) != 0)
                    goto out;
            } else {
                struct ini_prop *p = &cur->props[cur->nprops - 1];
                size_t n = strlen(p->value) + strlen(t) + 2;
                char *nv = malloc(n);

                if (nv == NULL)
                    goto out;
                snprintf(nv, n, "%s\n%s", p->value, t);
                wipe_free(p->value);
                p->value = nv;
            }
            continue;
        }
        eq = strchr(t, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        cut_inline_comment(eq + 1);
        t = trim(t);
        if (*t == '\0')
            continue;
        if (ini_add_prop(cur, t, trim(eq + 1), NULL) != 0)
            goto out;
        free(last_key);
        last_key = strdup(cur->props[cur->nprops - 1].key);
        if (last_key == NULL)
            goto out;
        last_empty = cur->props[cur->nprops - 1].value[0] == '\0';
    }
    rc = 0;
out:
    free(last_key);
    return rc;
}

/*
 * Loads path. A missing file leaves f->present false and is not an error; any other failure
 * (permission, a directory, an I/O error) is SBX_E_CREDS naming what and path.
 */
static int
ini_load(const char *path, const char *what, bool config, struct ini *f, struct sbx_err *err)
{
    FILE *fp = NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = -1;

    memset(f, 0, sizeof(*f));
    snprintf(f->path, sizeof(f->path), "%s", path);
    fp = fopen(path, "r");
    if (fp == NULL) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        sbx_err_set(err, SBX_E_CREDS, "cannot read %s '%s': %s", what, path, strerror(errno));
        return -1;
    }
    for (;;) {
        size_t r;

        if (len + 4096 + 1 > cap) {
            size_t ncap = cap == 0 ? 8192 : cap * 2;
            char *nb;

            if (ncap > INI_MAX_FILE) {
                sbx_err_set(err, SBX_E_CREDS, "cannot read %s '%s': larger than %d bytes", what,
                            path, INI_MAX_FILE);
                goto out;
            }
            nb = malloc(ncap);
            if (nb == NULL) {
                sbx_err_set(err, SBX_E_NOMEM, "out of memory");
                goto out;
            }
            if (buf != NULL) {
                memcpy(nb, buf, len);
                OPENSSL_cleanse(buf, len);
                free(buf);
            }
            buf = nb;
            cap = ncap;
        }
        r = fread(buf + len, 1, cap - len - 1, fp);
        len += r;
        if (r == 0) {
            if (ferror(fp)) {
                sbx_err_set(err, SBX_E_CREDS, "cannot read %s '%s': %s", what, path,
                            strerror(errno != 0 ? errno : EIO));
                goto out;
            }
            break;
        }
    }
    buf[len] = '\0';
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\r')
            buf[i] = ' ';
    }
    f->present = true;
    if (ini_parse(f, buf, config) != 0) {
        sbx_err_set(err, SBX_E_NOMEM, "out of memory");
        ini_free(f);
        goto out;
    }
    rc = 0;
out:
    if (buf != NULL) {
        OPENSSL_cleanse(buf, cap);
        free(buf);
    }
    if (fp != NULL)
        fclose(fp);
    return rc;
}

static bool
ini_has_section(const struct ini *f, const char *kind, const char *name)
{
    for (size_t i = 0; i < f->nsecs; i++) {
        if (strcmp(f->secs[i].kind, kind) == 0 && strcmp(f->secs[i].name, name) == 0)
            return true;
    }
    return false;
}

/* The value of key (under parent, or top-level when parent is NULL); the last one wins. */
static const char *
ini_get(const struct ini *f, const char *kind, const char *name, const char *key,
        const char *parent)
{
    const char *v = NULL;

    for (size_t i = 0; i < f->nsecs; i++) {
        const struct ini_section *s = &f->secs[i];

        if (strcmp(s->kind, kind) != 0 || strcmp(s->name, name) != 0)
            continue;
        for (size_t j = 0; j < s->nprops; j++) {
            const struct ini_prop *p = &s->props[j];
            bool same_parent = parent == NULL ? p->parent == NULL
                                              : p->parent != NULL && strcmp(p->parent, parent) == 0;
            if (same_parent && strcmp(p->key, key) == 0)
                v = p->value;
        }
    }
    return v;
}

/* --- file locations ------------------------------------------------------------------- */

static const char *
home_dir(void)
{
    const char *h = getenv("HOME");
    struct passwd *pw;

    if (h != NULL && *h != '\0')
        return h;
    pw = getpwuid(getuid());
    return pw != NULL && pw->pw_dir != NULL ? pw->pw_dir : "/";
}

/* Path from env var (with "~/" expanded) or ~/.aws/<file>. */
static int
aws_file_path(const char *env, const char *file, char *out, size_t n, struct sbx_err *err)
{
    const char *v = getenv(env);
    int w;

    if (v != NULL && *v != '\0') {
        if (v[0] == '~' && (v[1] == '/' || v[1] == '\0'))
            w = snprintf(out, n, "%s%s", home_dir(), v + 1);
        else
            w = snprintf(out, n, "%s", v);
    } else {
        w = snprintf(out, n, "%s/.aws/%s", home_dir(), file);
    }
    if (w < 0 || (size_t)w >= n) {
        sbx_err_set(err, SBX_E_CREDS, "path of the AWS %s file is too long", file);
        return -1;
    }
    return 0;
}

const char *
creds_profile_name(const struct creds_opts *opts)
{
    const char *p = opts != NULL ? opts->profile : NULL;

    if (p != NULL && *p != '\0')
        return p;
    p = getenv("AWS_PROFILE");
    if (p != NULL && *p != '\0')
        return p;
    p = getenv("AWS_DEFAULT_PROFILE");
    if (p != NULL && *p != '\0')
        return p;
    return "default";
}

int
creds_profile_setting(const char *profile, const char *service, const char *key, char **out,
                      struct sbx_err *err)
{
    struct ini cfg = { 0 };
    char path[4096];
    const char *v = NULL, *services;
    int rc = -1;

    *out = NULL;
    if (aws_file_path("AWS_CONFIG_FILE", "config", path, sizeof(path), err) != 0)
        return -1;
    if (ini_load(path, "AWS config file", true, &cfg, err) != 0)
        return -1;
    if (service != NULL) {
        services = ini_get(&cfg, "profile", profile, "services", NULL);
        if (services != NULL)
            v = ini_get(&cfg, "services", services, key, service);
    }
    if (v == NULL)
        v = ini_get(&cfg, "profile", profile, key, NULL);
    if (v != NULL && *v != '\0') {
        *out = strdup(v);
        if (*out == NULL) {
            sbx_err_set(err, SBX_E_NOMEM, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    ini_free(&cfg);
    return rc;
}

/* --- small helpers -------------------------------------------------------------------- */

void
creds_release(struct creds *c)
{
    if (c == NULL)
        return;
    free(c->access_key_id);
    wipe_free(c->secret_access_key);
    wipe_free(c->session_token);
    memset(c, 0, sizeof(*c));
}

int
creds_copy(struct creds *dst, const struct creds *src, struct sbx_err *err)
{
    memset(dst, 0, sizeof(*dst));
    dst->access_key_id = strdup(src->access_key_id != NULL ? src->access_key_id : "");
    dst->secret_access_key = strdup(src->secret_access_key != NULL ? src->secret_access_key : "");
    if (src->session_token != NULL)
        dst->session_token = strdup(src->session_token);
    if (dst->access_key_id == NULL || dst->secret_access_key == NULL ||
        (src->session_token != NULL && dst->session_token == NULL)) {
        creds_release(dst);
        sbx_err_set(err, SBX_E_NOMEM, "out of memory");
        return -1;
    }
    dst->expiration = src->expiration;
    memcpy(dst->source, src->source, sizeof(dst->source));
    return 0;
}

bool
creds_expiring(const struct creds *c, int64_t now, int64_t margin)
{
    return c->expiration != 0 && c->expiration - margin <= now;
}

const char *
creds_mask_key_id(const char *key_id, char *buf, size_t n)
{
    size_t len = key_id != NULL ? strlen(key_id) : 0;

    if (len >= 12)
        snprintf(buf, n, "%.4s****%s", key_id, key_id + len - 4);
    else
        snprintf(buf, n, "****");
    return buf;
}

/* Fills c with copies of the given strings. */
static int
creds_set(struct creds *c, const char *akid, const char *secret, const char *token,
          int64_t expiration, struct sbx_err *err)
{
    struct creds tmp = { 0 };

    tmp.access_key_id = (char *)akid;
    tmp.secret_access_key = (char *)secret;
    tmp.session_token = token != NULL && *token != '\0' ? (char *)token : NULL;
    if (creds_copy(c, &tmp, err) != 0)
        return -1;
    c->expiration = expiration;
    return 0;
}

/* "a; b; c" list of the sources tried, for the final error. */
struct tried {
    char text[400];
};

static void tried_add(struct tried *t, const char *fmt, ...) SBX_PRINTF(2, 3);

static void
tried_add(struct tried *t, const char *fmt, ...)
{
    size_t n = strlen(t->text);
    va_list ap;

    if (n > 0 && n + 2 < sizeof(t->text)) {
        memcpy(t->text + n, "; ", 3);
        n += 2;
    }
    va_start(ap, fmt);
    vsnprintf(t->text + n, sizeof(t->text) - n, fmt, ap);
    va_end(ap);
}

/* --- credential_process (section 5.3) -------------------------------------------------- */

void
creds_argv_free(char **argv)
{
    if (argv == NULL)
        return;
    for (char **a = argv; *a != NULL; a++)
        free(*a);
    free(argv);
}

int
creds_split_command(const char *cmd, char ***argv_out, struct sbx_err *err)
{
    size_t cap = 8, argc = 0, len = strlen(cmd);
    char **argv = calloc(cap, sizeof(*argv));
    char *word = malloc(len + 1);
    const char *p = cmd;

    *argv_out = NULL;
    if (argv == NULL || word == NULL)
        goto nomem;
    for (;;) {
        size_t w = 0;
        bool have = false;

        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (*p == '\0')
            break;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n') {
            have = true;
            if (*p == '\'') {
                const char *end = strchr(p + 1, '\'');
                if (end == NULL)
                    goto unterminated;
                memcpy(word + w, p + 1, (size_t)(end - p - 1));
                w += (size_t)(end - p - 1);
                p = end + 1;
            } else if (*p == '"') {
                p++;
                while (*p != '"') {
                    if (*p == '\0')
                        goto unterminated;
                    if (*p == '\\' && p[1] != '\0' && strchr("\"\\$`\n", p[1]) != NULL) {
                        if (p[1] != '\n')
                            word[w++] = p[1];
                        p += 2;
                        continue;
                    }
                    word[w++] = *p++;
                }
                p++;
            } else if (*p == '\\') {
                if (p[1] == '\0') {
                    p++;
                } else {
                    if (p[1] != '\n')
                        word[w++] = p[1];
                    p += 2;
                }
            } else {
                word[w++] = *p++;
            }
        }
        if (!have)
            continue;
        word[w] = '\0';
        if (argc + 2 > cap) {
            char **na = realloc(argv, cap * 2 * sizeof(*na));
            if (na == NULL)
                goto nomem;
            argv = na;
            cap *= 2;
        }
        argv[argc] = strdup(word);
        if (argv[argc] == NULL)
            goto nomem;
        argv[++argc] = NULL;
    }
    free(word);
    if (argc == 0) {
        creds_argv_free(argv);
        sbx_err_set(err, SBX_E_CREDS, "credential_process is empty");
        return -1;
    }
    *argv_out = argv;
    return 0;
unterminated:
    free(word);
    creds_argv_free(argv);
    sbx_err_set(err, SBX_E_CREDS, "credential_process '%.200s': unterminated quote", cmd);
    return -1;
nomem:
    free(word);
    creds_argv_free(argv);
    sbx_err_set(err, SBX_E_NOMEM, "out of memory");
    return -1;
}

/* Finds the executable for name like execvp would, in the parent (the child only execs). */
static int
find_executable(const char *name, char *out, size_t n)
{
    const char *path = getenv("PATH");

    if (strchr(name, '/') != NULL) {
        snprintf(out, n, "%s", name);
        return 0;
    }
    if (path == NULL || *path == '\0')
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path != '\0') {
        size_t dl = strcspn(path, ":");
        int w = snprintf(out, n, "%.*s%s%s", (int)dl, dl == 0 ? "." : path, "/", name);

        if (dl == 0)
            w = snprintf(out, n, "./%s", name);
        if (w > 0 && (size_t)w < n && access(out, X_OK) == 0) {
            struct stat st;
            if (stat(out, &st) == 0 && S_ISREG(st.st_mode))
                return 0;
        }
        path += dl;
        if (*path == ':')
            path++;
    }
    return -1;
}

/* Reads what is available on fd into buf (cap bytes, excess dropped). Returns false at EOF. */
static bool
drain(int fd, char *buf, size_t *len, size_t cap, bool *overflow)
{
    char tmp[4096];
    ssize_t r = read(fd, tmp, sizeof(tmp));

    if (r < 0)
        return errno == EINTR || errno == EAGAIN;
    if (r == 0)
        return false;
    if (*len + (size_t)r > cap) {
        *overflow = true;
        r = (ssize_t)(cap - *len);
    }
    memcpy(buf + *len, tmp, (size_t)r);
    *len += (size_t)r;
    OPENSSL_cleanse(tmp, sizeof(tmp));
    return true;
}

/*
 * Runs argv without a shell: stdout and stderr are captured, stdin is inherited (a helper may
 * prompt on the terminal). On success *out holds stdout (heap, NUL-terminated, caller wipes).
 */
static int
run_process(char **argv, int timeout, char **out, size_t *outlen, struct sbx_err *err)
{
    int op[2] = { -1, -1 }, ep[2] = { -1, -1 };
    char exe[4096], errbuf[PROCESS_MAX_STDERR + 1];
    char *obuf = NULL;
    size_t olen = 0, elen = 0;
    bool oopen = true, eopen = true, overflow = false, eover = false, timed_out = false;
    double deadline;
    long maxfd;
    pid_t pid;
    int status = 0, rc = -1;

    *out = NULL;
    if (find_executable(argv[0], exe, sizeof(exe)) != 0) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process '%s': command not found", argv[0]);
        return -1;
    }
    obuf = malloc(PROCESS_MAX_STDOUT + 1);
    if (obuf == NULL) {
        sbx_err_set(err, SBX_E_NOMEM, "out of memory");
        return -1;
    }
    if (pipe(op) != 0 || pipe(ep) != 0) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process: cannot create a pipe: %s",
                    strerror(errno));
        goto out;
    }
    fcntl(op[0], F_SETFD, FD_CLOEXEC);
    fcntl(ep[0], F_SETFD, FD_CLOEXEC);
    maxfd = sysconf(_SC_OPEN_MAX);
    if (maxfd < 0 || maxfd > 65536)
        maxfd = 65536;
    pid = fork();
    if (pid < 0) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process: cannot fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0) {
        /* Child: async-signal-safe calls only. */
        if (dup2(op[1], STDOUT_FILENO) < 0 || dup2(ep[1], STDERR_FILENO) < 0)
            _exit(127);
        /* The helper gets stdin, the two pipes and nothing else of ours (connections). */
        for (long fd = 3; fd < maxfd; fd++)
            close((int)fd);
        execv(exe, argv);
        _exit(127);
    }
    close(op[1]);
    close(ep[1]);
    op[1] = ep[1] = -1;
    deadline = clock_mono() + timeout;
    while (oopen || eopen) {
        struct pollfd pf[2];
        nfds_t n = 0;
        double left = deadline - clock_mono();
        int pr;

        if (left <= 0) {
            timed_out = true;
            break;
        }
        if (oopen)
            pf[n++] = (struct pollfd){ .fd = op[0], .events = POLLIN };
        if (eopen)
            pf[n++] = (struct pollfd){ .fd = ep[0], .events = POLLIN };
        pr = poll(pf, n, (int)ceil(left * 1000));
        if (pr < 0 && errno != EINTR)
            break;
        for (nfds_t i = 0; pr > 0 && i < n; i++) {
            if (pf[i].revents == 0)
                continue;
            if (pf[i].fd == op[0])
                oopen = drain(op[0], obuf, &olen, PROCESS_MAX_STDOUT, &overflow);
            else
                eopen = drain(ep[0], errbuf, &elen, PROCESS_MAX_STDERR, &eover);
        }
    }
    if (timed_out)
        kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    errbuf[elen] = '\0';
    /* The first line of stderr is the helper's explanation. */
    errbuf[strcspn(errbuf, "\r\n")] = '\0';
    if (timed_out) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process '%s' timed out after %d s", argv[0],
                    timeout);
        goto out;
    }
    if (WIFSIGNALED(status)) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process '%s' killed by signal %d%s%s", argv[0],
                    WTERMSIG(status), elen > 0 ? ": " : "", errbuf);
        goto out;
    }
    if (WEXITSTATUS(status) != 0) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process '%s' failed (exit %d)%s%.200s", argv[0],
                    WEXITSTATUS(status), elen > 0 ? ": " : "", errbuf);
        goto out;
    }
    if (overflow) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process '%s': output larger than %d bytes",
                    argv[0], PROCESS_MAX_STDOUT);
        goto out;
    }
    obuf[olen] = '\0';
    *out = obuf;
    *outlen = olen;
    obuf = NULL;
    rc = 0;
out:
    if (obuf != NULL) {
        OPENSSL_cleanse(obuf, PROCESS_MAX_STDOUT + 1);
        free(obuf);
    }
    for (int i = 0; i < 2; i++) {
        if (op[i] >= 0)
            close(op[i]);
        if (ep[i] >= 0)
            close(ep[i]);
    }
    return rc;
}

/* Wipes every string in a cJSON tree, then deletes it. */
static void
json_wipe_delete(cJSON *j)
{
    for (cJSON *c = j != NULL ? j->child : NULL; c != NULL; c = c->next) {
        if (cJSON_IsString(c) && c->valuestring != NULL)
            OPENSSL_cleanse(c->valuestring, strlen(c->valuestring));
    }
    cJSON_Delete(j);
}

static int
from_process(const char *cmd, int timeout, struct creds *out, struct sbx_err *err)
{
    char **argv = NULL, *text = NULL;
    size_t len = 0;
    cJSON *j = NULL;
    const cJSON *ver, *akid, *secret, *token, *exp;
    int64_t expiration = 0;
    int rc = -1;

    if (creds_split_command(cmd, &argv, err) != 0)
        return -1;
    if (run_process(argv, timeout, &text, &len, err) != 0)
        goto out;
    j = cJSON_ParseWithLength(text, len);
    if (!cJSON_IsObject(j)) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process '%s': output is not a JSON object",
                    argv[0]);
        goto out;
    }
    ver = cJSON_GetObjectItemCaseSensitive(j, "Version");
    akid = cJSON_GetObjectItemCaseSensitive(j, "AccessKeyId");
    secret = cJSON_GetObjectItemCaseSensitive(j, "SecretAccessKey");
    token = cJSON_GetObjectItemCaseSensitive(j, "SessionToken");
    exp = cJSON_GetObjectItemCaseSensitive(j, "Expiration");
    if (!cJSON_IsNumber(ver) || ver->valuedouble != 1) {
        sbx_err_set(err, SBX_E_CREDS,
                    "credential_process '%s': unsupported Version (must be the number 1)", argv[0]);
        goto out;
    }
    if (!cJSON_IsString(akid) || *akid->valuestring == '\0' || !cJSON_IsString(secret) ||
        *secret->valuestring == '\0') {
        sbx_err_set(err, SBX_E_CREDS,
                    "credential_process '%s': output lacks AccessKeyId or SecretAccessKey",
                    argv[0]);
        goto out;
    }
    if (token != NULL && !cJSON_IsNull(token) && !cJSON_IsString(token)) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process '%s': SessionToken is not a string",
                    argv[0]);
        goto out;
    }
    if (exp != NULL && !cJSON_IsNull(exp)) {
        if (!cJSON_IsString(exp) || time_parse(exp->valuestring, &expiration, NULL) != 0) {
            sbx_err_set(err, SBX_E_CREDS,
                        "credential_process '%s': Expiration is not an ISO 8601 time", argv[0]);
            goto out;
        }
    }
    if (creds_set(out, akid->valuestring, secret->valuestring,
                  cJSON_IsString(token) ? token->valuestring : NULL, expiration, err) != 0)
        goto out;
    rc = 0;
out:
    json_wipe_delete(j);
    if (text != NULL) {
        OPENSSL_cleanse(text, len);
        free(text);
    }
    creds_argv_free(argv);
    return rc;
}

/* --- the chain ------------------------------------------------------------------------ */

struct resolver {
    const struct creds_opts *opts;
    struct ini cred_file; /* shared credentials file */
    struct ini conf_file; /* shared config file */
    struct tried tried;
};

/* A profile setting: credentials file first, then config file (botocore merges them so). */
static const char *
profile_get(const struct resolver *r, const char *profile, const char *key)
{
    const char *v = ini_get(&r->cred_file, "profile", profile, key, NULL);

    if (v == NULL)
        v = ini_get(&r->conf_file, "profile", profile, key, NULL);
    return v != NULL && *v != '\0' ? v : NULL;
}

static bool
profile_exists(const struct resolver *r, const char *profile)
{
    return ini_has_section(&r->cred_file, "profile", profile) ||
           ini_has_section(&r->conf_file, "profile", profile);
}

/* Environment credentials. Returns 1 if found, 0 if not (tried noted), -1 on error. */
static int
from_env(struct resolver *r, struct creds *out, struct sbx_err *err)
{
    const char *akid = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
    const char *token = getenv("AWS_SESSION_TOKEN"), *exp = getenv("AWS_CREDENTIAL_EXPIRATION");
    int64_t expiration = 0;
    bool has_akid = akid != NULL && *akid != '\0', has_secret = secret != NULL && *secret != '\0';

    if (token == NULL || *token == '\0')
        token = getenv("AWS_SECURITY_TOKEN");
    if (!has_akid && !has_secret) {
        tried_add(&r->tried, "environment (AWS_ACCESS_KEY_ID not set)");
        return 0;
    }
    if (!has_akid || !has_secret) {
        sbx_err_set(err, SBX_E_CREDS,
                    "partial credentials in the environment: %s is set but %s is not",
                    has_akid ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                    has_akid ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
        return -1;
    }
    if (exp != NULL && *exp != '\0' && time_parse(exp, &expiration, NULL) != 0) {
        sbx_err_set(err, SBX_E_CREDS, "invalid AWS_CREDENTIAL_EXPIRATION '%.40s'", exp);
        return -1;
    }
    if (creds_set(out, akid, secret, token, expiration, err) != 0)
        return -1;
    snprintf(out->source, sizeof(out->source), "environment");
    return 1;
}

/* Static keys of profile in f. Returns 1 if found, 0 if not, -1 on error. */
static int
from_static(const struct ini *f, const char *profile, struct creds *out, struct sbx_err *err)
{
    const char *akid = ini_get(f, "profile", profile, "aws_access_key_id", NULL);
    const char *secret = ini_get(f, "profile", profile, "aws_secret_access_key", NULL);
    const char *token = ini_get(f, "profile", profile, "aws_session_token", NULL);

    if (akid == NULL || *akid == '\0')
        return 0;
    if (secret == NULL || *secret == '\0') {
        sbx_err_set(err, SBX_E_CREDS,
                    "profile '%s' in '%s' has aws_access_key_id but no aws_secret_access_key",
                    profile, f->path);
        return -1;
    }
    if (token == NULL || *token == '\0')
        token = ini_get(f, "profile", profile, "aws_security_token", NULL);
    return creds_set(out, akid, secret, token, 0, err) == 0 ? 1 : -1;
}

/* A credentials provider over fixed credentials, for the AssumeRole call. */
static int
fixed_creds(void *ctx, bool force, const struct creds **out, struct sbx_err *err)
{
    (void)force;
    (void)err;
    *out = ctx;
    return 0;
}

static int resolve_profile(struct resolver *r, const char *profile, const char **visited, int depth,
                           struct creds *out, struct sbx_err *err);

static int
assume_role(struct resolver *r, const char *profile, const char *role_arn,
            const struct creds *source, struct creds *out, struct sbx_err *err)
{
    const struct creds_opts *o = r->opts;
    struct retry_quota quota;
    struct awscall_client c = { 0 };
    struct endpoint ep;
    struct endpoint_opts eo = { 0 };
    struct endpoint_env env;
    struct sts_assume_params p = { 0 };
    const char *dur = profile_get(r, profile, "duration_seconds");
    const char *region = profile_get(r, profile, "region");
    char session[64];
    int64_t d = 0;
    int attempts;

    if (o->http == NULL) {
        sbx_err_set(err, SBX_E_CREDS, "profile '%s': role_arn needs an HTTP client", profile);
        return -1;
    }
    if (profile_get(r, profile, "mfa_serial") != NULL) {
        sbx_err_set(err, SBX_E_CREDS,
                    "profile '%s': mfa_serial is not supported (use credential_process)", profile);
        return -1;
    }
    if (dur != NULL && parse_int64(dur, 900, 43200, &d, NULL) != 0) {
        sbx_err_set(err, SBX_E_CREDS, "profile '%s': duration_seconds '%.20s' must be 900 to 43200",
                    profile, dur);
        return -1;
    }
    if (retry_max_attempts(o->max_attempts, getenv("AWS_MAX_ATTEMPTS"), &attempts, err) != 0)
        return -1;
    eo.region = o->region != NULL ? o->region : region;
    eo.config_url = o->sts_endpoint;
    endpoint_env_read("STS", &env);
    if (endpoint_resolve_sts(&eo, &env, &ep, err) != 0)
        return -1;
    retry_quota_init(&quota);
    c.http = o->http;
    c.clock = o->clock;
    c.quota = &quota;
    c.max_attempts = attempts;
    c.get_creds = fixed_creds;
    c.creds_ctx = (void *)source;
    p.role_arn = role_arn;
    p.session_name = profile_get(r, profile, "role_session_name");
    if (p.session_name == NULL) {
        snprintf(session, sizeof(session), "sandboxctl-%lld",
                 (long long)floor(clock_now(o->clock)));
        p.session_name = session;
    }
    p.duration_secs = (int)d;
    p.external_id = profile_get(r, profile, "external_id");
    if (sts_assume_role(&c, &ep, &p, out, err) != 0) {
        sbx_err_prefix(err, "profile '%s'", profile);
        return -1;
    }
    return 0;
}

/* role_arn profiles: credentials of the source, then AssumeRole. visited lists nvisited
 * profiles, this one last. Returns 1 if the profile has role_arn and it worked, 0 if it has
 * none, -1 on error. */
static int
from_role(struct resolver *r, const char *profile, const char **visited, int nvisited,
          struct creds *out, struct sbx_err *err)
{
    const char *role_arn = profile_get(r, profile, "role_arn");
    const char *src = profile_get(r, profile, "source_profile");
    const char *csrc = profile_get(r, profile, "credential_source");
    struct creds source = { 0 };
    struct resolver sub;
    int rc = -1, found;

    if (role_arn == NULL)
        return 0;
    if ((src == NULL) == (csrc == NULL)) {
        sbx_err_set(
                err, SBX_E_CREDS,
                "profile '%s': role_arn needs exactly one of source_profile and credential_source",
                profile);
        return -1;
    }
    if (csrc != NULL) {
        if (strcmp(csrc, "Environment") != 0) {
            sbx_err_set(
                    err, SBX_E_CREDS,
                    "profile '%s': credential_source '%.40s' is not supported (only Environment)",
                    profile, csrc);
            return -1;
        }
        memset(&sub, 0, sizeof(sub));
        found = from_env(&sub, &source, err);
        if (found == 0)
            sbx_err_set(
                    err, SBX_E_CREDS,
                    "profile '%s': credential_source Environment but AWS_ACCESS_KEY_ID is not set",
                    profile);
        if (found != 1)
            goto out;
    } else if (strcmp(src, profile) == 0) {
        /* A profile may name itself as source: its static keys sign the AssumeRole call. */
        found = from_static(&r->cred_file, profile, &source, err);
        if (found == 0)
            found = from_static(&r->conf_file, profile, &source, err);
        if (found == 0)
            sbx_err_set(err, SBX_E_CREDS,
                        "profile '%s' is its own source_profile but has no static keys", profile);
        if (found != 1)
            goto out;
    } else {
        if (!profile_exists(r, src)) {
            sbx_err_set(err, SBX_E_CREDS, "profile '%s': source_profile '%s' does not exist",
                        profile, src);
            goto out;
        }
        if (resolve_profile(r, src, visited, nvisited, &source, err) != 0) {
            if (err->code == SBX_E_CREDS && strncmp(err->msg, "profile ", 8) != 0)
                sbx_err_prefix(err, "profile '%s': source_profile '%s'", profile, src);
            goto out;
        }
    }
    if (assume_role(r, profile, role_arn, &source, out, err) != 0)
        goto out;
    if (csrc != NULL)
        snprintf(out->source, sizeof(out->source),
                 "profile '%.60s' (role_arn, source: environment)", profile);
    else
        snprintf(out->source, sizeof(out->source),
                 "profile '%.40s' (role_arn, source_profile '%.40s')", profile, src);
    rc = 1;
out:
    creds_release(&source);
    return rc;
}

/*
 * The profile part of the chain. visited holds the profiles above this one (cycle check).
 * Returns 0 with *out, or -1: SBX_E_CREDS with r->tried listing what was looked at, or the
 * error of a source that applied and failed.
 */
static int
resolve_profile(struct resolver *r, const char *profile, const char **visited, int depth,
                struct creds *out, struct sbx_err *err)
{
    const char *process;
    const char *chain[MAX_ROLE_DEPTH + 2];
    int found;

    if (depth > MAX_ROLE_DEPTH) {
        sbx_err_set(err, SBX_E_CREDS, "profile '%s': source_profile chain deeper than %d", profile,
                    MAX_ROLE_DEPTH);
        return -1;
    }
    for (int i = 0; i < depth; i++) {
        if (strcmp(visited[i], profile) == 0) {
            char path[256] = "";
            for (int k = 0; k < depth; k++) {
                size_t n = strlen(path);
                snprintf(path + n, sizeof(path) - n, "%s -> ", visited[k]);
            }
            sbx_err_set(err, SBX_E_CREDS, "source_profile loop: %s%s", path, profile);
            return -1;
        }
        chain[i] = visited[i];
    }
    chain[depth] = profile;

    found = from_role(r, profile, chain, depth + 1, out, err);
    if (found != 0)
        return found > 0 ? 0 : -1;

    found = from_static(&r->cred_file, profile, out, err);
    if (found < 0)
        return -1;
    if (found > 0) {
        snprintf(out->source, sizeof(out->source), "profile '%.60s' (shared credentials file)",
                 profile);
        return 0;
    }
    if (!r->cred_file.present)
        tried_add(&r->tried, "shared credentials file '%.120s' (no such file)", r->cred_file.path);
    else if (!ini_has_section(&r->cred_file, "profile", profile))
        tried_add(&r->tried, "shared credentials file '%.120s' (no profile '%.40s')",
                  r->cred_file.path, profile);
    else
        tried_add(&r->tried, "shared credentials file '%.120s' (profile '%.40s' has no keys)",
                  r->cred_file.path, profile);

    process = profile_get(r, profile, "credential_process");
    if (process != NULL) {
        int timeout = r->opts->process_timeout > 0 ? r->opts->process_timeout : PROCESS_TIMEOUT;

        if (from_process(process, timeout, out, err) != 0) {
            sbx_err_prefix(err, "profile '%s'", profile);
            return -1;
        }
        snprintf(out->source, sizeof(out->source), "profile '%.60s' (credential_process)", profile);
        return 0;
    }

    found = from_static(&r->conf_file, profile, out, err);
    if (found < 0)
        return -1;
    if (found > 0) {
        snprintf(out->source, sizeof(out->source), "profile '%.60s' (shared config file)", profile);
        return 0;
    }
    if (!r->conf_file.present)
        tried_add(&r->tried, "shared config file '%.120s' (no such file)", r->conf_file.path);
    else if (!ini_has_section(&r->conf_file, "profile", profile))
        tried_add(&r->tried, "shared config file '%.120s' (no profile '%.40s')", r->conf_file.path,
                  profile);
    else
        tried_add(&r->tried,
                  "shared config file '%.120s' (profile '%.40s' has no role_arn, "
                  "credential_process or keys)",
                  r->conf_file.path, profile);
    sbx_err_set(err, SBX_E_CREDS, "no credentials for profile '%s': %s", profile, r->tried.text);
    return -1;
}

int
creds_resolve(const struct creds_opts *opts, struct creds *out, struct sbx_err *err)
{
    struct resolver r;
    const char *profile = creds_profile_name(opts);
    bool explicit_profile = opts->profile_explicit && opts->profile != NULL;
    char path[4096];
    struct creds tmp = { 0 };
    int rc = -1, found;

    memset(out, 0, sizeof(*out));
    memset(&r, 0, sizeof(r));
    r.opts = opts;
    if (!explicit_profile) {
        found = from_env(&r, &tmp, err);
        if (found < 0)
            goto out;
        if (found > 0)
            goto done;
    } else {
        tried_add(&r.tried, "environment (skipped: profile '%.40s' configured)", profile);
    }
    if (aws_file_path("AWS_SHARED_CREDENTIALS_FILE", "credentials", path, sizeof(path), err) != 0 ||
        ini_load(path, "shared credentials file", false, &r.cred_file, err) != 0)
        goto out;
    if (aws_file_path("AWS_CONFIG_FILE", "config", path, sizeof(path), err) != 0 ||
        ini_load(path, "shared config file", true, &r.conf_file, err) != 0)
        goto out;
    if (resolve_profile(&r, profile, NULL, 0, &tmp, err) != 0) {
        if (err->code == SBX_E_CREDS && strncmp(err->msg, "no credentials", 14) == 0)
            sbx_err_set(err, SBX_E_CREDS, "no credentials: %s", r.tried.text);
        goto out;
    }
done:
    *out = tmp;
    memset(&tmp, 0, sizeof(tmp));
    log_debug("credentials from %s", out->source);
    rc = 0;
out:
    creds_release(&tmp);
    ini_free(&r.cred_file);
    ini_free(&r.conf_file);
    return rc;
}
