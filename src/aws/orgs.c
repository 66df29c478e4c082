/* orgs.c -- PLACEHOLDER: replaced by the AWS client owner. */
#include "aws/orgs.h"

int
orgs_new(const struct sbx_config *cfg, struct sbx_clock *clock, struct orgs **out,
         struct sbx_err *err)
{
    (void)cfg;
    (void)clock;
    (void)out;
    sbx_err_set(err, SBX_E_AWS, "AWS client not implemented yet");
    return -1;
}

void
orgs_free(struct orgs *o)
{
    (void)o;
}

int
orgs_sim_clock(struct orgs *o, struct sbx_clock *clock, struct sbx_err *err)
{
    (void)o;
    (void)clock;
    sbx_err_set(err, SBX_E_AWS, "not implemented yet");
    return -1;
}
