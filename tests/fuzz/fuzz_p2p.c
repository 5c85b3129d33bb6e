/* libFuzzer target: the P2P message handlers of a real node. One regtest
 * node (SQLite in memory, no listening, no outbound, RPC on an ephemeral
 * loopback port) is started once; each input is a peer that completes the
 * handshake and then sends a run of messages:
 *   [command index][payload length, 2 bytes LE][payload] ...
 * handled exactly as bytes off the wire are (cb_net_handle_message), with
 * the loop turned between messages. The node must neither crash nor leak;
 * its ban list is cleared after each input so that every input starts as
 * a fresh peer. */
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net_internal.h"
#include "app/daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cb_daemon *daemon_;
static cb_node *node;

static const char *COMMANDS[] = {
    "version",  "verack",     "ping",    "pong",  "getaddr", "addr",        "inv",     "getdata",
    "notfound", "getheaders", "headers", "block", "tx",      "sendheaders", "mempool", "bogus"};

static void start_node(void)
{
    static cb_daemon_config cfg;
    char msg[512] = "";
    memset(&cfg, 0, sizeof cfg);
    cfg.node.params = cb_params_regtest();
    snprintf(cfg.node.datadir, sizeof cfg.node.datadir, "/tmp/cb-fuzz-p2p-%d", (int)getpid());
    snprintf(cfg.node.db, sizeof cfg.node.db, ":memory:");
    cfg.node.minethreads = 1;
    cfg.node.pwcost = cb_pwcost_minimum();
    snprintf(cfg.rpc.bind, sizeof cfg.rpc.bind, "127.0.0.1");
    cfg.rpc.port = 0;
    memcpy(cfg.rpc.cookie_dir, cfg.node.datadir, sizeof cfg.rpc.cookie_dir);
    cfg.network = true;
    cb_net_config_default(&cfg.net);
    cfg.net.listen = false;
    cfg.net.connect_only = true;
    cfg.net.trace = true; /* the trace's summaries read every payload too */
    if (cb_daemon_start(&daemon_, &cfg, msg, sizeof msg) != CB_OK) {
        fprintf(stderr, "fuzz_p2p: cannot start a node: %s\n", msg);
        abort();
    }
    node = cb_daemon_node(daemon_);
}

/* A version payload of protocol 1001 with a nonce that is not ours. */
static size_t version(uint8_t *buf, size_t cap)
{
    cb_version_msg v;
    memset(&v, 0, sizeof v);
    v.version = CB_PROTOCOL_VERSION;
    v.services = CB_NODE_NETWORK;
    v.timestamp = cb_node_now();
    v.nonce = 0x1234567890abcdefull;
    snprintf(v.user_agent, sizeof v.user_agent, "/fuzz/");
    v.relay = true;
    return cb_version_serialize(buf, cap, &v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!node)
        start_node();
    cb_net *net = cb_daemon_net(daemon_);
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        return 0;
    struct bufferevent *bev =
        bufferevent_socket_new(cb_node_base(node), fds[0], BEV_OPT_CLOSE_ON_FREE);
    cb_peer *p = bev ? cb_peer_new(net, bev, "127.0.0.2", 1, true) : NULL;
    if (!p) {
        if (bev)
            bufferevent_free(bev);
        else
            close(fds[0]);
        close(fds[1]);
        return 0;
    }
    uint8_t v[512];
    cb_net_handle_message(p, "version", v, version(v, sizeof v));
    cb_net_handle_message(p, "verack", NULL, 0);
    size_t off = 0;
    /* p is freed by the reap the loop runs once it is closing: it is not
     * looked at after a turn of the loop that may have reaped it. */
    bool open = !p->closing;
    for (int count = 0; open && off + 3 <= size && count < 64; count++) {
        const char *cmd = COMMANDS[data[off] % (sizeof COMMANDS / sizeof COMMANDS[0])];
        size_t len = (size_t)data[off + 1] | (size_t)data[off + 2] << 8;
        off += 3;
        if (len > size - off)
            len = size - off;
        uint8_t *payload = malloc(len ? len : 1);
        if (!payload)
            break;
        memcpy(payload, data + off, len);
        off += len;
        if (len <= cb_net_max_payload(cmd))
            cb_net_handle_message(p, cmd, payload, len);
        free(payload);
        open = !p->closing;
        if (open) {
            /* The turn may close and reap it (a timer): still listed? */
            event_base_loop(cb_node_base(node), EVLOOP_NONBLOCK);
            open = false;
            for (cb_peer *q = net->peers; q; q = q->next)
                open |= q == p && !q->closing;
        }
    }
    if (open)
        cb_peer_close(p, "fuzz input done");
    /* (A closing p not yet reaped is reaped by this turn.) */
    event_base_loop(cb_node_base(node), EVLOOP_NONBLOCK);
    close(fds[1]);
    cb_net_clearbans(net);
    return 0;
}
