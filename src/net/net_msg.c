/* What each message does. Every payload is parsed in full (limits first)
 * before anything acts on it; a peer whose message breaks the SPEC is
 * banned, and nothing it sent is used. */
#include <stdio.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/pow.h"
#include "core/refusal.h"
#include "net/net_internal.h"

#define GETDATA_QUEUE_MAX 100000
#define TX_REREQUEST_AFTER 30 /* seconds before a tx is asked of another peer */

/* A header refused: told with its numbers, then its sender banned. */
static void refuse_header(cb_peer *p, const char *what, cb_err err, const cb_header *h, int64_t now)
{
    uint8_t hash[32];
    char why[224];
    cb_header_hash(hash, h);
    cb_refusal_header(why, sizeof why, err, p->net->host.chain, h, now);
    char ban[128];
    char hex[65];
    cb_hash_to_hex(hex, hash);
    snprintf(ban, sizeof ban, "%s %.16s: %s", what, hex, cb_err_reason(err));
    cb_peer_ban_refused(p, "header", hash, err, why, ban);
}

static void ban_for(cb_peer *p, const char *what, cb_err err)
{
    char why[128];
    snprintf(why, sizeof why, "%s: %s", what, cb_err_reason(err));
    cb_peer_ban(p, why);
}

static void send_getheaders_from(cb_peer *p, const cb_chain_entry *from, const uint8_t stop[32])
{
    cb_getheaders_msg g;
    uint8_t buf[4 + 9 + CB_MAX_LOCATOR * 32 + 32];
    memset(&g, 0, sizeof g);
    g.version = CB_PROTOCOL_VERSION;
    g.count = cb_chain_locator(from, g.hashes, 32);
    if (stop)
        memcpy(g.stop, stop, 32);
    size_t len = cb_getheaders_serialize(buf, sizeof buf, &g);
    cb_peer_send(p, "getheaders", buf, len);
}

void cb_net_send_getheaders(cb_peer *p, const uint8_t stop[32])
{
    /* From the best header's parent, as Core does: a peer that has our
     * best header then answers with at least that one, and so tells us it
     * has the block (we may know the header only from someone who never
     * delivered its body). */
    const cb_chain_entry *from = cb_chain_best_header(p->net->host.chain);
    if (from->prev)
        from = from->prev;
    send_getheaders_from(p, from, stop);
}

static void on_version(cb_peer *p, const uint8_t *payload, size_t len)
{
    cb_net *net = p->net;
    cb_version_msg v;
    if (p->got_version)
        return; /* a repeat changes nothing */
    cb_err err = cb_version_parse(&v, payload, len);
    if (err != CB_OK) {
        ban_for(p, "bad version message", err);
        return;
    }
    if (v.nonce == net->nonce) {
        cb_log(net->host.log, "connected to ourselves at %s:%u; dropping it", p->host,
               (unsigned)p->port);
        if (p->inbound) {
            /* Our version goes back so the other end (us) learns it too. */
            cb_peer_send_version(p);
            p->close_after_flush = true;
            return;
        }
        cb_addrbook_remove(net->book, p->host, p->port);
        if (net->nself < sizeof net->self / sizeof net->self[0]) {
            snprintf(net->self[net->nself].host, sizeof net->self[0].host, "%s", p->host);
            net->self[net->nself++].port = p->port;
        }
        cb_peer_close(p, "self-connection");
        return;
    }
    if (v.version < CB_PROTOCOL_VERSION) {
        cb_peer_close(p, "obsolete protocol version");
        return;
    }
    p->ver = v;
    p->got_version = true;
    if (!p->version_sent)
        cb_peer_send_version(p);
    cb_peer_send(p, "verack", NULL, 0);
    if (p->got_verack)
        cb_net_established(p);
}

static void on_ping(cb_peer *p, const uint8_t *payload, size_t len)
{
    uint64_t nonce;
    cb_err err = cb_nonce_parse(&nonce, payload, len);
    if (err != CB_OK) {
        ban_for(p, "bad ping", err);
        return;
    }
    cb_peer_send(p, "pong", payload, len);
}

static void on_pong(cb_peer *p, const uint8_t *payload, size_t len)
{
    uint64_t nonce;
    cb_err err = cb_nonce_parse(&nonce, payload, len);
    if (err != CB_OK) {
        ban_for(p, "bad pong", err);
        return;
    }
    if (p->ping_nonce && nonce == p->ping_nonce) {
        p->ping_ms = cb_net_now_ms() - p->ping_sent_ms;
        p->ping_nonce = 0;
    }
}

static void on_getaddr(cb_peer *p)
{
    cb_net *net = p->net;
    if (p->sent_getaddr_reply)
        return; /* once per connection, as Core does */
    p->sent_getaddr_reply = true;
    const cb_addr_entry *picks[CB_MAX_ADDR];
    size_t n = cb_addrbook_sample(net->book, picks, CB_MAX_ADDR, cb_net_addr_withheld, net);
    cb_netaddr *list = calloc(n ? n : 1, sizeof *list);
    uint8_t *buf = malloc(3 + CB_MAX_ADDR * 30);
    size_t m = 0;
    if (!list || !buf)
        goto done;
    for (size_t i = 0; i < n; i++) {
        struct in_addr a4;
        if (inet_pton(AF_INET, picks[i]->host, &a4) == 1) {
            cb_netaddr_set_ipv4(&list[m], (const uint8_t *)&a4, picks[i]->port);
        } else if (inet_pton(AF_INET6, picks[i]->host, list[m].ip) == 1) {
            list[m].port = picks[i]->port;
        } else {
            continue;
        }
        list[m].time = (uint32_t)picks[i]->last_seen;
        list[m].services = CB_NODE_NETWORK;
        m++;
    }
    size_t len = cb_addr_serialize(buf, 3 + CB_MAX_ADDR * 30, list, m);
    cb_peer_send(p, "addr", buf, len);
done:
    free(list);
    free(buf);
}

static void on_addr(cb_peer *p, const uint8_t *payload, size_t len)
{
    cb_net *net = p->net;
    cb_netaddr *list;
    size_t n;
    cb_err err = cb_addr_parse(&list, &n, payload, len);
    if (err != CB_OK) {
        if (err == CB_ERR_NOMEM)
            return;
        ban_for(p, "bad addr message", err);
        return;
    }
    int64_t now = cb_net_now(net);
    /* Token bucket: a peer may tell us of one address per 10 s on
     * average, 1000 at once. More is dropped, not punished. */
    p->addr_tokens += (double)(now - p->addr_refill) / 10.0;
    if (p->addr_tokens > 1000)
        p->addr_tokens = 1000;
    p->addr_refill = now;
    cb_netaddr fresh[10];
    size_t nfresh = 0;
    for (size_t i = 0; i < n; i++) {
        char host[CB_ADDR_HOST_MAX];
        uint8_t ip4[4];
        if (p->addr_tokens < 1)
            break;
        p->addr_tokens -= 1;
        if (list[i].port == 0)
            continue;
        if (cb_netaddr_ipv4(&list[i], ip4)) {
            if (!inet_ntop(AF_INET, ip4, host, sizeof host) || ip4[0] == 0)
                continue;
        } else if (!inet_ntop(AF_INET6, list[i].ip, host, sizeof host)) {
            continue;
        }
        /* Not on the open internet: never ours to spread on main. */
        if (!cb_net_gossip_local(net) && !cb_addr_routable(host))
            continue;
        /* A time ahead of ours is no fresher than now (outbound choice
         * no longer prefers the newest, but relay still does). */
        int64_t seen = list[i].time;
        if (seen < 100000000)
            seen = now - 5 * 86400;
        if (seen > now)
            seen = now;
        bool known = cb_addrbook_find(net->book, host, list[i].port) != NULL;
        cb_net_note_addr(net, host, list[i].port, seen, p->host);
        if (!known && n <= 10 && nfresh < 10 && seen > now - 600)
            fresh[nfresh++] = list[i];
    }
    free(list);
    /* New to us and fresh: pass it on to two other peers, so a new node's
     * address spreads. Each node relays an address once at most. */
    if (nfresh) {
        uint8_t buf[1 + 10 * 30];
        size_t blen = cb_addr_serialize(buf, sizeof buf, fresh, nfresh);
        unsigned sent = 0;
        for (cb_peer *q = net->peers; q && sent < 2; q = q->next) {
            if (q == p || q->closing || !q->established)
                continue;
            cb_peer_send(q, "addr", buf, blen);
            sent++;
        }
    }
}

static void on_inv(cb_peer *p, const uint8_t *payload, size_t len)
{
    cb_net *net = p->net;
    cb_inv *inv;
    size_t n;
    cb_err err = cb_inv_parse(&inv, &n, payload, len);
    if (err != CB_OK) {
        if (err != CB_ERR_NOMEM)
            ban_for(p, "bad inv message", err);
        return;
    }
    cb_inv *want = calloc(n ? n : 1, sizeof *want);
    size_t nwant = 0;
    bool need_headers = false;
    uint32_t now = (uint32_t)cb_net_now(net);
    for (size_t i = 0; want && i < n; i++) {
        cb_peer_mark_known(p, inv[i].hash);
        if (inv[i].type == CB_INV_BLOCK) {
            if (!cb_chain_lookup(net->host.chain, inv[i].hash))
                need_headers = true;
        } else if (inv[i].type == CB_INV_TX) {
            uint32_t at;
            if (cb_mempool_get(net->host.mempool, inv[i].hash, NULL) ||
                cb_keymap_get(net->rejected, inv[i].hash, &at))
                continue;
            if (cb_keymap_get(net->tx_requested, inv[i].hash, &at) && now - at < TX_REREQUEST_AFTER)
                continue;
            if (cb_keymap_count(net->tx_requested) > 100000) {
                cb_keymap_free(net->tx_requested);
                net->tx_requested = cb_keymap_new(32, net->seed ^ now);
                if (!net->tx_requested)
                    break;
            }
            if (cb_keymap_put(net->tx_requested, inv[i].hash, now) != CB_OK)
                break;
            want[nwant++] = inv[i];
        }
    }
    free(inv);
    if (need_headers)
        cb_net_send_getheaders(p, NULL);
    if (nwant) {
        size_t cap = 9 + nwant * 36;
        uint8_t *buf = malloc(cap);
        if (buf) {
            size_t blen = cb_inv_serialize(buf, cap, want, nwant);
            cb_peer_send(p, "getdata", buf, blen);
            free(buf);
        }
    }
    free(want);
}

void cb_net_serve_getdata(cb_peer *p)
{
    cb_net *net = p->net;
    cb_inv missing[64];
    size_t nmissing = 0;
    while (!p->closing && p->gdpos < p->ngd && cb_peer_send_backlog(p) < CB_NET_SEND_LIMIT) {
        const cb_inv *it = &p->gd[p->gdpos++];
        bool found = false;
        if (it->type == CB_INV_BLOCK) {
            const cb_chain_entry *e = cb_chain_lookup(net->host.chain, it->hash);
            cb_block b;
            /* The body comes from the store (a bounded backlog limits how
             * many one peer has read at once). */
            if (e && (e->status & CB_ENTRY_HAVE_DATA) &&
                cb_chain_read_block(net->host.chain, e, &b) == CB_OK) {
                size_t size = cb_block_size(&b);
                uint8_t *buf = malloc(size);
                if (buf && cb_block_serialize(buf, size, &b) == CB_OK) {
                    cb_peer_send(p, "block", buf, size);
                    cb_peer_mark_known(p, it->hash);
                    found = true;
                }
                free(buf);
                cb_block_clear(&b);
            }
        } else if (it->type == CB_INV_TX) {
            cb_tx tx;
            if (cb_mempool_get(net->host.mempool, it->hash, &tx)) {
                uint8_t buf[CB_TX_SIZE];
                cb_tx_serialize(buf, &tx);
                cb_peer_send(p, "tx", buf, sizeof buf);
                cb_peer_mark_known(p, it->hash);
                found = true;
            }
        } else {
            continue; /* unknown types are not ours to answer */
        }
        if (!found) {
            missing[nmissing++] = *it;
            if (nmissing == 64) {
                uint8_t buf[1 + 64 * 36];
                cb_peer_send(p, "notfound", buf, cb_inv_serialize(buf, sizeof buf, missing, 64));
                nmissing = 0;
            }
        }
    }
    if (nmissing) {
        uint8_t buf[1 + 64 * 36];
        cb_peer_send(p, "notfound", buf, cb_inv_serialize(buf, sizeof buf, missing, nmissing));
    }
    if (p->gdpos == p->ngd)
        p->gdpos = p->ngd = 0;
}

static void on_getdata(cb_peer *p, const uint8_t *payload, size_t len)
{
    cb_inv *inv;
    size_t n;
    cb_err err = cb_inv_parse(&inv, &n, payload, len);
    if (err != CB_OK) {
        if (err != CB_ERR_NOMEM)
            ban_for(p, "bad getdata message", err);
        return;
    }
    size_t pending = p->ngd - p->gdpos;
    if (pending + n > GETDATA_QUEUE_MAX) {
        free(inv);
        cb_peer_discourage(p, "too many getdata requests pending");
        return;
    }
    /* Compact the queue, then append. */
    if (p->gdpos) {
        memmove(p->gd, p->gd + p->gdpos, pending * sizeof *p->gd);
        p->ngd = pending;
        p->gdpos = 0;
    }
    cb_inv *grown = realloc(p->gd, (p->ngd + n + 1) * sizeof *grown);
    if (!grown) {
        free(inv);
        cb_peer_close(p, "out of memory queueing getdata");
        return;
    }
    p->gd = grown;
    memcpy(p->gd + p->ngd, inv, n * sizeof *inv);
    p->ngd += n;
    free(inv);
    cb_net_serve_getdata(p);
}

/* Sends the headers a parsed getheaders asks for. */
static void answer_getheaders(cb_peer *p, const cb_getheaders_msg *g)
{
    cb_net *net = p->net;
    const cb_chain *c = net->host.chain;
    const cb_chain_entry *fork = cb_chain_find_fork(c, (const uint8_t(*)[32])g->hashes, g->count);
    const cb_chain_entry *tip = cb_chain_tip(c);
    static const uint8_t zero[32];
    bool has_stop = memcmp(g->stop, zero, 32) != 0;
    /* Room for what there is to send, not for the most there could be. */
    size_t most = tip->height - fork->height;
    if (most > CB_MAX_HEADERS)
        most = CB_MAX_HEADERS;
    cb_header *hs = malloc((most ? most : 1) * sizeof *hs);
    size_t cap = 3 + most * (CB_HEADER_SIZE + 1);
    uint8_t *buf = malloc(cap);
    size_t n = 0;
    if (hs && buf) {
        for (uint32_t h = fork->height + 1; h <= tip->height && n < most; h++) {
            const cb_chain_entry *e = cb_chain_at(c, h);
            hs[n++] = e->header;
            if (has_stop && memcmp(e->hash, g->stop, 32) == 0)
                break;
        }
        size_t blen = cb_headers_serialize(buf, cap, hs, n);
        cb_peer_send(p, "headers", buf, blen);
        /* The peer has what its locator named, and now these headers. */
        const cb_chain_entry *last = n ? cb_chain_at(c, fork->height + (uint32_t)n) : fork;
        if (!p->best_known || cb_u256_cmp(&fork->work, &p->best_known->work) > 0)
            p->best_known = fork;
        cb_peer_mark_known(p, last->hash);
    }
    free(hs);
    free(buf);
}

/* Takes a getheaders token when one is due. */
static bool take_getheaders_token(cb_peer *p, int64_t now_ms)
{
    if (p->getheaders_refill_ms == 0) {
        p->getheaders_tokens = CB_NET_GETHEADERS_BURST;
        p->getheaders_refill_ms = now_ms;
    }
    p->getheaders_tokens +=
        (double)(now_ms - p->getheaders_refill_ms) * CB_NET_GETHEADERS_PER_SEC / 1000.0;
    if (p->getheaders_tokens > CB_NET_GETHEADERS_BURST)
        p->getheaders_tokens = CB_NET_GETHEADERS_BURST;
    p->getheaders_refill_ms = now_ms;
    if (p->getheaders_tokens < 1)
        return false;
    p->getheaders_tokens -= 1;
    return true;
}

static void on_getheaders(cb_peer *p, const uint8_t *payload, size_t len)
{
    cb_getheaders_msg *g = malloc(sizeof *g);
    if (!g)
        return;
    cb_err err = cb_getheaders_parse(g, payload, len);
    if (err != CB_OK) {
        free(g);
        ban_for(p, "bad getheaders message", err);
        return;
    }
    /* Each answer walks and sends up to 2,000 headers: past the burst a
     * peer gets so many a second; the latest request waits for its turn
     * (an honest peer asks again only after an answer). */
    if (!take_getheaders_token(p, cb_net_now_ms())) {
        free(p->deferred_getheaders);
        p->deferred_getheaders = g;
        return;
    }
    answer_getheaders(p, g);
    free(g);
}

void cb_net_serve_deferred(cb_peer *p, int64_t now_ms)
{
    if (!p->deferred_getheaders || p->closing || p->paused || !take_getheaders_token(p, now_ms))
        return;
    cb_getheaders_msg *g = p->deferred_getheaders;
    p->deferred_getheaders = NULL;
    answer_getheaders(p, g);
    free(g);
}

/* True when headers hs[0..n) on prev would start a chain to presync: it
 * forks deeper than CB_NET_SHALLOW_FORK below our tip, and even all of
 * these would not bring it to our tip's work. */
static bool deep_low_work(cb_net *net, const cb_chain_entry *prev, const cb_header *hs, size_t n)
{
    const cb_chain *c = net->host.chain;
    const cb_chain_entry *tip = cb_chain_tip(c);
    const cb_chain_entry *fork = cb_chain_common(prev, tip);
    if (tip->height - fork->height <= CB_NET_SHALLOW_FORK)
        return false;
    cb_u256 work = prev->work, w;
    for (size_t i = 0; i < n; i++) {
        cb_pow_work(&w, hs[i].bits);
        cb_u256_add(&work, &work, &w);
    }
    return cb_u256_cmp(&work, &tip->work) <= 0;
}

/* Asks for the headers after the presynced chain's last: a locator of
 * that hash (unknown to the index) then the fork's own. */
static void continue_presync(cb_peer *p)
{
    cb_getheaders_msg g;
    uint8_t buf[4 + 3 + CB_MAX_LOCATOR * 32 + 32];
    memset(&g, 0, sizeof g);
    g.version = CB_PROTOCOL_VERSION;
    memcpy(g.hashes[0], cb_presync_last_hash(p->presync), 32);
    g.count = 1 + cb_chain_locator(cb_presync_fork(p->presync), g.hashes + 1, CB_MAX_LOCATOR - 1);
    cb_peer_send(p, "getheaders", buf, cb_getheaders_serialize(buf, sizeof buf, &g));
}

/* A batch of a chain under presync: checked, counted, not kept. */
static void presync_headers(cb_peer *p, const cb_header *hs, size_t n, int64_t now)
{
    cb_net *net = p->net;
    for (size_t i = 0; i < n; i++) {
        cb_err err = cb_presync_add(p->presync, &hs[i], now);
        if (err == CB_ERR_TIME_NEW)
            break; /* our clock may be behind; no blame */
        if (err == CB_ERR_TOO_LARGE) {
            cb_peer_discourage(p, "a low-work header chain without end");
            return;
        }
        if (err == CB_ERR_NOMEM)
            return;
        if (err != CB_OK) {
            if (i == 0 && err == CB_ERR_PREV_MISSING)
                ban_for(p, "presync chain broken", err);
            else
                refuse_header(p, "invalid header", err, &hs[i], now);
            return;
        }
    }
    if (cb_presync_beats(p->presync, &cb_chain_tip(net->host.chain)->work)) {
        /* Shown: fetch the same chain again from its fork, and keep it. */
        cb_log(net->host.log, "peer %llu: a chain of %u headers beats our tip; fetching it again",
               (unsigned long long)p->id, (unsigned)cb_presync_height(p->presync));
        p->redownload = p->presync;
        p->presync = NULL;
        send_getheaders_from(p, cb_presync_fork(p->redownload), NULL);
    } else if (n == CB_MAX_HEADERS) {
        continue_presync(p);
    } else {
        cb_log_debug(net->host.log, "peer %llu: a low-work chain to height %u, not kept",
                     (unsigned long long)p->id, (unsigned)cb_presync_height(p->presync));
        cb_presync_free(p->presync);
        p->presync = NULL;
    }
}

static void on_headers(cb_peer *p, const uint8_t *payload, size_t len)
{
    cb_net *net = p->net;
    cb_header *hs;
    size_t n;
    cb_err err = cb_headers_parse(&hs, &n, payload, len);
    if (err != CB_OK) {
        if (err != CB_ERR_NOMEM)
            ban_for(p, "bad headers message", err);
        return;
    }
    int64_t now = cb_net_now(net);
    if (p->presync && n && memcmp(hs[0].prev, cb_presync_last_hash(p->presync), 32) == 0) {
        presync_headers(p, hs, n, now);
        goto done;
    }
    const cb_chain_entry *last = NULL;
    const cb_chain_entry *tip = cb_chain_tip(net->host.chain);
    for (size_t i = 0; i < n; i++) {
        uint8_t hash[32];
        cb_header_hash(hash, &hs[i]);
        if (i > 0 && memcmp(hs[i].prev, last->hash, 32) != 0) {
            cb_peer_ban(p, "non-continuous headers");
            goto done;
        }
        const cb_chain_entry *e = cb_chain_lookup(net->host.chain, hash);
        const cb_chain_entry *prev = e ? NULL : cb_chain_lookup(net->host.chain, hs[i].prev);
        if (prev && !p->redownload && deep_low_work(net, prev, hs + i, n - i)) {
            /* A deep fork of less work: checked, not kept, unless it turns
             * out to beat our tip (Core's headers presync). */
            cb_presync_free(p->presync);
            p->presync = cb_presync_new(net->host.chain, prev, net->seed ^ p->id ^ (uint64_t)now);
            if (p->presync)
                presync_headers(p, hs + i, n - i, now);
            goto done;
        }
        if (prev && p->redownload && !cb_presync_matches(p->redownload, prev->height + 1, hash)) {
            cb_peer_ban(p, "headers fetched again differ from those presynced");
            goto done;
        }
        err = cb_chain_accept_header(net->host.chain, &hs[i], now, &e);
        if (err == CB_ERR_PREV_MISSING && i == 0) {
            /* Our locator did not reach its chain, or it announced a
             * block on a branch we lack: ask from our best header. */
            if (++p->unconnecting > 10) {
                /* An honest peer on a long fork can do this: discourage. */
                cb_peer_discourage(p, "too many headers that do not connect");
                goto done;
            }
            cb_net_send_getheaders(p, NULL);
            goto done;
        }
        if (err == CB_ERR_TIME_NEW)
            break; /* our clock may be behind; no blame */
        if (err == CB_ERR_NOMEM)
            goto done;
        if (err != CB_OK) {
            refuse_header(p, "invalid header", err, &hs[i], now);
            goto done;
        }
        if (prev && !p->redownload && cb_u256_cmp(&e->work, &tip->work) <= 0 &&
            ++p->low_work_kept > CB_NET_LOW_WORK_QUOTA) {
            cb_peer_discourage(p, "too many low-work headers");
            goto done;
        }
        cb_peer_mark_known(p, hash);
        last = e;
    }
    if (last) {
        /* Only headers that connected clear the count: an empty message
         * must not wash away a run of unconnecting ones. */
        p->unconnecting = 0;
        if (!p->best_known || cb_u256_cmp(&last->work, &p->best_known->work) > 0)
            p->best_known = last;
        if (p->redownload && last->height >= cb_presync_height(p->redownload)) {
            cb_presync_free(p->redownload);
            p->redownload = NULL;
        }
        if (n == CB_MAX_HEADERS)
            send_getheaders_from(p, last, NULL);
        /* Blocks waiting for one of these headers can go in now. */
        cb_net_adopt_orphans(net);
        cb_net_request_blocks(p);
    }
done:
    free(hs);
}

static void on_block(cb_peer *p, const uint8_t *payload, size_t len)
{
    cb_block b;
    cb_block_init(&b);
    cb_err err = cb_block_parse(&b, payload, len);
    if (err != CB_OK) {
        if (err != CB_ERR_NOMEM)
            ban_for(p, "bad block encoding", err);
        cb_block_clear(&b);
        return;
    }
    cb_net_process_block(p, &b);
    cb_block_clear(&b);
}

static void on_tx(cb_peer *p, const uint8_t *payload, size_t len)
{
    cb_tx tx;
    cb_err err = cb_tx_parse(&tx, payload, len);
    if (err != CB_OK) {
        ban_for(p, "bad transaction encoding", err);
        return;
    }
    cb_net_process_tx(p, &tx);
}

static void on_notfound(cb_peer *p, const uint8_t *payload, size_t len)
{
    cb_inv *inv;
    size_t n;
    cb_err err = cb_inv_parse(&inv, &n, payload, len);
    if (err != CB_OK) {
        if (err != CB_ERR_NOMEM)
            ban_for(p, "bad notfound message", err);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (inv[i].type == CB_INV_TX) {
            /* Gone from its mempool (mined, most likely): another peer's
             * announcement may ask for it at once. */
            cb_keymap_remove(p->net->tx_requested, inv[i].hash);
            continue;
        }
        if (inv[i].type != CB_INV_BLOCK)
            continue;
        for (size_t j = 0; j < p->ninflight; j++) {
            if (memcmp(p->inflight[j].hash, inv[i].hash, 32) == 0) {
                p->inflight[j] = p->inflight[--p->ninflight];
                cb_net_block_received(p->net, inv[i].hash);
                break;
            }
        }
    }
    free(inv);
    /* Another peer may have them. */
    for (cb_peer *q = p->net->peers; q; q = q->next)
        if (q != p && !q->closing && q->established)
            cb_net_request_blocks(q);
}

static void on_mempool(cb_peer *p)
{
    cb_net *net = p->net;
    /* An answer can be 50,000 entries: once a minute per peer. */
    int64_t now = cb_net_now(net);
    if (p->last_mempool_reply && now - p->last_mempool_reply < CB_NET_MEMPOOL_EVERY) {
        cb_log_debug(net->host.log, "peer %llu: mempool asked again too soon; ignored",
                     (unsigned long long)p->id);
        return;
    }
    p->last_mempool_reply = now;
    size_t count = cb_mempool_count(net->host.mempool);
    if (count > CB_MAX_INV)
        count = CB_MAX_INV;
    uint8_t(*ids)[32] = malloc((count ? count : 1) * 32);
    cb_inv *inv = malloc((count ? count : 1) * sizeof *inv);
    uint8_t *buf = malloc(9 + count * 36);
    if (ids && inv && buf) {
        size_t n = cb_mempool_txids(net->host.mempool, ids, count);
        for (size_t i = 0; i < n; i++) {
            inv[i].type = CB_INV_TX;
            memcpy(inv[i].hash, ids[i], 32);
            cb_peer_mark_known(p, ids[i]);
        }
        if (n)
            cb_peer_send(p, "inv", buf, cb_inv_serialize(buf, 9 + count * 36, inv, n));
    }
    free(ids);
    free(inv);
    free(buf);
}

size_t cb_net_max_payload(const char *command)
{
    static const struct {
        const char *command;
        size_t max;
    } limits[] = {
        {"block", CB_MAX_BLOCK_SIZE},
        {"tx", CB_TX_SIZE},
        {"inv", 9 + CB_MAX_INV * 36},
        {"getdata", 9 + CB_MAX_INV * 36},
        {"notfound", 9 + CB_MAX_INV * 36},
        {"headers", 3 + CB_MAX_HEADERS * (CB_HEADER_SIZE + 1)},
        {"getheaders", 4 + 1 + CB_MAX_LOCATOR * 32 + 32},
        {"addr", 3 + CB_MAX_ADDR * 30},
        {"version", 1024},
        {"ping", 8},
        {"pong", 8},
        {"verack", 0},
        {"getaddr", 0},
        {"sendheaders", 0},
        {"mempool", 0},
    };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
        if (strcmp(limits[i].command, command) == 0)
            return limits[i].max;
    return 64 * 1024; /* a message of a later version: read, then ignored */
}

size_t cb_net_max_message(void)
{
    return CB_MSG_HEADER_SIZE + 9 + CB_MAX_INV * 36;
}

void cb_net_handle_message(cb_peer *p, const char *command, const uint8_t *payload, size_t len)
{
    if (strcmp(command, "version") == 0) {
        on_version(p, payload, len);
        return;
    }
    if (!p->got_version) {
        char why[64];
        snprintf(why, sizeof why, "'%s' before version", command);
        cb_peer_ban(p, why);
        return;
    }
    if (strcmp(command, "verack") == 0) {
        if (!p->got_verack) {
            p->got_verack = true;
            cb_net_established(p);
        }
        return;
    }
    if (!p->established) {
        char why[64];
        snprintf(why, sizeof why, "'%s' before verack", command);
        cb_peer_ban(p, why);
        return;
    }
    if (strcmp(command, "ping") == 0)
        on_ping(p, payload, len);
    else if (strcmp(command, "pong") == 0)
        on_pong(p, payload, len);
    else if (strcmp(command, "getaddr") == 0)
        on_getaddr(p);
    else if (strcmp(command, "addr") == 0)
        on_addr(p, payload, len);
    else if (strcmp(command, "inv") == 0)
        on_inv(p, payload, len);
    else if (strcmp(command, "getdata") == 0)
        on_getdata(p, payload, len);
    else if (strcmp(command, "notfound") == 0)
        on_notfound(p, payload, len);
    else if (strcmp(command, "getheaders") == 0)
        on_getheaders(p, payload, len);
    else if (strcmp(command, "headers") == 0)
        on_headers(p, payload, len);
    else if (strcmp(command, "block") == 0)
        on_block(p, payload, len);
    else if (strcmp(command, "tx") == 0)
        on_tx(p, payload, len);
    else if (strcmp(command, "sendheaders") == 0)
        p->send_headers = true;
    else if (strcmp(command, "mempool") == 0)
        on_mempool(p);
    else
        cb_log_debug(p->net->host.log, "peer %llu: ignoring unknown message '%s'",
                     (unsigned long long)p->id, command);
}
