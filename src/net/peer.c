/* One connection: reads whole messages off the socket, checks their
 * framing before anything acts on them, and queues messages to send. */
#include <stdio.h>
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "crypto/hash.h"
#include "net/net_internal.h"

int64_t cb_net_now(const cb_net *net)
{
    return net->host.now();
}

int64_t cb_net_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cb_peer_addr_text(const cb_peer *p, char *out, size_t cap)
{
    if (strchr(p->host, ':'))
        snprintf(out, cap, "[%s]:%u", p->host, (unsigned)p->port);
    else
        snprintf(out, cap, "%s:%u", p->host, (unsigned)p->port);
}

void cb_peer_close(cb_peer *p, const char *reason)
{
    if (p->closing)
        return;
    char addr[CB_NET_ADDR_MAX];
    cb_peer_addr_text(p, addr, sizeof addr);
    cb_log_debug(p->net->host.log, "peer %llu (%s) disconnected: %s", (unsigned long long)p->id,
                 addr, reason);
    p->closing = true;
    if (p->bev)
        bufferevent_disable(p->bev, EV_READ | EV_WRITE);
    cb_net_forget_peer(p->net, p);
    cb_net_schedule_reap(p->net);
}

void cb_peer_refused(cb_peer *p, const char *kind, const uint8_t id[32], cb_err err,
                     const char *why)
{
    const cb_net_host *h = &p->net->host;
    if (!h->refused)
        return;
    char addr[CB_NET_ADDR_MAX], text[512];
    cb_peer_addr_text(p, addr, sizeof addr);
    snprintf(text, sizeof text, "peer %s: %.300s", addr, why);
    h->refused(h->ctx, kind, id, err, text);
}

/* Bans (or, for a peer the user asked for, drops) p; noted: the refusal
 * behind it is kept already, so the ban is not kept as well. */
static void ban(cb_peer *p, const char *why, bool noted)
{
    cb_net *net = p->net;
    char addr[CB_NET_ADDR_MAX];
    cb_peer_addr_text(p, addr, sizeof addr);
    if (!noted) {
        /* Kept as kind "peer" (its id the host's hash): a malformed
         * message has no other record, and a refused block's names no
         * sender. */
        uint8_t id[32];
        char said[224];
        cb_sha256d(id, (const uint8_t *)p->host, strlen(p->host));
        snprintf(said, sizeof said, "%s for %s",
                 p->manual ? "dropped (a peer asked for)" : "banned", why);
        cb_peer_refused(p, "peer", id, CB_ERR_NET_BANNED, said);
    }
    if (p->manual) {
        /* An address the user asked for is never banned, only dropped
         * (Core's noban for manual peers would go further). */
        cb_log(net->host.log, "peer %s misbehaved (%s); disconnecting", addr, why);
        cb_peer_close(p, why);
        return;
    }
    cb_net_ban_host(net, p->host, why);
    cb_peer_close(p, why);
}

void cb_peer_ban(cb_peer *p, const char *why)
{
    ban(p, why, false);
}

void cb_peer_ban_refused(cb_peer *p, const char *kind, const uint8_t id[32], cb_err err,
                         const char *said, const char *why)
{
    cb_peer_refused(p, kind, id, err, said);
    ban(p, why, true);
}

/* A message refused before it was read. */
static void refuse_message(cb_peer *p, const uint8_t raw[CB_MSG_HEADER_SIZE], cb_err err,
                           const char *said, const char *why)
{
    uint8_t id[32];
    cb_sha256d(id, raw, CB_MSG_HEADER_SIZE);
    cb_peer_ban_refused(p, "message", id, err, said, why);
}

void cb_peer_discourage(cb_peer *p, const char *why)
{
    cb_net *net = p->net;
    if (!p->manual) {
        cb_log(net->host.log, "discouraging %s: %s", p->host, why);
        cb_banlist_discourage(net->bans, p->host);
    }
    cb_peer_close(p, why);
}

void cb_peer_mark_known(cb_peer *p, const uint8_t hash[32])
{
    if (cb_keymap_count(p->known) >= CB_NET_KNOWN_MAX) {
        /* Forgetting only costs a repeated announcement. */
        cb_keymap_free(p->known);
        p->known = cb_keymap_new(32, p->net->seed ^ p->id);
        if (!p->known)
            return;
    }
    if (cb_keymap_put(p->known, hash, 1) != CB_OK)
        return;
}

bool cb_peer_knows(const cb_peer *p, const uint8_t hash[32])
{
    uint32_t v;
    return p->known && cb_keymap_get(p->known, hash, &v);
}

size_t cb_peer_send_backlog(const cb_peer *p)
{
    return p->bev ? evbuffer_get_length(bufferevent_get_output(p->bev)) : 0;
}

/* Keeps one message in the peer's trace (the oldest goes). */
static void trace_note(cb_peer *p, bool out, const char *command, const uint8_t *payload,
                       size_t len)
{
    if (!p->trace && !(p->trace = calloc(CB_TRACE_KEPT, sizeof *p->trace)))
        return;
    cb_trace_entry *e = &p->trace[p->trace_next];
    e->time_ms = cb_net_now_ms();
    e->out = out;
    snprintf(e->command, sizeof e->command, "%s", command);
    e->size = (uint32_t)len;
    cb_trace_summary(command, payload, len, e->summary, sizeof e->summary);
    p->trace_next = (p->trace_next + 1) % CB_TRACE_KEPT;
    if (p->trace_count < CB_TRACE_KEPT)
        p->trace_count++;
}

/* Writes one message into the capture (-pcap); out: sent by us. */
static void capture(cb_peer *p, bool out, const uint8_t *hdr, const uint8_t *payload, size_t len)
{
    cb_net *net = p->net;
    if (!p->wire_known || cb_pcap_full(net->pcap))
        return;
    const cb_pcap_end *from = out ? &p->wire_local : &p->wire_remote;
    const cb_pcap_end *to = out ? &p->wire_remote : &p->wire_local;
    if (!cb_pcap_message(net->pcap, from, to, &p->wire_seq[out ? 0 : 1], p->wire_seq[out ? 1 : 0],
                         hdr, CB_MSG_HEADER_SIZE, payload, len))
        cb_log(net->host.log, "the capture %s is full: no more messages go into it", net->cfg.pcap);
}

void cb_peer_send(cb_peer *p, const char *command, const uint8_t *payload, size_t len)
{
    uint8_t hdr[CB_MSG_HEADER_SIZE];
    if (p->closing || !p->bev)
        return;
    if (cb_peer_send_backlog(p) > CB_NET_SEND_MAX) {
        cb_peer_close(p, "peer does not read what we send");
        return;
    }
    cb_msg_header_build(hdr, p->net->host.params->magic, command, payload, len);
    struct evbuffer *out = bufferevent_get_output(p->bev);
    if (evbuffer_add(out, hdr, sizeof hdr) != 0 || (len && evbuffer_add(out, payload, len) != 0)) {
        cb_peer_close(p, "out of memory queueing a message");
        return;
    }
    p->bytes_sent += sizeof hdr + len;
    p->sent_per_msg[cb_net_msg_kind(command)] += sizeof hdr + len;
    if (p->net->trace)
        trace_note(p, true, command, payload, len);
    if (p->net->pcap)
        capture(p, true, hdr, payload, len);
    p->last_send = cb_net_now(p->net);
}

void cb_peer_send_version(cb_peer *p)
{
    cb_net *net = p->net;
    cb_version_msg v;
    uint8_t buf[512];
    memset(&v, 0, sizeof v);
    v.version = CB_PROTOCOL_VERSION;
    v.services = CB_NODE_NETWORK;
    v.timestamp = cb_net_now(p->net);
    v.recv.services = CB_NODE_NETWORK;
    struct in_addr a4;
    if (inet_pton(AF_INET, p->host, &a4) == 1)
        cb_netaddr_set_ipv4(&v.recv, (const uint8_t *)&a4, p->port);
    else
        inet_pton(AF_INET6, p->host, v.recv.ip);
    v.recv.port = p->port;
    v.from.services = CB_NODE_NETWORK;
    v.nonce = net->nonce;
    snprintf(v.user_agent, sizeof v.user_agent, "/CoinBit:%s/", CB_VERSION_STRING);
    v.start_height = (int32_t)cb_chain_tip(net->host.chain)->height;
    v.relay = true;
    size_t len = cb_version_serialize(buf, sizeof buf, &v);
    cb_peer_send(p, "version", buf, len);
    p->version_sent = true;
}

/* p's request out for the block of this header hash, or NULL. */
static cb_inflight *request_for(cb_peer *p, const uint8_t hash[32])
{
    for (size_t i = 0; i < p->ninflight; i++)
        if (memcmp(p->inflight[i].hash, hash, 32) == 0)
            return &p->inflight[i];
    return NULL;
}

/* Hands the host the blocks we asked p for that wait in the input behind
 * the message at its front (of `first` bytes), so that their signatures
 * are checked while the loop handles what comes before them. A block
 * nobody asked for, or one sent twice, is not handed over: its checks
 * come in its turn, after its header's. */
static void look_ahead(cb_peer *p, struct evbuffer *in, size_t first)
{
    cb_net *net = p->net;
    if (!net->host.prefetch_block || p->ninflight < 2)
        return;
    /* libevent reads 4 KiB at a time and hands over each piece, so the
     * blocks behind this one may still wait in the socket: read them in
     * as its own read does (the bufferevent keeps its input's end frozen
     * but while it reads), a little sooner, up to a bound. */
    int fd = bufferevent_getfd(p->bev);
    if (fd >= 0 && evbuffer_get_length(in) < first + CB_NET_LOOK_AHEAD) {
        evbuffer_unfreeze(in, 0);
        while (evbuffer_get_length(in) < first + CB_NET_LOOK_AHEAD &&
               evbuffer_read(in, fd, -1) > 0) {
        }
        evbuffer_freeze(in, 0);
    }
    size_t avail = evbuffer_get_length(in);
    size_t at = p->scanned > first ? p->scanned : first;
    while (at + CB_MSG_HEADER_SIZE <= avail) {
        struct evbuffer_ptr pos;
        uint8_t raw[CB_MSG_HEADER_SIZE];
        cb_msg_header h;
        if (evbuffer_ptr_set(in, &pos, at, EVBUFFER_PTR_SET) != 0 ||
            evbuffer_copyout_from(in, &pos, raw, sizeof raw) != (ev_ssize_t)sizeof raw ||
            cb_msg_header_parse(&h, raw, net->host.params->magic) != CB_OK ||
            h.length > cb_net_max_payload(h.command))
            break; /* its turn will refuse it */
        size_t end = at + CB_MSG_HEADER_SIZE + (size_t)h.length;
        if (end > avail)
            break;
        /* Its header first: only a block asked for, once, is copied. */
        uint8_t header[CB_HEADER_SIZE], hash[32];
        cb_inflight *req = NULL;
        if (strcmp(h.command, "block") == 0 && h.length >= CB_HEADER_SIZE &&
            evbuffer_ptr_set(in, &pos, at + CB_MSG_HEADER_SIZE, EVBUFFER_PTR_SET) == 0 &&
            evbuffer_copyout_from(in, &pos, header, sizeof header) == (ev_ssize_t)sizeof header) {
            cb_sha256d(hash, header, sizeof header);
            req = request_for(p, hash);
        }
        if (req && !req->prefetched) {
            uint8_t *data = malloc(h.length);
            if (data &&
                evbuffer_ptr_set(in, &pos, at + CB_MSG_HEADER_SIZE, EVBUFFER_PTR_SET) == 0 &&
                evbuffer_copyout_from(in, &pos, data, h.length) == (ev_ssize_t)h.length) {
                req->prefetched = true;
                net->host.prefetch_block(net->host.ctx, data, h.length);
                data = NULL;
            }
            free(data);
        }
        at = end;
    }
    p->scanned = at;
}

/* Takes every complete message off the input buffer. */
static void on_read(struct bufferevent *bev, void *arg)
{
    cb_peer *p = arg;
    cb_net *net = p->net;
    struct evbuffer *in = bufferevent_get_input(bev);
    while (!p->closing) {
        if (cb_peer_send_backlog(p) > CB_NET_PAUSE_SEND) {
            /* Our replies do not drain: its messages wait (in the kernel
             * once our buffer is full) until they do; on_write resumes. */
            p->paused = true;
            bufferevent_disable(bev, EV_READ);
            return;
        }
        size_t avail = evbuffer_get_length(in);
        uint8_t raw[CB_MSG_HEADER_SIZE];
        cb_msg_header h;
        if (avail < CB_MSG_HEADER_SIZE)
            return;
        if (evbuffer_copyout(in, raw, sizeof raw) != (ev_ssize_t)sizeof raw)
            return;
        cb_err err = cb_msg_header_parse(&h, raw, net->host.params->magic);
        if (err != CB_OK) {
            char why[96], said[160];
            snprintf(why, sizeof why, "bad message header: %s", cb_strerror(err));
            const uint8_t *m = net->host.params->magic;
            if (err == CB_ERR_NET_MAGIC)
                snprintf(said, sizeof said,
                         "a message starting %02x%02x%02x%02x, not this network's magic "
                         "%02x%02x%02x%02x",
                         raw[0], raw[1], raw[2], raw[3], m[0], m[1], m[2], m[3]);
            else
                snprintf(said, sizeof said, "a message header: %s", cb_strerror(err));
            refuse_message(p, raw, err, said, why);
            return;
        }
        if (h.length > cb_net_max_payload(h.command)) {
            char why[96];
            snprintf(why, sizeof why, "'%s' of %u bytes: more than it can hold", h.command,
                     (unsigned)h.length);
            char said[160];
            snprintf(said, sizeof said, "'%s' of %u bytes, but it may hold at most %zu", h.command,
                     (unsigned)h.length, (size_t)cb_net_max_payload(h.command));
            refuse_message(p, raw, CB_ERR_TOO_LARGE, said, why);
            return;
        }
        if (avail < CB_MSG_HEADER_SIZE + (size_t)h.length)
            return;
        uint8_t *msg = evbuffer_pullup(in, (ev_ssize_t)(CB_MSG_HEADER_SIZE + h.length));
        if (!msg) {
            cb_peer_close(p, "out of memory reading a message");
            return;
        }
        const uint8_t *payload = msg + CB_MSG_HEADER_SIZE;
        p->bytes_recv += CB_MSG_HEADER_SIZE + h.length;
        p->recv_per_msg[cb_net_msg_kind(h.command)] += CB_MSG_HEADER_SIZE + h.length;
        p->last_recv = cb_net_now(p->net);
        if (!cb_msg_checksum_ok(&h, payload, h.length)) {
            uint8_t sum[32];
            char said[160];
            cb_sha256d(sum, payload, h.length);
            snprintf(said, sizeof said,
                     "'%s' with checksum %02x%02x%02x%02x, but its %u bytes hash to "
                     "%02x%02x%02x%02x",
                     h.command, h.checksum[0], h.checksum[1], h.checksum[2], h.checksum[3],
                     (unsigned)h.length, sum[0], sum[1], sum[2], sum[3]);
            refuse_message(p, raw, CB_ERR_NET_CHECKSUM, said, "bad message checksum");
            return;
        }
        look_ahead(p, in, CB_MSG_HEADER_SIZE + h.length);
        if (p->net->trace)
            trace_note(p, false, h.command, payload, h.length);
        if (p->net->pcap)
            capture(p, false, msg, payload, h.length);
        cb_net_handle_message(p, h.command, payload, h.length);
        /* The handler may have closed p, but the buffer is still ours. */
        evbuffer_drain(in, CB_MSG_HEADER_SIZE + h.length);
        p->scanned = p->scanned > CB_MSG_HEADER_SIZE + h.length
                         ? p->scanned - (CB_MSG_HEADER_SIZE + h.length)
                         : 0;
    }
}

static void on_write(struct bufferevent *bev, void *arg)
{
    cb_peer *p = arg;
    (void)bev;
    if (p->closing)
        return;
    if (p->close_after_flush) {
        if (cb_peer_send_backlog(p) == 0)
            cb_peer_close(p, "closed after reply");
        return;
    }
    /* The backlog drained: carry on with paused getdata requests, then
     * with the messages that waited. */
    cb_net_serve_getdata(p);
    if (p->paused && !p->closing && cb_peer_send_backlog(p) <= CB_NET_PAUSE_SEND) {
        p->paused = false;
        bufferevent_enable(bev, EV_READ);
        on_read(bev, p);
    }
}

/* A socket address as the capture's end. Returns: whether IPv4 or IPv6. */
static bool wire_end(cb_pcap_end *e, const struct sockaddr_storage *ss)
{
    memset(e, 0, sizeof *e);
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sa = (const struct sockaddr_in *)ss;
        memcpy(e->ip, &sa->sin_addr, 4);
        e->port = ntohs(sa->sin_port);
        return true;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sa = (const struct sockaddr_in6 *)ss;
        e->v6 = true;
        memcpy(e->ip, &sa->sin6_addr, 16);
        e->port = ntohs(sa->sin6_port);
        return true;
    }
    return false;
}

/* The local end of the connection, for getpeerinfo's addrlocal (and both
 * ends for the capture). */
static void fill_local(cb_peer *p)
{
    struct sockaddr_storage ss, peer;
    socklen_t sl = sizeof ss, pl = sizeof peer;
    char host[INET6_ADDRSTRLEN] = "";
    if (getsockname(bufferevent_getfd(p->bev), (struct sockaddr *)&ss, &sl) != 0)
        return;
    if (getpeername(bufferevent_getfd(p->bev), (struct sockaddr *)&peer, &pl) == 0 &&
        wire_end(&p->wire_local, &ss) && wire_end(&p->wire_remote, &peer) &&
        p->wire_local.v6 == p->wire_remote.v6) {
        p->wire_known = true;
        p->wire_seq[0] = p->wire_seq[1] = 1; /* each direction's first byte */
    }
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &sa->sin_addr, host, sizeof host);
        snprintf(p->local, sizeof p->local, "%s:%u", host, ntohs(sa->sin_port));
    } else if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &sa->sin6_addr, host, sizeof host);
        snprintf(p->local, sizeof p->local, "[%s]:%u", host, ntohs(sa->sin6_port));
    }
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    cb_peer *p = arg;
    if (p->closing)
        return;
    if (what & BEV_EVENT_CONNECTED) {
        p->tcp_up = true;
        /* As an accepted socket and as Core: a small message (a getdata)
         * goes at once, not held by Nagle's rule until an ACK comes. */
        int one = 1;
        setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fill_local(p);
        cb_peer_send_version(p);
        return;
    }
    if (what & BEV_EVENT_EOF)
        cb_peer_close(p, "connection closed by peer");
    else if (what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
        cb_peer_close(p, p->tcp_up ? "connection error" : "connect failed");
}

cb_peer *cb_peer_new(cb_net *net, struct bufferevent *bev, const char *host, uint16_t port,
                     bool inbound)
{
    cb_peer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->net = net;
    p->id = ++net->next_id;
    p->bev = bev;
    snprintf(p->host, sizeof p->host, "%s", host);
    p->port = port;
    if (!cb_netgroup_of(p->host, &p->group))
        memset(&p->group, 0, sizeof p->group); /* not numeric: the local group */
    p->inbound = inbound;
    p->tcp_up = inbound;
    p->connected_at = cb_net_now(p->net);
    p->ping_ms = -1;
    p->next_ping = p->connected_at + CB_NET_PING_INTERVAL;
    p->addr_tokens = 1000;
    p->addr_refill = p->connected_at;
    p->known = cb_keymap_new(32, net->seed ^ p->id);
    if (!p->known) {
        free(p);
        return NULL;
    }
    if (inbound)
        fill_local(p);
    bufferevent_setcb(bev, on_read, on_write, on_event, p);
    /* Read no more than one whole message of the largest kind ahead; hear
     * of the send side draining at half the pause mark. */
    bufferevent_setwatermark(bev, EV_READ, 0, cb_net_max_message());
    bufferevent_setwatermark(bev, EV_WRITE, CB_NET_PAUSE_SEND / 2, 0);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    p->next = net->peers;
    net->peers = p;
    return p;
}

void cb_peer_free(cb_peer *p)
{
    if (!p)
        return;
    if (p->bev)
        bufferevent_free(p->bev);
    cb_keymap_free(p->known);
    free(p->deferred_getheaders);
    cb_presync_free(p->presync);
    cb_presync_free(p->redownload);
    free(p->txq);
    free(p->gd);
    free(p->trace);
    free(p);
}
