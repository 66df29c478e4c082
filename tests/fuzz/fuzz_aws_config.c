/*
 * fuzz_aws_config.c -- the AWS shared files (~/.aws/config and ~/.aws/credentials): sections,
 * properties, comments, continuation lines and sub-properties, parsed from memory in both
 * modes, then the lookups the client makes (region, a service's endpoint_url through the
 * profile's services section) on the same text as a config file; plus the word splitting of a
 * credential_process command line. Nothing in the input is ever run.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/creds_ini.h"
#include "aws/creds_process.h"
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
parse(const char *text, size_t len, bool config)
{
    struct creds_ini f;
    struct sbx_err err = { 0 };

    if (creds_ini_parse("fuzz file", "fuzz", text, len, config, &f, &err) != 0)
        return;
    (void)creds_ini_has_section(&f, "profile", "dev");
    (void)creds_ini_get(&f, "profile", "default", "region", NULL);
    (void)creds_ini_get(&f, "services", "local", "endpoint_url", "sts");
    creds_ini_free(&f);
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
    char *text = malloc(size > 0 ? size : 1), *line, **argv = NULL;

    if (text == NULL)
        abort();
    if (size > 0)
        memcpy(text, data, size);
    parse(text, size, true);
    parse(text, size, false);
    free(text);
    fz_write("config", data, size);
    lookup("default", NULL, "region");
    lookup("default", "organizations", "endpoint_url");
    lookup("dev", "sts", "endpoint_url");
    /* The first line as a credential_process command line. */
    line = fz_strndup(data, size);
    line[strcspn(line, "\n")] = '\0';
    if (creds_split_command(line, &argv, &err) == 0)
        creds_argv_free(argv);
    free(line);
    return 0;
}
