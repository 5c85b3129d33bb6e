/* Addresses and WIF private keys (SPEC section 2).
 *
 * Address = Base58Check(version || hash160(pubkey33)).
 * WIF = Base58Check(prefix || key32 || 0x01): compressed keys only. */
#ifndef CB_CORE_ADDRESS_H
#define CB_CORE_ADDRESS_H

#include <stdint.h>

#include "core/err.h"
#include "core/params.h"

#define CB_ADDRESS_MAX 40 /* 34 characters and a NUL fit with room */
#define CB_WIF_MAX 60     /* 52 characters and a NUL */

/* Writes the address of a hash160 on network p.
 * Returns: CB_OK (the buffer is always large enough). */
cb_err cb_address_encode(const cb_params *p, char out[CB_ADDRESS_MAX],
                         const uint8_t h160[20]) CB_WARN_UNUSED;

/* Decodes an address of network p.
 * Returns: CB_OK, CB_ERR_BASE58_CHAR, CB_ERR_BASE58_CHECKSUM,
 * CB_ERR_BAD_LENGTH, CB_ERR_BAD_VERSION_BYTE or CB_ERR_TOO_LARGE. */
cb_err cb_address_decode(const cb_params *p, uint8_t h160[20], const char *str) CB_WARN_UNUSED;

/* The address of a compressed public key. Returns: CB_OK. */
cb_err cb_address_from_pubkey(const cb_params *p, char out[CB_ADDRESS_MAX],
                              const uint8_t pub[33]) CB_WARN_UNUSED;

/* Writes a private key as WIF for network p. The caller wipes out after use.
 * Returns: CB_OK or CB_ERR_PRIVKEY. */
cb_err cb_wif_encode(const cb_params *p, char out[CB_WIF_MAX],
                     const uint8_t priv[32]) CB_WARN_UNUSED;

/* Decodes a WIF key of network p (compressed form only).
 * Returns: CB_OK, CB_ERR_BASE58_CHAR, CB_ERR_BASE58_CHECKSUM,
 * CB_ERR_BAD_LENGTH, CB_ERR_BAD_VERSION_BYTE, CB_ERR_PRIVKEY or
 * CB_ERR_TOO_LARGE. Intermediate copies of the key are wiped. */
cb_err cb_wif_decode(const cb_params *p, uint8_t priv[32], const char *str) CB_WARN_UNUSED;

#endif
