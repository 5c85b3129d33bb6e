#include "net/pcap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define LINKTYPE_RAW 101  /* each record an IPv4 or IPv6 packet */
#define SEGMENT_MAX 65000 /* payload bytes per packet: IPv4's total length is 16 bits */

struct cb_pcap {
    FILE *f;
    uint64_t written, max;
    bool full;
};

static void put16be(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

cb_err cb_pcap_open(cb_pcap **out, const char *path, uint64_t max_bytes, char *msg, size_t msglen)
{
    *out = NULL;
    cb_pcap *pc = calloc(1, sizeof *pc);
    if (!pc)
        return CB_ERR_NOMEM;
    pc->f = fopen(path, "wb");
    if (!pc->f) {
        snprintf(msg, msglen, "cannot write the capture %s: %s", path, strerror(errno));
        free(pc);
        return CB_ERR_ARG;
    }
    uint8_t h[24];
    put32le(h, 0xa1b2c3d4); /* microsecond timestamps, little-endian */
    h[4] = 2, h[5] = 0;     /* version 2.4 */
    h[6] = 4, h[7] = 0;
    put32le(h + 8, 0);      /* time zone */
    put32le(h + 12, 0);     /* accuracy */
    put32le(h + 16, 65535); /* snap length: each packet whole */
    put32le(h + 20, LINKTYPE_RAW);
    if (fwrite(h, sizeof h, 1, pc->f) != 1 || fflush(pc->f) != 0) {
        snprintf(msg, msglen, "cannot write the capture %s: %s", path, strerror(errno));
        fclose(pc->f);
        free(pc);
        return CB_ERR_ARG;
    }
    pc->written = sizeof h;
    pc->max = max_bytes;
    *out = pc;
    return CB_OK;
}

void cb_pcap_close(cb_pcap *pc)
{
    if (!pc)
        return;
    fclose(pc->f);
    free(pc);
}

bool cb_pcap_full(const cb_pcap *pc)
{
    return pc->full;
}

static uint16_t ip_checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The IP and TCP headers of one segment of n payload bytes. Returns:
 * their length. */
static size_t headers(uint8_t *out, const cb_pcap_end *from, const cb_pcap_end *to, uint32_t seq,
                      uint32_t ack, size_t n)
{
    size_t ip_len;
    if (from->v6) {
        memset(out, 0, 40);
        out[0] = 0x60;
        put16be(out + 4, (uint16_t)(20 + n));
        out[6] = 6; /* TCP */
        out[7] = 64;
        memcpy(out + 8, from->ip, 16);
        memcpy(out + 24, to->ip, 16);
        ip_len = 40;
    } else {
        memset(out, 0, 20);
        out[0] = 0x45;
        put16be(out + 2, (uint16_t)(20 + 20 + n));
        out[6] = 0x40; /* don't fragment */
        out[8] = 64;
        out[9] = 6;
        memcpy(out + 12, from->ip, 4);
        memcpy(out + 16, to->ip, 4);
        put16be(out + 10, ip_checksum(out, 20));
        ip_len = 20;
    }
    uint8_t *t = out + ip_len;
    memset(t, 0, 20);
    put16be(t, from->port);
    put16be(t + 2, to->port);
    put32be(t + 4, seq);
    put32be(t + 8, ack);
    t[12] = 5 << 4; /* 20-byte header */
    t[13] = 0x18;   /* PSH, ACK */
    put16be(t + 14, 65535);
    return ip_len + 20;
}

bool cb_pcap_message(cb_pcap *pc, const cb_pcap_end *from, const cb_pcap_end *to, uint32_t *seq,
                     uint32_t ack, const uint8_t *hdr, size_t hlen, const uint8_t *payload,
                     size_t len)
{
    if (pc->full)
        return false;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    size_t total = hlen + len;
    size_t segments = total / SEGMENT_MAX + 1;
    if (pc->written + total + segments * (16 + 60) > pc->max) {
        pc->full = true;
        return false;
    }
    /* The message's bytes as one stream, header then payload, cut into
     * segments; each segment takes its part of either. */
    for (size_t done = 0; done < total;) {
        size_t n = total - done < SEGMENT_MAX ? total - done : SEGMENT_MAX;
        size_t from_hdr = done < hlen ? (hlen - done < n ? hlen - done : n) : 0;
        uint8_t rec[16], net[60];
        size_t nh = headers(net, from, to, *seq, ack, n);
        put32le(rec, (uint32_t)tv.tv_sec);
        put32le(rec + 4, (uint32_t)tv.tv_usec);
        put32le(rec + 8, (uint32_t)(nh + n));
        put32le(rec + 12, (uint32_t)(nh + n));
        if (fwrite(rec, sizeof rec, 1, pc->f) != 1 || fwrite(net, nh, 1, pc->f) != 1 ||
            (from_hdr && fwrite(hdr + done, from_hdr, 1, pc->f) != 1) ||
            (n > from_hdr &&
             fwrite(payload + (done + from_hdr - hlen), n - from_hdr, 1, pc->f) != 1)) {
            pc->full = true; /* the first write error ends the capture */
            return false;
        }
        pc->written += sizeof rec + nh + n;
        *seq += (uint32_t)n;
        done += n;
    }
    fflush(pc->f);
    return true;
}
