#include "core/block.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/reader.h"
#include "crypto/hash.h"

void cb_header_serialize(uint8_t out[CB_HEADER_SIZE], const cb_header *h)
{
    cb_put_u32le(out, h->version);
    memcpy(out + 4, h->prev, 32);
    memcpy(out + 36, h->merkle, 32);
    cb_put_u32le(out + 68, h->time);
    cb_put_u32le(out + 72, h->bits);
    cb_put_u32le(out + 76, h->nonce);
}

void cb_header_parse(cb_header *h, const uint8_t in[CB_HEADER_SIZE])
{
    h->version = cb_get_u32le(in);
    memcpy(h->prev, in + 4, 32);
    memcpy(h->merkle, in + 36, 32);
    h->time = cb_get_u32le(in + 68);
    h->bits = cb_get_u32le(in + 72);
    h->nonce = cb_get_u32le(in + 76);
}

void cb_header_hash(uint8_t out[32], const cb_header *h)
{
    uint8_t buf[CB_HEADER_SIZE];
    cb_header_serialize(buf, h);
    cb_sha256d(out, buf, sizeof buf);
}

cb_err cb_merkle_root(uint8_t out[32], const uint8_t (*txids)[32], size_t n)
{
    uint8_t(*level)[32];
    if (n == 0) {
        memset(out, 0, 32);
        return CB_OK;
    }
    level = malloc(n * sizeof *level);
    if (!level)
        return CB_ERR_NOMEM;
    memcpy(level, txids, n * sizeof *level);
    /* Each pass halves the level in place; an odd last node pairs with
     * itself, as in Bitcoin. */
    while (n > 1) {
        size_t next = 0;
        for (size_t i = 0; i < n; i += 2) {
            uint8_t pair[64];
            memcpy(pair, level[i], 32);
            memcpy(pair + 32, level[i + 1 < n ? i + 1 : i], 32);
            cb_sha256d(level[next++], pair, 64);
        }
        n = next;
    }
    memcpy(out, level[0], 32);
    free(level);
    return CB_OK;
}

void cb_block_init(cb_block *b)
{
    memset(b, 0, sizeof *b);
}

void cb_block_clear(cb_block *b)
{
    free(b->txs);
    cb_block_init(b);
}

cb_err cb_block_set_txs(cb_block *b, const cb_tx *txs, size_t n)
{
    cb_tx *copy = NULL;
    if (n) {
        copy = malloc(n * sizeof *copy);
        if (!copy)
            return CB_ERR_NOMEM;
        memcpy(copy, txs, n * sizeof *copy);
    }
    free(b->txs);
    b->txs = copy;
    b->ntx = n;
    return CB_OK;
}

cb_err cb_block_copy(cb_block *dst, const cb_block *src)
{
    cb_block_init(dst);
    dst->header = src->header;
    return cb_block_set_txs(dst, src->txs, src->ntx);
}

size_t cb_block_size(const cb_block *b)
{
    return CB_HEADER_SIZE + cb_compactsize_len(b->ntx) + b->ntx * CB_TX_SIZE;
}

cb_err cb_block_serialize(uint8_t *out, size_t cap, const cb_block *b)
{
    if (cap < cb_block_size(b))
        return CB_ERR_TOO_LARGE;
    cb_header_serialize(out, &b->header);
    size_t pos = CB_HEADER_SIZE + cb_put_compactsize(out + CB_HEADER_SIZE, b->ntx);
    for (size_t i = 0; i < b->ntx; i++, pos += CB_TX_SIZE)
        cb_tx_serialize(out + pos, &b->txs[i]);
    return CB_OK;
}

cb_err cb_block_parse(cb_block *b, const uint8_t *data, size_t len)
{
    cb_reader r;
    const uint8_t *p;
    uint64_t n;
    cb_err err;
    cb_block_init(b);
    if (len > CB_MAX_BLOCK_SIZE)
        return CB_ERR_TOO_LARGE;
    cb_reader_init(&r, data, len);
    err = cb_read_view(&r, &p, CB_HEADER_SIZE);
    if (err != CB_OK)
        return err;
    cb_header_parse(&b->header, p);
    err = cb_read_compactsize(&r, &n, CB_MAX_BLOCK_TXS);
    if (err != CB_OK)
        return err;
    /* Check the bytes are there before allocating for them. */
    if (cb_reader_remaining(&r) < n * CB_TX_SIZE)
        return CB_ERR_TRUNCATED;
    if (cb_reader_remaining(&r) > n * CB_TX_SIZE)
        return CB_ERR_TRAILING;
    if (n) {
        b->txs = malloc((size_t)n * sizeof *b->txs);
        if (!b->txs)
            return CB_ERR_NOMEM;
    }
    b->ntx = (size_t)n;
    for (size_t i = 0; i < b->ntx; i++) {
        err = cb_read_view(&r, &p, CB_TX_SIZE);
        if (err == CB_OK)
            err = cb_tx_parse(&b->txs[i], p, CB_TX_SIZE);
        if (err != CB_OK) {
            cb_block_clear(b);
            return err;
        }
    }
    return CB_OK;
}

void cb_block_txids(uint8_t (*out)[32], const cb_block *b)
{
    for (size_t i = 0; i < b->ntx; i++)
        cb_tx_txid(out[i], &b->txs[i]);
}

cb_err cb_block_update_merkle(cb_block *b)
{
    uint8_t(*ids)[32] = malloc((b->ntx ? b->ntx : 1) * sizeof *ids);
    if (!ids)
        return CB_ERR_NOMEM;
    cb_block_txids(ids, b);
    cb_err err = cb_merkle_root(b->header.merkle, (const uint8_t(*)[32])ids, b->ntx);
    free(ids);
    return err;
}
