/*
 * heap.h -- a min-heap of times (doubles) for the planners that simulate a queue, and the
 * ascending order of doubles for qsort.
 */
#ifndef SBX_HEAP_H
#define SBX_HEAP_H

#include <stddef.h>

/* v has room the caller allocated for every element it pushes; n counts them. */
struct heap {
    double *v;
    size_t n;
};

void heap_push(struct heap *h, double x);
/* Removes and returns the smallest element (h->n must be > 0). */
double heap_pop(struct heap *h);
/* qsort comparator: ascending doubles. */
int heap_cmp_double(const void *a, const void *b);

#endif
