/* Network parameters (SPEC section 1) and the genesis blocks.
 *
 * The three tables are constants compiled into the program; nothing here
 * changes at run time. */
#ifndef CB_CORE_PARAMS_H
#define CB_CORE_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/block.h"
#include "core/err.h"

typedef struct {
    const char *name; /* "main", "regtest", "bitcoin" */
    uint8_t magic[4];
    uint16_t p2p_port;
    uint16_t rpc_port;
    uint8_t address_version;
    uint8_t wif_prefix;
    uint32_t pow_limit_bits;
    uint32_t target_spacing;    /* T, seconds */
    uint32_t retarget_interval; /* R, blocks; 0 keeps bits at the limit */
    uint32_t halving_interval;  /* 0 for a headers-only network */
    uint64_t initial_subsidy;   /* units */
    bool has_genesis_block;     /* false: the genesis header is all we have */
    uint32_t genesis_version;
    uint32_t genesis_time;
    uint32_t genesis_bits;
    uint32_t genesis_nonce;
    const char *genesis_merkle_hex; /* display order; NULL: our coinbase's */
    const char *genesis_hash_hex;   /* display order */
} cb_params;

const cb_params *cb_params_main(void);
const cb_params *cb_params_regtest(void);
const cb_params *cb_params_bitcoin(void);

/* Looks a network up by name. Returns: its table, or NULL if unknown. */
const cb_params *cb_params_by_name(const char *name);

/* The block subsidy at a height: initial_subsidy halved every
 * halving_interval blocks, zero after 64 halvings (Bitcoin's rule). */
uint64_t cb_params_subsidy(const cb_params *p, uint32_t height);

/* The genesis coinbase of a CoinBit network: pays 0 to hash160 zero, with
 * the genesis text in its signature field. */
void cb_params_genesis_coinbase(const cb_params *p, cb_tx *tx);

/* The genesis header, built from the table (and the coinbase's merkle root). */
void cb_params_genesis_header(const cb_params *p, cb_header *h);

/* The whole genesis block into b (initialized by the call).
 * Returns: CB_OK, CB_ERR_NOMEM, or CB_ERR_NOT_FOUND for a headers-only network. */
cb_err cb_params_genesis_block(const cb_params *p, cb_block *b) CB_WARN_UNUSED;

/* The hard-coded genesis hash, in internal byte order. */
void cb_params_genesis_hash(const cb_params *p, uint8_t hash[32]);

#endif
