/* The header feed: every stored header handed over once, in the store's
 * order, across many batches; a header that does not hash to its row
 * flagged; the caller's error stopping the reader and coming back. */
#include "support.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/header_feed.h"
#include "store/store.h"

#define BLOCKS 1300 /* more than two batches and a part */
#define T0 1795392000u

static const cb_params *P;
static char dir[64], path[128];
static uint8_t hashes[BLOCKS + 1][32];

static int setup(void **state)
{
    (void)state;
    uint8_t miner[20] = {7};
    char msg[256];
    cb_store *s;
    P = cb_params_regtest();
    snprintf(dir, sizeof dir, "/tmp/cb-feed-test-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/feed.db", dir);
    assert_int_equal(cb_store_open(&s, P, path, msg, sizeof msg), CB_OK);
    cb_params_genesis_hash(P, hashes[0]);
    for (uint32_t h = 1; h <= BLOCKS; h++) {
        cb_block b;
        cbt_make_block(P, &b, hashes[h - 1], h, T0 + 60 * h, miner, NULL, 0, 0);
        cb_header_hash(hashes[h], &b.header);
        assert_int_equal(cb_store_put_block(s, hashes[h], h, &b), CB_OK);
        cb_block_clear(&b);
    }
    cb_store_close(s);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[100];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

typedef struct {
    size_t seen, batches, bad;
    uint32_t bad_height;
    size_t stop_at; /* 0: never */
    bool in_order;
} tally;

static cb_err count(void *ctx, const cb_fed_header *h, size_t n)
{
    tally *t = ctx;
    t->batches++;
    for (size_t i = 0; i < n; i++, t->seen++) {
        if (t->stop_at && t->seen == t->stop_at)
            return CB_ERR_TOO_LARGE;
        if (h[i].row.height != t->seen || memcmp(h[i].row.hash, hashes[t->seen], 32) != 0)
            t->in_order = false;
        if (!h[i].hash_ok) {
            t->bad++;
            t->bad_height = h[i].row.height;
        }
    }
    return CB_OK;
}

/* A whole feed from a fresh open; the store is given back open. */
static cb_store *feed_all(tally *t)
{
    char msg[256];
    cb_store *s;
    assert_int_equal(cb_store_open(&s, P, path, msg, sizeof msg), CB_OK);
    *t = (tally){.in_order = true};
    assert_int_equal(cb_header_feed(s, count, t), CB_OK);
    assert_int_equal(t->seen, BLOCKS + 1);
    return s;
}

/* Changes block 700's nonce by delta behind the store's back. */
static void bump_nonce(int delta)
{
    sqlite3 *db;
    char sql[100];
    snprintf(sql, sizeof sql, "UPDATE blockchain SET nonce = nonce + %d WHERE height = 700", delta);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_every_header_once_in_order(void **state)
{
    (void)state;
    tally t;
    cb_store *s = feed_all(&t);
    assert_true(t.in_order);
    assert_true(t.batches >= 3);
    assert_int_equal(t.bad, 0);
    /* The store is the caller's again. */
    uint8_t tip[32];
    uint32_t height;
    cb_err err = cb_store_tip(s, tip, &height);
    assert_true(err == CB_OK || err == CB_ERR_NOT_FOUND);
    cb_store_close(s);
}

static void test_a_header_not_its_hash_is_flagged(void **state)
{
    (void)state;
    tally t;
    bump_nonce(1);
    cb_store *s = feed_all(&t);
    assert_true(t.in_order);
    assert_int_equal(t.bad, 1);
    assert_int_equal(t.bad_height, 700);
    cb_store_close(s);
    bump_nonce(-1);
}

static void test_the_callers_error_stops_it(void **state)
{
    (void)state;
    char msg[256];
    cb_store *s;
    assert_int_equal(cb_store_open(&s, P, path, msg, sizeof msg), CB_OK);
    for (size_t stop = 1; stop <= BLOCKS; stop += 433) {
        tally t = {.in_order = true, .stop_at = stop};
        assert_int_equal(cb_header_feed(s, count, &t), CB_ERR_TOO_LARGE);
        assert_int_equal(t.seen, stop);
        assert_true(t.in_order);
    }
    cb_store_close(s);
    tally t; /* and a whole walk after those */
    cb_store_close(feed_all(&t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_header_once_in_order),
        cmocka_unit_test(test_a_header_not_its_hash_is_flagged),
        cmocka_unit_test(test_the_callers_error_stops_it),
    };
    return cmocka_run_group_tests_name("header feed", tests, setup, teardown);
}
