#include "crypto/hash.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>

static void crypto_fatal(const char *what)
{
    fprintf(stderr, "coinbit: libcrypto failed in %s\n", what);
    abort();
}

void cb_sha256(uint8_t out[32], const uint8_t *data, size_t len)
{
    if (!SHA256(data, len, out))
        crypto_fatal("SHA256");
}

void cb_sha256d(uint8_t out[32], const uint8_t *data, size_t len)
{
    uint8_t tmp[32];
    cb_sha256(tmp, data, len);
    cb_sha256(out, tmp, 32);
}

void cb_ripemd160(uint8_t out[20], const uint8_t *data, size_t len)
{
    unsigned int n = 0;
    /* OpenSSL 3 keeps RIPEMD-160 in the default provider (3.0.7 and later);
     * the low-level RIPEMD160() call is deprecated, so go through EVP. */
    if (!EVP_Digest(data, len, out, &n, EVP_ripemd160(), NULL) || n != 20)
        crypto_fatal("RIPEMD160");
}

void cb_hash160(uint8_t out[20], const uint8_t *data, size_t len)
{
    uint8_t tmp[32];
    cb_sha256(tmp, data, len);
    cb_ripemd160(out, tmp, 32);
}
