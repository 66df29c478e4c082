/* grow.c -- room for one more element in a heap array, or for more bytes in a buffer. */
#include "util/grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *
grow_array(void *items, size_t n, size_t *cap, size_t size)
{
    size_t nc;
    void *grown;

    if (n < *cap)
        return items;
    nc = *cap == 0 ? 16 : *cap * 2;
    if (size != 0 && nc > SIZE_MAX / size)
        return NULL;
    grown = realloc(items, nc * size);
    if (grown != NULL)
        *cap = nc;
    return grown;
}

void *
grow_slot(void *itemsp, size_t n, size_t *cap, size_t size)
{
    void **items = itemsp;
    char *grown = grow_array(*items, n, cap, size);

    if (grown == NULL)
        return NULL;
    *items = grown;
    memset(grown + n * size, 0, size);
    return grown + n * size;
}

int
grow_bytes(void *bufp, size_t *cap, size_t need, size_t first)
{
    char **buf = bufp, *grown;
    size_t nc = *cap == 0 ? first : *cap;

    if (need <= *cap)
        return 0;
    if (nc == 0)
        nc = need;
    while (nc < need)
        nc = nc > SIZE_MAX / 2 ? need : nc * 2;
    grown = realloc(*buf, nc);
    if (grown == NULL)
        return -1;
    *buf = grown;
    *cap = nc;
    return 0;
}
