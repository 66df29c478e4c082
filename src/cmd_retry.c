/* cmd_retry.c -- `sandboxctl retry`. PLACEHOLDER: replaced by the owner of this command. */
#include "cmd.h"
#include "util/log.h"

const char cmd_retry_usage[] = "usage: sandboxctl retry";

int
cmd_retry(struct sbx_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    log_error("retry: not implemented yet");
    return SBX_EXIT_FAILURE;
}
