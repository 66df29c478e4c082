/* cmd_class.c -- `sandboxctl class`. PLACEHOLDER: replaced by the owner of this command. */
#include "cmd.h"
#include "util/log.h"

const char cmd_class_usage[] = "usage: sandboxctl class";

int
cmd_class(struct sbx_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    log_error("class: not implemented yet");
    return SBX_EXIT_FAILURE;
}
