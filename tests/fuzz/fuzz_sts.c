/*
 * fuzz_sts.c -- STS responses (query protocol, XML): AssumeRole and GetCallerIdentity through
 * the client, answered by a script (fake_http.h), errors and retries included.
 *
 * Input: the first byte picks the operation; the rest is the response script.
 */
#include <stdlib.h>

#include "aws/creds.h"
#include "aws/orgs.h"
#include "aws_client.h"
#include "fake_http.h"
#include "fuzz_util.h"
#include "util/clock.h"

#define T0 1795000000.0

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    aws_client_env();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sbx_err err = { 0 };
    struct sbx_clock clock;
    struct orgs_caller who;
    struct creds cr = { 0 };
    struct orgs *o;
    char *text;

    if (size < 1)
        return 0;
    text = fz_strndup(data + 1, size - 1);
    clock_init_fixed(&clock, T0);
    o = aws_client_new(&clock);
    fake_http_script(text, size - 1);
    if (data[0] % 2 == 0) {
        if (orgs_get_caller_identity(o, &who, &err) == 0)
            orgs_caller_release(&who);
    } else if (orgs_assume_role(o, "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole",
                                "sandboxctl", 900, &cr, &err) == 0) {
        creds_release(&cr);
    }
    orgs_free(o);
    free(text);
    return 0;
}
