/* cmd_offboard.c -- `sandboxctl offboard`. PLACEHOLDER: replaced by the owner of this command. */
#include "cmd.h"
#include "util/log.h"

const char cmd_offboard_usage[] = "usage: sandboxctl offboard";

int
cmd_offboard(struct sbx_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    log_error("offboard: not implemented yet");
    return SBX_EXIT_FAILURE;
}
