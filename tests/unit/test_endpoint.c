/* test_endpoint.c -- endpoint URLs, partitions, default endpoints and override order. */
#include "aws/endpoint.h"
#include "check.h"

TEST(partitions)
{
    CHECK_STR_EQ(endpoint_partition("us-east-1"), "aws");
    CHECK_STR_EQ(endpoint_partition("eu-west-1"), "aws");
    CHECK_STR_EQ(endpoint_partition("cn-north-1"), "aws-cn");
    CHECK_STR_EQ(endpoint_partition("cn-northwest-1"), "aws-cn");
    CHECK_STR_EQ(endpoint_partition("us-gov-west-1"), "aws-us-gov");
    CHECK_STR_EQ(endpoint_partition("us-gov-east-1"), "aws-us-gov");
    CHECK_STR_EQ(endpoint_partition("us-iso-east-1"), "aws-iso");
    CHECK_STR_EQ(endpoint_partition("us-isob-east-1"), "aws-iso-b");
    CHECK_STR_EQ(endpoint_partition("us-isof-south-1"), "aws-iso-f");
    CHECK_STR_EQ(endpoint_partition("eu-isoe-west-1"), "aws-iso-e");
    CHECK_STR_EQ(endpoint_partition(NULL), "aws");
}

/* Section 1.2: one endpoint per partition, with its own signing region. */
TEST(default_organizations_endpoints)
{
    static const struct {
        const char *region, *url, *signing, *partition;
    } cases[] = {
        { "us-east-1", "https://organizations.us-east-1.amazonaws.com", "us-east-1", "aws" },
        { "eu-west-1", "https://organizations.us-east-1.amazonaws.com", "us-east-1", "aws" },
        { "ap-southeast-2", "https://organizations.us-east-1.amazonaws.com", "us-east-1", "aws" },
        { "cn-north-1", "https://organizations.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1",
          "aws-cn" },
        { "us-gov-east-1", "https://organizations.us-gov-west-1.amazonaws.com", "us-gov-west-1",
          "aws-us-gov" },
        { "us-iso-east-1", "https://organizations.us-iso-east-1.c2s.ic.gov", "us-iso-east-1",
          "aws-iso" },
        { "us-isob-east-1", "https://organizations.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1",
          "aws-iso-b" },
        { "us-isof-south-1", "https://organizations.us-isof-south-1.csp.hci.ic.gov",
          "us-isof-south-1", "aws-iso-f" },
        { "eu-isoe-west-1", "https://organizations.eu-isoe-west-1.cloud.adc-e.uk", "eu-isoe-west-1",
          "aws-iso-e" },
    };
    struct endpoint_env env = { 0 };

    for (size_t i = 0; i < SBX_ARRAY_LEN(cases); i++) {
        struct endpoint_opts o = { 0 };
        struct endpoint ep;
        struct sbx_err err = { 0 };

        o.region = cases[i].region;
        CHECK_OK(endpoint_resolve_orgs(&o, &env, &ep, &err), &err);
        CHECK_STR_EQ(ep.url, cases[i].url);
        CHECK_STR_EQ(ep.host, cases[i].url + 8);
        CHECK_STR_EQ(ep.signing_region, cases[i].signing);
        CHECK_STR_EQ(ep.partition, cases[i].partition);
        CHECK_STR_EQ(ep.source, "default");
        CHECK(ep.https);
    }
}

TEST(fips_endpoints)
{
    struct endpoint_opts o = { 0 };
    struct endpoint_env env = { 0 };
    struct endpoint ep;
    struct sbx_err err = { 0 };

    o.fips = true;
    CHECK_OK(endpoint_resolve_orgs(&o, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "https://organizations-fips.us-east-1.amazonaws.com");
    CHECK_STR_EQ(ep.signing_region, "us-east-1");
    o.region = "us-gov-west-1";
    CHECK_OK(endpoint_resolve_orgs(&o, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "https://organizations.us-gov-west-1.amazonaws.com");
    o.region = "cn-north-1";
    CHECK_ERR(endpoint_resolve_orgs(&o, &env, &ep, &err), &err, SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "FIPS");
}

TEST(override_order)
{
    struct endpoint_opts o = { 0 };
    struct endpoint_env env = { 0 };
    struct endpoint ep;
    struct sbx_err err = { 0 };

    o.region = "eu-west-1";
    o.config_url = "http://127.0.0.1:4566";
    o.profile_url = "http://127.0.0.1:4003";
    env.service_url = "http://127.0.0.1:4001";
    env.global_url = "http://127.0.0.1:4002";
    CHECK_OK(endpoint_resolve_orgs(&o, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "http://127.0.0.1:4566");
    CHECK_STR_EQ(ep.source, "config aws.endpoint");
    /* An override URL signs with the configured region (section 1.2 gotcha). */
    CHECK_STR_EQ(ep.signing_region, "eu-west-1");
    CHECK(!ep.https);

    o.config_url = NULL;
    CHECK_OK(endpoint_resolve_orgs(&o, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "http://127.0.0.1:4001");
    CHECK_STR_EQ(ep.source, "AWS_ENDPOINT_URL_ORGANIZATIONS");
    env.service_url = "";
    CHECK_OK(endpoint_resolve_orgs(&o, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "http://127.0.0.1:4002");
    CHECK_STR_EQ(ep.source, "AWS_ENDPOINT_URL");
    env.global_url = NULL;
    CHECK_OK(endpoint_resolve_orgs(&o, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "http://127.0.0.1:4003");
    CHECK_STR_EQ(ep.source, "AWS config file");

    /* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ignores environment and AWS config file, not ours. */
    env.service_url = "http://127.0.0.1:4001";
    env.ignore_configured = "true";
    CHECK_OK(endpoint_resolve_orgs(&o, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "https://organizations.us-east-1.amazonaws.com");
    CHECK_STR_EQ(ep.signing_region, "us-east-1");
    o.config_url = "http://localhost:8080/";
    CHECK_OK(endpoint_resolve_orgs(&o, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "http://localhost:8080");

    /* Without a region an override signs with us-east-1. */
    o.region = NULL;
    CHECK_OK(endpoint_resolve_orgs(&o, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.signing_region, "us-east-1");
}

TEST(sts_endpoints)
{
    struct endpoint_opts o = { 0 };
    struct endpoint_env env = { 0 };
    struct endpoint ep;
    struct sbx_err err = { 0 };

    o.region = "eu-west-1";
    CHECK_OK(endpoint_resolve_sts(&o, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "https://sts.eu-west-1.amazonaws.com");
    CHECK_STR_EQ(ep.signing_region, "eu-west-1");
    o.region = "cn-north-1";
    CHECK_OK(endpoint_resolve_sts(&o, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "https://sts.cn-north-1.amazonaws.com.cn");
    CHECK_STR_EQ(ep.partition, "aws-cn");
    o.region = "us-gov-west-1";
    CHECK_OK(endpoint_resolve_sts(&o, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "https://sts.us-gov-west-1.amazonaws.com");
    o.region = "us-east-1";
    o.sts_global = true;
    CHECK_OK(endpoint_resolve_sts(&o, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "https://sts.amazonaws.com");
    CHECK_STR_EQ(ep.signing_region, "us-east-1");
    o.region = "eu-south-1"; /* not a legacy global region */
    CHECK_OK(endpoint_resolve_sts(&o, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "https://sts.eu-south-1.amazonaws.com");

    o.sts_global = false;
    o.region = "eu-west-1";
    env.service_url = "http://127.0.0.1:5000";
    env.global_url = "http://127.0.0.1:5001";
    CHECK_OK(endpoint_resolve_sts(&o, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "http://127.0.0.1:5000");
    CHECK_STR_EQ(ep.source, "AWS_ENDPOINT_URL_STS");
    CHECK_STR_EQ(ep.signing_region, "eu-west-1");
    o.config_url = "https://sts.example.test";
    CHECK_OK(endpoint_resolve_sts(&o, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.source, "config aws.sts_endpoint");
}

/* Section 1.3: the Host value omits the scheme's default port. */
TEST(host_header_values)
{
    static const struct {
        const char *url, *hostport, *base;
        int port;
    } cases[] = {
        { "http://127.0.0.1:8080/", "127.0.0.1:8080", "http://127.0.0.1:8080", 8080 },
        { "https://localhost:443/", "localhost", "https://localhost", 443 },
        { "http://localhost:80", "localhost", "http://localhost", 80 },
        { "http://localhost:443", "localhost:443", "http://localhost:443", 443 },
        { "https://Organizations.US-East-1.amazonaws.com", "organizations.us-east-1.amazonaws.com",
          "https://organizations.us-east-1.amazonaws.com", 0 },
        { "HTTP://[::1]:4566", "[::1]:4566", "http://[::1]:4566", 4566 },
        { "http://sim_host.local", "sim_host.local", "http://sim_host.local", 0 },
    };

    for (size_t i = 0; i < SBX_ARRAY_LEN(cases); i++) {
        struct endpoint_url u;
        struct sbx_err err = { 0 };

        CHECK_OK(endpoint_parse_url(cases[i].url, &u, &err), &err);
        CHECK_STR_EQ(u.hostport, cases[i].hostport);
        CHECK_STR_EQ(u.base, cases[i].base);
        CHECK_INT_EQ(u.port, cases[i].port);
    }
}

TEST(invalid_urls)
{
    static const struct {
        const char *url, *why;
    } cases[] = {
        { "", "empty" },
        { "ftp://example.com", "scheme must be http:// or https://" },
        { "127.0.0.1:4566", "scheme must be http:// or https://" },
        { "http://", "missing or invalid host" },
        { "http://:4566", "missing or invalid host" },
        { "http://exa mple.com", "missing or invalid host" },
        { "http://[::1", "missing or invalid host" },
        { "http://user:pass@example.com", "user information is not allowed" },
        { "http://example.com:0", "port must be a number from 1 to 65535" },
        { "http://example.com:65536", "port must be a number from 1 to 65535" },
        { "http://example.com:12ab", "port must be a number from 1 to 65535" },
        { "http://example.com:", "port must be a number from 1 to 65535" },
        { "http://example.com/?x=1", "a query is not allowed" },
        { "http://example.com#frag", "a fragment is not allowed" },
        { "http://example.com/v1", "a path is not allowed" },
    };

    for (size_t i = 0; i < SBX_ARRAY_LEN(cases); i++) {
        struct endpoint_url u;
        struct sbx_err err = { 0 };

        CHECK_ERR(endpoint_parse_url(cases[i].url, &u, &err), &err, SBX_E_CONFIG);
        CHECK_CONTAINS(err.msg, cases[i].why);
        CHECK_CONTAINS(err.msg, "invalid endpoint URL");
    }
}

TEST(invalid_override_names_its_source)
{
    struct endpoint_opts o = { 0 };
    struct endpoint_env env = { 0 };
    struct endpoint ep;
    struct sbx_err err = { 0 };

    env.service_url = "localhost:4566";
    CHECK_ERR(endpoint_resolve_orgs(&o, &env, &ep, &err), &err, SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "AWS_ENDPOINT_URL_ORGANIZATIONS: invalid endpoint URL "
                            "'localhost:4566'");
    o.region = "us-east-1.evil.example/";
    CHECK_ERR(endpoint_resolve_sts(&o, &env, &ep, &err), &err, SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "invalid AWS region");
}
