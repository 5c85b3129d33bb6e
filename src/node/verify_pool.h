/* Checking a block's signatures on every core, in the spirit of Bitcoin
 * Core's check queue.
 *
 * The calling thread and threads-1 workers take batches of transactions
 * from a shared counter. A failure lowers a shared "first bad index", and
 * nobody checks past it, so the pool reports exactly what the serial check
 * reports: the first failing transaction in block order, with the same
 * error. Each thread keeps its own cache of parsed sender keys.
 *
 * Idle threads also check ahead: a block handed over before its turn
 * (cb_verify_pool_prefetch, a block a peer sent that still waits in the
 * input buffer) has its signatures checked into a bounded cache of good
 * ones (node/sig_cache.h), and its own check later finds them done. So
 * the cores stay busy while the loop does a block's other work (its
 * connection, the store's queue, the next message).
 *
 * One caller at a time: the node's event loop owns the pool. */
#ifndef CB_NODE_VERIFY_POOL_H
#define CB_NODE_VERIFY_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "core/block.h"
#include "core/err.h"
#include "core/params.h"
#include "core/validation.h"

typedef struct cb_verify_pool cb_verify_pool;

/* Starts a pool of `threads` checking threads in all, the caller counted
 * (so 1 starts none). seed keys the threads' key caches.
 * Returns: the pool (cb_verify_pool_free), or NULL when memory or threads
 * cannot be had. */
cb_verify_pool *cb_verify_pool_new(unsigned threads, uint64_t seed);

/* Stops and joins the workers and frees the pool; NULL is fine. */
void cb_verify_pool_free(cb_verify_pool *pool);

unsigned cb_verify_pool_threads(const cb_verify_pool *pool);

/* Checks the signature of every non-coinbase transaction of b.
 * Out: *bad_tx, the first failing index in block order, or CB_NO_TX.
 * Returns: CB_OK, CB_ERR_TX_PUBKEY or CB_ERR_TX_SIG (as
 * cb_block_verify_signatures would). */
cb_err cb_verify_pool_check(cb_verify_pool *pool, const cb_params *p, const cb_block *b,
                            size_t *bad_tx) CB_WARN_UNUSED;

/* Hands over a block's bytes to be checked ahead, and returns at once;
 * the pool owns data from now on (malloc'd; it frees it). Dropped when
 * the pool has no worker threads or already holds 4 MiB waiting; bytes
 * that do not parse, or whose header does not commit to their payments,
 * are dropped unchecked, and a check ahead stops at the first bad
 * signature. Only signatures that hold are kept, so bytes from anyone
 * cost at most the checks their block's turn would make and can never
 * make a check say yes: cb_verify_pool_check checks whatever it does not
 * find. */
void cb_verify_pool_prefetch(cb_verify_pool *pool, const cb_params *p, uint8_t *data, size_t len);

/* Waits until every block handed over has been checked ahead (tests). */
void cb_verify_pool_wait_ahead(cb_verify_pool *pool);

/* Out: *checked_ahead, signatures checked ahead so far; *hits, those that
 * a check found done. */
void cb_verify_pool_stats(cb_verify_pool *pool, uint64_t *checked_ahead, uint64_t *hits);

/* The pool as a signature checker for cb_chain_set_sig_checker; valid
 * while the pool lives. */
cb_sig_checker cb_verify_pool_checker(cb_verify_pool *pool);

#endif
