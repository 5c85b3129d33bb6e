/* Who the node will not talk to: bans of addresses and subnets, and the
 * discouraged set.
 *
 * A ban (setban, or a peer that sent invalid data: SPEC section 6) covers
 * a subnet, an IPv4 /0../32 or an IPv6 /0../128 (a single address is its
 * /32 or /128), until a time; bans are kept without a cap and listed by
 * listbanned. A single address is found in O(1); wider subnets are few
 * and scanned.
 *
 * Discouragement (Core's discouraged set) is for milder misbehaviour that
 * an address shared by honest users may show (a flood of connections, a
 * run of headers that do not connect): the connection is dropped, and the
 * address is admitted again only while inbound slots are free, never
 * dialled, and first evicted. It is bounded (CB_DISCOURAGED_MAX addresses,
 * forgotten all at once when full, as Core's rolling filter forgets) and
 * not saved.
 *
 * Time is an argument; nothing here does I/O. */
#ifndef CB_NET_BANLIST_H
#define CB_NET_BANLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Room for "ffff:...:ffff/128". */
#define CB_SUBNET_TEXT_MAX 48

typedef struct {
    uint8_t ip[16]; /* IPv4 as ::ffff:a.b.c.d; bits past the prefix are 0 */
    uint8_t bits;   /* prefix length over the 128 bits (IPv4 /n is 96 + n) */
} cb_subnet;

/* Parses "1.2.3.4", "10.1.2.0/24", "2001:db8::/64" or "::1". Host bits
 * past the prefix are cleared (as Core: "10.1.2.3/24" is 10.1.2.0/24).
 * Returns: CB_OK or CB_ERR_ARG. */
cb_err cb_subnet_parse(cb_subnet *out, const char *text) CB_WARN_UNUSED;

/* The canonical text: a single address without a prefix, else "net/bits"
 * in the address family's own bit count. out holds CB_SUBNET_TEXT_MAX. */
void cb_subnet_format(char *out, const cb_subnet *s);

/* Returns: true when host (numeric IPv4 or IPv6 text) is inside s. */
bool cb_subnet_contains(const cb_subnet *s, const char *host);

typedef struct {
    cb_subnet subnet;
    int64_t created;
    int64_t until;
    char reason[64];
} cb_ban;

typedef struct cb_banlist cb_banlist;

/* Returns: an empty list (cb_banlist_free), or NULL without memory. */
cb_banlist *cb_banlist_new(uint64_t seed);
void cb_banlist_free(cb_banlist *b);

/* Bans s until `until` (a ban of the same subnet is replaced).
 * Returns: CB_OK or CB_ERR_NOMEM. */
cb_err cb_banlist_add(cb_banlist *b, const cb_subnet *s, int64_t now, int64_t until,
                      const char *reason) CB_WARN_UNUSED;

/* Lifts the ban of exactly s. Returns: true if there was one. */
bool cb_banlist_remove(cb_banlist *b, const cb_subnet *s);

/* True when a ban in force covers host. */
bool cb_banlist_banned(const cb_banlist *b, const char *host, int64_t now);

/* True when a ban of exactly s is in force. */
bool cb_banlist_has(const cb_banlist *b, const cb_subnet *s, int64_t now);

/* Drops expired bans. Returns: how many are in force. */
size_t cb_banlist_prune(cb_banlist *b, int64_t now);

/* Ban i < cb_banlist_prune's count (any order); valid until the next
 * change. */
const cb_ban *cb_banlist_at(const cb_banlist *b, size_t i);

void cb_banlist_clear(cb_banlist *b);

/* The discouraged set. */
#define CB_DISCOURAGED_MAX 50000
void cb_banlist_discourage(cb_banlist *b, const char *host);
bool cb_banlist_discouraged(const cb_banlist *b, const char *host);
size_t cb_banlist_discouraged_count(const cb_banlist *b);

#endif
