/* Compact bits, targets, chain work and the retarget rule, checked against
 * Bitcoin Core's own cases. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#include "core/arith.h"
#include "core/hex.h"
#include "core/pow.h"

/* SetCompact/GetCompact cases from Bitcoin Core's arith_uint256_tests.cpp. */
static void test_compact_core_cases(void **state)
{
    (void)state;
    struct {
        uint32_t in;
        uint64_t value; /* expected low 64 bits (0 when not representable) */
        uint32_t back;  /* GetCompact of the value */
        bool negative, overflow;
    } cases[] = {
        {0x00000000, 0, 0, false, false},
        {0x00123456, 0, 0, false, false},
        {0x01003456, 0, 0, false, false},
        {0x02000056, 0, 0, false, false},
        {0x03000000, 0, 0, false, false},
        {0x04000000, 0, 0, false, false},
        {0x00923456, 0, 0, false, false},
        {0x01803456, 0, 0, false, false},
        {0x02800056, 0, 0, false, false},
        {0x03800000, 0, 0, false, false},
        {0x04800000, 0, 0, false, false},
        {0x01123456, 0x12, 0x01120000, false, false},
        {0x02123456, 0x1234, 0x02123400, false, false},
        {0x03123456, 0x123456, 0x03123456, false, false},
        {0x04123456, 0x12345600, 0x04123456, false, false},
        {0x05009234, 0x92340000, 0x05009234, false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cb_u256 t, want;
        bool neg, ovf;
        cb_u256_set_compact(&t, cases[i].in, &neg, &ovf);
        cb_u256_set_u64(&want, cases[i].value);
        assert_int_equal(cb_u256_cmp(&t, &want), 0);
        assert_int_equal(neg, cases[i].negative);
        assert_int_equal(ovf, cases[i].overflow);
        assert_int_equal(cb_u256_get_compact(&t), cases[i].back);
    }
    cb_u256 t, want;
    bool neg, ovf;
    /* 0x01fedcba: negative, value 0x7e. */
    cb_u256_set_compact(&t, 0x01fedcba, &neg, &ovf);
    cb_u256_set_u64(&want, 0x7e);
    assert_int_equal(cb_u256_cmp(&t, &want), 0);
    assert_true(neg);
    /* 0x04923456: negative, value 0x12345600. */
    cb_u256_set_compact(&t, 0x04923456, &neg, &ovf);
    cb_u256_set_u64(&want, 0x12345600);
    assert_int_equal(cb_u256_cmp(&t, &want), 0);
    assert_true(neg);
    /* 0x20123456: 0x123456 followed by 29 zero bytes. */
    cb_u256_set_compact(&t, 0x20123456, &neg, &ovf);
    cb_u256_set_u64(&want, 0x123456);
    cb_u256_shl(&want, &want, 29 * 8);
    assert_int_equal(cb_u256_cmp(&t, &want), 0);
    assert_false(neg);
    assert_false(ovf);
    assert_int_equal(cb_u256_get_compact(&t), 0x20123456);
    /* 0xff123456 overflows. */
    cb_u256_set_compact(&t, 0xff123456, &neg, &ovf);
    assert_true(ovf);
    assert_false(neg);
}

static void test_pow_vectors(void **state)
{
    (void)state;
    json_t *all = cbt_load_json("bitcoin-core-pow-vectors.json");
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v)
    {
        uint32_t last =
            (uint32_t)strtoul(json_string_value(json_object_get(v, "last_bits")), NULL, 16);
        uint32_t want = (uint32_t)strtoul(
            json_string_value(json_object_get(v, "expected_next_bits")), NULL, 16);
        int64_t lt = json_integer_value(json_object_get(v, "last_time"));
        int64_t ft = json_integer_value(json_object_get(v, "first_time"));
        assert_int_equal(cb_pow_calculate_next(cb_params_bitcoin(), last, lt, ft), want);
    }
    assert_int_equal(i, 4);
    json_decref(all);
}

static void test_work(void **state)
{
    (void)state;
    cb_u256 w, want;
    /* Bitcoin's genesis chain work is 0x100010001. */
    cb_pow_work(&w, 0x1d00ffff);
    cb_u256_set_u64(&want, 0x100010001ull);
    assert_int_equal(cb_u256_cmp(&w, &want), 0);
    /* Regtest's limit 0x207fffff: work 2. */
    cb_pow_work(&w, 0x207fffff);
    cb_u256_set_u64(&want, 2);
    assert_int_equal(cb_u256_cmp(&w, &want), 0);
    /* Invalid bits prove nothing. */
    cb_pow_work(&w, 0x04923456);
    assert_true(cb_u256_is_zero(&w));
    cb_pow_work(&w, 0);
    assert_true(cb_u256_is_zero(&w));
}

static void test_target_limits(void **state)
{
    (void)state;
    cb_u256 t;
    const cb_params *p = cb_params_main();
    assert_int_equal(cb_pow_target(p, &t, 0x1f00ffff), CB_OK);
    assert_int_equal(cb_pow_target(p, &t, 0x1f010000), CB_ERR_HIGH_HASH); /* above the limit */
    assert_int_equal(cb_pow_target(p, &t, 0x1e00ffff), CB_OK);
    assert_int_equal(cb_pow_target(p, &t, 0x1e80ffff), CB_ERR_HIGH_HASH); /* negative */
    assert_int_equal(cb_pow_target(p, &t, 0x00000000), CB_ERR_HIGH_HASH); /* zero */
    assert_int_equal(cb_pow_target(p, &t, 0xff00ffff), CB_ERR_HIGH_HASH); /* overflow */
    /* A hash equal to the target passes; one more fails. */
    uint8_t h[32];
    assert_int_equal(cb_pow_target(p, &t, 0x1e00ffff), CB_OK);
    cb_u256_to_le(h, &t);
    assert_int_equal(cb_pow_check(p, h, 0x1e00ffff), CB_OK);
    h[0]++;
    assert_int_equal(cb_pow_check(p, h, 0x1e00ffff), CB_ERR_HIGH_HASH);
}

static void test_retarget_rule_shapes(void **state)
{
    (void)state;
    const cb_params *m = cb_params_main();
    uint32_t start = 0x1e00ffff; /* below the limit so it can go both ways */
    int64_t span = 60 * 60;
    /* On schedule: unchanged. */
    assert_int_equal(cb_pow_calculate_next(m, start, 1000000 + span, 1000000), start);
    /* Twice as fast: target halves. 0x00ffff/2 = 0x7fff.8 -> 0x1d7fff80. */
    assert_int_equal(cb_pow_calculate_next(m, start, 1000000 + span / 2, 1000000), 0x1d7fff80);
    /* Ten times as fast: clamped at a quarter of the timespan. */
    assert_int_equal(cb_pow_calculate_next(m, start, 1000000 + span / 10, 1000000),
                     cb_pow_calculate_next(m, start, 1000000 + span / 4, 1000000));
    /* Slow: clamped at 4x (0x00ffff * 4 = 0x03fffc) ... */
    assert_int_equal(cb_pow_calculate_next(m, start, 1000000 + span * 100, 1000000), 0x1e03fffc);
    /* ... and capped at the pow limit. */
    assert_int_equal(cb_pow_calculate_next(m, 0x1f007fff, 1000000 + span * 100, 1000000),
                     0x1f00ffff);
    assert_int_equal(cb_pow_calculate_next(m, 0x1f00ffff, 1000000 + span * 2, 1000000), 0x1f00ffff);
    /* Regtest never retargets. */
    assert_false(cb_pow_is_retarget_height(cb_params_regtest(), 60));
    assert_int_equal(cb_pow_calculate_next(cb_params_regtest(), 0x207fffff, 1, 1000000),
                     0x207fffff);
    assert_true(cb_pow_is_retarget_height(m, 60));
    assert_false(cb_pow_is_retarget_height(m, 59));
    assert_true(cb_pow_is_retarget_height(cb_params_bitcoin(), 2016));
}

static void test_arith_division(void **state)
{
    (void)state;
    cb_u256 a, b, q, want;
    cb_u256_set_u64(&a, 1000000007ull * 998244353ull);
    cb_u256_set_u64(&b, 998244353ull);
    assert_true(cb_u256_div(&q, &a, &b));
    cb_u256_set_u64(&want, 1000000007ull);
    assert_int_equal(cb_u256_cmp(&q, &want), 0);
    cb_u256_set_u64(&b, 0);
    assert_false(cb_u256_div(&q, &a, &b));
    /* (2^200 * 12345) / 2^100 = 2^100 * 12345. */
    cb_u256_set_u64(&a, 12345);
    cb_u256_shl(&a, &a, 200);
    cb_u256_set_u64(&b, 1);
    cb_u256_shl(&b, &b, 100);
    assert_true(cb_u256_div(&q, &a, &b));
    cb_u256_set_u64(&want, 12345);
    cb_u256_shl(&want, &want, 100);
    assert_int_equal(cb_u256_cmp(&q, &want), 0);
    assert_int_equal(cb_u256_bits(&want), 114);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compact_core_cases),
        cmocka_unit_test(test_pow_vectors),
        cmocka_unit_test(test_work),
        cmocka_unit_test(test_target_limits),
        cmocka_unit_test(test_retarget_rule_shapes),
        cmocka_unit_test(test_arith_division),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
