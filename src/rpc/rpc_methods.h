/* Inside the RPC layer: what the methods share (parameter checks, JSON
 * of hashes, amounts and addresses, cb_err to error code) and every
 * method by area, for the table in rpc_table.c. Not for outside src/rpc/. */
#ifndef CB_RPC_RPC_METHODS_H
#define CB_RPC_RPC_METHODS_H

#include "rpc/rpc.h"

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
/* min to max string parameters into out[] (those past min may be
 * non-strings: then NULL). */
bool cb_rpc_arg_strings(json_t *p, size_t min, size_t max, const char **out, cb_rpc_error *e);
/* A 64-digit hex hash (display order). */
bool cb_rpc_arg_hash(json_t *p, size_t i, uint8_t hash[32], cb_rpc_error *e);
/* An address of the node's network, as its hash160. */
bool cb_rpc_arg_address(cb_node *n, json_t *p, size_t i, uint8_t id[20], cb_rpc_error *e);

/* JSON values (new references; the hash and amount ones are in rpc.h). */
json_t *cb_rpc_address_json(cb_node *n, const uint8_t id[20]);

/* The difficulty of bits: the network's limit over the target. */
double cb_rpc_difficulty(const cb_params *p, uint32_t bits);

/* The one mapping from cb_err to an RPC error code: a wrong password,
 * a bad argument, already in the mempool, the node's own trouble (busy,
 * memory, threads), and any payment or block rule (Core's "rejected")
 * have their codes; anything else gets `dflt`, the area's own. */
int cb_rpc_code(cb_err err, int dflt);

/* Sets *e to err's code (as cb_rpc_code) and sentence. Returns: NULL. */
json_t *cb_rpc_fail_err(cb_rpc_error *e, cb_err err, int dflt);

/* The chain methods (rpc_chain.c). */
json_t *cb_rpc_getblockcount(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getbestblockhash(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getblockhash(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getblockheader(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getblock(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getblockchaininfo(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getchaintips(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getaccount(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_validateaddress(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_sendrawtransaction(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getmempoolinfo(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getrawmempool(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getrawtransaction(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_verifymempool(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);

/* The mining methods (rpc_mining.c); generatetoaddress mines on a worker. */
json_t *cb_rpc_submitblock(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
bool cb_rpc_generatetoaddress(const cb_rpc_ctx *rc, json_t *p, cb_rpc_call *c, cb_rpc_error *e);
/* Why the node thinks what it does (rpc_explain.c). */
json_t *cb_rpc_explain(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_testmempoolaccept(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getrejections(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);

json_t *cb_rpc_setmocktime(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_stopgenerating(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_setgenerate(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getmininginfo(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);

/* The network methods (rpc_net.c). */
json_t *cb_rpc_getpeerinfo(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getconnectioncount(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getnetworkinfo(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_addnode(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_disconnectnode(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_setban(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_listbanned(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_settrace(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_getpeermessages(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
json_t *cb_rpc_clearbanned(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);

/* The user methods (rpc_users.c), for the method table. Those that check
 * a password hash it on a worker thread. */
bool cb_rpc_createuser(const cb_rpc_ctx *rc, json_t *p, cb_rpc_call *c, cb_rpc_error *e);
bool cb_rpc_checklogin(const cb_rpc_ctx *rc, json_t *p, cb_rpc_call *c, cb_rpc_error *e);
json_t *cb_rpc_getwalletinfo(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
bool cb_rpc_send(const cb_rpc_ctx *rc, json_t *p, cb_rpc_call *c, cb_rpc_error *e);
json_t *cb_rpc_listtransactions(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e);
bool cb_rpc_exportkey(const cb_rpc_ctx *rc, json_t *p, cb_rpc_call *c, cb_rpc_error *e);
bool cb_rpc_importkey(const cb_rpc_ctx *rc, json_t *p, cb_rpc_call *c, cb_rpc_error *e);

#endif
