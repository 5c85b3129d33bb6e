/* Bans of addresses and subnets (IPv4 and IPv6, Core's setban forms),
 * kept without a cap, and the bounded discouraged set. */
#include "support.h"

#include <stdio.h>
#include <string.h>

#include "net/banlist.h"

static cb_subnet net_of(const char *text)
{
    cb_subnet s;
    assert_int_equal(cb_subnet_parse(&s, text), CB_OK);
    return s;
}

static void test_parse_and_format(void **state)
{
    (void)state;
    struct {
        const char *in, *out;
    } good[] = {
        {"1.2.3.4", "1.2.3.4"},
        {"1.2.3.4/32", "1.2.3.4"},
        {"10.1.2.3/24", "10.1.2.0/24"}, /* host bits cleared, as Core */
        {"10.0.0.0/8", "10.0.0.0/8"},
        {"0.0.0.0/0", "0.0.0.0/0"},
        {"::1", "::1"},
        {"2001:db8:1:2:3:4:5:6/64", "2001:db8:1:2::/64"},
        {"2001:db8::/128", "2001:db8::"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char text[CB_SUBNET_TEXT_MAX];
        cb_subnet s = net_of(good[i].in);
        cb_subnet_format(text, &s);
        assert_string_equal(text, good[i].out);
        /* The canonical text reads back the same. */
        cb_subnet again = net_of(text);
        assert_memory_equal(&again, &s, sizeof s);
    }
    const char *bad[] = {"",           "1.2.3",        "1.2.3.4/33", "1.2.3.4/",
                         "1.2.3.4/-1", "::1/129",      "host.local", "1.2.3.4/2x",
                         "/24",        "1.2.3.4/0024", "1.2.3.4 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cb_subnet s;
        assert_int_equal(cb_subnet_parse(&s, bad[i]), CB_ERR_ARG);
    }
}

static void test_contains(void **state)
{
    (void)state;
    cb_subnet s = net_of("10.1.2.0/24");
    assert_true(cb_subnet_contains(&s, "10.1.2.0"));
    assert_true(cb_subnet_contains(&s, "10.1.2.255"));
    assert_false(cb_subnet_contains(&s, "10.1.3.0"));
    assert_false(cb_subnet_contains(&s, "::ffff:10.1.3.0"));
    assert_true(cb_subnet_contains(&s, "::ffff:10.1.2.9")); /* the same address */
    assert_false(cb_subnet_contains(&s, "not an address"));
    cb_subnet six = net_of("2001:db8:1:2::/64");
    assert_true(cb_subnet_contains(&six, "2001:db8:1:2:ffff::1"));
    assert_false(cb_subnet_contains(&six, "2001:db8:1:3::1"));
    assert_false(cb_subnet_contains(&six, "10.1.2.3"));
    cb_subnet all4 = net_of("0.0.0.0/0");
    assert_true(cb_subnet_contains(&all4, "8.8.8.8"));
    assert_false(cb_subnet_contains(&all4, "::1"));
}

static void test_bans(void **state)
{
    (void)state;
    cb_banlist *b = cb_banlist_new(4);
    cb_subnet one = net_of("127.0.0.2"), wide = net_of("10.1.2.0/24");
    assert_int_equal(cb_banlist_add(b, &one, 0, 100, "bad checksum"), CB_OK);
    assert_int_equal(cb_banlist_add(b, &wide, 0, 50, "manually added"), CB_OK);
    assert_true(cb_banlist_banned(b, "127.0.0.2", 99));
    assert_false(cb_banlist_banned(b, "127.0.0.2", 100));
    assert_true(cb_banlist_banned(b, "10.1.2.77", 49));
    assert_false(cb_banlist_banned(b, "10.1.3.77", 0));
    assert_true(cb_banlist_has(b, &wide, 0));
    cb_subnet narrower = net_of("10.1.2.0/25");
    assert_false(cb_banlist_has(b, &narrower, 0));
    assert_int_equal(cb_banlist_prune(b, 60), 1); /* the /24 expired */
    assert_string_equal(cb_banlist_at(b, 0)->reason, "bad checksum");
    assert_null(cb_banlist_at(b, 1));
    assert_true(cb_banlist_remove(b, &one));
    assert_false(cb_banlist_remove(b, &one));
    assert_false(cb_banlist_banned(b, "127.0.0.2", 0));
    /* No cap: thousands of single addresses and a hundred subnets. */
    for (int i = 0; i < 5000; i++) {
        char text[32];
        snprintf(text, sizeof text, "10.%d.%d.%d", i / 65536, (i / 256) % 256, i % 256);
        cb_subnet s = net_of(text);
        assert_int_equal(cb_banlist_add(b, &s, 0, 1000, "test"), CB_OK);
    }
    for (int i = 0; i < 100; i++) {
        char text[48];
        snprintf(text, sizeof text, "2001:db8:%x::/48", i);
        cb_subnet s = net_of(text);
        assert_int_equal(cb_banlist_add(b, &s, 0, 1000, "test"), CB_OK);
    }
    assert_int_equal(cb_banlist_prune(b, 0), 5100);
    assert_true(cb_banlist_banned(b, "10.0.19.135", 0));
    assert_true(cb_banlist_banned(b, "2001:db8:63:1::5", 0));
    assert_false(cb_banlist_banned(b, "2001:db8:64::1", 0));
    /* Removing from the middle keeps every other ban found. */
    cb_subnet mid = net_of("10.0.10.0");
    assert_true(cb_banlist_remove(b, &mid));
    assert_false(cb_banlist_banned(b, "10.0.10.0", 0));
    for (int i = 0; i < 5000; i += 7) {
        char text[32];
        snprintf(text, sizeof text, "10.%d.%d.%d", i / 65536, (i / 256) % 256, i % 256);
        assert_int_equal(cb_banlist_banned(b, text, 0), i != 2560);
    }
    cb_banlist_clear(b);
    assert_int_equal(cb_banlist_prune(b, 0), 0);
    assert_false(cb_banlist_banned(b, "10.0.19.135", 0));
    cb_banlist_free(b);
    cb_banlist_free(NULL);
}

static void test_discouraged(void **state)
{
    (void)state;
    cb_banlist *b = cb_banlist_new(5);
    cb_banlist_discourage(b, "127.0.0.9");
    cb_banlist_discourage(b, "not an address");
    assert_true(cb_banlist_discouraged(b, "127.0.0.9"));
    assert_false(cb_banlist_discouraged(b, "127.0.0.8"));
    assert_false(cb_banlist_banned(b, "127.0.0.9", 0)); /* not a ban */
    /* Bounded: when full it forgets everyone at once, then fills again. */
    for (int i = 0; i < CB_DISCOURAGED_MAX + 10; i++) {
        char text[32];
        snprintf(text, sizeof text, "10.%d.%d.%d", i / 65536, (i / 256) % 256, i % 256);
        cb_banlist_discourage(b, text);
        assert_true(cb_banlist_discouraged_count(b) <= CB_DISCOURAGED_MAX);
    }
    assert_true(cb_banlist_discouraged(b, "10.0.195.89")); /* i = 50009 */
    assert_false(cb_banlist_discouraged(b, "127.0.0.9"));
    cb_banlist_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_format),
        cmocka_unit_test(test_contains),
        cmocka_unit_test(test_bans),
        cmocka_unit_test(test_discouraged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
