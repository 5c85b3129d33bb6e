/* The mempool against SPEC section 5: admission rules, chained nonces,
 * replacement by fee, the bound with lowest-fee eviction, selection by fee
 * in nonce order, and what blocks connected and disconnected do to it. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#include "core/amount.h"
#include "core/validation.h"
#include "crypto/hash.h"
#include "node/mempool.h"

static cb_keyctx *ctx;
static const cb_params *P;
static uint8_t key[4][32], id[4][20]; /* alice, bob, carol, dave */

static int setup(void **state)
{
    (void)state;
    uint8_t pub[33];
    ctx = cb_keyctx_new();
    P = cb_params_regtest();
    for (int i = 0; i < 4; i++) {
        cbt_key(key[i], (uint32_t)i + 500);
        assert_int_equal(cb_key_public(ctx, pub, key[i]), CB_OK);
        cb_hash160(id[i], pub, 33);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cb_keyctx_free(ctx);
    return 0;
}

/* alice and bob each have 10 CB; carol 1 CB. */
static cb_accounts *funded(void)
{
    cb_accounts *s = cb_accounts_new(3);
    cb_account a = {10 * CB_COIN, 0}, c = {CB_COIN, 0};
    assert_int_equal(cb_accounts_set(s, id[0], &a), CB_OK);
    assert_int_equal(cb_accounts_set(s, id[1], &a), CB_OK);
    assert_int_equal(cb_accounts_set(s, id[2], &c), CB_OK);
    return s;
}

static cb_tx pay(int from, int to, uint64_t amount, uint64_t fee, uint64_t nonce)
{
    cb_tx tx;
    cbt_make_tx(P, ctx, &tx, key[from], id[to], amount, fee, nonce);
    return tx;
}

static void test_admission_rules(void **state)
{
    (void)state;
    cb_accounts *s = funded();
    cb_mempool *m = cb_mempool_new(P, 100, 100 * CB_TX_SIZE, 1);
    uint8_t txid[32];
    cb_tx t = pay(0, 1, CB_COIN, 1000, 0);
    assert_int_equal(cb_mempool_add(m, s, &t, txid), CB_OK);
    assert_int_equal(cb_mempool_add(m, s, &t, NULL), CB_ERR_IN_MEMPOOL);
    cb_tx got;
    assert_true(cb_mempool_get(m, txid, &got));
    assert_memory_equal(&got, &t, sizeof t);
    /* Chained: nonce 1 on top of the pending nonce 0. */
    t = pay(0, 1, CB_COIN, 1000, 1);
    assert_int_equal(cb_mempool_add(m, s, &t, NULL), CB_OK);
    /* A gap, and a nonce already used on the chain. */
    t = pay(0, 1, CB_COIN, 1000, 3);
    assert_int_equal(cb_mempool_add(m, s, &t, NULL), CB_ERR_TX_NONCE);
    cb_account used = {5 * CB_COIN, 4};
    assert_int_equal(cb_accounts_set(s, id[3], &used), CB_OK);
    t = pay(3, 1, CB_COIN, 1000, 3);
    assert_int_equal(cb_mempool_add(m, s, &t, NULL), CB_ERR_TX_NONCE);
    /* Fee below the minimum. */
    t = pay(1, 0, CB_COIN, 999, 0);
    assert_int_equal(cb_mempool_add(m, s, &t, NULL), CB_ERR_FEE_TOO_LOW);
    /* Bad signature. */
    t = pay(1, 0, CB_COIN, 1000, 0);
    t.sig[5] ^= 1;
    assert_int_equal(cb_mempool_add(m, s, &t, NULL), CB_ERR_TX_SIG);
    /* A coinbase is no standalone transaction. */
    memset(&t, 0, sizeof t);
    t.version = 1;
    t.fee = 0;
    assert_int_equal(cb_mempool_add(m, s, &t, NULL), CB_ERR_TX_COINBASE);
    /* Balance across the chain: carol has 1 CB. */
    t = pay(2, 0, CB_COIN / 2, 1000, 0);
    assert_int_equal(cb_mempool_add(m, s, &t, NULL), CB_OK);
    t = pay(2, 0, CB_COIN / 2, 1000, 1);
    assert_int_equal(cb_mempool_add(m, s, &t, NULL), CB_ERR_TX_BALANCE);
    size_t count;
    uint64_t spending;
    cb_mempool_pending(m, id[0], &count, &spending);
    assert_int_equal(count, 2);
    assert_int_equal(spending, 2 * CB_COIN + 2000);
    assert_int_equal(cb_mempool_count(m), 3);
    assert_int_equal(cb_mempool_bytes(m), 3 * CB_TX_SIZE);
    cb_mempool_free(m);
    cb_accounts_free(s);
}

static void test_replacement(void **state)
{
    (void)state;
    cb_accounts *s = funded();
    cb_mempool *m = cb_mempool_new(P, 100, 100 * CB_TX_SIZE, 2);
    cb_tx a0 = pay(0, 1, 4 * CB_COIN, 10000, 0), a1 = pay(0, 1, 4 * CB_COIN, 10000, 1);
    assert_int_equal(cb_mempool_add(m, s, &a0, NULL), CB_OK);
    assert_int_equal(cb_mempool_add(m, s, &a1, NULL), CB_OK);
    /* 9% more is not enough; 10% is. */
    cb_tx r = pay(0, 2, 4 * CB_COIN, 10900, 0);
    assert_int_equal(cb_mempool_add(m, s, &r, NULL), CB_ERR_REPLACE_FEE);
    r = pay(0, 2, 4 * CB_COIN, 11000, 0);
    uint8_t rid[32], a0id[32];
    assert_int_equal(cb_mempool_add(m, s, &r, rid), CB_OK);
    cb_tx_txid(a0id, &a0);
    cb_tx got;
    assert_false(cb_mempool_get(m, a0id, &got));
    assert_true(cb_mempool_get(m, rid, &got));
    assert_int_equal(cb_mempool_count(m), 2);
    /* A bigger replacement leaves no room for nonce 1: it goes. */
    r = pay(0, 2, 7 * CB_COIN, 20000, 0);
    assert_int_equal(cb_mempool_add(m, s, &r, NULL), CB_OK);
    assert_int_equal(cb_mempool_count(m), 1);
    cb_mempool_free(m);
    cb_accounts_free(s);
}

static void test_bound_and_eviction(void **state)
{
    (void)state;
    cb_accounts *s = funded();
    cb_mempool *m = cb_mempool_new(P, 3, 3 * CB_TX_SIZE, 3);
    cb_tx a0 = pay(0, 1, 1000, 5000, 0), a1 = pay(0, 1, 1000, 2000, 1);
    cb_tx b0 = pay(1, 0, 1000, 3000, 0);
    assert_int_equal(cb_mempool_add(m, s, &a0, NULL), CB_OK);
    assert_int_equal(cb_mempool_add(m, s, &a1, NULL), CB_OK);
    assert_int_equal(cb_mempool_add(m, s, &b0, NULL), CB_OK);
    /* Full. A fee no better than the lowest tail (a1, 2000): refused. */
    cb_tx c0 = pay(2, 0, 1000, 2000, 0);
    assert_int_equal(cb_mempool_add(m, s, &c0, NULL), CB_ERR_MEMPOOL_FULL);
    /* A better fee evicts a1 (a tail), never a0 (it has a child). */
    c0 = pay(2, 0, 1000, 2500, 0);
    assert_int_equal(cb_mempool_add(m, s, &c0, NULL), CB_OK);
    uint8_t id0[32], id1[32];
    cb_tx got;
    cb_tx_txid(id0, &a0);
    cb_tx_txid(id1, &a1);
    assert_true(cb_mempool_get(m, id0, &got));
    assert_false(cb_mempool_get(m, id1, &got));
    /* bob's next payment may not evict bob's own tail to make room. */
    cb_tx b1 = pay(1, 0, 1000, 2600, 1);
    assert_int_equal(cb_mempool_add(m, s, &b1, NULL), CB_OK); /* evicts carol (2500) */
    assert_int_equal(cb_mempool_count(m), 3);
    cb_mempool_free(m);
    cb_accounts_free(s);
}

static void test_select_order_connects(void **state)
{
    (void)state;
    cb_accounts *s = funded();
    cb_mempool *m = cb_mempool_new(P, 100, 100 * CB_TX_SIZE, 4);
    cb_tx a0 = pay(0, 1, 1000, 1000, 0), a1 = pay(0, 1, 1000, 9000, 1);
    cb_tx b0 = pay(1, 2, 1000, 5000, 0);
    assert_int_equal(cb_mempool_add(m, s, &a0, NULL), CB_OK);
    assert_int_equal(cb_mempool_add(m, s, &a1, NULL), CB_OK);
    assert_int_equal(cb_mempool_add(m, s, &b0, NULL), CB_OK);
    cb_tx out[8];
    /* b0 pays most among the heads; a1 waits for a0. */
    assert_int_equal(cb_mempool_select(m, out, 8), 3);
    assert_memory_equal(&out[0], &b0, sizeof b0);
    assert_memory_equal(&out[1], &a0, sizeof a0);
    assert_memory_equal(&out[2], &a1, sizeof a1);
    assert_int_equal(cb_mempool_select(m, out, 1), 1);
    /* What it selects connects. */
    cb_block b;
    uint8_t prev[32] = {0}, miner[20] = {7};
    cbt_make_block(P, &b, prev, 1, 1795392060, miner, out, 0, 0);
    assert_int_equal(cb_mempool_select(m, out, 8), 3);
    cb_block_clear(&b);
    cbt_make_block(P, &b, prev, 1, 1795392060, miner, out, 3, 0);
    cb_undo u;
    size_t bad;
    cb_undo_init(&u);
    assert_int_equal(cb_block_connect(P, s, &u, &b, 1, &bad), CB_OK);
    /* After the block: all three confirmed, the pool is empty. */
    assert_int_equal(cb_mempool_block_connected(m, s, &b), CB_OK);
    assert_int_equal(cb_mempool_count(m), 0);
    /* Disconnected: all three come back. */
    assert_int_equal(cb_block_disconnect(s, &u), CB_OK);
    assert_int_equal(cb_mempool_block_disconnected(m, s, &b), CB_OK);
    assert_int_equal(cb_mempool_count(m), 3);
    cb_undo_clear(&u);
    cb_block_clear(&b);
    cb_mempool_free(m);
    cb_accounts_free(s);
}

static void test_conflicts_leave(void **state)
{
    (void)state;
    cb_accounts *s = funded();
    cb_mempool *m = cb_mempool_new(P, 100, 100 * CB_TX_SIZE, 5);
    /* Pending: alice nonce 0, 1, 2. Another node mines a different
     * nonce-0 payment of alice's (a double spend of our pending one). */
    cb_tx p0 = pay(0, 1, 2 * CB_COIN, 1000, 0), p1 = pay(0, 1, 2 * CB_COIN, 1000, 1);
    cb_tx p2 = pay(0, 1, 2 * CB_COIN, 1000, 2);
    assert_int_equal(cb_mempool_add(m, s, &p0, NULL), CB_OK);
    assert_int_equal(cb_mempool_add(m, s, &p1, NULL), CB_OK);
    assert_int_equal(cb_mempool_add(m, s, &p2, NULL), CB_OK);
    cb_tx other = pay(0, 3, 5 * CB_COIN, 1000, 0);
    cb_block b;
    uint8_t prev[32] = {0}, miner[20] = {7};
    cbt_make_block(P, &b, prev, 1, 1795392060, miner, &other, 1, 0);
    cb_undo u;
    size_t bad;
    cb_undo_init(&u);
    assert_int_equal(cb_block_connect(P, s, &u, &b, 1, &bad), CB_OK);
    assert_int_equal(cb_mempool_block_connected(m, s, &b), CB_OK);
    /* p0 conflicts (nonce used); p1 (now nonce 1, first) fits 5 CB left:
     * 2 CB + fee, and p2 too: 4 CB + fees < 5 CB. */
    assert_int_equal(cb_mempool_count(m), 2);
    cb_tx got;
    uint8_t pid[32];
    cb_tx_txid(pid, &p0);
    assert_false(cb_mempool_get(m, pid, &got));
    /* Back out the block: `other` returns, and p1, p2 chain on it. */
    assert_int_equal(cb_block_disconnect(s, &u), CB_OK);
    assert_int_equal(cb_mempool_block_disconnected(m, s, &b), CB_OK);
    uint8_t oid[32];
    cb_tx_txid(oid, &other);
    assert_true(cb_mempool_get(m, oid, &got));
    /* 5 + 2 + 2 CB and three fees still fit alice's 10 CB: all three. */
    assert_int_equal(cb_mempool_count(m), 3);
    cb_undo_clear(&u);
    cb_block_clear(&b);
    cb_mempool_free(m);
    cb_accounts_free(s);
}

static void test_cheap_checks_before_the_signature(void **state)
{
    (void)state;
    cb_accounts *s = funded();
    cb_mempool *m = cb_mempool_new(P, 100, 100 * CB_TX_SIZE, 4);
    /* A garbage signature on a payment whose nonce is already used, or
     * that the sender cannot pay, is refused for that: the signature is
     * never looked at (the node bans for bad signatures, not for these). */
    cb_account used = {10 * CB_COIN, 5};
    assert_int_equal(cb_accounts_set(s, id[3], &used), CB_OK);
    cb_tx t = pay(3, 1, CB_COIN, 1000, 2);
    t.sig[7] ^= 0x55;
    assert_int_equal(cb_mempool_add(m, s, &t, NULL), CB_ERR_TX_NONCE);
    t = pay(2, 1, 50 * CB_COIN, 1000, 0);
    t.sig[7] ^= 0x55;
    assert_int_equal(cb_mempool_add(m, s, &t, NULL), CB_ERR_TX_BALANCE);
    /* With everything else right, the signature decides. */
    t = pay(0, 1, CB_COIN, 1000, 0);
    t.sig[7] ^= 0x55;
    cb_err err = cb_mempool_add(m, s, &t, NULL);
    assert_true(err == CB_ERR_TX_SIG || err == CB_ERR_TX_PUBKEY);
    assert_int_equal(cb_mempool_count(m), 0);
    cb_mempool_free(m);
    cb_accounts_free(s);
}

static void test_sender_chain_is_capped(void **state)
{
    (void)state;
    cb_accounts *s = funded();
    cb_mempool *m = cb_mempool_new(P, 1000, 1000 * CB_TX_SIZE, 5);
    uint8_t ids[CB_MEMPOOL_MAX_CHAIN + 1][32];
    for (uint64_t i = 0; i < CB_MEMPOOL_MAX_CHAIN; i++) {
        cb_tx t = pay(0, 1, 1000, 1000, i);
        assert_int_equal(cb_mempool_add(m, s, &t, ids[i]), CB_OK);
    }
    cb_tx t = pay(0, 1, 1000, 1000, CB_MEMPOOL_MAX_CHAIN);
    assert_int_equal(cb_mempool_add(m, s, &t, NULL), CB_ERR_MEMPOOL_CHAIN);
    /* A replacement inside the chain is still fine, and others are not
     * held back by alice's chain. */
    t = pay(0, 2, 1000, 2000, 3);
    assert_int_equal(cb_mempool_add(m, s, &t, ids[3]), CB_OK);
    t = pay(1, 0, 1000, 1000, 0);
    assert_int_equal(cb_mempool_add(m, s, &t, ids[CB_MEMPOOL_MAX_CHAIN]), CB_OK);
    /* Every txid is found where it is, after the replacement too. */
    for (size_t i = 0; i <= CB_MEMPOOL_MAX_CHAIN; i++) {
        cb_tx got;
        uint8_t again[32];
        assert_true(cb_mempool_get(m, ids[i], &got));
        cb_tx_txid(again, &got);
        assert_memory_equal(again, ids[i], 32);
    }
    cb_mempool_free(m);
    cb_accounts_free(s);
}

static void test_lookup_follows_moved_queues(void **state)
{
    (void)state;
    /* Queues move when another empties (the last takes its place) and
     * when a block pulls and re-admits them: lookups must follow. */
    cb_accounts *s = funded();
    cb_mempool *m = cb_mempool_new(P, 100, 100 * CB_TX_SIZE, 6);
    uint8_t a0[32], b0[32], b1[32], c0[32];
    cb_tx ta = pay(0, 3, CB_COIN, 1000, 0), tb0 = pay(1, 3, CB_COIN, 1000, 0);
    cb_tx tb1 = pay(1, 3, CB_COIN, 1000, 1), tc = pay(2, 3, 1000, 1000, 0);
    assert_int_equal(cb_mempool_add(m, s, &ta, a0), CB_OK);
    assert_int_equal(cb_mempool_add(m, s, &tb0, b0), CB_OK);
    assert_int_equal(cb_mempool_add(m, s, &tb1, b1), CB_OK);
    assert_int_equal(cb_mempool_add(m, s, &tc, c0), CB_OK);
    /* alice's payment confirms: her queue empties, carol's (the last)
     * moves into its slot. */
    cb_block b;
    cbt_make_block(P, &b, a0, 1, 1795392060, id[3], &ta, 1, 0);
    cb_account after = {9 * CB_COIN - 1000, 1};
    assert_int_equal(cb_accounts_set(s, id[0], &after), CB_OK);
    assert_int_equal(cb_mempool_block_connected(m, s, &b), CB_OK);
    assert_false(cb_mempool_get(m, a0, NULL));
    cb_tx got;
    assert_true(cb_mempool_get(m, b0, &got) && got.nonce == 0);
    assert_true(cb_mempool_get(m, b1, &got) && got.nonce == 1);
    assert_true(cb_mempool_get(m, c0, &got) && memcmp(&got, &tc, sizeof tc) == 0);
    cb_block_clear(&b);
    cb_mempool_free(m);
    cb_accounts_free(s);
}

/* A full pool evicts the lowest-fee tail of another sender, exactly as a
 * scan of every queue would: random appends and replacements from 40
 * senders into a pool of 30, checked step by step against a model
 * (fees are distinct, so the victim is one). */
static void test_eviction_matches_a_scan(void **state)
{
    (void)state;
    enum { SENDERS = 40, MAX = 30, STEPS = 400 };
    static uint8_t keys[SENDERS][32], ids[SENDERS][20];
    static uint64_t fees[SENDERS][CB_MEMPOOL_MAX_CHAIN];
    static uint8_t txids[SENDERS][CB_MEMPOOL_MAX_CHAIN][32];
    static uint64_t used[STEPS];
    size_t len[SENDERS] = {0}, nused = 0, count = 0;
    cb_accounts *st = cb_accounts_new(SENDERS);
    for (int k = 0; k < SENDERS; k++) {
        uint8_t pub[33];
        cbt_key(keys[k], 1000u + (uint32_t)k);
        assert_int_equal(cb_key_public(ctx, pub, keys[k]), CB_OK);
        cb_hash160(ids[k], pub, 33);
        cb_account a = {10 * CB_COIN, 0};
        assert_int_equal(cb_accounts_set(st, ids[k], &a), CB_OK);
    }
    cb_mempool *m = cb_mempool_new(P, MAX, MAX * CB_TX_SIZE, 9);
    for (int step = 0; step < STEPS; step++) {
        int k = (int)cbt_random_below(SENDERS);
        if (len[k] >= 20)
            continue;
        bool replace = len[k] > 0 && cbt_random_below(4) == 0;
        uint64_t fee;
        bool fresh;
        do {
            fee = 2000 + cbt_random_below(1000000);
            if (replace)
                fee += fees[k][len[k] - 1] * 11 / 10;
            fresh = true;
            for (size_t u = 0; u < nused; u++)
                fresh &= used[u] != fee;
        } while (!fresh);
        used[nused++] = fee;
        size_t nonce = replace ? len[k] - 1 : len[k];
        cb_tx tx;
        cbt_make_tx(P, ctx, &tx, keys[k], id[0], 1000, fee, nonce);
        /* What a scan says. */
        cb_err want = CB_OK;
        int victim = -1;
        if (!replace && count == MAX) {
            uint64_t low = UINT64_MAX;
            for (int o = 0; o < SENDERS; o++)
                if (o != k && len[o] && fees[o][len[o] - 1] < low) {
                    low = fees[o][len[o] - 1];
                    victim = o;
                }
            if (victim < 0 || low >= fee)
                want = CB_ERR_MEMPOOL_FULL;
        }
        uint8_t txid[32];
        cb_err got = cb_mempool_add(m, st, &tx, txid);
        if (got != want)
            fail_msg("step %d: %s, a scan says %s", step, cb_err_reason(got), cb_err_reason(want));
        if (got != CB_OK)
            continue;
        if (victim >= 0) {
            len[victim]--;
            count--;
        }
        fees[k][nonce] = fee;
        memcpy(txids[k][nonce], txid, 32);
        if (!replace) {
            len[k]++;
            count++;
        }
        assert_int_equal(cb_mempool_count(m), count);
        for (int o = 0; o < SENDERS; o++)
            for (size_t j = 0; j < len[o]; j++)
                if (!cb_mempool_get(m, txids[o][j], NULL))
                    fail_msg("step %d: sender %d's payment %zu is gone", step, o, j);
    }
    cb_mempool_free(m);
    cb_accounts_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admission_rules),
        cmocka_unit_test(test_replacement),
        cmocka_unit_test(test_bound_and_eviction),
        cmocka_unit_test(test_select_order_connects),
        cmocka_unit_test(test_conflicts_leave),
        cmocka_unit_test(test_cheap_checks_before_the_signature),
        cmocka_unit_test(test_sender_chain_is_capped),
        cmocka_unit_test(test_lookup_follows_moved_queues),
        cmocka_unit_test(test_eviction_matches_a_scan),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
