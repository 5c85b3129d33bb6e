/* The mempool (SPEC section 5): transactions waiting for a block.
 *
 * Each sender's pending transactions form a queue of consecutive nonces
 * starting at the sender's account nonce on the best chain, every one
 * affordable after those before it. A transaction with the nonce of a
 * pending one replaces it only with a fee at least 10% higher (later ones
 * that no longer fit the balance leave). The pool is bounded in count and
 * bytes; when full, the lowest-fee tail of any queue leaves first (a tail,
 * so no queue gets a gap). After a block is connected or disconnected the
 * queues it touched are admitted again against the new state: confirmed
 * and conflicting transactions leave, transactions of a disconnected block
 * come back when still valid.
 *
 * Owned by the node's event loop; not thread-safe. */
#ifndef CB_NODE_MEMPOOL_H
#define CB_NODE_MEMPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/accounts.h"
#include "core/block.h"
#include "core/err.h"
#include "core/params.h"
#include "core/tx.h"

#define CB_MEMPOOL_MIN_FEE 1000u
/* Pending payments one sender may have at once (Core's descendant limit). */
#define CB_MEMPOOL_MAX_CHAIN 25

typedef struct cb_mempool cb_mempool;

/* Returns: an empty pool holding at most max_count transactions and
 * max_bytes of them (cb_mempool_free), or NULL when out of memory. */
cb_mempool *cb_mempool_new(const cb_params *p, size_t max_count, size_t max_bytes, uint64_t seed);
void cb_mempool_free(cb_mempool *m);

/* Admits a transaction against `state` (the best chain's accounts). The
 * cheap checks come first (form, fee, already pending, nonce, balance,
 * chain length), the signature last: junk costs no signature check.
 * Out: txid (may be NULL).
 * Returns: CB_OK; bad-txns-coinbase; a rule of cb_tx_check; min-fee-not-met;
 * txn-already-in-mempool; bad-txns-nonce (already used, or a gap after
 * the pending ones); insufficient-fee (a replacement); bad-txns-balance;
 * too-long-mempool-chain (CB_MEMPOOL_MAX_CHAIN pending already);
 * bad-txns-pubkey / bad-txns-sig; mempool-full; or CB_ERR_NOMEM. */
cb_err cb_mempool_add(cb_mempool *m, const cb_accounts *state, const cb_tx *tx,
                      uint8_t txid[32]) CB_WARN_UNUSED;

/* cb_mempool_add, and why (cap bytes): on a refusal one plain sentence
 * with the numbers that broke the rule ("nonce 5, but this account's next
 * nonce is 0: an earlier payment is missing"). */
cb_err cb_mempool_add_why(cb_mempool *m, const cb_accounts *state, const cb_tx *tx,
                          uint8_t txid[32], char *why, size_t cap) CB_WARN_UNUSED;

/* Whether cb_mempool_add would take tx now, changing nothing (Core's
 * testmempoolaccept): the same checks in the same order, the signature
 * included; only room is not tried (a full pool may still evict for it).
 * Out: txid (may be NULL); why as above, or "it would be accepted".
 * Returns: what cb_mempool_add would. */
cb_err cb_mempool_test(cb_mempool *m, const cb_accounts *state, const cb_tx *tx, uint8_t txid[32],
                       char *why, size_t cap) CB_WARN_UNUSED;

/* Told of each transaction that re-admission after a block (connected or
 * disconnected) leaves out, with the rule it now breaks: a payment of a
 * block we left that the new branch cannot pay for, or a later pending
 * payment of the same sender. One that the new branch confirmed is among
 * them too (bad-txns-nonce). */
typedef void (*cb_mempool_drop_fn)(void *ctx, const cb_tx *tx, cb_err why);
void cb_mempool_set_drop_fn(cb_mempool *m, cb_mempool_drop_fn fn, void *ctx);

/* After b was connected; `state` is the state with it. Payments of its
 * senders that no longer fit are dropped (and reported to the drop hook).
 * Returns: CB_OK, or CB_ERR_NOMEM (payments it had taken out to check
 * again may be gone from the pool, unreported; the rest are kept). */
cb_err cb_mempool_block_connected(cb_mempool *m, const cb_accounts *state,
                                  const cb_block *b) CB_WARN_UNUSED;

/* After b was disconnected; `state` is the state without it. Its
 * transactions are offered back first.
 * Returns: CB_OK, or CB_ERR_NOMEM (as above). */
cb_err cb_mempool_block_disconnected(cb_mempool *m, const cb_accounts *state,
                                     const cb_block *b) CB_WARN_UNUSED;

/* Fills out[0..max) with transactions for a block: highest fee first,
 * each sender's in nonce order. Returns: the number written. */
size_t cb_mempool_select(const cb_mempool *m, cb_tx *out, size_t max);

size_t cb_mempool_count(const cb_mempool *m);
size_t cb_mempool_bytes(const cb_mempool *m);

/* Looks a transaction up by txid, in O(1). Returns: true and *tx (tx may
 * be NULL) if present. */
bool cb_mempool_get(const cb_mempool *m, const uint8_t txid[32], cb_tx *tx);

/* Every pending txid, in no particular order, into out[0..max).
 * Returns: the number written. */
size_t cb_mempool_txids(const cb_mempool *m, uint8_t (*out)[32], size_t max);

/* A sender's pending transactions: how many, and what they spend
 * (amounts plus fees). The sender's next nonce is its account nonce + count. */
void cb_mempool_pending(const cb_mempool *m, const uint8_t id[20], size_t *count,
                        uint64_t *spending);

#endif
