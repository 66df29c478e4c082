/* cmd_create.c -- `sandboxctl create`. PLACEHOLDER: replaced by the owner of this command. */
#include "cmd.h"
#include "util/log.h"

const char cmd_create_usage[] = "usage: sandboxctl create";

int
cmd_create(struct sbx_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    log_error("create: not implemented yet");
    return SBX_EXIT_FAILURE;
}
