/* A bounded set of transactions whose signatures are known good, shared
 * by threads: Bitcoin Core's signature cache, for the checks made ahead
 * of a block's turn (cb_verify_pool_prefetch).
 *
 * An entry is a transaction's whole 153-byte serialization, the signature
 * and the key included, so a hit is the very transaction checked before
 * and says its signature holds under the network it was checked for (one
 * network a cache). Four-way set-associative with a seeded hash: a fifth
 * entry in a set replaces one of the four, so the cache never grows and a
 * lost entry only costs a check again. Thread-safe. */
#ifndef CB_NODE_SIG_CACHE_H
#define CB_NODE_SIG_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/tx.h"

typedef struct cb_sig_cache cb_sig_cache;

/* Returns: a cache of `slots` entries (rounded up to a power of two, at
 * least 4), to free with cb_sig_cache_free, or NULL when out of memory or
 * its lock cannot be had. */
cb_sig_cache *cb_sig_cache_new(size_t slots, uint64_t seed);

/* NULL is fine. */
void cb_sig_cache_free(cb_sig_cache *c);

/* Records that tx's signature was checked and holds. */
void cb_sig_cache_add(cb_sig_cache *c, const cb_tx *tx);

/* Whether tx's signature is known to hold; a hit is taken out of the
 * cache (the block that holds it is being checked, as Core erases its
 * entries on a block's check). */
bool cb_sig_cache_take(cb_sig_cache *c, const cb_tx *tx);

/* Whether tx is in the cache; the entry stays. */
bool cb_sig_cache_has(cb_sig_cache *c, const cb_tx *tx);

#endif
