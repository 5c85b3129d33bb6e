/* The P2P wire format (SPEC section 6): Bitcoin's message framing and the
 * payloads of protocol 70015 that CoinBit uses, byte for byte.
 *
 * Pure functions over bytes: no sockets, no clock. Every parser reads
 * through a bounded cursor, refuses counts above the SPEC limits before it
 * allocates anything, and refuses trailing bytes. */
#ifndef CB_NET_PROTOCOL_H
#define CB_NET_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/block.h"
#include "core/err.h"

#define CB_MSG_HEADER_SIZE 24
#define CB_MSG_COMMAND_SIZE 12
#define CB_MAX_PAYLOAD 4000000
#define CB_PROTOCOL_VERSION 1001
#define CB_MAX_INV 50000
#define CB_MAX_HEADERS 2000
#define CB_MAX_ADDR 1000
#define CB_MAX_LOCATOR 101
#define CB_MAX_USER_AGENT 256
#define CB_NODE_NETWORK 1u

enum { CB_INV_TX = 1, CB_INV_BLOCK = 2 };

typedef struct {
    char command[CB_MSG_COMMAND_SIZE + 1]; /* NUL-terminated */
    uint32_t length;
    uint8_t checksum[4];
} cb_msg_header;

/* An address as Bitcoin carries it: IPv6 (IPv4 mapped), port big-endian. */
typedef struct {
    uint32_t time; /* addr entries only */
    uint64_t services;
    uint8_t ip[16];
    uint16_t port;
} cb_netaddr;

typedef struct {
    int32_t version;
    uint64_t services;
    int64_t timestamp;
    cb_netaddr recv, from;
    uint64_t nonce;
    char user_agent[CB_MAX_USER_AGENT + 1];
    int32_t start_height;
    bool relay;
} cb_version_msg;

typedef struct {
    uint32_t type;
    uint8_t hash[32];
} cb_inv;

typedef struct {
    uint32_t version;
    size_t count;
    uint8_t hashes[CB_MAX_LOCATOR][32];
    uint8_t stop[32];
} cb_getheaders_msg;

/* Parses the 24-byte header of a message and checks it belongs to this
 * network. The command must be printable ASCII, NUL-padded.
 * Returns: CB_OK, CB_ERR_NET_MAGIC, CB_ERR_NET_COMMAND, or CB_ERR_TOO_LARGE
 * (length above CB_MAX_PAYLOAD). */
cb_err cb_msg_header_parse(cb_msg_header *out, const uint8_t in[CB_MSG_HEADER_SIZE],
                           const uint8_t magic[4]) CB_WARN_UNUSED;

/* True when the payload's SHA256d starts with the header's checksum. */
bool cb_msg_checksum_ok(const cb_msg_header *h, const uint8_t *payload, size_t len);

/* Writes a message header for a payload. command: at most 12 characters. */
void cb_msg_header_build(uint8_t out[CB_MSG_HEADER_SIZE], const uint8_t magic[4],
                         const char *command, const uint8_t *payload, size_t len);

/* Each serializer writes into out (cap bytes) and returns the length, or 0
 * when cap is too small. Each parser returns CB_OK, CB_ERR_TRUNCATED,
 * CB_ERR_TRAILING, CB_ERR_NONCANONICAL or CB_ERR_TOO_LARGE (a count above
 * the SPEC limit). */

size_t cb_version_serialize(uint8_t *out, size_t cap, const cb_version_msg *v);
/* The relay flag is optional on the wire (absent: true); the user agent
 * may not exceed 256 bytes. */
cb_err cb_version_parse(cb_version_msg *v, const uint8_t *in, size_t len) CB_WARN_UNUSED;

/* ping and pong: one 64-bit nonce. */
cb_err cb_nonce_parse(uint64_t *nonce, const uint8_t *in, size_t len) CB_WARN_UNUSED;

/* inv, getdata and notfound. Out: *out (free()), *n. */
size_t cb_inv_serialize(uint8_t *out, size_t cap, const cb_inv *inv, size_t n);
cb_err cb_inv_parse(cb_inv **out, size_t *n, const uint8_t *in, size_t len) CB_WARN_UNUSED;

/* addr. Out: *out (free()), *n. */
size_t cb_addr_serialize(uint8_t *out, size_t cap, const cb_netaddr *a, size_t n);
cb_err cb_addr_parse(cb_netaddr **out, size_t *n, const uint8_t *in, size_t len) CB_WARN_UNUSED;

size_t cb_getheaders_serialize(uint8_t *out, size_t cap, const cb_getheaders_msg *g);
cb_err cb_getheaders_parse(cb_getheaders_msg *g, const uint8_t *in, size_t len) CB_WARN_UNUSED;

/* headers: each header is followed by a transaction count that must be 0.
 * Out: *out (free()), *n. */
size_t cb_headers_serialize(uint8_t *out, size_t cap, const cb_header *h, size_t n);
cb_err cb_headers_parse(cb_header **out, size_t *n, const uint8_t *in, size_t len) CB_WARN_UNUSED;

/* Sets an IPv4 address (a.b.c.d as 4 bytes) into the IPv4-mapped form. */
void cb_netaddr_set_ipv4(cb_netaddr *a, const uint8_t ip4[4], uint16_t port);

/* True when a is IPv4-mapped; out gets the 4 bytes. */
bool cb_netaddr_ipv4(const cb_netaddr *a, uint8_t out[4]);

#endif
