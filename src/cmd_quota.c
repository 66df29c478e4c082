/* cmd_quota.c -- `sandboxctl quota`. PLACEHOLDER: replaced by the owner of this command. */
#include "cmd.h"
#include "util/log.h"

const char cmd_quota_usage[] = "usage: sandboxctl quota";

int
cmd_quota(struct sbx_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    log_error("quota: not implemented yet");
    return SBX_EXIT_FAILURE;
}
