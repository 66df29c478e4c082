/*
 * aws_client.h -- the Organizations client the fuzz_orgs and fuzz_sts targets drive: built as
 * sandboxctl builds it (the default configuration through cmd_orgs_opts), with keys from the
 * environment and a fixed clock so backoff and pacing cost nothing, answered by fake_http.c.
 */
#ifndef SBX_FUZZ_AWS_CLIENT_H
#define SBX_FUZZ_AWS_CLIENT_H

struct orgs;
struct sbx_clock;

/* Sets the environment the client reads (keys, region, endpoint, empty AWS files). */
void aws_client_env(void);
/* A new client on clock; aborts when it cannot be built (the environment is fixed). */
struct orgs *aws_client_new(struct sbx_clock *clock);

#endif
