/* Block headers and blocks (SPEC section 4).
 *
 * The header is Bitcoin's, byte for byte. A block is the header, a
 * CompactSize transaction count and the 153-byte transactions. */
#ifndef CB_CORE_BLOCK_H
#define CB_CORE_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/tx.h"

#define CB_HEADER_SIZE 80
#define CB_MAX_BLOCK_SIZE 1000000
/* The most transactions that fit in a block of CB_MAX_BLOCK_SIZE bytes. */
#define CB_MAX_BLOCK_TXS ((CB_MAX_BLOCK_SIZE - CB_HEADER_SIZE - 3) / CB_TX_SIZE)

typedef struct {
    uint32_t version;
    uint8_t prev[32];
    uint8_t merkle[32];
    uint32_t time;
    uint32_t bits;
    uint32_t nonce;
} cb_header;

typedef struct {
    cb_header header;
    size_t ntx;
    cb_tx *txs; /* owned; ntx entries */
} cb_block;

void cb_header_serialize(uint8_t out[CB_HEADER_SIZE], const cb_header *h);
void cb_header_parse(cb_header *h, const uint8_t in[CB_HEADER_SIZE]);

/* Block hash = SHA256d(80-byte header), in internal (not display) order. */
void cb_header_hash(uint8_t out[32], const cb_header *h);

/* Merkle root of n txids, Bitcoin's tree (the last of an odd level pairs
 * with itself). n = 0 gives 32 zero bytes.
 * Returns: CB_OK or CB_ERR_NOMEM. */
cb_err cb_merkle_root(uint8_t out[32], const uint8_t (*txids)[32], size_t n) CB_WARN_UNUSED;

/* An empty block; cb_block_clear frees what it holds and empties it again. */
void cb_block_init(cb_block *b);
void cb_block_clear(cb_block *b);

/* Deep copy of src into dst (dst is initialized by the call).
 * Returns: CB_OK or CB_ERR_NOMEM. */
cb_err cb_block_copy(cb_block *dst, const cb_block *src) CB_WARN_UNUSED;

/* Sets the transaction list to n copies taken from txs (header untouched).
 * Returns: CB_OK or CB_ERR_NOMEM. */
cb_err cb_block_set_txs(cb_block *b, const cb_tx *txs, size_t n) CB_WARN_UNUSED;

/* Serialized size in bytes. */
size_t cb_block_size(const cb_block *b);

/* Writes the serialization into out, which holds cap bytes.
 * Returns: CB_OK or CB_ERR_TOO_LARGE if cap < cb_block_size(b). */
cb_err cb_block_serialize(uint8_t *out, size_t cap, const cb_block *b) CB_WARN_UNUSED;

/* Parses a block from untrusted bytes into b (initialized by the call; the
 * caller clears it). The whole input must be one block of at most
 * CB_MAX_BLOCK_SIZE bytes. Returns: CB_OK, CB_ERR_TRUNCATED,
 * CB_ERR_TRAILING, CB_ERR_NONCANONICAL, CB_ERR_TOO_LARGE or CB_ERR_NOMEM;
 * on error b is left empty. */
cb_err cb_block_parse(cb_block *b, const uint8_t *data, size_t len) CB_WARN_UNUSED;

/* Computes every txid of b into out[b->ntx]. */
void cb_block_txids(uint8_t (*out)[32], const cb_block *b);

/* Sets header.merkle from the transactions.
 * Returns: CB_OK or CB_ERR_NOMEM. */
cb_err cb_block_update_merkle(cb_block *b) CB_WARN_UNUSED;

#endif
