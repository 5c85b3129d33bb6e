/* Addresses and WIF keys against Bitcoin Core's key_io vectors (P2PKH and
 * WIF entries), which exercise the same code with Bitcoin's version bytes,
 * and CoinBit's own networks. */
#include "support.h"

#include <string.h>

#include "core/address.h"
#include "crypto/base58.h"
#include "crypto/key.h"

/* The version bytes of the chains in Core's vectors. */
static void versions_for(const char *chain, cb_params *p)
{
    memset(p, 0, sizeof *p);
    if (strcmp(chain, "main") == 0) {
        p->address_version = 0x00;
        p->wif_prefix = 0x80;
    } else {
        p->address_version = 0x6f;
        p->wif_prefix = 0xef;
    }
}

static void test_key_io_valid(void **state)
{
    (void)state;
    json_t *all = cbt_load_json("key_io_valid.json");
    size_t i;
    json_t *v;
    int p2pkh = 0, wif = 0, other = 0, uncompressed = 0;
    json_array_foreach(all, i, v)
    {
        const char *enc = json_string_value(json_array_get(v, 0));
        const char *hex = json_string_value(json_array_get(v, 1));
        json_t *meta = json_array_get(v, 2);
        cb_params p;
        versions_for(json_string_value(json_object_get(meta, "chain")), &p);
        uint8_t raw[64], h160[20], priv[32];
        size_t n = cbt_unhex(raw, sizeof raw, hex);
        if (json_is_true(json_object_get(meta, "isPrivkey"))) {
            bool compressed = json_is_true(json_object_get(meta, "isCompressed"));
            cb_err err = cb_wif_decode(&p, priv, enc);
            if (compressed) {
                assert_int_equal(err, CB_OK);
                assert_int_equal(n, 32);
                assert_memory_equal(priv, raw, 32);
                char back[CB_WIF_MAX];
                assert_int_equal(cb_wif_encode(&p, back, priv), CB_OK);
                assert_string_equal(back, enc);
                wif++;
            } else {
                /* CoinBit keys are compressed only: 33 payload bytes. */
                assert_int_equal(err, CB_ERR_BAD_LENGTH);
                uncompressed++;
            }
            assert_int_not_equal(cb_address_decode(&p, h160, enc), CB_OK);
        } else if (n == 25 && raw[0] == 0x76 && raw[1] == 0xa9 && raw[2] == 0x14) {
            assert_int_equal(cb_address_decode(&p, h160, enc), CB_OK);
            assert_memory_equal(h160, raw + 3, 20);
            char back[CB_ADDRESS_MAX];
            assert_int_equal(cb_address_encode(&p, back, h160), CB_OK);
            assert_string_equal(back, enc);
            p2pkh++;
        } else {
            /* P2SH (other version byte) and segwit (bech32) are no
             * CoinBit address. */
            assert_int_not_equal(cb_address_decode(&p, h160, enc), CB_OK);
            assert_int_not_equal(cb_wif_decode(&p, priv, enc), CB_OK);
            other++;
        }
    }
    assert_int_equal(p2pkh, 11);
    assert_int_equal(wif, 8);
    assert_int_equal(uncompressed, 8);
    assert_true(other > 30);
    json_decref(all);
}

static void test_key_io_invalid(void **state)
{
    (void)state;
    json_t *all = cbt_load_json("key_io_invalid.json");
    const cb_params *nets[] = {cb_params_main(), cb_params_regtest(), cb_params_bitcoin()};
    cb_params testnet;
    versions_for("test", &testnet);
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v)
    {
        const char *enc = json_string_value(json_array_get(v, 0));
        uint8_t h160[20], priv[32];
        for (size_t k = 0; k < 3; k++) {
            assert_int_not_equal(cb_address_decode(nets[k], h160, enc), CB_OK);
            assert_int_not_equal(cb_wif_decode(nets[k], priv, enc), CB_OK);
        }
        assert_int_not_equal(cb_address_decode(&testnet, h160, enc), CB_OK);
        assert_int_not_equal(cb_wif_decode(&testnet, priv, enc), CB_OK);
    }
    json_decref(all);
}

static void test_coinbit_networks(void **state)
{
    (void)state;
    cb_keyctx *ctx = cb_keyctx_new();
    assert_non_null(ctx);
    uint8_t priv[32], pub[33], h160[20], back[32];
    char addr[CB_ADDRESS_MAX], wif[CB_WIF_MAX];
    for (int i = 0; i < 50; i++) {
        assert_int_equal(cb_key_generate(priv), CB_OK);
        assert_int_equal(cb_key_public(ctx, pub, priv), CB_OK);
        assert_int_equal(cb_address_from_pubkey(cb_params_main(), addr, pub), CB_OK);
        assert_int_equal(addr[0], 'C');
        assert_int_equal(cb_address_from_pubkey(cb_params_regtest(), addr, pub), CB_OK);
        assert_int_equal(addr[0], 'c');
        assert_int_equal(cb_address_decode(cb_params_regtest(), h160, addr), CB_OK);
        /* The other network's version byte is its own error. */
        assert_int_equal(cb_address_decode(cb_params_main(), h160, addr), CB_ERR_BAD_VERSION_BYTE);
        assert_int_equal(cb_wif_encode(cb_params_main(), wif, priv), CB_OK);
        assert_int_equal(cb_wif_decode(cb_params_main(), back, wif), CB_OK);
        assert_memory_equal(back, priv, 32);
        assert_int_equal(cb_wif_decode(cb_params_regtest(), back, wif), CB_ERR_BAD_VERSION_BYTE);
    }
    /* A bad character, a bad checksum, a wrong length: each its own code. */
    assert_int_equal(cb_address_decode(cb_params_main(), h160, "C0ffee"), CB_ERR_BASE58_CHAR);
    strcpy(wif, addr);
    wif[10] = wif[10] == 'z' ? 'y' : 'z';
    assert_int_equal(cb_address_decode(cb_params_regtest(), h160, wif), CB_ERR_BASE58_CHECKSUM);
    uint8_t raw22[22] = {0x57};
    char s[64];
    assert_int_equal(cb_base58check_encode(s, sizeof s, raw22, 22), CB_OK);
    assert_int_equal(cb_address_decode(cb_params_regtest(), h160, s), CB_ERR_BAD_LENGTH);
    /* The all-zero key and the group order are not keys. */
    memset(priv, 0, 32);
    assert_int_equal(cb_wif_encode(cb_params_main(), wif, priv), CB_ERR_PRIVKEY);
    cb_keyctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_io_valid),
        cmocka_unit_test(test_key_io_invalid),
        cmocka_unit_test(test_coinbit_networks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
