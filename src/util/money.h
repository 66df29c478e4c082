/*
 * money.h -- amounts of money as integer minor units (cents of USD), never floating point.
 *
 * Budgets are written "50 USD", "12.50 USD" or "100USD"; Cost Explorer reports amounts as
 * decimal strings with many digits ("0.0000012345"), rounded here to the nearest cent (half
 * away from zero), so sums of stored days are exact.
 */
#ifndef SBX_MONEY_H
#define SBX_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "sbx.h"

/* The largest amount accepted: USD 10,000,000,000.00 (well inside int64_t when summed). */
#define MONEY_MAX ((int64_t)1000000000000)

/*
 * Parses a budget amount: a non-negative decimal with at most two decimals, then the currency
 * "USD" (optionally after one space): "50 USD", "12.5USD". Returns 0 with *cents set, or -1
 * with err (SBX_E_INVALID) naming the text and why.
 */
int money_parse(const char *s, int64_t *cents, struct sbx_err *err) SBX_NODISCARD;

/*
 * Converts a decimal string as Cost Explorer writes it ("12.3456", "-0.01", "1E-7") to cents,
 * rounded half away from zero. Returns 0, or -1 when s is not a number or out of range.
 */
int money_from_decimal(const char *s, int64_t *cents);

/* Formats cents as "12.50 USD" into buf; returns buf. */
const char *money_format(int64_t cents, char *buf, size_t n);
/* Formats cents as "12.50" (no currency) into buf; returns buf. */
const char *money_format_plain(int64_t cents, char *buf, size_t n);

#endif
