/*
 * sim_orgs.c -- the Organizations operations (JSON 1.1): validation per the API model
 * (aws-organizations-constraints.txt), AWS's rules and limits, and AWS-shaped answers.
 *
 * One call runs: parse -> catch up the clock -> count -> injected faults -> caller check ->
 * token bucket -> validate -> operation. Choices where AWS's documentation is silent are
 * explained where they are made; the rule throughout is "the most AWS-like answer the
 * documents support", because the engine is tuned against this simulator.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "sim/sim_int.h"

#define JSON_TYPE "application/x-amz-json-1.1"

/* Messages AWS is observed to send (AWS-ORGANIZATIONS.md section 1.5). */
#define MSG_PARENT_NOT_FOUND  "We can't find a root or OU with the ParentId that you specified."
#define MSG_ACCOUNT_NOT_FOUND "We can't find an AWS account with the AccountId that you specified."
#define MSG_POLICY_NOT_FOUND  "We can't find a policy with the PolicyId that you specified."
#define MSG_TARGET_NOT_FOUND \
    "We can't find a root, OU, account, or policy with the TargetId that you specified."
#define MSG_RATE "You have sent too many requests in too short a period of time. Try again later."
#define MSG_BUSY \
    "AWS Organizations can't complete your request because another request is already in progress. Try again later."
#define MSG_SERVICE \
    "AWS Organizations can't complete your request because of an internal service error. Try again later."

struct call {
    struct sim *s;
    const cJSON *in;
    struct sim_reply *r;
    const struct sim_caller *caller;
    enum sim_op op;
    int oom; /* set when building a reply ran out of memory */
};

/* Writes a 400 error (500 for ServiceException) and returns -1 so callers can `return fail()`. */
static int fail(struct call *c, const char *type, const char *reason, const char *fmt, ...)
        SBX_PRINTF(4, 5);

static int
fail(struct call *c, const char *type, const char *reason, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (sim_reply_error(c->s, c->r, true, strcmp(type, "ServiceException") == 0 ? 500 : 400, type,
                        reason, "%s", msg) != 0)
        c->oom = 1;
    return -1;
}

static int invalid(struct call *c, const char *reason, const char *fmt, ...) SBX_PRINTF(3, 4);

static int
invalid(struct call *c, const char *reason, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return fail(c, "InvalidInputException", reason, "%s", msg);
}

static int
nomem(struct call *c)
{
    c->oom = 1;
    return -1;
}

/* What a lookup found, or NULL after answering the error type (with msg) when it found nothing:
 * `if ((a = found(c, sim_account_find(...), ...)) == NULL) return -1;`. */
static void *
found(struct call *c, void *what, const char *type, const char *msg)
{
    if (what == NULL)
        fail(c, type, NULL, "%s", msg);
    return what;
}

/* The empty answer of an operation that changed the organization. */
static int
changed(struct call *c)
{
    c->r->mutated = true;
    return sim_reply_empty(c->r) != 0 ? nomem(c) : 0;
}

/* --- patterns (the model's regular expressions, as code) ------------------------------ */

static bool
all_chars(const char *s, size_t from, size_t to, const char *set)
{
    for (size_t i = from; i < to; i++) {
        if (s[i] == '\0' || strchr(set, s[i]) == NULL)
            return false;
    }
    return true;
}

static const char digits[] = "0123456789";
static const char lower_alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";

/* ^\d{12}$ */
static bool
is_account_id(const char *v)
{
    return strlen(v) == 12 && all_chars(v, 0, 12, digits);
}

/* ^r-[0-9a-z]{4,32}$ */
static bool
is_root_id(const char *v)
{
    size_t n = strlen(v);

    return n >= 6 && n <= 34 && strncmp(v, "r-", 2) == 0 && all_chars(v, 2, n, lower_alnum);
}

/* ^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$ */
static bool
is_ou_id(const char *v)
{
    const char *dash;
    size_t n = strlen(v), a, b;

    if (strncmp(v, "ou-", 3) != 0)
        return false;
    dash = strchr(v + 3, '-');
    if (dash == NULL)
        return false;
    a = (size_t)(dash - v) - 3;
    b = n - (size_t)(dash - v) - 1;
    return a >= 4 && a <= 32 && b >= 8 && b <= 32 && all_chars(v, 3, 3 + a, lower_alnum) &&
           all_chars(v, 4 + a, n, lower_alnum);
}

static bool
is_parent_id(const char *v)
{
    return is_root_id(v) || is_ou_id(v);
}

static bool
is_child_id(const char *v)
{
    return is_account_id(v) || is_ou_id(v);
}

/* ^(p-[0-9a-zA-Z_]{8,128})|(rp-[0-9a-zA-Z_]{4,128})|(rt-[0-9a-zA-Z_]{8,32})$ */
static bool
is_policy_like(const char *v)
{
    static const char set[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
    size_t n = strlen(v);

    if (strncmp(v, "p-", 2) == 0)
        return n - 2 >= 8 && n - 2 <= 128 && all_chars(v, 2, n, set);
    if (strncmp(v, "rp-", 3) == 0)
        return n - 3 >= 4 && n - 3 <= 128 && all_chars(v, 3, n, set);
    if (strncmp(v, "rt-", 3) == 0)
        return n - 3 >= 8 && n - 3 <= 32 && all_chars(v, 3, n, set);
    return false;
}

static bool
is_taggable_id(const char *v)
{
    return is_root_id(v) || is_account_id(v) || is_ou_id(v) || is_policy_like(v);
}

/* ^car-[a-z0-9]{8,32}$ */
static bool
is_car_id(const char *v)
{
    size_t n = strlen(v);

    return n >= 12 && n <= 36 && strncmp(v, "car-", 4) == 0 && all_chars(v, 4, n, lower_alnum);
}

/* [^\s@]+@[^\s@]+\.[^\s@]+ matched against the whole value. */
static bool
is_email(const char *v)
{
    const char *at = strchr(v, '@'), *dot;

    if (at == NULL || at == v || strchr(at + 1, '@') != NULL)
        return false;
    for (const char *p = v; *p != '\0'; p++) {
        if (isspace((unsigned char)*p))
            return false;
    }
    dot = strrchr(at + 1, '.');
    return dot != NULL && dot > at + 1 && dot[1] != '\0';
}

/*
 * The CreateAccount documentation's stricter rules (section 2): 7-bit ASCII; local part
 * without whitespace or " ' ( ) < > [ ] : ; , \ | % & and not starting with '.'; domain of
 * [a-zA-Z0-9-.] only, not starting or ending with '-' or '.', with at least one '.'. The model
 * pattern is what request validation enforces; these rules surface, as at AWS, as an
 * asynchronous FAILED / INVALID_EMAIL.
 */
static bool
email_strict_ok(const char *v)
{
    const char *at = strchr(v, '@');
    size_t dn;

    for (const char *p = v; *p != '\0'; p++) {
        if ((unsigned char)*p >= 0x80)
            return false;
    }
    if (at == NULL || v[0] == '.')
        return false;
    for (const char *p = v; p < at; p++) {
        if (isspace((unsigned char)*p) || strchr("\"'()<>[]:;,\\|%&", *p) != NULL)
            return false;
    }
    dn = strlen(at + 1);
    if (dn == 0 || strchr("-.", at[1]) != NULL || strchr("-.", at[dn]) != NULL ||
        strchr(at + 1, '.') == NULL)
        return false;
    for (const char *p = at + 1; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
            return false;
    }
    return true;
}

/* [\u0020-\u007E]+ */
static bool
is_printable_ascii(const char *v)
{
    for (const char *p = v; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            return false;
    }
    return *v != '\0';
}

/* [\w+=,.@-]{1,64} */
static bool
is_role_name(const char *v)
{
    size_t n = strlen(v);

    if (n < 1 || n > 64)
        return false;
    for (const char *p = v; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && strchr("_+=,.@-", *p) == NULL)
            return false;
    }
    return true;
}

/* Length in characters of valid UTF-8 (-1 if invalid). */
static long
utf8_len(const char *v)
{
    long n = 0;

    for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; n++) {
        int k = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;

        if (k == 0)
            return -1;
        for (int i = 1; i < k; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return -1;
        }
        p += k;
    }
    return n;
}

/*
 * ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$ -- ASCII is checked exactly (letters, digits, space and
 * _ . : / = + - @); non-ASCII characters are accepted when the UTF-8 is valid, since telling
 * Unicode letters from symbols needs tables this simulator does not carry.
 */
static bool
is_tag_text(const char *v)
{
    if (utf8_len(v) < 0)
        return false;
    for (const char *p = v; *p != '\0'; p++) {
        unsigned char ch = (unsigned char)*p;

        if (ch < 0x80 && !isalnum(ch) && strchr(" _.:/=+-@", ch) == NULL)
            return false;
    }
    return true;
}

/* --- input ----------------------------------------------------------------------------- */

/*
 * Reads string member name. Absent: *out = NULL, and INPUT_REQUIRED if required. A value of
 * another JSON type is a SerializationException, as for any JSON 1.1 service.
 */
static int
get_str(struct call *c, const char *name, bool required, long minlen, long maxlen,
        bool (*pattern)(const char *), const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->in, name);
    long n;

    *out = NULL;
    if (v == NULL || cJSON_IsNull(v)) {
        if (required)
            return invalid(c, "INPUT_REQUIRED",
                           "You must specify a value for %s: it is a required parameter.", name);
        return 0;
    }
    if (!cJSON_IsString(v))
        return fail(c, "SerializationException", NULL, "%s: expected a string value", name);
    n = utf8_len(v->valuestring);
    if (n < 0)
        return invalid(c, "INVALID_PATTERN", "%s is not valid UTF-8.", name);
    if (n < minlen)
        return invalid(c, "MIN_LENGTH_EXCEEDED", "%s must be at least %ld characters long.", name,
                       minlen);
    if (maxlen > 0 && n > maxlen)
        return invalid(c, "MAX_LENGTH_EXCEEDED", "%s must be at most %ld characters long.", name,
                       maxlen);
    if (pattern != NULL && !pattern(v->valuestring))
        return invalid(c, "INVALID_PATTERN",
                       "You specified a value for %s that doesn't match the required pattern.",
                       name);
    *out = v->valuestring;
    return 0;
}

/* MaxResults: 1..20 (box=True: absent means the service's default page). */
static int
get_max_results(struct call *c, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->in, "MaxResults");

    *out = SIM_PAGE_DEFAULT;
    if (v == NULL || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
        return fail(c, "SerializationException", NULL, "MaxResults: expected an integer");
    if (v->valuedouble < 1)
        return invalid(c, "MIN_VALUE_EXCEEDED",
                       "You provided a value for MaxResults that is smaller than allowed (1).");
    if (v->valuedouble > 20)
        return invalid(c, "MAX_VALUE_EXCEEDED",
                       "You provided a value for MaxResults that is larger than allowed (20).");
    *out = (int)v->valuedouble;
    return 0;
}

static uint64_t
token_mac(const struct sim *s, enum sim_op op, const char *key, uint64_t offset)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ s->token_salt;
    char buf[64];

    snprintf(buf, sizeof(buf), "%d|%" PRIu64 "|", (int)op, offset);
    for (const char *p = buf; *p != '\0'; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    for (const char *p = key; *p != '\0'; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    return sim_rng_next(&h);
}

/*
 * NextToken: opaque to clients, bound to this simulator, the operation and the request's
 * filter (key), carrying the array offset where the next page starts. Anything else is
 * INVALID_NEXT_TOKEN.
 */
static void
make_token(const struct sim *s, enum sim_op op, const char *key, size_t offset, char out[64])
{
    snprintf(out, 64, "AAEB%016" PRIx64 "%08zx", token_mac(s, op, key, offset), offset);
}

static int
get_next_token(struct call *c, const char *key, size_t *offset)
{
    const char *tok;
    char expect[64], hex[9];
    uint64_t off;

    *offset = 0;
    if (get_str(c, "NextToken", false, 0, 100000, NULL, &tok) != 0)
        return -1;
    if (tok == NULL)
        return 0;
    if (strlen(tok) != 28 || strncmp(tok, "AAEB", 4) != 0)
        goto bad;
    memcpy(hex, tok + 20, 8);
    hex[8] = '\0';
    if (!all_chars(hex, 0, 8, "0123456789abcdef"))
        goto bad;
    off = strtoull(hex, NULL, 16);
    make_token(c->s, c->op, key, (size_t)off, expect);
    if (strcmp(expect, tok) != 0)
        goto bad;
    *offset = (size_t)off;
    return 0;
bad:
    return invalid(c, "INVALID_NEXT_TOKEN", "The specified NextToken is not valid.");
}

/*
 * Tags of CreateAccount, CreateOrganizationalUnit and TagResource, validated as AWS does:
 * each Key/Value per the model; "aws:" keys are system tags (INVALID_SYSTEM_TAGS_PARAMETER);
 * repeated keys are DUPLICATE_TAG_KEY; more than 50 is MAX_TAG_LIMIT_EXCEEDED (for Create*,
 * "the entire request fails").
 */
static int
get_tags(struct call *c, bool required, struct sim_tags *out)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(c->in, "Tags"), *e;

    if (arr == NULL || cJSON_IsNull(arr)) {
        if (required)
            return invalid(c, "INPUT_REQUIRED",
                           "You must specify a value for Tags: it is a required parameter.");
        return 0;
    }
    if (!cJSON_IsArray(arr))
        return fail(c, "SerializationException", NULL, "Tags: expected a list");
    cJSON_ArrayForEach(e, arr)
    {
        const cJSON *k, *v;
        long kn, vn;

        if (!cJSON_IsObject(e))
            return fail(c, "SerializationException", NULL, "Tags: expected a list of Tag");
        k = cJSON_GetObjectItemCaseSensitive(e, "Key");
        v = cJSON_GetObjectItemCaseSensitive(e, "Value");
        if (k == NULL || v == NULL || cJSON_IsNull(k) || cJSON_IsNull(v))
            return invalid(c, "INPUT_REQUIRED",
                           "You must specify a Key and a Value for every tag.");
        if (!cJSON_IsString(k) || !cJSON_IsString(v))
            return fail(c, "SerializationException", NULL, "Tag: expected string Key and Value");
        kn = utf8_len(k->valuestring);
        vn = utf8_len(v->valuestring);
        if (kn < 1)
            return invalid(c, kn < 0 ? "INVALID_PATTERN" : "MIN_LENGTH_EXCEEDED",
                           "Tag keys must be 1 to 128 characters long.");
        if (kn > 128)
            return invalid(c, "MAX_LENGTH_EXCEEDED", "Tag keys must be 1 to 128 characters long.");
        if (vn < 0)
            return invalid(c, "INVALID_PATTERN", "Tag values must be valid UTF-8.");
        if (vn > 256)
            return invalid(c, "MAX_LENGTH_EXCEEDED",
                           "Tag values must be at most 256 characters long.");
        if (!is_tag_text(k->valuestring) || !is_tag_text(v->valuestring))
            return invalid(
                    c, "INVALID_PATTERN",
                    "You specified a tag key or value that doesn't match the required pattern.");
        if (strncasecmp(k->valuestring, "aws:", 4) == 0)
            return invalid(c, "INVALID_SYSTEM_TAGS_PARAMETER",
                           "You specified a tag key that is a system tag: keys starting with "
                           "\"aws:\" are reserved for AWS use.");
        for (size_t i = 0; i < out->n; i++) {
            if (strcmp(out->v[i].key, k->valuestring) == 0)
                return invalid(c, "DUPLICATE_TAG_KEY",
                               "Tag keys must be unique among the tags attached to the same "
                               "entity: '%s' is repeated.",
                               k->valuestring);
        }
        if (sim_tags_set(out, k->valuestring, v->valuestring) != 0)
            return nomem(c);
    }
    if (out->n > SIM_MAX_TAGS)
        return fail(c, "ConstraintViolationException", "MAX_TAG_LIMIT_EXCEEDED",
                    "You have exceeded the number of tags allowed on this resource.");
    return 0;
}

/* --- output shapes --------------------------------------------------------------------- */

static cJSON *
account_json(struct sim *s, const struct sim_account *a)
{
    cJSON *o = cJSON_CreateObject(), *paths;
    char arn[160], path[512];

    if (o == NULL)
        return NULL;
    if (sim_json_add_str(o, "Id", a->id) != 0 ||
        sim_json_add_str(o, "Arn", sim_account_arn(s, a->id, arn, sizeof(arn))) != 0 ||
        sim_json_add_str(o, "Email", a->email) != 0 || sim_json_add_str(o, "Name", a->name) != 0 ||
        sim_json_add_str(o, "Status", sim_acct_status(a)) != 0 ||
        sim_json_add_str(o, "State", sim_acct_state_name(a)) != 0)
        goto fail;
    paths = cJSON_AddArrayToObject(o, "Paths");
    if (paths == NULL)
        goto fail;
    cJSON_AddItemToArray(paths, cJSON_CreateString(sim_path_of(s, a->id, path, sizeof(path))));
    if (cJSON_GetArraySize(paths) != 1 ||
        sim_json_add_str(o, "JoinedMethod", a->created ? "CREATED" : "INVITED") != 0 ||
        sim_json_add_num(o, "JoinedTimestamp", a->joined) != 0)
        goto fail;
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

static const char *const car_state_names[] = { "IN_PROGRESS", "SUCCEEDED", "FAILED" };

static cJSON *
car_json(const struct sim_create_req *r)
{
    cJSON *o = cJSON_CreateObject();

    if (o == NULL)
        return NULL;
    if (sim_json_add_str(o, "Id", r->id) != 0 ||
        sim_json_add_str(o, "AccountName", r->account_name) != 0 ||
        sim_json_add_str(o, "State", car_state_names[r->state]) != 0 ||
        sim_json_add_num(o, "RequestedTimestamp", r->requested) != 0 ||
        (r->completed > 0 && sim_json_add_num(o, "CompletedTimestamp", r->completed) != 0) ||
        (r->state == SIM_CAR_SUCCEEDED && sim_json_add_str(o, "AccountId", r->account_id) != 0) ||
        (r->state == SIM_CAR_FAILED && sim_json_add_str(o, "FailureReason", r->failure) != 0)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *
ou_json(struct sim *s, const struct sim_ou *ou)
{
    cJSON *o = cJSON_CreateObject();
    char arn[200], path[512];

    if (o == NULL)
        return NULL;
    snprintf(arn, sizeof(arn), "arn:aws:organizations::%s:ou/%s/%s", SIM_MANAGEMENT_ID, SIM_ORG_ID,
             ou->id);
    if (sim_json_add_str(o, "Id", ou->id) != 0 || sim_json_add_str(o, "Arn", arn) != 0 ||
        sim_json_add_str(o, "Name", ou->name) != 0 ||
        sim_json_add_str(o, "Path", sim_path_of(s, ou->id, path, sizeof(path))) != 0) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Answers {"<key>": item}; takes ownership of item. */
static int
answer_item(struct call *c, const char *key, cJSON *item)
{
    cJSON *root;
    int rc;

    if (item == NULL)
        return nomem(c);
    root = cJSON_CreateObject();
    if (root == NULL) {
        cJSON_Delete(item);
        return nomem(c);
    }
    cJSON_AddItemToObject(root, key, item);
    rc = sim_reply_json(c->r, 200, JSON_TYPE, root);
    cJSON_Delete(root);
    return rc != 0 ? nomem(c) : 0;
}

/*
 * One page of a list: walks indexes [offset, total) of some array, keeping those match()
 * accepts, up to max; NextToken points at the next matching index, so there is never an
 * empty trailing page.
 */
struct pager {
    struct call *c;
    const char *list_key;
    const char *token_key;
    size_t total;
    bool (*match)(struct call *c, size_t i, const void *arg);
    cJSON *(*item)(struct call *c, size_t i, const void *arg);
    const void *arg;
    bool fixed_size; /* no MaxResults member (ListTagsForResource): default pages */
};

static int
page(struct pager *p)
{
    struct call *c = p->c;
    cJSON *root = NULL, *arr;
    size_t offset, i;
    int max, taken = 0, rc;

    max = SIM_PAGE_DEFAULT;
    if ((!p->fixed_size && get_max_results(c, &max) != 0) ||
        get_next_token(c, p->token_key, &offset) != 0)
        return -1;
    if (offset > p->total)
        return invalid(c, "INVALID_NEXT_TOKEN", "The specified NextToken is not valid.");
    root = cJSON_CreateObject();
    if (root == NULL)
        return nomem(c);
    arr = cJSON_AddArrayToObject(root, p->list_key);
    if (arr == NULL)
        goto oom;
    for (i = offset; i < p->total; i++) {
        cJSON *item;

        if (!p->match(c, i, p->arg))
            continue;
        if (taken == max)
            break;
        item = p->item(c, i, p->arg);
        if (item == NULL)
            goto oom;
        cJSON_AddItemToArray(arr, item);
        taken++;
    }
    if (i < p->total) {
        char tok[64];

        make_token(c->s, c->op, p->token_key, i, tok);
        if (sim_json_add_str(root, "NextToken", tok) != 0)
            goto oom;
    }
    rc = sim_reply_json(c->r, 200, JSON_TYPE, root);
    cJSON_Delete(root);
    return rc != 0 ? nomem(c) : 0;
oom:
    cJSON_Delete(root);
    return nomem(c);
}

/* --- operations ------------------------------------------------------------------------ */

static int
op_create_account(struct call *c)
{
    struct sim *s = c->s;
    struct sim_tags tags = { 0 };
    struct sim_create_req *r;
    const char *email, *name, *role, *billing;
    double now = sim_now(s);
    int rc = -1;

    if (get_str(c, "Email", true, 6, 64, is_email, &email) != 0 ||
        get_str(c, "AccountName", true, 1, 50, is_printable_ascii, &name) != 0 ||
        get_str(c, "RoleName", false, 0, 64, is_role_name, &role) != 0 ||
        get_str(c, "IamUserAccessToBilling", false, 0, 0, NULL, &billing) != 0)
        goto out;
    if (role != NULL && strncmp(role, "AWSServiceRoleFor", 17) == 0) {
        invalid(c, "INVALID_ROLE_NAME",
                "You provided a role name that isn't valid. A role name can't begin with the "
                "reserved prefix 'AWSServiceRoleFor'.");
        goto out;
    }
    if (billing != NULL && strcmp(billing, "ALLOW") != 0 && strcmp(billing, "DENY") != 0) {
        invalid(c, "INVALID_ENUM", "You specified an invalid value for IamUserAccessToBilling.");
        goto out;
    }
    if (get_tags(c, false, &tags) != 0)
        goto out;
    /*
     * Only five creations may be in progress (section 3.1). The documents name no error for a
     * sixth; the answer AWS is observed to give when "another request is already in progress"
     * is TooManyRequestsException with the message below (HTTP 400), which is also what SDKs
     * retry. ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED is a per-day limit, not this one.
     */
    if (sim_count_creating(s) >= SIM_CREATE_PARALLEL) {
        fail(c, "TooManyRequestsException", NULL, MSG_BUSY);
        goto out;
    }
    r = sim_req_new(s, email, name, role);
    if (r == NULL) {
        nomem(c);
        goto out;
    }
    sim_new_car_id(s, r->id);
    r->tags = tags;
    memset(&tags, 0, sizeof(tags));
    r->state = SIM_CAR_IN_PROGRESS;
    r->requested = sim_ms(now);
    /* Outcomes known now are still reported asynchronously, as AWS does. */
    if (s->faults.fail_create_matching != NULL && strstr(email, s->faults.fail_create_matching))
        snprintf(r->forced_failure, sizeof(r->forced_failure), "%s", s->faults.fail_create_reason);
    for (size_t i = 0; i < s->nreqs && r->forced_failure[0] == '\0'; i++) {
        if (s->reqs[i].state == SIM_CAR_IN_PROGRESS && strcasecmp(s->reqs[i].email, email) == 0)
            snprintf(r->forced_failure, sizeof(r->forced_failure),
                     "CONCURRENT_ACCOUNT_MODIFICATION");
    }
    if (r->forced_failure[0] == '\0' && !email_strict_ok(email))
        snprintf(r->forced_failure, sizeof(r->forced_failure), "INVALID_EMAIL");
    s->nreqs++;
    s->next_due = fmin(s->next_due, r->requested + s->create_latency);
    c->r->mutated = true;
    rc = answer_item(c, "CreateAccountStatus", car_json(r));
out:
    sim_tags_release(&tags);
    return rc;
}

static int
op_describe_create_account_status(struct call *c)
{
    const char *id;
    struct sim_create_req *r;

    if (get_str(c, "CreateAccountRequestId", true, 0, 36, is_car_id, &id) != 0 ||
        (r = found(c, sim_req_find(c->s, id), "CreateAccountStatusNotFoundException",
                   "We can't find an create account request with the CreateAccountRequestId "
                   "that you specified.")) == NULL)
        return -1;
    return answer_item(c, "CreateAccountStatus", car_json(r));
}

static bool
match_car(struct call *c, size_t i, const void *arg)
{
    const bool *want = arg;

    return want[c->s->reqs[i].state];
}

static cJSON *
item_car(struct call *c, size_t i, const void *arg)
{
    (void)arg;
    return car_json(&c->s->reqs[i]);
}

static int
op_list_create_account_status(struct call *c)
{
    const cJSON *states = cJSON_GetObjectItemCaseSensitive(c->in, "States"), *e;
    bool want[3] = { true, true, true };
    char key[64] = "";
    struct pager p = { 0 };

    if (states != NULL && !cJSON_IsNull(states)) {
        if (!cJSON_IsArray(states))
            return fail(c, "SerializationException", NULL, "States: expected a list");
        if (cJSON_GetArraySize(states) > 0)
            want[0] = want[1] = want[2] = false;
        cJSON_ArrayForEach(e, states)
        {
            int k = -1;

            if (!cJSON_IsString(e))
                return fail(c, "SerializationException", NULL, "States: expected strings");
            for (int j = 0; j < 3; j++) {
                if (strcmp(e->valuestring, car_state_names[j]) == 0)
                    k = j;
            }
            if (k < 0)
                return invalid(c, "INVALID_ENUM", "You specified an invalid value for States.");
            want[k] = true;
        }
    }
    snprintf(key, sizeof(key), "%d%d%d", want[0], want[1], want[2]);
    p.c = c;
    p.list_key = "CreateAccountStatuses";
    p.token_key = key;
    p.total = c->s->nreqs;
    p.match = match_car;
    p.item = item_car;
    p.arg = want;
    return page(&p);
}

static int
op_close_account(struct call *c)
{
    struct sim *s = c->s;
    struct sim_account *a;
    const char *id;
    double now = sim_now(s);
    int limit;

    if (get_str(c, "AccountId", true, 0, 12, is_account_id, &id) != 0)
        return -1;
    if (strcmp(id, SIM_MANAGEMENT_ID) == 0)
        return fail(c, "ConstraintViolationException", "CANNOT_CLOSE_MANAGEMENT_ACCOUNT",
                    "You attempted to close the management account. To close the management "
                    "account for the organization, you must first either remove or close all "
                    "member accounts in the organization.");
    a = found(c, sim_account_find(c->s, id), "AccountNotFoundException", MSG_ACCOUNT_NOT_FOUND);
    if (a == NULL)
        return -1;
    a->close_calls++;
    c->r->mutated = true;
    if (a->state == SIM_ACCT_CLOSED)
        return fail(c, "AccountAlreadyClosedException", NULL,
                    "You attempted to close an account that is already closed.");
    /*
     * A closure already in flight: the model lists both ConflictException and
     * AccountAlreadyClosedException without saying which (section 2.4). The account is not
     * closed yet, so "already closed" would be false; the request conflicts with the state the
     * account is in, which is ConflictException's documented meaning.
     */
    if (a->state == SIM_ACCT_PENDING_CLOSURE)
        return fail(c, "ConflictException", NULL,
                    "The request failed because it conflicts with the current state of the "
                    "specified resource: the account is already being closed.");
    if (sim_count_closing(s) >= SIM_CLOSE_PARALLEL)
        return fail(c, "ConstraintViolationException", "CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED",
                    "You attempted to exceed the number of accounts that you can close at a "
                    "time.");
    limit = sim_close_limit(s);
    if (sim_close_used(s, now) >= limit)
        return fail(c, "ConstraintViolationException", "CLOSE_ACCOUNT_QUOTA_EXCEEDED",
                    "You have exceeded close account quota for the past 30 days.");
    if (sim_close_add(s, id, sim_ms(now)) != 0)
        return nomem(c);
    a->state = SIM_ACCT_PENDING_CLOSURE;
    a->closed = sim_ms(now);
    s->next_due = fmin(s->next_due, a->closed + s->close_latency);
    return changed(c);
}

static int
op_describe_account(struct call *c)
{
    struct sim_account *a;
    const char *id;

    if (get_str(c, "AccountId", true, 0, 12, is_account_id, &id) != 0 ||
        (a = found(c, sim_account_find(c->s, id), "AccountNotFoundException",
                   MSG_ACCOUNT_NOT_FOUND)) == NULL)
        return -1;
    return answer_item(c, "Account", account_json(c->s, a));
}

static bool
match_account(struct call *c, size_t i, const void *arg)
{
    const struct sim_account *a = &c->s->accounts[i];
    const char *parent = arg;

    return a->state != SIM_ACCT_DEPARTED && (parent == NULL || strcmp(a->parent_id, parent) == 0);
}

static cJSON *
item_account(struct call *c, size_t i, const void *arg)
{
    (void)arg;
    return account_json(c->s, &c->s->accounts[i]);
}

static int
op_list_accounts(struct call *c)
{
    struct pager p = {
        c, "Accounts", "", c->s->naccounts, match_account, item_account, NULL, false
    };

    return page(&p);
}

/* Pages p's items under the ParentId asked for (the root or an OU); the parent is the page
 * token's key and the items' match argument. */
static int
page_under_parent(struct pager *p)
{
    const char *parent;

    if (get_str(p->c, "ParentId", true, 0, 100, is_parent_id, &parent) != 0)
        return -1;
    if (!sim_parent_exists(p->c->s, parent))
        return fail(p->c, "ParentNotFoundException", NULL, "%s", MSG_PARENT_NOT_FOUND);
    p->token_key = parent;
    p->arg = parent;
    return page(p);
}

static int
op_list_accounts_for_parent(struct call *c)
{
    struct pager p = { c,    "Accounts", NULL, c->s->naccounts, match_account, item_account,
                       NULL, false };

    return page_under_parent(&p);
}

static bool
match_one(struct call *c, size_t i, const void *arg)
{
    (void)c;
    (void)i;
    (void)arg;
    return true;
}

/* PolicyTypes of the root: the enabled ones, ENABLED at once (no PENDING_ENABLE modeled). */
static int
add_policy_types(struct sim *s, cJSON *root)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "PolicyTypes");

    if (arr == NULL)
        return -1;
    for (int t = 0; t < SIM_POLICY_TYPES; t++) {
        cJSON *e;

        if ((s->policy_types & (1u << t)) == 0)
            continue;
        e = sim_json_add_item(arr);
        if (e == NULL)
            return -1;
        if (sim_json_add_str(e, "Type", sim_policy_types[t]) != 0 ||
            sim_json_add_str(e, "Status", "ENABLED") != 0)
            return -1;
    }
    return 0;
}

static cJSON *
item_root(struct call *c, size_t i, const void *arg)
{
    cJSON *o = cJSON_CreateObject();
    char arn[160];

    (void)i;
    (void)arg;
    if (o == NULL)
        return NULL;
    snprintf(arn, sizeof(arn), "arn:aws:organizations::%s:root/%s/%s", SIM_MANAGEMENT_ID,
             SIM_ORG_ID, c->s->root_id);
    if (sim_json_add_str(o, "Id", c->s->root_id) != 0 || sim_json_add_str(o, "Arn", arn) != 0 ||
        sim_json_add_str(o, "Name", "Root") != 0 || add_policy_types(c->s, o) != 0) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int
op_list_roots(struct call *c)
{
    struct pager p = { c, "Roots", "", 1, match_one, item_root, NULL, false };

    return page(&p);
}

static bool
match_ou(struct call *c, size_t i, const void *arg)
{
    return strcmp(c->s->ous[i].parent_id, (const char *)arg) == 0;
}

static cJSON *
item_ou(struct call *c, size_t i, const void *arg)
{
    (void)arg;
    return ou_json(c->s, &c->s->ous[i]);
}

static int
op_list_ous_for_parent(struct call *c)
{
    struct pager p = { c, "OrganizationalUnits", NULL, c->s->nous, match_ou, item_ou, NULL, false };

    return page_under_parent(&p);
}

static int
op_create_ou(struct call *c)
{
    struct sim *s = c->s;
    struct sim_tags tags = { 0 };
    const char *parent, *name;
    struct sim_ou *p, *ou;
    char id[SIM_ID_LEN];
    int rc = -1;

    if (get_str(c, "ParentId", true, 0, 100, is_parent_id, &parent) != 0 ||
        get_str(c, "Name", true, 1, 128, NULL, &name) != 0 || get_tags(c, false, &tags) != 0)
        goto out;
    if (!sim_parent_exists(s, parent)) {
        fail(c, "ParentNotFoundException", NULL, "%s", MSG_PARENT_NOT_FOUND);
        goto out;
    }
    p = sim_ou_find(s, parent);
    if (p != NULL && p->depth >= SIM_MAX_OU_DEPTH) {
        fail(c, "ConstraintViolationException", "OU_DEPTH_LIMIT_EXCEEDED",
             "You attempted to create an OU tree that is too many levels deep.");
        goto out;
    }
    if (s->nous >= SIM_MAX_OUS) {
        fail(c, "ConstraintViolationException", "OU_NUMBER_LIMIT_EXCEEDED",
             "You attempted to exceed the number of OUs that you can have in an organization.");
        goto out;
    }
    for (size_t i = 0; i < s->nous; i++) {
        if (strcmp(s->ous[i].parent_id, parent) == 0 && strcmp(s->ous[i].name, name) == 0) {
            fail(c, "DuplicateOrganizationalUnitException", NULL,
                 "An OU with the same name already exists.");
            goto out;
        }
    }
    sim_new_ou_id(s, id);
    ou = sim_ou_add(s, id, name, parent);
    if (ou == NULL) {
        nomem(c);
        goto out;
    }
    ou->tags = tags;
    memset(&tags, 0, sizeof(tags));
    c->r->mutated = true;
    if (sim_full_access_attach(s, ou->id) != 0) {
        nomem(c);
        goto out;
    }
    rc = answer_item(c, "OrganizationalUnit", ou_json(s, ou));
out:
    sim_tags_release(&tags);
    return rc;
}

static int
op_move_account(struct call *c)
{
    struct sim *s = c->s;
    const char *id, *src, *dst;
    struct sim_account *a;

    if (get_str(c, "AccountId", true, 0, 12, is_account_id, &id) != 0 ||
        get_str(c, "SourceParentId", true, 0, 100, is_parent_id, &src) != 0 ||
        get_str(c, "DestinationParentId", true, 0, 100, is_parent_id, &dst) != 0 ||
        (a = found(c, sim_account_find(c->s, id), "AccountNotFoundException",
                   MSG_ACCOUNT_NOT_FOUND)) == NULL)
        return -1;
    /* An account that is not in SourceParentId: its source parent, as named, is not found. */
    if (!sim_parent_exists(s, src) || strcmp(a->parent_id, src) != 0)
        return fail(c, "SourceParentNotFoundException", NULL,
                    "We can't find a source root or OU with the ParentId that you specified.");
    if (!sim_parent_exists(s, dst))
        return fail(c, "DestinationParentNotFoundException", NULL,
                    "We can't find the destination container (a root or OU) with the ParentId "
                    "that you specified.");
    if (strcmp(src, dst) == 0)
        return fail(c, "DuplicateAccountException", NULL,
                    "That account is already present in the specified destination.");
    snprintf(a->parent_id, sizeof(a->parent_id), "%s", dst);
    return changed(c);
}

static cJSON *
item_parent(struct call *c, size_t i, const void *arg)
{
    cJSON *o = cJSON_CreateObject();
    const char *parent = arg;

    (void)i;
    if (o == NULL)
        return NULL;
    if (sim_json_add_str(o, "Id", parent) != 0 ||
        sim_json_add_str(o, "Type",
                         strcmp(parent, c->s->root_id) == 0 ? "ROOT" : "ORGANIZATIONAL_UNIT")) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int
op_list_parents(struct call *c)
{
    struct pager p = { c, "Parents", NULL, 1, match_one, item_parent, NULL, false };
    const char *child, *parent;
    struct sim_account *a;
    struct sim_ou *ou;

    if (get_str(c, "ChildId", true, 0, 100, is_child_id, &child) != 0)
        return -1;
    a = sim_account_find(c->s, child);
    ou = a == NULL ? sim_ou_find(c->s, child) : NULL;
    if (a == NULL && ou == NULL)
        return fail(c, "ChildNotFoundException", NULL,
                    "We can't find an organizational unit (OU) or AWS account with the ChildId "
                    "that you specified.");
    parent = a != NULL ? a->parent_id : ou->parent_id;
    p.token_key = child;
    p.arg = parent;
    return page(&p);
}

static int
resource_tags(struct call *c, const char *id, struct sim_tags **out)
{
    *out = found(c, sim_tags_of(c->s, id), "TargetNotFoundException", MSG_TARGET_NOT_FOUND);
    return *out != NULL ? 0 : -1;
}

static int
op_tag_resource(struct call *c)
{
    struct sim_tags tags = { 0 }, *cur;
    const char *id;
    size_t after;
    int rc = -1;

    if (get_str(c, "ResourceId", true, 0, 130, is_taggable_id, &id) != 0 ||
        get_tags(c, true, &tags) != 0 || resource_tags(c, id, &cur) != 0)
        goto out;
    after = cur->n;
    for (size_t i = 0; i < tags.n; i++) {
        bool present = false;

        for (size_t j = 0; j < cur->n; j++)
            present = present || strcmp(cur->v[j].key, tags.v[i].key) == 0;
        after += !present;
    }
    if (after > SIM_MAX_TAGS) {
        fail(c, "ConstraintViolationException", "MAX_TAG_LIMIT_EXCEEDED",
             "You have exceeded the number of tags allowed on this resource.");
        goto out;
    }
    if (sim_tags_copy(cur, &tags) != 0) {
        nomem(c);
        goto out;
    }
    rc = changed(c);
out:
    sim_tags_release(&tags);
    return rc;
}

static int
op_untag_resource(struct call *c)
{
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(c->in, "TagKeys"), *e;
    struct sim_tags *cur;
    const char *id;

    if (get_str(c, "ResourceId", true, 0, 130, is_taggable_id, &id) != 0)
        return -1;
    if (keys == NULL || cJSON_IsNull(keys))
        return invalid(c, "INPUT_REQUIRED",
                       "You must specify a value for TagKeys: it is a required parameter.");
    if (!cJSON_IsArray(keys))
        return fail(c, "SerializationException", NULL, "TagKeys: expected a list");
    cJSON_ArrayForEach(e, keys)
    {
        long n;

        if (!cJSON_IsString(e))
            return fail(c, "SerializationException", NULL, "TagKeys: expected strings");
        n = utf8_len(e->valuestring);
        if (n < 1 || n > 128 || !is_tag_text(e->valuestring))
            return invalid(c,
                           n < 1     ? "MIN_LENGTH_EXCEEDED"
                           : n > 128 ? "MAX_LENGTH_EXCEEDED"
                                     : "INVALID_PATTERN",
                           "You specified a tag key that isn't valid.");
        if (strncasecmp(e->valuestring, "aws:", 4) == 0)
            return invalid(c, "INVALID_SYSTEM_TAGS_PARAMETER",
                           "You specified a tag key that is a system tag.");
    }
    if (resource_tags(c, id, &cur) != 0)
        return -1;
    cJSON_ArrayForEach(e, keys)
    {
        sim_tags_remove(cur, e->valuestring);
    }
    return changed(c);
}

static cJSON *
item_tag(struct call *c, size_t i, const void *arg)
{
    const struct sim_tags *t = arg;
    cJSON *o = cJSON_CreateObject();

    (void)c;
    if (o == NULL)
        return NULL;
    if (sim_json_add_str(o, "Key", t->v[i].key) != 0 ||
        sim_json_add_str(o, "Value", t->v[i].value) != 0) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int
op_list_tags(struct call *c)
{
    struct pager p = { c, "Tags", NULL, 0, match_one, item_tag, NULL, false };
    struct sim_tags *cur;
    const char *id;

    if (get_str(c, "ResourceId", true, 0, 130, is_taggable_id, &id) != 0 ||
        resource_tags(c, id, &cur) != 0)
        return -1;
    /* ListTagsForResource has no MaxResults (section 2.7); pages are the default size. */
    p.fixed_size = true;
    p.arg = cur;
    p.token_key = id;
    p.total = cur->n;
    return page(&p);
}

static int
op_describe_organization(struct call *c)
{
    cJSON *o = cJSON_CreateObject(), *t;
    char arn[160], macct[160];

    if (o == NULL)
        return nomem(c);
    snprintf(arn, sizeof(arn), "arn:aws:organizations::%s:organization/%s", SIM_MANAGEMENT_ID,
             SIM_ORG_ID);
    if (sim_json_add_str(o, "Id", SIM_ORG_ID) != 0 || sim_json_add_str(o, "Arn", arn) != 0 ||
        sim_json_add_str(o, "FeatureSet", "ALL") != 0 ||
        sim_json_add_str(o, "MasterAccountArn",
                         sim_account_arn(c->s, SIM_MANAGEMENT_ID, macct, sizeof(macct))) != 0 ||
        sim_json_add_str(o, "MasterAccountId", SIM_MANAGEMENT_ID) != 0 ||
        sim_json_add_str(o, "MasterAccountEmail", c->s->management_email) != 0)
        goto oom;
    t = sim_json_add_item(cJSON_AddArrayToObject(o, "AvailablePolicyTypes"));
    if (t == NULL)
        goto oom;
    if (sim_json_add_str(t, "Type", "SERVICE_CONTROL_POLICY") != 0 ||
        sim_json_add_str(t, "Status", "ENABLED") != 0)
        goto oom;
    return answer_item(c, "Organization", o);
oom:
    cJSON_Delete(o);
    return nomem(c);
}

/* --- policies (service control policies and the other policy types) ------------------- */

/* ^(r-[0-9a-z]{4,32})|(\d{12})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$ */
static bool
is_target_id(const char *v)
{
    return is_root_id(v) || is_account_id(v) || is_ou_id(v);
}

static bool
target_exists(struct sim *s, const char *id)
{
    return strcmp(id, s->root_id) == 0 || sim_ou_find(s, id) != NULL ||
           sim_account_find(s, id) != NULL;
}

static int
get_policy_type(struct call *c, const char *name, int *out)
{
    const char *v;

    if (get_str(c, name, true, 0, 0, NULL, &v) != 0)
        return -1;
    *out = sim_policy_type_find(v);
    if (*out < 0)
        return invalid(c, "INVALID_ENUM_POLICY_TYPE",
                       "You specified an invalid policy type string.");
    return 0;
}

static cJSON *
policy_summary(const struct sim_policy *p)
{
    cJSON *o = cJSON_CreateObject();
    char arn[256], type[48];
    size_t k;

    if (o == NULL)
        return NULL;
    snprintf(type, sizeof(type), "%s", sim_policy_types[p->type]);
    for (k = 0; type[k] != '\0'; k++)
        type[k] = (char)tolower((unsigned char)type[k]);
    if (p->aws_managed)
        snprintf(arn, sizeof(arn), "arn:aws:organizations::aws:policy/%s/%s", type, p->id);
    else
        snprintf(arn, sizeof(arn), "arn:aws:organizations::%s:policy/%s/%s/%s", SIM_MANAGEMENT_ID,
                 SIM_ORG_ID, type, p->id);
    if (sim_json_add_str(o, "Id", p->id) != 0 || sim_json_add_str(o, "Arn", arn) != 0 ||
        sim_json_add_str(o, "Name", p->name) != 0 ||
        sim_json_add_str(o, "Description", p->description) != 0 ||
        sim_json_add_str(o, "Type", sim_policy_types[p->type]) != 0 ||
        cJSON_AddBoolToObject(o, "AwsManaged", p->aws_managed) == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *
policy_json(const struct sim_policy *p)
{
    cJSON *o = cJSON_CreateObject(), *sum = policy_summary(p);

    if (o == NULL || sum == NULL) {
        cJSON_Delete(o);
        cJSON_Delete(sum);
        return NULL;
    }
    cJSON_AddItemToObject(o, "PolicySummary", sum);
    if (sim_json_add_str(o, "Content", p->content) != 0) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int
op_create_policy(struct call *c)
{
    struct sim *s = c->s;
    struct sim_tags tags = { 0 };
    const char *content, *description, *name;
    struct sim_policy *p;
    cJSON *doc;
    char id[SIM_ID_LEN];
    int type, count = 0, rc = -1;

    if (get_str(c, "Content", true, 1, 1000000, NULL, &content) != 0 ||
        get_str(c, "Description", true, 0, 512, NULL, &description) != 0 ||
        get_str(c, "Name", true, 1, 128, NULL, &name) != 0 ||
        get_policy_type(c, "Type", &type) != 0 || get_tags(c, false, &tags) != 0)
        goto out;
    doc = cJSON_Parse(content);
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        fail(c, "MalformedPolicyDocumentException", NULL,
             "The provided policy document doesn't meet the requirements of the specified "
             "policy type.");
        goto out;
    }
    cJSON_Delete(doc);
    if (type == SIM_SCP && strlen(content) > SIM_SCP_MAX_CHARS) {
        fail(c, "ConstraintViolationException", "POLICY_CONTENT_LIMIT_EXCEEDED",
             "You attempted to create a policy that is larger than the maximum size.");
        goto out;
    }
    for (size_t i = 0; i < s->npolicies; i++) {
        if (s->policies[i].type != type)
            continue;
        count++;
        if (strcmp(s->policies[i].name, name) == 0) {
            fail(c, "DuplicatePolicyException", NULL,
                 "A policy with the same name already exists.");
            goto out;
        }
    }
    if (count >= SIM_MAX_POLICIES) {
        fail(c, "ConstraintViolationException", "POLICY_NUMBER_LIMIT_EXCEEDED",
             "You attempted to exceed the number of policies that you can have in an "
             "organization.");
        goto out;
    }
    sim_new_policy_id(s, id);
    p = sim_policy_add(s, id, name, description, content, type, false);
    if (p == NULL) {
        nomem(c);
        goto out;
    }
    p->tags = tags;
    memset(&tags, 0, sizeof(tags));
    c->r->mutated = true;
    rc = answer_item(c, "Policy", policy_json(p));
out:
    sim_tags_release(&tags);
    return rc;
}

static int
op_describe_policy(struct call *c)
{
    const char *id;
    struct sim_policy *p;

    if (get_str(c, "PolicyId", true, 0, 130, is_policy_like, &id) != 0 ||
        (p = found(c, sim_policy_find(c->s, id), "PolicyNotFoundException",
                   MSG_POLICY_NOT_FOUND)) == NULL)
        return -1;
    return answer_item(c, "Policy", policy_json(p));
}

/* Common checks of AttachPolicy and DetachPolicy. */
static int
attach_args(struct call *c, struct sim_policy **p, const char **target)
{
    const char *id;

    if (get_str(c, "PolicyId", true, 0, 130, is_policy_like, &id) != 0 ||
        get_str(c, "TargetId", true, 0, 100, is_target_id, target) != 0 ||
        (*p = found(c, sim_policy_find(c->s, id), "PolicyNotFoundException",
                    MSG_POLICY_NOT_FOUND)) == NULL)
        return -1;
    if (!target_exists(c->s, *target))
        return fail(c, "TargetNotFoundException", NULL, "%s", MSG_TARGET_NOT_FOUND);
    return 0;
}

static int
op_attach_policy(struct call *c)
{
    struct sim *s = c->s;
    struct sim_policy *p;
    const char *target;

    if (attach_args(c, &p, &target) != 0)
        return -1;
    if ((s->policy_types & (1u << p->type)) == 0)
        return fail(c, "PolicyTypeNotEnabledException", NULL,
                    "The specified policy type isn't currently enabled in this root. You can't "
                    "attach policies of the specified type to entities in a root until you "
                    "enable that type in the root.");
    if (sim_attached(s, p->id, target))
        return fail(c, "DuplicatePolicyAttachmentException", NULL,
                    "The selected policy is already attached to the specified target.");
    if (p->type == SIM_SCP && sim_attach_count(s, target, SIM_SCP) >= SIM_MAX_SCP_PER_TARGET)
        return fail(c, "ConstraintViolationException", "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
                    "You attempted to exceed the number of policies of a certain type that can "
                    "be attached to an entity at one time.");
    if (sim_attach_add(s, p->id, target) != 0)
        return nomem(c);
    return changed(c);
}

static int
op_detach_policy(struct call *c)
{
    struct sim *s = c->s;
    struct sim_policy *p;
    const char *target;

    if (attach_args(c, &p, &target) != 0)
        return -1;
    if (!sim_attached(s, p->id, target))
        return fail(c, "PolicyNotAttachedException", NULL,
                    "The policy isn't attached to the specified target in the specified root.");
    /* Every root, OU and account keeps at least one SCP while SCPs are enabled. */
    if (p->type == SIM_SCP && sim_attach_count(s, target, SIM_SCP) <= 1)
        return fail(c, "ConstraintViolationException", "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
                    "You attempted to detach a policy from an entity that would cause the entity "
                    "to have fewer than the minimum number of policies of a certain type "
                    "required.");
    sim_attach_remove(s, p->id, target);
    return changed(c);
}

struct policy_filter {
    const char *target; /* NULL: every policy */
    int type;
};

static bool
match_policy(struct call *c, size_t i, const void *arg)
{
    const struct policy_filter *f = arg;

    return c->s->policies[i].type == f->type;
}

static cJSON *
item_policy(struct call *c, size_t i, const void *arg)
{
    (void)arg;
    return policy_summary(&c->s->policies[i]);
}

static bool
match_attached(struct call *c, size_t i, const void *arg)
{
    const struct policy_filter *f = arg;
    const struct sim_policy *p;

    if (strcmp(c->s->attach[i].target_id, f->target) != 0)
        return false;
    p = sim_policy_find(c->s, c->s->attach[i].policy_id);
    return p != NULL && p->type == f->type;
}

static cJSON *
item_attached(struct call *c, size_t i, const void *arg)
{
    (void)arg;
    return policy_summary(sim_policy_find(c->s, c->s->attach[i].policy_id));
}

static int
op_list_policies(struct call *c)
{
    struct policy_filter f = { NULL, 0 };
    struct pager p = { c, "Policies", NULL, c->s->npolicies, match_policy, item_policy, &f, false };

    if (get_policy_type(c, "Filter", &f.type) != 0)
        return -1;
    p.token_key = sim_policy_types[f.type];
    return page(&p);
}

static int
op_list_policies_for_target(struct call *c)
{
    struct policy_filter f = { NULL, 0 };
    struct pager p = {
        c, "Policies", NULL, c->s->nattach, match_attached, item_attached, &f, false
    };
    char key[160];

    if (get_str(c, "TargetId", true, 0, 100, is_target_id, &f.target) != 0 ||
        get_policy_type(c, "Filter", &f.type) != 0)
        return -1;
    if (!target_exists(c->s, f.target))
        return fail(c, "TargetNotFoundException", NULL, "%s", MSG_TARGET_NOT_FOUND);
    snprintf(key, sizeof(key), "%s|%s", f.target, sim_policy_types[f.type]);
    p.token_key = key;
    return page(&p);
}

static int
op_enable_policy_type(struct call *c)
{
    struct sim *s = c->s;
    const char *root;
    int type;
    cJSON *o;
    char arn[160];

    if (get_str(c, "RootId", true, 0, 34, is_root_id, &root) != 0 ||
        get_policy_type(c, "PolicyType", &type) != 0)
        return -1;
    if (strcmp(root, s->root_id) != 0)
        return fail(c, "RootNotFoundException", NULL,
                    "We can't find a root with the RootId that you specified.");
    if ((s->policy_types & (1u << type)) != 0)
        return fail(c, "PolicyTypeAlreadyEnabledException", NULL,
                    "The specified policy type is already enabled.");
    s->policy_types |= 1u << type;
    c->r->mutated = true;
    if (type == SIM_SCP) {
        /* AWS attaches FullAWSAccess to the root, every OU and every account. */
        if (sim_full_access_attach(s, s->root_id) != 0)
            return nomem(c);
        for (size_t i = 0; i < s->nous; i++) {
            if (sim_full_access_attach(s, s->ous[i].id) != 0)
                return nomem(c);
        }
        for (size_t i = 0; i < s->naccounts; i++) {
            if (s->accounts[i].state != SIM_ACCT_DEPARTED &&
                sim_full_access_attach(s, s->accounts[i].id) != 0)
                return nomem(c);
        }
    }
    o = cJSON_CreateObject();
    if (o == NULL)
        return nomem(c);
    snprintf(arn, sizeof(arn), "arn:aws:organizations::%s:root/%s/%s", SIM_MANAGEMENT_ID,
             SIM_ORG_ID, s->root_id);
    if (sim_json_add_str(o, "Id", s->root_id) != 0 || sim_json_add_str(o, "Arn", arn) != 0 ||
        sim_json_add_str(o, "Name", "Root") != 0 || add_policy_types(s, o) != 0) {
        cJSON_Delete(o);
        return nomem(c);
    }
    return answer_item(c, "Root", o);
}

static int (*const handlers[SIM_OP_COUNT])(struct call *) = {
    [SIM_OP_CREATE_ACCOUNT] = op_create_account,
    [SIM_OP_DESCRIBE_CREATE_ACCOUNT_STATUS] = op_describe_create_account_status,
    [SIM_OP_LIST_CREATE_ACCOUNT_STATUS] = op_list_create_account_status,
    [SIM_OP_CLOSE_ACCOUNT] = op_close_account,
    [SIM_OP_DESCRIBE_ACCOUNT] = op_describe_account,
    [SIM_OP_LIST_ACCOUNTS] = op_list_accounts,
    [SIM_OP_LIST_ACCOUNTS_FOR_PARENT] = op_list_accounts_for_parent,
    [SIM_OP_LIST_ROOTS] = op_list_roots,
    [SIM_OP_LIST_OUS_FOR_PARENT] = op_list_ous_for_parent,
    [SIM_OP_CREATE_OU] = op_create_ou,
    [SIM_OP_MOVE_ACCOUNT] = op_move_account,
    [SIM_OP_LIST_PARENTS] = op_list_parents,
    [SIM_OP_TAG_RESOURCE] = op_tag_resource,
    [SIM_OP_UNTAG_RESOURCE] = op_untag_resource,
    [SIM_OP_LIST_TAGS_FOR_RESOURCE] = op_list_tags,
    [SIM_OP_DESCRIBE_ORGANIZATION] = op_describe_organization,
    [SIM_OP_CREATE_POLICY] = op_create_policy,
    [SIM_OP_DESCRIBE_POLICY] = op_describe_policy,
    [SIM_OP_ATTACH_POLICY] = op_attach_policy,
    [SIM_OP_DETACH_POLICY] = op_detach_policy,
    [SIM_OP_LIST_POLICIES] = op_list_policies,
    [SIM_OP_LIST_POLICIES_FOR_TARGET] = op_list_policies_for_target,
    [SIM_OP_ENABLE_POLICY_TYPE] = op_enable_policy_type,
};

/* Draws this call's injected faults from the seeded stream (only for selected operations,
 * so the sequence is reproducible for a given sequence of requests). */
static void
draw_faults(struct sim *s, enum sim_op op, bool *error, bool *throttle, bool *drop)
{
    const struct sim_faults *f = &s->faults;
    bool selected = f->ops == 0 || (f->ops & (UINT64_C(1) << op)) != 0;

    *error = *throttle = *drop = false;
    if (!selected)
        return;
    if (f->error_rate > 0)
        *error = sim_rng_unit(&s->rng_faults) < f->error_rate;
    if (f->throttle_rate > 0)
        *throttle = sim_rng_unit(&s->rng_faults) < f->throttle_rate;
    if (f->drop_rate > 0)
        *drop = sim_rng_unit(&s->rng_faults) < f->drop_rate;
}

int
sim_fault_latency(const struct sim *s, enum sim_op op)
{
    uint64_t only = s->faults.latency_ops;

    return only == 0 || (only & (UINT64_C(1) << op)) != 0 ? s->faults.latency_ms : 0;
}

void
sim_call_start(struct sim *s, enum sim_op op, struct sim_reply *r, bool *error, bool *throttle,
               bool *drop)
{
    sim_catch_up(s);
    s->calls[op]++;
    r->latency_ms = sim_fault_latency(s, op);
    draw_faults(s, op, error, throttle, drop);
}

bool
sim_call_denied(const struct sim *s, enum sim_op op)
{
    return (s->faults.deny_ops & (UINT64_C(1) << op)) != 0;
}

int
sim_call_end(cJSON *in, struct sim_reply *r, bool oom)
{
    cJSON_Delete(in);
    if (oom) {
        sim_reply_release(r);
        return -1;
    }
    return 0;
}

/* The injected "access denied" fault: an IAM deny as AWS answers it, or, in the formats an
 * emulator or a proxy may use, as an XML error document or an HTML page. */
static void
deny(struct call *c, const char *opname)
{
    const char *fmt = c->s->faults.deny_format;
    int rc = 0;

    if (strcmp(fmt, "xml") == 0)
        rc = sim_reply_error(c->s, c->r, false, 403, "AccessDenied", NULL,
                             "User: %s is not authorized to perform: organizations:%s with an "
                             "explicit deny in an identity-based policy",
                             c->caller->arn, opname);
    else if (strcmp(fmt, "html") == 0)
        rc = sim_reply_text(c->r, 403, "text/html",
                            "<html><head><title>403 Forbidden</title></head>\n<body><h1>403 "
                            "Forbidden</h1><p>Request blocked by policy.</p></body></html>\n");
    else
        fail(c, "AccessDeniedException", NULL,
             "User: %s is not authorized to perform: organizations:%s with an explicit deny in "
             "an identity-based policy",
             c->caller->arn, opname);
    if (rc != 0)
        c->oom = 1;
}

int
sim_orgs_call(struct sim *s, const char *opname, const char *body, size_t len,
              const struct sim_caller *caller, struct sim_reply *r)
{
    struct call c = { 0 };
    cJSON *in = NULL;
    bool error, throttle, drop;
    int op, rc;

    memset(r, 0, sizeof(*r));
    sim_request_id(r->request_id);
    c.s = s;
    c.r = r;
    c.caller = caller;
    op = sim_op_find(opname);
    if (op < 0 || handlers[op] == NULL) {
        fail(&c, "UnknownOperationException", NULL, "Unknown operation %s", opname);
        goto out;
    }
    c.op = (enum sim_op)op;
    in = sim_json_request(s, body, len, r, &rc);
    if (in == NULL) {
        c.oom = rc != 0;
        goto out;
    }
    c.in = in;
    sim_call_start(s, c.op, r, &error, &throttle, &drop);
    if (error) {
        fail(&c, "ServiceException", NULL, MSG_SERVICE);
        goto out;
    }
    if (throttle) {
        fail(&c, "TooManyRequestsException", NULL, MSG_RATE);
        goto out;
    }
    if (sim_call_denied(s, c.op)) {
        deny(&c, opname);
        goto out;
    }
    /* Member accounts may describe their organization; everything else here is for the
     * management account (section 2). */
    if (!caller->management && op != SIM_OP_DESCRIBE_ORGANIZATION) {
        fail(&c, "AccessDeniedException", NULL,
             "You don't have permissions to access this resource. The caller %s must be the "
             "management account of the organization.",
             caller->arn);
        goto out;
    }
    if (!sim_bucket_take(s, c.op)) {
        fail(&c, "TooManyRequestsException", NULL, MSG_RATE);
        goto out;
    }
    handlers[op](&c);
    /* A dropped connection loses the answer of a request that did take effect: the case a
     * client must reconcile (the engine's crash-between-call-and-record repair). */
    r->drop = drop;
out:
    return sim_call_end(in, r, c.oom);
}
