/* A full mempool under a flood of better-paying payments: each newcomer
 * pushes the lowest-fee payment of another sender out. Prints the time
 * per admission (signature check included) for pools of 1,000, 10,000
 * and 50,000 senders, and the ratio of the largest to the smallest: a
 * cost that grows with the pool is the scan a flood could use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/accounts.h"
#include "core/amount.h"
#include "core/params.h"
#include "core/tx.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "node/mempool.h"

#define FLOOD 2000

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A payment of sender k (a key made from k) with this fee. */
static void make(const cb_keyctx *ctx, const cb_params *p, cb_tx *t, uint8_t id[20], uint32_t k,
                 uint64_t fee)
{
    uint8_t priv[32] = {0}, pub[33];
    priv[0] = 1;
    memcpy(priv + 28, &k, 4);
    static const uint8_t to[20] = {7};
    memset(t, 0, sizeof *t);
    t->version = 1;
    memcpy(t->recipient, to, 20);
    t->amount = 1000;
    t->fee = fee;
    t->time = 1795400000;
    if (cb_key_public(ctx, pub, priv) != CB_OK || cb_tx_sign(ctx, t, p->magic, priv) != CB_OK)
        abort();
    cb_hash160(id, pub, 33);
}

static double run(const cb_keyctx *ctx, const cb_params *p, uint32_t senders)
{
    uint32_t total = senders + FLOOD;
    cb_tx *txs = malloc(total * sizeof *txs);
    uint8_t(*ids)[20] = malloc(total * sizeof *ids);
    cb_accounts *st = cb_accounts_new(total);
    if (!txs || !ids || !st)
        abort();
    for (uint32_t k = 0; k < total; k++) {
        /* The pool's payments pay 1000 + k; the flood pays more than all. */
        make(ctx, p, &txs[k], ids[k], k + 1, k < senders ? 1000 + k : 10000000 + k);
        cb_account a = {CB_COIN, 0};
        if (cb_accounts_set(st, ids[k], &a) != CB_OK)
            abort();
    }
    cb_mempool *m = cb_mempool_new(p, senders, (size_t)senders * CB_TX_SIZE, 1);
    uint8_t txid[32];
    for (uint32_t k = 0; k < senders; k++)
        if (cb_mempool_add(m, st, &txs[k], txid) != CB_OK)
            abort();
    double t0 = now_s();
    for (uint32_t k = senders; k < total; k++)
        if (cb_mempool_add(m, st, &txs[k], txid) != CB_OK)
            abort();
    double per = (now_s() - t0) / FLOOD;
    if (cb_mempool_count(m) != senders)
        abort();
    cb_mempool_free(m);
    cb_accounts_free(st);
    free(txs);
    free(ids);
    return per;
}

int main(void)
{
    const cb_params *p = cb_params_regtest();
    cb_keyctx *ctx = cb_keyctx_new();
    const uint32_t sizes[] = {1000, 10000, 50000};
    double us[3];
    for (int i = 0; i < 3; i++) {
        us[i] = run(ctx, p, sizes[i]) * 1e6;
        printf("full pool of %5u senders: %8.1f us per evicting admission\n", sizes[i], us[i]);
    }
    printf("ratio 50,000 / 1,000 senders: %.2f\n", us[2] / us[0]);
    cb_keyctx_free(ctx);
    return 0;
}
