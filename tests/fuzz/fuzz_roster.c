/*
 * fuzz_roster.c -- a class roster file (class/roster.h): CSV, header row, email checks, name
 * folding and UTF-8 validation, duplicate detection.
 */
#include <stdlib.h>
#include <string.h>

#include "class/roster.h"
#include "fuzz_util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct roster r = { 0 };
    struct sbx_err err = { 0 };
    char *buf = malloc(size > 0 ? size : 1), why[128];

    if (buf == NULL)
        abort();
    if (size > 0)
        memcpy(buf, data, size);
    if (roster_parse("fuzz.csv", buf, size, &r, &err) == 0)
        roster_release(&r);
    free(buf);
    buf = fz_strndup(data, size);
    (void)roster_email_valid(buf, why, sizeof(why));
    free(buf);
    return 0;
}
