/* Base58 and Base58Check against Bitcoin Core's vectors, and each decoding
 * error with its own code. */
#include "support.h"

#include <string.h>

#include "crypto/base58.h"
#include "crypto/hash.h"

static void test_core_vectors(void **state)
{
    (void)state;
    json_t *all = cbt_load_json("base58_encode_decode.json");
    size_t i;
    json_t *v;
    int checked = 0;
    json_array_foreach(all, i, v)
    {
        const char *hex = json_string_value(json_array_get(v, 0));
        const char *b58 = json_string_value(json_array_get(v, 1));
        uint8_t raw[256], back[256];
        char enc[512];
        size_t n = cbt_unhex(raw, sizeof raw, hex), m = 0;
        assert_int_equal(cb_base58_encode(enc, sizeof enc, raw, n), CB_OK);
        assert_string_equal(enc, b58);
        assert_int_equal(cb_base58_decode(back, sizeof back, &m, b58), CB_OK);
        assert_int_equal(m, n);
        assert_memory_equal(back, raw, n);
        checked++;
    }
    assert_true(checked >= 14);
    json_decref(all);
}

static void test_decode_errors(void **state)
{
    (void)state;
    uint8_t out[64];
    size_t n;
    /* 0, O, I and l are not in the alphabet; neither is punctuation. */
    assert_int_equal(cb_base58_decode(out, sizeof out, &n, "3mJr0"), CB_ERR_BASE58_CHAR);
    assert_int_equal(cb_base58_decode(out, sizeof out, &n, "3mJrO"), CB_ERR_BASE58_CHAR);
    assert_int_equal(cb_base58_decode(out, sizeof out, &n, "3mJrI"), CB_ERR_BASE58_CHAR);
    assert_int_equal(cb_base58_decode(out, sizeof out, &n, "3mJrl"), CB_ERR_BASE58_CHAR);
    assert_int_equal(cb_base58_decode(out, sizeof out, &n, "3m Jr"), CB_ERR_BASE58_CHAR);
    /* Surrounding white space is fine, as in Core. */
    assert_int_equal(cb_base58_decode(out, sizeof out, &n, " \t2g \n"), CB_OK);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 0x61);
    /* Output too small. */
    assert_int_equal(cb_base58_decode(out, 1, &n, "a3gV"), CB_ERR_TOO_LARGE);
    /* Input too long for an address or key. */
    char longs[CB_BASE58_MAX_CHARS + 2];
    memset(longs, '2', sizeof longs - 1);
    longs[sizeof longs - 1] = 0;
    assert_int_equal(cb_base58_decode(out, sizeof out, &n, longs), CB_ERR_TOO_LARGE);
}

static void test_check_roundtrip_and_errors(void **state)
{
    (void)state;
    uint8_t payload[21], out[64];
    char s[64];
    size_t n;
    for (int i = 0; i < 21; i++)
        payload[i] = (uint8_t)(i * 7);
    assert_int_equal(cb_base58check_encode(s, sizeof s, payload, 21), CB_OK);
    assert_int_equal(cb_base58check_decode(out, sizeof out, &n, s), CB_OK);
    assert_int_equal(n, 21);
    assert_memory_equal(out, payload, 21);
    /* Change one character: the checksum no longer matches. */
    s[5] = s[5] == 'z' ? 'y' : 'z';
    assert_int_equal(cb_base58check_decode(out, sizeof out, &n, s), CB_ERR_BASE58_CHECKSUM);
    /* Shorter than a checksum. */
    assert_int_equal(cb_base58check_decode(out, sizeof out, &n, "2g"), CB_ERR_BASE58_CHECKSUM);
    assert_int_equal(cb_base58check_decode(out, sizeof out, &n, ""), CB_ERR_BASE58_CHECKSUM);
    /* Too small an output buffer for a good string. */
    assert_int_equal(cb_base58check_encode(s, sizeof s, payload, 21), CB_OK);
    assert_int_equal(cb_base58check_decode(out, 20, &n, s), CB_ERR_TOO_LARGE);
    assert_int_equal(cb_base58check_encode(s, 10, payload, 21), CB_ERR_TOO_LARGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_vectors),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_check_roundtrip_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
