/*
 * fuzz_csv.c -- the RFC 4180 reader (util/csv.h) over an input that is not NUL-terminated,
 * record by record to the end or the first error.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "util/csv.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct csv_reader r;
    struct csv_record rec = { 0 };
    struct sbx_err err = { 0 };
    char *buf = malloc(size > 0 ? size : 1);

    if (buf == NULL)
        abort();
    if (size > 0)
        memcpy(buf, data, size);
    csv_reader_init(&r, buf, size);
    while (csv_next(&r, &rec, &err) == 1)
        csv_record_release(&rec);
    csv_record_release(&rec);
    free(buf);
    return 0;
}
