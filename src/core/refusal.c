#include "core/refusal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/amount.h"
#include "core/arith.h"
#include "core/hex.h"
#include "core/pow.h"
#include "core/validation.h"

static const char *header_numbers(char *why, size_t cap, cb_err err, const cb_chain *c,
                                  const cb_header *h, int64_t now)
{
    const cb_params *p = cb_chain_params(c);
    const cb_chain_entry *prev = cb_chain_lookup(c, h->prev);
    char a[65], b[65];
    switch (err) {
    case CB_ERR_HIGH_HASH: {
        uint8_t hash[32], t[32];
        cb_u256 target;
        cb_header_hash(hash, h);
        cb_hash_to_hex(a, hash);
        if (cb_pow_target(p, &target, h->bits) != CB_OK) {
            snprintf(why, cap, "its bits %08" PRIx32 " are no target this network allows", h->bits);
            return why;
        }
        cb_u256_to_le(t, &target);
        cb_hash_to_hex(b, t);
        snprintf(why, cap, "its hash %s is above the target %s (bits %08" PRIx32 ")", a, b,
                 h->bits);
        return why;
    }
    case CB_ERR_BAD_BITS:
        if (!prev)
            break;
        snprintf(why, cap,
                 "its bits are %08" PRIx32 ", but a block at height %" PRIu32
                 " must carry %08" PRIx32,
                 h->bits, prev->height + 1, cb_chain_next_bits(c, prev));
        return why;
    case CB_ERR_TIME_OLD:
        if (!prev)
            break;
        snprintf(why, cap,
                 "its time %" PRIu32 " is not after %" PRId64
                 ", the median time of the 11 blocks before it",
                 h->time, prev->median_time);
        return why;
    case CB_ERR_TIME_NEW:
        snprintf(why, cap,
                 "its time %" PRIu32 " is %" PRId64 " s ahead of this node's clock (%" PRId64
                 "); at most %d s are allowed",
                 h->time, (int64_t)h->time - now, now, CB_MAX_FUTURE_BLOCK_TIME);
        return why;
    case CB_ERR_PREV_MISSING:
        cb_hash_to_hex(a, h->prev);
        snprintf(why, cap, "its parent %s is unknown here", a);
        return why;
    default:
        break;
    }
    snprintf(why, cap, "%s", cb_strerror(err));
    return why;
}

const char *cb_refusal_header(char *why, size_t cap, cb_err err, const cb_chain *c,
                              const cb_header *h, int64_t now)
{
    if (!cap)
        return why;
    return header_numbers(why, cap, err, c, h, now);
}

const char *cb_refusal_block(char *why, size_t cap, cb_err err, const cb_chain *c,
                             const cb_block *b, size_t bad_tx, int64_t now)
{
    if (!cap)
        return why;
    const cb_params *p = cb_chain_params(c);
    const cb_chain_entry *prev = cb_chain_lookup(c, b->header.prev);
    uint32_t height = prev ? prev->height + 1 : 0;
    char x[CB_AMOUNT_TEXT], y[CB_AMOUNT_TEXT], z[CB_AMOUNT_TEXT];
    const cb_tx *cbtx = b->ntx ? &b->txs[0] : NULL;
    switch (err) {
    case CB_ERR_CB_AMOUNT:
        if (prev && cbtx) {
            uint64_t fees = 0;
            for (size_t i = 1; i < b->ntx; i++)
                fees += b->txs[i].fee;
            cb_amount_format(x, cbtx->amount);
            cb_amount_format(y, cb_params_subsidy(p, height));
            cb_amount_format(z, fees);
            snprintf(why, cap,
                     "the coinbase pays %s CB, but the reward at height %" PRIu32
                     " is %s CB and its payments' fees %s CB",
                     x, height, y, z);
            return why;
        }
        break;
    case CB_ERR_CB_HEIGHT:
        if (prev && cbtx) {
            snprintf(why, cap,
                     "the coinbase's nonce is %" PRIu64 ", but the block's height is %" PRIu32,
                     cbtx->nonce, height);
            return why;
        }
        break;
    case CB_ERR_CB_TIME:
        if (cbtx) {
            snprintf(why, cap, "the coinbase's time is %" PRIu64 ", but the block's is %" PRIu32,
                     cbtx->time, b->header.time);
            return why;
        }
        break;
    case CB_ERR_CB_FEE:
        if (cbtx) {
            cb_amount_format(x, cbtx->fee);
            snprintf(why, cap, "the coinbase's fee is %s CB; it must be 0", x);
            return why;
        }
        break;
    case CB_ERR_MERKLE: {
        uint8_t(*ids)[32] = b->ntx ? malloc(b->ntx * sizeof *ids) : NULL;
        uint8_t root[32];
        if (!ids)
            break;
        for (size_t i = 0; i < b->ntx; i++)
            cb_tx_txid(ids[i], &b->txs[i]);
        cb_err e = cb_merkle_root(root, (const uint8_t(*)[32])ids, b->ntx);
        free(ids);
        if (e != CB_OK)
            break;
        char want[65], got[65];
        cb_hash_to_hex(want, b->header.merkle);
        cb_hash_to_hex(got, root);
        snprintf(why, cap, "the header's merkle root is %s, but its %zu payments hash to %s", want,
                 b->ntx, got);
        return why;
    }
    case CB_ERR_HIGH_HASH:
    case CB_ERR_BAD_BITS:
    case CB_ERR_TIME_OLD:
    case CB_ERR_TIME_NEW:
    case CB_ERR_PREV_MISSING:
        return header_numbers(why, cap, err, c, &b->header, now);
    default:
        break;
    }
    if (bad_tx != CB_NO_TX && bad_tx < b->ntx) {
        uint8_t id[32];
        char hex[65];
        cb_tx_txid(id, &b->txs[bad_tx]);
        cb_hash_to_hex(hex, id);
        snprintf(why, cap, "its payment %zu (%.16s...): %s", bad_tx, hex, cb_strerror(err));
    } else if (prev) {
        snprintf(why, cap, "%s (a block at height %" PRIu32 ")", cb_strerror(err), height);
    } else {
        snprintf(why, cap, "%s", cb_strerror(err));
    }
    return why;
}
