/* Amounts: integer units, 1 CB = 100,000,000 units (SPEC section 1). */
#ifndef CB_CORE_AMOUNT_H
#define CB_CORE_AMOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

#define CB_COIN ((uint64_t)100000000)
#define CB_MAX_MONEY ((uint64_t)8400000 * CB_COIN)

static inline bool cb_money_range(uint64_t v)
{
    return v <= CB_MAX_MONEY;
}

/* Longest text cb_amount_format writes, NUL included. */
#define CB_AMOUNT_TEXT 24

/* Parses a decimal amount in CB ("12", "0.5", "1.00000001", "1e-3") into
 * units, exactly. Refuses signs, more than 8 decimals, and more than
 * MAX_MONEY. Returns: CB_OK, CB_ERR_ARG (not a number, negative, too
 * precise) or CB_ERR_TX_MONEY_RANGE (too large). */
cb_err cb_amount_parse(const char *s, uint64_t *units) CB_WARN_UNUSED;

/* Writes units as CB with 8 decimals ("1.50000000"). */
void cb_amount_format(char out[CB_AMOUNT_TEXT], uint64_t units);

#endif
