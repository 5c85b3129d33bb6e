/* OpenSSL 3 routes its one-shot SHA256() and the EVP interface through a
 * provider fetch on every call, under a lock shared by all threads: about
 * 1.5 M header hashes a second on one thread here, and fewer on two. The
 * low-level functions hash directly (with SHA-NI when the CPU has it) and
 * take no lock. They are marked deprecated in OpenSSL 3 but remain in the
 * 3.x series, so this one file asks for them explicitly. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/hash.h"

#include <openssl/ripemd.h>
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
    SHA256_CTX c;
    if (!SHA256_Init(&c) || !SHA256_Update(&c, data, len) || !SHA256_Final(out, &c))
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
    RIPEMD160_CTX c;
    if (!RIPEMD160_Init(&c) || !RIPEMD160_Update(&c, data, len) || !RIPEMD160_Final(out, &c))
        crypto_fatal("RIPEMD160");
}

void cb_hash160(uint8_t out[20], const uint8_t *data, size_t len)
{
    uint8_t tmp[32];
    cb_sha256(tmp, data, len);
    cb_ripemd160(out, tmp, 32);
}
