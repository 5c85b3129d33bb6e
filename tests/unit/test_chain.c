/* The chain state: competing branches of regtest blocks with payments,
 * switching to the heavier branch and back, each time compared account by
 * account with a replay from genesis; invalid branches, ties, blocks out
 * of order, and the listener's view of connects and disconnects. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#include "core/amount.h"
#include "core/chain.h"
#include "crypto/hash.h"

#define T0 1795392000u
#define NOW ((int64_t)T0 + 1000000)
#define MAXB 64

static cb_keyctx *ctx;
static const cb_params *P;
static uint8_t key[3][32], id[3][20]; /* alice, bob, carol */

/* What the listener heard. */
typedef struct {
    int connected, disconnected;
    cb_tx returned[64]; /* transactions of disconnected blocks */
    size_t nreturned;
    int fail_next_connect;
} events;

static cb_err on_connected(void *arg, const cb_chain_entry *e, const cb_block *b,
                           const cb_undo *undo)
{
    events *ev = arg;
    (void)e;
    (void)b;
    (void)undo;
    if (ev->fail_next_connect) {
        ev->fail_next_connect = 0;
        return CB_ERR_NOMEM;
    }
    ev->connected++;
    return CB_OK;
}

static cb_err on_disconnected(void *arg, const cb_chain_entry *e, const cb_block *b)
{
    events *ev = arg;
    (void)e;
    ev->disconnected++;
    for (size_t i = 1; i < b->ntx && ev->nreturned < 64; i++)
        ev->returned[ev->nreturned++] = b->txs[i];
    return CB_OK;
}

static int setup(void **state)
{
    (void)state;
    uint8_t pub[33];
    ctx = cb_keyctx_new();
    P = cb_params_regtest();
    for (int i = 0; i < 3; i++) {
        cbt_key(key[i], (uint32_t)i + 10);
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

/* Makes a block on parent `prev` (NULL: genesis), mined to miner, with
 * the given payments; tag makes sibling blocks differ. */
static void block_on(cb_block *b, const cb_block *prev, uint32_t height, int miner,
                     const cb_tx *txs, size_t n, uint32_t tag)
{
    uint8_t ph[32];
    if (prev)
        cb_header_hash(ph, &prev->header);
    else
        cb_params_genesis_hash(P, ph);
    cbt_make_block(P, b, ph, height, T0 + 60 * height + tag, id[miner], txs, n, tag);
}

static void accept_ok(cb_chain *c, const cb_block *b)
{
    size_t bad;
    cb_err err = cb_chain_accept_block(c, b, NOW, &bad);
    if (err != CB_OK)
        fail_msg("block refused: %s (tx %zu)", cb_err_reason(err), bad);
}

/* Replays the active chain of c into a fresh chain and compares states. */
static void assert_matches_replay(const cb_chain *c)
{
    cb_chain *r = cb_chain_new(P, 99);
    const cb_chain_entry *tip = cb_chain_tip(c);
    for (uint32_t h = 1; h <= tip->height; h++)
        accept_ok(r, cb_chain_at(c, h)->block);
    assert_memory_equal(cb_chain_tip(r)->hash, tip->hash, 32);
    assert_true(cb_accounts_equal(cb_chain_state(c), cb_chain_state(r)));
    /* No coin made or lost: the balances add up to the coinbases less the
     * fees they collected (which came out of senders' balances). */
    uint64_t minted = 0;
    for (uint32_t h = 0; h <= tip->height; h++) {
        const cb_block *b = cb_chain_at(c, h)->block;
        minted += b->txs[0].amount;
        for (size_t i = 1; i < b->ntx; i++)
            minted -= b->txs[i].fee;
    }
    assert_int_equal(cb_accounts_total(cb_chain_state(c)), minted);
    cb_chain_free(r);
}

static uint64_t balance(const cb_chain *c, int who)
{
    cb_account a;
    cb_accounts_get(cb_chain_state(c), id[who], &a);
    return a.balance;
}

static void test_reorg_both_ways(void **state)
{
    (void)state;
    cb_chain *c = cb_chain_new(P, 1);
    events ev = {0};
    cb_chain_listener l = {&ev, on_connected, on_disconnected, NULL};
    cb_chain_set_listener(c, &l);
    static cb_block a[MAXB], b[MAXB];
    cb_tx tx[2];

    /* Common part: blocks 1 and 2 pay alice. */
    block_on(&a[1], NULL, 1, 0, NULL, 0, 0);
    block_on(&a[2], &a[1], 2, 0, NULL, 0, 0);
    accept_ok(c, &a[1]);
    accept_ok(c, &a[2]);
    assert_int_equal(balance(c, 0), 40 * CB_COIN);

    /* Branch A: 3..5, alice pays bob 7 CB at 3 and 1 CB at 4. */
    cbt_make_tx(P, ctx, &tx[0], key[0], id[1], 7 * CB_COIN, 2000, 0);
    block_on(&a[3], &a[2], 3, 1, tx, 1, 0);
    cbt_make_tx(P, ctx, &tx[0], key[0], id[1], 1 * CB_COIN, 2000, 1);
    block_on(&a[4], &a[3], 4, 1, tx, 1, 0);
    block_on(&a[5], &a[4], 5, 1, NULL, 0, 0);
    for (int h = 3; h <= 5; h++)
        accept_ok(c, &a[h]);
    assert_int_equal(cb_chain_tip(c)->height, 5);
    assert_int_equal(balance(c, 1), 8 * CB_COIN + 3 * 20 * CB_COIN + 4000);
    assert_matches_replay(c);

    /* Branch B from 2: alice pays carol instead, one block more. */
    cbt_make_tx(P, ctx, &tx[0], key[0], id[2], 30 * CB_COIN, 5000, 0);
    cbt_make_tx(P, ctx, &tx[1], key[0], id[2], 2 * CB_COIN, 5000, 1);
    block_on(&b[3], &a[2], 3, 2, tx, 2, 1);
    for (uint32_t h = 4; h <= 6; h++)
        block_on(&b[h], &b[h - 1], h, 2, NULL, 0, 1);
    /* Up to equal work the first seen (A) stays. */
    accept_ok(c, &b[3]);
    accept_ok(c, &b[4]);
    accept_ok(c, &b[5]);
    assert_memory_equal(cb_chain_tip(c)->hash, cb_chain_at(c, 5)->hash, 32);
    uint8_t a5[32];
    cb_header_hash(a5, &a[5].header);
    assert_memory_equal(cb_chain_tip(c)->hash, a5, 32);
    assert_int_equal(ev.disconnected, 0);
    /* One more block: B is heavier and becomes the chain. */
    accept_ok(c, &b[6]);
    assert_int_equal(cb_chain_tip(c)->height, 6);
    assert_int_equal(ev.disconnected, 3);
    assert_int_equal(ev.nreturned, 2); /* alice's two payments to bob */
    assert_memory_equal(ev.returned[0].recipient, id[1], 20);
    assert_int_equal(balance(c, 1), 0); /* bob had only branch A's coins */
    assert_int_equal(balance(c, 2), 32 * CB_COIN + 4 * 20 * CB_COIN + 10000);
    assert_matches_replay(c);

    /* A grows to 6: a tie, and B (first seen at 6) stays. */
    ev.nreturned = 0;
    block_on(&a[6], &a[5], 6, 1, NULL, 0, 0);
    accept_ok(c, &a[6]);
    uint8_t b6[32];
    cb_header_hash(b6, &b[6].header);
    assert_memory_equal(cb_chain_tip(c)->hash, b6, 32);
    /* A grows to 7: back to A, B's payments return. */
    block_on(&a[7], &a[6], 7, 1, NULL, 0, 0);
    accept_ok(c, &a[7]);
    assert_int_equal(cb_chain_tip(c)->height, 7);
    assert_int_equal(ev.nreturned, 2);
    assert_memory_equal(ev.returned[0].recipient, id[2], 20);
    assert_int_equal(balance(c, 2), 0);
    assert_int_equal(balance(c, 1), 8 * CB_COIN + 5 * 20 * CB_COIN + 4000);
    assert_matches_replay(c);

    for (int h = 1; h <= 7; h++)
        cb_block_clear(&a[h]);
    for (int h = 3; h <= 6; h++)
        cb_block_clear(&b[h]);
    cb_chain_free(c);
}

static void test_invalid_branch_falls_back(void **state)
{
    (void)state;
    cb_chain *c = cb_chain_new(P, 2);
    static cb_block a[MAXB], b[MAXB];
    cb_tx tx;
    block_on(&a[1], NULL, 1, 0, NULL, 0, 0);
    accept_ok(c, &a[1]);
    block_on(&a[2], &a[1], 2, 0, NULL, 0, 0);
    accept_ok(c, &a[2]);
    /* Branch B from 1: block 2' spends more than alice has (she has 20). */
    block_on(&b[2], &a[1], 2, 1, NULL, 0, 1);
    cbt_make_tx(P, ctx, &tx, key[0], id[1], 25 * CB_COIN, 1000, 0);
    block_on(&b[3], &b[2], 3, 1, &tx, 1, 1);
    block_on(&b[4], &b[3], 4, 1, NULL, 0, 1);
    accept_ok(c, &b[2]); /* equal work: A stays */
    size_t bad;
    /* b3 makes B heavier; connecting it fails; A comes back. */
    assert_int_equal(cb_chain_accept_block(c, &b[3], NOW, &bad), CB_ERR_TX_BALANCE);
    assert_int_equal(bad, 1);
    uint8_t a2[32];
    cb_header_hash(a2, &a[2].header);
    assert_memory_equal(cb_chain_tip(c)->hash, a2, 32);
    /* Its child is refused outright, and so is the block itself again. */
    assert_int_equal(cb_chain_accept_block(c, &b[4], NOW, &bad), CB_ERR_PREV_INVALID);
    assert_int_equal(cb_chain_accept_block(c, &b[3], NOW, &bad), CB_ERR_BLK_INVALID);
    assert_matches_replay(c);
    /* The best header is not the invalid one. */
    assert_false(cb_chain_best_header(c)->status & CB_ENTRY_FAILED);
    for (int h = 1; h <= 2; h++)
        cb_block_clear(&a[h]);
    for (int h = 2; h <= 4; h++)
        cb_block_clear(&b[h]);
    cb_chain_free(c);
}

static void test_invalid_deep_in_heavier_branch(void **state)
{
    (void)state;
    /* Headers and blocks of a heavier branch arrive; its first block is
     * fine, its second double-spends; the node must end on the valid
     * chain with exact balances. */
    cb_chain *c = cb_chain_new(P, 3);
    static cb_block a[MAXB], b[MAXB];
    cb_tx tx[2];
    block_on(&a[1], NULL, 1, 0, NULL, 0, 0);
    accept_ok(c, &a[1]);
    block_on(&a[2], &a[1], 2, 0, NULL, 0, 0);
    accept_ok(c, &a[2]);
    cbt_make_tx(P, ctx, &tx[0], key[0], id[1], 5 * CB_COIN, 1000, 0);
    block_on(&b[2], &a[1], 2, 2, tx, 1, 2);
    /* Same nonce again: a double spend of nonce 0. */
    cbt_make_tx(P, ctx, &tx[1], key[0], id[2], 5 * CB_COIN, 1000, 0);
    block_on(&b[3], &b[2], 3, 2, &tx[1], 1, 2);
    block_on(&b[4], &b[3], 4, 2, NULL, 0, 2);
    /* Headers first, then the blocks last to first. */
    for (int h = 2; h <= 4; h++)
        assert_int_equal(cb_chain_accept_header(c, &b[h].header, NOW, NULL), CB_OK);
    assert_int_equal(cb_chain_best_header(c)->height, 4);
    accept_ok(c, &b[4]); /* waits for its parents */
    assert_int_equal(cb_chain_tip(c)->height, 2);
    accept_ok(c, &b[3]);
    size_t bad;
    /* b2 completes the branch: b2 connects, b3 fails, b4 falls with it;
     * b2 alone has the same work as a2 but came later, so a2 returns. */
    assert_int_equal(cb_chain_accept_block(c, &b[2], NOW, &bad), CB_OK);
    uint8_t a2[32];
    cb_header_hash(a2, &a[2].header);
    assert_memory_equal(cb_chain_tip(c)->hash, a2, 32);
    uint8_t h3[32];
    cb_header_hash(h3, &b[3].header);
    const cb_chain_entry *f = cb_chain_lookup(c, h3);
    assert_true(f->status & CB_ENTRY_FAILED);
    assert_int_equal(f->fail_err, CB_ERR_TX_NONCE);
    assert_matches_replay(c);
    for (int h = 1; h <= 2; h++)
        cb_block_clear(&a[h]);
    for (int h = 2; h <= 4; h++)
        cb_block_clear(&b[h]);
    cb_chain_free(c);
}

static void test_header_rules_in_chain(void **state)
{
    (void)state;
    cb_chain *c = cb_chain_new(P, 4);
    static cb_block a[16];
    block_on(&a[1], NULL, 1, 0, NULL, 0, 0);
    accept_ok(c, &a[1]);
    /* Unknown parent. */
    cb_block orphan;
    uint8_t junk[32];
    memset(junk, 0x42, 32);
    cbt_make_block(P, &orphan, junk, 2, T0 + 120, id[0], NULL, 0, 0);
    assert_int_equal(cb_chain_accept_block(c, &orphan, NOW, NULL), CB_ERR_PREV_MISSING);
    cb_block_clear(&orphan);
    /* Time at the median time past of the parent: too old. */
    cb_block w;
    uint8_t ph[32];
    cb_header_hash(ph, &a[1].header);
    const cb_chain_entry *tip = cb_chain_tip(c);
    cbt_make_block(P, &w, ph, 2, (uint32_t)tip->median_time, id[0], NULL, 0, 0);
    assert_int_equal(cb_chain_accept_block(c, &w, NOW, NULL), CB_ERR_TIME_OLD);
    cb_block_clear(&w);
    /* Too far ahead of the clock. */
    cbt_make_block(P, &w, ph, 2, (uint32_t)(NOW + 7201), id[0], NULL, 0, 0);
    assert_int_equal(cb_chain_accept_block(c, &w, NOW, NULL), CB_ERR_TIME_NEW);
    /* ... but fine once the clock has moved on. */
    assert_int_equal(cb_chain_accept_block(c, &w, NOW + 1, NULL), CB_OK);
    assert_int_equal(cb_chain_accept_block(c, &w, NOW + 1, NULL), CB_ERR_DUPLICATE);
    cb_block_clear(&w);
    /* Wrong bits. */
    cbt_make_block(P, &w, ph, 2, T0 + 500, id[0], NULL, 0, 0);
    w.header.bits = 0x207ffffe;
    cbt_mine(P, &w.header);
    assert_int_equal(cb_chain_accept_block(c, &w, NOW, NULL), CB_ERR_BAD_BITS);
    cb_block_clear(&w);
    /* Coinbase with a wrong height, on the tip (so it is connected: a
     * block that only ties the tip is stored unjudged, as in Core). */
    cbt_make_block(P, &w, cb_chain_tip(c)->hash, 7, (uint32_t)NOW, id[0], NULL, 0, 0);
    assert_int_equal(cb_chain_accept_block(c, &w, NOW, NULL), CB_ERR_CB_HEIGHT);
    assert_int_equal(cb_chain_tip(c)->height, 2);
    cb_block_clear(&w);
    cb_block_clear(&a[1]);
    cb_chain_free(c);
}

static void test_listener_failure_rolls_back(void **state)
{
    (void)state;
    cb_chain *c = cb_chain_new(P, 5);
    events ev = {0};
    cb_chain_listener l = {&ev, on_connected, on_disconnected, NULL};
    cb_chain_set_listener(c, &l);
    cb_block b1, b2;
    block_on(&b1, NULL, 1, 0, NULL, 0, 0);
    accept_ok(c, &b1);
    block_on(&b2, &b1, 2, 0, NULL, 0, 0);
    ev.fail_next_connect = 1;
    /* The store could not persist: the chain stays where it was. */
    assert_int_equal(cb_chain_accept_block(c, &b2, NOW, NULL), CB_ERR_NOMEM);
    assert_int_equal(cb_chain_tip(c)->height, 1);
    assert_int_equal(balance(c, 0), 20 * CB_COIN);
    assert_matches_replay(c);
    cb_block_clear(&b1);
    cb_block_clear(&b2);
    cb_chain_free(c);
}

static void test_long_chain_with_halving(void **state)
{
    (void)state;
    /* 320 blocks cross two regtest halvings (150, 300); alice pays bob
     * every block from her earlier coinbases. */
    cb_chain *c = cb_chain_new(P, 6);
    cb_block prev, cur;
    uint64_t nonce = 0;
    block_on(&prev, NULL, 1, 0, NULL, 0, 0);
    accept_ok(c, &prev);
    for (uint32_t h = 2; h <= 320; h++) {
        cb_tx tx;
        cbt_make_tx(P, ctx, &tx, key[0], id[1], 1000000, 1000, nonce++);
        block_on(&cur, &prev, h, 0, &tx, 1, 0);
        accept_ok(c, &cur);
        cb_block_clear(&prev);
        prev = cur;
    }
    cb_block_clear(&prev);
    assert_int_equal(cb_chain_tip(c)->height, 320);
    uint64_t subsidy = 149 * 20 * CB_COIN + 150 * 10 * CB_COIN + 21 * 5 * CB_COIN;
    assert_int_equal(balance(c, 0) + balance(c, 1), subsidy);
    assert_int_equal(balance(c, 1), 319 * 1000000ull);
    assert_matches_replay(c);
    cb_chain_free(c);
}

/* The ancestor by walking parents one at a time, to check the skips. */
static const cb_chain_entry *slow_ancestor(const cb_chain_entry *e, uint32_t height)
{
    while (e && e->height > height)
        e = e->prev;
    return e;
}

static void test_skip_pointers_find_every_ancestor(void **state)
{
    (void)state;
    enum { LEN = 3000 };
    cb_chain *c = cb_chain_new(P, 9);
    const cb_chain_entry *e = cb_chain_tip(c);
    for (uint32_t h = 1; h <= LEN; h++) {
        cb_header hd;
        cbt_header_on(P, &hd, e->hash, T0 + h, 0);
        assert_int_equal(cb_chain_accept_header(c, &hd, NOW, &e), CB_OK);
        assert_int_equal(e->height, h);
        /* Each skip reaches back, never forward, and onto this chain. */
        assert_true(e->skip && e->skip->height < h);
        assert_ptr_equal(e->skip, slow_ancestor(e, e->skip->height));
    }
    const cb_chain_entry *tip = cb_chain_best_header(c);
    uint64_t x = 12345;
    for (int i = 0; i < 2000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t from = 1 + (uint32_t)(x >> 33) % LEN;
        uint32_t to = (uint32_t)(x >> 13) % (from + 1);
        const cb_chain_entry *f = slow_ancestor(tip, from);
        assert_ptr_equal(cb_chain_ancestor(f, to), slow_ancestor(f, to));
    }
    assert_null(cb_chain_ancestor(tip, LEN + 1));
    assert_ptr_equal(cb_chain_ancestor(tip, LEN), tip);
    assert_int_equal(cb_chain_ancestor(tip, 0)->height, 0);
    cb_chain_free(c);
}

static void test_failed_subtree_is_marked_whole(void **state)
{
    (void)state;
    /* A tree of headers: a trunk of 4, a bad block on it whose subtree
     * branches three ways (with a branch of its own), and a sibling of the
     * bad block that must stay valid. */
    cb_chain *c = cb_chain_new(P, 10);
    static cb_block b[MAXB];
    block_on(&b[1], NULL, 1, 0, NULL, 0, 0);
    accept_ok(c, &b[1]);
    block_on(&b[2], &b[1], 2, 0, NULL, 0, 0);
    accept_ok(c, &b[2]);
    /* The bad block: pays its miner more than the subsidy. */
    block_on(&b[3], &b[2], 3, 0, NULL, 0, 7);
    b[3].txs[0].amount += 1;
    assert_int_equal(cb_block_update_merkle(&b[3]), CB_OK);
    cbt_mine(P, &b[3].header);
    uint8_t bad_hash[32], h2[32];
    cb_header_hash(bad_hash, &b[3].header);
    cb_header_hash(h2, &b[2].header);
    assert_int_equal(cb_chain_accept_header(c, &b[3].header, NOW, NULL), CB_OK);
    const cb_chain_entry *under[12];
    size_t nunder = 0;
    const cb_chain_entry *e;
    for (uint32_t branch = 0; branch < 3; branch++) {
        uint8_t parent[32];
        memcpy(parent, bad_hash, 32);
        for (uint32_t h = 4; h <= 6; h++) {
            cb_header hd;
            cbt_header_on(P, &hd, parent, T0 + 500000 + h, branch);
            assert_int_equal(cb_chain_accept_header(c, &hd, NOW, &e), CB_OK);
            under[nunder++] = e;
            memcpy(parent, e->hash, 32);
        }
    }
    /* A branch off the middle of the second one. */
    cb_header hd;
    cbt_header_on(P, &hd, under[3]->hash, T0 + 500200, 9);
    assert_int_equal(cb_chain_accept_header(c, &hd, NOW, &e), CB_OK);
    under[nunder++] = e;
    cbt_header_on(P, &hd, h2, T0 + 500300, 5);
    const cb_chain_entry *sibling;
    assert_int_equal(cb_chain_accept_header(c, &hd, NOW, &sibling), CB_OK);
    size_t badtx;
    assert_int_equal(cb_chain_accept_block(c, &b[3], NOW, &badtx), CB_ERR_CB_AMOUNT);
    const cb_chain_entry *bad = cb_chain_lookup(c, bad_hash);
    assert_true(bad->status & CB_ENTRY_FAILED);
    for (size_t i = 0; i < nunder; i++)
        assert_true(under[i]->status & CB_ENTRY_FAILED_CHILD);
    assert_int_equal(sibling->status & (CB_ENTRY_FAILED | CB_ENTRY_FAILED_CHILD), 0);
    assert_int_equal(cb_chain_tip(c)->height, 2);
    assert_int_equal(cb_chain_best_header(c)->status & (CB_ENTRY_FAILED | CB_ENTRY_FAILED_CHILD),
                     0);
    /* Headers on the failed subtree are refused from now on. */
    cbt_header_on(P, &hd, under[8]->hash, T0 + 500400, 1);
    assert_int_equal(cb_chain_accept_header(c, &hd, NOW, NULL), CB_ERR_PREV_INVALID);
    for (int h = 1; h <= 3; h++)
        cb_block_clear(&b[h]);
    cb_chain_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reorg_both_ways),
        cmocka_unit_test(test_invalid_branch_falls_back),
        cmocka_unit_test(test_invalid_deep_in_heavier_branch),
        cmocka_unit_test(test_header_rules_in_chain),
        cmocka_unit_test(test_listener_failure_rolls_back),
        cmocka_unit_test(test_long_chain_with_halving),
        cmocka_unit_test(test_skip_pointers_find_every_ancestor),
        cmocka_unit_test(test_failed_subtree_is_marked_whole),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
