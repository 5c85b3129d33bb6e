#include "core/validation.h"

#include <stdlib.h>
#include <string.h>

#include "core/pow.h"

int64_t cb_median_time(const int64_t *times, size_t n)
{
    int64_t sorted[11];
    if (n == 0)
        return 0;
    if (n > 11)
        n = 11;
    memcpy(sorted, times, n * sizeof *sorted);
    /* Insertion sort: eleven elements at most. */
    for (size_t i = 1; i < n; i++) {
        int64_t v = sorted[i];
        size_t j = i;
        while (j > 0 && sorted[j - 1] > v) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = v;
    }
    return sorted[n / 2];
}

cb_err cb_header_check_context(const cb_header *h, const cb_header_context *ctx)
{
    if (h->bits != ctx->expected_bits)
        return CB_ERR_BAD_BITS;
    if ((int64_t)h->time <= ctx->median_time)
        return CB_ERR_TIME_OLD;
    if ((int64_t)h->time > ctx->now + CB_MAX_FUTURE_BLOCK_TIME)
        return CB_ERR_TIME_NEW;
    return CB_OK;
}

static int cmp_txid(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

cb_err cb_block_verify_signatures(const cb_params *p, const cb_block *b, size_t *bad_tx)
{
    *bad_tx = CB_NO_TX;
    for (size_t i = 1; i < b->ntx; i++) {
        cb_err err = cb_tx_verify(&b->txs[i], p->magic);
        if (err != CB_OK) {
            *bad_tx = i;
            return err;
        }
    }
    return CB_OK;
}

cb_err cb_block_check(const cb_params *p, const cb_block *b, size_t *bad_tx)
{
    return cb_block_check_with(p, b, NULL, bad_tx);
}

cb_err cb_block_check_commitment(const cb_block *b)
{
    uint8_t root[32];
    /* An empty list's root is zero (Core's ComputeMerkleRoot), which no
     * real header carries: an empty body is a mangled copy too. */
    if (b->ntx == 0) {
        static const uint8_t zero[32];
        return memcmp(b->header.merkle, zero, 32) == 0 ? CB_OK : CB_ERR_MERKLE;
    }
    uint8_t(*ids)[32] = malloc(b->ntx * sizeof *ids);
    if (!ids)
        return CB_ERR_NOMEM;
    cb_block_txids(ids, b);
    cb_err err = cb_merkle_root(root, (const uint8_t(*)[32])ids, b->ntx);
    if (err == CB_OK && memcmp(root, b->header.merkle, 32) != 0)
        err = CB_ERR_MERKLE;
    if (err == CB_OK) {
        /* Equal txids let two different lists share a merkle root
         * (CVE-2012-2459: the last one repeated); SPEC makes any repeat
         * invalid, and which list the header meant cannot be told. */
        qsort(ids, b->ntx, sizeof *ids, cmp_txid);
        for (size_t i = 1; i < b->ntx && err == CB_OK; i++)
            if (memcmp(ids[i - 1], ids[i], 32) == 0)
                err = CB_ERR_DUP_TX;
    }
    free(ids);
    return err;
}

bool cb_err_is_mutation(cb_err err)
{
    return err == CB_ERR_MERKLE || err == CB_ERR_DUP_TX;
}

cb_err cb_block_check_with(const cb_params *p, const cb_block *b, const cb_sig_checker *sigs,
                           size_t *bad_tx)
{
    uint8_t hash[32];
    cb_err err;
    *bad_tx = CB_NO_TX;
    /* The commitment first (Core's IsBlockMutated before CheckBlock): a
     * body that is not the header's says nothing about the header, so no
     * rule below may be blamed on the block it claims to be. */
    err = cb_block_check_commitment(b);
    if (err != CB_OK)
        return err;
    if (b->ntx == 0 || b->ntx > CB_MAX_BLOCK_TXS || cb_block_size(b) > CB_MAX_BLOCK_SIZE)
        return CB_ERR_BLK_LENGTH;
    cb_header_hash(hash, &b->header);
    err = cb_pow_check(p, hash, b->header.bits);
    if (err != CB_OK)
        return err;
    if (!cb_tx_is_coinbase(&b->txs[0]))
        return CB_ERR_CB_MISSING;
    for (size_t i = 0; i < b->ntx; i++) {
        if (i > 0 && cb_tx_is_coinbase(&b->txs[i])) {
            *bad_tx = i;
            return CB_ERR_CB_MULTIPLE;
        }
        err = cb_tx_check(&b->txs[i]);
        if (err != CB_OK) {
            *bad_tx = i;
            return err;
        }
    }
    if (sigs)
        return sigs->check(sigs->ctx, p, b, bad_tx);
    return cb_block_verify_signatures(p, b, bad_tx);
}

cb_err cb_block_connect(const cb_params *p, cb_accounts *state, cb_undo *undo, const cb_block *b,
                        uint32_t height, size_t *bad_tx)
{
    const cb_tx *cb = &b->txs[0];
    uint64_t fees = 0;
    size_t keep = undo->n;
    cb_err err;
    *bad_tx = CB_NO_TX;
    if (b->ntx == 0)
        return CB_ERR_CB_MISSING;
    *bad_tx = 0;
    if (cb->nonce != height)
        return CB_ERR_CB_HEIGHT;
    if (cb->time != b->header.time)
        return CB_ERR_CB_TIME;
    /* Fees are each <= MAX_MONEY and there are < 2^13 of them: no wrap. */
    for (size_t i = 1; i < b->ntx; i++)
        fees += b->txs[i].fee;
    if (cb->amount > cb_params_subsidy(p, height) + fees)
        return CB_ERR_CB_AMOUNT;
    err = cb_state_apply_coinbase(state, undo, cb);
    if (err != CB_OK)
        return err;
    for (size_t i = 1; i < b->ntx; i++) {
        err = cb_state_apply_tx(state, undo, &b->txs[i]);
        if (err != CB_OK) {
            *bad_tx = i;
            goto fail;
        }
    }
    *bad_tx = CB_NO_TX;
    return CB_OK;
fail:
    /* Take back what this block did, leaving earlier journal entries. */
    {
        cb_undo mine = {undo->entries + keep, undo->n - keep, undo->n - keep};
        cb_err uerr = cb_state_undo(state, &mine);
        undo->n = keep;
        if (uerr != CB_OK)
            return uerr;
    }
    return err;
}

cb_err cb_block_disconnect(cb_accounts *state, cb_undo *undo)
{
    return cb_state_undo(state, undo);
}
