/* Proof of work and the difficulty rule: Bitcoin's, with each network's
 * limit, spacing T and interval R (SPEC section 4). */
#ifndef CB_CORE_POW_H
#define CB_CORE_POW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arith.h"
#include "core/err.h"
#include "core/params.h"

/* Expands bits into a target and checks it is usable on this network:
 * not negative, not zero, no overflow, not above the pow limit.
 * Returns: CB_OK or CB_ERR_HIGH_HASH (Core's CheckProofOfWork verdict). */
cb_err cb_pow_target(const cb_params *p, cb_u256 *target, uint32_t bits) CB_WARN_UNUSED;

/* Checks a block hash (internal byte order) against bits.
 * Returns: CB_OK or CB_ERR_HIGH_HASH. */
cb_err cb_pow_check(const cb_params *p, const uint8_t hash[32], uint32_t bits) CB_WARN_UNUSED;

/* The work a block with these bits proves: 2^256 / (target + 1), zero for
 * bits that do not decode to a positive target. */
void cb_pow_work(cb_u256 *work, uint32_t bits);

/* True when the block at this height starts a new difficulty period. */
bool cb_pow_is_retarget_height(const cb_params *p, uint32_t height);

/* Bitcoin's CalculateNextWorkRequired: last_* describe the block before
 * the retarget, first_time the block R-1 blocks before it (the off-by-one
 * Bitcoin has). Returns: the new compact bits. */
uint32_t cb_pow_calculate_next(const cb_params *p, uint32_t last_bits, int64_t last_time,
                               int64_t first_time);

#endif
