/* cmd_policy.c -- `sandboxctl policy`. PLACEHOLDER: replaced by the owner of this command. */
#include "cmd.h"
#include "util/log.h"

const char cmd_policy_usage[] = "usage: sandboxctl policy";

int
cmd_policy(struct sbx_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    log_error("policy: not implemented yet");
    return SBX_EXIT_FAILURE;
}
