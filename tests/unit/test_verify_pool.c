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
#include "node/sig_cache.h"
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

/* Hands the block's bytes (malloc'd) to be checked ahead. */
static void prefetch(cb_verify_pool *pool, const cb_block *b)
{
    size_t len = cb_block_size(b);
    uint8_t *data = malloc(len);
    assert_non_null(data);
    assert_int_equal(cb_block_serialize(data, len, b), CB_OK);
    cb_verify_pool_prefetch(pool, P, data, len);
}

static void test_check_ahead(void **state)
{
    (void)state;
    uint64_t ahead, hits;
    size_t len, bad;
    /* A block checked ahead is found done by its own check. */
    cb_verify_pool *pool = cb_verify_pool_new(2, 11);
    prefetch(pool, &block);
    cb_verify_pool_wait_ahead(pool);
    cb_verify_pool_stats(pool, &ahead, &hits);
    assert_int_equal(ahead, NTX - 1);
    assert_int_equal(hits, 0);
    assert_int_equal(cb_verify_pool_check(pool, P, &block, &bad), CB_OK);
    assert_int_equal(bad, CB_NO_TX);
    cb_verify_pool_stats(pool, &ahead, &hits);
    assert_int_equal(hits, NTX - 1);
    /* Entries are taken by the check: the next one checks again. */
    assert_int_equal(cb_verify_pool_check(pool, P, &block, &bad), CB_OK);
    cb_verify_pool_stats(pool, &ahead, &hits);
    assert_int_equal(hits, NTX - 1);

    /* A bad signature checked ahead is not kept, and the check ahead
     * stops there (what a lying peer can make it cost); the check still
     * reports the first bad transaction with its error. */
    cb_block w;
    assert_int_equal(cb_block_copy(&w, &block), CB_OK);
    w.txs[123].sig[9] ^= 0x20;
    w.txs[300].sender[0] = 0x05;
    assert_int_equal(cb_block_update_merkle(&w), CB_OK);
    uint64_t before = ahead;
    prefetch(pool, &w);
    cb_verify_pool_wait_ahead(pool);
    cb_verify_pool_stats(pool, &ahead, &hits);
    assert_int_equal(ahead - before, 123);
    assert_int_equal(cb_verify_pool_check(pool, P, &w, &bad), CB_ERR_TX_SIG);
    assert_int_equal(bad, 123);
    w.txs[123] = block.txs[123];
    assert_int_equal(cb_block_update_merkle(&w), CB_OK);
    assert_int_equal(cb_verify_pool_check(pool, P, &w, &bad), CB_ERR_TX_PUBKEY);
    assert_int_equal(bad, 300);

    /* Bytes that do not parse, or that break off, are dropped unchecked;
     * the pool goes on serving. */
    cb_verify_pool_stats(pool, &ahead, &hits);
    before = ahead;
    len = cb_block_size(&block);
    uint8_t *junk = malloc(len);
    assert_int_equal(cb_block_serialize(junk, len, &block), CB_OK);
    cb_verify_pool_prefetch(pool, P, junk, len / 2);
    junk = malloc(3);
    memcpy(junk, "\xff\xff\xff", 3);
    cb_verify_pool_prefetch(pool, P, junk, 3);
    cb_verify_pool_prefetch(pool, P, NULL, 0);
    /* Nor is a body its header does not commit to (two payments swapped:
     * every signature good), which costs hashing, not checks. */
    cb_block m;
    assert_int_equal(cb_block_copy(&m, &block), CB_OK);
    m.txs[5] = block.txs[6];
    m.txs[6] = block.txs[5];
    prefetch(pool, &m);
    cb_block_clear(&m);
    cb_verify_pool_wait_ahead(pool);
    cb_verify_pool_stats(pool, &ahead, &hits);
    assert_int_equal(ahead, before);
    assert_int_equal(cb_verify_pool_check(pool, P, &block, &bad), CB_OK);

    /* A check started while a block is being checked ahead is served at
     * once (the workers break off for it), and gives the same verdicts. */
    for (int rep = 0; rep < 4; rep++) {
        prefetch(pool, &block);
        prefetch(pool, &w);
        assert_int_equal(cb_verify_pool_check(pool, P, &w, &bad), CB_ERR_TX_PUBKEY);
        assert_int_equal(bad, 300);
        assert_int_equal(cb_verify_pool_check(pool, P, &block, &bad), CB_OK);
    }
    cb_block_clear(&w);
    /* Freed with work still queued: nothing leaks. */
    for (int i = 0; i < 8; i++)
        prefetch(pool, &block);
    cb_verify_pool_free(pool);

    /* A pool without worker threads drops what it is handed. */
    pool = cb_verify_pool_new(1, 3);
    prefetch(pool, &block);
    cb_verify_pool_wait_ahead(pool);
    cb_verify_pool_stats(pool, &ahead, &hits);
    assert_int_equal(ahead, 0);
    cb_verify_pool_free(pool);
}

static void test_sig_cache(void **state)
{
    (void)state;
    cb_sig_cache *c = cb_sig_cache_new(4096, 42);
    assert_non_null(c);
    for (size_t i = 1; i < 200; i++)
        cb_sig_cache_add(c, &block.txs[i]);
    size_t kept = 0;
    for (size_t i = 1; i < 200; i++)
        kept += cb_sig_cache_has(c, &block.txs[i]);
    assert_int_equal(kept, 199); /* 199 in 1024 sets of four: none lost */
    /* Only the very transaction hits: any byte changed misses. */
    for (size_t i = 1; i < 200; i++) {
        if (!cb_sig_cache_has(c, &block.txs[i]))
            continue;
        cb_tx t = block.txs[i];
        t.amount++;
        assert_false(cb_sig_cache_has(c, &t));
        t = block.txs[i];
        t.sender[32] ^= 1;
        assert_false(cb_sig_cache_take(c, &t));
        t = block.txs[i];
        t.sig[63] ^= 1;
        assert_false(cb_sig_cache_has(c, &t));
        /* Taken once, then gone. */
        assert_true(cb_sig_cache_take(c, &block.txs[i]));
        assert_false(cb_sig_cache_take(c, &block.txs[i]));
        assert_false(cb_sig_cache_has(c, &block.txs[i]));
    }
    for (size_t i = 200; i < NTX; i++)
        assert_false(cb_sig_cache_has(c, &block.txs[i]));
    cb_sig_cache_free(c);
    /* The smallest cache is one set of four: a fifth entry replaces one,
     * adding one twice takes one entry. */
    c = cb_sig_cache_new(0, 1);
    for (size_t i = 1; i <= 4; i++) {
        cb_sig_cache_add(c, &block.txs[i]);
        cb_sig_cache_add(c, &block.txs[i]);
    }
    for (size_t i = 1; i <= 4; i++)
        assert_true(cb_sig_cache_has(c, &block.txs[i]));
    cb_sig_cache_add(c, &block.txs[5]);
    assert_true(cb_sig_cache_has(c, &block.txs[5]));
    kept = 0;
    for (size_t i = 1; i <= 4; i++)
        kept += cb_sig_cache_has(c, &block.txs[i]);
    assert_int_equal(kept, 3);
    cb_sig_cache_free(c);
    cb_sig_cache_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_block),     cmocka_unit_test(test_bad_signatures_anywhere),
        cmocka_unit_test(test_chain_uses_pool), cmocka_unit_test(test_keycache),
        cmocka_unit_test(test_check_ahead),     cmocka_unit_test(test_sig_cache),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
