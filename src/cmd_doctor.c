/* cmd_doctor.c -- `sandboxctl doctor`. PLACEHOLDER: replaced by the owner of this command. */
#include "cmd.h"
#include "util/log.h"

const char cmd_doctor_usage[] = "usage: sandboxctl doctor";

int
cmd_doctor(struct sbx_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    log_error("doctor: not implemented yet");
    return SBX_EXIT_FAILURE;
}
