/* Strict DER ECDSA signatures, as BIP 66 defines them.
 *
 * CoinBit itself signs and sends 64-byte compact signatures; DER exists so
 * that published vectors (Wycheproof) and tools that speak DER can be checked
 * against the same verifier. */
#ifndef CB_CRYPTO_DER_H
#define CB_CRYPTO_DER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Parses a strictly DER-encoded signature (no sighash byte) into compact
 * form: r and s as 32-byte big-endian numbers. Refuses BER forms (long or
 * indefinite lengths, padding), negative numbers, and r or s wider than 256
 * bits. Values at or above the group order are left for the verifier.
 * Returns: CB_OK or CB_ERR_SIG_ENCODING. */
cb_err cb_der_parse_signature(uint8_t compact[64], const uint8_t *der, size_t len) CB_WARN_UNUSED;

#endif
