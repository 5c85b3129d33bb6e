/* The miner's SHA256d kernels against OpenSSL: every kernel this CPU runs
 * must report exactly the nonces whose hash's top word is within the
 * target, on random headers, across the 2^32 wrap, and must find the same
 * winning nonce as a plain search with the consensus code. */
#include "support.h"

#include <stdlib.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/arith.h"
#include "core/block.h"
#include "core/pow.h"
#include "crypto/hash.h"
#include "crypto/sha256d_scan.h"

static void test_compress_matches_openssl(void **state)
{
    (void)state;
    for (int round = 0; round < 200; round++) {
        uint8_t msg[55], want[32];
        cbt_random(msg, sizeof msg);
        cb_sha256(want, msg, sizeof msg);
        /* One padded block: 55 bytes, 0x80, length 440 bits. */
        uint8_t block[64] = {0};
        memcpy(block, msg, 55);
        block[55] = 0x80;
        block[62] = 0x01;
        block[63] = 0xb8;
        uint32_t words[16], st[8];
        for (int i = 0; i < 16; i++)
            words[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
                       (uint32_t)block[4 * i + 2] << 8 | block[4 * i + 3];
        memcpy(st, cb_sha256_iv, sizeof st);
        cb_sha256_compress(st, words);
        for (int i = 0; i < 8; i++) {
            uint32_t w = (uint32_t)want[4 * i] << 24 | (uint32_t)want[4 * i + 1] << 16 |
                         (uint32_t)want[4 * i + 2] << 8 | want[4 * i + 3];
            assert_int_equal(st[i], w);
        }
    }
}

/* The top word of SHA256d(header) with the nonce of scanned word w3,
 * computed by OpenSSL. */
static uint32_t openssl_top(uint8_t header[80], uint32_t w3)
{
    uint8_t hash[32];
    uint32_t nonce = cb_scan_nonce(w3);
    memcpy(header + 76, &nonce, 4); /* little-endian host, as the header */
    cb_sha256d(hash, header, 80);
    return (uint32_t)hash[28] | (uint32_t)hash[29] << 8 | (uint32_t)hash[30] << 16 |
           (uint32_t)hash[31] << 24;
}

static int kernels_run;

/* What CPUID tells this process (valgrind's CPU included), worked out
 * here apart from the kernels' own check: leaf 7's feature bits, and for
 * the AVX kernels the registers the OS saves (XCR0). */
typedef struct {
    bool avx2, avx512, sha;
} cpu_flags;

static cpu_flags cpu_now(void)
{
    cpu_flags f = {false, false, false};
#if defined(__x86_64__)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return f;
    bool osxsave = c & (1u << 27), sse41 = c & (1u << 19);
    uint64_t xcr0 = 0;
    if (osxsave) {
        uint32_t lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        xcr0 = (uint64_t)hi << 32 | lo;
    }
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return f;
    bool ymm = (xcr0 & 0x6) == 0x6, zmm = (xcr0 & 0xe6) == 0xe6;
    f.avx2 = ymm && (b & (1u << 5));
    f.avx512 = zmm && (b & (1u << 16)) && (b & (1u << 30));
    f.sha = sse41 && (b & (1u << 29)); /* the kernel uses SSE4.1 too */
#endif
    return f;
}

static void check_range(const cb_scan_impl *k, uint8_t header[80], const uint8_t target[32],
                        uint32_t start, uint32_t count)
{
    cb_scan_template t;
    uint32_t *got = malloc(count * sizeof *got), *want = malloc(count * sizeof *want);
    size_t nwant = 0;
    cb_scan_prepare(&t, header, target);
    for (uint32_t i = 0; i < count; i++)
        if (openssl_top(header, start + i) <= t.target_top)
            want[nwant++] = start + i;
    size_t ngot = k->scan(&t, start, count, got);
    if (ngot != nwant)
        fail_msg("%s: %zu candidates, OpenSSL says %zu", k->name, ngot, nwant);
    assert_memory_equal(got, want, nwant * sizeof *want);
    free(got);
    free(want);
}

static void test_kernels_match_openssl(void **state)
{
    (void)state;
    for (const cb_scan_impl *k = cb_scan_impls(); k->name; k++) {
        if (!k->supported()) {
            print_message("kernel %s: not supported on this CPU, skipped\n", k->name);
            continue;
        }
        kernels_run++;
        for (int round = 0; round < 6; round++) {
            uint8_t header[80], target[32];
            cbt_random(header, 80);
            memset(target, 0xff, 32);
            /* About 1 in 64 top words pass: enough candidates to compare. */
            target[31] = 0x03;
            uint32_t start;
            cbt_random(&start, 4);
            start &= ~(uint32_t)(CB_SCAN_STEP - 1);
            check_range(k, header, target, start, 4096);
            /* Across the wrap from 2^32 - 1 to 0. */
            check_range(k, header, target, 0u - 2048u, 4096);
        }
        /* A target whose top word is zero passes almost nothing; one whose
         * top word is all ones passes everything. */
        uint8_t header[80], target[32] = {0};
        cbt_random(header, 80);
        check_range(k, header, target, 0, 1024);
        memset(target, 0xff, 32);
        check_range(k, header, target, 123 * 16, 1024);
    }
    /* Every kernel this CPU can run did run (the portable one always). */
    cpu_flags f = cpu_now();
    int expected = 1 + f.avx2 + f.avx512 + f.sha;
    assert_int_equal(kernels_run, expected);
}

static void test_same_winning_nonce(void **state)
{
    (void)state;
    /* A header at 1/65536 difficulty: every kernel, confirming candidates
     * with cb_pow_check, must stop at the nonce a plain search finds. */
    const cb_params *p = cb_params_main();
    cb_header h;
    uint8_t raw[80], target[32], hash[32];
    cb_u256 tgt;
    memset(&h, 0, sizeof h);
    h.version = 1;
    h.time = 1795400000;
    h.bits = p->pow_limit_bits;
    cbt_random(h.merkle, 32);
    assert_int_equal(cb_pow_target(p, &tgt, h.bits), CB_OK);
    cb_u256_to_le(target, &tgt);
    /* The plain search, in scan order (W3 ascending from 0). */
    uint32_t want_w3 = 0;
    for (uint32_t w3 = 0;; w3++) {
        h.nonce = cb_scan_nonce(w3);
        cb_header_hash(hash, &h);
        if (cb_pow_check(p, hash, h.bits) == CB_OK) {
            want_w3 = w3;
            break;
        }
    }
    cb_header_serialize(raw, &h);
    for (const cb_scan_impl *k = cb_scan_impls(); k->name; k++) {
        if (!k->supported())
            continue;
        cb_scan_template t;
        cb_scan_prepare(&t, raw, target);
        uint32_t cand[4096];
        bool found = false;
        /* Bounded: a kernel that misses the nonce fails, never hangs. */
        for (uint32_t start = 0; !found && start <= want_w3; start += 4096) {
            size_t n = k->scan(&t, start, 4096, cand);
            for (size_t i = 0; i < n && !found; i++) {
                h.nonce = cb_scan_nonce(cand[i]);
                cb_header_hash(hash, &h);
                if (cb_pow_check(p, hash, h.bits) == CB_OK) {
                    assert_int_equal(cand[i], want_w3);
                    found = true;
                }
            }
        }
        if (!found)
            fail_msg("%s did not find nonce word %u", k->name, want_w3);
    }
}

static void test_lookup(void **state)
{
    (void)state;
    assert_non_null(cb_scan_best());
    assert_non_null(cb_scan_by_name("portable"));
    assert_null(cb_scan_by_name("quantum"));
    assert_null(cb_scan_by_name(NULL));
    for (const cb_scan_impl *k = cb_scan_impls(); k->name; k++)
        assert_int_equal(CB_SCAN_STEP % k->lanes, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compress_matches_openssl),
        cmocka_unit_test(test_kernels_match_openssl),
        cmocka_unit_test(test_same_winning_nonce),
        cmocka_unit_test(test_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
