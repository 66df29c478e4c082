/* test_grow.c -- heap arrays that make room for one more element. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "util/grow.h"

struct item {
    int64_t a;
    char name[12];
};

TEST(array_doubles_from_sixteen_and_keeps_the_elements)
{
    int *v = NULL, *g;
    size_t cap = 0;

    for (size_t n = 0; n < 40; n++) {
        g = grow_array(v, n, &cap, sizeof(*v));
        CHECK(g != NULL);
        v = g;
        v[n] = (int)n * 3;
        CHECK(cap == (n < 16 ? 16 : n < 32 ? 32 : 64));
    }
    for (int i = 0; i < 40; i++)
        CHECK_INT_EQ(v[i], i * 3);
    free(v);
}

TEST(array_refuses_a_size_that_overflows)
{
    char one = 0;
    size_t cap = 1;

    /* Full (n == cap): two elements of SIZE_MAX / 2 + 1 bytes does not fit in size_t. */
    CHECK(grow_array(&one, 1, &cap, SIZE_MAX / 2 + 1) == NULL);
    CHECK(cap == 1);
}

TEST(slot_is_element_n_zeroed_and_not_yet_counted)
{
    struct item *v = NULL, *it;
    size_t n = 0, cap = 0;

    for (int i = 0; i < 20; i++) {
        it = grow_slot(&v, n, &cap, sizeof(*it));
        CHECK(it != NULL);
        CHECK(it == &v[n]);
        CHECK(it->a == 0 && it->name[0] == '\0' && it->name[11] == '\0');
        it->a = i;
        snprintf(it->name, sizeof(it->name), "item-%d", i);
        n++;
    }
    /* Asked again without counting, the same slot comes back, zeroed once more. */
    it = grow_slot(&v, n, &cap, sizeof(*it));
    CHECK(it == &v[20] && it->a == 0);
    it->a = 99;
    it = grow_slot(&v, n, &cap, sizeof(*it));
    CHECK(it->a == 0);
    for (int i = 0; i < 20; i++) {
        char want[12];

        snprintf(want, sizeof(want), "item-%d", i);
        CHECK(v[i].a == i);
        CHECK_STR_EQ(v[i].name, want);
    }
    CHECK(cap == 32);
    free(v);
}

TEST(slot_leaves_the_array_alone_when_out_of_room)
{
    char buf[4] = "abc";
    char *v = buf;
    size_t cap = 4;

    CHECK(grow_slot(&v, 4, &cap, SIZE_MAX / 4) == NULL);
    CHECK(v == buf && cap == 4);
}

TEST(bytes_start_at_first_and_double_until_need_fits)
{
    char *buf = NULL, *before;
    size_t cap = 0;

    CHECK_INT_EQ(grow_bytes(&buf, &cap, 10, 64), 0);
    CHECK(buf != NULL && cap == 64);
    memcpy(buf, "kept bytes", 10);
    before = buf;
    /* Enough room already: nothing moves. */
    CHECK_INT_EQ(grow_bytes(&buf, &cap, 64, 64), 0);
    CHECK(buf == before && cap == 64);
    CHECK_INT_EQ(grow_bytes(&buf, &cap, 65, 64), 0);
    CHECK(cap == 128);
    CHECK_INT_EQ(grow_bytes(&buf, &cap, 1000, 64), 0);
    CHECK(cap == 1024);
    CHECK(memcmp(buf, "kept bytes", 10) == 0);
    free(buf);
}

TEST(bytes_without_a_first_size_take_what_is_needed)
{
    char *buf = NULL;
    size_t cap = 0;

    CHECK_INT_EQ(grow_bytes(&buf, &cap, 5, 0), 0);
    CHECK(cap == 5);
    free(buf);
}
