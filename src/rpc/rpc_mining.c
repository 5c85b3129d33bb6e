/* The mining RPC methods: submitblock, generatetoaddress (on a worker,
 * answered when every block is in), setgenerate and getmininginfo. */
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "rpc/rpc_methods.h"

json_t *cb_rpc_submitblock(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
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
    /* Stopped by stopgenerating: the blocks mined until then. */
    if (err != CB_OK && err != CB_ERR_CANCELLED) {
        cb_rpc_fail(&e, CB_RPC_MISC_ERROR, "mining failed after %u blocks: %s", made,
                    cb_strerror(err));
        cb_rpc_call_finish(call, NULL, &e);
        return;
    }
    json_t *a = json_array();
    for (unsigned i = 0; i < made; i++)
        json_array_append_new(a, cb_rpc_hash_json(hashes[i]));
    cb_rpc_call_finish(call, a, NULL);
}

/* Mines on a worker, block by block, and answers when all are in. */
bool cb_rpc_generatetoaddress(const cb_rpc_ctx *rc, json_t *p, cb_rpc_call *call, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    uint64_t count;
    uint8_t to[20];
    if (!cb_rpc_arg_count(p, 2, 3, e) || !cb_rpc_arg_uint(p, 0, 1000, &count, e) ||
        !cb_rpc_arg_address(n, p, 1, to, e))
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

json_t *cb_rpc_setmocktime(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    uint64_t t;
    if (!cb_rpc_arg_count(p, 1, 1, e) || !cb_rpc_arg_uint(p, 0, 1ULL << 40, &t, e))
        return NULL;
    /* On main the clock moves only once the operator set it at start. */
    if (cb_node_params(rc->node) != cb_params_regtest() && cb_node_mocktime() == 0)
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR,
                           "setmocktime is for regtest, or a node started with -mocktime");
    cb_node_set_mocktime((int64_t)t);
    return json_null();
}

json_t *cb_rpc_stopgenerating(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    if (!cb_rpc_arg_count(p, 0, 0, e))
        return NULL;
    cb_node_generate_cancel(rc->node);
    return json_null();
}

json_t *cb_rpc_setgenerate(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
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

json_t *cb_rpc_getmininginfo(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    if (!cb_rpc_arg_count(p, 0, 0, e))
        return NULL;
    const cb_chain_entry *tip = cb_chain_tip(cb_node_chain(n));
    cb_mining_info mi;
    cb_node_mining_info(n, &mi);
    return json_pack(
        "{s:i,s:f,s:f,s:I,s:b,s:i,s:s,s:s}", "blocks", (json_int_t)tip->height, "difficulty",
        cb_rpc_difficulty(cb_node_params(n), cb_chain_next_bits(cb_node_chain(n), tip)),
        "hashespersec", mi.hashrate, "pooledtx", (json_int_t)cb_mempool_count(cb_node_mempool(n)),
        "generate", mi.generating, "genproclimit", (json_int_t)mi.threads, "minerimpl", mi.impl,
        "chain", cb_node_params(n)->name);
}
