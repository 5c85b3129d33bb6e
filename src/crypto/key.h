/* secp256k1 keys and ECDSA signatures (libsecp256k1).
 *
 * Private keys are 32 bytes, public keys 33-byte compressed SEC, signatures
 * 64-byte compact (r || s, big-endian), always low-S. Signing needs a
 * context (cb_keyctx) that was randomized against side channels; verifying
 * needs none. The caller wipes private keys it holds (cb_key_wipe). */
#ifndef CB_CRYPTO_KEY_H
#define CB_CRYPTO_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define CB_PRIVKEY_LEN 32
#define CB_PUBKEY_LEN 33
#define CB_SIG_LEN 64

typedef struct cb_keyctx cb_keyctx;

/* Creates a signing context, randomized from the OS random source.
 * Returns: a context the caller frees with cb_keyctx_free, or NULL when
 * memory or randomness is lacking. One context may be shared by threads
 * for signing and key derivation (libsecp256k1 contexts are read-only). */
cb_keyctx *cb_keyctx_new(void);

/* Frees a context; NULL is fine. */
void cb_keyctx_free(cb_keyctx *ctx);

/* Makes a new private key from the OS random source.
 * Returns: CB_OK or CB_ERR_RANDOM. */
cb_err cb_key_generate(uint8_t priv[CB_PRIVKEY_LEN]) CB_WARN_UNUSED;

/* Returns: CB_OK if priv is a valid secret key (0 < k < n), else CB_ERR_PRIVKEY. */
cb_err cb_key_check_private(const uint8_t priv[CB_PRIVKEY_LEN]) CB_WARN_UNUSED;

/* Derives the compressed public key of priv.
 * Returns: CB_OK or CB_ERR_PRIVKEY. */
cb_err cb_key_public(const cb_keyctx *ctx, uint8_t pub[CB_PUBKEY_LEN],
                     const uint8_t priv[CB_PRIVKEY_LEN]) CB_WARN_UNUSED;

/* Returns: CB_OK if pub is a valid compressed point, else CB_ERR_PUBKEY. */
cb_err cb_key_check_public(const uint8_t pub[CB_PUBKEY_LEN]) CB_WARN_UNUSED;

/* Signs a 32-byte hash with RFC 6979 nonces; the result is low-S.
 * Returns: CB_OK or CB_ERR_PRIVKEY. */
cb_err cb_key_sign(const cb_keyctx *ctx, uint8_t sig[CB_SIG_LEN], const uint8_t hash[32],
                   const uint8_t priv[CB_PRIVKEY_LEN]) CB_WARN_UNUSED;

/* Verifies a compact signature over hash by pub. High-S is refused.
 * Returns: CB_OK, CB_ERR_PUBKEY (pub is not a point), CB_ERR_SIG_ENCODING
 * (r or s not below the group order) or CB_ERR_SIG_INVALID. */
cb_err cb_key_verify(const uint8_t sig[CB_SIG_LEN], const uint8_t hash[32],
                     const uint8_t pub[CB_PUBKEY_LEN]) CB_WARN_UNUSED;

/* A public key parsed into libsecp256k1's internal form (the point with its
 * y coordinate), so that many verifications can share one decompression.
 * Plain data: copy it freely. */
typedef struct {
    uint8_t data[64];
} cb_pubkey;

/* Parses a compressed public key.
 * Returns: CB_OK or CB_ERR_PUBKEY. */
cb_err cb_key_parse_public(cb_pubkey *out, const uint8_t pub[CB_PUBKEY_LEN]) CB_WARN_UNUSED;

/* cb_key_verify with the key already parsed.
 * Returns: CB_OK, CB_ERR_SIG_ENCODING or CB_ERR_SIG_INVALID. */
cb_err cb_key_verify_parsed(const uint8_t sig[CB_SIG_LEN], const uint8_t hash[32],
                            const cb_pubkey *pub) CB_WARN_UNUSED;

/* Overwrites a secret so the compiler cannot drop the store. */
void cb_key_wipe(void *secret, size_t len);

#endif
