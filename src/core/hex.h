/* Hexadecimal text, and hashes in Bitcoin's reversed display order. */
#ifndef CB_CORE_HEX_H
#define CB_CORE_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Writes 2*len lowercase hex digits and a NUL to out (2*len+1 bytes). */
void cb_hex_encode(char *out, const uint8_t *data, size_t len);

/* Decodes a hex string of exactly 2*len digits (either case) into out[len].
 * Returns: CB_OK, or CB_ERR_HEX for a wrong length or a non-hex character. */
cb_err cb_hex_decode(uint8_t *out, size_t len, const char *hex) CB_WARN_UNUSED;

/* Decodes any even-length hex string into out, which holds cap bytes.
 * Out: *out_len, the number of bytes written.
 * Returns: CB_OK, CB_ERR_HEX, or CB_ERR_TOO_LARGE when cap is too small. */
cb_err cb_hex_decode_any(uint8_t *out, size_t cap, size_t *out_len, const char *hex) CB_WARN_UNUSED;

/* A 32-byte hash as Bitcoin shows it: bytes reversed, 64 hex digits + NUL. */
void cb_hash_to_hex(char out[65], const uint8_t hash[32]);

/* Parses Bitcoin's reversed display form back into hash bytes.
 * Returns: CB_OK or CB_ERR_HEX. */
cb_err cb_hash_from_hex(uint8_t hash[32], const char *hex) CB_WARN_UNUSED;

#endif
