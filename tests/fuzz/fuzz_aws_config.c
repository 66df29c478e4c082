/*
 * fuzz_aws_config.c -- the shared config file (~/.aws/config) as sandboxctl reads it: profile
 * and services sections, sub-properties, comments, continuation lines; plus the word splitting
 * of a credential_process command line.
 *
 * Input: the whole config file. Its lookups are the ones the client makes (region, endpoint_url
 * of a service); nothing in it is ever run.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/creds.h"
#include "fuzz_util.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_DEFAULT_PROFILE");
    /* Once: glibc keeps every string setenv() ever made, which would look like a leak. */
    setenv("AWS_CONFIG_FILE", fz_write("config", "", 0), 1);
    return 0;
}

static void
lookup(const char *profile, const char *service, const char *key)
{
    struct sbx_err err = { 0 };
    char *v = NULL;

    if (creds_profile_setting(profile, service, key, &v, &err) == 0)
        free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sbx_err err = { 0 };
    char *text, **argv = NULL;

    fz_write("config", data, size);
    lookup("default", NULL, "region");
    lookup("default", "organizations", "endpoint_url");
    lookup("dev", "sts", "endpoint_url");
    lookup("dev", NULL, "credential_process");
    /* The first line as a credential_process command line. */
    text = fz_strndup(data, size);
    text[strcspn(text, "\n")] = '\0';
    if (creds_split_command(text, &argv, &err) == 0)
        creds_argv_free(argv);
    free(text);
    return 0;
}
