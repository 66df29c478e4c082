/*
 * fuzz_credential_process.c -- the JSON a credential_process prints (Version, AccessKeyId,
 * SecretAccessKey, SessionToken, Expiration), read through the credential chain exactly as a
 * profile with credential_process reads it.
 *
 * The profile's command is fixed: `cat FILE`, where FILE holds the input; the input itself is
 * never run. Each run forks, so this target is slower than the others.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/creds.h"
#include "fuzz_util.h"
#include "util/clock.h"

static const char *output_path;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const unset[] = {
        "AWS_ACCESS_KEY_ID",  "AWS_SECRET_ACCESS_KEY",       "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION",   "AWS_DEFAULT_PROFILE",
        "AWS_ROLE_ARN",       "AWS_WEB_IDENTITY_TOKEN_FILE",
    };
    char config[512];
    static char path[128];

    (void)argc;
    (void)argv;
    for (size_t i = 0; i < sizeof(unset) / sizeof(unset[0]); i++)
        unsetenv(unset[i]);
    snprintf(path, sizeof(path), "%s", fz_write("process-output.json", "", 0));
    output_path = path;
    snprintf(config, sizeof(config), "[profile fuzz]\ncredential_process = cat %s\n", path);
    setenv("AWS_CONFIG_FILE", fz_write("config", config, strlen(config)), 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", fz_write("credentials", "", 0), 1);
    setenv("AWS_PROFILE", "fuzz", 1);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct creds_opts opts = { 0 };
    struct creds c = { 0 };
    struct sbx_err err = { 0 };
    struct sbx_clock clock;

    fz_write("process-output.json", data, size);
    clock_init_fixed(&clock, 1795000000.0);
    opts.profile = "fuzz";
    opts.profile_explicit = true;
    opts.clock = &clock;
    opts.process_timeout = 10;
    if (creds_resolve(&opts, &c, &err) == 0)
        creds_release(&c);
    return 0;
}
