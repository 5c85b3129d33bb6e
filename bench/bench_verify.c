/* Signature checks and block connection.
 *
 * 1. Verifications per second on 1 and 2 threads:
 *    raw    - libsecp256k1 verify with key and signature already parsed;
 *    cold   - our transaction path (parse 153 bytes, sighash, parse and
 *             decompress the sender key, verify), every key new;
 *    cached - the same with each thread's cache of parsed keys, senders
 *             repeating (each of 512 senders has many payments).
 * 2. Block connection: full regtest blocks (6,500 payments each) accepted
 *    by the chain (context-free checks with signatures through the
 *    verify pool, then the state transition), 1 and 2 threads, in
 *    transactions per second, and the share of time in signature checks. */
#include <pthread.h>
#include <secp256k1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/amount.h"
#include "core/chain.h"
#include "core/params.h"
#include "core/pow.h"
#include "core/tx.h"
#include "crypto/hash.h"
#include "crypto/keycache.h"
#include "node/chainstore.h"
#include "node/node.h"
#include "node/verify_pool.h"
#include "store/store.h"
#include <unistd.h>

#define NKEYS 512
#define NTX 4096

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const cb_params *P;
static cb_tx txs[NTX]; /* NKEYS senders, repeating */
static uint8_t raw[NTX][CB_TX_SIZE];
static uint8_t hashes[NTX][32];
static secp256k1_pubkey keys[NTX];
static secp256k1_ecdsa_signature sigs[NTX];

enum { RAW, COLD, CACHED };

typedef struct {
    int mode;
    int part, parts;
    double seconds;
    unsigned long long done;
} job;

static void *verify_loop(void *arg)
{
    job *j = arg;
    cb_keycache *cache = cb_keycache_new(4096, (uint64_t)j->part + 1);
    double end = now_seconds() + j->seconds;
    while (now_seconds() < end) {
        for (int i = j->part; i < NTX; i += j->parts) {
            if (j->mode == RAW) {
                if (!secp256k1_ecdsa_verify(secp256k1_context_static, &sigs[i], hashes[i],
                                            &keys[i]))
                    abort();
            } else {
                cb_tx tx;
                if (cb_tx_parse(&tx, raw[i], CB_TX_SIZE) != CB_OK)
                    abort();
                if (j->mode == COLD) {
                    if (cb_tx_verify(&tx, P->magic) != CB_OK)
                        abort();
                } else if (cb_tx_verify_cached(&tx, P->magic, cache) != CB_OK) {
                    abort();
                }
            }
            j->done++;
        }
    }
    cb_keycache_free(cache);
    return NULL;
}

static double verify_rate(int mode, int threads)
{
    double best = 0;
    for (int round = 0; round < 3; round++) {
        pthread_t t[2];
        job jobs[2];
        double start = now_seconds();
        for (int i = 0; i < threads; i++) {
            jobs[i] = (job){mode, i, threads, 1.0, 0};
            pthread_create(&t[i], NULL, verify_loop, &jobs[i]);
        }
        unsigned long long n = 0;
        for (int i = 0; i < threads; i++) {
            pthread_join(t[i], NULL);
            n += jobs[i].done;
        }
        double r = (double)n / (now_seconds() - start);
        if (r > best)
            best = r;
    }
    return best;
}

/* A chain of `nblocks` full blocks: block 1..K fund the senders with
 * coinbases, then full blocks of payments. Built once, replayed per run. */
#define FUND_BLOCKS NKEYS
#define PER_BLOCK 6500
static int FULL_BLOCKS = 6; /* bench_verify N: N full blocks, store only */

static cb_block *chain_blocks;
static int nblocks;

static void mine(cb_header *h)
{
    uint8_t hash[32];
    for (;;) {
        cb_header_hash(hash, h);
        if (cb_pow_check(P, hash, h->bits) == CB_OK)
            return;
        h->nonce++;
    }
}

static void make_block(cb_block *b, const uint8_t prev[32], uint32_t height,
                       const uint8_t miner[20], const cb_tx *pay, size_t n)
{
    cb_tx *all = calloc(n + 1, sizeof *all);
    uint64_t fees = 0;
    for (size_t i = 0; i < n; i++) {
        all[i + 1] = pay[i];
        fees += pay[i].fee;
    }
    all[0].version = 1;
    memcpy(all[0].recipient, miner, 20);
    all[0].amount = cb_params_subsidy(P, height) + fees;
    all[0].nonce = height;
    all[0].time = 1795392000u + 60 * height;
    cb_block_init(b);
    b->header.version = 1;
    memcpy(b->header.prev, prev, 32);
    b->header.time = (uint32_t)all[0].time;
    b->header.bits = P->pow_limit_bits;
    if (cb_block_set_txs(b, all, n + 1) != CB_OK || cb_block_update_merkle(b) != CB_OK)
        abort();
    free(all);
    mine(&b->header);
}

static uint8_t payer_priv[NKEYS][32], payer_id[NKEYS][20];

/* Payment i of full block b: sender i % NKEYS, whose nonce counts its
 * payments in all earlier full blocks, so any block can be signed alone. */
static void sign_payment(const cb_keyctx *ctx, cb_tx *t, int b, int i)
{
    static const uint8_t to[20] = {9};
    int k = i % NKEYS;
    uint64_t per_block = PER_BLOCK / NKEYS + (k < PER_BLOCK % NKEYS ? 1 : 0);
    memset(t, 0, sizeof *t);
    t->version = 1;
    memcpy(t->recipient, to, 20);
    t->amount = 1000;
    t->fee = 1000;
    t->nonce = (uint64_t)b * per_block + (uint64_t)(i / NKEYS);
    t->time = 1795400000;
    if (cb_tx_sign(ctx, t, P->magic, payer_priv[k]) != CB_OK)
        abort();
}

typedef struct {
    cb_keyctx *ctx;
    cb_tx *pay; /* FULL_BLOCKS * PER_BLOCK */
    int part, parts;
} sign_job;

static void *sign_blocks(void *arg)
{
    sign_job *j = arg;
    for (int b = j->part; b < FULL_BLOCKS; b += j->parts)
        for (int i = 0; i < PER_BLOCK; i++)
            sign_payment(j->ctx, &j->pay[(size_t)b * PER_BLOCK + (size_t)i], b, i);
    return NULL;
}

static void build_chain(cb_keyctx *ctx)
{
    uint8_t prev[32], to[20] = {9};
    nblocks = FUND_BLOCKS + FULL_BLOCKS;
    chain_blocks = calloc((size_t)nblocks, sizeof *chain_blocks);
    for (int k = 0; k < NKEYS; k++) {
        uint8_t pub[33];
        uint32_t seed = (uint32_t)k + 7777;
        cb_sha256(payer_priv[k], (const uint8_t *)&seed, sizeof seed);
        if (cb_key_public(ctx, pub, payer_priv[k]) != CB_OK)
            abort();
        cb_hash160(payer_id[k], pub, 33);
    }
    cb_params_genesis_hash(P, prev);
    for (int k = 0; k < FUND_BLOCKS; k++) {
        make_block(&chain_blocks[k], prev, (uint32_t)k + 1, payer_id[k], NULL, 0);
        cb_header_hash(prev, &chain_blocks[k].header);
    }
    /* Signing is the slow part of building: use both cores. */
    cb_tx *pay = malloc((size_t)FULL_BLOCKS * PER_BLOCK * sizeof *pay);
    if (!pay)
        abort();
    pthread_t t[2];
    sign_job jobs[2] = {{ctx, pay, 0, 2}, {ctx, pay, 1, 2}};
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, sign_blocks, &jobs[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (int b = 0; b < FULL_BLOCKS; b++) {
        uint32_t height = (uint32_t)(FUND_BLOCKS + b + 1);
        make_block(&chain_blocks[FUND_BLOCKS + b], prev, height, to, &pay[(size_t)b * PER_BLOCK],
                   PER_BLOCK);
        cb_header_hash(prev, &chain_blocks[FUND_BLOCKS + b].header);
    }
    free(pay);
}

/* Accepts the whole chain into a fresh cb_chain; returns seconds spent on
 * the full blocks, and in *sig_seconds the part spent checking signatures. */
static const char *store_uri; /* bench_verify N URI: this store instead of a temp SQLite file */

static double connect_chain(unsigned threads, bool with_store, double *sig_seconds)
{
    cb_chain *c = cb_chain_new(P, 1);
    cb_verify_pool *pool = cb_verify_pool_new(threads, 3);
    cb_sig_checker s = cb_verify_pool_checker(pool);
    cb_chain_set_sig_checker(c, &s);
    cb_store *store = NULL;
    cb_chainstore *cs = NULL;
    char path[] = "/tmp/cb-bench-XXXXXX";
    if (with_store) {
        char msg[256];
        int fd = mkstemp(path);
        if (fd < 0)
            abort();
        close(fd);
        unlink(path);
        /* As a syncing node runs: the store writes behind the loop. */
        if (cb_store_open(&store, P, store_uri ? store_uri : path, msg, sizeof msg) != CB_OK ||
            cb_chainstore_open(&cs, c, store, 0, NULL) != CB_OK ||
            cb_store_write_behind(store, CB_NODE_WRITES_BEHIND, CB_NODE_WRITES_BEHIND_BYTES) !=
                CB_OK) {
            fprintf(stderr, "store: %s\n", msg);
            abort();
        }
    }
    int64_t now = 1795392000 + 60LL * (nblocks + 10);
    double full = 0, sig = 0;
    for (int i = 0; i < nblocks; i++) {
        double t0 = now_seconds();
        size_t bad;
        cb_err err = cs ? cb_chainstore_accept_block(cs, &chain_blocks[i], now, &bad)
                        : cb_chain_accept_block(c, &chain_blocks[i], now, &bad);
        if (err != CB_OK)
            abort();
        double t1 = now_seconds();
        if (i >= FUND_BLOCKS) {
            full += t1 - t0;
            /* The signature share: the same check alone, once more. */
            double t2 = now_seconds();
            if (cb_verify_pool_check(pool, P, &chain_blocks[i], &bad) != CB_OK)
                abort();
            sig += now_seconds() - t2;
        }
    }
    if (store) {
        /* The last writes count: the figure is for blocks in the store. */
        double t0 = now_seconds();
        if (cb_store_flush(store) != CB_OK)
            abort();
        full += now_seconds() - t0;
    }
    cb_chainstore_free(cs);
    cb_store_close(store);
    if (with_store) {
        char more[64];
        unlink(path);
        snprintf(more, sizeof more, "%s-wal", path);
        unlink(more);
        snprintf(more, sizeof more, "%s-shm", path);
        unlink(more);
    }
    cb_chain_free(c);
    cb_verify_pool_free(pool);
    *sig_seconds = sig;
    return full;
}

int main(int argc, char **argv)
{
    P = cb_params_regtest();
    bool long_run = argc > 1;
    if (argc > 2)
        store_uri = argv[2];
    if (long_run) {
        char *end = NULL;
        long nb = strtol(argv[1], &end, 10);
        if (end == argv[1] || *end || nb < 1 || nb > 100000) {
            fprintf(stderr, "usage: bench_verify [full_blocks (1..100000) [store uri]]\n");
            return 1;
        }
        FULL_BLOCKS = (int)nb;
    }
    cb_keyctx *ctx = cb_keyctx_new();
    if (!ctx)
        return 1;
    for (int i = 0; i < NTX; i++) {
        uint8_t priv[32];
        uint32_t seed = (uint32_t)(i % NKEYS);
        cb_sha256(priv, (const uint8_t *)&seed, sizeof seed);
        memset(&txs[i], 0, sizeof txs[i]);
        txs[i].version = 1;
        txs[i].amount = (uint64_t)i + 1;
        txs[i].fee = 1000;
        txs[i].nonce = (uint64_t)(i / NKEYS);
        if (cb_tx_sign(ctx, &txs[i], P->magic, priv) != CB_OK)
            return 1;
        cb_tx_serialize(raw[i], &txs[i]);
        cb_tx_sighash(hashes[i], P->magic, &txs[i]);
        if (!secp256k1_ec_pubkey_parse(secp256k1_context_static, &keys[i], txs[i].sender, 33) ||
            !secp256k1_ecdsa_signature_parse_compact(secp256k1_context_static, &sigs[i],
                                                     txs[i].sig))
            return 1;
    }
    const char *names[] = {"raw libsecp256k1", "ours, cold keys", "ours, key cache"};
    double r1[3], r2[3];
    if (!long_run)
        printf("%-18s %14s %14s %8s %10s\n", "verify path", "1 thread /s", "2 threads /s",
               "scaling", "of raw (1T)");
    for (int m = RAW; !long_run && m <= CACHED; m++) {
        r1[m] = verify_rate(m, 1);
        r2[m] = verify_rate(m, 2);
        printf("%-18s %14.0f %14.0f %7.2fx %9.1f%%\n", names[m], r1[m], r2[m], r2[m] / r1[m],
               100.0 * r1[m] / r1[RAW]);
    }

    double t_build = now_seconds();
    build_chain(ctx);
    if (long_run)
        printf("built %d full blocks in %.0f s\n", FULL_BLOCKS, now_seconds() - t_build);
    int ntx = FULL_BLOCKS * PER_BLOCK;
    printf("block connection: %d full blocks of %d payments (%zu bytes each)\n", FULL_BLOCKS,
           PER_BLOCK, cb_block_size(&chain_blocks[FUND_BLOCKS]));
    double rate[2] = {0, 0}; /* 2 threads: in memory, into the store */
    for (int with_store = 0; with_store <= 1; with_store++) {
        double base = 0;
        printf(" %s\n", !with_store ? "in-memory state only:"
                        : store_uri ? "into the given store (one transaction per block):"
                                    : "into the SQLite store (WAL, one transaction per block, "
                                      "written behind):");
        for (unsigned threads = long_run ? 2 : 1; threads <= 2; threads++) {
            double best = 1e9, best_sig = 0;
            for (int round = 0; round < (long_run ? 1 : 2); round++) {
                double sig, t = connect_chain(threads, with_store, &sig);
                if (t < best) {
                    best = t;
                    best_sig = sig;
                }
            }
            if (threads == 1)
                base = best;
            printf("  %u thread%s: %8.0f tx/s  (signature checks ~%.0f%% of the time)", threads,
                   threads > 1 ? "s" : " ", ntx / best, 100.0 * best_sig / best);
            if (threads > 1 && base > 0)
                printf("  scaling %.2fx", base / best);
            printf("\n");
            if (threads == 2)
                rate[with_store] = ntx / best;
        }
    }
    if (rate[0] > 0)
        printf(" the store's rate against the in-memory one, same run: %.0f%%\n",
               100.0 * rate[1] / rate[0]);
    for (int i = 0; i < nblocks; i++)
        cb_block_clear(&chain_blocks[i]);
    free(chain_blocks);
    cb_keyctx_free(ctx);
    return 0;
}
