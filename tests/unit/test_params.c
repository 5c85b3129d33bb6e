/* Network tables: genesis blocks recomputed from their parts, subsidy and
 * halving, lookups. */
#include "support.h"

#include <string.h>

#include "core/amount.h"
#include "core/hex.h"
#include "core/pow.h"
#include "core/validation.h"

static void check_genesis(const cb_params *p)
{
    cb_block b;
    uint8_t hash[32], want[32];
    size_t bad;
    assert_int_equal(cb_params_genesis_block(p, &b), CB_OK);
    cb_header_hash(hash, &b.header);
    cb_params_genesis_hash(p, want);
    assert_memory_equal(hash, want, 32);
    /* It is a valid block by every context-free rule, proof of work included. */
    assert_int_equal(cb_block_check(p, &b, &bad), CB_OK);
    assert_int_equal(b.header.time, 1795392000);
    assert_int_equal(b.header.bits, p->pow_limit_bits);
    assert_int_equal(b.ntx, 1);
    assert_true(cb_tx_is_coinbase(&b.txs[0]));
    assert_int_equal(b.txs[0].amount, 0);
    uint8_t zero[20] = {0};
    assert_memory_equal(b.txs[0].recipient, zero, 20);
    assert_string_equal((const char *)b.txs[0].sig, "CoinBit genesis 2026-11-23");
    /* The nonce is the first that works: nonce - 1 does not (unless 0). */
    if (b.header.nonce > 0) {
        b.header.nonce--;
        cb_header_hash(hash, &b.header);
        assert_int_equal(cb_pow_check(p, hash, b.header.bits), CB_ERR_HIGH_HASH);
    }
    cb_block_clear(&b);
}

static void test_genesis(void **state)
{
    (void)state;
    check_genesis(cb_params_main());
    check_genesis(cb_params_regtest());
    cb_block b;
    assert_int_equal(cb_params_genesis_block(cb_params_bitcoin(), &b), CB_ERR_NOT_FOUND);
    /* Different networks, different genesis. */
    uint8_t a[32], r[32];
    cb_params_genesis_hash(cb_params_main(), a);
    cb_params_genesis_hash(cb_params_regtest(), r);
    assert_memory_not_equal(a, r, 32);
}

static void test_subsidy(void **state)
{
    (void)state;
    const cb_params *m = cb_params_main(), *r = cb_params_regtest();
    assert_int_equal(cb_params_subsidy(m, 0), 20 * CB_COIN);
    assert_int_equal(cb_params_subsidy(m, 209999), 20 * CB_COIN);
    assert_int_equal(cb_params_subsidy(m, 210000), 10 * CB_COIN);
    assert_int_equal(cb_params_subsidy(r, 149), 20 * CB_COIN);
    assert_int_equal(cb_params_subsidy(r, 150), 10 * CB_COIN);
    assert_int_equal(cb_params_subsidy(r, 300), 5 * CB_COIN);
    assert_int_equal(cb_params_subsidy(r, 150 * 64), 0);
    assert_int_equal(cb_params_subsidy(cb_params_bitcoin(), 1), 0);
    /* All subsidies of main add up to no more than MAX_MONEY. */
    uint64_t total = 0;
    for (uint32_t h = 0; h < 64u * 210000u; h += 210000)
        total += (uint64_t)cb_params_subsidy(m, h) * 210000;
    assert_true(total <= CB_MAX_MONEY);
    assert_true(total > CB_MAX_MONEY - CB_COIN);
}

static void test_lookup(void **state)
{
    (void)state;
    assert_ptr_equal(cb_params_by_name("main"), cb_params_main());
    assert_ptr_equal(cb_params_by_name("regtest"), cb_params_regtest());
    assert_ptr_equal(cb_params_by_name("bitcoin"), cb_params_bitcoin());
    assert_null(cb_params_by_name("testnet"));
    assert_null(cb_params_by_name(NULL));
    assert_int_equal(cb_params_main()->p2p_port, 8833);
    assert_int_equal(cb_params_regtest()->rpc_port, 18832);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genesis),
        cmocka_unit_test(test_subsidy),
        cmocka_unit_test(test_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
