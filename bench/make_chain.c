/* make_chain: writes a regtest chain full of payments into a new store, for
 * the sync benchmark (bench/p2p_bench.py) to serve from real nodes.
 *
 *   make_chain DB BLOCKS PAYMENTS_PER_BLOCK
 *
 * The first 256 blocks fund 256 payers with their coinbases; every later
 * block carries PAYMENTS_PER_BLOCK signed payments between them. Blocks are
 * one second apart from genesis, so the chain is never "from the future".
 * Every block goes through the chain's rules and the store's listener, as
 * a node's own would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chain.h"
#include "core/params.h"
#include "core/pow.h"
#include "core/tx.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "node/chainstore.h"
#include "store/store.h"

#define NPAYERS 256

int main(int argc, char **argv)
{
    const cb_params *p = cb_params_regtest();
    char *end;
    if (argc != 4) {
        fprintf(stderr, "usage: make_chain DB BLOCKS PAYMENTS_PER_BLOCK\n");
        return 1;
    }
    long nblocks = strtol(argv[2], &end, 10);
    if (*end || nblocks <= NPAYERS || nblocks > 100000) {
        fprintf(stderr, "BLOCKS: %d to 100000\n", NPAYERS + 1);
        return 1;
    }
    long per = strtol(argv[3], &end, 10);
    if (*end || per < 0 || per > CB_MAX_BLOCK_TXS - 1) {
        fprintf(stderr, "PAYMENTS_PER_BLOCK: 0 to %d\n", CB_MAX_BLOCK_TXS - 1);
        return 1;
    }
    cb_keyctx *ctx = cb_keyctx_new();
    static uint8_t priv[NPAYERS][32], id[NPAYERS][20];
    static uint64_t nonce[NPAYERS];
    for (int k = 0; k < NPAYERS; k++) {
        uint8_t pub[33];
        uint32_t seed = (uint32_t)k + 4242;
        cb_sha256(priv[k], (const uint8_t *)&seed, sizeof seed);
        if (cb_key_public(ctx, pub, priv[k]) != CB_OK)
            return 1;
        cb_hash160(id[k], pub, 33);
    }
    cb_store *store;
    cb_chainstore *cs;
    char msg[256];
    cb_chain *chain = cb_chain_new(p, 1);
    if (cb_store_open(&store, p, argv[1], msg, sizeof msg) != CB_OK ||
        cb_chainstore_open(&cs, chain, store, 0, NULL) != CB_OK) {
        fprintf(stderr, "store: %s\n", msg);
        return 1;
    }
    uint8_t prev[32];
    cb_params_genesis_hash(p, prev);
    cb_tx *txs = calloc((size_t)per + 1, sizeof *txs);
    uint32_t genesis_time = 1795392000u;
    int64_t now = genesis_time + nblocks + 100;
    for (long h = 1; h <= nblocks; h++) {
        size_t n = 1;
        uint64_t fees = 0;
        if (h > NPAYERS) {
            for (long i = 0; i < per; i++, n++) {
                cb_tx *t = &txs[n];
                int k = (int)((h * per + i) % NPAYERS);
                memset(t, 0, sizeof *t);
                t->version = 1;
                memcpy(t->recipient, id[(k + 1) % NPAYERS], 20);
                t->amount = 1000;
                t->fee = 1000;
                t->nonce = nonce[k]++;
                t->time = genesis_time + (uint64_t)h;
                if (cb_tx_sign(ctx, t, p->magic, priv[k]) != CB_OK)
                    return 1;
                fees += t->fee;
            }
        }
        memset(&txs[0], 0, sizeof txs[0]);
        txs[0].version = 1;
        memcpy(txs[0].recipient, id[(h - 1) % NPAYERS], 20);
        txs[0].amount = cb_params_subsidy(p, (uint32_t)h) + fees;
        txs[0].nonce = (uint64_t)h;
        txs[0].time = genesis_time + (uint64_t)h;
        cb_block b;
        cb_block_init(&b);
        b.header.version = 1;
        memcpy(b.header.prev, prev, 32);
        b.header.time = (uint32_t)txs[0].time;
        b.header.bits = p->pow_limit_bits;
        if (cb_block_set_txs(&b, txs, n) != CB_OK || cb_block_update_merkle(&b) != CB_OK)
            return 1;
        for (;;) {
            cb_header_hash(prev, &b.header);
            if (cb_pow_check(p, prev, b.header.bits) == CB_OK)
                break;
            b.header.nonce++;
        }
        size_t bad;
        cb_err err = cb_chainstore_accept_block(cs, &b, now, &bad);
        if (err != CB_OK) {
            fprintf(stderr, "block %ld refused: %s\n", h, cb_strerror(err));
            return 1;
        }
        cb_block_clear(&b);
    }
    printf("%ld blocks, %ld payments, tip height %u\n", nblocks, (nblocks - NPAYERS) * per,
           cb_chain_tip(chain)->height);
    free(txs);
    cb_chainstore_free(cs);
    cb_store_close(store);
    cb_chain_free(chain);
    cb_keyctx_free(ctx);
    return 0;
}
