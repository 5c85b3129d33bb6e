/* The web view: a read-only explorer and dashboard served by the node
 * itself (libevent evhttp on the node's loop), for people learning how the
 * chain works. Pages (HTML, CSS, JavaScript compiled into the binary) for
 * the overview, blocks, a block, a payment, an address, the mempool, the
 * peers and the block tree; the JSON behind each under /api/ (the RPC's
 * shapes, through the RPC's own read-only methods); server-sent events on
 * /events; Prometheus text on /metrics. No login, and nothing on it
 * spends, mines or shows a key: it calls only methods that read. Every
 * URL parameter is checked; unknown paths are 404; connections are capped
 * and an events client that does not read is cut before it holds more
 * than a bounded amount of memory. Loop thread only. */
#ifndef CB_WEB_WEB_H
#define CB_WEB_WEB_H

#include <stdint.h>

#include "rpc/rpc.h"

typedef struct {
    char bind[64];       /* address to listen on (default 127.0.0.1) */
    uint16_t port;       /* 0: any free one (cb_web_port says which) */
    unsigned max_conns;  /* connections at once (0: 64) */
    unsigned max_events; /* /events clients at once (0: 32) */
    /* RPC calls so far, for /metrics (NULL: reported as 0). */
    uint64_t (*rpc_calls)(void *ctx);
    void *rpc_calls_ctx;
} cb_web_config;

typedef struct cb_web cb_web;

/* Starts listening on cfg->bind:cfg->port on the node's loop.
 * Returns: CB_OK, CB_ERR_ADDR_IN_USE (the port is taken), CB_ERR_ARG (with
 * msg: not an address to listen on) or CB_ERR_NOMEM. */
cb_err cb_web_start(cb_web **out, const cb_rpc_ctx *ctx, const cb_web_config *cfg, char *msg,
                    size_t msglen) CB_WARN_UNUSED;

/* The port it listens on. */
uint16_t cb_web_port(const cb_web *w);

/* What the node tells it, turned into events (see cb_node_listener). */
void cb_web_tip_changed(cb_web *w, const cb_chain_entry *old_tip);
void cb_web_tx_accepted(cb_web *w, const uint8_t txid[32]);
void cb_web_tx_returned(cb_web *w, const uint8_t txid[32]);
void cb_web_tx_refused(cb_web *w, const uint8_t txid[32], cb_err err);

/* Stops listening and closes every client; NULL is fine. */
void cb_web_stop(cb_web *w);

#endif
