/* The JSON-RPC server: HTTP on the node's event loop (libevent evhttp),
 * Bitcoin Core's conventions: POST a JSON-RPC 1.0 or 2.0 request (or a
 * batch), Basic authentication with the cookie in <datadir>/.cookie
 * ("__cookie__:<hex>", made anew at every start, readable by the owner
 * only unless cookie_mode says more) or -rpcuser/-rpcpassword; Core's
 * error codes. */
#ifndef CB_RPC_RPC_H
#define CB_RPC_RPC_H

#include <jansson.h>
#include <limits.h>

#include "net/net.h"
#include "node/node.h"

/* Core's JSON-RPC error codes. */
enum {
    CB_RPC_MISC_ERROR = -1,
    CB_RPC_TYPE_ERROR = -3,
    CB_RPC_WALLET_ERROR = -4,
    CB_RPC_INVALID_ADDRESS_OR_KEY = -5,
    CB_RPC_WALLET_INSUFFICIENT_FUNDS = -6,
    CB_RPC_INVALID_PARAMETER = -8,
    CB_RPC_WALLET_PASSPHRASE_INCORRECT = -14,
    CB_RPC_DESERIALIZATION_ERROR = -22,
    CB_RPC_CLIENT_NODE_ALREADY_ADDED = -23,
    CB_RPC_CLIENT_NODE_NOT_ADDED = -24,
    CB_RPC_CLIENT_NODE_NOT_CONNECTED = -29,
    CB_RPC_CLIENT_INVALID_IP_OR_SUBNET = -30,
    CB_RPC_CLIENT_P2P_DISABLED = -31,
    CB_RPC_VERIFY_ERROR = -25,
    CB_RPC_VERIFY_REJECTED = -26,
    CB_RPC_VERIFY_ALREADY_IN_CHAIN = -27,
    CB_RPC_INVALID_REQUEST = -32600,
    CB_RPC_METHOD_NOT_FOUND = -32601,
    CB_RPC_INVALID_PARAMS = -32602,
    CB_RPC_PARSE_ERROR = -32700,
};

/* A method's failure: code and message. */
typedef struct {
    int code;
    char message[256];
} cb_rpc_error;

/* What the methods work on, given at start and the same for every call. */
typedef struct {
    cb_node *node;
    cb_net *net; /* NULL when the network is off */
} cb_rpc_ctx;

/* Where the server listens and whom it lets in. */
typedef struct {
    char bind[64];
    uint16_t port;
    char user[128]; /* -rpcuser (empty: the cookie only) */
    char password[256];
    char cookie_dir[PATH_MAX]; /* where .cookie is written (the datadir) */
    /* Who may read the cookie: 0 or 0600 the owner (the default), 0640 the
     * group too, 0644 everyone. Beyond the owner, the cookie's directory is
     * given the matching search bit (g+x, o+x), never read or write. */
    unsigned cookie_mode;
} cb_rpc_config;

/* A method: params is the request's array (never NULL). Returns the result
 * (a new reference), or NULL with *err set. */
typedef json_t *(*cb_rpc_fn)(const cb_rpc_ctx *rc, json_t *params, cb_rpc_error *err);

/* A call whose reply comes later, from the loop thread. */
typedef struct cb_rpc_call cb_rpc_call;

/* An asynchronous method, for work that would hold the event loop (a
 * password hash, mining): it checks params and starts the work.
 * Returns: true when started (the method then owns `call` and ends it
 * with exactly one cb_rpc_call_finish), or false with *err set (the
 * server answers with it; `call` is not the method's). */
typedef bool (*cb_rpc_async_fn)(const cb_rpc_ctx *rc, json_t *params, cb_rpc_call *call,
                                cb_rpc_error *err);

/* Ends a call: result (a new reference, taken over) or, when NULL, *err.
 * Frees `call`; the HTTP reply goes out with the last call of its request
 * (or not at all when the server has stopped). Loop thread. */
void cb_rpc_call_finish(cb_rpc_call *call, json_t *result, const cb_rpc_error *err);

/* A method: exactly one of fn and afn is set. */
typedef struct {
    const char *name;
    const char *args; /* for help: "height", "address count", ... */
    const char *about;
    cb_rpc_fn fn;
    cb_rpc_async_fn afn;
} cb_rpc_method;

/* The method table, ending with a NULL name. */
const cb_rpc_method *cb_rpc_methods(void);

/* Values as the RPC writes them (new references): a hash as 64 hex digits
 * in display order, an amount in coins. */
json_t *cb_rpc_hash_json(const uint8_t hash[32]);
json_t *cb_rpc_amount_json(uint64_t units);

/* The method of that name, or NULL. */
const cb_rpc_method *cb_rpc_find(const char *name);

typedef struct cb_rpc_server cb_rpc_server;

/* Starts listening on cfg->bind:cfg->port, on the node's loop, and writes
 * the cookie.
 * In: ctx (copied), cfg (read during the call).
 * Returns: CB_OK, CB_ERR_ADDR_IN_USE (another program holds the port),
 * CB_ERR_ARG (with msg: the address cannot be bound, the cookie cannot be
 * written), CB_ERR_RANDOM (no cookie secret) or CB_ERR_NOMEM. */
cb_err cb_rpc_start(cb_rpc_server **out, const cb_rpc_ctx *ctx, const cb_rpc_config *cfg, char *msg,
                    size_t msglen) CB_WARN_UNUSED;

/* Where cb_rpc_handle's reply goes: the HTTP status and the body (JSON
 * text, or NULL for none; valid during the call). */
typedef void (*cb_rpc_reply_fn)(void *ctx, int status, const char *body);

/* Handles one request as an HTTP POST with this Authorization header
 * (NULL: none) and body would be, without the HTTP (for tests and
 * fuzzing). `fn` is called once on the loop thread: within this call, or
 * later when an asynchronous method finishes (never once the server has
 * stopped). */
void cb_rpc_handle(cb_rpc_server *s, const char *authorization, const char *body, size_t len,
                   cb_rpc_reply_fn fn, void *ctx);

/* The port it listens on (the one the system chose when cfg->port was 0). */
uint16_t cb_rpc_port(const cb_rpc_server *s);

/* The method calls it has dispatched since it started (each call of a
 * batch counts); 0 for NULL. */
uint64_t cb_rpc_calls(const cb_rpc_server *s);

/* Stops listening and removes the cookie; NULL is fine. Calls still
 * running finish later without a reply. */
void cb_rpc_stop(cb_rpc_server *s);

#endif
