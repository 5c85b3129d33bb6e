/* Figures for the chain index at a height that hostile peers could push it
 * to: N regtest headers (default 100,000) on one chain, then
 *   - headers accepted per second while building it;
 *   - cb_chain_ancestor at random heights through the skip pointers,
 *     beside the same lookups by walking parents (the ratio is the gain);
 *   - a block locator (what every getheaders we send costs), and finding
 *     the fork point of a peer's locator (what every getheaders we answer
 *     costs);
 *   - marking an invalid block deep in the tree, with a side branch of
 *     1,000 headers under it (the cost is that subtree, not N).
 * Usage: bench_chain [N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/block.h"
#include "core/chain.h"
#include "core/params.h"
#include "core/pow.h"
#include "core/validation.h"
#include "crypto/hash.h"

#define T0 1795392000u

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void mine(const cb_params *p, cb_header *h)
{
    uint8_t hash[32];
    for (h->nonce = 0;; h->nonce++) {
        cb_header_hash(hash, h);
        if (cb_pow_check(p, hash, h->bits) == CB_OK)
            return;
    }
}

static const cb_chain_entry *add_header(cb_chain *c, const cb_params *p,
                                        const cb_chain_entry *parent, uint32_t t, uint32_t tag)
{
    cb_header h;
    memset(&h, 0, sizeof h);
    h.version = 1;
    memcpy(h.prev, parent->hash, 32);
    memcpy(h.merkle, &tag, sizeof tag);
    h.time = t;
    h.bits = p->pow_limit_bits;
    mine(p, &h);
    const cb_chain_entry *e;
    if (cb_chain_accept_header(c, &h, (int64_t)t + 60, &e) != CB_OK) {
        fprintf(stderr, "header refused\n");
        exit(1);
    }
    return e;
}

static uint64_t rng = 88172645463325252ull;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static const cb_chain_entry *walk_back(const cb_chain_entry *e, uint32_t height)
{
    while (e->height > height)
        e = e->prev;
    return e;
}

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
    if (n < 2000) {
        fprintf(stderr, "usage: bench_chain [N >= 2000]\n");
        return 2;
    }
    const cb_params *p = cb_params_regtest();
    cb_chain *c = cb_chain_new(p, 1);
    const cb_chain_entry *e = cb_chain_tip(c);
    double t = now_seconds();
    for (uint32_t h = 1; h <= n; h++)
        e = add_header(c, p, e, T0 + h, 0);
    double build = now_seconds() - t;
    const cb_chain_entry *tip = e;
    printf("chain of %u headers (regtest)\n", n);
    printf("  accept_header (mining included): %.0f headers/s\n", n / build);

    enum { LOOKUPS = 20000 };
    uint32_t *from = malloc(LOOKUPS * sizeof *from), *to = malloc(LOOKUPS * sizeof *to);
    const cb_chain_entry **start = malloc(LOOKUPS * sizeof *start);
    for (int i = 0; i < LOOKUPS; i++) {
        from[i] = n - next_rand() % 1000; /* near the tip, as peers ask */
        to[i] = next_rand() % from[i];
        start[i] = cb_chain_ancestor(tip, from[i]);
    }
    uintptr_t sink = 0;
    t = now_seconds();
    for (int i = 0; i < LOOKUPS; i++)
        sink ^= (uintptr_t)cb_chain_ancestor(start[i], to[i]);
    double skip = (now_seconds() - t) / LOOKUPS;
    int slow_n = LOOKUPS / 20;
    t = now_seconds();
    for (int i = 0; i < slow_n; i++)
        sink ^= (uintptr_t)walk_back(start[i], to[i]);
    double linear = (now_seconds() - t) / slow_n;
    printf("  ancestor at a random height: %.0f ns with skip pointers, %.0f ns walking parents "
           "(%.0fx)\n",
           skip * 1e9, linear * 1e9, linear / skip);

    uint8_t(*loc)[32] = malloc(101 * sizeof *loc);
    size_t nloc = 0;
    enum { LOCATORS = 20000 };
    t = now_seconds();
    for (int i = 0; i < LOCATORS; i++)
        nloc = cb_chain_locator(start[i], loc, 101);
    double locator = (now_seconds() - t) / LOCATORS;
    t = now_seconds();
    for (int i = 0; i < LOCATORS; i++)
        sink ^= (uintptr_t)cb_chain_find_fork(c, (const uint8_t(*)[32])loc, nloc);
    double fork = (now_seconds() - t) / LOCATORS;
    printf("  block locator from near the tip (%zu hashes): %.2f us\n", nloc, locator * 1e6);
    printf("  fork point of a peer's locator (headers-only chain): %.2f us\n", fork * 1e6);

    /* An invalid block at height n/2 with a branch of 1,000 headers on it:
     * its header is accepted, then its body fails a rule. */
    const cb_chain_entry *base = cb_chain_ancestor(tip, n / 2);
    cb_block bad;
    uint8_t miner[20] = {7};
    cb_block_init(&bad);
    bad.header.version = 1;
    memcpy(bad.header.prev, base->hash, 32);
    bad.header.time = T0 + n / 2 + 1;
    bad.header.bits = p->pow_limit_bits;
    cb_tx coinbase;
    memset(&coinbase, 0, sizeof coinbase);
    coinbase.version = CB_TX_VERSION;
    memcpy(coinbase.recipient, miner, 20);
    coinbase.amount = 1;
    coinbase.nonce = base->height + 1;
    coinbase.time = bad.header.time;
    /* Two coinbases: a rule that needs no state, so it is judged at once. */
    cb_tx two[2] = {coinbase, coinbase};
    two[1].sig[0] = 0xbb;
    if (cb_block_set_txs(&bad, two, 2) != CB_OK || cb_block_update_merkle(&bad) != CB_OK)
        return 1;
    mine(p, &bad.header);
    const cb_chain_entry *bad_entry;
    if (cb_chain_accept_header(c, &bad.header, bad.header.time + 60, &bad_entry) != CB_OK)
        return 1;
    e = bad_entry;
    for (uint32_t i = 0; i < 1000; i++)
        e = add_header(c, p, e, bad.header.time + 1 + i, 1);
    size_t bad_tx;
    t = now_seconds();
    cb_err err = cb_chain_accept_block(c, &bad, bad.header.time + 60, &bad_tx);
    double mark = now_seconds() - t;
    printf("  a stored invalid block at height %u with 1,000 headers on it: %s, %.2f ms "
           "(%zu entries in the index)\n",
           n / 2 + 1, cb_err_reason(err), mark * 1e3, cb_chain_size(c));
    cb_block_clear(&bad);
    free(loc);
    free(from);
    free(to);
    free(start);
    cb_chain_free(c);
    return sink == 42 ? 3 : 0;
}
