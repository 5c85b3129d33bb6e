/* The sentences behind refusals: each gives the numbers of the rule it
 * broke, worked out here from the block itself (a regtest chain of two
 * blocks, then headers and blocks that break one rule each). */
#include "support.h"

#include <stdio.h>
#include <string.h>

#include "core/amount.h"
#include "core/chain.h"
#include "core/hex.h"
#include "core/pow.h"
#include "core/refusal.h"

#define T0 1795392000u
#define NOW ((int64_t)T0 + 100000)

static const cb_params *P;
static cb_chain *C;
static uint8_t tip[32];
static const uint8_t MINER[20] = {7};

static int setup(void **state)
{
    (void)state;
    P = cb_params_regtest();
    C = cb_chain_new(P, 5);
    const cb_chain_entry *g = cb_chain_tip(C);
    memcpy(tip, g->hash, 32);
    for (uint32_t h = 1; h <= 2; h++) {
        cb_block b;
        cbt_make_block(P, &b, tip, h, T0 + 60 * h, MINER, NULL, 0, h);
        assert_int_equal(cb_chain_accept_block(C, &b, NOW, NULL), CB_OK);
        cb_header_hash(tip, &b.header);
        cb_block_clear(&b);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cb_chain_free(C);
    return 0;
}

static void test_high_hash_gives_hash_and_target(void **state)
{
    (void)state;
    cb_header h;
    cbt_header_on(P, &h, tip, T0 + 200, 1);
    uint8_t hash[32];
    do { /* a nonce that misses the target */
        h.nonce++;
        cb_header_hash(hash, &h);
    } while (cb_pow_check(P, hash, h.bits) == CB_OK);
    assert_int_equal(cb_chain_accept_header(C, &h, NOW, NULL), CB_ERR_HIGH_HASH);
    char why[224], hex[65], want[300];
    cb_hash_to_hex(hex, hash);
    snprintf(want, sizeof want,
             "its hash %s is above the target "
             "7fffff0000000000000000000000000000000000000000000000000000000000 (bits 207fffff)",
             hex);
    assert_string_equal(cb_refusal_header(why, sizeof why, CB_ERR_HIGH_HASH, C, &h, NOW), want);
}

static void test_time_and_bits_give_their_numbers(void **state)
{
    (void)state;
    cb_header h;
    char why[224];
    const cb_chain_entry *t = cb_chain_tip(C);
    cbt_header_on(P, &h, tip, (uint32_t)t->median_time, 2);
    assert_int_equal(cb_chain_accept_header(C, &h, NOW, NULL), CB_ERR_TIME_OLD);
    char want[200];
    snprintf(want, sizeof want,
             "its time %u is not after %lld, the median time of the 11 blocks before it",
             (unsigned)t->median_time, (long long)t->median_time);
    assert_string_equal(cb_refusal_header(why, sizeof why, CB_ERR_TIME_OLD, C, &h, NOW), want);
    cbt_header_on(P, &h, tip, (uint32_t)NOW + 7201, 3);
    assert_int_equal(cb_chain_accept_header(C, &h, NOW, NULL), CB_ERR_TIME_NEW);
    cb_refusal_header(why, sizeof why, CB_ERR_TIME_NEW, C, &h, NOW);
    assert_non_null(strstr(why, "is 7201 s ahead of this node's clock"));
    h.bits = 0x1d00ffff;
    cb_refusal_header(why, sizeof why, CB_ERR_BAD_BITS, C, &h, NOW);
    assert_string_equal(why, "its bits are 1d00ffff, but a block at height 3 must carry 207fffff");
}

static void test_coinbase_overpay_gives_reward_and_fees(void **state)
{
    (void)state;
    cb_block b;
    cbt_make_block(P, &b, tip, 3, T0 + 300, MINER, NULL, 0, 9);
    b.txs[0].amount = 1000 * CB_COIN;
    assert_int_equal(cb_block_update_merkle(&b), CB_OK);
    cbt_mine(P, &b.header);
    size_t bad = CB_NO_TX;
    cb_err err = cb_chain_accept_block(C, &b, NOW, &bad);
    assert_int_equal(err, CB_ERR_CB_AMOUNT);
    char why[224];
    assert_string_equal(cb_refusal_block(why, sizeof why, err, C, &b, bad, NOW),
                        "the coinbase pays 1000.00000000 CB, but the reward at height 3 is "
                        "20.00000000 CB and its payments' fees 0.00000000 CB");
    cb_block_clear(&b);
}

static void test_merkle_and_coinbase_fields(void **state)
{
    (void)state;
    cb_block b;
    char why[224];
    cbt_make_block(P, &b, tip, 3, T0 + 300, MINER, NULL, 0, 10);
    uint8_t real[32];
    memcpy(real, b.header.merkle, 32);
    b.header.merkle[0] ^= 1;
    cb_refusal_block(why, sizeof why, CB_ERR_MERKLE, C, &b, CB_NO_TX, NOW);
    char a[65], r[65], want[300];
    cb_hash_to_hex(a, b.header.merkle);
    cb_hash_to_hex(r, real);
    snprintf(want, sizeof want, "the header's merkle root is %s, but its 1 payments hash to %s", a,
             r);
    assert_string_equal(why, want);
    b.txs[0].nonce = 9;
    cb_refusal_block(why, sizeof why, CB_ERR_CB_HEIGHT, C, &b, 0, NOW);
    assert_string_equal(why, "the coinbase's nonce is 9, but the block's height is 3");
    /* A rule with no numbers to add: its sentence and where it sits. */
    cb_refusal_block(why, sizeof why, CB_ERR_DUP_TX, C, &b, CB_NO_TX, NOW);
    assert_string_equal(why, "two transactions have the same txid (a block at height 3)");
    /* Too small a buffer is cut, never overrun. */
    char tiny[8];
    cb_refusal_block(tiny, sizeof tiny, CB_ERR_CB_HEIGHT, C, &b, 0, NOW);
    assert_int_equal(strlen(tiny), 7);
    cb_block_clear(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_high_hash_gives_hash_and_target),
        cmocka_unit_test(test_time_and_bits_give_their_numbers),
        cmocka_unit_test(test_coinbase_overpay_gives_reward_and_fees),
        cmocka_unit_test(test_merkle_and_coinbase_fields),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
