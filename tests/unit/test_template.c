/* Templates, mined with the real search and accepted by the chain: a small
 * chain grown the way the node's miner will grow it, with payments flowing
 * from the mempool into blocks. */
#include "support.h"

#include <string.h>

#include "core/amount.h"
#include "core/bytes.h"
#include "crypto/hash.h"
#include "node/pow_search.h"
#include "node/template.h"

static void test_mine_with_payments(void **state)
{
    (void)state;
    const cb_params *p = cb_params_regtest();
    cb_keyctx *ctx = cb_keyctx_new();
    cb_chain *c = cb_chain_new(p, 11);
    cb_mempool *m = cb_mempool_new(p, 1000, 1000 * CB_TX_SIZE, 12);
    uint8_t miner_key[32], miner[20], pub[33], bob[20] = {0xb0};
    cbt_key(miner_key, 900);
    assert_int_equal(cb_key_public(ctx, pub, miner_key), CB_OK);
    cb_hash160(miner, pub, 33);
    int64_t now = 1795392000 + 600;
    uint64_t nonce = 0;
    for (int h = 1; h <= 12; h++) {
        /* From block 3 on, the miner pays bob twice per block. */
        if (h >= 3)
            for (int k = 0; k < 2; k++) {
                cb_tx tx;
                cbt_make_tx(p, ctx, &tx, miner_key, bob, CB_COIN, 2000 + (uint64_t)k, nonce++);
                assert_int_equal(cb_mempool_add(m, cb_chain_state(c), &tx, NULL), CB_OK);
            }
        cb_block b;
        assert_int_equal(cb_template_build(c, m, miner, now, 0, 100, &b), CB_OK);
        assert_int_equal(b.header.bits, p->pow_limit_bits);
        assert_int_equal(b.ntx, h >= 3 ? 3u : 1u);
        /* A new extra nonce is a new merkle root. */
        uint8_t before[32];
        memcpy(before, b.header.merkle, 32);
        assert_int_equal(cb_template_set_extra_nonce(&b, 7), CB_OK);
        assert_memory_not_equal(before, b.header.merkle, 32);
        assert_int_equal(cb_get_u64le(b.txs[0].sig), 7);
        assert_int_equal(cb_pow_search(p, &b.header, NULL, NULL), CB_OK);
        size_t bad;
        assert_int_equal(cb_chain_accept_block(c, &b, now, &bad), CB_OK);
        assert_int_equal(cb_mempool_block_connected(m, cb_chain_state(c), &b), CB_OK);
        assert_int_equal(cb_mempool_count(m), 0);
        cb_block_clear(&b);
        now += 60;
    }
    assert_int_equal(cb_chain_tip(c)->height, 12);
    cb_account a;
    cb_accounts_get(cb_chain_state(c), bob, &a);
    assert_int_equal(a.balance, 20 * CB_COIN);
    cb_accounts_get(cb_chain_state(c), miner, &a);
    /* 12 subsidies, less 20 CB paid; fees went back to the miner. */
    assert_int_equal(a.balance, 12 * 20 * CB_COIN - 20 * CB_COIN);
    assert_int_equal(a.nonce, 20);
    /* A clock behind the chain: the template still moves time forward. */
    cb_block b;
    assert_int_equal(cb_template_build(c, m, miner, 0, 0, 100, &b), CB_OK);
    assert_true((int64_t)b.header.time > cb_chain_tip(c)->median_time);
    cb_block_clear(&b);
    cb_mempool_free(m);
    cb_chain_free(c);
    cb_keyctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mine_with_payments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
