/* The peer-to-peer network (SPEC section 6), run in the node's event loop.
 *
 * It listens for peers, keeps up to max_outbound connections of its own
 * (to -connect addresses only, or to -addnode addresses plus those learnt
 * from gossip), syncs headers first and then block data from several peers
 * at once, relays new blocks and transactions, and bans peers that break
 * the protocol or send invalid data while serving every other peer.
 *
 * Every function here runs on the loop thread. */
#ifndef CB_NET_NET_H
#define CB_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/chain.h"
#include "core/err.h"
#include "net/addrbook.h"
#include "net/banlist.h"
#include "net/trace.h"
#include "node/log.h"
#include "node/mempool.h"
#include "store/store.h"

#define CB_NET_MAX_MANUAL 32
#define CB_NET_ADDR_MAX 96 /* "host:port" text */

typedef struct {
    bool listen;
    char bind[CB_ADDR_HOST_MAX]; /* address to listen on; "" = every interface */
    uint16_t port;               /* 0: any free one (cb_net_port says which) */
    char connect[CB_NET_MAX_MANUAL][CB_NET_ADDR_MAX]; /* only these when any */
    size_t nconnect;
    bool connect_only; /* no outbound beyond connect[] (-connect, even -connect=0) */
    char addnode[CB_NET_MAX_MANUAL][CB_NET_ADDR_MAX]; /* these, plus discovered ones */
    size_t naddnode;
    unsigned max_outbound; /* discovered and manual peers we connect to */
    unsigned max_inbound;  /* peers that connect to us */
    int64_t bantime;       /* seconds */
    bool trace;            /* -trace=net: keep each peer's last messages */
    char pcap[4096];       /* -pcap: capture every message into this file ("": none) */
    uint64_t pcap_max;     /* bytes the capture may grow to (0: 1 GiB) */
} cb_net_config;

/* The defaults: listen on every interface at the network's port, 8
 * outbound, 117 inbound, bans of 24 hours, no manual peers. */
void cb_net_config_default(cb_net_config *cfg);

typedef struct cb_net cb_net;
struct event_base;

/* What the network needs of the node it serves, given at start: it reads
 * the chain and the mempool and changes them only through the two submit
 * calls; it never sees the node itself. Every pointer must outlive the
 * network. */
typedef struct {
    const cb_params *params;
    struct event_base *base; /* the loop everything here runs on */
    cb_chain *chain;
    cb_mempool *mempool;
    cb_store *store; /* known peers and bans */
    cb_logger *log;
    int64_t (*now)(void); /* unix time */
    void *ctx;            /* for the two calls below */
    /* A block from a peer. Returns: as cb_node_submit_block. */
    cb_err (*submit_block)(void *ctx, const cb_block *b, size_t *bad_tx);
    /* A payment from a peer. Returns: as cb_node_submit_tx. */
    cb_err (*submit_tx)(void *ctx, const cb_tx *tx, uint8_t txid[32]);
    /* A header, a message or a peer refused (kind "header", "message" or
     * "peer"; id the header's hash, the message header's sha256d or the
     * host's), and why, in a sentence with its numbers: kept for
     * getrejections. May be NULL. */
    void (*refused)(void *ctx, const char *kind, const uint8_t id[32], cb_err err, const char *why);
    /* A block we asked a peer for, arrived but still waiting behind the
     * message being handled: its payload, unchecked (not even its
     * checksum), for the node to start checking its signatures ahead.
     * Takes data (malloc'd; the callee frees it). The block still comes
     * through submit_block in its turn. May be NULL. */
    void (*prefetch_block)(void *ctx, uint8_t *data, size_t len);
} cb_net_host;

/* The kinds of message counted per peer (Core's bytessent_per_msg): the
 * protocol's commands, then "*other*" for any other command. */
#define CB_NET_MSG_KINDS 16
extern const char *const cb_net_msg_kinds[CB_NET_MSG_KINDS];

/* The kind of a command: its index in cb_net_msg_kinds. */
size_t cb_net_msg_kind(const char *command);

/* The message trace (net/trace.h): on or off at run time; turning it off
 * lets each peer's messages go. */
void cb_net_set_trace(cb_net *net, bool on);
bool cb_net_tracing(const cb_net *net);

/* The messages peer `id` kept, oldest first, up to max (CB_TRACE_KEPT is
 * all). Returns: how many, or -1 when no such peer. */
long cb_net_peer_messages(const cb_net *net, uint64_t id, cb_trace_entry *out, size_t max);

/* A snapshot of one peer for getpeerinfo and the menu. */
typedef struct {
    uint64_t id;
    char addr[CB_NET_ADDR_MAX];
    char local[CB_NET_ADDR_MAX];
    bool inbound, manual, established;
    int32_t version;
    char user_agent[257];
    int32_t start_height;
    int64_t synced_headers, synced_blocks; /* -1 when unknown */
    int64_t conn_time, last_send, last_recv;
    uint64_t bytes_sent, bytes_recv;
    uint64_t sent_per_msg[CB_NET_MSG_KINDS], recv_per_msg[CB_NET_MSG_KINDS]; /* headers too */
    double ping_seconds; /* -1 before the first pong */
    size_t inflight;
} cb_peer_info;

/* Starts the network: loads known peers and bans from the store, listens
 * (unless cfg->listen is false), and begins connecting.
 * In: host (copied).
 * Out: *out (cb_net_free), msg says why on failure.
 * Returns: CB_OK, CB_ERR_ARG (a bad address in the config),
 * CB_ERR_ADDR_IN_USE (another program holds the port), CB_ERR_RANDOM or
 * CB_ERR_NOMEM. */
cb_err cb_net_start(cb_net **out, const cb_net_host *host, const cb_net_config *cfg, char *msg,
                    size_t msglen) CB_WARN_UNUSED;

/* Closes every connection, saves the known peers, frees everything. */
void cb_net_free(cb_net *net);

/* The port it listens on (0 when not listening). */
uint16_t cb_net_port(const cb_net *net);

/* What the node tells the network (wired as its listener by whoever
 * starts both). */
/* The active tip moved from old_tip: announce the new blocks, re-request. */
void cb_net_tip_changed(cb_net *net, const cb_chain_entry *old_tip);
/* A transaction entered the mempool (from us or from a peer): announced
 * to every peer that does not have it. */
void cb_net_tx_accepted(cb_net *net, const uint8_t txid[32]);
/* A transaction of a disconnected block is back in the mempool: announced
 * to every peer again. */
void cb_net_tx_returned(cb_net *net, const uint8_t txid[32]);

/* Snapshot of the peers. Out: out[0..max). Returns: the number of peers. */
size_t cb_net_peers(cb_net *net, cb_peer_info *out, size_t max);

/* Connection counts. */
void cb_net_counts(const cb_net *net, size_t *inbound, size_t *outbound);

/* addnode: "add" keeps host:port connected, "remove" forgets it,
 * "onetry" connects once.
 * Returns: CB_OK, CB_ERR_ARG (bad address or mode), CB_ERR_DUPLICATE
 * (added twice), CB_ERR_NOT_FOUND (removing an address never added). */
cb_err cb_net_addnode(cb_net *net, const char *addr, const char *mode) CB_WARN_UNUSED;

/* Disconnects the peer with this address ("host:port"), or with this id
 * when addr is NULL. Returns: CB_OK or CB_ERR_NOT_FOUND. */
cb_err cb_net_disconnect(cb_net *net, const char *addr, uint64_t id) CB_WARN_UNUSED;

/* Bans a subnet ("1.2.3.4", "10.1.2.0/24", "2001:db8::/64") until
 * `until`, disconnecting every peer inside it, or lifts that ban.
 * Returns: CB_OK, CB_ERR_ARG (not an address or subnet), CB_ERR_DUPLICATE
 * (already banned), CB_ERR_NOT_FOUND (lifting a ban that is not there),
 * CB_ERR_NOMEM. */
cb_err cb_net_setban(cb_net *net, const char *subnet, bool add, int64_t until) CB_WARN_UNUSED;
void cb_net_clearbans(cb_net *net);

/* The bans in force (expired ones dropped first): valid until the next
 * change; read with cb_banlist_prune's count and cb_banlist_at. */
cb_banlist *cb_net_banlist(cb_net *net);

/* The configured ban time in seconds. */
int64_t cb_net_bantime(const cb_net *net);

#endif
