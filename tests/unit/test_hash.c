/* SHA-256 against NIST's short-message vectors, RIPEMD-160 against its
 * authors' vectors, and the compositions SHA256d and hash160. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "crypto/hash.h"

static void test_nist_sha256(void **state)
{
    (void)state;
    size_t len;
    char *text = (char *)cbt_read_testdata("nist-SHA256ShortMsg.rsp", &len);
    int checked = 0;
    long bits = -1;
    uint8_t *msg = malloc(1024);
    size_t msglen = 0;
    for (char *line = strtok(text, "\r\n"); line; line = strtok(NULL, "\r\n")) {
        if (strncmp(line, "Len = ", 6) == 0) {
            bits = strtol(line + 6, NULL, 10);
        } else if (strncmp(line, "Msg = ", 6) == 0) {
            msglen = cbt_unhex(msg, 1024, line + 6);
            if (bits == 0)
                msglen = 0; /* NIST writes "00" for the empty message */
            assert_int_equal(msglen * 8, (size_t)bits);
        } else if (strncmp(line, "MD = ", 5) == 0) {
            uint8_t want[32], got[32];
            cbt_unhex(want, 32, line + 5);
            cb_sha256(got, msg, msglen);
            assert_memory_equal(got, want, 32);
            checked++;
        }
    }
    assert_int_equal(checked, 65);
    free(msg);
    free(text);
}

static void test_ripemd160_vectors(void **state)
{
    (void)state;
    size_t len;
    char *text = (char *)cbt_read_testdata("ripemd160-vectors.tsv", &len);
    int checked = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = '\0';
        uint8_t want[20], got[20];
        cbt_unhex(want, 20, tab + 1);
        if (strcmp(line, "1000000 x 'a'") == 0) {
            uint8_t *a = malloc(1000000);
            memset(a, 'a', 1000000);
            cb_ripemd160(got, a, 1000000);
            free(a);
        } else {
            cb_ripemd160(got, (const uint8_t *)line, strlen(line));
        }
        assert_memory_equal(got, want, 20);
        checked++;
    }
    assert_int_equal(checked, 10);
    free(text);
}

static void test_compositions(void **state)
{
    (void)state;
    uint8_t once[32], twice[32], got[32], h160[20], want160[20];
    cb_sha256(once, (const uint8_t *)"abc", 3);
    cb_sha256(twice, once, 32);
    cb_sha256d(got, (const uint8_t *)"abc", 3);
    assert_memory_equal(got, twice, 32);
    /* In-place SHA256d is allowed. */
    memcpy(got, "abc", 3);
    cb_sha256d(got, got, 3);
    assert_memory_equal(got, twice, 32);
    cb_ripemd160(want160, once, 32);
    cb_hash160(h160, (const uint8_t *)"abc", 3);
    assert_memory_equal(h160, want160, 20);
    /* hash160 of the generator point G, a widely published value. */
    uint8_t g[33];
    cbt_unhex(g, 33, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    cb_hash160(h160, g, 33);
    cbt_unhex(want160, 20, "751e76e8199196d454941c45d1b3a323f1433bd6");
    assert_memory_equal(h160, want160, 20);
}

static void test_hex(void **state)
{
    (void)state;
    uint8_t b[4], h[32];
    char s[65];
    assert_int_equal(cb_hex_decode(b, 4, "00fFaB10"), CB_OK);
    cb_hex_encode(s, b, 4);
    assert_string_equal(s, "00ffab10");
    assert_int_equal(cb_hex_decode(b, 4, "00ffab1"), CB_ERR_HEX);
    assert_int_equal(cb_hex_decode(b, 4, "00ffab1g"), CB_ERR_HEX);
    assert_int_equal(cb_hex_decode(b, 4, "00ffab1000"), CB_ERR_HEX);
    const char *genesis = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
    assert_int_equal(cb_hash_from_hex(h, genesis), CB_OK);
    assert_int_equal(h[0], 0x6f); /* reversed: the display's last byte first */
    cb_hash_to_hex(s, h);
    assert_string_equal(s, genesis);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nist_sha256),
        cmocka_unit_test(test_ripemd160_vectors),
        cmocka_unit_test(test_compositions),
        cmocka_unit_test(test_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
