/* The chain's RPC methods: blocks, headers, tips, accounts, payments and
 * the mempool, with Bitcoin Core's names and result shapes where they
 * exist. Every parameter is checked before anything acts on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/address.h"
#include "core/amount.h"
#include "core/hex.h"
#include "core/pow.h"
#include "rpc/rpc_methods.h"

static json_t *tx_json(cb_node *n, const cb_tx *tx)
{
    uint8_t id[32], sid[20];
    cb_tx_txid(id, tx);
    json_t *o = json_object();
    json_object_set_new(o, "txid", cb_rpc_hash_json(id));
    json_object_set_new(o, "version", json_integer(tx->version));
    if (cb_tx_is_coinbase(tx)) {
        json_object_set_new(o, "sender", json_string("coinbase"));
    } else {
        char hex[67];
        cb_tx_sender_id(sid, tx);
        json_object_set_new(o, "sender", cb_rpc_address_json(n, sid));
        cb_hex_encode(hex, tx->sender, 33);
        json_object_set_new(o, "senderkey", json_string(hex));
    }
    json_object_set_new(o, "recipient", cb_rpc_address_json(n, tx->recipient));
    json_object_set_new(o, "amount", cb_rpc_amount_json(tx->amount));
    json_object_set_new(o, "fee", cb_rpc_amount_json(tx->fee));
    json_object_set_new(o, "nonce", json_integer((json_int_t)tx->nonce));
    json_object_set_new(o, "time", json_integer((json_int_t)tx->time));
    uint8_t raw[CB_TX_SIZE];
    char hex[2 * CB_TX_SIZE + 1];
    cb_tx_serialize(raw, tx);
    cb_hex_encode(hex, raw, sizeof raw);
    json_object_set_new(o, "hex", json_string(hex));
    return o;
}

static json_t *header_json(cb_node *n, const cb_chain_entry *e)
{
    json_t *o = json_object();
    const cb_chain_entry *tip = cb_chain_tip(cb_node_chain(n));
    bool active = cb_chain_is_active(cb_node_chain(n), e);
    char hex[65], bits[9], work[80];
    json_object_set_new(o, "hash", cb_rpc_hash_json(e->hash));
    json_object_set_new(o, "confirmations",
                        json_integer(active ? (json_int_t)(tip->height - e->height + 1) : -1));
    json_object_set_new(o, "height", json_integer(e->height));
    json_object_set_new(o, "version", json_integer(e->header.version));
    json_object_set_new(o, "merkleroot", cb_rpc_hash_json(e->header.merkle));
    json_object_set_new(o, "time", json_integer(e->header.time));
    json_object_set_new(o, "mediantime", json_integer((json_int_t)e->median_time));
    json_object_set_new(o, "nonce", json_integer(e->header.nonce));
    snprintf(bits, sizeof bits, "%08x", e->header.bits);
    json_object_set_new(o, "bits", json_string(bits));
    json_object_set_new(o, "difficulty",
                        json_real(cb_rpc_difficulty(cb_node_params(n), e->header.bits)));
    uint8_t w[32];
    cb_u256_to_le(w, &e->work);
    cb_hash_to_hex(work, w);
    json_object_set_new(o, "chainwork", json_string(work));
    if (e->status & CB_ENTRY_HAVE_DATA)
        json_object_set_new(o, "nTx", json_integer((json_int_t)e->ntx));
    if (e->prev)
        json_object_set_new(o, "previousblockhash", cb_rpc_hash_json(e->prev->hash));
    const cb_chain_entry *next = active ? cb_chain_at(cb_node_chain(n), e->height + 1) : NULL;
    if (next)
        json_object_set_new(o, "nextblockhash", cb_rpc_hash_json(next->hash));
    (void)hex;
    return o;
}

static const cb_chain_entry *find_block(cb_node *n, json_t *p, size_t i, cb_rpc_error *e)
{
    uint8_t hash[32];
    if (!cb_rpc_arg_hash(p, i, hash, e))
        return NULL;
    const cb_chain_entry *x = cb_chain_lookup(cb_node_chain(n), hash);
    if (!x)
        cb_rpc_fail(e, CB_RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
    return x;
}

/* ---- chain ---- */

json_t *cb_rpc_getblockcount(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    if (!cb_rpc_arg_count(p, 0, 0, e))
        return NULL;
    return json_integer(cb_chain_tip(cb_node_chain(n))->height);
}

json_t *cb_rpc_getbestblockhash(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    if (!cb_rpc_arg_count(p, 0, 0, e))
        return NULL;
    return cb_rpc_hash_json(cb_chain_tip(cb_node_chain(n))->hash);
}

json_t *cb_rpc_getblockhash(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    uint64_t h;
    if (!cb_rpc_arg_count(p, 1, 1, e) || !cb_rpc_arg_uint(p, 0, UINT32_MAX, &h, e))
        return NULL;
    const cb_chain_entry *x = cb_chain_at(cb_node_chain(n), (uint32_t)h);
    if (!x)
        return cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "Block height out of range");
    return cb_rpc_hash_json(x->hash);
}

json_t *cb_rpc_getblockheader(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    if (!cb_rpc_arg_count(p, 1, 2, e))
        return NULL;
    const cb_chain_entry *x = find_block(n, p, 0, e);
    if (!x)
        return NULL;
    json_t *v = json_array_get(p, 1);
    if (v && !json_is_boolean(v))
        return cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "verbose must be true or false");
    if (v && json_is_false(v)) {
        uint8_t raw[CB_HEADER_SIZE];
        char hex[2 * CB_HEADER_SIZE + 1];
        cb_header_serialize(raw, &x->header);
        cb_hex_encode(hex, raw, sizeof raw);
        return json_string(hex);
    }
    return header_json(n, x);
}

json_t *cb_rpc_getblock(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    uint64_t verbosity = 1;
    if (!cb_rpc_arg_count(p, 1, 2, e))
        return NULL;
    const cb_chain_entry *x = find_block(n, p, 0, e);
    if (!x)
        return NULL;
    json_t *v = json_array_get(p, 1);
    if (json_is_boolean(v))
        verbosity = json_is_true(v) ? 1 : 0;
    else if (v && !cb_rpc_arg_uint(p, 1, 2, &verbosity, e))
        return NULL;
    if (!(x->status & CB_ENTRY_HAVE_DATA))
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR, "Block not available (header only)");
    cb_block b;
    if (cb_chain_read_block(cb_node_chain(n), x, &b) != CB_OK)
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR, "Block not available (the store cannot read it)");
    json_t *r = NULL;
    if (verbosity == 0) {
        size_t len = cb_block_size(&b);
        uint8_t *raw = malloc(len);
        char *hex = malloc(2 * len + 1);
        if (raw && hex && cb_block_serialize(raw, len, &b) == CB_OK) {
            cb_hex_encode(hex, raw, len);
            r = json_string(hex);
        }
        free(raw);
        free(hex);
    } else {
        r = header_json(n, x);
        json_object_set_new(r, "size", json_integer((json_int_t)cb_block_size(&b)));
        json_t *txs = json_array();
        for (size_t i = 0; i < b.ntx; i++) {
            if (verbosity >= 2) {
                json_array_append_new(txs, tx_json(n, &b.txs[i]));
            } else {
                uint8_t id[32];
                cb_tx_txid(id, &b.txs[i]);
                json_array_append_new(txs, cb_rpc_hash_json(id));
            }
        }
        json_object_set_new(r, "tx", txs);
    }
    cb_block_clear(&b);
    return r ? r : cb_rpc_fail(e, CB_RPC_MISC_ERROR, "out of memory");
}

json_t *cb_rpc_getblockchaininfo(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    if (!cb_rpc_arg_count(p, 0, 0, e))
        return NULL;
    const cb_chain_entry *tip = cb_chain_tip(cb_node_chain(n));
    char work[65];
    uint8_t w[32];
    cb_u256_to_le(w, &tip->work);
    cb_hash_to_hex(work, w);
    return json_pack("{s:s,s:i,s:i,s:o,s:f,s:i,s:s,s:i}", "chain", cb_node_params(n)->name,
                     "blocks", (json_int_t)tip->height, "headers",
                     (json_int_t)cb_chain_best_header(cb_node_chain(n))->height, "bestblockhash",
                     cb_rpc_hash_json(tip->hash), "difficulty",
                     cb_rpc_difficulty(cb_node_params(n), tip->header.bits), "mediantime",
                     (json_int_t)tip->median_time, "chainwork", work, "accounts",
                     (json_int_t)cb_accounts_count(cb_chain_state(cb_node_chain(n))));
}

json_t *cb_rpc_getchaintips(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    if (!cb_rpc_arg_count(p, 0, 0, e))
        return NULL;
    size_t count = cb_chain_tips(cb_node_chain(n), NULL, 0);
    const cb_chain_entry **tips = malloc((count ? count : 1) * sizeof *tips);
    if (!tips)
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR, "out of memory");
    count = cb_chain_tips(cb_node_chain(n), tips, count);
    json_t *a = json_array();
    for (size_t i = 0; i < count; i++) {
        const cb_chain_entry *t = tips[i];
        /* Core's statuses, and how far back the branch meets the best chain. */
        const cb_chain_entry *fork = t;
        while (fork && !cb_chain_is_active(cb_node_chain(n), fork))
            fork = fork->prev;
        const char *status = cb_chain_is_active(cb_node_chain(n), t)                   ? "active"
                             : (t->status & (CB_ENTRY_FAILED | CB_ENTRY_FAILED_CHILD)) ? "invalid"
                             : !t->complete ? "headers-only"
                                            : "valid-fork";
        json_array_append_new(a, json_pack("{s:I,s:o,s:I,s:s}", "height", (json_int_t)t->height,
                                           "hash", cb_rpc_hash_json(t->hash), "branchlen",
                                           (json_int_t)(t->height - (fork ? fork->height : 0)),
                                           "status", status));
    }
    free(tips);
    return a;
}

json_t *cb_rpc_getaccount(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    uint8_t id[20];
    if (!cb_rpc_arg_count(p, 1, 1, e) || !cb_rpc_arg_address(n, p, 0, id, e))
        return NULL;
    cb_account a;
    size_t count;
    uint64_t spending;
    cb_accounts_get(cb_chain_state(cb_node_chain(n)), id, &a);
    cb_mempool_pending(cb_node_mempool(n), id, &count, &spending);
    return json_pack("{s:o,s:o,s:I,s:I,s:o}", "address", json_incref(json_array_get(p, 0)),
                     "balance", cb_rpc_amount_json(a.balance), "nonce", (json_int_t)a.nonce,
                     "pending", (json_int_t)count, "pendingspend", cb_rpc_amount_json(spending));
}

json_t *cb_rpc_validateaddress(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    const char *s;
    uint8_t id[20];
    if (!cb_rpc_arg_count(p, 1, 1, e) || !cb_rpc_arg_string(p, 0, &s, e))
        return NULL;
    cb_err err = cb_address_decode(cb_node_params(n), id, s);
    if (err != CB_OK)
        return json_pack("{s:b,s:s}", "isvalid", 0, "error", cb_strerror(err));
    char hex[41];
    cb_hex_encode(hex, id, 20);
    return json_pack("{s:b,s:s,s:s}", "isvalid", 1, "address", s, "hash160", hex);
}

/* ---- transactions and mempool ---- */

json_t *cb_rpc_sendrawtransaction(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    const char *hex;
    uint8_t raw[2 * CB_TX_SIZE], txid[32];
    size_t len = 0;
    cb_tx tx;
    if (!cb_rpc_arg_count(p, 1, 1, e) || !cb_rpc_arg_string(p, 0, &hex, e))
        return NULL;
    if (cb_hex_decode_any(raw, sizeof raw, &len, hex) != CB_OK)
        return cb_rpc_fail(e, CB_RPC_DESERIALIZATION_ERROR,
                           "TX decode failed: not hex of 153 bytes");
    cb_err err = cb_tx_parse(&tx, raw, len);
    if (err != CB_OK)
        return cb_rpc_fail(e, CB_RPC_DESERIALIZATION_ERROR, "TX decode failed: %s",
                           cb_strerror(err));
    err = cb_node_submit_tx(n, &tx, txid);
    if (err == CB_ERR_IN_MEMPOOL)
        return cb_rpc_hash_json(txid);
    cb_rejection r;
    if (err != CB_OK && cb_node_rejection_find(n, txid, &r))
        return cb_rpc_fail(e, CB_RPC_VERIFY_REJECTED, "%s: %s", cb_err_reason(err), r.why);
    if (err != CB_OK)
        return cb_rpc_fail(e, CB_RPC_VERIFY_REJECTED, "%s", cb_err_reason(err));
    return cb_rpc_hash_json(txid);
}

json_t *cb_rpc_getmempoolinfo(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    if (!cb_rpc_arg_count(p, 0, 0, e))
        return NULL;
    return json_pack("{s:I,s:I,s:o}", "size", (json_int_t)cb_mempool_count(cb_node_mempool(n)),
                     "bytes", (json_int_t)cb_mempool_bytes(cb_node_mempool(n)), "minrelaytxfee",
                     cb_rpc_amount_json(CB_MEMPOOL_MIN_FEE));
}

json_t *cb_rpc_getrawmempool(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    if (!cb_rpc_arg_count(p, 0, 0, e))
        return NULL;
    size_t count = cb_mempool_count(cb_node_mempool(n));
    uint8_t(*ids)[32] = malloc((count ? count : 1) * sizeof *ids);
    if (!ids)
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR, "out of memory");
    size_t got = cb_mempool_txids(cb_node_mempool(n), ids, count);
    json_t *a = json_array();
    for (size_t i = 0; i < got; i++)
        json_array_append_new(a, cb_rpc_hash_json(ids[i]));
    free(ids);
    return a;
}

json_t *cb_rpc_getrawtransaction(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    uint8_t txid[32];
    cb_tx tx;
    if (!cb_rpc_arg_count(p, 1, 2, e) || !cb_rpc_arg_hash(p, 0, txid, e))
        return NULL;
    if (cb_mempool_get(cb_node_mempool(n), txid, &tx))
        return tx_json(n, &tx);
    /* Confirmed: the store knows its height; the block holds it. */
    cb_tx_status st;
    uint32_t height;
    if (cb_store_tx_status(cb_node_store(n), txid, &st, &height) == CB_OK &&
        st == CB_TX_CONFIRMED) {
        const cb_chain_entry *x = cb_chain_at(cb_node_chain(n), height);
        cb_block b;
        if (x && cb_chain_read_block(cb_node_chain(n), x, &b) == CB_OK) {
            json_t *o = NULL;
            for (size_t i = 0; !o && i < b.ntx; i++) {
                uint8_t id[32];
                cb_tx_txid(id, &b.txs[i]);
                if (memcmp(id, txid, 32) == 0) {
                    o = tx_json(n, &b.txs[i]);
                    json_object_set_new(o, "blockhash", cb_rpc_hash_json(x->hash));
                    json_object_set_new(
                        o, "confirmations",
                        json_integer(cb_chain_tip(cb_node_chain(n))->height - height + 1));
                }
            }
            cb_block_clear(&b);
            if (o)
                return o;
        }
    }
    return cb_rpc_fail(e, CB_RPC_INVALID_ADDRESS_OR_KEY,
                       "No such mempool or blockchain transaction");
}

json_t *cb_rpc_verifymempool(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    if (!cb_rpc_arg_count(p, 0, 0, e))
        return NULL;
    size_t count = cb_mempool_count(cb_node_mempool(n));
    cb_tx *txs = malloc((count ? count : 1) * sizeof *txs);
    cb_accounts *spent = cb_accounts_new(7); /* running spend per sender */
    if (!txs || !spent) {
        free(txs);
        cb_accounts_free(spent);
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR, "out of memory");
    }
    size_t got = cb_mempool_select(cb_node_mempool(n), txs, count);
    json_t *a = json_array();
    for (size_t i = 0; i < got; i++) {
        const cb_tx *tx = &txs[i];
        uint8_t sid[20];
        cb_account have, run;
        cb_tx_sender_id(sid, tx);
        cb_accounts_get(cb_chain_state(cb_node_chain(n)), sid, &have);
        cb_accounts_get(spent, sid, &run);
        run.balance += tx->amount + tx->fee;
        run.nonce = 1;
        if (cb_accounts_set(spent, sid, &run) != CB_OK)
            break;
        cb_err sig = cb_tx_verify(tx, cb_node_params(n)->magic);
        bool covered = run.balance <= have.balance;
        json_t *o = tx_json(n, tx);
        json_object_set_new(o, "signature",
                            json_string(sig == CB_OK ? "valid" : cb_err_reason(sig)));
        json_object_set_new(o, "balance", json_string(covered ? "sufficient" : "insufficient"));
        json_object_set_new(o, "result",
                            json_string(sig == CB_OK && covered ? "valid" : "invalid"));
        json_array_append_new(a, o);
    }
    free(txs);
    cb_accounts_free(spent);
    return a;
}

/* ---- mining ---- */
