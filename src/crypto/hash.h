/* SHA-256, SHA256d, RIPEMD-160 and hash160 through OpenSSL libcrypto.
 *
 * These cannot fail on valid memory; a failure inside libcrypto means the
 * library itself is broken, and the process aborts with a message rather
 * than go on with a wrong hash. */
#ifndef CB_CRYPTO_HASH_H
#define CB_CRYPTO_HASH_H

#include <stddef.h>
#include <stdint.h>

/* out = SHA256(data) */
void cb_sha256(uint8_t out[32], const uint8_t *data, size_t len);

/* out = SHA256(SHA256(data)); out may alias data. */
void cb_sha256d(uint8_t out[32], const uint8_t *data, size_t len);

/* out = RIPEMD160(data) */
void cb_ripemd160(uint8_t out[20], const uint8_t *data, size_t len);

/* out = RIPEMD160(SHA256(data)) */
void cb_hash160(uint8_t out[20], const uint8_t *data, size_t len);

#endif
