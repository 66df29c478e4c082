/*
 * test_engine_directory.c -- the directory check's decision: who is off-boarded, and the brake
 * that holds when too many owners vanish at once.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "engine/engine_directory.h"

/* n owners, the first `gone` of them vanished; returns how many would be off-boarded. */
static size_t
decide(size_t n, size_t gone, int brake_owners, int brake_percent, bool *braked, bool *off)
{
    struct engine_directory_owner v[200];
    static char names[200][24];

    CHECK(n <= 200);
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof(names[i]), "u%zu@corp.example", i);
        v[i].owner = names[i];
        v[i].vanished = i < gone;
    }
    return engine_directory_decide(v, n, brake_owners, brake_percent, off, braked);
}

TEST(vanished_owners_are_offboarded)
{
    bool off[200], braked = true;

    CHECK_INT_EQ((int)decide(20, 2, 5, 10, &braked, off), 2);
    CHECK(!braked);
    CHECK(off[0] && off[1] && !off[2] && !off[19]);
    CHECK_INT_EQ((int)decide(20, 0, 5, 10, &braked, off), 0);
    CHECK(!braked);
    CHECK_INT_EQ((int)decide(0, 0, 5, 10, &braked, off), 0);
    CHECK(!braked);
}

TEST(brake_needs_both_more_than_owners_and_more_than_share)
{
    bool off[200], braked = false;

    /* 6 of 20 (30%): more than 5 and more than 10% -> nobody. */
    CHECK_INT_EQ((int)decide(20, 6, 5, 10, &braked, off), 0);
    CHECK(braked);
    for (int i = 0; i < 20; i++)
        CHECK(!off[i]);
    /* 5 of 10: half of them, but not more than 5 owners -> off-boarded. */
    CHECK_INT_EQ((int)decide(10, 5, 5, 10, &braked, off), 5);
    CHECK(!braked);
    /* 6 of 100 (6%): more than 5 owners, not more than 10% -> off-boarded. */
    CHECK_INT_EQ((int)decide(100, 6, 5, 10, &braked, off), 6);
    CHECK(!braked);
    /* 10 of 100 is exactly 10%: not more -> off-boarded; 11 of 100 brakes. */
    CHECK_INT_EQ((int)decide(100, 10, 5, 10, &braked, off), 10);
    CHECK(!braked);
    CHECK_INT_EQ((int)decide(100, 11, 5, 10, &braked, off), 0);
    CHECK(braked);
    /* A brake of 0 owners and 0%: any vanished owner brakes. */
    CHECK_INT_EQ((int)decide(50, 1, 0, 0, &braked, off), 0);
    CHECK(braked);
    /* 100%: the share can never be exceeded -> never brakes. */
    CHECK_INT_EQ((int)decide(20, 20, 5, 100, &braked, off), 20);
    CHECK(!braked);
}
