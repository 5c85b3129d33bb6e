/* The growth helper: doubling from a first size, room for many at once,
 * overflow refused, and a failure that leaves the array as it was. */
#include "support.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"

static void test_next(void **state)
{
    (void)state;
    assert_int_equal(cb_grow_next(0, 16, 8, 0), 16);
    assert_int_equal(cb_grow_next(16, 16, 8, 0), 32);
    assert_int_equal(cb_grow_next(64, 16, 32, 100), 0);         /* past its limit */
    assert_int_equal(cb_grow_next(32, 16, 32, 64), 64);         /* up to it */
    assert_int_equal(cb_grow_next(SIZE_MAX / 16, 1, 16, 0), 0); /* past SIZE_MAX bytes */
}

static void test_grow(void **state)
{
    (void)state;
    uint32_t *v = NULL;
    size_t cap = 0, n = 0;
    for (uint32_t i = 0; i < 1000; i++) {
        assert_int_equal(cb_grow(&v, &cap, n + 1, sizeof *v, 4), CB_OK);
        assert_true(cap >= n + 1);
        v[n++] = i;
    }
    assert_int_equal(cap, 1024); /* 4, 8, ... 1024: doubled, never more */
    for (uint32_t i = 0; i < 1000; i++)
        assert_int_equal(v[i], i);
    /* Room for many at once, in one step. */
    assert_int_equal(cb_grow(&v, &cap, 5000, sizeof *v, 4), CB_OK);
    assert_int_equal(cap, 8192);
    assert_int_equal(v[999], 999);
    /* Enough room already: nothing changes. */
    uint32_t *before = v;
    assert_int_equal(cb_grow(&v, &cap, 10, sizeof *v, 4), CB_OK);
    assert_ptr_equal(v, before);
    /* An impossible size fails and leaves the array and its capacity. */
    assert_int_equal(cb_grow(&v, &cap, SIZE_MAX / 2, sizeof *v, 4), CB_ERR_NOMEM);
    assert_ptr_equal(v, before);
    assert_int_equal(cap, 8192);
    assert_int_equal(cb_resize(&v, SIZE_MAX / 2, sizeof *v), CB_ERR_NOMEM);
    assert_ptr_equal(v, before);
    assert_int_equal(v[999], 999);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next),
        cmocka_unit_test(test_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
