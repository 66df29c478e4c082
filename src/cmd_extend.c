/* cmd_extend.c -- `sandboxctl extend`. PLACEHOLDER: replaced by the owner of this command. */
#include "cmd.h"
#include "util/log.h"

const char cmd_extend_usage[] = "usage: sandboxctl extend";

int
cmd_extend(struct sbx_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    log_error("extend: not implemented yet");
    return SBX_EXIT_FAILURE;
}
