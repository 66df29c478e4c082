/* cmd_init.c -- `sandboxctl init`. PLACEHOLDER: replaced by the owner of this command. */
#include "cmd.h"
#include "util/log.h"

const char cmd_init_usage[] = "usage: sandboxctl init";

int
cmd_init(struct sbx_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    log_error("init: not implemented yet");
    return SBX_EXIT_FAILURE;
}
