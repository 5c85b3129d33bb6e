/* The JSON-RPC server: HTTP on the node's event loop (libevent evhttp),
 * Bitcoin Core's conventions: POST a JSON-RPC 1.0 or 2.0 request (or a
 * batch), Basic authentication with the cookie in <datadir>/.cookie
 * ("__cookie__:<hex>", made anew at every start, readable by the owner
 * only) or -rpcuser/-rpcpassword; Core's error codes. */
#ifndef CB_NODE_RPC_H
#define CB_NODE_RPC_H

#include <jansson.h>

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

/* A method: params is the request's array (never NULL). Returns the result
 * (a new reference), or NULL with *err set. */
typedef json_t *(*cb_rpc_fn)(cb_node *n, json_t *params, cb_rpc_error *err);

typedef struct {
    const char *name;
    const char *args; /* for help: "height", "address count", ... */
    const char *about;
    cb_rpc_fn fn;
} cb_rpc_method;

/* Parameter i as an amount in CB (a JSON number or a string, at most 8
 * decimals, not negative, at most MAX_MONEY). Returns: false with *e set. */
bool cb_rpc_arg_amount(json_t *p, size_t i, uint64_t *units, cb_rpc_error *e);

/* Sets *e (code, printf-style message). Returns: NULL, for "return cb_rpc_fail(...)". */
json_t *cb_rpc_fail(cb_rpc_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parameter checks; each returns false with *e set. */
bool cb_rpc_arg_count(json_t *p, size_t min, size_t max, cb_rpc_error *e);
bool cb_rpc_arg_string(json_t *p, size_t i, const char **out, cb_rpc_error *e);
bool cb_rpc_arg_uint(json_t *p, size_t i, uint64_t max, uint64_t *out, cb_rpc_error *e);

/* The network methods (rpc_net.c). */
json_t *cb_rpc_getpeerinfo(cb_node *n, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getconnectioncount(cb_node *n, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getnetworkinfo(cb_node *n, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_addnode(cb_node *n, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_disconnectnode(cb_node *n, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_setban(cb_node *n, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_listbanned(cb_node *n, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_clearbanned(cb_node *n, json_t *p, cb_rpc_error *e);

/* The user methods (rpc_users.c), for the method table. */
json_t *cb_rpc_createuser(cb_node *n, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_checklogin(cb_node *n, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getwalletinfo(cb_node *n, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_send(cb_node *n, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_listtransactions(cb_node *n, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_exportkey(cb_node *n, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_importkey(cb_node *n, json_t *p, cb_rpc_error *e);

/* The method table, ending with a NULL name. */
const cb_rpc_method *cb_rpc_methods(void);

/* Starts listening on the node's -rpcbind:-rpcport and writes the cookie.
 * Returns: CB_OK or CB_ERR_ARG (with msg) when the port cannot be bound. */
cb_err cb_rpc_start(cb_rpc_server **out, cb_node *n, char *msg, size_t msglen) CB_WARN_UNUSED;

/* Stops listening and removes the cookie; NULL is fine. */
void cb_rpc_stop(cb_rpc_server *s);

/* Runs one parsed request object through the method table.
 * Returns: the response object (a new reference); *http_status for it. */
json_t *cb_rpc_handle(cb_node *n, json_t *request, int *http_status);

#endif
