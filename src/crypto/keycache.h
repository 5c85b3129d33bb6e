/* A bounded cache of parsed public keys, for one thread.
 *
 * Decompressing a 33-byte key costs about an eighth of an ECDSA
 * verification. Senders repeat (a user sends many payments, and a block
 * holds transactions the mempool saw), so verification keeps recent keys
 * parsed. Direct-mapped with a seeded hash: an entry is simply replaced on
 * collision, so the cache never grows and a miss only costs the parse.
 * Not thread-safe: give each thread its own. */
#ifndef CB_CRYPTO_KEYCACHE_H
#define CB_CRYPTO_KEYCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "crypto/key.h"

typedef struct cb_keycache cb_keycache;

/* Returns: a cache of `slots` entries (rounded up to a power of two, at
 * least 1), to free with cb_keycache_free, or NULL when out of memory. */
cb_keycache *cb_keycache_new(size_t slots, uint64_t seed);
void cb_keycache_free(cb_keycache *c);

/* The parsed form of pub, from the cache or parsed now (and kept).
 * Invalid keys are not kept. Returns: CB_OK or CB_ERR_PUBKEY. */
cb_err cb_keycache_get(cb_keycache *c, const uint8_t pub[CB_PUBKEY_LEN],
                       cb_pubkey *out) CB_WARN_UNUSED;

/* Lookups answered from the cache, and all lookups, since creation. */
void cb_keycache_stats(const cb_keycache *c, uint64_t *hits, uint64_t *lookups);

#endif
