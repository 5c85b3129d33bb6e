/* The JSON behind the web view's pages, under /api/. Where the RPC has the
 * answer its method gives it (the same shape); the rest reads the chain
 * index, the mempool and the store the way the RPC does. Every parameter
 * from the URL is checked before anything is looked up, and nothing here
 * loads more than a page: lists are paged and capped. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/address.h"
#include "core/block.h"
#include "core/hex.h"
#include "web/web_internal.h"

#define PAGE_DEFAULT 20
#define PAGE_MAX 100
#define RECENT_BLOCKS 144 /* the overview's charts: a day of Bitcoin */
#define TREE_DEFAULT 50
#define TREE_MAX 2000
#define TREE_NODES_MAX 5000
#define POOL_SHOWN 500
#define HISTORY_MAX 100

/* The methods the web view may call: each only reads. */
static const char *const READ_ONLY[] = {"getblockcount",
                                        "getbestblockhash",
                                        "getblockhash",
                                        "getblockheader",
                                        "getblock",
                                        "getblockchaininfo",
                                        "getchaintips",
                                        "getaccount",
                                        "validateaddress",
                                        "getmempoolinfo",
                                        "getrawmempool",
                                        "getrawtransaction",
                                        "getmininginfo",
                                        "getpeerinfo",
                                        "getconnectioncount",
                                        "getnetworkinfo",
                                        "listbanned",
                                        "getpeermessages",
                                        NULL};

json_t *cb_web_call(const cb_rpc_ctx *ctx, const char *method, json_t *params, cb_rpc_error *err)
{
    const cb_rpc_method *m = NULL;
    for (const char *const *k = READ_ONLY; *k && !m; k++)
        if (strcmp(*k, method) == 0)
            m = cb_rpc_find(method);
    if (!m || !m->fn || !params) {
        json_decref(params);
        err->code = -32601;
        snprintf(err->message, sizeof err->message, "not a method the web view calls");
        return NULL;
    }
    json_t *r = m->fn(ctx, params, err);
    json_decref(params);
    return r;
}

static cb_web_reply fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static cb_web_reply fail(int status, const char *fmt, ...)
{
    char text[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return (cb_web_reply){status,
                          json_pack("{s:{s:i,s:s}}", "error", "code", status, "message", text)};
}

static cb_web_reply ok(json_t *body)
{
    if (!body)
        return fail(500, "out of memory");
    return (cb_web_reply){200, body};
}

/* An RPC error as an answer: "not found" kinds are 404, the rest 400. */
static cb_web_reply rpc_fail(const cb_rpc_error *e)
{
    int status = e->code == -5 || e->code == -8 ? 404 : 400;
    return fail(status, "%s", e->message);
}

/* A hash as the URL gives it: exactly 64 hexadecimal digits. */
static bool is_hash(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f') ||
              (s[n] >= 'A' && s[n] <= 'F')))
            return false;
    return n == 64;
}

/* A whole number of at most 9 digits. */
static bool is_uint(const char *s, unsigned long *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 9 || strspn(s, "0123456789") != n)
        return false;
    *out = strtoul(s, NULL, 10);
    return true;
}

/* The value of key in a query string ("a=1&b=2"), copied into out;
 * false when absent or too long. */
static bool query_get(const char *query, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    for (const char *q = query; q && *q;) {
        const char *end = strchr(q, '&');
        size_t len = end ? (size_t)(end - q) : strlen(q);
        if (len > kl && strncmp(q, key, kl) == 0 && q[kl] == '=') {
            if (len - kl - 1 >= cap)
                return false;
            memcpy(out, q + kl + 1, len - kl - 1);
            out[len - kl - 1] = '\0';
            return true;
        }
        q = end ? end + 1 : NULL;
    }
    return false;
}

/* A number from the query: dflt when absent, false when not a number or
 * above max. */
static bool query_uint(const char *query, const char *key, unsigned long dflt, unsigned long max,
                       unsigned long *out)
{
    char text[16];
    *out = dflt;
    if (!query_get(query, key, text, sizeof text))
        return !query || !strstr(query, key);
    return is_uint(text, out) && *out <= max;
}

static json_t *call0(const cb_rpc_ctx *ctx, const char *method)
{
    cb_rpc_error e;
    json_t *r = cb_web_call(ctx, method, json_array(), &e);
    return r ? r : json_null();
}

static json_t *header_of(const cb_rpc_ctx *ctx, const cb_chain_entry *x)
{
    char hex[65];
    cb_rpc_error e;
    cb_hash_to_hex(hex, x->hash);
    return cb_web_call(ctx, "getblockheader", json_pack("[s]", hex), &e);
}

static const char *entry_status(const cb_chain *c, const cb_chain_entry *x)
{
    if (x->status & (CB_ENTRY_FAILED | CB_ENTRY_FAILED_CHILD))
        return "invalid";
    if (cb_chain_is_active(c, x))
        return "active";
    return x->status & CB_ENTRY_HAVE_DATA ? "valid-fork" : "headers-only";
}

static json_t *failure_reason(const cb_chain_entry *x)
{
    if (x->status & CB_ENTRY_FAILED)
        return json_string(cb_err_reason(x->fail_err));
    if (x->status & CB_ENTRY_FAILED_CHILD)
        return json_string("an ancestor is invalid");
    return json_null();
}

static cb_web_reply overview(const cb_rpc_ctx *ctx)
{
    cb_chain *c = cb_node_chain(ctx->node);
    const cb_chain_entry *tip = cb_chain_tip(c);
    json_t *recent = json_array();
    uint32_t from = tip->height >= RECENT_BLOCKS ? tip->height - RECENT_BLOCKS + 1 : 0;
    for (uint32_t h = from; h <= tip->height; h++) {
        const cb_chain_entry *x = cb_chain_at(c, h);
        char hex[65];
        cb_hash_to_hex(hex, x->hash);
        json_t *hd = header_of(ctx, x);
        json_array_append_new(
            recent,
            json_pack(
                "{s:I,s:s,s:I,s:O,s:I,s:I}", "height", (json_int_t)h, "hash", hex, "time",
                (json_int_t)x->header.time, "difficulty", json_object_get(hd, "difficulty"),
                "interval",
                (json_int_t)(x->prev ? (int64_t)x->header.time - (int64_t)x->prev->header.time : 0),
                "ntx", (json_int_t)x->ntx));
        json_decref(hd);
    }
    return ok(json_pack("{s:o,s:o,s:o,s:o,s:o}", "chain", call0(ctx, "getblockchaininfo"), "mining",
                        call0(ctx, "getmininginfo"), "mempool", call0(ctx, "getmempoolinfo"),
                        "network", ctx->net ? call0(ctx, "getnetworkinfo") : json_null(), "recent",
                        recent));
}

static cb_web_reply blocks(const cb_rpc_ctx *ctx, const char *query)
{
    unsigned long page, size;
    if (!query_uint(query, "page", 0, 100000000, &page) ||
        !query_uint(query, "size", PAGE_DEFAULT, PAGE_MAX, &size) || size == 0)
        return fail(400, "page is a number from 0, size from 1 to 100");
    cb_chain *c = cb_node_chain(ctx->node);
    const cb_chain_entry *tip = cb_chain_tip(c);
    uint64_t count = (uint64_t)tip->height + 1, pages = (count + size - 1) / size;
    json_t *list = json_array();
    for (uint64_t i = (uint64_t)page * size; i < count && i < ((uint64_t)page + 1) * size; i++) {
        const cb_chain_entry *x = cb_chain_at(c, (uint32_t)(tip->height - i));
        json_t *hd = header_of(ctx, x);
        if (hd)
            json_array_append_new(list, hd);
    }
    return ok(json_pack("{s:I,s:I,s:I,s:I,s:o}", "height", (json_int_t)tip->height, "page",
                        (json_int_t)page, "size", (json_int_t)size, "pages", (json_int_t)pages,
                        "blocks", list));
}

/* What a block on the chain was checked for, in words. */
static json_t *checks(void)
{
    return json_pack(
        "[s,s,s,s,s,s,s,s]", "header: its hash is at or below the target its bits give",
        "header: bits are what the difficulty rule asks at this height",
        "header: time above the median of the last 11 blocks, at most 2 hours ahead",
        "size: at most 1,000,000 bytes; a coinbase first and only there",
        "merkle root: the payments hash to the root in the header",
        "coinbase: pays at most the subsidy plus the fees, and names its height",
        "each payment: a valid signature by the sender's key",
        "each payment: the sender's next nonce, and a balance that covers amount and fee");
}

static cb_web_reply block(const cb_rpc_ctx *ctx, const char *arg)
{
    if (!is_hash(arg))
        return fail(400, "a block is named by 64 hexadecimal digits, not '%.80s'", arg);
    uint8_t hash[32];
    if (cb_hash_from_hex(hash, arg) != CB_OK)
        return fail(400, "bad hash");
    cb_chain *c = cb_node_chain(ctx->node);
    const cb_chain_entry *x = cb_chain_lookup(c, hash);
    cb_rejection why;
    bool refused = cb_node_rejection_find(ctx->node, hash, &why);
    if (!x && refused) /* refused at the door (its header): never kept, but said why */
        return ok(json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}", "hash", arg, "status", "refused", "kind",
                            why.kind, "reason", cb_err_reason(why.err), "message", why.why,
                            "refused_at", (json_int_t)why.time));
    if (!x)
        return fail(404, "no block %.64s is known here", arg);
    cb_rpc_error e;
    json_t *o = cb_web_call(ctx, "getblock", json_pack("[si]", arg, 2), &e);
    if (!o)
        o = header_of(ctx, x); /* header only */
    if (!o)
        return rpc_fail(&e);
    json_t *hex = cb_web_call(ctx, "getblock", json_pack("[si]", arg, 0), &e);
    json_object_set_new(o, "hex", hex ? hex : json_null());
    json_object_set_new(o, "status", json_string(entry_status(c, x)));
    json_object_set_new(o, "reason", failure_reason(x));
    if (refused && (x->status & CB_ENTRY_FAILED))
        json_object_set_new(o, "message", json_string(why.why));
    json_object_set_new(o, "checks",
                        (x->status & CB_ENTRY_HAVE_DATA) && !(x->status & CB_ENTRY_FAILED)
                            ? checks()
                            : json_array());
    return ok(o);
}

static cb_web_reply height(const cb_rpc_ctx *ctx, const char *arg)
{
    unsigned long h;
    if (!is_uint(arg, &h))
        return fail(400, "a height is a whole number, not '%.20s'", arg);
    const cb_chain_entry *x = cb_chain_at(cb_node_chain(ctx->node), (uint32_t)h);
    if (!x || h > UINT32_MAX)
        return fail(404, "no block at that height on the active chain");
    char hex[65];
    cb_hash_to_hex(hex, x->hash);
    return ok(json_pack("{s:s,s:I}", "hash", hex, "height", (json_int_t)h));
}

static const char *status_text(cb_tx_status st)
{
    return st == CB_TX_PENDING     ? "pending"
           : st == CB_TX_CONFIRMED ? "confirmed"
           : st == CB_TX_REJECTED  ? "refused"
                                   : "unknown";
}

static cb_web_reply tx(const cb_rpc_ctx *ctx, const char *arg)
{
    if (!is_hash(arg))
        return fail(400, "a payment is named by its txid, 64 hexadecimal digits, not '%.80s'", arg);
    cb_rpc_error e;
    json_t *o = cb_web_call(ctx, "getrawtransaction", json_pack("[s]", arg), &e);
    uint8_t id[32];
    cb_tx_status st = CB_TX_UNKNOWN;
    uint32_t h = 0;
    if (cb_hash_from_hex(id, arg) == CB_OK &&
        cb_store_tx_status(cb_node_store(ctx->node), id, &st, &h) != CB_OK)
        st = CB_TX_UNKNOWN;
    cb_rejection why;
    if (!o && st == CB_TX_UNKNOWN && cb_node_rejection_find(ctx->node, id, &why)) {
        /* Refused at the door: never stored, but the node says why. */
        return ok(json_pack("{s:s,s:s,s:s,s:s,s:I}", "txid", arg, "status", "refused", "reason",
                            cb_err_reason(why.err), "message", why.why, "refused_at",
                            (json_int_t)why.time));
    }
    if (!o) {
        if (st == CB_TX_UNKNOWN)
            return fail(404, "no payment %.64s is known here", arg);
        /* Known to the store only: refused, or pending but gone. */
        o = json_pack("{s:s}", "txid", arg);
    }
    bool in_pool = cb_mempool_get(cb_node_mempool(ctx->node), id, NULL);
    json_object_set_new(o, "status",
                        json_string(in_pool                           ? "pending"
                                    : json_object_get(o, "blockhash") ? "confirmed"
                                                                      : status_text(st)));
    if (json_object_get(o, "blockhash"))
        json_object_set_new(o, "height", json_integer(h));
    return ok(o);
}

static cb_web_reply address(const cb_rpc_ctx *ctx, const char *arg)
{
    if (strlen(arg) >= CB_ADDRESS_MAX)
        return fail(400, "not an address");
    cb_rpc_error e;
    json_t *o = cb_web_call(ctx, "getaccount", json_pack("[s]", arg), &e);
    if (!o)
        return fail(400, "not an address of this network: %s", e.message);
    cb_tx_record *recs = malloc(HISTORY_MAX * sizeof *recs);
    size_t n = 0;
    json_t *hist = json_array();
    if (recs && cb_store_list_txs(cb_node_store(ctx->node), arg, recs, HISTORY_MAX, &n) == CB_OK) {
        for (size_t i = 0; i < n; i++) {
            const cb_tx_record *r = &recs[i];
            char hex[65];
            cb_hash_to_hex(hex, r->txid);
            json_t *x =
                json_pack("{s:s,s:s,s:s,s:o,s:o,s:I,s:I,s:s}", "txid", hex, "sender", r->sender,
                          "recipient", r->recipient, "amount", cb_rpc_amount_json(r->amount), "fee",
                          cb_rpc_amount_json(r->fee), "nonce", (json_int_t)r->nonce, "time",
                          (json_int_t)r->time, "status", status_text(r->status));
            if (r->status == CB_TX_CONFIRMED)
                json_object_set_new(x, "height", json_integer(r->height));
            if (r->status == CB_TX_REJECTED)
                json_object_set_new(x, "reason", json_string(r->reason));
            json_array_append_new(hist, x);
        }
    }
    free(recs);
    json_object_set_new(o, "history", hist);
    json_object_set_new(o, "history_max", json_integer(HISTORY_MAX));
    return ok(o);
}

static json_t *refusals_json(cb_node *n)
{
    cb_rejection *r = malloc(50 * sizeof *r);
    size_t got = r ? cb_node_rejections(n, r, 50) : 0;
    json_t *a = json_array();
    for (size_t k = 0; k < got; k++) {
        char hex[65];
        cb_hash_to_hex(hex, r[k].id);
        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:I}", "kind", r[k].kind, "id", hex,
                                           "reason", cb_err_reason(r[k].err), "message", r[k].why,
                                           "time", (json_int_t)r[k].time));
    }
    free(r);
    return a;
}

static cb_web_reply mempool(const cb_rpc_ctx *ctx)
{
    cb_mempool *m = cb_node_mempool(ctx->node);
    size_t max = CB_MAX_BLOCK_TXS - 1; /* beside the coinbase */
    cb_tx *txs = malloc(max * sizeof *txs);
    if (!txs)
        return fail(500, "out of memory");
    size_t got = cb_mempool_select(m, txs, max);
    uint64_t fees = 0;
    json_t *shown = json_array();
    for (size_t i = 0; i < got; i++) {
        fees += txs[i].fee;
        if (i >= POOL_SHOWN)
            continue;
        uint8_t id[32];
        char hex[65];
        cb_tx_txid(id, &txs[i]);
        cb_hash_to_hex(hex, id);
        cb_rpc_error e;
        json_t *t = cb_web_call(ctx, "getrawtransaction", json_pack("[s]", hex), &e);
        if (t)
            json_array_append_new(shown, t);
    }
    free(txs);
    /* The template takes the best by fee, each sender in nonce order:
     * what follows is the order of the next block. */
    return ok(json_pack("{s:o,s:o,s:{s:I,s:o},s:I,s:o}", "info", call0(ctx, "getmempoolinfo"),
                        "txs", shown, "next_block", "count", (json_int_t)got, "fees",
                        cb_rpc_amount_json(fees), "shown_max", (json_int_t)POOL_SHOWN, "refused",
                        refusals_json(ctx->node)));
}

static cb_web_reply peers(const cb_rpc_ctx *ctx)
{
    if (!ctx->net)
        return ok(json_pack("{s:[],s:[],s:n}", "peers", "banned", "network"));
    json_t *list = call0(ctx, "getpeerinfo");
    size_t i;
    json_t *peer;
    bool tracing = cb_net_tracing(ctx->net);
    json_array_foreach(list, i, peer)
    {
        cb_rpc_error e;
        json_t *m = tracing ? cb_web_call(ctx, "getpeermessages",
                                          json_pack("[O]", json_object_get(peer, "id")), &e)
                            : NULL;
        json_object_set_new(peer, "messages", m ? m : json_array());
    }
    return ok(json_pack("{s:o,s:o,s:o,s:b}", "peers", list, "banned", call0(ctx, "listbanned"),
                        "network", call0(ctx, "getnetworkinfo"), "tracing", tracing));
}

/* Every known block of the last n heights, from the branch point below
 * them up, the active chain marked: the block tree. */
static cb_web_reply tree(const cb_rpc_ctx *ctx, const char *query)
{
    unsigned long n;
    if (!query_uint(query, "n", TREE_DEFAULT, TREE_MAX, &n) || n == 0)
        return fail(400, "n is a number of blocks from 1 to 2000");
    cb_chain *c = cb_node_chain(ctx->node);
    const cb_chain_entry *tip = cb_chain_tip(c), *best = cb_chain_best_header(c);
    const cb_chain_entry *top = best && best->height > tip->height ? best : tip;
    uint32_t low = top->height >= n ? top->height - (uint32_t)n : 0;
    const cb_chain_entry *root = cb_chain_ancestor(tip, low < tip->height ? low : tip->height);
    json_t *nodes = json_array();
    /* Depth first over the children, without recursion: a stack of
     * entries still to visit. */
    const cb_chain_entry **stack = malloc(TREE_NODES_MAX * sizeof *stack);
    if (!stack)
        return fail(500, "out of memory");
    size_t sp = 0, count = 0;
    bool cut = false;
    stack[sp++] = root;
    while (sp) {
        const cb_chain_entry *x = stack[--sp];
        if (count++ == TREE_NODES_MAX) {
            cut = true;
            break;
        }
        char hex[65], prev[65];
        cb_hash_to_hex(hex, x->hash);
        if (x->prev)
            cb_hash_to_hex(prev, x->prev->hash);
        json_array_append_new(nodes,
                              json_pack("{s:s,s:s?,s:I,s:I,s:s,s:o}", "hash", hex, "prev",
                                        x->prev ? prev : NULL, "height", (json_int_t)x->height,
                                        "time", (json_int_t)x->header.time, "status",
                                        entry_status(c, x), "reason", failure_reason(x)));
        for (const cb_chain_entry *k = x->first_child; k; k = k->next_sibling) {
            if (sp == TREE_NODES_MAX) {
                cut = true;
                break;
            }
            stack[sp++] = k;
        }
    }
    free(stack);
    char tiphex[65];
    cb_hash_to_hex(tiphex, tip->hash);
    return ok(json_pack("{s:s,s:I,s:I,s:b,s:o}", "tip", tiphex, "height", (json_int_t)tip->height,
                        "from", (json_int_t)root->height, "cut", cut, "nodes", nodes));
}

/* A search box: a height, a block hash, a txid or an address. */
static cb_web_reply search(const cb_rpc_ctx *ctx, const char *query)
{
    char q[128];
    unsigned long h;
    if (!query_get(query, "q", q, sizeof q))
        return fail(400, "search with ?q= a height, a hash, a txid or an address");
    if (is_uint(q, &h)) {
        if (!cb_chain_at(cb_node_chain(ctx->node), (uint32_t)h) || h > UINT32_MAX)
            return fail(404, "no block at height %s", q);
        return ok(json_pack("{s:s,s:s}", "kind", "height", "id", q));
    }
    if (is_hash(q)) {
        uint8_t hash[32];
        if (cb_hash_from_hex(hash, q) == CB_OK && cb_chain_lookup(cb_node_chain(ctx->node), hash))
            return ok(json_pack("{s:s,s:s}", "kind", "block", "id", q));
        return ok(json_pack("{s:s,s:s}", "kind", "tx", "id", q));
    }
    uint8_t id[20];
    if (cb_address_decode(cb_node_params(ctx->node), id, q) == CB_OK)
        return ok(json_pack("{s:s,s:s}", "kind", "address", "id", q));
    return fail(404, "'%.100s' is no height, hash or address here", q);
}

cb_web_reply cb_web_api(const cb_rpc_ctx *ctx, const char *path, const char *query)
{
    const char *slash = strchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : strlen(path);
    const char *arg = slash ? slash + 1 : NULL;
#define IS(name) (len == sizeof name - 1 && strncmp(path, name, len) == 0)
    if (!arg) {
        if (IS("overview"))
            return overview(ctx);
        if (IS("blocks"))
            return blocks(ctx, query);
        if (IS("mempool"))
            return mempool(ctx);
        if (IS("peers"))
            return peers(ctx);
        if (IS("tree"))
            return tree(ctx, query);
        if (IS("search"))
            return search(ctx, query);
    } else if (!strchr(arg, '/')) {
        if (IS("block"))
            return block(ctx, arg);
        if (IS("height"))
            return height(ctx, arg);
        if (IS("tx"))
            return tx(ctx, arg);
        if (IS("address"))
            return address(ctx, arg);
    }
#undef IS
    return fail(404, "no such API page");
}
