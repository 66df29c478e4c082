/* cmd_adopt.c -- `sandboxctl adopt`. PLACEHOLDER: replaced by the owner of this command. */
#include "cmd.h"
#include "util/log.h"

const char cmd_adopt_usage[] = "usage: sandboxctl adopt";

int
cmd_adopt(struct sbx_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    log_error("adopt: not implemented yet");
    return SBX_EXIT_FAILURE;
}
