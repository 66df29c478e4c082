/* cmd_list.c -- `sandboxctl list`. PLACEHOLDER: replaced by the owner of this command. */
#include "cmd.h"
#include "util/log.h"

const char cmd_list_usage[] = "usage: sandboxctl list";

int
cmd_list(struct sbx_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    log_error("list: not implemented yet");
    return SBX_EXIT_FAILURE;
}
