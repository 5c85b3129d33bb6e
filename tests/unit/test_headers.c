/* Real Bitcoin main-chain headers through CoinBit's header rules with the
 * `bitcoin` parameters: links, proof of work, median time past and the
 * retarget rule; every single-byte change to any header is refused. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#include "core/chain.h"
#include "core/hex.h"
#include "core/pow.h"

#define NHEADERS 10237

static uint8_t *load_headers(void)
{
    size_t len;
    uint8_t *raw = cbt_read_testdata("bitcoin-headers-0-10236.bin", &len);
    assert_int_equal(len, (size_t)NHEADERS * 80);
    return raw;
}

/* A clock just after the header's own time: the real chain was never
 * ahead of its clock. */
static int64_t clock_for(const cb_header *h)
{
    return (int64_t)h->time + 1;
}

static void test_genesis_hash(void **state)
{
    (void)state;
    uint8_t *raw = load_headers();
    cb_header h, g;
    uint8_t hash[32], want[32];
    char hex[65];
    cb_header_parse(&h, raw);
    cb_header_hash(hash, &h);
    cb_hash_to_hex(hex, hash);
    assert_string_equal(hex, "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
    cb_params_genesis_header(cb_params_bitcoin(), &g);
    uint8_t gb[80];
    cb_header_serialize(gb, &g);
    assert_memory_equal(gb, raw, 80);
    cb_params_genesis_hash(cb_params_bitcoin(), want);
    assert_memory_equal(hash, want, 32);
    free(raw);
}

static void test_all_headers_and_every_byte(void **state)
{
    (void)state;
    uint8_t *raw = load_headers();
    cb_chain *c = cb_chain_new(cb_params_bitcoin(), 42);
    assert_non_null(c);
    long mutations = 0;
    for (size_t i = 1; i < NHEADERS; i++) {
        const uint8_t *bytes = raw + 80 * i;
        cb_header h;
        cb_header_parse(&h, bytes);
        /* Before accepting header i, every one-byte change of it must fail
         * against its real parent, which the chain holds. */
        for (size_t k = 0; k < 80; k++) {
            uint8_t copy[80];
            memcpy(copy, bytes, 80);
            copy[k] ^= (uint8_t)(1u << ((i + k) % 8));
            cb_header bad;
            cb_header_parse(&bad, copy);
            const cb_chain_entry *e = NULL;
            cb_err err = cb_chain_accept_header(c, &bad, clock_for(&h), &e);
            if (err == CB_OK)
                fail_msg("header %zu with byte %zu changed was accepted", i, k);
            mutations++;
        }
        const cb_chain_entry *e = NULL;
        cb_err err = cb_chain_accept_header(c, &h, clock_for(&h), &e);
        if (err != CB_OK)
            fail_msg("header %zu refused: %s", i, cb_err_reason(err));
        assert_int_equal(e->height, i);
    }
    assert_int_equal(mutations, (long)(NHEADERS - 1) * 80);
    const cb_chain_entry *best = cb_chain_best_header(c);
    assert_int_equal(best->height, NHEADERS - 1);
    /* Every header from 2016 up was checked by the retarget rule; in this
     * range the difficulty stays at the limit. */
    assert_int_equal(best->header.bits, 0x1d00ffff);
    cb_chain_free(c);
    free(raw);
}

static void test_each_rule_named(void **state)
{
    (void)state;
    uint8_t *raw = load_headers();
    cb_chain *c = cb_chain_new(cb_params_bitcoin(), 7);
    cb_header h;
    for (size_t i = 1; i <= 2016; i++) {
        cb_header_parse(&h, raw + 80 * i);
        assert_int_equal(cb_chain_accept_header(c, &h, clock_for(&h), NULL), CB_OK);
    }
    cb_header next;
    cb_header_parse(&next, raw + 80 * 2017);
    /* Time too new: two hours and a second ahead of the clock. */
    assert_int_equal(cb_chain_accept_header(c, &next, (int64_t)next.time - 7201, NULL),
                     CB_ERR_TIME_NEW);
    assert_int_equal(cb_chain_accept_header(c, &next, (int64_t)next.time - 7200, NULL), CB_OK);
    /* Known again: fine. Unknown parent: its own error. */
    assert_int_equal(cb_chain_accept_header(c, &next, (int64_t)next.time, NULL), CB_OK);
    cb_header orphan;
    cb_header_parse(&orphan, raw + 80 * 2100);
    assert_int_equal(cb_chain_accept_header(c, &orphan, (int64_t)orphan.time, NULL),
                     CB_ERR_PREV_MISSING);
    cb_chain_free(c);
    free(raw);
}

static void test_retarget_boundaries(void **state)
{
    (void)state;
    size_t len;
    char *text = (char *)cbt_read_testdata("bitcoin-retarget-boundary-headers.tsv", &len);
    int checked = 0, changes = 0;
    uint32_t last_bits = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        char *f[5];
        f[0] = strtok(line, "\t");
        for (int k = 1; k < 5; k++)
            f[k] = strtok(NULL, "\t");
        assert_non_null(f[4]);
        uint8_t bytes[80], hash[32], want[32];
        assert_int_equal(cbt_unhex(bytes, 80, f[4]), 80);
        cb_header h;
        cb_header_parse(&h, bytes);
        cb_header_hash(hash, &h);
        assert_int_equal(cb_hash_from_hex(want, f[1]), CB_OK);
        assert_memory_equal(hash, want, 32);
        assert_int_equal(h.bits, (uint32_t)strtoul(f[2], NULL, 16));
        assert_int_equal(h.time, (uint32_t)strtoul(f[3], NULL, 10));
        assert_int_equal(strtoul(f[0], NULL, 10) % 2016, 0);
        assert_int_equal(cb_pow_check(cb_params_bitcoin(), hash, h.bits), CB_OK);
        /* The same header with its nonce changed no longer meets the target. */
        h.nonce ^= 0x80000000u;
        cb_header_hash(hash, &h);
        assert_int_equal(cb_pow_check(cb_params_bitcoin(), hash, h.bits), CB_ERR_HIGH_HASH);
        if (last_bits && h.bits != last_bits)
            changes++;
        last_bits = h.bits;
        checked++;
    }
    assert_int_equal(checked, 436);
    assert_true(changes > 300);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genesis_hash),
        cmocka_unit_test(test_all_headers_and_every_byte),
        cmocka_unit_test(test_each_rule_named),
        cmocka_unit_test(test_retarget_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
