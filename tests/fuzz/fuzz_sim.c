/*
 * fuzz_sim.c -- the simulator's request handlers: Organizations operations (JSON 1.1), STS
 * (form bodies), the admin API, and access key lookup, on a fresh organization per input with a
 * clock that moves only when a request moves it.
 *
 * Input: requests separated by "%%" lines, each a first line then the body:
 *   orgs OPERATION        e.g. "orgs CreateAccount", body the JSON
 *   sts                   body the form ("Action=AssumeRole&...")
 *   admin METHOD PATH     e.g. "admin POST /__sim/advance"
 *   auth ACCESS-KEY-ID    the body (if any) is the session token
 * STS and Organizations calls come from the management account's user, or from the session
 * of the last AssumeRole answered when the first line ends with " assumed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "sim/sim.h"

#define MAX_REQUESTS 16

static struct sim *
new_sim(void)
{
    struct sim_opts o;
    struct sim *s = NULL;
    struct sbx_err err = { 0 };

    sim_opts_init(&o);
    o.access_key_id = "AKIAIOSFODNN7EXAMPLE";
    o.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    o.fixed_clock = true;
    o.start_time = 1795000000.0;
    o.seed = 1;
    o.seeded = true;
    if (sim_new(&o, &s, &err) != 0) {
        fprintf(stderr, "fuzz: sim_new: %s\n", err.msg);
        abort();
    }
    return s;
}

/* Remembers the temporary key and token of an AssumeRole answer for " assumed" requests. */
static void
remember_session(struct sim *s, const struct sim_reply *r, struct sim_caller *assumed)
{
    char akid[64], token[1024], secret[256];
    const char *a, *t;

    if (r->status != 200 || r->body == NULL)
        return;
    a = strstr(r->body, "<AccessKeyId>");
    t = strstr(r->body, "<SessionToken>");
    if (a == NULL || t == NULL || sscanf(a, "<AccessKeyId>%63[^<]", akid) != 1 ||
        sscanf(t, "<SessionToken>%1023[^<]", token) != 1)
        return;
    (void)sim_auth_lookup(s, akid, token, secret, sizeof(secret), assumed);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_strndup(data, size), *parts[MAX_REQUESTS];
    size_t lens[MAX_REQUESTS], n;
    struct sim_caller mgmt, assumed, who;
    struct sim *s = new_sim();

    sim_caller_management(s, &mgmt);
    assumed = mgmt;
    n = fz_split(text, size, parts, lens, MAX_REQUESTS);
    for (size_t i = 0; i < n; i++) {
        char *body = parts[i], *line = fz_line(&body), *arg, secret[256];
        size_t blen;
        struct sim_reply r;
        const struct sim_caller *caller = &mgmt;
        int rc = -1;

        if (line == NULL)
            continue;
        blen = lens[i] - (size_t)(body - parts[i]);
        arg = strchr(line, ' ');
        if (arg != NULL)
            *arg++ = '\0';
        else
            arg = line + strlen(line);
        if (strcmp(arg, "assumed") == 0) {
            *arg = '\0';
            caller = &assumed;
        } else if (strlen(arg) >= 8 && strcmp(arg + strlen(arg) - 8, " assumed") == 0) {
            arg[strlen(arg) - 8] = '\0';
            caller = &assumed;
        }
        memset(&r, 0, sizeof(r));
        if (strcmp(line, "orgs") == 0) {
            rc = sim_orgs_call(s, arg, body, blen, caller, &r);
        } else if (strcmp(line, "sts") == 0) {
            rc = sim_sts_call(s, body, blen, caller, &r);
            if (rc == 0)
                remember_session(s, &r, &assumed);
        } else if (strcmp(line, "admin") == 0) {
            char *path = strchr(arg, ' ');

            if (path == NULL)
                continue;
            *path++ = '\0';
            rc = sim_admin_call(s, arg, path, body, blen, &r);
        } else if (strcmp(line, "auth") == 0) {
            (void)sim_auth_lookup(s, arg, blen > 0 ? body : NULL, secret, sizeof(secret), &who);
            continue;
        } else {
            continue;
        }
        /* SBX_FUZZ_DEBUG=1 shows each answer, to check what inputs reach. */
        if (rc == 0 && getenv("SBX_FUZZ_DEBUG") != NULL)
            fprintf(stderr, "fuzz: %s %s: %d %.*s\n", line, arg, r.status, (int)r.len,
                    r.body != NULL ? r.body : "");
        if (rc == 0)
            sim_reply_release(&r);
    }
    sim_free(s);
    free(text);
    return 0;
}
