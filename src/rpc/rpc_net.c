/* The network's RPC methods, named and shaped as Bitcoin Core's. */
#include <stdlib.h>
#include <string.h>

#include "net/protocol.h"
#include "rpc/rpc_methods.h"

static bool have_net(const cb_rpc_ctx *rc, cb_rpc_error *e)
{
    if (!rc->net) {
        cb_rpc_fail(e, CB_RPC_CLIENT_P2P_DISABLED, "the P2P network is off in this node");
        return false;
    }
    return true;
}

json_t *cb_rpc_getpeerinfo(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    if (!cb_rpc_arg_count(p, 0, 0, e) || !have_net(rc, e))
        return NULL;
    size_t cap = 256;
    cb_peer_info *info = calloc(cap, sizeof *info);
    if (!info)
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR, "out of memory");
    size_t count = cb_net_peers(rc->net, info, cap);
    json_t *list = json_array();
    for (size_t i = 0; i < count && i < cap; i++) {
        const cb_peer_info *x = &info[i];
        json_t *o = json_pack(
            "{s:I,s:s,s:s,s:b,s:b,s:b,s:i,s:s,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "id",
            (json_int_t)x->id, "addr", x->addr, "addrlocal", x->local, "inbound", x->inbound,
            "manual", x->manual, "handshake", x->established, "version", (int)x->version, "subver",
            x->user_agent, "startingheight", (int)x->start_height, "synced_headers",
            (json_int_t)x->synced_headers, "synced_blocks", (json_int_t)x->synced_blocks,
            "conntime", (json_int_t)x->conn_time, "lastsend", (json_int_t)x->last_send, "lastrecv",
            (json_int_t)x->last_recv, "bytessent", (json_int_t)x->bytes_sent, "bytesrecv",
            (json_int_t)x->bytes_recv, "inflight", (json_int_t)x->inflight);
        if (o && x->ping_seconds >= 0)
            json_object_set_new(o, "pingtime", json_real(x->ping_seconds));
        /* Core's shape: only the kinds with bytes. */
        json_t *sent = json_object(), *recv = json_object();
        for (size_t k = 0; k < CB_NET_MSG_KINDS; k++) {
            if (x->sent_per_msg[k])
                json_object_set_new(sent, cb_net_msg_kinds[k],
                                    json_integer((json_int_t)x->sent_per_msg[k]));
            if (x->recv_per_msg[k])
                json_object_set_new(recv, cb_net_msg_kinds[k],
                                    json_integer((json_int_t)x->recv_per_msg[k]));
        }
        json_object_set_new(o, "bytessent_per_msg", sent);
        json_object_set_new(o, "bytesrecv_per_msg", recv);
        json_array_append_new(list, o);
    }
    free(info);
    return list;
}

json_t *cb_rpc_getconnectioncount(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    size_t in = 0, out = 0;
    if (!cb_rpc_arg_count(p, 0, 0, e))
        return NULL;
    if (rc->net)
        cb_net_counts(rc->net, &in, &out);
    return json_integer((json_int_t)(in + out));
}

json_t *cb_rpc_getnetworkinfo(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    size_t in = 0, out = 0;
    if (!cb_rpc_arg_count(p, 0, 0, e))
        return NULL;
    if (rc->net)
        cb_net_counts(rc->net, &in, &out);
    char agent[64];
    snprintf(agent, sizeof agent, "/CoinBit:%s/", CB_VERSION_STRING);
    /* Core's fields, and how many addresses are discouraged. */
    return json_pack(
        "{s:s,s:s,s:i,s:b,s:i,s:I,s:I,s:I,s:I,s:I}", "version", CB_VERSION_STRING, "subversion",
        agent, "protocolversion", CB_PROTOCOL_VERSION, "networkactive", rc->net != NULL,
        "localport", rc->net ? (int)cb_net_port(rc->net) : 0, "connections", (json_int_t)(in + out),
        "connections_in", (json_int_t)in, "connections_out", (json_int_t)out, "bantime",
        (json_int_t)(rc->net ? cb_net_bantime(rc->net) : 0), "discouraged",
        (json_int_t)(rc->net ? cb_banlist_discouraged_count(cb_net_banlist(rc->net)) : 0));
}

json_t *cb_rpc_addnode(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    const char *addr, *mode;
    if (!cb_rpc_arg_count(p, 2, 2, e) || !cb_rpc_arg_string(p, 0, &addr, e) ||
        !cb_rpc_arg_string(p, 1, &mode, e) || !have_net(rc, e))
        return NULL;
    cb_err err = cb_net_addnode(rc->net, addr, mode);
    switch (err) {
    case CB_OK:
        return json_null();
    case CB_ERR_DUPLICATE:
        return cb_rpc_fail(e, CB_RPC_CLIENT_NODE_ALREADY_ADDED, "Error: Node already added");
    case CB_ERR_NOT_FOUND:
        return cb_rpc_fail(e, CB_RPC_CLIENT_NODE_NOT_ADDED,
                           "Error: Node could not be removed. It has not been added previously.");
    case CB_ERR_TOO_LARGE:
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR, "too many added nodes (at most %d)",
                           CB_NET_MAX_MANUAL);
    default:
        if (strcmp(mode, "add") && strcmp(mode, "remove") && strcmp(mode, "onetry"))
            return cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER,
                               "mode must be \"add\", \"remove\" or \"onetry\"");
        return cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER,
                           "'%s' is not HOST:PORT with a host that resolves", addr);
    }
}

json_t *cb_rpc_disconnectnode(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    const char *addr;
    uint64_t id = 0;
    if (!cb_rpc_arg_count(p, 1, 2, e) || !cb_rpc_arg_string(p, 0, &addr, e) || !have_net(rc, e))
        return NULL;
    if (json_array_size(p) == 2) {
        if (addr[0])
            return cb_rpc_fail(e, CB_RPC_INVALID_PARAMS,
                               "give either an address or a node id (with \"\" as the address)");
        if (!cb_rpc_arg_uint(p, 1, UINT64_MAX >> 1, &id, e))
            return NULL;
    }
    if (cb_net_disconnect(rc->net, json_array_size(p) == 2 ? NULL : addr, id) != CB_OK)
        return cb_rpc_fail(e, CB_RPC_CLIENT_NODE_NOT_CONNECTED,
                           "Node not found in connected nodes");
    return json_null();
}

json_t *cb_rpc_setban(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    const char *host, *mode;
    uint64_t bantime = 0;
    bool absolute = false;
    if (!cb_rpc_arg_count(p, 2, 4, e) || !cb_rpc_arg_string(p, 0, &host, e) ||
        !cb_rpc_arg_string(p, 1, &mode, e) || !have_net(rc, e))
        return NULL;
    bool add = strcmp(mode, "add") == 0;
    if (!add && strcmp(mode, "remove") != 0)
        return cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "mode must be \"add\" or \"remove\"");
    if (json_array_size(p) >= 3 && !cb_rpc_arg_uint(p, 2, (uint64_t)1 << 40, &bantime, e))
        return NULL;
    if (json_array_size(p) == 4) {
        json_t *a = json_array_get(p, 3);
        if (!json_is_boolean(a))
            return cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "parameter 4 must be true or false");
        absolute = json_is_true(a);
    }
    int64_t now = cb_node_now();
    int64_t until = bantime == 0 ? now + cb_net_bantime(rc->net)
                    : absolute   ? (int64_t)bantime
                                 : now + (int64_t)bantime;
    if (add && until <= now)
        return cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "the ban would end in the past");
    switch (cb_net_setban(rc->net, host, add, until)) {
    case CB_OK:
        return json_null();
    case CB_ERR_DUPLICATE:
        return cb_rpc_fail(e, CB_RPC_CLIENT_NODE_ALREADY_ADDED, "Error: IP already banned");
    case CB_ERR_NOT_FOUND:
        return cb_rpc_fail(e, CB_RPC_CLIENT_INVALID_IP_OR_SUBNET,
                           "Error: Unban failed. Requested address was not previously banned.");
    case CB_ERR_TOO_LARGE:
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR, "the ban list is full");
    default:
        return cb_rpc_fail(e, CB_RPC_CLIENT_INVALID_IP_OR_SUBNET, "Error: Invalid IP: %s", host);
    }
}

json_t *cb_rpc_listbanned(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    if (!cb_rpc_arg_count(p, 0, 0, e) || !have_net(rc, e))
        return NULL;
    cb_banlist *bans = cb_net_banlist(rc->net);
    size_t count = cb_banlist_prune(bans, cb_node_now());
    int64_t now = cb_node_now();
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++) {
        const cb_ban *b = cb_banlist_at(bans, i);
        char text[CB_SUBNET_TEXT_MAX];
        cb_subnet_format(text, &b->subnet);
        /* Core's fields, and the reason. */
        json_array_append_new(
            list, json_pack("{s:s,s:I,s:I,s:I,s:I,s:s}", "address", text, "ban_created",
                            (json_int_t)b->created, "banned_until", (json_int_t)b->until,
                            "ban_duration", (json_int_t)(b->until - b->created), "time_remaining",
                            (json_int_t)(b->until - now), "ban_reason", b->reason));
    }
    return list;
}

json_t *cb_rpc_clearbanned(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    if (!cb_rpc_arg_count(p, 0, 0, e) || !have_net(rc, e))
        return NULL;
    cb_net_clearbans(rc->net);
    return json_null();
}

json_t *cb_rpc_settrace(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    const char *what;
    if (!cb_rpc_arg_count(p, 2, 2, e) || !cb_rpc_arg_string(p, 0, &what, e) || !have_net(rc, e))
        return NULL;
    json_t *on = json_array_get(p, 1);
    if (strcmp(what, "net") != 0)
        return cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "only \"net\" can be traced");
    if (!json_is_boolean(on))
        return cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "on must be true or false");
    cb_net_set_trace(rc->net, json_is_true(on));
    return json_pack("{s:b}", "net", cb_net_tracing(rc->net));
}

json_t *cb_rpc_getpeermessages(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    uint64_t id;
    if (!cb_rpc_arg_count(p, 1, 1, e) || !cb_rpc_arg_uint(p, 0, UINT64_MAX >> 1, &id, e) ||
        !have_net(rc, e))
        return NULL;
    cb_trace_entry *t = calloc(CB_TRACE_KEPT, sizeof *t);
    if (!t)
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR, "out of memory");
    long n = cb_net_peer_messages(rc->net, id, t, CB_TRACE_KEPT);
    if (n < 0) {
        free(t);
        return cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "no peer %llu (getpeerinfo lists them)",
                           (unsigned long long)id);
    }
    json_t *a = json_array();
    for (long i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:I,s:s}", "time_ms",
                                           (json_int_t)t[i].time_ms, "direction",
                                           t[i].out ? "out" : "in", "command", t[i].command, "size",
                                           (json_int_t)t[i].size, "summary", t[i].summary));
    free(t);
    return a;
}
