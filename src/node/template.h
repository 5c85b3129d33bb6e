/* Block templates for the miner: a coinbase paying subsidy + fees to the
 * miner, the mempool's transactions by fee (SPEC section 5), and a header
 * on the best tip with the bits the difficulty rule requires and a time
 * above the median time past. The nonce search (pow_search.h) then runs on
 * its header; when the 32-bit nonce runs out, the extra nonce in the
 * coinbase's free data changes the merkle root for a fresh 2^32. */
#ifndef CB_NODE_TEMPLATE_H
#define CB_NODE_TEMPLATE_H

#include <stdint.h>

#include "core/block.h"
#include "core/chain.h"
#include "core/err.h"
#include "node/mempool.h"

/* The coinbase's free data: extra nonce (8 bytes, little-endian), then this tag. */
#define CB_MINER_TAG "/CoinBit miner/"

/* Builds a template on the chain's tip into b (initialized here).
 * max_txs bounds the payments taken (the block size bounds it too).
 * Returns: CB_OK or CB_ERR_NOMEM. */
cb_err cb_template_build(const cb_chain *c, const cb_mempool *m, const uint8_t miner[20],
                         int64_t now, uint64_t extra_nonce, size_t max_txs,
                         cb_block *b) CB_WARN_UNUSED;

/* Sets a new extra nonce in b's coinbase and recomputes the merkle root.
 * Returns: CB_OK or CB_ERR_NOMEM. */
cb_err cb_template_set_extra_nonce(cb_block *b, uint64_t extra_nonce) CB_WARN_UNUSED;

#endif
