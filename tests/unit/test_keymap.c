/* The keyed map against a reference under random puts and removals, with
 * keys that share long prefixes. */
#include "support.h"

#include <string.h>

#include "core/keymap.h"

#define N 2000

static void test_against_reference(void **state)
{
    (void)state;
    static uint8_t keys[N][32];
    static int64_t ref[N]; /* -1: absent */
    cb_keymap *m = cb_keymap_new(32, 77);
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < N; i++) {
        memset(keys[i], 0xab, 32);
        memcpy(keys[i] + 28, &i, sizeof i); /* differ only in the last bytes */
        ref[i] = -1;
    }
    for (int round = 0; round < 30000; round++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        int i = (int)(rng % N);
        if ((rng >> 32) % 3 == 0) {
            bool was = cb_keymap_remove(m, keys[i]);
            assert_int_equal(was, ref[i] >= 0);
            ref[i] = -1;
        } else {
            uint32_t v = (uint32_t)(rng >> 40);
            assert_int_equal(cb_keymap_put(m, keys[i], v), CB_OK);
            ref[i] = v;
        }
        if (round % 1499 == 0) {
            size_t live = 0;
            for (int k = 0; k < N; k++) {
                uint32_t v;
                bool has = cb_keymap_get(m, keys[k], &v);
                assert_int_equal(has, ref[k] >= 0);
                if (has)
                    assert_int_equal(v, (uint32_t)ref[k]);
                live += ref[k] >= 0;
            }
            assert_int_equal(cb_keymap_count(m), live);
        }
    }
    cb_keymap_free(m);
    assert_null(cb_keymap_new(0, 1));
    assert_null(cb_keymap_new(33, 1));
    cb_keymap_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
