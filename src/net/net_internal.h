/* Shared between the network's files (net.c: connections and timers;
 * peer.c: framing on one connection; net_msg.c: what each message does;
 * net_sync.c: block download and announcements). Not for outside use. */
#ifndef CB_NET_NET_INTERNAL_H
#define CB_NET_NET_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/keymap.h"
#include "core/tx.h"
#include "net/protocol.h"
#include "net/addrbook.h"
#include "net/net.h"
#include "net/pcap.h"
#include "net/trace.h"
#include "net/presync.h"

struct bufferevent;
struct evconnlistener;

#define CB_NET_MAX_INFLIGHT 16        /* blocks requested from one peer at once */
#define CB_NET_DOWNLOAD_WINDOW 1024   /* how far past the tip blocks are fetched */
#define CB_NET_BLOCK_TIMEOUT_MS 20000 /* a requested block must arrive within this */
#define CB_NET_HANDSHAKE_TIMEOUT 30   /* seconds from connect to verack */
#define CB_NET_CONNECT_TIMEOUT 5      /* seconds for an outbound TCP connect */
#define CB_NET_PING_INTERVAL 30
#define CB_NET_PING_TIMEOUT 90
#define CB_NET_IDLE_TIMEOUT 600
/* While a peer's send backlog is above this, its messages wait and its
 * getdata is not served (Core's fPauseSend): a peer that never reads
 * cannot make us queue replies. */
#define CB_NET_PAUSE_SEND (1u << 20)
/* Bytes read in ahead of the message being handled, to find the blocks
 * behind it (their signatures are checked meanwhile). */
#define CB_NET_LOOK_AHEAD (256u << 10)
#define CB_NET_SEND_LIMIT CB_NET_PAUSE_SEND
/* What can still pile up past the pause (one block, our announcements);
 * a peer whose backlog reaches this goes. */
#define CB_NET_SEND_MAX (8u << 20)
/* getheaders answered per peer: a burst, then so many a second. */
#define CB_NET_GETHEADERS_BURST 50
#define CB_NET_GETHEADERS_PER_SEC 20
/* A mempool request is answered once a minute per peer. */
#define CB_NET_MEMPOOL_EVERY 60
/* A header chain forking at most this far below our tip is kept even
 * with less work (a race near the tip); deeper, it is presynced first. */
#define CB_NET_SHALLOW_FORK 144
/* Headers of less work than our tip one peer may have us keep. */
#define CB_NET_LOW_WORK_QUOTA 4000
#define CB_NET_KNOWN_MAX 20000 /* hashes remembered per peer */
#define CB_NET_ORPHAN_BLOCKS 64
#define CB_NET_ORPHANS_PER_PEER 4
#define CB_NET_ORPHAN_TXS 256
#define CB_NET_FLOOD_WINDOW 10     /* seconds */
#define CB_NET_FLOOD_MAX 50        /* inbound connections per host per window */
#define CB_NET_INBOUND_PER_GROUP 8 /* inbound peers of one routable network group */

typedef struct {
    uint8_t hash[32];
    int64_t since_ms;
    bool prefetched; /* handed to the host to be checked ahead */
} cb_inflight;

typedef struct cb_peer {
    struct cb_net *net;
    uint64_t id;
    struct bufferevent *bev;
    char host[CB_ADDR_HOST_MAX];
    uint16_t port;
    cb_netgroup group; /* of host, worked out once */
    char local[CB_NET_ADDR_MAX];
    bool inbound, manual, onetry;
    bool tcp_up;       /* outbound: the connect completed */
    bool version_sent; /* our version went out */
    bool got_version, got_verack;
    bool established;
    bool closing; /* freed at the next reap */
    bool close_after_flush;
    cb_version_msg ver;
    bool send_headers; /* announce blocks to it with headers */
    bool sent_getaddr_reply;
    int64_t connected_at, last_send, last_recv;
    uint64_t bytes_sent, bytes_recv;
    uint64_t sent_per_msg[CB_NET_MSG_KINDS], recv_per_msg[CB_NET_MSG_KINDS];
    cb_trace_entry *trace; /* a ring of CB_TRACE_KEPT, made at the first traced message */
    cb_pcap_end wire_local, wire_remote; /* the connection's ends, for the capture */
    bool wire_known;
    uint32_t wire_seq[2]; /* the capture's next sequence number: [0] ours, [1] theirs */
    size_t trace_next, trace_count;
    uint64_t ping_nonce;
    int64_t ping_sent_ms, ping_ms, next_ping;
    /* Sync. */
    const cb_chain_entry *best_known;  /* the best header we know it has */
    const cb_chain_entry *last_common; /* the last block of its chain we hold */
    unsigned unconnecting;             /* headers that did not connect, in a row */
    cb_inflight inflight[CB_NET_MAX_INFLIGHT];
    size_t ninflight;
    unsigned stalls;
    /* What it has or was told (so nothing is announced twice). */
    cb_keymap *known;
    /* Transactions to announce at the next flush. */
    uint8_t (*txq)[32];
    size_t ntxq, captxq;
    /* getdata requests still to serve (paused while the send buffer is full). */
    cb_inv *gd;
    size_t ngd, gdpos;
    /* addr rate limit: tokens refill at one per 10 s, up to 1000. */
    double addr_tokens;
    int64_t addr_refill;
    /* Flow control: messages wait while our replies do not drain. */
    bool paused;
    size_t scanned; /* bytes of the input looked at for blocks to check ahead */
    double getheaders_tokens;
    int64_t getheaders_refill_ms;
    cb_getheaders_msg *deferred_getheaders; /* waits for a token (owned) */
    /* Deep low-work header chains: checked first, kept only once shown
     * to beat our tip (presync.h); then fetched again and compared. */
    cb_presync *presync;    /* first pass (owned) */
    cb_presync *redownload; /* second pass (owned) */
    unsigned low_work_kept; /* headers of less work than the tip kept for it */
    int64_t last_mempool_reply;
    struct cb_peer *next;
} cb_peer;

typedef struct {
    cb_block block;
    uint64_t from;               /* the peer that sent it */
    char host[CB_ADDR_HOST_MAX]; /* and its address, to punish it later */
    int64_t added;
} cb_orphan_block;

typedef struct {
    cb_tx tx;
    uint64_t from;
} cb_orphan_tx;

/* An address the user asked to stay connected to (or to try once). */
typedef struct {
    char host[CB_ADDR_HOST_MAX];
    uint16_t port;
    bool onetry;
    int64_t last_try;
    uint32_t failures;
} cb_manual_peer;

struct cb_net {
    cb_net_host host;
    cb_net_config cfg;
    bool trace;    /* peers keep their messages (net/trace.h) */
    cb_pcap *pcap; /* -pcap, or NULL */
    struct evconnlistener *listener;
    uint16_t port;
    struct event *tick_ev;
    struct event *reap_ev;
    cb_peer *peers;
    uint64_t next_id;
    uint64_t nonce; /* our version nonce: a peer that sends it back is us */
    cb_addrbook *book;
    cb_banlist *bans;
    bool book_dirty;
    int64_t last_save;
    /* Addresses we found to be ourselves. */
    struct {
        char host[CB_ADDR_HOST_MAX];
        uint16_t port;
    } self[8];
    size_t nself;
    /* Recent inbound connections per host, for the flood rule. */
    struct {
        char host[CB_ADDR_HOST_MAX];
        int64_t at;
    } accepts[256];
    size_t accept_pos;
    /* Blocks asked of some peer: hash -> peer id (low 32 bits). */
    cb_keymap *requested;
    /* Transactions asked of some peer, and ones refused (no re-request). */
    cb_keymap *tx_requested;
    cb_keymap *rejected;
    cb_orphan_block orphans[CB_NET_ORPHAN_BLOCKS];
    size_t norphans;
    cb_orphan_tx orphan_txs[CB_NET_ORPHAN_TXS];
    size_t norphan_txs;
    bool retrying_orphans;
    /* Manual -connect / -addnode / addnode RPC targets. */
    cb_manual_peer manual[CB_NET_MAX_MANUAL];
    size_t nmanual;
    bool connect_only; /* -connect given: no other outbound */
    uint64_t seed;
};

/* peer.c */
int64_t cb_net_now_ms(void);
/* The host's unix time. */
int64_t cb_net_now(const cb_net *net);
cb_peer *cb_peer_new(cb_net *net, struct bufferevent *bev, const char *host, uint16_t port,
                     bool inbound);
void cb_peer_free(cb_peer *p);
/* Queues one message. */
void cb_peer_send(cb_peer *p, const char *command, const uint8_t *payload, size_t len);
/* Closes the connection (freed at the next reap); reason goes to the log. */
void cb_peer_close(cb_peer *p, const char *reason);
/* Bans the peer's host for the configured time and closes it; the ban is
 * kept among the refusals (kind "peer"). */
void cb_peer_ban(cb_peer *p, const char *why);
/* Discourages the peer's host (milder misbehaviour) and closes it. */
void cb_peer_discourage(cb_peer *p, const char *why);
/* Bans host for the configured time, closing every peer from it. */
void cb_net_ban_host(cb_net *net, const char *host, const char *why);
/* Remembers that the peer has or was told of hash. */
void cb_peer_mark_known(cb_peer *p, const uint8_t hash[32]);
bool cb_peer_knows(const cb_peer *p, const uint8_t hash[32]);
size_t cb_peer_send_backlog(const cb_peer *p);
void cb_peer_addr_text(const cb_peer *p, char *out, size_t cap);

/* Tells the host of a refusal by peer p's doing (see cb_net_host.refused):
 * why gets "peer ADDR: " in front. */
void cb_peer_refused(cb_peer *p, const char *kind, const uint8_t id[32], cb_err err,
                     const char *why);
/* cb_peer_refused with said, then cb_peer_ban for why, the ban itself not
 * kept apart (the refusal names the peer). */
void cb_peer_ban_refused(cb_peer *p, const char *kind, const uint8_t id[32], cb_err err,
                         const char *said, const char *why);
void cb_peer_send_version(cb_peer *p);

/* net_msg.c: dispatches one checked message from an open connection. */
void cb_net_handle_message(cb_peer *p, const char *command, const uint8_t *payload, size_t len);
/* The largest payload a command may have: what its parser could accept
 * (a block of CB_MAX_BLOCK_SIZE, 50,000 inv entries, 2,000 headers), so a
 * peer cannot make us buffer 4 MB for a ping. */
size_t cb_net_max_payload(const char *command);
/* The most a peer's receive buffer holds: the largest message, whole. */
size_t cb_net_max_message(void);
/* Answers requests held back by a rate limit, as tokens allow (the tick). */
void cb_net_serve_deferred(cb_peer *p, int64_t now_ms);
/* Serves queued getdata entries while the send backlog allows. */
void cb_net_serve_getdata(cb_peer *p);
/* Sends getheaders with a locator from our best header. */
void cb_net_send_getheaders(cb_peer *p, const uint8_t stop[32]);

/* net_sync.c */
/* Asks p for blocks it has that we lack, up to its in-flight limit. */
void cb_net_request_blocks(cb_peer *p);
/* A block arrived (or was found missing): forget its request. */
void cb_net_block_received(cb_net *net, const uint8_t hash[32]);
/* Re-requests blocks that are overdue; disconnects peers that stall. */
void cb_net_check_stalls(cb_net *net, int64_t now_ms);
/* Sends queued transaction announcements. */
void cb_net_flush_tx(cb_net *net);
/* Orphan blocks whose parent header is now known go in, when they would
 * be our new tip; an invalid one costs its sender a ban. */
void cb_net_adopt_orphans(cb_net *net);
/* Handles a block from p. Returns: true if the peer may stay. */
bool cb_net_process_block(cb_peer *p, const cb_block *b);
/* Handles a transaction from p. Returns: true if the peer may stay. */
bool cb_net_process_tx(cb_peer *p, const cb_tx *tx);
/* Drops everything a closing peer had asked for or been asked. */
void cb_net_forget_peer(cb_net *net, cb_peer *p);

/* net.c */
/* Called when a peer finished the handshake. */
void cb_net_established(cb_peer *p);
/* True when a block (in_block) or loose transaction refused for err
 * shows its sender misbehaved (a ban). */
bool cb_net_err_bans(cb_err err, bool in_block);
cb_peer *cb_net_find_peer(cb_net *net, uint64_t id);
void cb_net_schedule_reap(cb_net *net);
/* Puts an address in the book: one a peer at `source` told us of (NULL:
 * one we connected to ourselves). */
void cb_net_note_addr(cb_net *net, const char *host, uint16_t port, int64_t seen,
                      const char *source);
/* An address skip function (ctx: the net): true for banned or
 * discouraged addresses, which are not passed on. */
bool cb_net_addr_withheld(void *ctx, const cb_addr_entry *e);
/* True when loopback and private addresses may be gossiped (every network
 * but main: a local network is made of them). */
bool cb_net_gossip_local(const cb_net *net);

#endif
