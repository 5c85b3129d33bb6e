/* The miner's nonce search: SHA256d over 80-byte headers, our own code.
 *
 * A search template holds what every nonce shares: the SHA-256 state after
 * the header's first 64 bytes (the midstate), the three fixed words of the
 * second block, the rounds and schedule words that do not depend on the
 * nonce, and the top 32 bits of the target. A kernel hashes a run of nonces
 * and reports each whose hash's most significant word is within the target:
 * a candidate, which the caller confirms against the full target with the
 * consensus code (cb_pow_check). Where the target's low words are not all
 * ones a candidate can still fail that check; no nonce that meets the target
 * is ever missed.
 *
 * Kernels scan the second block's nonce word W3 = bswap(nonce) upwards;
 * every 2^32 value is reached either way, and counting in W3 keeps the
 * byte swap out of the inner loop. Several kernels exist (portable C,
 * SHA-NI two nonces at once, AVX2 eight, AVX-512 sixteen); cb_scan_best()
 * picks the fastest the CPU and OS support. */
#ifndef CB_CRYPTO_SHA256D_SCAN_H
#define CB_CRYPTO_SHA256D_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t mid[8];     /* state after header bytes 0..63 */
    uint32_t w[3];       /* header bytes 64..75 as big-endian words */
    uint32_t st3[8];     /* second block: state after rounds 0..2 */
    uint32_t w16, w17;   /* schedule words that do not depend on W3 */
    uint32_t target_top; /* bits 224..255 of the target */
} cb_scan_template;

/* Every count passed to a kernel is a multiple of this. */
#define CB_SCAN_STEP 16

typedef size_t (*cb_scan_fn)(const cb_scan_template *t, uint32_t w3_start, uint32_t count,
                             uint32_t *out);

typedef struct {
    const char *name; /* "avx512", "avx2", "shani", "portable" */
    unsigned lanes;   /* nonces per step */
    bool (*supported)(void);
    /* Hashes nonce words W3 = w3_start .. w3_start + count - 1 (count a
     * multiple of CB_SCAN_STEP, wrapping past 2^32 allowed) and writes the
     * W3 of each candidate to out, which holds count entries.
     * Returns: the number of candidates written. */
    cb_scan_fn scan;
} cb_scan_impl;

/* Fills a template from an 80-byte header (its nonce field is ignored) and
 * the 32-byte little-endian target. */
void cb_scan_prepare(cb_scan_template *t, const uint8_t header[80], const uint8_t target[32]);

/* The nonce (header field) for a scanned word, and back. */
static inline uint32_t cb_scan_nonce(uint32_t w3)
{
    return __builtin_bswap32(w3);
}

/* All kernels compiled in, fastest first, ending with a NULL name.
 * Returns: a static table. */
const cb_scan_impl *cb_scan_impls(void);

/* The fastest kernel this CPU runs. Returns: never NULL (portable at worst). */
const cb_scan_impl *cb_scan_best(void);

/* A kernel by name, if compiled in and supported here.
 * Returns: the kernel, or NULL for an unknown or unsupported name. */
const cb_scan_impl *cb_scan_by_name(const char *name);

/* One SHA-256 compression (64-byte block as 16 big-endian words), our own,
 * for tests and the portable kernel. */
void cb_sha256_compress(uint32_t state[8], const uint32_t block[16]);

/* Kernels, for the table; each only runs where its supported() is true. */
size_t cb_scan_portable(const cb_scan_template *t, uint32_t w3_start, uint32_t count,
                        uint32_t *out);
size_t cb_scan_shani(const cb_scan_template *t, uint32_t w3_start, uint32_t count, uint32_t *out);
size_t cb_scan_avx2(const cb_scan_template *t, uint32_t w3_start, uint32_t count, uint32_t *out);
size_t cb_scan_avx512(const cb_scan_template *t, uint32_t w3_start, uint32_t count, uint32_t *out);

/* The round constants and initial state, shared by the kernels. */
extern const uint32_t cb_sha256_k[64];
extern const uint32_t cb_sha256_iv[8];

#endif
