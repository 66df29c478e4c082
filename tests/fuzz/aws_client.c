/* aws_client.c -- the client the AWS response targets drive (see aws_client.h). */
#include "aws_client.h"

#include <stdio.h>
#include <stdlib.h>

#include "aws/orgs.h"
#include "cfg.h"
#include "cli/cmd.h"
#include "fuzz_util.h"
#include "util/log.h"

void
aws_client_env(void)
{
    static const char *const unset[] = {
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL_ORGANIZATIONS",
        "AWS_ENDPOINT_URL_STS",
        "AWS_MAX_ATTEMPTS",
        "AWS_USE_FIPS_ENDPOINT",
        "AWS_STS_REGIONAL_ENDPOINTS",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_CA_BUNDLE",
    };

    for (size_t i = 0; i < sizeof(unset) / sizeof(unset[0]); i++)
        unsetenv(unset[i]);
    setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    setenv("AWS_REGION", "us-east-1", 1);
    /* Never contacted: fake_http.c answers every request. */
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9", 1);
    setenv("AWS_CONFIG_FILE", fz_write("aws-config", "", 0), 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", fz_write("aws-credentials", "", 0), 1);
    log_set_level(LOG_LVL_ERROR);
}

struct orgs *
aws_client_new(struct sbx_clock *clock)
{
    struct sbx_config *cfg = NULL;
    struct orgs_opts opts;
    struct sbx_err err = { 0 };
    struct orgs *o = NULL;

    if (cfg_defaults(&cfg, &err) != 0) {
        fprintf(stderr, "fuzz: cannot build the client: %s\n", err.msg);
        abort();
    }
    cmd_orgs_opts(cfg, &opts);
    if (orgs_new(&opts, clock, &o, &err) != 0) {
        fprintf(stderr, "fuzz: cannot build the client: %s\n", err.msg);
        abort();
    }
    cfg_free(cfg);
    return o;
}
