/*
 * creds_process.h -- the credential_process provider (AWS-ORGANIZATIONS.md section 5.3): a
 * helper command, run without a shell through util/spawn.h, prints a JSON object
 * {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?} on its
 * standard output.
 */
#ifndef SBX_CREDS_PROCESS_H
#define SBX_CREDS_PROCESS_H

#include <stddef.h>

#include "aws/creds_value.h"
#include "sbx.h"

/*
 * Splits a credential_process command line the way a POSIX shell would split words (quotes,
 * backslashes), without expansions. On success *argv is a NULL-terminated heap array
 * (creds_argv_free). An unterminated quote or an empty command is SBX_E_CREDS.
 */
int creds_split_command(const char *cmd, char ***argv, struct sbx_err *err) SBX_NODISCARD;
void creds_argv_free(char **argv);

/*
 * Parses a helper's output: len bytes of text (any bytes; need not be NUL-terminated) must
 * be one JSON object, optionally surrounded by whitespace, with Version the number 1,
 * non-empty AccessKeyId and SecretAccessKey strings, SessionToken a string or null, and
 * Expiration an ISO 8601 time or null. `name` (the helper) names it in errors. On success
 * *out is filled (creds_release); it is not checked for expiry here. Anything else is
 * SBX_E_CREDS "credential_process '<name>': <why>".
 */
int creds_process_parse(const char *name, const char *text, size_t len, struct creds *out,
                        struct sbx_err *err) SBX_NODISCARD;

/*
 * Runs the command line cmd (creds_split_command; argv[0] looked up in $PATH) with our
 * environment and standard input, standard output and error captured, for at most timeout
 * seconds (its whole process group is killed after that), and parses what it printed.
 */
int creds_process_fetch(const char *cmd, int timeout, struct creds *out,
                        struct sbx_err *err) SBX_NODISCARD;

#endif
