/* cmd_run.c -- `sandboxctl run`. PLACEHOLDER: replaced by the owner of this command. */
#include "cmd.h"
#include "util/log.h"

const char cmd_run_usage[] = "usage: sandboxctl run";

int
cmd_run(struct sbx_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    log_error("run: not implemented yet");
    return SBX_EXIT_FAILURE;
}
