/* cmd_log.c -- `sandboxctl log`. PLACEHOLDER: replaced by the owner of this command. */
#include "cmd.h"
#include "util/log.h"

const char cmd_log_usage[] = "usage: sandboxctl log";

int
cmd_log(struct sbx_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    log_error("log: not implemented yet");
    return SBX_EXIT_FAILURE;
}
