/* The method table: every RPC method by name, with its help, and the two
 * that belong to no area (help, stop). */
#include <stdio.h>
#include <string.h>

#include "rpc/rpc_methods.h"

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
    (void)rc;
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
    {"getblockchaininfo", "", "state of the chain", cb_rpc_getblockchaininfo, NULL},
    {"getblockcount", "", "height of the best chain", cb_rpc_getblockcount, NULL},
    {"getbestblockhash", "", "hash of the tip", cb_rpc_getbestblockhash, NULL},
    {"getblockhash", "height", "hash of the block at a height of the best chain",
     cb_rpc_getblockhash, NULL},
    {"getblockheader", "\"hash\" ( verbose )", "a header, as JSON or hex", cb_rpc_getblockheader,
     NULL},
    {"getblock", "\"hash\" ( verbosity )", "a block: 0 hex, 1 JSON with txids, 2 with txs",
     cb_rpc_getblock, NULL},
    {"getchaintips", "", "every branch tip the node knows, with its status", cb_rpc_getchaintips,
     NULL},
    {"getrawtransaction", "\"txid\"", "a transaction from the mempool or the best chain",
     cb_rpc_getrawtransaction, NULL},
    {"sendrawtransaction", "\"hex\"", "submit a signed transaction; returns its txid",
     cb_rpc_sendrawtransaction, NULL},
    {"submitblock", "\"hex\"", "submit a block; null when accepted, else the reason",
     cb_rpc_submitblock, NULL},
    {"getmempoolinfo", "", "size of the mempool", cb_rpc_getmempoolinfo, NULL},
    {"getrawmempool", "", "txids waiting in the mempool", cb_rpc_getrawmempool, NULL},
    {"verifymempool", "", "each pending transaction checked again: signature and balance",
     cb_rpc_verifymempool, NULL},
    {"getmininginfo", "", "mining state", cb_rpc_getmininginfo, NULL},
    {"generatetoaddress", "nblocks \"address\"", "mine blocks now, paying address", NULL,
     cb_rpc_generatetoaddress},
    {"explain", "\"txid|blockhash|hex\"",
     "what the node thinks of a payment or block, and why (status and a plain sentence)",
     cb_rpc_explain, NULL},
    {"testmempoolaccept", "[\"hex\",...]",
     "whether the mempool would take each payment now, and why not (nothing is sent)",
     cb_rpc_testmempoolaccept, NULL},
    {"getrejections", "( count )", "the payments and blocks refused lately, newest first",
     cb_rpc_getrejections, NULL},
    {"setmocktime", "timestamp",
     "regtest: set the node's clock to these unix seconds (0: the real clock)", cb_rpc_setmocktime,
     NULL},
    {"stopgenerating", "", "stop every generatetoaddress under way (each returns its blocks)",
     cb_rpc_stopgenerating, NULL},
    {"setgenerate", "generate ( threads )", "continuous mining on or off (to -mineto)",
     cb_rpc_setgenerate, NULL},
    {"getaccount", "\"address\"", "balance, nonce and pending payments of an address",
     cb_rpc_getaccount, NULL},
    {"validateaddress", "\"address\"", "whether an address is valid here", cb_rpc_validateaddress,
     NULL},
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
    {"settrace", "\"net\" on", "keep (or stop keeping) each peer's last messages", cb_rpc_settrace,
     NULL},
    {"getpeermessages", "peerid",
     "the last messages in and out of a peer, with a summary each (settrace \"net\" true)",
     cb_rpc_getpeermessages, NULL},
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

const cb_rpc_method *cb_rpc_find(const char *name)
{
    for (const cb_rpc_method *m = cb_rpc_methods(); m->name; m++)
        if (strcmp(m->name, name) == 0)
            return m;
    return NULL;
}
