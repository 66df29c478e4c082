/*
 * creds_process.c -- the credential_process provider (see creds_process.h).
 *
 * The helper's output holds secrets: the capture buffers are wiped by the runner, the JSON
 * tree's strings before the tree is freed.
 */
#include "aws/creds_process.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "util/duration.h"
#include "util/spawn.h"

#define PROCESS_MAX_STDOUT (64 * 1024)
#define PROCESS_MAX_STDERR 2048
#define PROCESS_KILL_GRACE 2.0

extern char **environ;

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
    if (argc == 0) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process is empty");
        goto fail;
    }
    free(word);
    *argv_out = argv;
    return 0;
unterminated:
    sbx_err_set(err, SBX_E_CREDS, "credential_process '%.200s': unterminated quote", cmd);
    goto fail;
nomem:
    sbx_err_nomem(err);
fail:
    free(word);
    creds_argv_free(argv);
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

/* Wipes every string in a cJSON tree, then deletes it. */
static void
json_wipe(cJSON *j)
{
    for (cJSON *c = j; c != NULL; c = c->next) {
        if (cJSON_IsString(c) && c->valuestring != NULL)
            OPENSSL_cleanse(c->valuestring, strlen(c->valuestring));
        json_wipe(c->child);
    }
}

static void
json_wipe_delete(cJSON *j)
{
    if (j != NULL)
        json_wipe(j->child);
    cJSON_Delete(j);
}

static bool
json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
creds_process_parse(const char *name, const char *text, size_t len, struct creds *out,
                    struct sbx_err *err)
{
    cJSON *j;
    const cJSON *ver, *akid, *secret, *token, *exp;
    const char *end = NULL;
    int64_t expiration = 0;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    j = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!cJSON_IsObject(j)) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process '%s': output is not a JSON object", name);
        goto out;
    }
    /* json.loads in the AWS CLI refuses anything after the object but whitespace. */
    if (end != NULL && end >= text && end <= text + len) {
        for (const char *p = end; p < text + len; p++) {
            if (!json_space(*p)) {
                sbx_err_set(err, SBX_E_CREDS,
                            "credential_process '%s': unexpected data after the JSON object "
                            "(at byte %zu of %zu)",
                            name, (size_t)(p - text), len);
                goto out;
            }
        }
    }
    ver = cJSON_GetObjectItemCaseSensitive(j, "Version");
    akid = cJSON_GetObjectItemCaseSensitive(j, "AccessKeyId");
    secret = cJSON_GetObjectItemCaseSensitive(j, "SecretAccessKey");
    token = cJSON_GetObjectItemCaseSensitive(j, "SessionToken");
    exp = cJSON_GetObjectItemCaseSensitive(j, "Expiration");
    if (!cJSON_IsNumber(ver) || ver->valuedouble != 1) {
        sbx_err_set(err, SBX_E_CREDS,
                    "credential_process '%s': unsupported Version (must be the number 1)", name);
        goto out;
    }
    if (!cJSON_IsString(akid) || *akid->valuestring == '\0' || !cJSON_IsString(secret) ||
        *secret->valuestring == '\0') {
        sbx_err_set(err, SBX_E_CREDS,
                    "credential_process '%s': output lacks AccessKeyId or SecretAccessKey", name);
        goto out;
    }
    if (token != NULL && !cJSON_IsNull(token) && !cJSON_IsString(token)) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process '%s': SessionToken is not a string",
                    name);
        goto out;
    }
    if (exp != NULL && !cJSON_IsNull(exp)) {
        if (!cJSON_IsString(exp) || duration_parse_time(exp->valuestring, &expiration, NULL) != 0) {
            sbx_err_set(err, SBX_E_CREDS,
                        "credential_process '%s': Expiration is not an ISO 8601 time", name);
            goto out;
        }
    }
    if (creds_set(out, akid->valuestring, secret->valuestring,
                  cJSON_IsString(token) ? token->valuestring : NULL, expiration, err) != 0)
        goto out;
    rc = 0;
out:
    json_wipe_delete(j);
    return rc;
}

/* Standard input for the helper: ours (it may prompt on the terminal), if we have one. */
static int
helper_stdin(void)
{
    return fcntl(STDIN_FILENO, F_GETFD) >= 0 ? STDIN_FILENO : SPAWN_DEVNULL;
}

int
creds_process_fetch(const char *cmd, int timeout, struct creds *out, struct sbx_err *err)
{
    static const char *const no_env[] = { NULL };
    char **argv = NULL;
    char exe[4096];
    struct spawn_opts o = { 0 };
    struct spawn_proc p = { 0 };
    const char *errline;
    int rc = -1, status;

    memset(out, 0, sizeof(*out));
    if (creds_split_command(cmd, &argv, err) != 0)
        return -1;
    if (find_executable(argv[0], exe, sizeof(exe)) != 0) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process '%s': command not found", argv[0]);
        goto out;
    }
    o.path = exe;
    o.argv = (const char *const *)argv;
    o.envp = environ != NULL ? (const char *const *)environ : no_env;
    o.in = helper_stdin();
    o.out = SPAWN_CAPTURE;
    o.err = SPAWN_CAPTURE;
    o.out_limit = PROCESS_MAX_STDOUT;
    o.err_limit = PROCESS_MAX_STDERR;
    o.timeout = timeout;
    o.kill_grace = PROCESS_KILL_GRACE;
    if (spawn_start(&o, &p, err) != 0) {
        if (err->code != SBX_E_NOMEM)
            err->code = SBX_E_CREDS;
        sbx_err_prefix(err, "credential_process '%s'", argv[0]);
        goto out;
    }
    spawn_wait(&p);
    status = spawn_status(&p);
    /* The first line of stderr is the helper's explanation. */
    errline = p.err.buf != NULL ? p.err.buf : "";
    if (p.err.len > 0)
        p.err.buf[strcspn(p.err.buf, "\r\n")] = '\0';
    if (p.timed_out) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process '%s' timed out after %d s", argv[0],
                    timeout);
        goto out;
    }
    if (spawn_signaled(&p)) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process '%s' killed by signal %d%s%.200s",
                    argv[0], status - 128, *errline != '\0' ? ": " : "", errline);
        goto out;
    }
    if (status != 0) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process '%s' failed (exit %d)%s%.200s", argv[0],
                    status, *errline != '\0' ? ": " : "", errline);
        goto out;
    }
    if (spawn_truncated(&p.out)) {
        sbx_err_set(err, SBX_E_CREDS, "credential_process '%s': output larger than %d bytes",
                    argv[0], PROCESS_MAX_STDOUT);
        goto out;
    }
    rc = creds_process_parse(argv[0], p.out.buf, p.out.len, out, err);
out:
    spawn_release(&p);
    creds_argv_free(argv);
    return rc;
}
