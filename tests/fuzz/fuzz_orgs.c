/*
 * fuzz_orgs.c -- Organizations responses: every operation of the client (orgs.h) parses a
 * scripted answer (fake_http.h): success bodies, pagination, JSON 1.1 errors, retries.
 *
 * Input: the first byte picks the operation; the rest is the response script.
 */
#include <stdlib.h>

#include "aws/orgs.h"
#include "aws_client.h"
#include "fake_http.h"
#include "fuzz_util.h"
#include "util/clock.h"

#define T0 1795000000.0

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    aws_client_env();
    return 0;
}

static void
run(struct orgs *o, struct sbx_clock *clock, unsigned op)
{
    static const char *const states[] = { "IN_PROGRESS", NULL };
    static char tag_key[] = "owner", tag_value[] = "a@example.com";
    static const struct orgs_tag tags[] = { { tag_key, tag_value } };
    static const char *const keys[] = { "owner" };
    struct sbx_err err = { 0 };
    struct orgs_create_status st;
    struct orgs_create_status *sts = NULL;
    struct orgs_account acct;
    struct orgs_account *accts = NULL;
    struct orgs_root *roots = NULL;
    struct orgs_ou ou;
    struct orgs_ou *ous = NULL;
    struct orgs_parent *parents = NULL;
    struct orgs_tag *tl = NULL;
    struct orgs_organization org;
    size_t n = 0;

    switch (op % 15) {
    case 0:
        if (orgs_create_account(o, "a+1@example.com", "sbx-1", NULL, tags, 1, &st, &err) == 0)
            orgs_create_status_release(&st);
        break;
    case 1:
        if (orgs_describe_create_account_status(o, "car-1", &st, &err) == 0)
            orgs_create_status_release(&st);
        break;
    case 2:
        if (orgs_list_create_account_status(o, states, &sts, &n, &err) == 0)
            orgs_create_statuses_free(sts, n);
        break;
    case 3:
        (void)!orgs_close_account(o, "222222222222", &err);
        break;
    case 4:
        if (orgs_describe_account(o, "222222222222", &acct, &err) == 0) {
            (void)orgs_account_is_closed(&acct);
            orgs_account_release(&acct);
        }
        break;
    case 5:
        if (orgs_list_accounts(o, &accts, &n, &err) == 0)
            orgs_accounts_free(accts, n);
        break;
    case 6:
        if (orgs_list_accounts_for_parent(o, "ou-ab12-cd34ef56", &accts, &n, &err) == 0)
            orgs_accounts_free(accts, n);
        break;
    case 7:
        if (orgs_list_roots(o, &roots, &n, &err) == 0)
            orgs_roots_free(roots, n);
        break;
    case 8:
        if (orgs_list_ous_for_parent(o, "r-ab12", &ous, &n, &err) == 0)
            orgs_ous_free(ous, n);
        break;
    case 9:
        if (orgs_create_ou(o, "r-ab12", "Sandboxes", tags, 1, &ou, &err) == 0)
            orgs_ou_release(&ou);
        break;
    case 10:
        (void)!orgs_move_account(o, "222222222222", "r-ab12", "ou-ab12-cd34ef56", &err);
        break;
    case 11:
        if (orgs_list_parents(o, "222222222222", &parents, &n, &err) == 0)
            free(parents);
        break;
    case 12:
        (void)!orgs_tag_resource(o, "222222222222", tags, 1, &err);
        (void)!orgs_untag_resource(o, "222222222222", keys, 1, &err);
        break;
    case 13:
        if (orgs_list_tags(o, "222222222222", &tl, &n, &err) == 0)
            orgs_tags_free(tl, n);
        break;
    default:
        if (orgs_describe_organization(o, &org, &err) == 0)
            orgs_organization_release(&org);
        (void)!orgs_sim_clock(o, clock, &err);
        break;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sbx_clock clock;
    struct orgs *o;
    char *text;

    if (size < 1)
        return 0;
    text = fz_strndup(data + 1, size - 1);
    clock_init_fixed(&clock, T0);
    o = aws_client_new(&clock);
    fake_http_script(text, size - 1);
    run(o, &clock, data[0]);
    orgs_free(o);
    free(text);
    return 0;
}
