/* The threaded nonce search: every kernel on 1 and 2 threads finds a nonce
 * the consensus check accepts; a stop request ends a hopeless search.
 * Headers come from the run's seed (printed; CB_TEST_SEED replays it). */
#include "support.h"

#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/pow.h"
#include "node/pow_search.h"

static void random_header(cb_header *h, uint32_t bits)
{
    memset(h, 0, sizeof *h);
    h->version = 1;
    h->time = 1795400000;
    h->bits = bits;
    cbt_random(h->merkle, 32);
    cbt_random(h->prev, 32);
}

static void test_every_kernel_finds(void **state)
{
    (void)state;
    const cb_params *p = cb_params_main();
    for (const cb_scan_impl *k = cb_scan_impls(); k->name; k++) {
        if (!k->supported())
            continue;
        for (unsigned threads = 1; threads <= 2; threads++) {
            cb_header h;
            uint8_t hash[32];
            uint64_t hashes = 0;
            random_header(&h, p->pow_limit_bits);
            cb_search_opts o = {k, threads, NULL};
            assert_int_equal(cb_pow_search(p, &h, &o, &hashes), CB_OK);
            cb_header_hash(hash, &h);
            assert_int_equal(cb_pow_check(p, hash, h.bits), CB_OK);
            assert_true(hashes > 0);
        }
    }
    /* The answer does not depend on the kernel or the thread count. */
    for (int round = 0; round < 5; round++) {
        cb_header h1, h2;
        random_header(&h1, p->pow_limit_bits);
        h2 = h1;
        cb_search_opts one = {cb_scan_by_name("portable"), 1, NULL};
        cb_search_opts two = {cb_scan_best(), 2, NULL};
        assert_int_equal(cb_pow_search(p, &h1, &one, NULL), CB_OK);
        assert_int_equal(cb_pow_search(p, &h2, &two, NULL), CB_OK);
        assert_int_equal(h1.nonce, h2.nonce);
    }
    /* Regtest's limit: found in the first chunk. */
    cb_header h;
    random_header(&h, cb_params_regtest()->pow_limit_bits);
    assert_int_equal(cb_pow_search(cb_params_regtest(), &h, NULL, NULL), CB_OK);
}

typedef struct {
    atomic_int *stop;
} stopper;

static void *stop_later(void *arg)
{
    stopper *s = arg;
    struct timespec d = {0, 100 * 1000 * 1000};
    nanosleep(&d, NULL);
    atomic_store(s->stop, 1);
    return NULL;
}

static void test_stop_and_bad_bits(void **state)
{
    (void)state;
    const cb_params *p = cb_params_main();
    cb_header h;
    atomic_int stop = 0;
    uint64_t hashes = 0;
    /* A target of 1 (valid bits, far below the limit): no nonce of 2^32
     * meets it, so only the stop can end this search. */
    random_header(&h, 0x03000001);
    cb_search_opts o = {NULL, 2, &stop};
    pthread_t t;
    stopper s = {&stop};
    pthread_create(&t, NULL, stop_later, &s);
    cb_err err = cb_pow_search(p, &h, &o, &hashes);
    pthread_join(t, NULL);
    assert_int_equal(err, CB_ERR_CANCELLED);
    assert_true(hashes > 0);
    /* Stopped before it starts: nothing tried. */
    assert_int_equal(cb_pow_search(p, &h, &o, &hashes), CB_ERR_CANCELLED);
    /* Bits above the network's limit. */
    random_header(&h, 0x207fffff);
    assert_int_equal(cb_pow_search(p, &h, NULL, NULL), CB_ERR_HIGH_HASH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kernel_finds),
        cmocka_unit_test(test_stop_and_bad_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
