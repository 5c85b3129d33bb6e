/* CoinBit transactions (SPEC section 3): 153 bytes, fixed layout.
 *
 * A transaction moves `amount` from the account of `sender` (a compressed
 * public key) to the account `recipient` (a hash160) and pays `fee` to the
 * miner. The coinbase has an all-zero sender, the block height as nonce and
 * free data in the signature field. */
#ifndef CB_CORE_TX_H
#define CB_CORE_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "crypto/key.h"
#include "crypto/keycache.h"

#define CB_TX_SIZE 153
#define CB_TX_SIGNED_LEN 89 /* bytes before the signature, covered by it */
#define CB_TX_VERSION 1

typedef struct {
    uint32_t version;
    uint8_t sender[CB_PUBKEY_LEN]; /* all zero for the coinbase */
    uint8_t recipient[20];         /* hash160 of the recipient's public key */
    uint64_t amount;
    uint64_t fee;
    uint64_t nonce; /* sender's account nonce; block height in a coinbase */
    uint64_t time;  /* unix seconds; the block time in a coinbase */
    uint8_t sig[CB_SIG_LEN];
} cb_tx;

/* Writes the 153-byte serialization. */
void cb_tx_serialize(uint8_t out[CB_TX_SIZE], const cb_tx *tx);

/* Parses exactly one transaction from untrusted bytes.
 * Returns: CB_OK, CB_ERR_TRUNCATED (len < 153) or CB_ERR_TRAILING (len > 153).
 * Field values are not judged here: see cb_tx_check. */
cb_err cb_tx_parse(cb_tx *tx, const uint8_t *data, size_t len) CB_WARN_UNUSED;

/* True when the sender field is all zero. */
bool cb_tx_is_coinbase(const cb_tx *tx);

/* txid = SHA256d(153 bytes). */
void cb_tx_txid(uint8_t out[32], const cb_tx *tx);

/* sighash = SHA256d(magic || first 89 bytes). */
void cb_tx_sighash(uint8_t out[32], const uint8_t magic[4], const cb_tx *tx);

/* Context-free rules: version 1; a regular transaction has amount > 0 and
 * amount + fee <= MAX_MONEY; a coinbase has fee 0 and amount <= MAX_MONEY.
 * Returns: CB_OK, CB_ERR_TX_VERSION, CB_ERR_TX_AMOUNT,
 * CB_ERR_TX_MONEY_RANGE or CB_ERR_CB_FEE. */
cb_err cb_tx_check(const cb_tx *tx) CB_WARN_UNUSED;

/* Fills tx->sender from priv and signs the transaction for the network
 * whose magic is given. Every other field must be set first.
 * Returns: CB_OK or CB_ERR_PRIVKEY. */
cb_err cb_tx_sign(const cb_keyctx *ctx, cb_tx *tx, const uint8_t magic[4],
                  const uint8_t priv[CB_PRIVKEY_LEN]) CB_WARN_UNUSED;

/* Checks the signature of a regular (non-coinbase) transaction.
 * Returns: CB_OK, CB_ERR_TX_PUBKEY or CB_ERR_TX_SIG. */
cb_err cb_tx_verify(const cb_tx *tx, const uint8_t magic[4]) CB_WARN_UNUSED;

/* cb_tx_verify with the sender key taken through a cache of parsed keys
 * (NULL: parse it here). Returns: as cb_tx_verify. */
cb_err cb_tx_verify_cached(const cb_tx *tx, const uint8_t magic[4],
                           cb_keycache *cache) CB_WARN_UNUSED;

/* The account (hash160) of a sender key. */
void cb_tx_sender_id(uint8_t out[20], const cb_tx *tx);

#endif
