/* cmd_close.c -- `sandboxctl close`. PLACEHOLDER: replaced by the owner of this command. */
#include "cmd.h"
#include "util/log.h"

const char cmd_close_usage[] = "usage: sandboxctl close";

int
cmd_close(struct sbx_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    log_error("close: not implemented yet");
    return SBX_EXIT_FAILURE;
}
