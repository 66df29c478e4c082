/* heap.c -- a binary min-heap of doubles. */
#include "util/heap.h"

static void
swap(double *v, size_t i, size_t j)
{
    double tmp = v[i];

    v[i] = v[j];
    v[j] = tmp;
}

void
heap_push(struct heap *h, double x)
{
    size_t i = h->n++;

    h->v[i] = x;
    while (i > 0 && h->v[(i - 1) / 2] > h->v[i]) {
        swap(h->v, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

double
heap_pop(struct heap *h)
{
    double top = h->v[0];
    size_t i = 0;

    h->v[0] = h->v[--h->n];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;

        if (l < h->n && h->v[l] < h->v[m])
            m = l;
        if (r < h->n && h->v[r] < h->v[m])
            m = r;
        if (m == i)
            break;
        swap(h->v, i, m);
        i = m;
    }
    return top;
}

int
heap_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}
