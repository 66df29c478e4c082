/* test_money.c -- budget amounts and Cost Explorer amounts as integer cents. */
#include "check.h"
#include "util/money.h"

TEST(parses_budgets)
{
    struct sbx_err err = { 0 };
    int64_t c = -1;

    CHECK_OK(money_parse("50 USD", &c, &err), &err);
    CHECK_INT_EQ(c, 5000);
    CHECK_OK(money_parse("100USD", &c, &err), &err);
    CHECK_INT_EQ(c, 10000);
    CHECK_OK(money_parse("12.5 USD", &c, &err), &err);
    CHECK_INT_EQ(c, 1250);
    CHECK_OK(money_parse("0.07 USD", &c, &err), &err);
    CHECK_INT_EQ(c, 7);
    CHECK_OK(money_parse("10000000000 USD", &c, &err), &err);
    CHECK_INT_EQ(c, MONEY_MAX);
}

TEST(rejects_bad_budgets)
{
    struct sbx_err err = { 0 };
    int64_t c = 0;

    CHECK_ERR(money_parse("", &c, &err), &err, SBX_E_INVALID);
    CHECK_ERR(money_parse("-5 USD", &c, &err), &err, SBX_E_INVALID);
    CHECK_ERR(money_parse("5", &c, &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "no currency");
    CHECK_ERR(money_parse("5 usd", &c, &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "unknown currency");
    CHECK_ERR(money_parse("5.123 USD", &c, &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "more than two decimals");
    CHECK_ERR(money_parse("5. USD", &c, &err), &err, SBX_E_INVALID);
    CHECK_ERR(money_parse(".5 USD", &c, &err), &err, SBX_E_INVALID);
    CHECK_ERR(money_parse("5  USD", &c, &err), &err, SBX_E_INVALID);
    CHECK_ERR(money_parse("1e3 USD", &c, &err), &err, SBX_E_INVALID);
    CHECK_ERR(money_parse("10000000000.01 USD", &c, &err), &err, SBX_E_INVALID);
    CHECK_ERR(money_parse("99999999999999999999 USD", &c, &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "too large");
}

/* Cost Explorer's decimal strings, rounded half away from zero, never through a double. */
TEST(converts_cost_explorer_amounts)
{
    int64_t c = -1;

    CHECK_INT_EQ(money_from_decimal("12.5", &c), 0);
    CHECK_INT_EQ(c, 1250);
    CHECK_INT_EQ(money_from_decimal("0.004999", &c), 0);
    CHECK_INT_EQ(c, 0);
    CHECK_INT_EQ(money_from_decimal("0.005", &c), 0);
    CHECK_INT_EQ(c, 1);
    CHECK_INT_EQ(money_from_decimal("24", &c), 0);
    CHECK_INT_EQ(c, 2400);
    CHECK_INT_EQ(money_from_decimal("1.2345678901", &c), 0);
    CHECK_INT_EQ(c, 123);
    CHECK_INT_EQ(money_from_decimal("-0.015", &c), 0);
    CHECK_INT_EQ(c, -2);
    CHECK_INT_EQ(money_from_decimal("1E-7", &c), 0);
    CHECK_INT_EQ(c, 0);
    CHECK_INT_EQ(money_from_decimal("1.5e2", &c), 0);
    CHECK_INT_EQ(c, 15000);
    CHECK_INT_EQ(money_from_decimal("0.1", &c), 0);
    CHECK_INT_EQ(c, 10);
    CHECK_INT_EQ(money_from_decimal("", &c), -1);
    CHECK_INT_EQ(money_from_decimal("abc", &c), -1);
    CHECK_INT_EQ(money_from_decimal("1.2.3", &c), -1);
    CHECK_INT_EQ(money_from_decimal("1e", &c), -1);
    CHECK_INT_EQ(money_from_decimal("1e40", &c), -1);
    CHECK_INT_EQ(money_from_decimal("NaN", &c), -1);
}

TEST(formats_cents)
{
    char buf[32];

    CHECK_STR_EQ(money_format(5000, buf, sizeof(buf)), "50.00 USD");
    CHECK_STR_EQ(money_format(7, buf, sizeof(buf)), "0.07 USD");
    CHECK_STR_EQ(money_format_plain(-250, buf, sizeof(buf)), "-2.50");
}
