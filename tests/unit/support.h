/* Helpers shared by the unit tests: test data files, hex, and building
 * and mining small regtest blocks. */
#ifndef CB_TEST_SUPPORT_H
#define CB_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>

#include "core/block.h"
#include "core/params.h"
#include "crypto/key.h"

/* Reads shared/testdata/<name> whole; fails the test if it cannot.
 * Returns: a malloc'd buffer (NUL-terminated beyond *len) the caller frees. */
uint8_t *cbt_read_testdata(const char *name, size_t *len);

/* Parses shared/testdata/<name> as JSON; fails the test if it cannot. */
json_t *cbt_load_json(const char *name);

/* Decodes hex into out (cap bytes); fails the test on bad hex.
 * Returns: the decoded length. */
size_t cbt_unhex(uint8_t *out, size_t cap, const char *hex);

/* Increments the header nonce until the proof of work passes. */
void cbt_mine(const cb_params *p, cb_header *h);

/* A mined header at the pow limit on parent, at time t; tag (in the
 * merkle field) makes siblings differ. */
void cbt_header_on(const cb_params *p, cb_header *h, const uint8_t parent[32], uint32_t t,
                   uint32_t tag);

/* Builds and mines a block on prev: a coinbase paying subsidy + fees to
 * miner, then txs. tag goes in the coinbase's free data so that blocks on
 * different branches differ. The caller clears b. */
void cbt_make_block(const cb_params *p, cb_block *b, const uint8_t prev[32], uint32_t height,
                    uint32_t time, const uint8_t miner[20], const cb_tx *txs, size_t n,
                    uint32_t tag);

/* A signed payment from priv (nonce given) to a recipient hash160. */
void cbt_make_tx(const cb_params *p, const cb_keyctx *ctx, cb_tx *tx, const uint8_t priv[32],
                 const uint8_t to[20], uint64_t amount, uint64_t fee, uint64_t nonce);

/* A deterministic private key from a small number (1, 2, ...). */
void cbt_key(uint8_t priv[32], uint32_t n);

/* The seed of this run's random inputs: CB_TEST_SEED when set, else one
 * from the clock, printed once ("random seed: N; rerun with
 * CB_TEST_SEED=N"), so a failure can be replayed exactly. */
uint64_t cbt_seed(void);

/* Random bytes from the run's seed (not for keys: for test inputs). */
void cbt_random(void *out, size_t len);

/* A random number below n (n > 0), from the run's seed. */
uint64_t cbt_random_below(uint64_t n);

#endif
