#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/hex.h"
#include "core/pow.h"
#include "crypto/hash.h"

#ifndef CB_TESTDATA_DIR
#error "CB_TESTDATA_DIR must be defined by the build"
#endif

uint8_t *cbt_read_testdata(const char *name, size_t *len)
{
    char path[1024];
    const char *dir = getenv("CB_TESTDATA_DIR");
    snprintf(path, sizeof path, "%s/%s", dir ? dir : CB_TESTDATA_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open test data %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    assert_true(n >= 0);
    uint8_t *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return buf;
}

json_t *cbt_load_json(const char *name)
{
    size_t len;
    json_error_t jerr;
    uint8_t *buf = cbt_read_testdata(name, &len);
    json_t *j = json_loadb((const char *)buf, len, 0, &jerr);
    free(buf);
    if (!j)
        fail_msg("%s: %s at line %d", name, jerr.text, jerr.line);
    return j;
}

size_t cbt_unhex(uint8_t *out, size_t cap, const char *hex)
{
    size_t n = 0;
    if (cb_hex_decode_any(out, cap, &n, hex) != CB_OK)
        fail_msg("bad hex in test data: %.40s", hex);
    return n;
}

void cbt_mine(const cb_params *p, cb_header *h)
{
    uint8_t hash[32];
    for (;;) {
        cb_header_hash(hash, h);
        if (cb_pow_check(p, hash, h->bits) == CB_OK)
            return;
        h->nonce++;
    }
}

void cbt_header_on(const cb_params *p, cb_header *h, const uint8_t parent[32], uint32_t t,
                   uint32_t tag)
{
    memset(h, 0, sizeof *h);
    h->version = 1;
    memcpy(h->prev, parent, 32);
    memcpy(h->merkle, &tag, sizeof tag);
    h->time = t;
    h->bits = p->pow_limit_bits;
    cbt_mine(p, h);
}

void cbt_make_block(const cb_params *p, cb_block *b, const uint8_t prev[32], uint32_t height,
                    uint32_t time, const uint8_t miner[20], const cb_tx *txs, size_t n,
                    uint32_t tag)
{
    cb_tx *all = calloc(n + 1, sizeof *all);
    uint64_t fees = 0;
    assert_non_null(all);
    for (size_t i = 0; i < n; i++) {
        all[i + 1] = txs[i];
        fees += txs[i].fee;
    }
    all[0].version = CB_TX_VERSION;
    memcpy(all[0].recipient, miner, 20);
    all[0].amount = cb_params_subsidy(p, height) + fees;
    all[0].nonce = height;
    all[0].time = time;
    memcpy(all[0].sig, &tag, sizeof tag);
    cb_block_init(b);
    b->header.version = 1;
    memcpy(b->header.prev, prev, 32);
    b->header.time = time;
    b->header.bits = p->pow_limit_bits;
    assert_int_equal(cb_block_set_txs(b, all, n + 1), CB_OK);
    free(all);
    assert_int_equal(cb_block_update_merkle(b), CB_OK);
    cbt_mine(p, &b->header);
}

void cbt_make_tx(const cb_params *p, const cb_keyctx *ctx, cb_tx *tx, const uint8_t priv[32],
                 const uint8_t to[20], uint64_t amount, uint64_t fee, uint64_t nonce)
{
    memset(tx, 0, sizeof *tx);
    tx->version = CB_TX_VERSION;
    memcpy(tx->recipient, to, 20);
    tx->amount = amount;
    tx->fee = fee;
    tx->nonce = nonce;
    tx->time = 1795400000;
    assert_int_equal(cb_tx_sign(ctx, tx, p->magic, priv), CB_OK);
}

void cbt_key(uint8_t priv[32], uint32_t n)
{
    uint8_t seed[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    cb_sha256(priv, seed, sizeof seed);
}

static uint64_t seed_value, rng_state;
static bool seeded;

uint64_t cbt_seed(void)
{
    if (!seeded) {
        const char *env = getenv("CB_TEST_SEED");
        char *end = NULL;
        if (env && *env)
            seed_value = strtoull(env, &end, 10);
        if (!env || !*env || !end || *end) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            seed_value =
                (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
        }
        rng_state = seed_value;
        seeded = true;
        print_message("random seed: %llu; rerun with CB_TEST_SEED=%llu\n",
                      (unsigned long long)seed_value, (unsigned long long)seed_value);
    }
    return seed_value;
}

/* splitmix64: small, fast, and the same on every machine. */
static uint64_t next64(void)
{
    cbt_seed();
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void cbt_random(void *out, size_t len)
{
    uint8_t *p = out;
    while (len) {
        uint64_t v = next64();
        size_t k = len < 8 ? len : 8;
        memcpy(p, &v, k);
        p += k;
        len -= k;
    }
}

uint64_t cbt_random_below(uint64_t n)
{
    return next64() % n;
}
