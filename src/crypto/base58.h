/* Base58 and Base58Check, as Bitcoin encodes addresses and keys. */
#ifndef CB_CRYPTO_BASE58_H
#define CB_CRYPTO_BASE58_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Longest input cb_base58_decode accepts, in characters. Base58 strings in
 * CoinBit are addresses and keys (at most 52 characters); the bound keeps
 * the quadratic conversion cheap for hostile input. */
#define CB_BASE58_MAX_CHARS 512

/* Encodes data[0..len) as Base58 into out, which holds cap bytes.
 * Returns: CB_OK, or CB_ERR_TOO_LARGE if out (with its NUL) is too small. */
cb_err cb_base58_encode(char *out, size_t cap, const uint8_t *data, size_t len) CB_WARN_UNUSED;

/* Decodes a Base58 string into out, which holds cap bytes.
 * Leading and trailing spaces are accepted, as Bitcoin Core does.
 * Out: *out_len, the decoded length.
 * Returns: CB_OK, CB_ERR_BASE58_CHAR, or CB_ERR_TOO_LARGE. */
cb_err cb_base58_decode(uint8_t *out, size_t cap, size_t *out_len, const char *str) CB_WARN_UNUSED;

/* Base58Check: data || SHA256d(data)[0..4], then Base58.
 * Returns: CB_OK or CB_ERR_TOO_LARGE (also for len > 128). */
cb_err cb_base58check_encode(char *out, size_t cap, const uint8_t *data, size_t len) CB_WARN_UNUSED;

/* Decodes and verifies Base58Check; out receives the payload without the
 * checksum. Returns: CB_OK, CB_ERR_BASE58_CHAR, CB_ERR_BASE58_CHECKSUM
 * (also for inputs shorter than a checksum), or CB_ERR_TOO_LARGE. */
cb_err cb_base58check_decode(uint8_t *out, size_t cap, size_t *out_len,
                             const char *str) CB_WARN_UNUSED;

#endif
