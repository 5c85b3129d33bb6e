/* Transactions: layout, round trip, sighash with the network magic,
 * signing, every context-free rule, and hostile bytes. */
#include "support.h"

#include <string.h>

#include "core/amount.h"
#include "core/bytes.h"
#include "crypto/hash.h"

static cb_keyctx *ctx;

static int setup(void **state)
{
    (void)state;
    ctx = cb_keyctx_new();
    return ctx ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cb_keyctx_free(ctx);
    return 0;
}

static void sample(cb_tx *tx)
{
    uint8_t priv[32], to[20];
    cbt_key(priv, 1);
    memset(to, 0xab, 20);
    cbt_make_tx(cb_params_regtest(), ctx, tx, priv, to, 5 * CB_COIN, 1000, 3);
}

static void test_layout_and_roundtrip(void **state)
{
    (void)state;
    cb_tx tx, back;
    uint8_t raw[CB_TX_SIZE], raw2[CB_TX_SIZE];
    sample(&tx);
    cb_tx_serialize(raw, &tx);
    /* SPEC section 3 offsets. */
    assert_int_equal(cb_get_u32le(raw), 1);
    assert_memory_equal(raw + 4, tx.sender, 33);
    assert_memory_equal(raw + 37, tx.recipient, 20);
    assert_int_equal(cb_get_u64le(raw + 57), 5 * CB_COIN);
    assert_int_equal(cb_get_u64le(raw + 65), 1000);
    assert_int_equal(cb_get_u64le(raw + 73), 3);
    assert_int_equal(cb_get_u64le(raw + 81), 1795400000);
    assert_memory_equal(raw + 89, tx.sig, 64);
    assert_int_equal(cb_tx_parse(&back, raw, sizeof raw), CB_OK);
    cb_tx_serialize(raw2, &back);
    assert_memory_equal(raw, raw2, CB_TX_SIZE);
    uint8_t id1[32], id2[32];
    cb_tx_txid(id1, &tx);
    cb_sha256d(id2, raw, CB_TX_SIZE);
    assert_memory_equal(id1, id2, 32);
}

static void test_sighash_binds_network(void **state)
{
    (void)state;
    cb_tx tx;
    uint8_t raw[4 + CB_TX_SIZE], want[32], got[32];
    sample(&tx);
    memcpy(raw, cb_params_regtest()->magic, 4);
    cb_tx_serialize(raw + 4, &tx);
    cb_sha256d(want, raw, 4 + 89);
    cb_tx_sighash(got, cb_params_regtest()->magic, &tx);
    assert_memory_equal(got, want, 32);
    assert_int_equal(cb_tx_verify(&tx, cb_params_regtest()->magic), CB_OK);
    /* The same bytes replayed on another network do not verify. */
    assert_int_equal(cb_tx_verify(&tx, cb_params_main()->magic), CB_ERR_TX_SIG);
    /* The signature does not cover itself: changing it changes only the txid. */
    cb_tx other = tx;
    other.sig[0] ^= 1;
    cb_tx_sighash(got, cb_params_regtest()->magic, &other);
    assert_memory_equal(got, want, 32);
}

static void test_rules(void **state)
{
    (void)state;
    cb_tx tx;
    sample(&tx);
    assert_int_equal(cb_tx_check(&tx), CB_OK);
    tx.version = 2;
    assert_int_equal(cb_tx_check(&tx), CB_ERR_TX_VERSION);
    sample(&tx);
    tx.amount = 0;
    assert_int_equal(cb_tx_check(&tx), CB_ERR_TX_AMOUNT);
    tx.amount = CB_MAX_MONEY;
    tx.fee = 0;
    assert_int_equal(cb_tx_check(&tx), CB_OK);
    tx.fee = 1;
    assert_int_equal(cb_tx_check(&tx), CB_ERR_TX_MONEY_RANGE);
    tx.amount = UINT64_MAX;
    tx.fee = 2; /* would wrap to 1 */
    assert_int_equal(cb_tx_check(&tx), CB_ERR_TX_MONEY_RANGE);
    tx.amount = 1;
    tx.fee = UINT64_MAX;
    assert_int_equal(cb_tx_check(&tx), CB_ERR_TX_MONEY_RANGE);
    /* Coinbase: fee must be 0, amount may be 0. */
    cb_tx cb;
    memset(&cb, 0, sizeof cb);
    cb.version = 1;
    assert_true(cb_tx_is_coinbase(&cb));
    assert_int_equal(cb_tx_check(&cb), CB_OK);
    cb.fee = 1;
    assert_int_equal(cb_tx_check(&cb), CB_ERR_CB_FEE);
    cb.fee = 0;
    cb.amount = CB_MAX_MONEY + 1;
    assert_int_equal(cb_tx_check(&cb), CB_ERR_TX_MONEY_RANGE);
    /* A sender that is no point on the curve. */
    sample(&tx);
    tx.sender[0] = 0x05;
    assert_int_equal(cb_tx_verify(&tx, cb_params_regtest()->magic), CB_ERR_TX_PUBKEY);
}

static void test_truncations_and_corruptions(void **state)
{
    (void)state;
    cb_tx tx, t;
    uint8_t raw[CB_TX_SIZE + 1];
    sample(&tx);
    cb_tx_serialize(raw, &tx);
    for (size_t n = 0; n < CB_TX_SIZE; n++)
        assert_int_equal(cb_tx_parse(&t, raw, n), CB_ERR_TRUNCATED);
    raw[CB_TX_SIZE] = 0;
    assert_int_equal(cb_tx_parse(&t, raw, CB_TX_SIZE + 1), CB_ERR_TRAILING);
    assert_int_equal(cb_tx_parse(&t, NULL, 0), CB_ERR_TRUNCATED);
    /* Any single changed byte: the signed fields no longer match the
     * signature, or the rules refuse them, or the key or signature breaks. */
    for (size_t k = 0; k < CB_TX_SIZE; k++) {
        for (int bit = 0; bit < 8; bit += 3) {
            uint8_t copy[CB_TX_SIZE];
            memcpy(copy, raw, CB_TX_SIZE);
            copy[k] ^= (uint8_t)(1u << bit);
            assert_int_equal(cb_tx_parse(&t, copy, CB_TX_SIZE), CB_OK);
            bool ok = cb_tx_check(&t) == CB_OK && !cb_tx_is_coinbase(&t) &&
                      cb_tx_verify(&t, cb_params_regtest()->magic) == CB_OK;
            if (ok)
                fail_msg("byte %zu bit %d changed still verifies", k, bit);
        }
    }
}

static void test_error_strings(void **state)
{
    (void)state;
    assert_string_equal(cb_err_reason(CB_ERR_TX_NONCE), "bad-txns-nonce");
    assert_string_equal(cb_err_reason(CB_ERR_HIGH_HASH), "high-hash");
    assert_string_equal(cb_err_reason(CB_ERR_BAD_BITS), "bad-diffbits");
    assert_string_equal(cb_err_reason(CB_ERR_TIME_OLD), "time-too-old");
    assert_string_equal(cb_strerror(CB_OK), "success");
    assert_string_equal(cb_strerror((cb_err)9999), "unknown error");
    assert_string_equal(cb_err_reason((cb_err)9999), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_and_roundtrip),
        cmocka_unit_test(test_sighash_binds_network),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_truncations_and_corruptions),
        cmocka_unit_test(test_error_strings),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
