/* A capture of the node's P2P traffic in pcap form (-pcap=FILE), for
 * Wireshark or tcpdump -r: each message sent or received becomes one TCP
 * segment (or several, for a message above 64 KiB) on a raw IPv4 or IPv6
 * packet between the connection's real addresses and ports, sequence
 * numbers counting each direction's bytes. Bitcoin's framing is ours, so
 * Wireshark's bitcoin dissector reads it (Decode As... Bitcoin, on our
 * port). What is written is what was framed, not what the kernel sent:
 * no handshake, retransmissions or acknowledgements of their own. */
#ifndef CB_NET_PCAP_H
#define CB_NET_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct cb_pcap cb_pcap;

/* One end of a connection. */
typedef struct {
    bool v6;
    uint8_t ip[16]; /* IPv4 in the first 4 */
    uint16_t port;
} cb_pcap_end;

/* Creates (truncates) path and writes the file header; writing stops once
 * the file would pass max_bytes. Returns: CB_OK, CB_ERR_ARG (cannot be written; msg says why)
 * or CB_ERR_NOMEM. */
cb_err cb_pcap_open(cb_pcap **out, const char *path, uint64_t max_bytes, char *msg,
                    size_t msglen) CB_WARN_UNUSED;

/* Flushes and closes; NULL is fine. */
void cb_pcap_close(cb_pcap *pc);

/* One message from `from` to `to`: its 24-byte header then payload. *seq
 * is the sender's next sequence number (advanced here), ack the other
 * direction's. Time is the clock's now. Returns: false once the file is
 * full (the message is not written; every later one neither). */
bool cb_pcap_message(cb_pcap *pc, const cb_pcap_end *from, const cb_pcap_end *to, uint32_t *seq,
                     uint32_t ack, const uint8_t *hdr, size_t hlen, const uint8_t *payload,
                     size_t len);

/* Whether the file is full (written up to its cap). */
bool cb_pcap_full(const cb_pcap *pc);

#endif
