/*
 * fuzz_awserr.c -- AWS error responses: JSON 1.1 error bodies with the X-Amzn-Errortype header,
 * query-protocol (STS) XML errors, the body checks and excerpts used for protocol errors, XML
 * text extraction with entities, and error code sanitising.
 *
 * Input: the first byte picks the HTTP status; the first line of the rest is the
 * X-Amzn-Errortype header value, the remainder the body (not NUL-terminated).
 */
#include <stdlib.h>
#include <string.h>

#include "aws/awserr.h"
#include "fuzz_util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long statuses[] = { 400, 403, 404, 409, 413, 429, 500, 502, 503, 504, 200, 0 };
    static const char *const tags[] = { "Code", "Message", "AccessKeyId", "Expiration", "Arn" };
    struct sbx_err err = { 0 };
    const uint8_t *nl;
    const char *body, *header;
    char *hdr, *copy, code[64];
    size_t blen;
    long status;

    if (size < 1)
        return 0;
    status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
    data++;
    size--;
    nl = memchr(data, '\n', size);
    hdr = fz_strndup(data, nl != NULL ? (size_t)(nl - data) : 0);
    /* A body of its own heap block, exactly blen bytes: reads past it are caught. */
    blen = nl != NULL ? size - (size_t)(nl + 1 - data) : size;
    copy = malloc(blen > 0 ? blen : 1);
    if (copy == NULL)
        abort();
    if (blen > 0)
        memcpy(copy, nl != NULL ? (const char *)nl + 1 : (const char *)data, blen);
    body = copy;
    header = *hdr != '\0' ? hdr : NULL;

    awserr_from_json(status, header, body, blen, &err);
    awserr_from_xml(status, body, blen, &err);
    awserr_protocol(status, "unexpected answer", body, blen, &err);
    (void)awserr_json_problem(body, blen);
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
        free(awserr_xml_text(body, blen, tags[i]));
    awserr_sanitize_code(body, blen, code, sizeof(code));
    (void)awserr_classify(code, header, status);
    free(copy);
    free(hdr);
    return 0;
}
