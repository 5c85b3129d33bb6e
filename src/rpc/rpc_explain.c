/* Why the node thinks what it does: explain (a txid, a block hash or raw
 * hex), testmempoolaccept (Core's name and shape) and getrejections (the
 * refusals kept). Each answer carries the reason code and a plain
 * sentence with the numbers that decided it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/amount.h"
#include "core/hex.h"
#include "rpc/rpc_methods.h"

#define EXPLAIN_HEX_MAX (2 * CB_MAX_BLOCK_SIZE)

static json_t *rejection_json(const cb_rejection *r)
{
    char hex[65];
    cb_hash_to_hex(hex, r->id);
    return json_pack("{s:s,s:s,s:s,s:s,s:I}", "kind", r->kind, "id", hex, "reason",
                     cb_err_reason(r->err), "message", r->why, "time", (json_int_t)r->time);
}

json_t *cb_rpc_getrejections(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    uint64_t count = 50;
    if (!cb_rpc_arg_count(p, 0, 1, e) ||
        (json_array_size(p) == 1 && !cb_rpc_arg_uint(p, 0, CB_NODE_REJECTIONS_KEPT, &count, e)))
        return NULL;
    cb_rejection *r = malloc((count ? count : 1) * sizeof *r);
    if (!r)
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR, "out of memory");
    size_t got = cb_node_rejections(rc->node, r, (size_t)count);
    json_t *a = json_array();
    for (size_t i = 0; i < got; i++)
        json_array_append_new(a, rejection_json(&r[i]));
    free(r);
    return a;
}

/* A payment given as hex, tried against the mempool without entering it. */
static json_t *test_one(cb_node *n, const char *hex)
{
    uint8_t raw[CB_TX_SIZE + 1], txid[32];
    size_t len = 0;
    cb_tx tx;
    char why[224], idhex[65];
    if (strlen(hex) != 2 * CB_TX_SIZE || cb_hex_decode_any(raw, sizeof raw, &len, hex) != CB_OK)
        return json_pack("{s:b,s:s,s:s}", "allowed", 0, "reject-reason", "TX decode failed",
                         "message", "not hex of a 153-byte payment");
    cb_err err = cb_tx_parse(&tx, raw, len);
    if (err != CB_OK)
        return json_pack("{s:b,s:s,s:s}", "allowed", 0, "reject-reason", cb_err_reason(err),
                         "message", cb_strerror(err));
    err = cb_mempool_test(cb_node_mempool(n), cb_chain_state(cb_node_chain(n)), &tx, txid, why,
                          sizeof why);
    cb_hash_to_hex(idhex, txid);
    json_t *o = json_pack("{s:s,s:b,s:s}", "txid", idhex, "allowed", err == CB_OK, "message", why);
    if (err != CB_OK)
        json_object_set_new(o, "reject-reason", json_string(cb_err_reason(err)));
    else
        json_object_set_new(o, "fees", json_pack("{s:o}", "base", cb_rpc_amount_json(tx.fee)));
    return o;
}

json_t *cb_rpc_testmempoolaccept(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    if (!cb_rpc_arg_count(p, 1, 2, e))
        return NULL;
    json_t *list = json_array_get(p, 0);
    if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > 25)
        return cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "rawtxs: an array of 1 to 25 hex payments");
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (!json_is_string(v)) {
            json_decref(out);
            return cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "rawtxs[%zu] is not a string", i);
        }
        json_array_append_new(out, test_one(rc->node, json_string_value(v)));
    }
    return out;
}

static json_t *explained(const char *kind, const char *id, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static json_t *explained(const char *kind, const char *id, const char *status, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return json_pack("{s:s,s:s,s:s,s:s}", "kind", kind, "id", id, "status", status, "explanation",
                     text);
}

static json_t *explain_block(cb_node *n, const cb_chain_entry *x)
{
    cb_chain *c = cb_node_chain(n);
    const cb_chain_entry *tip = cb_chain_tip(c);
    char hex[65];
    cb_hash_to_hex(hex, x->hash);
    if (x->status & CB_ENTRY_FAILED) {
        cb_rejection r;
        if (cb_node_rejection_find(n, x->hash, &r))
            return explained("block", hex, "invalid", "invalid (%s): %s",
                             cb_err_reason(x->fail_err), r.why);
        return explained("block", hex, "invalid", "invalid (%s): %s%s", cb_err_reason(x->fail_err),
                         cb_strerror(x->fail_err), x->fail_tx != UINT32_MAX ? " in a payment" : "");
    }
    if (x->status & CB_ENTRY_FAILED_CHILD)
        return explained("block", hex, "invalid",
                         "invalid: it builds on an invalid block (height %u is its own)",
                         (unsigned)x->height);
    if (cb_chain_is_active(c, x))
        return explained("block", hex, "active",
                         "in the active chain at height %u with %u confirmation%s",
                         (unsigned)x->height, (unsigned)(tip->height - x->height + 1),
                         tip->height == x->height ? "" : "s");
    const cb_chain_entry *fork = cb_chain_common(x, tip);
    cb_rejection r;
    if (!(x->status & CB_ENTRY_HAVE_DATA) && cb_node_rejection_find(n, x->hash, &r))
        return explained("block", hex, "refused",
                         "refused (%s): %s; its header is kept, a body that fits it would be "
                         "taken",
                         cb_err_reason(r.err), r.why);
    if (!(x->status & CB_ENTRY_HAVE_DATA))
        return explained("block", hex, "headers-only",
                         "only its header is known (height %u): its payments have not arrived",
                         (unsigned)x->height);
    return explained("block", hex, "valid-fork",
                     "valid, on a side branch at height %u that leaves the active chain after "
                     "height %u; the active chain has more work, so it is not followed",
                     (unsigned)x->height, fork ? (unsigned)fork->height : 0u);
}

static json_t *explain_tx(cb_node *n, const uint8_t txid[32])
{
    char hex[65], fee[CB_AMOUNT_TEXT];
    cb_hash_to_hex(hex, txid);
    cb_tx tx;
    if (cb_mempool_get(cb_node_mempool(n), txid, &tx)) {
        uint8_t sid[20];
        cb_account a;
        cb_tx_sender_id(sid, &tx);
        cb_accounts_get(cb_chain_state(cb_node_chain(n)), sid, &a);
        cb_amount_format(fee, tx.fee);
        unsigned long long ahead = tx.nonce - a.nonce;
        char behind[64] = "";
        if (ahead)
            snprintf(behind, sizeof behind, ", so it waits behind %llu payment%s", ahead,
                     ahead == 1 ? "" : "s");
        return explained("tx", hex, "pending",
                         "waiting in the mempool with fee %s CB: nonce %llu, the sender's next "
                         "confirmed nonce is %llu%s",
                         fee, (unsigned long long)tx.nonce, (unsigned long long)a.nonce, behind);
    }
    cb_tx_status st;
    uint32_t height;
    if (cb_store_tx_status(cb_node_store(n), txid, &st, &height) == CB_OK &&
        st == CB_TX_CONFIRMED) {
        uint32_t tip = cb_chain_tip(cb_node_chain(n))->height;
        return explained("tx", hex, "confirmed", "accepted in block %u with %u confirmation%s",
                         (unsigned)height, (unsigned)(tip - height + 1), tip == height ? "" : "s");
    }
    cb_rejection r;
    if (cb_node_rejection_find(n, txid, &r))
        return explained("tx", hex, "refused", "refused (%s): %s", cb_err_reason(r.err), r.why);
    if (st == CB_TX_REJECTED)
        return explained("tx", hex, "refused",
                         "refused: it was waiting once, and left the mempool when it no longer "
                         "fitted the chain");
    return explained("tx", hex, "unknown", "unknown to this node");
}

static json_t *explain_hex(cb_node *n, const char *hex, cb_rpc_error *e)
{
    size_t len = strlen(hex) / 2;
    if (strlen(hex) > EXPLAIN_HEX_MAX)
        return cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "more hex than a block can be");
    uint8_t *raw = malloc(len ? len : 1);
    if (!raw)
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR, "out of memory");
    size_t got = 0;
    json_t *r = NULL;
    if (cb_hex_decode_any(raw, len ? len : 1, &got, hex) != CB_OK) {
        r = cb_rpc_fail(e, CB_RPC_DESERIALIZATION_ERROR,
                        "not a txid, a block hash or the hex of a payment or block");
    } else if (got == CB_TX_SIZE) {
        json_t *t = test_one(n, hex);
        uint8_t txid[32];
        const char *id = json_string_value(json_object_get(t, "txid"));
        if (id && cb_hash_from_hex(txid, id) == CB_OK) {
            r = explain_tx(n, txid);
            if (strcmp(json_string_value(json_object_get(r, "status")), "unknown") == 0) {
                json_decref(r);
                r = explained("tx", id,
                              json_is_true(json_object_get(t, "allowed")) ? "new" : "would-refuse",
                              "%s %s",
                              json_is_true(json_object_get(t, "allowed"))
                                  ? "not seen here yet;"
                                  : "not seen here; it would be refused:",
                              json_string_value(json_object_get(t, "message")));
            }
        } else {
            r = explained("tx", "", "not-a-payment", "%s: %s",
                          json_string_value(json_object_get(t, "reject-reason")),
                          json_string_value(json_object_get(t, "message")));
        }
        json_decref(t);
    } else {
        cb_block b;
        cb_err err = cb_block_parse(&b, raw, got);
        if (err != CB_OK) {
            r = explained("block", "", "not-a-block", "not a block or payment: %s",
                          cb_strerror(err));
        } else {
            uint8_t hash[32];
            char hh[65];
            cb_header_hash(hash, &b.header);
            cb_hash_to_hex(hh, hash);
            const cb_chain_entry *x = cb_chain_lookup(cb_node_chain(n), hash);
            if (x)
                r = explain_block(n, x);
            else if (!cb_chain_lookup(cb_node_chain(n), b.header.prev))
                r = explained("block", hh, "orphan",
                              "not seen here, and its parent is unknown too: it cannot be "
                              "checked until the parent arrives");
            else
                r = explained("block", hh, "new",
                              "not seen here; its parent is known (submitblock checks it)");
            cb_block_clear(&b);
        }
    }
    free(raw);
    return r;
}

json_t *cb_rpc_explain(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    const char *s;
    if (!cb_rpc_arg_count(p, 1, 1, e) || !cb_rpc_arg_string(p, 0, &s, e))
        return NULL;
    uint8_t id[32];
    if (strlen(s) == 64 && cb_hash_from_hex(id, s) == CB_OK) {
        const cb_chain_entry *x = cb_chain_lookup(cb_node_chain(rc->node), id);
        if (x)
            return explain_block(rc->node, x);
        cb_rejection r;
        if (cb_node_rejection_find(rc->node, id, &r) && strcmp(r.kind, "block") == 0)
            return explained("block", s, "refused", "refused (%s): %s", cb_err_reason(r.err),
                             r.why);
        return explain_tx(rc->node, id);
    }
    return explain_hex(rc->node, s, e);
}
