#include "node/template.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"

cb_err cb_template_set_extra_nonce(cb_block *b, uint64_t extra_nonce)
{
    cb_put_u64le(b->txs[0].sig, extra_nonce);
    return cb_block_update_merkle(b);
}

cb_err cb_template_build(const cb_chain *c, const cb_mempool *m, const uint8_t miner[20],
                         int64_t now, uint64_t extra_nonce, size_t max_txs, cb_block *b)
{
    const cb_params *p = cb_chain_params(c);
    const cb_chain_entry *tip = cb_chain_tip(c);
    uint32_t height = tip->height + 1;
    cb_block_init(b);
    if (max_txs > CB_MAX_BLOCK_TXS - 1)
        max_txs = CB_MAX_BLOCK_TXS - 1;
    b->txs = calloc(max_txs + 1, sizeof *b->txs);
    if (!b->txs)
        return CB_ERR_NOMEM;
    size_t n = m ? cb_mempool_select(m, b->txs + 1, max_txs) : 0;
    b->ntx = n + 1;
    uint64_t fees = 0;
    for (size_t i = 1; i <= n; i++)
        fees += b->txs[i].fee;

    /* Time: the clock, but above the median time past. */
    int64_t t = now;
    if (t <= tip->median_time)
        t = tip->median_time + 1;
    b->header.version = 1;
    memcpy(b->header.prev, tip->hash, 32);
    b->header.time = (uint32_t)t;
    b->header.bits = cb_chain_next_bits(c, tip);
    b->header.nonce = 0;

    cb_tx *cb = &b->txs[0];
    memset(cb, 0, sizeof *cb);
    cb->version = CB_TX_VERSION;
    memcpy(cb->recipient, miner, 20);
    cb->amount = cb_params_subsidy(p, height) + fees;
    cb->nonce = height;
    cb->time = b->header.time;
    memcpy(cb->sig + 8, CB_MINER_TAG, sizeof CB_MINER_TAG - 1);
    cb_err err = cb_template_set_extra_nonce(b, extra_nonce);
    if (err != CB_OK)
        cb_block_clear(b);
    return err;
}
