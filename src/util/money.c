/*
 * money.c -- integer minor units of money (see money.h).
 */
#include "util/money.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
money_parse(const char *s, int64_t *cents, struct sbx_err *err)
{
    const char *p = s;
    int64_t whole = 0, frac = 0;
    int nfrac = 0;

    if (s == NULL || *s == '\0') {
        sbx_err_set(err, SBX_E_INVALID, "amount is empty (expected e.g. \"50 USD\")");
        return -1;
    }
    if (!isdigit((unsigned char)*p))
        goto bad;
    for (; isdigit((unsigned char)*p); p++) {
        whole = whole * 10 + (*p - '0');
        if (whole > MONEY_MAX / 100) {
            sbx_err_set(err, SBX_E_INVALID, "amount \"%s\" is too large (at most %lld USD)", s,
                        (long long)(MONEY_MAX / 100));
            return -1;
        }
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            goto bad;
        for (; isdigit((unsigned char)*p); p++) {
            if (++nfrac > 2) {
                sbx_err_set(err, SBX_E_INVALID,
                            "amount \"%s\" has more than two decimals (cents are the smallest "
                            "unit)",
                            s);
                return -1;
            }
            frac = frac * 10 + (*p - '0');
        }
    }
    if (nfrac == 1)
        frac *= 10;
    if (*p == ' ')
        p++;
    if (strcmp(p, "USD") != 0) {
        if (*p == '\0')
            sbx_err_set(err, SBX_E_INVALID,
                        "amount \"%s\" has no currency (write e.g. \"%s USD\"; Cost Explorer "
                        "reports USD)",
                        s, s);
        else
            sbx_err_set(err, SBX_E_INVALID,
                        "amount \"%s\": unknown currency \"%s\" (only USD, the currency Cost "
                        "Explorer reports)",
                        s, p);
        return -1;
    }
    if (whole * 100 + frac > MONEY_MAX) {
        sbx_err_set(err, SBX_E_INVALID, "amount \"%s\" is too large (at most %lld USD)", s,
                    (long long)(MONEY_MAX / 100));
        return -1;
    }
    *cents = whole * 100 + frac;
    return 0;
bad:
    sbx_err_set(err, SBX_E_INVALID,
                "amount \"%s\" is not an amount such as \"50 USD\" or \"12.50 USD\"", s);
    return -1;
}

int
money_from_decimal(const char *s, int64_t *cents)
{
    const char *p = s;
    bool neg = false, digits = false;
    /* the digits without the point; exp is the exponent after 'e' */
    char buf[64];
    size_t n = 0;
    long exp = 0;
    int point = -1;
    int64_t v = 0;
    long last = -3;

    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    for (; isdigit((unsigned char)*p) || *p == '.'; p++) {
        if (*p == '.') {
            if (point >= 0)
                return -1;
            point = (int)n;
            continue;
        }
        digits = true;
        if (n + 1 >= sizeof(buf))
            return -1;
        buf[n++] = *p;
    }
    if (!digits)
        return -1;
    if (point < 0)
        point = (int)n;
    if (*p == 'e' || *p == 'E') {
        char *end = NULL;

        p++;
        if (!(isdigit((unsigned char)*p) ||
              ((*p == '-' || *p == '+') && isdigit((unsigned char)p[1]))))
            return -1;
        exp = strtol(p, &end, 10);
        p = end;
    }
    if (*p != '\0' || exp > 30 || exp < -100)
        return -1;
    /* The digit at position i has weight 10^(point - 1 - i + exp); the digits down to 10^-3
     * (a tenth of a cent) make v, consecutive weights from the first digit on. */
    for (size_t i = 0; i < n; i++) {
        long w = (long)point - 1 - (long)i + exp;

        if (w < -3)
            break;
        if (v > MONEY_MAX * 10)
            return -1;
        v = v * 10 + (buf[i] - '0');
        last = w;
    }
    for (; v != 0 && last > -3; last--) {
        if (v > MONEY_MAX * 10)
            return -1;
        v *= 10;
    }
    /* v is now the amount in tenths of a cent (or 0 when every digit is smaller) */
    v = (v + 5) / 10;
    if (v > MONEY_MAX)
        return -1;
    *cents = neg ? -v : v;
    return 0;
}

const char *
money_format_plain(int64_t cents, char *buf, size_t n)
{
    uint64_t a = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;

    snprintf(buf, n, "%s%llu.%02llu", cents < 0 ? "-" : "", (unsigned long long)(a / 100),
             (unsigned long long)(a % 100));
    return buf;
}

const char *
money_format(int64_t cents, char *buf, size_t n)
{
    char plain[32];

    snprintf(buf, n, "%s USD", money_format_plain(cents, plain, sizeof(plain)));
    return buf;
}
