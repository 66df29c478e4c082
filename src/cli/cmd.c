/* cmd.c -- helpers shared by the cmd_*.c files: usage errors, failures, confirmation. */
#include "cli/cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aws/orgs.h"
#include "cfg.h"
#include "util/log.h"

int
cmd_usage_error(const char *usage, const char *fmt, ...)
{
    if (fmt != NULL) {
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        log_error("%s", msg);
    }
    fprintf(stderr, "%s\n", usage);
    return SBX_EXIT_USAGE;
}

int
cmd_fail(const char *cmd, const struct sbx_err *err)
{
    log_error("%s: %s", cmd, err->msg[0] != '\0' ? err->msg : "failed");
    return (int)sbx_err_exit_code(err);
}

bool
cmd_confirm(const char *prompt)
{
    char line[64];

    if (!isatty(STDIN_FILENO))
        return false;
    fprintf(stderr, "%s [y/N] ", prompt);
    fflush(stderr);
    if (fgets(line, sizeof(line), stdin) == NULL)
        return false;
    line[strcspn(line, "\r\n")] = '\0';
    return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

void
cmd_orgs_opts(const struct sbx_config *cfg, struct orgs_opts *out)
{
    const struct cfg_aws *aws = &cfg->aws;
    const struct cfg_limits *lim = &cfg->limits;

    *out = (struct orgs_opts){
        .profile = aws->profile,
        .region = aws->region,
        .endpoint = aws->endpoint,
        .sts_endpoint = aws->sts_endpoint,
        .ce_endpoint = aws->ce_endpoint,
        .budgets_endpoint = aws->budgets_endpoint,
        .max_attempts = aws->max_attempts,
        .connect_timeout = (long)aws->connect_timeout,
        .request_timeout = (long)aws->request_timeout,
        .create_rate = lim->create_rate,
        .create_burst = lim->create_burst,
        .close_rate = lim->close_rate,
        .close_burst = lim->close_burst,
        .describe_rate = lim->describe_rate,
        .move_rate = lim->move_rate,
        .tag_rate = lim->tag_rate,
    };
}
