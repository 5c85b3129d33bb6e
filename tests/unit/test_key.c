/* Keys and ECDSA: sign/verify round trips, RFC 6979 determinism, low-S,
 * and every Wycheproof secp256k1 case (strict DER, then verify). */
#include "support.h"

#include <string.h>

#include "crypto/der.h"
#include "crypto/hash.h"
#include "crypto/key.h"

/* The secp256k1 group order n, big-endian. */
static const char *ORDER = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

/* s := n - s, big-endian 32 bytes. */
static void negate_s(uint8_t s[32])
{
    uint8_t n[32];
    cbt_unhex(n, 32, ORDER);
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = n[i] - s[i] - borrow;
        borrow = d < 0;
        s[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

static void test_sign_verify(void **state)
{
    (void)state;
    cb_keyctx *ctx = cb_keyctx_new();
    uint8_t priv[32], pub[33], hash[32], sig[64], sig2[64];
    assert_non_null(ctx);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(cb_key_generate(priv), CB_OK);
        assert_int_equal(cb_key_check_private(priv), CB_OK);
        assert_int_equal(cb_key_public(ctx, pub, priv), CB_OK);
        assert_true(pub[0] == 2 || pub[0] == 3);
        assert_int_equal(cb_key_check_public(pub), CB_OK);
        cb_sha256(hash, (const uint8_t *)&i, sizeof i);
        assert_int_equal(cb_key_sign(ctx, sig, hash, priv), CB_OK);
        /* RFC 6979: the same key and message give the same signature. */
        assert_int_equal(cb_key_sign(ctx, sig2, hash, priv), CB_OK);
        assert_memory_equal(sig, sig2, 64);
        /* Low-S: s <= n/2, so its top bit is clear. */
        assert_true(sig[32] < 0x80);
        assert_int_equal(cb_key_verify(sig, hash, pub), CB_OK);
        /* The high-S twin is the same signature mathematically: refused. */
        memcpy(sig2, sig, 64);
        negate_s(sig2 + 32);
        assert_int_equal(cb_key_verify(sig2, hash, pub), CB_ERR_SIG_INVALID);
        /* Another message, another key: refused. */
        hash[0] ^= 1;
        assert_int_equal(cb_key_verify(sig, hash, pub), CB_ERR_SIG_INVALID);
        hash[0] ^= 1;
        pub[5] ^= 1;
        cb_err err = cb_key_verify(sig, hash, pub);
        assert_true(err == CB_ERR_SIG_INVALID || err == CB_ERR_PUBKEY);
    }
    cb_key_wipe(priv, sizeof priv);
    for (int i = 0; i < 32; i++)
        assert_int_equal(priv[i], 0);
    cb_keyctx_free(ctx);
}

static void test_bad_keys(void **state)
{
    (void)state;
    uint8_t priv[32] = {0}, pub[33] = {0}, hash[32] = {0}, sig[64] = {0};
    assert_int_equal(cb_key_check_private(priv), CB_ERR_PRIVKEY);
    cbt_unhex(priv, 32, ORDER);
    assert_int_equal(cb_key_check_private(priv), CB_ERR_PRIVKEY);
    assert_int_equal(cb_key_check_public(pub), CB_ERR_PUBKEY);
    pub[0] = 0x04;
    assert_int_equal(cb_key_check_public(pub), CB_ERR_PUBKEY);
    assert_int_equal(cb_key_verify(sig, hash, pub), CB_ERR_PUBKEY);
    /* r = n is out of range: an encoding error, not a verify failure. */
    cbt_unhex(pub, 33, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    cbt_unhex(sig, 32, ORDER);
    assert_int_equal(cb_key_verify(sig, hash, pub), CB_ERR_SIG_ENCODING);
}

static void test_wycheproof(void **state)
{
    (void)state;
    json_t *all = cbt_load_json("wycheproof-ecdsa-secp256k1-sha256-bitcoin.json");
    json_t *groups = json_object_get(all, "testGroups");
    size_t gi, ti;
    json_t *g, *t;
    int valid = 0, invalid = 0;
    json_array_foreach(groups, gi, g)
    {
        uint8_t full[65], pub[33];
        json_t *key = json_object_get(g, "publicKey");
        assert_int_equal(
            cbt_unhex(full, 65, json_string_value(json_object_get(key, "uncompressed"))), 65);
        assert_int_equal(full[0], 0x04);
        pub[0] = (uint8_t)(0x02 | (full[64] & 1));
        memcpy(pub + 1, full + 1, 32);
        json_array_foreach(json_object_get(g, "tests"), ti, t)
        {
            static uint8_t msg[4096], der[8192];
            uint8_t hash[32], compact[64];
            size_t mlen = cbt_unhex(msg, sizeof msg, json_string_value(json_object_get(t, "msg")));
            size_t dlen = cbt_unhex(der, sizeof der, json_string_value(json_object_get(t, "sig")));
            const char *result = json_string_value(json_object_get(t, "result"));
            cb_sha256(hash, msg, mlen);
            bool ok = cb_der_parse_signature(compact, der, dlen) == CB_OK &&
                      cb_key_verify(compact, hash, pub) == CB_OK;
            if (strcmp(result, "valid") == 0) {
                if (!ok)
                    fail_msg("tcId %lld should verify",
                             (long long)json_integer_value(json_object_get(t, "tcId")));
                valid++;
            } else {
                assert_string_equal(result, "invalid");
                if (ok)
                    fail_msg("tcId %lld should be refused",
                             (long long)json_integer_value(json_object_get(t, "tcId")));
                invalid++;
            }
        }
    }
    assert_int_equal(valid, 162);
    assert_int_equal(invalid, 301);
    json_decref(all);
}

static void test_der_strictness(void **state)
{
    (void)state;
    uint8_t c[64], der[80];
    /* Minimal: 30 06 02 01 01 02 01 01 -> r = s = 1. */
    size_t n = cbt_unhex(der, sizeof der, "3006020101020101");
    assert_int_equal(cb_der_parse_signature(c, der, n), CB_OK);
    assert_int_equal(c[31], 1);
    assert_int_equal(c[63], 1);
    /* Padding zero where none is needed. */
    n = cbt_unhex(der, sizeof der, "300702020001020101");
    assert_int_equal(cb_der_parse_signature(c, der, n), CB_ERR_SIG_ENCODING);
    /* Negative r. */
    n = cbt_unhex(der, sizeof der, "3006020181020101");
    assert_int_equal(cb_der_parse_signature(c, der, n), CB_ERR_SIG_ENCODING);
    /* Wrong outer length, trailing byte, empty integer. */
    n = cbt_unhex(der, sizeof der, "3007020101020101");
    assert_int_equal(cb_der_parse_signature(c, der, n), CB_ERR_SIG_ENCODING);
    n = cbt_unhex(der, sizeof der, "300602010102010100");
    assert_int_equal(cb_der_parse_signature(c, der, n), CB_ERR_SIG_ENCODING);
    n = cbt_unhex(der, sizeof der, "30050200020101");
    assert_int_equal(cb_der_parse_signature(c, der, n), CB_ERR_SIG_ENCODING);
    /* Every truncation of a valid signature fails without reading past it. */
    n = cbt_unhex(der, sizeof der, "3006020101020101");
    for (size_t k = 0; k < n; k++)
        assert_int_equal(cb_der_parse_signature(c, der, k), CB_ERR_SIG_ENCODING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_bad_keys),
        cmocka_unit_test(test_wycheproof),
        cmocka_unit_test(test_der_strictness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
