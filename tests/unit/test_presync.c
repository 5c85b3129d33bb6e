/* Headers presync: a chain is judged header by header as the chain index
 * would judge it, its work counted, and a second pass of the same chain
 * matches its checkpoints while another chain does not. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#include "core/chain.h"
#include "core/pow.h"
#include "net/presync.h"

#define T0 1795392000u
#define NOW ((int64_t)T0 + 10000000)

static const cb_params *P;

/* n headers on parent, tagged, into out[0..n). */
static void make_chain(cb_header *out, const uint8_t parent[32], uint32_t t0, size_t n,
                       uint32_t tag)
{
    uint8_t prev[32];
    memcpy(prev, parent, 32);
    for (size_t i = 0; i < n; i++) {
        cbt_header_on(P, &out[i], prev, t0 + (uint32_t)i, tag);
        cb_header_hash(prev, &out[i]);
    }
}

static void test_presync_counts_and_checks(void **state)
{
    (void)state;
    P = cb_params_regtest();
    cb_chain *c = cb_chain_new(P, 3);
    enum { OURS = 700, THEIRS = 900 };
    cb_header *ours = malloc(OURS * sizeof *ours), *theirs = malloc(THEIRS * sizeof *theirs);
    const cb_chain_entry *g = cb_chain_tip(c), *e = NULL;
    make_chain(ours, g->hash, T0 + 1, OURS, 1);
    for (size_t i = 0; i < OURS; i++)
        assert_int_equal(cb_chain_accept_header(c, &ours[i], NOW, &e), CB_OK);
    make_chain(theirs, g->hash, T0 + 1, THEIRS, 2);
    cb_presync *s = cb_presync_new(c, g, 77);
    assert_non_null(s);
    /* A header that does not continue the chain, or breaks a rule. */
    assert_int_equal(cb_presync_add(s, &theirs[1], NOW), CB_ERR_PREV_MISSING);
    cb_header bad = theirs[0];
    bad.bits = 0x1d00ffff;
    assert_int_equal(cb_presync_add(s, &bad, NOW), CB_ERR_HIGH_HASH);
    bad = theirs[0];
    bad.time = T0 - 5;
    cbt_mine(P, &bad);
    assert_int_equal(cb_presync_add(s, &bad, NOW), CB_ERR_TIME_OLD);
    bad = theirs[0];
    bad.time = (uint32_t)NOW + 3 * 3600;
    cbt_mine(P, &bad);
    assert_int_equal(cb_presync_add(s, &bad, NOW), CB_ERR_TIME_NEW);
    const cb_u256 *tip_work = &e->work;
    for (size_t i = 0; i < THEIRS; i++) {
        assert_int_equal(cb_presync_add(s, &theirs[i], NOW), CB_OK);
        /* Beats our 700 headers from the 701st on, not before. */
        assert_int_equal(cb_presync_beats(s, tip_work), i + 1 > OURS);
    }
    assert_int_equal(cb_presync_height(s), THEIRS);
    uint8_t h[32];
    cb_header_hash(h, &theirs[THEIRS - 1]);
    assert_memory_equal(cb_presync_last_hash(s), h, 32);
    assert_ptr_equal(cb_presync_fork(s), g);
    /* The second pass: the same chain matches every checkpoint; another
     * chain misses one (a 16-bit check: 1 in 65,536 would slip past one,
     * never past the three of this chain). */
    size_t misses = 0;
    for (uint32_t i = 0; i < THEIRS; i++) {
        uint8_t same[32], other[32];
        cb_header_hash(same, &theirs[i]);
        assert_true(cb_presync_matches(s, i + 1, same));
        if (i < OURS) {
            cb_header_hash(other, &ours[i]);
            misses += !cb_presync_matches(s, i + 1, other);
        }
    }
    assert_true(misses >= 1);
    cb_presync_free(s);
    cb_presync_free(NULL);
    free(ours);
    free(theirs);
    cb_chain_free(c);
}

static void test_presync_from_a_fork_point(void **state)
{
    (void)state;
    P = cb_params_regtest();
    cb_chain *c = cb_chain_new(P, 4);
    enum { BASE = 300, SIDE = 400 };
    cb_header *base = malloc(BASE * sizeof *base), *side = malloc(SIDE * sizeof *side);
    const cb_chain_entry *e = NULL;
    make_chain(base, cb_chain_tip(c)->hash, T0 + 1, BASE, 1);
    for (size_t i = 0; i < BASE; i++)
        assert_int_equal(cb_chain_accept_header(c, &base[i], NOW, &e), CB_OK);
    const cb_chain_entry *fork = cb_chain_ancestor(e, 100);
    /* Times must pass the fork's median time past: start after its own. */
    make_chain(side, fork->hash, fork->header.time + 1, SIDE, 5);
    cb_presync *s = cb_presync_new(c, fork, 9);
    for (size_t i = 0; i < SIDE; i++)
        assert_int_equal(cb_presync_add(s, &side[i], NOW), CB_OK);
    assert_int_equal(cb_presync_height(s), 100 + SIDE);
    assert_true(cb_presync_beats(s, &e->work));
    /* Checkpoints are at heights 256 and 512 only. */
    uint8_t zero[32] = {0};
    assert_true(cb_presync_matches(s, 255, zero));
    assert_true(cb_presync_matches(s, 100, zero));
    uint8_t at256[32];
    cb_header_hash(at256, &side[255 - 100]);
    assert_true(cb_presync_matches(s, 256, at256));
    cb_presync_free(s);
    free(base);
    free(side);
    cb_chain_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presync_counts_and_checks),
        cmocka_unit_test(test_presync_from_a_fork_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
