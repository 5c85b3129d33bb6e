/* The P2P wire format: Bitcoin's framing vectors, round trips of every
 * payload, the SPEC limits, and the block locator. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#include "core/chain.h"
#include "net/protocol.h"

static const uint8_t BITCOIN_MAGIC[4] = {0xf9, 0xbe, 0xb4, 0xd9};

static void test_framing_vectors(void **state)
{
    (void)state;
    /* Bitcoin's verack: empty payload, checksum 5df6e0e2. */
    uint8_t hdr[CB_MSG_HEADER_SIZE], want[CB_MSG_HEADER_SIZE];
    cbt_unhex(want, sizeof want, "f9beb4d976657261636b000000000000000000005df6e0e2");
    cb_msg_header_build(hdr, BITCOIN_MAGIC, "verack", NULL, 0);
    assert_memory_equal(hdr, want, sizeof hdr);
    cb_msg_header h;
    assert_int_equal(cb_msg_header_parse(&h, hdr, BITCOIN_MAGIC), CB_OK);
    assert_string_equal(h.command, "verack");
    assert_int_equal(h.length, 0);
    assert_true(cb_msg_checksum_ok(&h, NULL, 0));
    /* Another network's magic, a command with bytes after its NUL, a
     * non-printable command, an empty one, a payload over 4,000,000. */
    assert_int_equal(cb_msg_header_parse(&h, hdr, cb_params_regtest()->magic), CB_ERR_NET_MAGIC);
    uint8_t bad[CB_MSG_HEADER_SIZE];
    memcpy(bad, hdr, sizeof bad);
    bad[4 + 10] = 'x';
    assert_int_equal(cb_msg_header_parse(&h, bad, BITCOIN_MAGIC), CB_ERR_NET_COMMAND);
    memcpy(bad, hdr, sizeof bad);
    bad[5] = 0x07;
    assert_int_equal(cb_msg_header_parse(&h, bad, BITCOIN_MAGIC), CB_ERR_NET_COMMAND);
    memcpy(bad, hdr, sizeof bad);
    memset(bad + 4, 0, 12);
    assert_int_equal(cb_msg_header_parse(&h, bad, BITCOIN_MAGIC), CB_ERR_NET_COMMAND);
    cb_msg_header_build(bad, BITCOIN_MAGIC, "block", NULL, 0);
    bad[16] = 0x01, bad[17] = 0x09, bad[18] = 0x3d, bad[19] = 0x00; /* 4,000,001 */
    assert_int_equal(cb_msg_header_parse(&h, bad, BITCOIN_MAGIC), CB_ERR_TOO_LARGE);
    bad[16] = 0x00; /* 4,000,000 is allowed */
    assert_int_equal(cb_msg_header_parse(&h, bad, BITCOIN_MAGIC), CB_OK);
    /* A twelve-character command fills the field with no NUL. */
    cb_msg_header_build(hdr, BITCOIN_MAGIC, "abcdefghijkl", (const uint8_t *)"x", 1);
    assert_int_equal(cb_msg_header_parse(&h, hdr, BITCOIN_MAGIC), CB_OK);
    assert_string_equal(h.command, "abcdefghijkl");
    assert_true(cb_msg_checksum_ok(&h, (const uint8_t *)"x", 1));
    assert_false(cb_msg_checksum_ok(&h, (const uint8_t *)"y", 1));
}

static void test_version_round_trip(void **state)
{
    (void)state;
    cb_version_msg v, w;
    uint8_t buf[512], ip[4] = {127, 0, 0, 1};
    memset(&v, 0, sizeof v);
    v.version = CB_PROTOCOL_VERSION;
    v.services = CB_NODE_NETWORK;
    v.timestamp = 1795392000;
    cb_netaddr_set_ipv4(&v.recv, ip, 18833);
    v.nonce = 0x0123456789abcdefull;
    strcpy(v.user_agent, "/CoinBit:0.1.0/");
    v.start_height = 77;
    v.relay = false;
    size_t n = cb_version_serialize(buf, sizeof buf, &v);
    assert_int_equal(n, 80 + 1 + 15 + 4 + 1);
    assert_int_equal(buf[80], 15);
    assert_int_equal(cb_version_parse(&w, buf, n), CB_OK);
    assert_int_equal(w.nonce, v.nonce);
    assert_int_equal(w.start_height, 77);
    assert_false(w.relay);
    assert_string_equal(w.user_agent, "/CoinBit:0.1.0/");
    uint8_t got[4];
    assert_true(cb_netaddr_ipv4(&w.recv, got));
    assert_memory_equal(got, ip, 4);
    assert_int_equal(w.recv.port, 18833);
    assert_int_equal(buf[20 + 24], 18833 >> 8); /* the port is big-endian */
    /* Without the relay byte it is true; one byte more is trailing data. */
    assert_int_equal(cb_version_parse(&w, buf, n - 1), CB_OK);
    assert_true(w.relay);
    assert_int_equal(cb_version_parse(&w, buf, n + 1), CB_ERR_TRAILING);
    for (size_t cut = 0; cut < n - 1; cut++)
        assert_int_not_equal(cb_version_parse(&w, buf, cut), CB_OK);
    /* A user agent longer than 256 bytes is refused. */
    buf[80] = 0xfd, buf[81] = 0x01, buf[82] = 0x01;
    assert_int_equal(cb_version_parse(&w, buf, sizeof buf), CB_ERR_TOO_LARGE);
}

static void test_inv_and_limits(void **state)
{
    (void)state;
    size_t n = CB_MAX_INV + 1;
    cb_inv *inv = calloc(n, sizeof *inv);
    uint8_t *buf = malloc(9 + n * 36);
    for (size_t i = 0; i < n; i++) {
        inv[i].type = i % 2 ? CB_INV_TX : CB_INV_BLOCK;
        memcpy(inv[i].hash, &i, sizeof i);
    }
    size_t len = cb_inv_serialize(buf, 9 + n * 36, inv, CB_MAX_INV);
    cb_inv *back;
    size_t got;
    assert_int_equal(cb_inv_parse(&back, &got, buf, len), CB_OK);
    assert_int_equal(got, CB_MAX_INV);
    assert_memory_equal(back, inv, CB_MAX_INV * sizeof *inv);
    free(back);
    len = cb_inv_serialize(buf, 9 + n * 36, inv, n);
    assert_int_equal(cb_inv_parse(&back, &got, buf, len), CB_ERR_TOO_LARGE);
    assert_null(back);
    /* A count that promises more than is there costs nothing. */
    uint8_t lie[5] = {0xfe, 0x40, 0x42, 0x0f, 0x00};
    assert_int_not_equal(cb_inv_parse(&back, &got, lie, sizeof lie), CB_OK);
    len = cb_inv_serialize(buf, 9 + n * 36, inv, 3);
    assert_int_equal(cb_inv_parse(&back, &got, buf, len - 1), CB_ERR_TRUNCATED);
    free(inv);
    free(buf);
}

static void test_addr_getheaders_headers(void **state)
{
    (void)state;
    cb_netaddr a[CB_MAX_ADDR + 1];
    memset(a, 0, sizeof a);
    for (int i = 0; i <= CB_MAX_ADDR; i++) {
        uint8_t ip[4] = {10, 0, (uint8_t)(i >> 8), (uint8_t)i};
        cb_netaddr_set_ipv4(&a[i], ip, (uint16_t)(1000 + i));
        a[i].time = 1795392000u + (uint32_t)i;
        a[i].services = 1;
    }
    static uint8_t buf[3 + (CB_MAX_ADDR + 1) * 30];
    size_t len = cb_addr_serialize(buf, sizeof buf, a, CB_MAX_ADDR);
    cb_netaddr *back;
    size_t n;
    assert_int_equal(cb_addr_parse(&back, &n, buf, len), CB_OK);
    assert_int_equal(n, CB_MAX_ADDR);
    assert_memory_equal(back, a, CB_MAX_ADDR * sizeof *a);
    free(back);
    len = cb_addr_serialize(buf, sizeof buf, a, CB_MAX_ADDR + 1);
    assert_int_equal(cb_addr_parse(&back, &n, buf, len), CB_ERR_TOO_LARGE);

    cb_getheaders_msg *g = calloc(1, sizeof *g), *g2 = calloc(1, sizeof *g2);
    g->version = CB_PROTOCOL_VERSION;
    g->count = CB_MAX_LOCATOR;
    for (size_t i = 0; i < g->count; i++)
        memset(g->hashes[i], (int)i, 32);
    memset(g->stop, 0xee, 32);
    len = cb_getheaders_serialize(buf, sizeof buf, g);
    assert_int_equal(len, 4 + 1 + 101 * 32 + 32);
    assert_int_equal(cb_getheaders_parse(g2, buf, len), CB_OK);
    assert_memory_equal(g2, g, sizeof *g);
    buf[4] = 102; /* one hash more than a locator may hold */
    assert_int_equal(cb_getheaders_parse(g2, buf, len + 32), CB_ERR_TOO_LARGE);
    free(g);
    free(g2);

    cb_header h[3];
    memset(h, 0, sizeof h);
    for (int i = 0; i < 3; i++)
        h[i].nonce = (uint32_t)i, h[i].bits = 0x207fffff;
    len = cb_headers_serialize(buf, sizeof buf, h, 3);
    assert_int_equal(len, 1 + 3 * 81);
    cb_header *hb;
    assert_int_equal(cb_headers_parse(&hb, &n, buf, len), CB_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(hb, h, sizeof h);
    free(hb);
    buf[81] = 1; /* a header must not carry transactions */
    assert_int_equal(cb_headers_parse(&hb, &n, buf, len), CB_ERR_TOO_LARGE);
    uint8_t many[3] = {0xfd, 0xd1, 0x07}; /* 2001 */
    assert_int_equal(cb_headers_parse(&hb, &n, many, sizeof many), CB_ERR_TOO_LARGE);
}

static void test_locator_and_fork(void **state)
{
    (void)state;
    const cb_params *p = cb_params_regtest();
    cb_chain *c = cb_chain_new(p, 5);
    uint8_t prev[32], miner[20] = {1};
    cb_params_genesis_hash(p, prev);
    for (uint32_t h = 1; h <= 40; h++) {
        cb_block b;
        cbt_make_block(p, &b, prev, h, 1795392000u + h, miner, NULL, 0, 0);
        assert_int_equal(cb_chain_accept_block(c, &b, 1795392000 + 1000, NULL), CB_OK);
        cb_header_hash(prev, &b.header);
        cb_block_clear(&b);
    }
    uint8_t loc[CB_MAX_LOCATOR][32];
    size_t n = cb_chain_locator(cb_chain_tip(c), loc, CB_MAX_LOCATOR);
    /* As Core: 40..30 one by one, then steps doubling, and genesis. */
    uint32_t want[] = {40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 28, 24, 16, 0};
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++)
        assert_memory_equal(loc[i], cb_chain_at(c, want[i])->hash, 32);
    /* A short locator keeps genesis last. */
    n = cb_chain_locator(cb_chain_tip(c), loc, 4);
    assert_int_equal(n, 4);
    assert_memory_equal(loc[3], cb_chain_at(c, 0)->hash, 32);
    /* The fork is the first locator hash we have on the active chain. */
    uint8_t unknown[3][32];
    memset(unknown, 0x5a, sizeof unknown);
    memcpy(unknown[1], cb_chain_at(c, 12)->hash, 32);
    assert_ptr_equal(cb_chain_find_fork(c, (const uint8_t(*)[32])unknown, 3), cb_chain_at(c, 12));
    assert_ptr_equal(cb_chain_find_fork(c, (const uint8_t(*)[32])unknown, 1), cb_chain_at(c, 0));
    assert_ptr_equal(cb_chain_common(cb_chain_at(c, 30), cb_chain_at(c, 12)), cb_chain_at(c, 12));
    cb_chain_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing_vectors),  cmocka_unit_test(test_version_round_trip),
        cmocka_unit_test(test_inv_and_limits),   cmocka_unit_test(test_addr_getheaders_headers),
        cmocka_unit_test(test_locator_and_fork),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
