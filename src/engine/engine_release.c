/*
 * engine_release.c -- `release`, the inverse of adopt: sandboxctl stops managing an account
 * without closing it, and never touches it again.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/engine_int.h"
#include "util/clock.h"

static int
release_allowed(const struct store_account *a, struct sbx_err *err)
{
    switch (a->state) {
    case ENGINE_S_ACTIVE:
    case ENGINE_S_EXPIRING:
    case ENGINE_S_NUKE_FAILED:
    case ENGINE_S_CLOSE_WAIT:
    case ENGINE_S_PROTECTED:
    case ENGINE_S_CLOSE_FAILED:
        if (a->account_id[0] != '\0')
            return 0;
        break;
    case ENGINE_S_REQUESTED:
    case ENGINE_S_CREATING:
        sbx_err_set(err, SBX_E_INVALID,
                    "account #%lld is still being created (%s); release it once it is active",
                    (long long)a->id, engine_state_name(a->state));
        return -1;
    case ENGINE_S_NUKING:
        sbx_err_set(err, SBX_E_INVALID,
                    "account #%lld is being nuked (pre-close hooks running); it can no longer be "
                    "released",
                    (long long)a->id);
        return -1;
    case ENGINE_S_RELEASED:
        sbx_err_set(err, SBX_E_INVALID, "account #%lld was already released", (long long)a->id);
        return -1;
    default:
        break;
    }
    sbx_err_set(err, SBX_E_INVALID, "account #%lld is %s; only an open account can be released",
                (long long)a->id, engine_state_name(a->state));
    return -1;
}

/* Moves a to path, waiting out the client's pacing (a command may wait; a step never does). */
static int
release_move(struct engine *e, const struct store_account *a, const char *path, struct sbx_err *err)
{
    double until = engine_now(e) + ENG_PACE_WAIT_MAX, w;

    do {
        bool blocked = false;

        if (eng_move_to(e, a, path, &blocked, err) != 0)
            return -1;
        if (!blocked)
            return 0;
        w = fmax(orgs_pace_wait(e->orgs, ORGS_OP_LIST_PARENTS),
                 orgs_pace_wait(e->orgs, ORGS_OP_MOVE_ACCOUNT));
    } while (eng_pace_sleep(e, w, until));
    sbx_err_set(err, SBX_E_AWS, "moving the account to '%s' kept waiting for pacing", path);
    return -1;
}

int
engine_release(struct engine *e, struct store_account *a, const struct engine_release_opts *o,
               struct sbx_err *err)
{
    static const char *const keys[] = { TAG_MANAGED_BY, TAG_OWNER, TAG_KIND, TAG_EXPIRES, TAG_CLASS,
                                        TAG_SEAT,       TAG_STORE, TAG_ROW,  TAG_CREATED };
    char *detail = NULL;
    bool got = false;
    int rc = -1;

    if (release_allowed(a, err) != 0)
        return -1;
    if (e->dry_run)
        return 0;
    if (e->orgs == NULL) {
        sbx_err_set(err, SBX_E_FAILURE, "release needs an AWS client");
        return -1;
    }
    if (eng_claim(e, a, ENGINE_CLAIM_AWS, &got, err) != 0)
        return -1;
    if (!got) {
        sbx_err_set(err, SBX_E_CONFLICT,
                    "account #%lld is being worked on by another sandboxctl process; try again",
                    (long long)a->id);
        return -1;
    }
    if (release_allowed(a, err) != 0) /* the claim re-read it */
        goto out;
    if (o->to_ou != NULL && release_move(e, a, o->to_ou, err) != 0) {
        sbx_err_prefix(err, "cannot move account %s to '%s'", a->account_id, o->to_ou);
        goto out;
    }
    if (!o->keep_tags &&
        orgs_untag_resource(e->orgs, a->account_id, keys, SBX_ARRAY_LEN(keys), err) != 0) {
        sbx_err_prefix(err, "cannot remove sandboxctl's tags from account %s", a->account_id);
        goto out;
    }
    detail = eng_detail("to_ou", o->to_ou, "tags", o->keep_tags ? "kept" : "removed", NULL);
    a->due_at = 0;
    rc = eng_transition(e, a, ENGINE_S_RELEASED, "released", detail,
                        "released: sandboxctl no longer manages it", err);
out:
    free(detail);
    eng_unclaim(e, a);
    return rc;
}
