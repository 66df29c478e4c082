/*
 * sim_state.c -- the simulated organization: ids, lookups, counters, lazy transitions, token
 * buckets, reset, and the JSON form of the whole state (admin dump and persistence).
 *
 * Transitions are never timers. sim_catch_up() collects every transition due by "now"
 * (creation finishing, closure completing, departure 90 days after closing), sorts them by
 * time and applies them in order, so that a departure that frees a slot before a creation
 * finishes is seen by that creation, whatever the size of the clock jump.
 */
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "sim/sim_int.h"
#include "util/clock.h"
#include "util/grow.h"

/* Per-account throttling rates (rate/s, burst) from AWS-ORGANIZATIONS.md section 3.4. STS is
 * not throttled here: its published limits are far above anything a client of this tool does. */
static const struct {
    const char *name;
    double rate;
    double burst;
} op_table[SIM_OP_COUNT] = {
    [SIM_OP_CREATE_ACCOUNT] = { "CreateAccount", 0.1, 3 },
    [SIM_OP_DESCRIBE_CREATE_ACCOUNT_STATUS] = { "DescribeCreateAccountStatus", 2, 2 },
    [SIM_OP_LIST_CREATE_ACCOUNT_STATUS] = { "ListCreateAccountStatus", 5, 8 },
    [SIM_OP_CLOSE_ACCOUNT] = { "CloseAccount", 0.05, 1 },
    [SIM_OP_DESCRIBE_ACCOUNT] = { "DescribeAccount", 20, 30 },
    [SIM_OP_LIST_ACCOUNTS] = { "ListAccounts", 8, 12 },
    [SIM_OP_LIST_ACCOUNTS_FOR_PARENT] = { "ListAccountsForParent", 5, 8 },
    [SIM_OP_LIST_ROOTS] = { "ListRoots", 1, 2 },
    [SIM_OP_LIST_OUS_FOR_PARENT] = { "ListOrganizationalUnitsForParent", 5, 8 },
    [SIM_OP_CREATE_OU] = { "CreateOrganizationalUnit", 1, 2 },
    [SIM_OP_MOVE_ACCOUNT] = { "MoveAccount", 2, 3 },
    [SIM_OP_LIST_PARENTS] = { "ListParents", 5, 8 },
    [SIM_OP_TAG_RESOURCE] = { "TagResource", 4, 6 },
    [SIM_OP_UNTAG_RESOURCE] = { "UntagResource", 4, 6 },
    [SIM_OP_LIST_TAGS_FOR_RESOURCE] = { "ListTagsForResource", 10, 15 },
    [SIM_OP_DESCRIBE_ORGANIZATION] = { "DescribeOrganization", 1, 2 },
    [SIM_OP_ASSUME_ROLE] = { "AssumeRole", 0, 0 },
    [SIM_OP_GET_CALLER_IDENTITY] = { "GetCallerIdentity", 0, 0 },
    /* Identity Center: no per-operation rate is published, so only injected throttling. */
    [SIM_OP_LIST_INSTANCES] = { "ListInstances", 0, 0 },
    [SIM_OP_LIST_PERMISSION_SETS] = { "ListPermissionSets", 0, 0 },
    [SIM_OP_DESCRIBE_PERMISSION_SET] = { "DescribePermissionSet", 0, 0 },
    [SIM_OP_CREATE_ACCOUNT_ASSIGNMENT] = { "CreateAccountAssignment", 0, 0 },
    [SIM_OP_DESCRIBE_ASSIGNMENT_CREATION_STATUS] = { "DescribeAccountAssignmentCreationStatus", 0,
                                                     0 },
    [SIM_OP_DELETE_ACCOUNT_ASSIGNMENT] = { "DeleteAccountAssignment", 0, 0 },
    [SIM_OP_DESCRIBE_ASSIGNMENT_DELETION_STATUS] = { "DescribeAccountAssignmentDeletionStatus", 0,
                                                     0 },
    [SIM_OP_LIST_ACCOUNT_ASSIGNMENTS] = { "ListAccountAssignments", 0, 0 },
    [SIM_OP_GET_USER_ID] = { "GetUserId", 0, 0 },
    [SIM_OP_DESCRIBE_USER] = { "DescribeUser", 0, 0 },
    [SIM_OP_GET_GROUP_ID] = { "GetGroupId", 0, 0 },
    [SIM_OP_CREATE_USER] = { "CreateUser", 0, 0 },
    [SIM_OP_CREATE_GROUP_MEMBERSHIP] = { "CreateGroupMembership", 0, 0 },
    /* Cost Explorer publishes no request rate; 5/s is what its throttling answers suggest. */
    [SIM_OP_GET_COST_AND_USAGE] = { "GetCostAndUsage", 5, 10 },
    /* Section 3.4 lists no rates for the policy operations: the listing rate is assumed. */
    [SIM_OP_CREATE_POLICY] = { "CreatePolicy", 1, 2 },
    [SIM_OP_DESCRIBE_POLICY] = { "DescribePolicy", 5, 8 },
    [SIM_OP_ATTACH_POLICY] = { "AttachPolicy", 5, 8 },
    [SIM_OP_DETACH_POLICY] = { "DetachPolicy", 5, 8 },
    [SIM_OP_LIST_POLICIES] = { "ListPolicies", 5, 8 },
    [SIM_OP_LIST_POLICIES_FOR_TARGET] = { "ListPoliciesForTarget", 5, 8 },
    [SIM_OP_ENABLE_POLICY_TYPE] = { "EnablePolicyType", 1, 2 },
    /* AWS Budgets publishes no request rate: only injected throttling. */
    [SIM_OP_CREATE_BUDGET] = { "CreateBudget", 0, 0 },
    [SIM_OP_DESCRIBE_BUDGET] = { "DescribeBudget", 0, 0 },
    [SIM_OP_DESCRIBE_BUDGETS] = { "DescribeBudgets", 0, 0 },
    [SIM_OP_UPDATE_BUDGET] = { "UpdateBudget", 0, 0 },
    [SIM_OP_DELETE_BUDGET] = { "DeleteBudget", 0, 0 },
    [SIM_OP_DESCRIBE_NOTIFICATIONS_FOR_BUDGET] = { "DescribeNotificationsForBudget", 0, 0 },
};

int
sim_op_find(const char *name)
{
    for (int i = 0; i < SIM_OP_COUNT; i++) {
        if (strcmp(op_table[i].name, name) == 0)
            return i;
    }
    return -1;
}

const char *
sim_op_name(enum sim_op op)
{
    return (unsigned)op < SIM_OP_COUNT ? op_table[op].name : "?";
}

/* --- PRNG: splitmix64, small and good enough for ids and fault draws ------------------ */

uint64_t
sim_rng_next(uint64_t *state)
{
    uint64_t z;

    *state += 0x9e3779b97f4a7c15ULL;
    z = *state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double
sim_rng_unit(uint64_t *state)
{
    return (double)(sim_rng_next(state) >> 11) * (1.0 / 9007199254740992.0);
}

/* out = prefix followed by len characters drawn from alphabet (out has room for them). */
static void
rng_id(uint64_t *state, const char *prefix, const char *alphabet, size_t len, char *out)
{
    size_t p = strlen(prefix), k = strlen(alphabet);

    memcpy(out, prefix, p);
    for (size_t i = 0; i < len; i++)
        out[p + i] = alphabet[sim_rng_next(state) % k];
    out[p + len] = '\0';
}

void
sim_request_id(char out[40])
{
    static atomic_uint_fast64_t counter;
    uint64_t c = atomic_fetch_add(&counter, 1), a, b;

    /* Unique per process by the counter; the pid and time only make ids differ between runs. */
    a = ((uint64_t)getpid() * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)time(NULL) << 20) ^ c;
    a = sim_rng_next(&a);
    b = a ^ c;
    b = sim_rng_next(&b);
    snprintf(out, 40, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffffu, (unsigned)a & 0xfffu,
             (unsigned)((b >> 48) & 0x3fffu) | 0x8000u,
             (unsigned long long)(b & 0xffffffffffffULL));
}

/* --- ids ------------------------------------------------------------------------------ */

static const char lower_digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";

void
sim_new_account_id(struct sim *s, char out[13])
{
    do {
        rng_id(&s->rng_ids, "", "0123456789", 12, out);
    } while (strcmp(out, SIM_MANAGEMENT_ID) == 0 || sim_account_find_any(s, out) != NULL);
}

void
sim_new_car_id(struct sim *s, char out[40])
{
    do {
        rng_id(&s->rng_ids, "car-", lower_digits, 32, out);
    } while (sim_req_find(s, out) != NULL);
}

void
sim_new_ou_id(struct sim *s, char out[SIM_ID_LEN])
{
    char prefix[24];

    snprintf(prefix, sizeof(prefix), "ou-%s-", s->root_id + 2);
    do {
        rng_id(&s->rng_ids, prefix, lower_digits, 8, out);
    } while (sim_ou_find(s, out) != NULL);
}

void
sim_new_policy_id(struct sim *s, char out[SIM_ID_LEN])
{
    do {
        rng_id(&s->rng_ids, "p-", lower_digits, 8, out);
    } while (sim_policy_find(s, out) != NULL);
}

/* --- lookups and counters ------------------------------------------------------------- */

/* The element of items (n of size bytes each) whose id, the string at byte off, is id. */
static void *
find_by_id(void *items, size_t n, size_t size, size_t off, const char *id)
{
    char *e = items;

    for (size_t i = 0; i < n; i++, e += size) {
        if (strcmp(e + off, id) == 0)
            return e;
    }
    return NULL;
}

struct sim_account *
sim_account_find_any(struct sim *s, const char *id)
{
    return find_by_id(s->accounts, s->naccounts, sizeof(*s->accounts),
                      offsetof(struct sim_account, id), id);
}

struct sim_account *
sim_account_find(struct sim *s, const char *id)
{
    struct sim_account *a = sim_account_find_any(s, id);

    return a != NULL && a->state != SIM_ACCT_DEPARTED ? a : NULL;
}

struct sim_ou *
sim_ou_find(struct sim *s, const char *id)
{
    return find_by_id(s->ous, s->nous, sizeof(*s->ous), offsetof(struct sim_ou, id), id);
}

struct sim_create_req *
sim_req_find(struct sim *s, const char *id)
{
    return find_by_id(s->reqs, s->nreqs, sizeof(*s->reqs), offsetof(struct sim_create_req, id), id);
}

static void
req_release(struct sim_create_req *r)
{
    free(r->email);
    free(r->account_name);
    free(r->role_name);
    sim_tags_release(&r->tags);
}

static void
account_release(struct sim_account *a)
{
    free(a->email);
    free(a->name);
    free(a->role_name);
    sim_tags_release(&a->tags);
    free(a->rates);
}

static void
policy_release(struct sim_policy *p)
{
    free(p->name);
    free(p->description);
    free(p->content);
    sim_tags_release(&p->tags);
}

void
sim_session_release(struct sim_session *ss)
{
    OPENSSL_cleanse(ss->secret, sizeof(ss->secret));
    free(ss->token);
    free(ss->role_name);
    free(ss->session_name);
}

struct sim_create_req *
sim_req_new(struct sim *s, const char *email, const char *name, const char *role)
{
    struct sim_create_req *r = grow_slot(&s->reqs, s->nreqs, &s->cap_reqs, sizeof(*r));

    if (r == NULL)
        return NULL;
    r->email = strdup(email);
    r->account_name = strdup(name);
    r->role_name = strdup(role != NULL ? role : SIM_DEFAULT_ROLE);
    if (r->email == NULL || r->account_name == NULL || r->role_name == NULL) {
        req_release(r);
        return NULL;
    }
    return r;
}

bool
sim_parent_exists(struct sim *s, const char *id)
{
    return strcmp(id, s->root_id) == 0 || sim_ou_find(s, id) != NULL;
}

/*
 * Emails compare case-insensitively: the root user's email is an address, and treating
 * "A@x.com" and "a@x.com" as two addresses would let a client believe it can reuse one.
 */
bool
sim_email_used(struct sim *s, const char *email)
{
    for (size_t i = 0; i < s->naccounts; i++) {
        if (strcasecmp(s->accounts[i].email, email) == 0)
            return true;
    }
    return false;
}

static int
count_in_state(const struct sim *s, enum sim_acct_state state)
{
    int n = 0;

    for (size_t i = 0; i < s->naccounts; i++)
        n += s->accounts[i].state == state;
    return n;
}

int
sim_count_accounts(const struct sim *s)
{
    return (int)s->naccounts - count_in_state(s, SIM_ACCT_DEPARTED);
}

int
sim_count_closing(const struct sim *s)
{
    return count_in_state(s, SIM_ACCT_PENDING_CLOSURE);
}

int
sim_count_creating(const struct sim *s)
{
    int n = 0;

    for (size_t i = 0; i < s->nreqs; i++)
        n += s->reqs[i].state == SIM_CAR_IN_PROGRESS;
    return n;
}

int
sim_close_used(const struct sim *s, double now)
{
    int n = 0;

    for (size_t i = 0; i < s->ncloses; i++)
        n += s->closes[i].t > now - SIM_CLOSE_WINDOW;
    return n;
}

/*
 * AWS (section 3.1): "20% of member accounts or 250, whichever is higher, with a maximum of
 * 1,000". Member accounts are the accounts in the organization other than the management
 * account, closed ones included until they leave (they are still members).
 */
int
sim_close_limit(const struct sim *s)
{
    long members, pct;

    if (s->close_quota > 0)
        return s->close_quota;
    members = sim_count_accounts(s) - 1;
    pct = members * s->close_quota_pct / 100;
    if (pct < s->close_quota_min)
        pct = s->close_quota_min;
    if (s->close_quota_max > 0 && pct > s->close_quota_max)
        pct = s->close_quota_max;
    return (int)pct;
}

struct sim_account *
sim_account_add(struct sim *s, const char *id, const char *email, const char *name,
                const char *role, const char *parent, bool created, double joined)
{
    struct sim_account *a = grow_slot(&s->accounts, s->naccounts, &s->cap_accounts, sizeof(*a));

    if (a == NULL)
        return NULL;
    snprintf(a->id, sizeof(a->id), "%s", id);
    snprintf(a->parent_id, sizeof(a->parent_id), "%s", parent);
    a->email = strdup(email);
    a->name = strdup(name);
    a->role_name = strdup(role != NULL ? role : SIM_DEFAULT_ROLE);
    if (a->email == NULL || a->name == NULL || a->role_name == NULL) {
        account_release(a);
        return NULL;
    }
    a->state = SIM_ACCT_ACTIVE;
    a->created = created;
    a->joined = sim_ms(joined);
    s->naccounts++;
    if (sim_full_access_attach(s, a->id) != 0)
        return NULL;
    return a;
}

/* --- tags ----------------------------------------------------------------------------- */

int
sim_tags_set(struct sim_tags *t, const char *key, const char *value)
{
    char *v = strdup(value), *k;

    if (v == NULL)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->v[i].key, key) == 0) {
            free(t->v[i].value);
            t->v[i].value = v;
            return 0;
        }
    }
    k = strdup(key);
    if (k == NULL ||
        sim_append(&t->v, &t->n, &t->cap, sizeof(*t->v), &(struct sim_tag){ k, v }) != 0) {
        free(k);
        free(v);
        return -1;
    }
    return 0;
}

void
sim_tags_remove(struct sim_tags *t, const char *key)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->v[i].key, key) == 0) {
            free(t->v[i].key);
            free(t->v[i].value);
            memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(t->v[0]));
            t->n--;
            return;
        }
    }
}

int
sim_tags_copy(struct sim_tags *dst, const struct sim_tags *src)
{
    for (size_t i = 0; i < src->n; i++) {
        if (sim_tags_set(dst, src->v[i].key, src->v[i].value) != 0)
            return -1;
    }
    return 0;
}

void
sim_tags_release(struct sim_tags *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].key);
        free(t->v[i].value);
    }
    free(t->v);
    memset(t, 0, sizeof(*t));
}

struct sim_tags *
sim_tags_of(struct sim *s, const char *id)
{
    struct sim_account *a;
    struct sim_ou *ou;

    if (strcmp(id, s->root_id) == 0)
        return &s->root_tags;
    a = sim_account_find(s, id);
    if (a != NULL)
        return &a->tags;
    ou = sim_ou_find(s, id);
    if (ou != NULL)
        return &ou->tags;
    {
        struct sim_policy *p = sim_policy_find(s, id);

        return p != NULL && !p->aws_managed ? &p->tags : NULL;
    }
}

/* --- names, ARNs, paths ---------------------------------------------------------------- */

const char *
sim_acct_status(const struct sim_account *a)
{
    return a->state == SIM_ACCT_CLOSED || a->state == SIM_ACCT_DEPARTED ? "SUSPENDED"
                                                                        : sim_acct_state_name(a);
}

const char *
sim_acct_state_name(const struct sim_account *a)
{
    static const char *const names[] = {
        [SIM_ACCT_ACTIVE] = "ACTIVE",
        [SIM_ACCT_PENDING_CLOSURE] = "PENDING_CLOSURE",
        [SIM_ACCT_CLOSED] = "CLOSED",
        [SIM_ACCT_DEPARTED] = "DEPARTED",
    };

    return names[a->state];
}

const char *
sim_account_arn(const struct sim *s, const char *id, char *buf, size_t n)
{
    (void)s;
    snprintf(buf, n, "arn:aws:organizations::%s:account/%s/%s", SIM_MANAGEMENT_ID, SIM_ORG_ID, id);
    return buf;
}

/* "o-.../r-.../ou-.../[account/]": the model's Path pattern, trailing slash included. */
const char *
sim_path_of(struct sim *s, const char *id, char *buf, size_t n)
{
    const char *chain[SIM_MAX_OU_DEPTH + 2];
    size_t depth = 0, off;
    const char *cur = id;
    struct sim_account *a = sim_account_find_any(s, id);

    if (a != NULL) {
        chain[depth++] = a->id;
        cur = a->parent_id;
    }
    while (depth < SBX_ARRAY_LEN(chain) && strcmp(cur, s->root_id) != 0) {
        struct sim_ou *ou = sim_ou_find(s, cur);

        if (ou == NULL)
            break;
        chain[depth++] = ou->id;
        cur = ou->parent_id;
    }
    off = (size_t)snprintf(buf, n, "%s/%s/", SIM_ORG_ID, s->root_id);
    while (depth > 0 && off < n) {
        depth--;
        off += (size_t)snprintf(buf + off, n - off, "%s/", chain[depth]);
    }
    return buf;
}

double
sim_ms(double t)
{
    return round(t * 1000.0) / 1000.0;
}

/* t as ISO 8601 UTC, or in the basic format SigV4 dates use (compact). */
static const char *
format_utc(double t, bool compact, char *buf, size_t n)
{
    time_t tt = (time_t)floor(t);
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(buf, n, compact ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

const char *
sim_iso8601(double t, char *buf, size_t n)
{
    return format_utc(t, false, buf, n);
}

const char *
sim_amz_date(double t, char *buf, size_t n)
{
    return format_utc(t, true, buf, n);
}

/* --- clock and transitions ------------------------------------------------------------ */

struct sbx_clock *
sim_clock(struct sim *s)
{
    return &s->clock;
}

double
sim_now(const struct sim *s)
{
    return clock_now(&s->clock);
}

double
sim_time_scale(const struct sim *s)
{
    return s->clock.scale;
}

enum ev_kind {
    EV_DEPART = 0, /* frees a slot first when events share a timestamp */
    EV_SUSPEND,
    EV_CREATE,
};

struct ev {
    double t;
    enum ev_kind kind;
    size_t idx;
};

static int
ev_cmp(const void *pa, const void *pb)
{
    const struct ev *a = pa, *b = pb;

    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static double
suspend_time(const struct sim *s, const struct sim_account *a)
{
    return a->suspended > 0 ? a->suspended : a->closed + s->close_latency;
}

void
sim_schedule(struct sim *s)
{
    double due = INFINITY;

    for (size_t i = 0; i < s->nreqs; i++) {
        if (s->reqs[i].state == SIM_CAR_IN_PROGRESS)
            due = fmin(due, s->reqs[i].requested + s->create_latency);
    }
    for (size_t i = 0; i < s->naccounts; i++) {
        const struct sim_account *a = &s->accounts[i];

        if (a->state == SIM_ACCT_PENDING_CLOSURE)
            due = fmin(due, suspend_time(s, a));
        else if (a->state == SIM_ACCT_CLOSED)
            due = fmin(due, a->suspended + SIM_AFTERLIFE);
    }
    s->next_due = due;
}

/* Decides and applies the outcome of a creation finishing at time t. */
static void
finish_create(struct sim *s, struct sim_create_req *r, double t)
{
    struct sim_account *a;
    char id[13];

    r->completed = sim_ms(t);
    r->state = SIM_CAR_FAILED;
    if (r->forced_failure[0] != '\0') {
        snprintf(r->failure, sizeof(r->failure), "%s", r->forced_failure);
        return;
    }
    if (sim_email_used(s, r->email)) {
        snprintf(r->failure, sizeof(r->failure), "EMAIL_ALREADY_EXISTS");
        return;
    }
    if (sim_count_accounts(s) >= s->account_limit) {
        snprintf(r->failure, sizeof(r->failure), "ACCOUNT_LIMIT_EXCEEDED");
        return;
    }
    sim_new_account_id(s, id);
    a = sim_account_add(s, id, r->email, r->account_name, r->role_name, s->root_id, true, t);
    if (a == NULL || sim_tags_copy(&a->tags, &r->tags) != 0) {
        /* Out of memory inside the simulator: AWS's own answer to an internal failure. */
        snprintf(r->failure, sizeof(r->failure), "INTERNAL_FAILURE");
        return;
    }
    r->state = SIM_CAR_SUCCEEDED;
    snprintf(r->account_id, sizeof(r->account_id), "%s", id);
}

int
sim_append(void *itemsp, size_t *n, size_t *cap, size_t size, const void *item)
{
    void *slot = grow_slot(itemsp, *n, cap, size);

    if (slot == NULL)
        return -1;
    memcpy(slot, item, size);
    (*n)++;
    return 0;
}

static int
ev_push(struct ev **v, size_t *n, size_t *cap, double t, enum ev_kind kind, size_t idx)
{
    return sim_append(v, n, cap, sizeof(**v), &(struct ev){ t, kind, idx });
}

static void
prune_sessions(struct sim *s, double now)
{
    size_t j = 0;

    /* Expired sessions answer ExpiredToken for a day, then are forgotten. */
    for (size_t i = 0; i < s->nsessions; i++) {
        if (s->sessions[i].expires + SIM_DAY < now) {
            sim_session_release(&s->sessions[i]);
            continue;
        }
        s->sessions[j++] = s->sessions[i];
    }
    s->nsessions = j;
}

void
sim_catch_up(struct sim *s)
{
    double now = sim_now(s);
    struct ev *evs = NULL;
    size_t nev = 0, cap = 0;

    if (now < s->next_due)
        return;
    for (size_t i = 0; i < s->nreqs; i++) {
        struct sim_create_req *r = &s->reqs[i];
        double t = r->requested + s->create_latency;

        if (r->state == SIM_CAR_IN_PROGRESS && t <= now &&
            ev_push(&evs, &nev, &cap, t, EV_CREATE, i) != 0)
            goto out;
    }
    for (size_t i = 0; i < s->naccounts; i++) {
        struct sim_account *a = &s->accounts[i];
        double ts = suspend_time(s, a);

        if (a->state == SIM_ACCT_PENDING_CLOSURE && ts <= now &&
            ev_push(&evs, &nev, &cap, ts, EV_SUSPEND, i) != 0)
            goto out;
        if ((a->state == SIM_ACCT_PENDING_CLOSURE || a->state == SIM_ACCT_CLOSED) &&
            ts + SIM_AFTERLIFE <= now &&
            ev_push(&evs, &nev, &cap, ts + SIM_AFTERLIFE, EV_DEPART, i) != 0)
            goto out;
    }
    qsort(evs, nev, sizeof(*evs), ev_cmp);
    for (size_t i = 0; i < nev; i++) {
        struct sim_account *a;

        switch (evs[i].kind) {
        case EV_CREATE:
            /* finish_create may grow s->accounts: index, never hold pointers across it. */
            finish_create(s, &s->reqs[evs[i].idx], evs[i].t);
            break;
        case EV_SUSPEND:
            a = &s->accounts[evs[i].idx];
            a->state = SIM_ACCT_CLOSED;
            a->suspended = sim_ms(evs[i].t);
            break;
        case EV_DEPART:
            a = &s->accounts[evs[i].idx];
            a->state = SIM_ACCT_DEPARTED;
            a->departed = sim_ms(evs[i].t);
            break;
        }
    }
    prune_sessions(s, now);
out:
    /* On out of memory nothing was applied; the next request tries again. */
    free(evs);
    sim_schedule(s);
}

void
sim_advance(struct sim *s, double secs)
{
    if (secs > CLOCK_MAX_TIME - sim_now(s))
        secs = CLOCK_MAX_TIME - sim_now(s);
    if (secs > 0)
        clock_advance(&s->clock, secs);
    sim_catch_up(s);
}

/* The next whole millisecond at or after t: AWS's timestamps are milliseconds, so a paused
 * clock on that grid, advanced by whole seconds, stamps exactly what a test computes. */
static double
ms_ceil(double t)
{
    return ceil(t * 1000.0) / 1000.0;
}

void
sim_pause(struct sim *s)
{
    sim_catch_up(s);
    if (sim_paused(s))
        return;
    clock_pause(&s->clock);
    s->clock.base_sim = ms_ceil(s->clock.base_sim);
}

void
sim_resume(struct sim *s)
{
    clock_resume(&s->clock);
}

const char *
sim_admin_token(const struct sim *s)
{
    return s->admin_token;
}

bool
sim_paused(const struct sim *s)
{
    return s->clock.paused || s->clock.fixed;
}

/* --- token buckets -------------------------------------------------------------------- */

bool
sim_bucket_take(struct sim *s, enum sim_op op)
{
    struct sim_bucket *b = &s->buckets[op];
    double now = sim_now(s);

    if (!s->throttle || op_table[op].rate <= 0)
        return true;
    if (now > b->last) {
        b->tokens = fmin(op_table[op].burst, b->tokens + (now - b->last) * op_table[op].rate);
        b->last = now;
    }
    if (b->tokens < 1)
        return false;
    b->tokens -= 1;
    return true;
}

static void
buckets_fill(struct sim *s)
{
    double now = sim_now(s);

    for (int i = 0; i < SIM_OP_COUNT; i++) {
        s->buckets[i].tokens = op_table[i].burst;
        s->buckets[i].last = now;
    }
}

/* --- lifecycle ------------------------------------------------------------------------ */

void
sim_opts_init(struct sim_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->management_email = "management@example.com";
    o->time_scale = 1;
    o->create_latency = 60;
    o->close_latency = 300;
    o->account_limit = 10;
    o->close_quota_min = 250;
    o->close_quota_pct = 20;
    o->close_quota_max = 1000;
    o->throttle = true;
    o->assign_latency = 2;
    o->ce_lag = 43200;
    o->ce_page_size = 500;
}

/* Frees the array the caller holds in *itemsp (its elements released already) and empties it. */
static void
array_free(void *itemsp, size_t *n, size_t *cap)
{
    void **items = itemsp;

    free(*items);
    *items = NULL;
    *n = *cap = 0;
}

static void
release_org(struct sim *s)
{
    for (size_t i = 0; i < s->naccounts; i++)
        account_release(&s->accounts[i]);
    array_free(&s->accounts, &s->naccounts, &s->cap_accounts);
    for (size_t i = 0; i < s->nous; i++) {
        free(s->ous[i].name);
        sim_tags_release(&s->ous[i].tags);
    }
    array_free(&s->ous, &s->nous, &s->cap_ous);
    for (size_t i = 0; i < s->nreqs; i++)
        req_release(&s->reqs[i]);
    array_free(&s->reqs, &s->nreqs, &s->cap_reqs);
    array_free(&s->closes, &s->ncloses, &s->cap_closes);
    for (size_t i = 0; i < s->nsessions; i++)
        sim_session_release(&s->sessions[i]);
    array_free(&s->sessions, &s->nsessions, &s->cap_sessions);
    for (size_t i = 0; i < s->npolicies; i++)
        policy_release(&s->policies[i]);
    array_free(&s->policies, &s->npolicies, &s->cap_policies);
    array_free(&s->attach, &s->nattach, &s->cap_attach);
    s->policy_types = 0;
    sim_tags_release(&s->root_tags);
}

static void
faults_release(struct sim_faults *f)
{
    free(f->fail_create_matching);
    f->fail_create_matching = NULL;
}

static int
faults_copy(struct sim_faults *dst, const struct sim_faults *src)
{
    *dst = *src;
    dst->fail_create_matching = NULL;
    if (src->fail_create_matching != NULL) {
        dst->fail_create_matching = strdup(src->fail_create_matching);
        if (dst->fail_create_matching == NULL)
            return -1;
    }
    return 0;
}

/* The organization as it is on day one: the management account under the root. */
static int
init_org(struct sim *s)
{
    double now = sim_now(s);

    if (sim_account_add(s, SIM_MANAGEMENT_ID, s->management_email, "Management", NULL, s->root_id,
                        false, now) == NULL)
        return -1;
    buckets_fill(s);
    memset(s->calls, 0, sizeof(s->calls));
    s->clock_reads = 0;
    s->next_due = INFINITY;
    return 0;
}

int
sim_new(const struct sim_opts *o, struct sim **out, struct sbx_err *err)
{
    struct sim *s = NULL;
    uint64_t seed = o->seed;

    *out = NULL;
    if (o->access_key_id == NULL || *o->access_key_id == '\0' || o->secret_access_key == NULL ||
        *o->secret_access_key == '\0') {
        sbx_err_set(err, SBX_E_INVALID, "an access key id and secret access key are required");
        return -1;
    }
    if (!(o->time_scale > 0) || o->create_latency < 0 || o->close_latency < 0 ||
        o->account_limit < 1 || o->close_quota < 0 || o->close_quota_pct < 0 ||
        o->close_quota_min < 0 || o->close_quota_max < 0 || o->assign_latency < 0 ||
        !(o->ce_lag >= 0) || o->ce_page_size < 1) {
        sbx_err_set(err, SBX_E_INVALID, "invalid simulator option (negative or zero value)");
        return -1;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        goto nomem;
    s->access_key_id = strdup(o->access_key_id);
    s->secret_access_key = strdup(o->secret_access_key);
    if (o->admin_token != NULL && *o->admin_token != '\0') {
        s->admin_token = strdup(o->admin_token);
        if (s->admin_token == NULL)
            goto nomem;
    }
    s->management_email =
            strdup(o->management_email != NULL ? o->management_email : "management@example.com");
    if (s->access_key_id == NULL || s->secret_access_key == NULL || s->management_email == NULL)
        goto nomem;
    s->create_latency = o->create_latency;
    s->close_latency = o->close_latency;
    s->account_limit = o->account_limit;
    s->close_quota = o->close_quota;
    s->close_quota_min = o->close_quota_min;
    s->close_quota_pct = o->close_quota_pct;
    s->close_quota_max = o->close_quota_max;
    s->throttle = o->throttle;
    s->idc.assign_latency = o->assign_latency;
    s->ce_lag = o->ce_lag;
    s->ce_page_size = o->ce_page_size;
    s->faults_opt.error_rate = o->error_rate;
    s->faults_opt.throttle_rate = o->throttle_rate;
    s->faults_opt.drop_rate = o->drop_rate;
    s->faults_opt.latency_ms = o->latency_ms;
    snprintf(s->faults_opt.fail_create_reason, sizeof(s->faults_opt.fail_create_reason),
             "INTERNAL_FAILURE");
    snprintf(s->faults_opt.deny_format, sizeof(s->faults_opt.deny_format), "json");
    if (faults_copy(&s->faults, &s->faults_opt) != 0)
        goto nomem;
    if (o->fixed_clock)
        clock_init_paused(&s->clock, o->start_time > 0 ? o->start_time : ms_ceil(clock_wall()),
                          o->time_scale);
    else
        clock_init_scaled(&s->clock, o->start_time > 0 ? o->start_time : clock_wall(),
                          o->time_scale);
    if (!o->seeded && getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
        seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    s->rng_ids = seed;
    s->rng_faults = seed ^ 0x5bd1e9955bd1e995ULL;
    s->token_salt = sim_rng_next(&s->rng_ids);
    rng_id(&s->rng_ids, "r-", lower_digits, 4, s->root_id);
    if (init_org(s) != 0)
        goto nomem;
    *out = s;
    return 0;
nomem:
    sbx_err_nomem(err);
    sim_free(s);
    return -1;
}

void
sim_free(struct sim *s)
{
    if (s == NULL)
        return;
    release_org(s);
    sim_idc_release(s);
    sim_budgets_release(s);
    faults_release(&s->faults);
    free(s->access_key_id);
    if (s->admin_token != NULL) {
        OPENSSL_cleanse(s->admin_token, strlen(s->admin_token));
        free(s->admin_token);
    }
    if (s->secret_access_key != NULL) {
        OPENSSL_cleanse(s->secret_access_key, strlen(s->secret_access_key));
        free(s->secret_access_key);
    }
    free(s->management_email);
    free(s);
}

void
sim_reset(struct sim *s)
{
    release_org(s);
    sim_idc_release(s);
    sim_budgets_release(s);
    s->idc.external_source = false; /* Identity Center's own directory again */
    faults_release(&s->faults);
    if (faults_copy(&s->faults, &s->faults_opt) != 0)
        memset(&s->faults, 0, sizeof(s->faults));
    if (init_org(s) != 0)
        return; /* out of memory: an organization without even its management account */
}

/* --- AWS Budgets state (operations in sim_budgets.c) ------------------------------ */

void
sim_budgets_release(struct sim *s)
{
    cJSON_Delete(s->budgets);
    s->budgets = NULL;
}

/* --- IAM Identity Center state (operations in sim_idc.c) -------------------------- */

struct sim_idc_user *
sim_idc_user_find(struct sim *s, const char *id)
{
    return find_by_id(s->idc.users, s->idc.nusers, sizeof(*s->idc.users),
                      offsetof(struct sim_idc_user, id), id);
}

struct sim_idc_group *
sim_idc_group_find(struct sim *s, const char *id)
{
    return find_by_id(s->idc.groups, s->idc.ngroups, sizeof(*s->idc.groups),
                      offsetof(struct sim_idc_group, id), id);
}

bool
sim_idc_principal_exists(struct sim *s, const char *type, const char *id)
{
    return strcmp(type, "USER") == 0 ? sim_idc_user_find(s, id) != NULL
                                     : sim_idc_group_find(s, id) != NULL;
}
static bool
same_assignment(const struct sim_idc_assignment *a, const struct sim_idc_assignment *b)
{
    return strcmp(a->account_id, b->account_id) == 0 && strcmp(a->ps_arn, b->ps_arn) == 0 &&
           strcmp(a->principal_type, b->principal_type) == 0 &&
           strcmp(a->principal_id, b->principal_id) == 0;
}
struct sim_idc_assignment *
sim_idc_assignment_find(struct sim *s, const struct sim_idc_assignment *a)
{
    for (size_t i = 0; i < s->idc.nassignments; i++) {
        if (same_assignment(&s->idc.assignments[i], a))
            return &s->idc.assignments[i];
    }
    return NULL;
}
static void
idc_apply(struct sim *s, struct sim_idc_op *op)
{
    struct sim_idc_assignment *cur = sim_idc_assignment_find(s, &op->a);

    op->applied = true;
    if (op->deletion) {
        if (cur != NULL) {
            size_t i = (size_t)(cur - s->idc.assignments);

            memmove(cur, cur + 1, (s->idc.nassignments - i - 1) * sizeof(*cur));
            s->idc.nassignments--;
        }
        return;
    }
    {
        struct sim_account *acct = sim_account_find(s, op->a.account_id);

        if (acct == NULL || acct->state != SIM_ACCT_ACTIVE) {
            snprintf(op->failure, sizeof(op->failure),
                     "Account %s is not an active member of the organization", op->a.account_id);
            return;
        }
    }
    if (!sim_idc_principal_exists(s, op->a.principal_type, op->a.principal_id)) {
        snprintf(op->failure, sizeof(op->failure), "%s %s no longer exists", op->a.principal_type,
                 op->a.principal_id);
        return;
    }
    if (cur == NULL && sim_append(&s->idc.assignments, &s->idc.nassignments,
                                  &s->idc.cap_assignments, sizeof(op->a), &op->a) != 0)
        snprintf(op->failure, sizeof(op->failure), "internal failure");
}
void
sim_idc_catch_up(struct sim *s)
{
    double now = sim_now(s);

    for (size_t i = 0; i < s->idc.nops; i++) {
        if (!s->idc.ops[i].applied && s->idc.ops[i].due <= now)
            idc_apply(s, &s->idc.ops[i]);
    }
}
static void
user_release(struct sim_idc_user *u)
{
    free(u->user_name);
    free(u->email);
    free(u->display_name);
}

void
sim_idc_release(struct sim *s)
{
    struct sim_idc *d = &s->idc;

    for (size_t i = 0; i < d->nusers; i++)
        user_release(&d->users[i]);
    array_free(&d->users, &d->nusers, &d->cap_users);
    for (size_t i = 0; i < d->ngroups; i++)
        free(d->groups[i].name);
    array_free(&d->groups, &d->ngroups, &d->cap_groups);
    array_free(&d->memberships, &d->nmemberships, &d->cap_memberships);
    array_free(&d->assignments, &d->nassignments, &d->cap_assignments);
    array_free(&d->ops, &d->nops, &d->cap_ops);
}
static char *
dup_opt(const char *v, bool *oom)
{
    char *d;

    if (v == NULL)
        return NULL;
    d = strdup(v);
    if (d == NULL)
        *oom = true;
    return d;
}

struct sim_idc_user *
sim_idc_user_add(struct sim *s, const char *id, const char *name, const char *email,
                 const char *display)
{
    struct sim_idc *d = &s->idc;
    struct sim_idc_user *u = grow_slot(&d->users, d->nusers, &d->cap_users, sizeof(*u));
    bool oom = false;

    if (u == NULL)
        return NULL;
    snprintf(u->id, sizeof(u->id), "%s", id);
    u->user_name = dup_opt(name, &oom);
    u->email = dup_opt(email, &oom);
    u->display_name = dup_opt(display, &oom);
    if (oom) {
        user_release(u);
        return NULL;
    }
    d->nusers++;
    return u;
}

int
sim_idc_membership_add(struct sim *s, const char *id, const char *group, const char *user)
{
    struct sim_idc_membership m;

    snprintf(m.id, sizeof(m.id), "%s", id);
    snprintf(m.group_id, sizeof(m.group_id), "%s", group);
    snprintf(m.user_id, sizeof(m.user_id), "%s", user);
    return sim_append(&s->idc.memberships, &s->idc.nmemberships, &s->idc.cap_memberships, sizeof(m),
                      &m);
}

struct sim_idc_group *
sim_idc_group_add(struct sim *s, const char *id, const char *name)
{
    struct sim_idc *d = &s->idc;
    struct sim_idc_group *gr = grow_slot(&d->groups, d->ngroups, &d->cap_groups, sizeof(*gr));

    if (gr == NULL)
        return NULL;
    snprintf(gr->id, sizeof(gr->id), "%s", id);
    gr->name = strdup(name);
    if (gr->name == NULL)
        return NULL;
    d->ngroups++;
    return gr;
}

/* --- spend (Cost Explorer) ------------------------------------------------------------- */

int
sim_rate_set(struct sim *s, struct sim_account *a, double per_day)
{
    double now = sim_now(s);

    if (a->nrates > 0 && a->rates[a->nrates - 1].from >= now) {
        a->rates[a->nrates - 1].per_day = per_day; /* same instant: the last word wins */
        return 0;
    }
    return sim_append(&a->rates, &a->nrates, &a->cap_rates, sizeof(*a->rates),
                      &(struct sim_rate){ now, per_day });
}

double
sim_cost_between(const struct sim_account *a, double t0, double t1)
{
    double total = 0;

    /* Spend starts when the account joins and stops when it is closed. */
    if (t0 < a->joined)
        t0 = a->joined;
    if (a->closed > 0 && t1 > a->closed)
        t1 = a->closed;
    for (size_t i = 0; i < a->nrates && t0 < t1; i++) {
        double from = a->rates[i].from > t0 ? a->rates[i].from : t0;
        double to = i + 1 < a->nrates && a->rates[i + 1].from < t1 ? a->rates[i + 1].from : t1;

        if (to > from)
            total += a->rates[i].per_day * (to - from) / SIM_DAY;
    }
    return total;
}

/* --- policies -------------------------------------------------------------------------- */

const char *const sim_policy_types[SIM_POLICY_TYPES] = {
    "SERVICE_CONTROL_POLICY",
    "RESOURCE_CONTROL_POLICY",
    "TAG_POLICY",
    "BACKUP_POLICY",
    "AISERVICES_OPT_OUT_POLICY",
    "CHATBOT_POLICY",
    "DECLARATIVE_POLICY_EC2",
    "SECURITYHUB_POLICY",
    "INSPECTOR_POLICY",
    "UPGRADE_ROLLOUT_POLICY",
    "BEDROCK_POLICY",
    "S3_POLICY",
    "NETWORK_SECURITY_DIRECTOR_POLICY",
};

int
sim_policy_type_find(const char *name)
{
    for (int i = 0; i < SIM_POLICY_TYPES; i++) {
        if (strcmp(sim_policy_types[i], name) == 0)
            return i;
    }
    return -1;
}

struct sim_policy *
sim_policy_find(struct sim *s, const char *id)
{
    return find_by_id(s->policies, s->npolicies, sizeof(*s->policies),
                      offsetof(struct sim_policy, id), id);
}

struct sim_policy *
sim_policy_add(struct sim *s, const char *id, const char *name, const char *description,
               const char *content, int type, bool aws_managed)
{
    struct sim_policy *p = grow_slot(&s->policies, s->npolicies, &s->cap_policies, sizeof(*p));

    if (p == NULL)
        return NULL;
    snprintf(p->id, sizeof(p->id), "%s", id);
    p->name = strdup(name);
    p->description = strdup(description);
    p->content = strdup(content);
    if (p->name == NULL || p->description == NULL || p->content == NULL) {
        policy_release(p);
        return NULL;
    }
    p->type = type;
    p->aws_managed = aws_managed;
    s->npolicies++;
    return p;
}

bool
sim_attached(const struct sim *s, const char *policy_id, const char *target_id)
{
    for (size_t i = 0; i < s->nattach; i++) {
        if (strcmp(s->attach[i].policy_id, policy_id) == 0 &&
            strcmp(s->attach[i].target_id, target_id) == 0)
            return true;
    }
    return false;
}

int
sim_attach_add(struct sim *s, const char *policy_id, const char *target_id)
{
    struct sim_attach at;

    if (sim_attached(s, policy_id, target_id))
        return 0;
    snprintf(at.policy_id, sizeof(at.policy_id), "%s", policy_id);
    snprintf(at.target_id, sizeof(at.target_id), "%s", target_id);
    return sim_append(&s->attach, &s->nattach, &s->cap_attach, sizeof(at), &at);
}

int
sim_close_add(struct sim *s, const char *account_id, double t)
{
    struct sim_close cl = { .t = t };

    snprintf(cl.account_id, sizeof(cl.account_id), "%s", account_id);
    return sim_append(&s->closes, &s->ncloses, &s->cap_closes, sizeof(cl), &cl);
}

struct sim_ou *
sim_ou_add(struct sim *s, const char *id, const char *name, const char *parent)
{
    struct sim_ou *ou = grow_slot(&s->ous, s->nous, &s->cap_ous, sizeof(*ou)), *p;

    if (ou == NULL)
        return NULL;
    ou->name = strdup(name);
    if (ou->name == NULL)
        return NULL;
    snprintf(ou->id, sizeof(ou->id), "%s", id);
    snprintf(ou->parent_id, sizeof(ou->parent_id), "%s", parent);
    p = sim_ou_find(s, parent);
    ou->depth = p != NULL ? p->depth + 1 : 1;
    s->nous++;
    return ou;
}

void
sim_attach_remove(struct sim *s, const char *policy_id, const char *target_id)
{
    for (size_t i = 0; i < s->nattach; i++) {
        if (strcmp(s->attach[i].policy_id, policy_id) == 0 &&
            strcmp(s->attach[i].target_id, target_id) == 0) {
            /* Keep the order: listings page by index. */
            memmove(&s->attach[i], &s->attach[i + 1], (s->nattach - i - 1) * sizeof(*s->attach));
            s->nattach--;
            return;
        }
    }
}

int
sim_attach_count(struct sim *s, const char *target_id, int type)
{
    int n = 0;

    for (size_t i = 0; i < s->nattach; i++) {
        const struct sim_policy *p;

        if (strcmp(s->attach[i].target_id, target_id) != 0)
            continue;
        p = sim_policy_find(s, s->attach[i].policy_id);
        if (p != NULL && p->type == type)
            n++;
    }
    return n;
}

int
sim_full_access_attach(struct sim *s, const char *target_id)
{
    if ((s->policy_types & (1u << SIM_SCP)) == 0)
        return 0;
    if (sim_policy_find(s, SIM_FULL_ACCESS_ID) == NULL &&
        sim_policy_add(s, SIM_FULL_ACCESS_ID, "FullAWSAccess", "Allows access to every operation",
                       "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                       "\"Action\":\"*\",\"Resource\":\"*\"}]}",
                       SIM_SCP, true) == NULL)
        return -1;
    return sim_attach_add(s, SIM_FULL_ACCESS_ID, target_id);
}
