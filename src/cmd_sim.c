/* cmd_sim.c -- `sandboxctl sim`. PLACEHOLDER: replaced by the owner of this command. */
#include "cmd.h"
#include "util/log.h"

const char cmd_sim_usage[] = "usage: sandboxctl sim";

int
cmd_sim(struct sbx_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    log_error("sim: not implemented yet");
    return SBX_EXIT_FAILURE;
}
