/* The address book: adding and refreshing, eviction when full, backoff
 * after failures, selection that skips the connected and the banned,
 * sampling, and bans that expire. */
#include "support.h"

#include <stdio.h>
#include <string.h>

#include "net/addrbook.h"
#include "net/banlist.h"

static void test_add_refresh_evict(void **state)
{
    (void)state;
    cb_addrbook *b = cb_addrbook_new(3, 1);
    cb_addr_entry *e;
    assert_int_equal(cb_addrbook_add(b, "10.0.0.1", 8833, 100, &e), CB_OK);
    assert_int_equal(cb_addrbook_add(b, "10.0.0.1", 8833, 50, &e), CB_OK);
    assert_int_equal(e->last_seen, 100); /* only moves forward */
    assert_int_equal(cb_addrbook_count(b), 1);
    assert_int_equal(cb_addrbook_add(b, "10.0.0.2", 8833, 200, NULL), CB_OK);
    assert_int_equal(cb_addrbook_add(b, "10.0.0.1", 8834, 300, NULL), CB_OK);
    /* Full: the one seen longest ago goes, unless it is connected. */
    cb_addrbook_find(b, "10.0.0.1", 8833)->connected = true;
    assert_int_equal(cb_addrbook_add(b, "10.0.0.3", 8833, 400, NULL), CB_OK);
    assert_int_equal(cb_addrbook_count(b), 3);
    assert_non_null(cb_addrbook_find(b, "10.0.0.1", 8833));
    assert_null(cb_addrbook_find(b, "10.0.0.2", 8833));
    assert_int_equal(cb_addrbook_add(b, "", 8833, 1, NULL), CB_ERR_ARG);
    assert_int_equal(cb_addrbook_add(b, "10.0.0.9", 0, 1, NULL), CB_ERR_ARG);
    char longhost[100];
    memset(longhost, 'a', sizeof longhost - 1);
    longhost[sizeof longhost - 1] = '\0';
    assert_int_equal(cb_addrbook_add(b, longhost, 1, 1, NULL), CB_ERR_ARG);
    cb_addrbook_remove(b, "10.0.0.3", 8833);
    assert_int_equal(cb_addrbook_count(b), 2);
    /* What was let go is handed over once, for the store to forget. */
    cb_addr_entry gone[4];
    assert_int_equal(cb_addrbook_take_gone(b, gone, 4), 2);
    assert_string_equal(gone[0].host, "10.0.0.2"); /* evicted */
    assert_string_equal(gone[1].host, "10.0.0.3"); /* removed */
    assert_int_equal(cb_addrbook_take_gone(b, gone, 4), 0);
    cb_addrbook_free(b);
}

static int64_t skip_at;

static bool banned(void *ctx, const cb_addr_entry *e)
{
    return cb_banlist_banned(ctx, e->host, skip_at);
}

static void test_backoff_and_select(void **state)
{
    (void)state;
    assert_int_equal(cb_addrbook_backoff(0), 0);
    assert_int_equal(cb_addrbook_backoff(1), 2);
    assert_int_equal(cb_addrbook_backoff(5), 32);
    assert_int_equal(cb_addrbook_backoff(40), 600);
    cb_addrbook *b = cb_addrbook_new(10, 2);
    cb_addr_entry *x, *y;
    assert_int_equal(cb_addrbook_add(b, "10.0.0.1", 1, 100, &x), CB_OK);
    assert_int_equal(cb_addrbook_add(b, "10.0.0.2", 1, 90, &y), CB_OK);
    int64_t now = 1000;
    assert_non_null(cb_addrbook_select(b, now, NULL, NULL));
    cb_addrbook_attempt(x, now);
    cb_addrbook_failed(x);
    cb_addrbook_failed(x);
    /* In its backoff (4 s) the other is picked; after, it is due again. */
    assert_string_equal(cb_addrbook_select(b, now + 3, NULL, NULL)->host, "10.0.0.2");
    cb_addrbook_find(b, "10.0.0.2", 1)->connected = true;
    assert_null(cb_addrbook_select(b, now + 3, NULL, NULL));
    assert_string_equal(cb_addrbook_select(b, now + 4, NULL, NULL)->host, "10.0.0.1");
    cb_addrbook_good(x, now + 5);
    assert_int_equal(x->failures, 0);
    /* What the caller refuses (a ban) is not picked. */
    cb_banlist *bans = cb_banlist_new(1);
    cb_subnet sn;
    assert_int_equal(cb_subnet_parse(&sn, "10.0.0.0/24"), CB_OK);
    assert_int_equal(cb_banlist_add(bans, &sn, now, now + 100, "test"), CB_OK);
    skip_at = now + 10;
    assert_null(cb_addrbook_select(b, now + 10, banned, bans));
    skip_at = now + 100;
    assert_non_null(cb_addrbook_select(b, now + 100, banned, bans));
    cb_banlist_free(bans);
    cb_addrbook_free(b);
}

static void test_sample(void **state)
{
    (void)state;
    cb_addrbook *b = cb_addrbook_new(100, 3);
    for (int i = 0; i < 50; i++) {
        char host[32];
        snprintf(host, sizeof host, "10.0.1.%d", i);
        assert_int_equal(cb_addrbook_add(b, host, 8833, i, NULL), CB_OK);
    }
    cb_banlist *bans = cb_banlist_new(2);
    cb_subnet sn;
    assert_int_equal(cb_subnet_parse(&sn, "10.0.1.7"), CB_OK);
    assert_int_equal(cb_banlist_add(bans, &sn, 0, 10, ""), CB_OK);
    const cb_addr_entry *out[60];
    skip_at = 0;
    assert_int_equal(cb_addrbook_sample(b, out, 60, banned, bans), 49);
    for (int i = 0; i < 49; i++) {
        assert_string_not_equal(out[i]->host, "10.0.1.7");
        for (int j = i + 1; j < 49; j++)
            assert_ptr_not_equal(out[i], out[j]);
    }
    assert_int_equal(cb_addrbook_sample(b, out, 10, banned, bans), 10);
    skip_at = 10;
    assert_int_equal(cb_addrbook_sample(b, out, 60, banned, bans), 50); /* the ban ended */
    assert_int_equal(cb_addrbook_sample(b, out, 60, NULL, NULL), 50);
    cb_banlist_free(bans);
    cb_addrbook_free(b);
}

static void test_gossip_cannot_crowd_out(void **state)
{
    (void)state;
    cb_addrbook *b = cb_addrbook_new(300, 5);
    /* One public IP gets CB_ADDR_PER_HOST ports, one /16 CB_ADDR_PER_GROUP. */
    for (int port = 1; port <= 10; port++)
        assert_int_equal(cb_addrbook_add(b, "8.8.8.8", (uint16_t)port, 1, NULL),
                         port <= CB_ADDR_PER_HOST ? CB_OK : CB_ERR_TOO_LARGE);
    size_t added = 0;
    for (int i = 0; i < 200; i++) {
        char host[32];
        snprintf(host, sizeof host, "8.8.%d.%d", 1 + i / 200, i % 200);
        added += cb_addrbook_add(b, host, 8833, 1, NULL) == CB_OK;
    }
    assert_int_equal(added + CB_ADDR_PER_HOST, CB_ADDR_PER_GROUP);
    /* A local network's addresses (loopback) have no such limit. */
    for (int port = 1; port <= 100; port++)
        assert_int_equal(cb_addrbook_add(b, "127.0.0.1", (uint16_t)port, 1, NULL), CB_OK);
    cb_addrbook_free(b);

    /* A full book keeps the peers that proved real: fresh gossip pushes
     * out entries never tried, even older-looking tried ones stay. */
    b = cb_addrbook_new(4, 6);
    cb_addr_entry *e;
    const char *hosts[] = {"1.1.0.1", "2.2.0.1", "3.3.0.1", "4.4.0.1"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(cb_addrbook_add(b, hosts[i], 8833, 10 + i, &e), CB_OK);
    cb_addrbook_good(cb_addrbook_find(b, "1.1.0.1", 8833), 5); /* tried, seen at 5 */
    for (int i = 0; i < 20; i++) {
        char host[32];
        snprintf(host, sizeof host, "9.%d.0.1", i);
        assert_int_equal(cb_addrbook_add(b, host, 8833, 1000 + i, NULL), CB_OK);
    }
    assert_non_null(cb_addrbook_find(b, "1.1.0.1", 8833));
    /* Selection: tried and new half the time each, whatever the times. */
    int tried = 0;
    for (int i = 0; i < 400; i++)
        tried += cb_addrbook_select(b, 2000, NULL, NULL)->tried;
    assert_true(tried > 120 && tried < 280);
    cb_addrbook_free(b);
}

static void test_netgroups(void **state)
{
    (void)state;
    cb_netgroup a, b, c;
    assert_true(cb_netgroup_of("8.8.4.4", &a));
    assert_true(cb_netgroup_of("8.8.200.1", &b));
    assert_true(cb_netgroup_of("8.9.4.4", &c));
    assert_true(cb_netgroup_equal(&a, &b));
    assert_false(cb_netgroup_equal(&a, &c));
    assert_true(cb_netgroup_of("::ffff:8.8.1.1", &c)); /* mapped: the IPv4 group */
    assert_true(cb_netgroup_equal(&a, &c));
    assert_true(cb_netgroup_of("2a01:4f8:1:2::1", &a));
    assert_true(cb_netgroup_of("2a01:4f8:ffff::9", &b));
    assert_true(cb_netgroup_equal(&a, &b));
    assert_false(cb_netgroup_of("example.org", &a));
    const char *local[] = {"127.0.0.1",   "10.1.2.3",        "172.16.0.1",  "172.31.255.255",
                           "192.168.1.1", "169.254.1.1",     "100.64.0.1",  "0.1.2.3",
                           "224.0.0.1",   "255.255.255.255", "192.0.2.1",   "::1",
                           "fd00::1",     "fe80::1",         "2001:db8::1", "::"};
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++) {
        assert_true(cb_netgroup_of(local[i], &a));
        assert_true(cb_netgroup_is_local(&a));
        assert_false(cb_addr_routable(local[i]));
    }
    const char *public[] = {"8.8.8.8", "172.32.0.1", "100.128.0.1", "2a01:4f8::1", "1.1.1.1"};
    for (size_t i = 0; i < sizeof public / sizeof public[0]; i++)
        assert_true(cb_addr_routable(public[i]));
}

/* One source network group cannot fill the book: past its share what it
 * tells us replaces its own entries, and honest addresses from other
 * sources stay. A local source (a learners' network) has no share. */
static void test_source_share(void **state)
{
    (void)state;
    cb_addrbook *b = cb_addrbook_new(2000, 7);
    assert_non_null(b);
    char host[32], src[32];
    size_t share = 2000 / CB_ADDR_SOURCE_SHARE;
    /* Ten honest peers, each in its own /16, tell us of 50 addresses. */
    for (int s = 0; s < 10; s++) {
        snprintf(src, sizeof src, "%d.1.0.1", 30 + s);
        for (int k = 0; k < 50; k++) {
            snprintf(host, sizeof host, "%d.%d.7.7", 100 + s, k);
            assert_int_equal(cb_addrbook_add_from(b, host, 8833, 1000, src, NULL), CB_OK);
        }
    }
    assert_int_equal(cb_addrbook_count(b), 500);
    /* One liar (and its /16 neighbour) floods 20,000 fresher addresses
     * across 10,000 groups. */
    for (int k = 0; k < 20000; k++) {
        snprintf(host, sizeof host, "%d.%d.%d.1", 1 + k % 99, (k / 99) % 250, k / 24750);
        const char *liar = k % 2 ? "66.6.0.1" : "66.6.200.9";
        cb_err err = cb_addrbook_add_from(b, host, 8833, 5000 + k, liar, NULL);
        assert_true(err == CB_OK || err == CB_ERR_TOO_LARGE);
    }
    size_t from_liar = 0, honest = 0;
    for (size_t i = 0; i < cb_addrbook_count(b); i++) {
        const cb_addr_entry *e = cb_addrbook_at(b, i);
        int a;
        if (sscanf(e->host, "%d.", &a) == 1 && a >= 100 && a < 110)
            honest++;
        else
            from_liar++;
    }
    assert_int_equal(honest, 500);
    assert_int_equal(from_liar, share);
    /* Its latest claims are what it keeps (its own stalest went first). */
    assert_non_null(cb_addrbook_find(b, host, 8833));
    /* Once an address proved real (tried), it no longer counts against
     * the source that told us of it. */
    cb_addr_entry *e = cb_addrbook_find(b, host, 8833);
    cb_addrbook_good(e, 6000);
    assert_int_equal(cb_addrbook_add_from(b, "99.99.99.99", 8833, 7000, "66.6.0.1", NULL), CB_OK);
    assert_non_null(cb_addrbook_find(b, host, 8833));
    cb_addrbook_free(b);

    /* A local source fills the book as gossip always did. */
    b = cb_addrbook_new(2000, 8);
    for (int k = 0; k < 3000; k++) {
        snprintf(host, sizeof host, "%d.%d.1.1", 20 + k / 200, k % 200);
        assert_int_equal(cb_addrbook_add_from(b, host, 8833, 1000 + k, "127.0.0.1", NULL), CB_OK);
    }
    assert_int_equal(cb_addrbook_count(b), 2000);
    cb_addrbook_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_refresh_evict),
        cmocka_unit_test(test_backoff_and_select),
        cmocka_unit_test(test_sample),
        cmocka_unit_test(test_gossip_cannot_crowd_out),
        cmocka_unit_test(test_netgroups),
        cmocka_unit_test(test_source_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
