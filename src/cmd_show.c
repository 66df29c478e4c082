/* cmd_show.c -- `sandboxctl show`. PLACEHOLDER: replaced by the owner of this command. */
#include "cmd.h"
#include "util/log.h"

const char cmd_show_usage[] = "usage: sandboxctl show";

int
cmd_show(struct sbx_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    log_error("show: not implemented yet");
    return SBX_EXIT_FAILURE;
}
