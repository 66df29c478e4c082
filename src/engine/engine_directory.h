/*
 * engine_directory.h -- the owners against IAM Identity Center's identity store: every owner
 * of a new account must have a user there (created when access.create_users is set), and
 * `run` off-boards, paced, the owners whose user left the directory, unless so many vanished
 * at once that the directory itself is more likely broken (the brake).
 *
 * Nothing here does anything without the `access` configuration group.
 */
#ifndef SBX_ENGINE_DIRECTORY_H
#define SBX_ENGINE_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbx.h"

struct engine;
struct orgs;
struct sbx_config;

/* What the owners' check found. Strings are heap memory (engine_directory_users_release). */
struct engine_directory_users {
    bool checked;   /* false: access is not configured, nothing was looked up */
    bool create;    /* access.create_users: missing users are (or would be) created */
    char **missing; /* owners without a user (after creating, the ones not created) */
    size_t nmissing;
    char **created; /* owners whose user was created (in dry-run: would be) */
    size_t ncreated;
    char store_id[40]; /* the identity store looked in */
};

/*
 * Checks that every owner in owners[0..n) (duplicates allowed) has an Identity Center user,
 * one GetUserId per distinct owner. With access.create_users the missing users are created
 * (CreateUser with the owner's address, display name and names from its local part, then
 * CreateGroupMembership in every access.user_groups group), each audited `user_created`; in
 * dry-run they are only listed as r->created.
 *
 * Returns 0 when every owner has a user (or will have: created, or in dry-run to be created),
 * or access is not configured. Owners still without a user are -1 with SBX_E_NOTFOUND naming
 * them all (in dry-run too) ("2 owners have no IAM Identity Center user in d-...: a@x, b@x"). An
 * identity store that refuses to create users (an external identity provider) is SBX_E_CONFIG
 * saying that access.create_users needs Identity Center's own directory. Other AWS failures are the
 * client's. r is filled in every case; release it with engine_directory_users_release.
 */
int engine_directory_users(struct engine *e, const char *const *owners, size_t n,
                           struct engine_directory_users *r, struct sbx_err *err) SBX_NODISCARD;
void engine_directory_users_release(struct engine_directory_users *r);

/*
 * Checks that every Identity Center group an account of kind (with a class: extra[0..nextra),
 * the class's groups) gives access to exists (engine_access_groups; one GetGroupId by
 * displayName each). Returns 0 when all exist, or access is not configured; groups that do not
 * exist are -1 with SBX_E_NOTFOUND naming them all (in dry-run too); other AWS failures are the
 * client's.
 */
int engine_directory_groups(struct engine *e, const char *kind, const char *const *extra,
                            size_t nextra, struct sbx_err *err) SBX_NODISCARD;

/* --- off-boarding driven by the directory ------------------------------------------------ */

/* One owner of live accounts and what the identity store said. */
struct engine_directory_owner {
    const char *owner;
    bool vanished; /* GetUserId: ResourceNotFoundException */
};

/*
 * The decision, pure: which owners to off-board (offboard[i], for owners[i]) and whether the
 * brake holds. The brake holds when more than brake_owners owners vanished AND they are more
 * than brake_percent percent of the n checked: then nobody is off-boarded. Returns the number
 * to off-board; *braked says whether the brake held.
 */
size_t engine_directory_decide(const struct engine_directory_owner *owners, size_t n,
                               int brake_owners, int brake_percent, bool *offboard, bool *braked);

struct engine_directory_report {
    bool ran;        /* false: not due (next_at), or access not configured */
    int64_t next_at; /* engine time the next check is due; 0 = never */
    int owners;      /* distinct owners of live accounts looked up */
    int vanished;    /* of them, without a user */
    int offboarded;  /* owners off-boarded (reason owner_left_directory) */
    int accounts;    /* their accounts asked to close */
    int refused;     /* of them, refused (protected) */
    bool braked;     /* too many vanished: nobody off-boarded (audited directory_brake) */
    char brake[512]; /* when braked: what the operator is told */
};

/*
 * The directory check `run` does every access.directory_interval (or now when force): looks
 * up the owner of every live account (requested, creating, active) in the identity store and
 * off-boards the owners whose user no longer exists through engine_close_request, reason
 * owner_left_directory, as `offboard` would -- unless the brake holds (see
 * engine_directory_decide), which is an audit event `directory_brake`, the store meta key
 * directory_brake (shown by `doctor`) and r->braked. A check that cannot finish (throttled
 * after the client's retries, denied) off-boards nobody and fails; it is tried again an
 * interval later. The last check time is the store meta key directory_check_at. Dry-run
 * reports without writing.
 */
int engine_directory_check(struct engine *e, bool force, struct engine_directory_report *r,
                           struct sbx_err *err) SBX_NODISCARD;

/* --- doctor ----------------------------------------------------------------------------- */

/* One line of `doctor`'s access checks. */
struct engine_access_probe {
    char name[48];    /* "access instance", "permission set developer", "sso:ListInstances" */
    int status;       /* 0 ok, 1 failed, 2 skipped (an earlier failure makes it meaningless) */
    char detail[480]; /* what it found */
    struct sbx_err err;
};

/*
 * `doctor`'s checks of the `access` group with client o: the Identity Center instance (the
 * configured one, or the only one), every permission set the configuration names (the default
 * and each kind's), every group it gives access (access.groups and the kinds' access_groups,
 * by displayName: a missing one fails as `create` would, SBX_E_NOTFOUND), and the caller's right to
 * every read call sandboxctl makes -- one call of each kind, with made-up ids where the call needs
 * one: an answer that the id does not exist proves the call is allowed, AccessDeniedException that
 * it is not. The write calls (assignments, users, memberships) cannot be tried without an effect
 * and are listed as such. Fills at most n probes; returns how many (0 without the access group).
 */
size_t engine_directory_doctor(const struct sbx_config *cfg, struct orgs *o,
                               struct engine_access_probe *out, size_t n);

/* The store meta key holding the brake's message ("" or absent: not braked). */
#define ENGINE_META_DIRECTORY_BRAKE "directory_brake"

#endif
