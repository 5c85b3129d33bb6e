/* The signature check pool must give the serial check's verdict and the
 * same first failing transaction, whatever the thread count and wherever
 * the bad signatures are; and the key cache must serve repeated senders. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#include "core/chain.h"
#include "core/validation.h"
#include "crypto/hash.h"
#include "crypto/keycache.h"
#include "node/verify_pool.h"

#define NTX 400

static cb_keyctx *ctx;
static const cb_params *P;
static cb_block block;

static int setup(void **state)
{
    (void)state;
    ctx = cb_keyctx_new();
    P = cb_params_regtest();
    cb_tx *txs = calloc(NTX, sizeof *txs);
    uint8_t to[20] = {1};
    /* 40 senders, 10 payments each: keys repeat as they do in life. */
    for (int i = 0; i < NTX - 1; i++) {
        uint8_t priv[32];
        cbt_key(priv, (uint32_t)(i % 40) + 100);
        cbt_make_tx(P, ctx, &txs[i], priv, to, 1000 + (uint64_t)i, 1000, (uint64_t)(i / 40));
    }
    uint8_t prev[32];
    cb_params_genesis_hash(P, prev);
    cbt_make_block(P, &block, prev, 1, 1795392060, to, txs, NTX - 1, 0);
    free(txs);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cb_block_clear(&block);
    cb_keyctx_free(ctx);
    return 0;
}

static void compare_all_pools(const cb_block *b)
{
    size_t want_bad, got_bad;
    cb_err want = cb_block_verify_signatures(P, b, &want_bad);
    for (unsigned threads = 1; threads <= 3; threads++) {
        cb_verify_pool *pool = cb_verify_pool_new(threads, 7 * threads);
        assert_non_null(pool);
        assert_int_equal(cb_verify_pool_threads(pool), threads);
        /* Twice: the second run meets warm key caches. */
        for (int rep = 0; rep < 2; rep++) {
            cb_err got = cb_verify_pool_check(pool, P, b, &got_bad);
            assert_int_equal(got, want);
            assert_int_equal(got_bad, want_bad);
        }
        cb_verify_pool_free(pool);
    }
}

static void test_valid_block(void **state)
{
    (void)state;
    size_t bad;
    assert_int_equal(cb_block_verify_signatures(P, &block, &bad), CB_OK);
    assert_int_equal(bad, CB_NO_TX);
    compare_all_pools(&block);
}

static void test_bad_signatures_anywhere(void **state)
{
    (void)state;
    cb_block w;
    for (int round = 0; round < 12; round++) {
        assert_int_equal(cb_block_copy(&w, &block), CB_OK);
        /* One to three bad transactions at random places; the first one
         * in block order is what both must report. */
        uint8_t r[6];
        cbt_random(r, sizeof r);
        int nbad = 1 + r[0] % 3;
        for (int k = 0; k < nbad; k++) {
            size_t i = 1 + (size_t)((r[1 + k] << 8 | r[4]) % (NTX - 1));
            if (r[5] & (1 << k))
                w.txs[i].sender[0] = 0x05; /* not a key */
            else
                w.txs[i].sig[7] ^= 0x10; /* not its signature */
        }
        compare_all_pools(&w);
        cb_block_clear(&w);
    }
    /* The very last and the very first payment. */
    assert_int_equal(cb_block_copy(&w, &block), CB_OK);
    w.txs[NTX - 1].sig[0] ^= 1;
    compare_all_pools(&w);
    w.txs[1].sender[0] = 0x04;
    compare_all_pools(&w);
    size_t bad;
    cb_verify_pool *pool = cb_verify_pool_new(2, 1);
    assert_int_equal(cb_verify_pool_check(pool, P, &w, &bad), CB_ERR_TX_PUBKEY);
    assert_int_equal(bad, 1);
    cb_verify_pool_free(pool);
    cb_block_clear(&w);
}

static void test_chain_uses_pool(void **state)
{
    (void)state;
    /* The payers have no coins on a fresh chain, so the block fails when
     * connected, but only after its signatures pass; a copy with one bad
     * signature fails earlier, at that transaction, through the pool. */
    cb_chain *c = cb_chain_new(P, 3);
    cb_verify_pool *pool = cb_verify_pool_new(2, 5);
    cb_sig_checker s = cb_verify_pool_checker(pool);
    cb_chain_set_sig_checker(c, &s);
    cb_block w;
    assert_int_equal(cb_block_copy(&w, &block), CB_OK);
    w.txs[250].sig[3] ^= 1;
    assert_int_equal(cb_block_update_merkle(&w), CB_OK);
    cbt_mine(P, &w.header);
    size_t bad;
    assert_int_equal(cb_chain_accept_block(c, &w, 1795400000, &bad), CB_ERR_TX_SIG);
    assert_int_equal(bad, 250);
    assert_int_equal(cb_chain_accept_block(c, &block, 1795400000, &bad), CB_ERR_TX_BALANCE);
    assert_int_equal(bad, 1);
    cb_block_clear(&w);
    cb_chain_set_sig_checker(c, NULL);
    cb_chain_free(c);
    cb_verify_pool_free(pool);
    cb_verify_pool_free(NULL);
}

static void test_keycache(void **state)
{
    (void)state;
    cb_keycache *kc = cb_keycache_new(64, 9);
    uint64_t hits, lookups;
    cb_pubkey a, b;
    for (int rep = 0; rep < 3; rep++)
        for (size_t i = 1; i < 41; i++) {
            assert_int_equal(cb_keycache_get(kc, block.txs[i].sender, &a), CB_OK);
            assert_int_equal(cb_key_parse_public(&b, block.txs[i].sender), CB_OK);
            assert_memory_equal(&a, &b, sizeof a);
        }
    cb_keycache_stats(kc, &hits, &lookups);
    assert_int_equal(lookups, 120);
    assert_true(hits >= 40); /* 40 keys in 64 slots: most stay */
    uint8_t bad[33] = {0x05};
    assert_int_equal(cb_keycache_get(kc, bad, &a), CB_ERR_PUBKEY);
    assert_int_equal(cb_keycache_get(kc, bad, &a), CB_ERR_PUBKEY);
    /* A one-slot cache still answers right, by parsing every time. */
    cb_keycache *tiny = cb_keycache_new(1, 0);
    for (size_t i = 1; i < 20; i++) {
        assert_int_equal(cb_keycache_get(tiny, block.txs[i].sender, &a), CB_OK);
        assert_int_equal(cb_key_parse_public(&b, block.txs[i].sender), CB_OK);
        assert_memory_equal(&a, &b, sizeof a);
    }
    cb_keycache_free(tiny);
    cb_keycache_free(kc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_block),
        cmocka_unit_test(test_bad_signatures_anywhere),
        cmocka_unit_test(test_chain_uses_pool),
        cmocka_unit_test(test_keycache),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
