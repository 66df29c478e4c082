/*
 * fuzz_credential_process.c -- the JSON a credential_process helper prints (Version,
 * AccessKeyId, SecretAccessKey, SessionToken, Expiration), parsed as the provider parses the
 * helper's output (nothing is run).
 */
#include <stdlib.h>
#include <string.h>

#include "aws/creds_process.h"
#include "fuzz_util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct creds c = { 0 };
    struct sbx_err err = { 0 };
    /* The output in a heap block of exactly its size: reads past it are caught. */
    char *text = malloc(size > 0 ? size : 1);

    if (text == NULL)
        abort();
    if (size > 0)
        memcpy(text, data, size);
    if (creds_process_parse("helper", text, size, &c, &err) == 0)
        creds_release(&c);
    free(text);
    return 0;
}
