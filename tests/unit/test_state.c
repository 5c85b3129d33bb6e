/* The account map against a simple reference under random inserts,
 * updates and removals; the bounded reader's CompactSize rules. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#include "core/accounts.h"
#include "core/bytes.h"
#include "core/reader.h"

#define N 3000

static void test_map_against_reference(void **state)
{
    (void)state;
    static uint8_t ids[N][20];
    static cb_account ref[N];
    cb_accounts *m = cb_accounts_new(12345);
    uint64_t rng = 88172645463325252ull;
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < 20; k++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            ids[i][k] = (uint8_t)rng;
        }
        /* Many ids share their first bytes, to make probe runs collide. */
        if (i % 3 == 0)
            memset(ids[i], 0, 8);
    }
    for (int round = 0; round < 40000; round++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        int i = (int)(rng % N);
        cb_account a = {0, 0};
        /* One write in three removes (sets to zero). */
        if ((rng >> 20) % 3 != 0) {
            a.balance = (rng >> 24) % 1000;
            a.nonce = (rng >> 40) % 5;
        }
        assert_int_equal(cb_accounts_set(m, ids[i], &a), CB_OK);
        ref[i] = a;
        if (round % 997 == 0) {
            size_t live = 0;
            for (int k = 0; k < N; k++) {
                cb_account got;
                cb_accounts_get(m, ids[k], &got);
                assert_int_equal(got.balance, ref[k].balance);
                assert_int_equal(got.nonce, ref[k].nonce);
                live += ref[k].balance || ref[k].nonce;
            }
            assert_int_equal(cb_accounts_count(m), live);
        }
    }
    /* Iteration visits each live account once. */
    size_t pos = 0, seen = 0;
    uint8_t id[20];
    cb_account a;
    while (cb_accounts_next(m, &pos, id, &a)) {
        assert_true(a.balance || a.nonce);
        seen++;
    }
    assert_int_equal(seen, cb_accounts_count(m));
    /* Equality is by content, whatever the seed or history. */
    cb_accounts *copy = cb_accounts_new(999);
    pos = 0;
    while (cb_accounts_next(m, &pos, id, &a))
        assert_int_equal(cb_accounts_set(copy, id, &a), CB_OK);
    assert_true(cb_accounts_equal(m, copy));
    a.balance = 1;
    a.nonce = 0;
    uint8_t fresh[20];
    memset(fresh, 0xee, 20);
    assert_int_equal(cb_accounts_set(copy, fresh, &a), CB_OK);
    assert_false(cb_accounts_equal(m, copy));
    cb_accounts_free(copy);
    cb_accounts_free(m);
    cb_accounts_free(NULL);
}

static void test_compactsize(void **state)
{
    (void)state;
    uint64_t vals[] = {0,         1, 0xfc, 0xfd, 0xffff, 0x10000, 0xffffffffull, 0x100000000ull,
                       UINT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        uint8_t buf[9];
        size_t n = cb_put_compactsize(buf, vals[i]);
        assert_int_equal(n, cb_compactsize_len(vals[i]));
        cb_reader r;
        uint64_t got;
        cb_reader_init(&r, buf, n);
        assert_int_equal(cb_read_compactsize(&r, &got, UINT64_MAX), CB_OK);
        assert_int_equal(got, vals[i]);
        assert_int_equal(cb_reader_expect_end(&r), CB_OK);
        for (size_t k = 0; k < n; k++) {
            cb_reader_init(&r, buf, k);
            assert_int_equal(cb_read_compactsize(&r, &got, UINT64_MAX), CB_ERR_TRUNCATED);
            assert_int_equal(r.pos, 0);
        }
        if (vals[i] > 0) {
            cb_reader_init(&r, buf, n);
            assert_int_equal(cb_read_compactsize(&r, &got, vals[i] - 1), CB_ERR_TOO_LARGE);
            assert_int_equal(r.pos, 0);
        }
    }
    /* Longer encodings than needed are refused, as Core does. */
    const char *noncanon[] = {"fdfc00", "feffff0000", "fe00000000", "ffffffffff00000000",
                              "ff0000000000000000"};
    for (size_t i = 0; i < 5; i++) {
        uint8_t buf[9];
        size_t n = cbt_unhex(buf, sizeof buf, noncanon[i]);
        cb_reader r;
        uint64_t got;
        cb_reader_init(&r, buf, n);
        assert_int_equal(cb_read_compactsize(&r, &got, UINT64_MAX), CB_ERR_NONCANONICAL);
    }
    uint8_t two[2] = {1, 2};
    cb_reader r;
    uint8_t b;
    cb_reader_init(&r, two, 2);
    assert_int_equal(cb_read_u8(&r, &b), CB_OK);
    assert_int_equal(cb_reader_expect_end(&r), CB_ERR_TRAILING);
    uint32_t w;
    assert_int_equal(cb_read_u32le(&r, &w), CB_ERR_TRUNCATED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_against_reference),
        cmocka_unit_test(test_compactsize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
