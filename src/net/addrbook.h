/* The addresses a node knows of other nodes.
 *
 * A bounded table in memory (the node mirrors it to the store's peers
 * table): where each peer listens, when it was last seen and last tried,
 * how often in a row it failed. Picking the next address to try skips the
 * connected, those the caller refuses (banned, discouraged: banlist.h)
 * and those still in their backoff after failures, so a node that lost
 * its peers keeps trying without hammering them.
 *
 * Time is an argument; nothing here does I/O. */
#ifndef CB_NET_ADDRBOOK_H
#define CB_NET_ADDRBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "net/netgroup.h"

#define CB_ADDR_HOST_MAX 64

typedef struct {
    char host[CB_ADDR_HOST_MAX]; /* numeric IPv4 or IPv6 text */
    uint16_t port;
    int64_t last_seen;  /* last time a handshake with it completed, or it was gossiped */
    int64_t last_try;   /* last outbound attempt */
    uint32_t failures;  /* failed attempts since the last success */
    bool connected;     /* an outbound connection to it is open (the node sets it) */
    bool tried;         /* a handshake with it completed once (Core's tried table) */
    cb_netgroup group;  /* of host, worked out once */
    cb_netgroup source; /* of the peer that told us of it (its own when none did) */
} cb_addr_entry;

/* Book entries one routable IP may have (ports), and one network group
 * (netgroup.h); loopback and private hosts, a local network's, have none. */
#define CB_ADDR_PER_HOST 4
#define CB_ADDR_PER_GROUP 64
/* The never-tried entries one routable source network group may have us
 * keep: a 16th of the book (as Core's addrman, where one source group
 * reaches 64 of the 1,024 new buckets). At its share, what it tells us
 * next replaces its own stalest entry, so one lying peer (or a few in one
 * /16) cannot push honest addresses out. Local sources (loopback and
 * private: a local network of learners) have no share. */
#define CB_ADDR_SOURCE_SHARE 16

typedef struct cb_addrbook cb_addrbook;

/* Returns: an empty book holding at most max addresses, or NULL. */
cb_addrbook *cb_addrbook_new(size_t max, uint64_t seed);
void cb_addrbook_free(cb_addrbook *b);

/* Adds an address or refreshes it (last_seen only moves forward). When the
 * book is full, the never-tried entry seen longest ago makes room (a tried
 * one only when all are tried), so gossip cannot push out peers that
 * proved real.
 * Out: *out (may be NULL), the entry; valid until the next add or remove.
 * Returns: CB_OK; CB_ERR_ARG for an empty host, a host that does not fit,
 * or port 0; CB_ERR_TOO_LARGE when its host or network group already has
 * its share (CB_ADDR_PER_HOST, CB_ADDR_PER_GROUP) or nothing can go. */
cb_err cb_addrbook_add(cb_addrbook *b, const char *host, uint16_t port, int64_t seen,
                       cb_addr_entry **out) CB_WARN_UNUSED;

/* As cb_addrbook_add, for an address a peer at `source` told us of: a new
 * entry counts against that source's group's share (CB_ADDR_SOURCE_SHARE).
 * NULL: no peer told us (our own connection, the store, the user), as
 * cb_addrbook_add: no share applies. */
cb_err cb_addrbook_add_from(cb_addrbook *b, const char *host, uint16_t port, int64_t seen,
                            const char *source, cb_addr_entry **out) CB_WARN_UNUSED;

/* The addresses the book let go since the last call (evicted when full, or
 * removed), for the caller to forget in its store.
 * Out: out[0..n). Returns: n; the rest wait for the next call. */
size_t cb_addrbook_take_gone(cb_addrbook *b, cb_addr_entry *out, size_t max);

/* Returns: the entry for host:port, or NULL. */
cb_addr_entry *cb_addrbook_find(cb_addrbook *b, const char *host, uint16_t port);

/* Removes host:port if present. */
void cb_addrbook_remove(cb_addrbook *b, const char *host, uint16_t port);

/* Records an outbound attempt's outcome. */
void cb_addrbook_attempt(cb_addr_entry *e, int64_t now);
void cb_addrbook_good(cb_addr_entry *e, int64_t now);
void cb_addrbook_failed(cb_addr_entry *e);

/* How long after a try an address with this many failures may be tried
 * again: 2 s doubling to at most 10 minutes. */
int64_t cb_addrbook_backoff(uint32_t failures);

/* Refuses an entry (banned, already connected, ourselves). */
typedef bool (*cb_addr_skip_fn)(void *ctx, const cb_addr_entry *e);

/* The address to try next: not connected, backoff elapsed, not refused by
 * skip (may be NULL); as Core's addrman, half the time a random tried one,
 * else a random one of the rest (so fresh gossip is no better than old).
 * Returns: the entry, or NULL when none is due. */
cb_addr_entry *cb_addrbook_select(cb_addrbook *b, int64_t now, cb_addr_skip_fn skip, void *ctx);

/* Up to max entries not refused by skip (may be NULL), in a random order
 * (for a getaddr reply). Out: out[0..n). Returns: n. */
size_t cb_addrbook_sample(cb_addrbook *b, const cb_addr_entry **out, size_t max,
                          cb_addr_skip_fn skip, void *ctx);

size_t cb_addrbook_count(const cb_addrbook *b);

/* The entry at index i < count (for listing and saving). */
const cb_addr_entry *cb_addrbook_at(const cb_addrbook *b, size_t i);

#endif
