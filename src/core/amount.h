/* Amounts: integer units, 1 CB = 100,000,000 units (SPEC section 1). */
#ifndef CB_CORE_AMOUNT_H
#define CB_CORE_AMOUNT_H

#include <stdbool.h>
#include <stdint.h>

#define CB_COIN ((uint64_t)100000000)
#define CB_MAX_MONEY ((uint64_t)8400000 * CB_COIN)

static inline bool cb_money_range(uint64_t v)
{
    return v <= CB_MAX_MONEY;
}

#endif
