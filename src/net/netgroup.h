/* What kind of address a host is, for choosing peers as Core's addrman
 * and netgroup manager do: its network group (IPv4 /16, IPv6 /32), so
 * that one operator with many addresses counts as one, and whether it is
 * routable on the open internet (not loopback, private or reserved). */
#ifndef CB_NET_NETGROUP_H
#define CB_NET_NETGROUP_H

#include <stdbool.h>
#include <stdint.h>

/* A group: equal for hosts of the same /16 (IPv4) or /32 (IPv6); every
 * loopback, private or reserved host shares the one "local" group. */
typedef struct {
    uint8_t b[5]; /* kind (4, 6 or 0 for local), then the prefix */
} cb_netgroup;

/* Returns: false for text that is not a numeric IPv4 or IPv6 address. */
bool cb_netgroup_of(const char *host, cb_netgroup *out);

bool cb_netgroup_equal(const cb_netgroup *a, const cb_netgroup *b);

/* True for the local group (loopback, private, reserved). */
bool cb_netgroup_is_local(const cb_netgroup *g);

/* True when host is a public address: not loopback, private (10/8,
 * 172.16/12, 192.168/16, fc00::/7), link-local, shared (100.64/10),
 * documentation, benchmarking, multicast or otherwise reserved. */
bool cb_addr_routable(const char *host);

#endif
