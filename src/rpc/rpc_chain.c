/* The JSON-RPC methods: Bitcoin Core's names and result shapes where they
 * exist, and the user methods of the original CoinBit. Every parameter is
 * checked here before anything acts on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/address.h"
#include "core/amount.h"
#include "core/hex.h"
#include "core/pow.h"
#include "rpc/rpc.h"

json_t *cb_rpc_fail(cb_rpc_error *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    e->code = code;
    return NULL;
}

/* Parameter access: each returns false with *e set when missing or of the
 * wrong type. */
bool cb_rpc_arg_count(json_t *p, size_t min, size_t max, cb_rpc_error *e)
{
    size_t n = json_array_size(p);
    if (n < min || n > max) {
        cb_rpc_fail(e, CB_RPC_INVALID_PARAMS, "expected %zu to %zu parameters, got %zu", min, max,
                    n);
        return false;
    }
    return true;
}

bool cb_rpc_arg_string(json_t *p, size_t i, const char **out, cb_rpc_error *e)
{
    json_t *v = json_array_get(p, i);
    if (!json_is_string(v)) {
        cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "parameter %zu must be a string", i + 1);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

bool cb_rpc_arg_uint(json_t *p, size_t i, uint64_t max, uint64_t *out, cb_rpc_error *e)
{
    json_t *v = json_array_get(p, i);
    if (!json_is_integer(v)) {
        cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "parameter %zu must be a whole number", i + 1);
        return false;
    }
    json_int_t x = json_integer_value(v);
    if (x < 0 || (uint64_t)x > max) {
        cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "parameter %zu is out of range (0 to %llu)", i + 1,
                    (unsigned long long)max);
        return false;
    }
    *out = (uint64_t)x;
    return true;
}

bool cb_rpc_arg_amount(json_t *p, size_t i, uint64_t *units, cb_rpc_error *e)
{
    json_t *v = json_array_get(p, i);
    char text[64];
    if (json_is_string(v))
        snprintf(text, sizeof text, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(text, sizeof text, "%.15g", json_real_value(v));
    else {
        cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "parameter %zu must be an amount", i + 1);
        return false;
    }
    cb_err err = cb_amount_parse(text, units);
    if (err == CB_ERR_TX_MONEY_RANGE) {
        cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "amount out of range");
        return false;
    }
    if (err != CB_OK) {
        cb_rpc_fail(e, CB_RPC_TYPE_ERROR,
                    "invalid amount '%s' (CB, at most 8 decimals, not negative)", text);
        return false;
    }
    return true;
}

static bool arg_hash(json_t *p, size_t i, uint8_t hash[32], cb_rpc_error *e)
{
    const char *s;
    if (!cb_rpc_arg_string(p, i, &s, e))
        return false;
    if (cb_hash_from_hex(hash, s) != CB_OK) {
        cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "parameter %zu must be a 64-digit hex hash",
                    i + 1);
        return false;
    }
    return true;
}

static bool arg_address(cb_node *n, json_t *p, size_t i, uint8_t id[20], cb_rpc_error *e)
{
    const char *s;
    if (!cb_rpc_arg_string(p, i, &s, e))
        return false;
    cb_err err = cb_address_decode(cb_node_params(n), id, s);
    if (err != CB_OK) {
        cb_rpc_fail(e, CB_RPC_INVALID_ADDRESS_OR_KEY, "invalid address '%s': %s", s,
                    cb_strerror(err));
        return false;
    }
    return true;
}

static json_t *hash_json(const uint8_t hash[32])
{
    char hex[65];
    cb_hash_to_hex(hex, hash);
    return json_string(hex);
}

static json_t *amount_json(uint64_t units)
{
    return json_real((double)units / (double)CB_COIN);
}

static json_t *address_json(cb_node *n, const uint8_t id[20])
{
    char a[CB_ADDRESS_MAX];
    if (cb_address_encode(cb_node_params(n), a, id) != CB_OK)
        return json_string("?");
    return json_string(a);
}

static double difficulty(const cb_params *p, uint32_t bits)
{
    cb_u256 limit, target;
    cb_u256_set_compact(&limit, p->pow_limit_bits, NULL, NULL);
    cb_u256_set_compact(&target, bits, NULL, NULL);
    double t = cb_u256_to_double(&target);
    return t > 0 ? cb_u256_to_double(&limit) / t : 0;
}

static json_t *tx_json(cb_node *n, const cb_tx *tx)
{
    uint8_t id[32], sid[20];
    cb_tx_txid(id, tx);
    json_t *o = json_object();
    json_object_set_new(o, "txid", hash_json(id));
    json_object_set_new(o, "version", json_integer(tx->version));
    if (cb_tx_is_coinbase(tx)) {
        json_object_set_new(o, "sender", json_string("coinbase"));
    } else {
        char hex[67];
        cb_tx_sender_id(sid, tx);
        json_object_set_new(o, "sender", address_json(n, sid));
        cb_hex_encode(hex, tx->sender, 33);
        json_object_set_new(o, "senderkey", json_string(hex));
    }
    json_object_set_new(o, "recipient", address_json(n, tx->recipient));
    json_object_set_new(o, "amount", amount_json(tx->amount));
    json_object_set_new(o, "fee", amount_json(tx->fee));
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
    json_object_set_new(o, "hash", hash_json(e->hash));
    json_object_set_new(o, "confirmations",
                        json_integer(active ? (json_int_t)(tip->height - e->height + 1) : -1));
    json_object_set_new(o, "height", json_integer(e->height));
    json_object_set_new(o, "version", json_integer(e->header.version));
    json_object_set_new(o, "merkleroot", hash_json(e->header.merkle));
    json_object_set_new(o, "time", json_integer(e->header.time));
    json_object_set_new(o, "mediantime", json_integer((json_int_t)e->median_time));
    json_object_set_new(o, "nonce", json_integer(e->header.nonce));
    snprintf(bits, sizeof bits, "%08x", e->header.bits);
    json_object_set_new(o, "bits", json_string(bits));
    json_object_set_new(o, "difficulty", json_real(difficulty(cb_node_params(n), e->header.bits)));
    uint8_t w[32];
    cb_u256_to_le(w, &e->work);
    cb_hash_to_hex(work, w);
    json_object_set_new(o, "chainwork", json_string(work));
    if (e->block)
        json_object_set_new(o, "nTx", json_integer((json_int_t)e->block->ntx));
    if (e->prev)
        json_object_set_new(o, "previousblockhash", hash_json(e->prev->hash));
    const cb_chain_entry *next = active ? cb_chain_at(cb_node_chain(n), e->height + 1) : NULL;
    if (next)
        json_object_set_new(o, "nextblockhash", hash_json(next->hash));
    (void)hex;
    return o;
}

static const cb_chain_entry *find_block(cb_node *n, json_t *p, size_t i, cb_rpc_error *e)
{
    uint8_t hash[32];
    if (!arg_hash(p, i, hash, e))
        return NULL;
    const cb_chain_entry *x = cb_chain_lookup(cb_node_chain(n), hash);
    if (!x)
        cb_rpc_fail(e, CB_RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
    return x;
}

/* ---- chain ---- */

static json_t *m_getblockcount(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    if (!cb_rpc_arg_count(p, 0, 0, e))
        return NULL;
    return json_integer(cb_chain_tip(cb_node_chain(n))->height);
}

static json_t *m_getbestblockhash(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    if (!cb_rpc_arg_count(p, 0, 0, e))
        return NULL;
    return hash_json(cb_chain_tip(cb_node_chain(n))->hash);
}

static json_t *m_getblockhash(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    uint64_t h;
    if (!cb_rpc_arg_count(p, 1, 1, e) || !cb_rpc_arg_uint(p, 0, UINT32_MAX, &h, e))
        return NULL;
    const cb_chain_entry *x = cb_chain_at(cb_node_chain(n), (uint32_t)h);
    if (!x)
        return cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "Block height out of range");
    return hash_json(x->hash);
}

static json_t *m_getblockheader(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
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

static json_t *m_getblock(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
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
    if (!x->block)
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR, "Block not available (header only)");
    if (verbosity == 0) {
        size_t len = cb_block_size(x->block);
        uint8_t *raw = malloc(len);
        char *hex = malloc(2 * len + 1);
        json_t *r = NULL;
        if (raw && hex && cb_block_serialize(raw, len, x->block) == CB_OK) {
            cb_hex_encode(hex, raw, len);
            r = json_string(hex);
        }
        free(raw);
        free(hex);
        return r ? r : cb_rpc_fail(e, CB_RPC_MISC_ERROR, "out of memory");
    }
    json_t *o = header_json(n, x);
    json_object_set_new(o, "size", json_integer((json_int_t)cb_block_size(x->block)));
    json_t *txs = json_array();
    for (size_t i = 0; i < x->block->ntx; i++) {
        if (verbosity >= 2) {
            json_array_append_new(txs, tx_json(n, &x->block->txs[i]));
        } else {
            uint8_t id[32];
            cb_tx_txid(id, &x->block->txs[i]);
            json_array_append_new(txs, hash_json(id));
        }
    }
    json_object_set_new(o, "tx", txs);
    return o;
}

static json_t *m_getblockchaininfo(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
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
                     hash_json(tip->hash), "difficulty",
                     difficulty(cb_node_params(n), tip->header.bits), "mediantime",
                     (json_int_t)tip->median_time, "chainwork", work, "accounts",
                     (json_int_t)cb_accounts_count(cb_chain_state(cb_node_chain(n))));
}

static json_t *m_getchaintips(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
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
                                           "hash", hash_json(t->hash), "branchlen",
                                           (json_int_t)(t->height - (fork ? fork->height : 0)),
                                           "status", status));
    }
    free(tips);
    return a;
}

static json_t *m_getaccount(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    uint8_t id[20];
    if (!cb_rpc_arg_count(p, 1, 1, e) || !arg_address(n, p, 0, id, e))
        return NULL;
    cb_account a;
    size_t count;
    uint64_t spending;
    cb_accounts_get(cb_chain_state(cb_node_chain(n)), id, &a);
    cb_mempool_pending(cb_node_mempool(n), id, &count, &spending);
    return json_pack("{s:o,s:o,s:I,s:I,s:o}", "address", json_incref(json_array_get(p, 0)),
                     "balance", amount_json(a.balance), "nonce", (json_int_t)a.nonce, "pending",
                     (json_int_t)count, "pendingspend", amount_json(spending));
}

static json_t *m_validateaddress(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
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

static json_t *m_sendrawtransaction(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
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
        return hash_json(txid);
    if (err != CB_OK)
        return cb_rpc_fail(e, CB_RPC_VERIFY_REJECTED, "%s", cb_err_reason(err));
    return hash_json(txid);
}

static json_t *m_getmempoolinfo(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    if (!cb_rpc_arg_count(p, 0, 0, e))
        return NULL;
    return json_pack("{s:I,s:I,s:o}", "size", (json_int_t)cb_mempool_count(cb_node_mempool(n)),
                     "bytes", (json_int_t)cb_mempool_bytes(cb_node_mempool(n)), "minrelaytxfee",
                     amount_json(CB_MEMPOOL_MIN_FEE));
}

static json_t *m_getrawmempool(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
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
        json_array_append_new(a, hash_json(ids[i]));
    free(ids);
    return a;
}

static json_t *m_getrawtransaction(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    uint8_t txid[32];
    cb_tx tx;
    if (!cb_rpc_arg_count(p, 1, 2, e) || !arg_hash(p, 0, txid, e))
        return NULL;
    if (cb_mempool_get(cb_node_mempool(n), txid, &tx))
        return tx_json(n, &tx);
    /* Confirmed: the store knows its height; the block holds it. */
    cb_tx_status st;
    uint32_t height;
    if (cb_store_tx_status(cb_node_store(n), txid, &st, &height) == CB_OK &&
        st == CB_TX_CONFIRMED) {
        const cb_chain_entry *x = cb_chain_at(cb_node_chain(n), height);
        for (size_t i = 0; x && x->block && i < x->block->ntx; i++) {
            uint8_t id[32];
            cb_tx_txid(id, &x->block->txs[i]);
            if (memcmp(id, txid, 32) == 0) {
                json_t *o = tx_json(n, &x->block->txs[i]);
                json_object_set_new(o, "blockhash", hash_json(x->hash));
                json_object_set_new(
                    o, "confirmations",
                    json_integer(cb_chain_tip(cb_node_chain(n))->height - height + 1));
                return o;
            }
        }
    }
    return cb_rpc_fail(e, CB_RPC_INVALID_ADDRESS_OR_KEY,
                       "No such mempool or blockchain transaction");
}

static json_t *m_verifymempool(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
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

static json_t *m_submitblock(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    const char *hex;
    if (!cb_rpc_arg_count(p, 1, 1, e) || !cb_rpc_arg_string(p, 0, &hex, e))
        return NULL;
    size_t hexlen = strlen(hex);
    if (hexlen > 2 * CB_MAX_BLOCK_SIZE || hexlen % 2)
        return cb_rpc_fail(e, CB_RPC_DESERIALIZATION_ERROR, "Block decode failed: bad length");
    uint8_t *raw = malloc(hexlen / 2 + 1);
    size_t len = 0;
    cb_block b;
    if (!raw)
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR, "out of memory");
    cb_err err = cb_hex_decode_any(raw, hexlen / 2 + 1, &len, hex);
    if (err == CB_OK)
        err = cb_block_parse(&b, raw, len);
    free(raw);
    if (err != CB_OK)
        return cb_rpc_fail(e, CB_RPC_DESERIALIZATION_ERROR, "Block decode failed: %s",
                           cb_strerror(err));
    size_t bad;
    err = cb_node_submit_block(n, &b, &bad);
    cb_block_clear(&b);
    /* Core's BIP 22 answers: null when accepted, else a reason string. */
    if (err == CB_OK)
        return json_null();
    return json_string(err == CB_ERR_DUPLICATE ? "duplicate" : cb_err_reason(err));
}

static void generated(void *ctx, cb_err err, const uint8_t (*hashes)[32], unsigned made)
{
    cb_rpc_call *call = ctx;
    cb_rpc_error e = {0, ""};
    if (err != CB_OK) {
        cb_rpc_fail(&e, CB_RPC_MISC_ERROR, "mining failed after %u blocks: %s", made,
                    cb_strerror(err));
        cb_rpc_call_finish(call, NULL, &e);
        return;
    }
    json_t *a = json_array();
    for (unsigned i = 0; i < made; i++)
        json_array_append_new(a, hash_json(hashes[i]));
    cb_rpc_call_finish(call, a, NULL);
}

/* Mines on a worker, block by block, and answers when all are in. */
static bool m_generatetoaddress(const cb_rpc_ctx *rc, json_t *p, cb_rpc_call *call, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    uint64_t count;
    uint8_t to[20];
    if (!cb_rpc_arg_count(p, 2, 3, e) || !cb_rpc_arg_uint(p, 0, 1000, &count, e) ||
        !arg_address(n, p, 1, to, e))
        return false;
    if (count == 0) {
        cb_rpc_call_finish(call, json_array(), NULL);
        return true;
    }
    cb_err err = cb_node_generate(n, to, (unsigned)count, generated, call);
    if (err == CB_ERR_BUSY) {
        cb_rpc_fail(e, CB_RPC_MISC_ERROR, "the node is busy with other long calls: try again");
        return false;
    }
    if (err != CB_OK) {
        cb_rpc_fail(e, CB_RPC_MISC_ERROR, "mining failed: %s", cb_strerror(err));
        return false;
    }
    return true;
}

static json_t *m_setgenerate(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    uint64_t threads = 0;
    if (!cb_rpc_arg_count(p, 1, 2, e))
        return NULL;
    json_t *on = json_array_get(p, 0);
    if (!json_is_boolean(on))
        return cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "generate must be true or false");
    if (json_array_size(p) == 2 && !cb_rpc_arg_uint(p, 1, 64, &threads, e))
        return NULL;
    cb_err err = cb_node_set_generate(n, json_is_true(on), (unsigned)threads);
    if (err == CB_ERR_ARG)
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR,
                           "no address to mine to: start with -mineto=ADDRESS");
    if (err != CB_OK)
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR, "%s", cb_strerror(err));
    return json_null();
}

static json_t *m_getmininginfo(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    if (!cb_rpc_arg_count(p, 0, 0, e))
        return NULL;
    const cb_chain_entry *tip = cb_chain_tip(cb_node_chain(n));
    cb_mining_info mi;
    cb_node_mining_info(n, &mi);
    return json_pack(
        "{s:i,s:f,s:f,s:I,s:b,s:i,s:s,s:s}", "blocks", (json_int_t)tip->height, "difficulty",
        difficulty(cb_node_params(n), cb_chain_next_bits(cb_node_chain(n), tip)), "hashespersec",
        mi.hashrate, "pooledtx", (json_int_t)cb_mempool_count(cb_node_mempool(n)), "generate",
        mi.generating, "genproclimit", (json_int_t)mi.threads, "minerimpl", mi.impl, "chain",
        cb_node_params(n)->name);
}

/* ---- node ---- */

static json_t *m_stop(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    if (!cb_rpc_arg_count(p, 0, 0, e))
        return NULL;
    cb_node_stop(n);
    return json_string("CoinBit server stopping");
}

static json_t *m_help(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    (void)n;
    const char *only = NULL;
    if (!cb_rpc_arg_count(p, 0, 1, e) ||
        (json_array_size(p) == 1 && !cb_rpc_arg_string(p, 0, &only, e)))
        return NULL;
    char text[16384];
    size_t used = 0;
    for (const cb_rpc_method *m = cb_rpc_methods(); m->name; m++) {
        if (only && strcmp(only, m->name) != 0)
            continue;
        int k = snprintf(text + used, sizeof text - used, "%s %s\n    %s\n", m->name, m->args,
                         m->about);
        if (k < 0 || (size_t)k >= sizeof text - used)
            break;
        used += (size_t)k;
    }
    if (only && used == 0)
        return cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "help: unknown command: %s", only);
    return json_string(text);
}

static const cb_rpc_method METHODS[] = {
    {"getblockchaininfo", "", "state of the chain", m_getblockchaininfo, NULL},
    {"getblockcount", "", "height of the best chain", m_getblockcount, NULL},
    {"getbestblockhash", "", "hash of the tip", m_getbestblockhash, NULL},
    {"getblockhash", "height", "hash of the block at a height of the best chain", m_getblockhash,
     NULL},
    {"getblockheader", "\"hash\" ( verbose )", "a header, as JSON or hex", m_getblockheader, NULL},
    {"getblock", "\"hash\" ( verbosity )", "a block: 0 hex, 1 JSON with txids, 2 with txs",
     m_getblock, NULL},
    {"getchaintips", "", "every branch tip the node knows, with its status", m_getchaintips, NULL},
    {"getrawtransaction", "\"txid\"", "a transaction from the mempool or the best chain",
     m_getrawtransaction, NULL},
    {"sendrawtransaction", "\"hex\"", "submit a signed transaction; returns its txid",
     m_sendrawtransaction, NULL},
    {"submitblock", "\"hex\"", "submit a block; null when accepted, else the reason", m_submitblock,
     NULL},
    {"getmempoolinfo", "", "size of the mempool", m_getmempoolinfo, NULL},
    {"getrawmempool", "", "txids waiting in the mempool", m_getrawmempool, NULL},
    {"verifymempool", "", "each pending transaction checked again: signature and balance",
     m_verifymempool, NULL},
    {"getmininginfo", "", "mining state", m_getmininginfo, NULL},
    {"generatetoaddress", "nblocks \"address\"", "mine blocks now, paying address", NULL,
     m_generatetoaddress},
    {"setgenerate", "generate ( threads )", "continuous mining on or off (to -mineto)",
     m_setgenerate, NULL},
    {"getaccount", "\"address\"", "balance, nonce and pending payments of an address", m_getaccount,
     NULL},
    {"validateaddress", "\"address\"", "whether an address is valid here", m_validateaddress, NULL},
    {"createuser", "\"name\" \"email\" \"username\" \"password\"",
     "sign up: a user with a new key pair", NULL, cb_rpc_createuser},
    {"checklogin", "\"username\" \"password\"", "whether the password is right", NULL,
     cb_rpc_checklogin},
    {"getwalletinfo", "\"username\"", "a user's address, balance, pending and transactions",
     cb_rpc_getwalletinfo, NULL},
    {"listtransactions", "\"username\" ( count )",
     "a user's transactions, newest first, with status and depth", cb_rpc_listtransactions, NULL},
    {"send", "\"username\" \"password\" \"to\" amount ( fee )",
     "pay a username of this node or an address; returns the txid", NULL, cb_rpc_send},
    {"exportkey", "\"username\" \"password\"", "the user's private key as WIF", NULL,
     cb_rpc_exportkey},
    {"importkey", "\"username\" \"password\" \"wif\"", "replace the user's key with a WIF key",
     NULL, cb_rpc_importkey},
    {"getpeerinfo", "", "every connected peer", cb_rpc_getpeerinfo, NULL},
    {"getconnectioncount", "", "number of peers", cb_rpc_getconnectioncount, NULL},
    {"getnetworkinfo", "", "P2P state: version, port, connections", cb_rpc_getnetworkinfo, NULL},
    {"addnode", "\"host:port\" \"add|remove|onetry\"", "keep a peer connected, or forget it",
     cb_rpc_addnode, NULL},
    {"disconnectnode", "\"host:port\" | \"\" nodeid", "close a peer's connection",
     cb_rpc_disconnectnode, NULL},
    {"setban", "\"ip[/bits]\" \"add|remove\" ( bantime absolute )",
     "ban an address or a subnet (10.1.2.0/24, 2001:db8::/64), or lift a ban", cb_rpc_setban, NULL},
    {"listbanned", "", "banned addresses and subnets, until when and why", cb_rpc_listbanned, NULL},
    {"clearbanned", "", "lift every ban", cb_rpc_clearbanned, NULL},
    {"help", "( \"command\" )", "this list", m_help, NULL},
    {"stop", "", "stop the node", m_stop, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

const cb_rpc_method *cb_rpc_methods(void)
{
    return METHODS;
}
