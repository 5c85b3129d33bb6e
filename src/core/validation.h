/* Block validity (SPEC section 4), in three steps as Bitcoin Core splits it:
 *
 *   cb_header_check_context - the header against its parent's context:
 *                             bits, median time past, clock;
 *   cb_block_check          - everything that needs no state: size,
 *                             coinbase placement, merkle root, duplicate
 *                             txids, proof of work, each transaction's
 *                             rules and signature;
 *   cb_block_connect        - the state transition: coinbase height, time
 *                             and amount, then every transaction in order.
 *
 * Each failure returns the cb_err whose cb_err_reason() is the stable
 * reject reason ("bad-txns-nonce", "high-hash", ...). */
#ifndef CB_CORE_VALIDATION_H
#define CB_CORE_VALIDATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/accounts.h"
#include "core/block.h"
#include "core/err.h"
#include "core/params.h"
#include "core/state.h"

/* No transaction is to blame: the failure is the block's or the header's. */
#define CB_NO_TX ((size_t)-1)

/* What a header is judged against: facts about its parent's chain. */
typedef struct {
    uint32_t height;        /* height the new block would have */
    uint32_t expected_bits; /* from the difficulty rule */
    int64_t median_time;    /* median time past of the parent */
    int64_t now;            /* local clock, unix seconds */
} cb_header_context;

/* Max seconds a block time may run ahead of the local clock. */
#define CB_MAX_FUTURE_BLOCK_TIME (2 * 60 * 60)

/* Median of up to 11 block times (the parent's and its ancestors'),
 * Bitcoin's GetMedianTimePast: sorted, element n/2. n must be 1..11. */
int64_t cb_median_time(const int64_t *times, size_t n);

/* Returns: CB_OK, CB_ERR_BAD_BITS, CB_ERR_TIME_OLD or CB_ERR_TIME_NEW. */
cb_err cb_header_check_context(const cb_header *h, const cb_header_context *ctx) CB_WARN_UNUSED;

/* Who checks a block's signatures: by default cb_block_verify_signatures
 * on the calling thread; the node plugs in a pool that uses every core.
 * Any checker must give the same verdict and the same *bad_tx (the first
 * failing transaction in block order) as the serial check. */
typedef struct {
    void *ctx;
    cb_err (*check)(void *ctx, const cb_params *p, const cb_block *b, size_t *bad_tx);
} cb_sig_checker;

/* Whether the body is the one its header commits to: the merkle root of
 * its txids matches and no txid repeats. A body that fails this is a
 * mangled copy (Core's BLOCK_MUTATED), which says nothing of the header.
 * Returns: CB_OK, CB_ERR_MERKLE (an empty body too), CB_ERR_DUP_TX or
 * CB_ERR_NOMEM. */
cb_err cb_block_check_commitment(const cb_block *b) CB_WARN_UNUSED;

/* True for the errors of cb_block_check_commitment: the body, not the
 * block, is bad; its header must stay unjudged. */
bool cb_err_is_mutation(cb_err err);

/* cb_block_check with the signatures checked by `sigs` (NULL: serially). */
cb_err cb_block_check_with(const cb_params *p, const cb_block *b, const cb_sig_checker *sigs,
                           size_t *bad_tx) CB_WARN_UNUSED;

/* Context-free checks, proof of work and signatures included, the
 * commitment (cb_block_check_commitment) first.
 * Out: *bad_tx, the index of the offending transaction or CB_NO_TX.
 * Returns: CB_OK or the first rule broken (bad-txnmrklroot,
 * bad-txns-duplicate, bad-blk-length, high-hash, bad-cb-missing,
 * bad-cb-multiple, a transaction rule, bad-txns-pubkey, bad-txns-sig) or
 * CB_ERR_NOMEM. */
cb_err cb_block_check(const cb_params *p, const cb_block *b, size_t *bad_tx) CB_WARN_UNUSED;

/* Checks the signature of every non-coinbase transaction, first to last.
 * Out: *bad_tx, the first that fails, or CB_NO_TX.
 * Returns: CB_OK, CB_ERR_TX_PUBKEY or CB_ERR_TX_SIG. */
cb_err cb_block_verify_signatures(const cb_params *p, const cb_block *b,
                                  size_t *bad_tx) CB_WARN_UNUSED;

/* Applies a block that passed cb_block_check at a height to the state.
 * The coinbase is applied first, then every other transaction in order.
 * Out: undo receives the journal (append; pass an empty one), *bad_tx.
 * Returns: CB_OK, bad-cb-height, bad-cb-time, bad-cb-amount, a state rule
 * of a transaction, or CB_ERR_NOMEM. On error the state is unchanged and
 * the journal is as it was. */
cb_err cb_block_connect(const cb_params *p, cb_accounts *state, cb_undo *undo, const cb_block *b,
                        uint32_t height, size_t *bad_tx) CB_WARN_UNUSED;

/* Reverses cb_block_connect with its journal (emptied by the call).
 * Returns: CB_OK or CB_ERR_NOMEM. */
cb_err cb_block_disconnect(cb_accounts *state, cb_undo *undo) CB_WARN_UNUSED;

#endif
