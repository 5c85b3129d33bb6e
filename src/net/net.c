/* The connection manager: listening, outbound slots, the timer that keeps
 * connections healthy, bans, and the known-peer table in the store. */
#include "net/net.h"

#include <stdio.h>
#include <arpa/inet.h>
#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/random.h"
#include "net/net_internal.h"

#define TICK_MS 100
#define SAVE_EVERY 60

/* Parses "host", "host:port", "[v6]:port"; a name is resolved once, here.
 * Returns: CB_OK or CB_ERR_ARG. */
static cb_err parse_hostport(const char *text, uint16_t default_port, char *host, size_t hostcap,
                             uint16_t *port)
{
    char name[CB_NET_ADDR_MAX];
    const char *portstr = NULL;
    size_t len = strnlen(text, CB_NET_ADDR_MAX);
    if (len == 0 || len >= CB_NET_ADDR_MAX)
        return CB_ERR_ARG;
    if (text[0] == '[') {
        const char *end = strchr(text, ']');
        if (!end || (size_t)(end - text - 1) >= sizeof name)
            return CB_ERR_ARG;
        memcpy(name, text + 1, (size_t)(end - text - 1));
        name[end - text - 1] = '\0';
        if (end[1] == ':')
            portstr = end + 2;
        else if (end[1] != '\0')
            return CB_ERR_ARG;
    } else {
        const char *colon = strchr(text, ':');
        if (colon && strchr(colon + 1, ':'))
            colon = NULL; /* a bare IPv6 address */
        size_t hl = colon ? (size_t)(colon - text) : len;
        memcpy(name, text, hl);
        name[hl] = '\0';
        if (colon)
            portstr = colon + 1;
    }
    *port = default_port;
    if (portstr) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(portstr, &end, 10);
        if (errno || *end || end == portstr || v == 0 || v > 65535)
            return CB_ERR_ARG;
        *port = (uint16_t)v;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (name[0] == '\0' || getaddrinfo(name, NULL, &hints, &res) != 0 || !res)
        return CB_ERR_ARG;
    const void *src = res->ai_family == AF_INET
                          ? (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr
                          : (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
    bool ok = inet_ntop(res->ai_family, src, host, (socklen_t)hostcap) != NULL;
    freeaddrinfo(res);
    return ok ? CB_OK : CB_ERR_ARG;
}

/* Fills a sockaddr for a numeric host. Returns: its length, 0 if bad. */
static socklen_t make_sockaddr(struct sockaddr_storage *ss, const char *host, uint16_t port)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        return sizeof *a4;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        return sizeof *a6;
    }
    return 0;
}

static void sockaddr_host(const struct sockaddr *sa, char *host, size_t cap, uint16_t *port)
{
    host[0] = '\0';
    *port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a->sin_addr, host, (socklen_t)cap);
        *port = ntohs(a->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        /* An IPv4 client on a dual-stack socket is shown as IPv4. */
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
            inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], host, (socklen_t)cap);
        else
            inet_ntop(AF_INET6, &a->sin6_addr, host, (socklen_t)cap);
        *port = ntohs(a->sin6_port);
    }
}

int64_t cb_net_bantime(const cb_net *net)
{
    return net->cfg.bantime;
}

const char *const cb_net_msg_kinds[CB_NET_MSG_KINDS] = {
    "version", "verack",   "ping",  "pong", "getheaders", "headers", "sendheaders", "inv",
    "getdata", "notfound", "block", "tx",   "mempool",    "addr",    "getaddr",     "*other*"};

size_t cb_net_msg_kind(const char *command)
{
    for (size_t i = 0; i + 1 < CB_NET_MSG_KINDS; i++)
        if (strcmp(cb_net_msg_kinds[i], command) == 0)
            return i;
    return CB_NET_MSG_KINDS - 1;
}

void cb_net_set_trace(cb_net *net, bool on)
{
    net->trace = on;
    if (on)
        return;
    for (cb_peer *p = net->peers; p; p = p->next) {
        free(p->trace);
        p->trace = NULL;
        p->trace_next = p->trace_count = 0;
    }
}

bool cb_net_tracing(const cb_net *net)
{
    return net->trace;
}

long cb_net_peer_messages(const cb_net *net, uint64_t id, cb_trace_entry *out, size_t max)
{
    for (const cb_peer *p = net->peers; p; p = p->next) {
        if (p->closing || p->id != id)
            continue;
        size_t n = p->trace_count < max ? p->trace_count : max;
        for (size_t i = 0; i < n; i++)
            out[i] = p->trace[(p->trace_next + CB_TRACE_KEPT - n + i) % CB_TRACE_KEPT];
        return (long)n;
    }
    return -1;
}

uint16_t cb_net_port(const cb_net *net)
{
    return net->listener ? net->port : 0;
}

bool cb_net_err_bans(cb_err err, bool in_block)
{
    switch (err) {
    /* Context-free faults: an honest node never relays these. */
    case CB_ERR_TX_VERSION:
    case CB_ERR_TX_AMOUNT:
    case CB_ERR_TX_MONEY_RANGE:
    case CB_ERR_TX_PUBKEY:
    case CB_ERR_TX_SIG:
    case CB_ERR_TX_COINBASE:
    case CB_ERR_TRUNCATED:
    case CB_ERR_TRAILING:
    case CB_ERR_NONCANONICAL:
    case CB_ERR_TOO_LARGE:
    case CB_ERR_SIG_ENCODING:
    case CB_ERR_SIG_INVALID:
    case CB_ERR_PUBKEY:
        return true;
    /* Never the sender's fault: ours to wait for or already known. A time
     * too far ahead may be our clock. */
    case CB_ERR_TIME_NEW:
    case CB_ERR_PREV_MISSING:
    case CB_ERR_DUPLICATE:
        return false;
    default:
        /* In a block every consensus rule counts, a nonce or balance
         * failure too (a double spend). A loose transaction can fail those
         * honestly: it raced a block. */
        return in_block ? (err >= 40 && err < 90) : false;
    }
}

cb_peer *cb_net_find_peer(cb_net *net, uint64_t id)
{
    for (cb_peer *p = net->peers; p; p = p->next)
        if (p->id == id && !p->closing)
            return p;
    return NULL;
}

void cb_net_note_addr(cb_net *net, const char *host, uint16_t port, int64_t seen,
                      const char *source)
{
    for (size_t i = 0; i < net->nself; i++)
        if (net->self[i].port == port && strcmp(net->self[i].host, host) == 0)
            return;
    cb_addr_entry *e;
    if (cb_addrbook_add_from(net->book, host, port, seen, source, &e) == CB_OK)
        net->book_dirty = true;
}

static void reap(evutil_socket_t fd, short what, void *arg)
{
    cb_net *net = arg;
    (void)fd;
    (void)what;
    cb_peer **pp = &net->peers;
    while (*pp) {
        cb_peer *p = *pp;
        if (!p->closing) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        if (!p->inbound) {
            cb_addr_entry *e = cb_addrbook_find(net->book, p->host, p->port);
            if (e) {
                e->connected = false;
                if (!p->established)
                    cb_addrbook_failed(e);
                net->book_dirty = true;
            }
        }
        cb_peer_free(p);
    }
}

void cb_net_schedule_reap(cb_net *net)
{
    event_active(net->reap_ev, 0, 0);
}

void cb_net_established(cb_peer *p)
{
    cb_net *net = p->net;
    char addr[CB_NET_ADDR_MAX];
    p->established = true;
    cb_peer_addr_text(p, addr, sizeof addr);
    cb_log(net->host.log, "peer %llu %s %s (%s, height %d)", (unsigned long long)p->id,
           p->inbound ? "from" : "to", addr, p->ver.user_agent, p->ver.start_height);
    if (!p->inbound) {
        /* Where we reached it is where others can: into the book (a
         * -connect address too, so a restart without it finds it again). */
        cb_net_note_addr(net, p->host, p->port, cb_net_now(net), NULL);
        cb_addr_entry *e = cb_addrbook_find(net->book, p->host, p->port);
        if (e) {
            cb_addrbook_good(e, cb_net_now(net));
            e->connected = true;
        }
        net->book_dirty = true;
        for (size_t i = 0; i < net->nmanual; i++)
            if (net->manual[i].port == p->port && strcmp(net->manual[i].host, p->host) == 0)
                net->manual[i].failures = 0;
    }
    cb_peer_send(p, "sendheaders", NULL, 0);
    if (!p->inbound) {
        cb_peer_send(p, "getaddr", NULL, 0);
        /* Tell it where we listen, so it can tell others. */
        char lhost[CB_ADDR_HOST_MAX];
        const char *colon = strrchr(p->local, ':');
        if (net->listener && colon && p->local[0] != '[' &&
            (size_t)(colon - p->local) < sizeof lhost) {
            memcpy(lhost, p->local, (size_t)(colon - p->local));
            lhost[colon - p->local] = '\0';
            struct in_addr a4;
            if (inet_pton(AF_INET, lhost, &a4) == 1) {
                cb_netaddr a;
                uint8_t buf[64];
                memset(&a, 0, sizeof a);
                a.time = (uint32_t)cb_net_now(net);
                a.services = CB_NODE_NETWORK;
                cb_netaddr_set_ipv4(&a, (const uint8_t *)&a4, net->port);
                size_t len = cb_addr_serialize(buf, sizeof buf, &a, 1);
                cb_peer_send(p, "addr", buf, len);
            }
        }
    }
    cb_net_send_getheaders(p, NULL);
    cb_peer_send(p, "mempool", NULL, 0);
}

/* Opens an outbound connection to host:port. Returns: the peer or NULL. */
static cb_peer *connect_to(cb_net *net, const char *host, uint16_t port)
{
    struct sockaddr_storage ss;
    socklen_t sl = make_sockaddr(&ss, host, port);
    if (!sl)
        return NULL;
    struct bufferevent *bev = bufferevent_socket_new(net->host.base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (!bev)
        return NULL;
    cb_peer *p = cb_peer_new(net, bev, host, port, false);
    if (!p) {
        bufferevent_free(bev);
        return NULL;
    }
    cb_log_debug(net->host.log, "connecting to %s:%u", host, (unsigned)port);
    if (bufferevent_socket_connect(bev, (struct sockaddr *)&ss, (int)sl) != 0)
        cb_peer_close(p, "connect failed at once");
    return p;
}

static bool peer_connected_to(cb_net *net, const char *host, uint16_t port)
{
    for (cb_peer *p = net->peers; p; p = p->next)
        if (!p->closing && p->port == port && strcmp(p->host, host) == 0)
            return true;
    return false;
}

/* Addresses not to dial: connected already, banned, or discouraged. */
/* True when an outbound peer we chose ourselves is in group g: each goes
 * to another network group, so one operator cannot be all of them. */
static bool outbound_in_group(cb_net *net, const cb_netgroup *g)
{
    if (cb_netgroup_is_local(g))
        return false; /* a local network shares one group */
    for (cb_peer *p = net->peers; p; p = p->next)
        if (!p->closing && !p->inbound && !p->manual && cb_netgroup_equal(&p->group, g))
            return true;
    return false;
}

static bool skip_addr(void *ctx, const cb_addr_entry *e)
{
    cb_net *net = ctx;
    return peer_connected_to(net, e->host, e->port) ||
           cb_banlist_banned(net->bans, e->host, cb_net_now(net)) ||
           cb_banlist_discouraged(net->bans, e->host) || outbound_in_group(net, &e->group);
}

bool cb_net_gossip_local(const cb_net *net)
{
    /* Only the main network is on the open internet. */
    return strcmp(net->host.params->name, "main") != 0;
}

/* Addresses not to pass on in gossip: banned, discouraged, or (on main)
 * not routable. */
bool cb_net_addr_withheld(void *ctx, const cb_addr_entry *e)
{
    cb_net *net = ctx;
    return cb_banlist_banned(net->bans, e->host, cb_net_now(net)) ||
           cb_banlist_discouraged(net->bans, e->host) ||
           (!cb_net_gossip_local(net) && !cb_addr_routable(e->host));
}

void cb_net_ban_host(cb_net *net, const char *host, const char *why)
{
    cb_subnet one;
    if (cb_subnet_parse(&one, host) != CB_OK)
        return;
    int64_t now = cb_net_now(net), until = now + cb_net_bantime(net);
    cb_log(net->host.log, "banning %s until %lld: %s", host, (long long)until, why);
    if (cb_banlist_add(net->bans, &one, now, until, why) != CB_OK) {
        cb_log(net->host.log, "out of memory: %s only disconnected", host);
    } else {
        net->book_dirty = true;
    }
    /* Every connection from that host goes. */
    for (cb_peer *q = net->peers; q; q = q->next)
        if (!q->closing && strcmp(q->host, host) == 0)
            cb_peer_close(q, why);
}

void cb_net_counts(const cb_net *net, size_t *inbound, size_t *outbound)
{
    *inbound = *outbound = 0;
    for (const cb_peer *p = net->peers; p; p = p->next) {
        if (p->closing)
            continue;
        if (p->inbound)
            (*inbound)++;
        else
            (*outbound)++;
    }
}

/* Keeps the manual addresses connected and fills the outbound slots. */
static void open_connections(cb_net *net, int64_t now)
{
    for (size_t i = 0; i < net->nmanual;) {
        cb_manual_peer *m = &net->manual[i];
        if (peer_connected_to(net, m->host, m->port) ||
            (m->last_try && now < m->last_try + cb_addrbook_backoff(m->failures))) {
            i++;
            continue;
        }
        m->last_try = now;
        m->failures++;
        cb_peer *p = connect_to(net, m->host, m->port);
        if (p)
            p->manual = true;
        if (m->onetry) {
            net->manual[i] = net->manual[--net->nmanual];
            continue;
        }
        i++;
    }
    if (net->connect_only)
        return;
    size_t in, out;
    cb_net_counts(net, &in, &out);
    /* One new attempt per tick keeps a restart from bursting. */
    if (out < net->cfg.max_outbound) {
        cb_addr_entry *e = cb_addrbook_select(net->book, now, skip_addr, net);
        if (e) {
            cb_addrbook_attempt(e, now);
            cb_peer *p = connect_to(net, e->host, e->port);
            if (p)
                e->connected = true;
            else
                cb_addrbook_failed(e);
        }
    }
}

static void save_book(cb_net *net)
{
    cb_store *s = net->host.store;
    int64_t now = cb_net_now(net);
    /* What the book let go leaves the table too: it stays bounded. */
    cb_addr_entry gone[256];
    size_t ngone;
    while ((ngone = cb_addrbook_take_gone(net->book, gone, 256)) > 0)
        for (size_t i = 0; i < ngone; i++)
            if (cb_store_forget_peer(s, gone[i].host, gone[i].port) != CB_OK) {
                cb_log(net->host.log, "store: cannot forget a peer: %s", cb_store_last_error(s));
                return;
            }
    for (size_t i = 0; i < cb_addrbook_count(net->book); i++) {
        const cb_addr_entry *e = cb_addrbook_at(net->book, i);
        cb_peer_record r;
        memset(&r, 0, sizeof r);
        snprintf(r.host, sizeof r.host, "%s", e->host);
        r.port = e->port;
        r.last_seen = e->last_seen;
        r.last_try = e->last_try;
        r.failures = e->failures;
        if (cb_store_put_peer(s, &r) != CB_OK) {
            cb_log(net->host.log, "store: cannot save a peer: %s", cb_store_last_error(s));
            return;
        }
    }
    /* A ban is a row with port 0, its subnet in the host column; all of
     * them are kept. */
    size_t nb = cb_banlist_prune(net->bans, now);
    for (size_t i = 0; i < nb; i++) {
        const cb_ban *ban = cb_banlist_at(net->bans, i);
        cb_peer_record r;
        memset(&r, 0, sizeof r);
        cb_subnet_format(r.host, &ban->subnet);
        r.banned_until = ban->until;
        if (cb_store_put_peer(s, &r) != CB_OK)
            return;
    }
    net->book_dirty = false;
    net->last_save = now;
}

static void check_peer_timers(cb_net *net, cb_peer *p, int64_t now, int64_t now_ms)
{
    cb_net_serve_deferred(p, now_ms);
    if (!p->tcp_up) {
        if (now - p->connected_at > CB_NET_CONNECT_TIMEOUT)
            cb_peer_close(p, "connect timed out");
        return;
    }
    if (!p->established) {
        if (now - p->connected_at > CB_NET_HANDSHAKE_TIMEOUT)
            cb_peer_close(p, "no handshake in time");
        return;
    }
    if (p->ping_nonce && now_ms - p->ping_sent_ms > CB_NET_PING_TIMEOUT * 1000) {
        cb_peer_close(p, "ping timeout");
        return;
    }
    if (now - p->last_recv > CB_NET_IDLE_TIMEOUT) {
        cb_peer_close(p, "idle");
        return;
    }
    if (!p->ping_nonce && now >= p->next_ping) {
        uint8_t buf[8];
        if (cb_random_bytes((uint8_t *)&p->ping_nonce, 8) != CB_OK || p->ping_nonce == 0)
            p->ping_nonce = (uint64_t)now_ms | 1;
        memcpy(buf, &p->ping_nonce, 8);
        p->ping_sent_ms = now_ms;
        p->next_ping = now + CB_NET_PING_INTERVAL;
        cb_peer_send(p, "ping", buf, 8);
    }
    (void)net;
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
    cb_net *net = arg;
    (void)fd;
    (void)what;
    int64_t now = cb_net_now(net), now_ms = cb_net_now_ms();
    for (cb_peer *p = net->peers; p; p = p->next)
        if (!p->closing)
            check_peer_timers(net, p, now, now_ms);
    cb_net_check_stalls(net, now_ms);
    cb_net_flush_tx(net);
    open_connections(net, now);
    if (net->book_dirty && now - net->last_save >= SAVE_EVERY)
        save_book(net);
}

/* The flood rule: too many new connections from one host in a short
 * window is an attack, not a peer. Returns: true when host goes over. */
static bool accept_flood(cb_net *net, const char *host, int64_t now)
{
    size_t cap = sizeof net->accepts / sizeof net->accepts[0];
    unsigned count = 0;
    for (size_t i = 0; i < cap; i++)
        if (net->accepts[i].at > now - CB_NET_FLOOD_WINDOW &&
            strcmp(net->accepts[i].host, host) == 0)
            count++;
    size_t slot = net->accept_pos++ % cap;
    snprintf(net->accepts[slot].host, sizeof net->accepts[slot].host, "%s", host);
    net->accepts[slot].at = now;
    return count + 1 > CB_NET_FLOOD_MAX;
}

/* A candidate for eviction and what protects it. */
typedef struct {
    cb_peer *p;
    cb_netgroup group;
    uint64_t group_key; /* a keyed hash of the group: unpredictable order */
    bool keep;
} evict_cand;

static int by_group_key(const void *a, const void *b)
{
    const evict_cand *x = a, *y = b;
    if (x->group_key != y->group_key)
        return x->group_key < y->group_key ? -1 : 1;
    return x->p->id < y->p->id ? -1 : x->p->id > y->p->id; /* the older first */
}

static int by_ping(const void *a, const void *b)
{
    const evict_cand *x = a, *y = b;
    int64_t px = x->p->ping_ms < 0 ? INT64_MAX : x->p->ping_ms;
    int64_t py = y->p->ping_ms < 0 ? INT64_MAX : y->p->ping_ms;
    return px < py ? -1 : px > py;
}

static int by_age(const void *a, const void *b)
{
    const evict_cand *x = a, *y = b;
    if (x->p->connected_at != y->p->connected_at)
        return x->p->connected_at < y->p->connected_at ? -1 : 1;
    return x->p->id < y->p->id ? -1 : x->p->id > y->p->id;
}

/* Protects the first `count` candidates not yet kept, in the order cmp
 * gives (candidates are re-sorted); with `measured`, only peers whose ping
 * was measured count. */
static void protect(evict_cand *c, size_t n, int (*cmp)(const void *, const void *), size_t count,
                    bool measured)
{
    qsort(c, n, sizeof *c, cmp);
    for (size_t i = 0; i < n && count > 0; i++) {
        if (measured && c[i].p->ping_ms < 0)
            break;
        if (!c[i].keep) {
            c[i].keep = true;
            count--;
        }
    }
}

/* Makes room for a new inbound peer when every slot is taken, as Core's
 * AttemptToEvictConnection: peers that are hard for an attacker to fake
 * are protected (4 from distinct network groups in an order nobody can
 * predict, the 8 of lowest ping, the longest connected half of the rest);
 * of those left, a discouraged one goes first, else the newest of the
 * network group that holds the most.
 * Returns: true when a peer was dropped. */
static bool evict_inbound(cb_net *net)
{
    size_t n = 0;
    for (cb_peer *p = net->peers; p; p = p->next)
        n += p->inbound && !p->closing && !p->manual;
    if (n == 0)
        return false;
    evict_cand *c = calloc(n, sizeof *c);
    if (!c)
        return false;
    size_t k = 0;
    for (cb_peer *p = net->peers; p && k < n; p = p->next) {
        if (!p->inbound || p->closing || p->manual)
            continue;
        c[k].p = p;
        c[k].group = p->group;
        uint64_t h = net->seed;
        for (size_t i = 0; i < sizeof c[k].group.b; i++)
            h = (h ^ c[k].group.b[i]) * 0x100000001b3ull;
        c[k].group_key = h;
        k++;
    }
    /* Distinct groups: the first of each group in keyed order, 4 of them. */
    qsort(c, n, sizeof *c, by_group_key);
    size_t kept = 0;
    for (size_t i = 0; i < n && kept < 4; i++) {
        if (i > 0 && cb_netgroup_equal(&c[i].group, &c[i - 1].group))
            continue;
        c[i].keep = true;
        kept++;
    }
    protect(c, n, by_ping, 8, true);
    size_t left = 0;
    for (size_t i = 0; i < n; i++)
        left += !c[i].keep;
    protect(c, n, by_age, left / 2, false);
    cb_peer *victim = NULL;
    for (size_t i = 0; i < n && !victim; i++)
        if (!c[i].keep && cb_banlist_discouraged(net->bans, c[i].p->host))
            victim = c[i].p;
    if (!victim) {
        /* The group with the most unprotected peers; its newest goes. */
        size_t best = 0;
        for (size_t i = 0; i < n; i++) {
            if (c[i].keep)
                continue;
            size_t same = 0;
            cb_peer *newest = NULL;
            for (size_t j = 0; j < n; j++) {
                if (c[j].keep || !cb_netgroup_equal(&c[i].group, &c[j].group))
                    continue;
                same++;
                if (!newest || c[j].p->connected_at > newest->connected_at ||
                    (c[j].p->connected_at == newest->connected_at && c[j].p->id > newest->id))
                    newest = c[j].p;
            }
            if (same > best) {
                best = same;
                victim = newest;
            }
        }
    }
    free(c);
    if (!victim)
        return false;
    cb_log(net->host.log, "inbound slots full: evicting peer %llu (%s) for a newcomer",
           (unsigned long long)victim->id, victim->host);
    cb_peer_close(victim, "evicted for a new inbound peer");
    return true;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
    cb_net *net = arg;
    char host[CB_ADDR_HOST_MAX];
    uint16_t port;
    int64_t now = cb_net_now(net);
    (void)l;
    (void)salen;
    sockaddr_host(sa, host, sizeof host, &port);
    if (!host[0] || cb_banlist_banned(net->bans, host, now)) {
        evutil_closesocket(fd);
        return;
    }
    if (accept_flood(net, host, now)) {
        /* Many users may share one address (a classroom behind NAT): a
         * flood discourages it, and does not lock it out. */
        evutil_closesocket(fd);
        if (!cb_banlist_discouraged(net->bans, host))
            cb_log(net->host.log, "discouraging %s: connection flood", host);
        cb_banlist_discourage(net->bans, host);
        for (cb_peer *p = net->peers; p; p = p->next)
            if (!p->closing && strcmp(p->host, host) == 0)
                cb_peer_close(p, "connection flood");
        return;
    }
    size_t in, out;
    cb_net_counts(net, &in, &out);
    /* A discouraged address gets a slot only while others are free. */
    if (cb_banlist_discouraged(net->bans, host) && in + 1 >= net->cfg.max_inbound) {
        cb_log_debug(net->host.log, "inbound slots nearly full; refusing discouraged %s", host);
        evutil_closesocket(fd);
        return;
    }
    /* One network group takes a few inbound slots at most (a local
     * network's all share the local group, and are not limited). */
    cb_netgroup g;
    if (cb_netgroup_of(host, &g) && !cb_netgroup_is_local(&g)) {
        size_t same = 0;
        for (cb_peer *p = net->peers; p; p = p->next)
            same += !p->closing && p->inbound && cb_netgroup_equal(&p->group, &g);
        if (same >= CB_NET_INBOUND_PER_GROUP) {
            cb_log_debug(net->host.log, "refusing %s: its network group has %zu inbound peers",
                         host, same);
            evutil_closesocket(fd);
            return;
        }
    }
    if (in >= net->cfg.max_inbound && !evict_inbound(net)) {
        cb_log_debug(net->host.log, "inbound slots full; refusing %s", host);
        evutil_closesocket(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct bufferevent *bev = bufferevent_socket_new(net->host.base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        evutil_closesocket(fd);
        return;
    }
    if (!cb_peer_new(net, bev, host, port, true))
        bufferevent_free(bev);
}

static cb_err add_manual(cb_net *net, const char *text, bool onetry)
{
    char host[CB_ADDR_HOST_MAX];
    uint16_t port;
    if (parse_hostport(text, net->host.params->p2p_port, host, sizeof host, &port) != CB_OK)
        return CB_ERR_ARG;
    for (size_t i = 0; i < net->nmanual; i++) {
        if (net->manual[i].port == port && strcmp(net->manual[i].host, host) == 0) {
            if (!onetry)
                return CB_ERR_DUPLICATE;
            /* Core's onetry dials now: so does a kept address, whatever
             * its back-off (the next tick tries it). */
            net->manual[i].last_try = 0;
            return CB_OK;
        }
    }
    if (net->nmanual == CB_NET_MAX_MANUAL)
        return CB_ERR_TOO_LARGE;
    cb_manual_peer *m = &net->manual[net->nmanual++];
    memset(m, 0, sizeof *m);
    snprintf(m->host, sizeof m->host, "%s", host);
    m->port = port;
    m->onetry = onetry;
    return CB_OK;
}

cb_err cb_net_addnode(cb_net *net, const char *addr, const char *mode)
{
    if (strcmp(mode, "add") == 0 || strcmp(mode, "onetry") == 0)
        return add_manual(net, addr, mode[0] == 'o');
    if (strcmp(mode, "remove") != 0)
        return CB_ERR_ARG;
    char host[CB_ADDR_HOST_MAX];
    uint16_t port;
    if (parse_hostport(addr, net->host.params->p2p_port, host, sizeof host, &port) != CB_OK)
        return CB_ERR_ARG;
    for (size_t i = 0; i < net->nmanual; i++) {
        if (net->manual[i].port == port && strcmp(net->manual[i].host, host) == 0) {
            net->manual[i] = net->manual[--net->nmanual];
            return CB_OK;
        }
    }
    return CB_ERR_NOT_FOUND;
}

cb_err cb_net_disconnect(cb_net *net, const char *addr, uint64_t id)
{
    for (cb_peer *p = net->peers; p; p = p->next) {
        if (p->closing)
            continue;
        char text[CB_NET_ADDR_MAX];
        cb_peer_addr_text(p, text, sizeof text);
        if ((addr && strcmp(addr, text) == 0) || (!addr && p->id == id)) {
            cb_peer_close(p, "disconnectnode");
            return CB_OK;
        }
    }
    return CB_ERR_NOT_FOUND;
}

cb_err cb_net_setban(cb_net *net, const char *subnet, bool add, int64_t until)
{
    cb_subnet sn;
    if (cb_subnet_parse(&sn, subnet) != CB_OK)
        return CB_ERR_ARG;
    int64_t now = cb_net_now(net);
    cb_peer_record r;
    memset(&r, 0, sizeof r);
    cb_subnet_format(r.host, &sn);
    if (!add) {
        if (!cb_banlist_remove(net->bans, &sn))
            return CB_ERR_NOT_FOUND;
        if (cb_store_put_peer(net->host.store, &r) != CB_OK)
            cb_log(net->host.log, "store: cannot lift a ban");
        return CB_OK;
    }
    if (cb_banlist_has(net->bans, &sn, now))
        return CB_ERR_DUPLICATE;
    cb_err err = cb_banlist_add(net->bans, &sn, now, until, "manually added");
    if (err != CB_OK)
        return err;
    /* Saved at once, on its own row: a ban outlives a crash. */
    r.banned_until = until;
    if (cb_store_put_peer(net->host.store, &r) != CB_OK)
        cb_log(net->host.log, "store: cannot save a ban: %s", cb_store_last_error(net->host.store));
    for (cb_peer *p = net->peers; p; p = p->next)
        if (!p->closing && cb_subnet_contains(&sn, p->host))
            cb_peer_close(p, "banned by setban");
    return CB_OK;
}

void cb_net_clearbans(cb_net *net)
{
    size_t n = cb_banlist_prune(net->bans, cb_net_now(net));
    for (size_t i = 0; i < n; i++) {
        cb_peer_record r;
        memset(&r, 0, sizeof r);
        cb_subnet_format(r.host, &cb_banlist_at(net->bans, i)->subnet);
        if (cb_store_put_peer(net->host.store, &r) != CB_OK)
            break;
    }
    cb_banlist_clear(net->bans);
}

cb_banlist *cb_net_banlist(cb_net *net)
{
    cb_banlist_prune(net->bans, cb_net_now(net));
    return net->bans;
}

size_t cb_net_peers(cb_net *net, cb_peer_info *out, size_t max)
{
    size_t n = 0;
    for (cb_peer *p = net->peers; p; p = p->next) {
        if (p->closing)
            continue;
        if (n < max) {
            cb_peer_info *i = &out[n];
            memset(i, 0, sizeof *i);
            i->id = p->id;
            cb_peer_addr_text(p, i->addr, sizeof i->addr);
            snprintf(i->local, sizeof i->local, "%s", p->local);
            i->inbound = p->inbound;
            i->manual = p->manual;
            i->established = p->established;
            i->version = p->ver.version;
            snprintf(i->user_agent, sizeof i->user_agent, "%s", p->ver.user_agent);
            i->start_height = p->ver.start_height;
            i->synced_headers = p->best_known ? (int64_t)p->best_known->height : -1;
            const cb_chain_entry *common =
                p->best_known ? cb_chain_common(p->best_known, cb_chain_tip(net->host.chain))
                              : NULL;
            i->synced_blocks = common ? (int64_t)common->height : -1;
            i->conn_time = p->connected_at;
            i->last_send = p->last_send;
            i->last_recv = p->last_recv;
            i->bytes_sent = p->bytes_sent;
            i->bytes_recv = p->bytes_recv;
            memcpy(i->sent_per_msg, p->sent_per_msg, sizeof i->sent_per_msg);
            memcpy(i->recv_per_msg, p->recv_per_msg, sizeof i->recv_per_msg);
            i->ping_seconds = p->ping_ms >= 0 ? (double)p->ping_ms / 1000.0 : -1;
            i->inflight = p->ninflight;
        }
        n++;
    }
    return n;
}

static cb_err load_book(cb_net *net)
{
    /* The book's 2,000 addresses and every ban (bans have no cap). */
    size_t cap = 1 << 16, n = 0;
    cb_peer_record *rows = calloc(cap, sizeof *rows);
    if (!rows)
        return CB_ERR_NOMEM;
    cb_err err = cb_store_list_peers(net->host.store, rows, cap, &n);
    if (err == CB_OK) {
        int64_t now = cb_net_now(net);
        for (size_t i = 0; i < n; i++) {
            cb_peer_record *r = &rows[i];
            struct sockaddr_storage ss;
            if (r->port == 0) {
                cb_subnet sn;
                r->host[sizeof r->host - 1] = '\0';
                if (r->banned_until <= now) {
                    /* An expired ban (or a lifted one) leaves the table. */
                    if (cb_store_forget_peer(net->host.store, r->host, 0) != CB_OK)
                        break;
                    continue;
                }
                if (cb_subnet_parse(&sn, r->host) == CB_OK &&
                    cb_banlist_add(net->bans, &sn, now, r->banned_until, "stored ban") != CB_OK)
                    break;
                continue;
            }
            if (!make_sockaddr(&ss, r->host, 1))
                continue; /* not an address of ours to trust */
            cb_addr_entry *e;
            if (cb_addrbook_add(net->book, r->host, r->port, r->last_seen, &e) == CB_OK) {
                e->last_try = 0; /* a restart may try everyone at once */
                e->failures = r->failures > 3 ? 3 : r->failures;
                e->tried = r->last_try > 0 && r->failures == 0;
            }
        }
    }
    free(rows);
    return err;
}

void cb_net_config_default(cb_net_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->listen = true;
    cfg->max_outbound = 8;
    cfg->max_inbound = 117;
    cfg->bantime = 86400;
}

cb_err cb_net_start(cb_net **out, const cb_net_host *host, const cb_net_config *cfg, char *msg,
                    size_t msglen)
{
    cb_err err = CB_ERR_NOMEM;
    *out = NULL;
    cb_net *net = calloc(1, sizeof *net);
    if (!net) {
        snprintf(msg, msglen, "out of memory starting the network");
        return CB_ERR_NOMEM;
    }
    net->host = *host;
    net->cfg = *cfg;
    net->trace = cfg->trace;
    if (cfg->pcap[0]) {
        err = cb_pcap_open(&net->pcap, cfg->pcap, cfg->pcap_max ? cfg->pcap_max : (1ULL << 30), msg,
                           msglen);
        if (err != CB_OK)
            goto fail;
        cb_log(host->log, "capturing P2P messages into %s", cfg->pcap);
    }
    if (net->cfg.bantime <= 0)
        net->cfg.bantime = 86400;
    if (cb_random_bytes((uint8_t *)&net->nonce, 8) != CB_OK ||
        cb_random_bytes((uint8_t *)&net->seed, 8) != CB_OK) {
        snprintf(msg, msglen, "no randomness from the OS");
        err = CB_ERR_RANDOM;
        goto fail;
    }
    net->book = cb_addrbook_new(2000, net->seed);
    net->bans = cb_banlist_new(net->seed ^ 4);
    net->requested = cb_keymap_new(32, net->seed ^ 1);
    net->tx_requested = cb_keymap_new(32, net->seed ^ 2);
    net->rejected = cb_keymap_new(32, net->seed ^ 3);
    net->tick_ev = event_new(host->base, -1, EV_PERSIST, tick, net);
    net->reap_ev = event_new(host->base, -1, 0, reap, net);
    if (!net->book || !net->bans || !net->requested || !net->tx_requested || !net->rejected ||
        !net->tick_ev || !net->reap_ev) {
        snprintf(msg, msglen, "out of memory starting the network");
        goto fail;
    }
    if (load_book(net) != CB_OK)
        cb_log(host->log, "store: cannot read known peers: %s", cb_store_last_error(host->store));
    for (size_t i = 0; i < cfg->nconnect; i++) {
        err = add_manual(net, cfg->connect[i], false);
        if (err != CB_OK && err != CB_ERR_DUPLICATE) {
            snprintf(msg, msglen, "bad -connect address '%s'", cfg->connect[i]);
            err = CB_ERR_ARG;
            goto fail;
        }
    }
    net->connect_only = cfg->connect_only || cfg->nconnect > 0;
    for (size_t i = 0; i < cfg->naddnode; i++) {
        err = add_manual(net, cfg->addnode[i], false);
        if (err != CB_OK && err != CB_ERR_DUPLICATE) {
            snprintf(msg, msglen, "bad -addnode address '%s'", cfg->addnode[i]);
            err = CB_ERR_ARG;
            goto fail;
        }
    }
    if (cfg->listen) {
        struct sockaddr_storage ss;
        const char *bind = cfg->bind[0] ? cfg->bind : "0.0.0.0";
        socklen_t sl = make_sockaddr(&ss, bind, net->cfg.port);
        if (!sl) {
            snprintf(msg, msglen, "bad -bind address '%s'", bind);
            err = CB_ERR_ARG;
            goto fail;
        }
        net->listener = evconnlistener_new_bind(host->base, on_accept, net,
                                                LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
                                                    LEV_OPT_CLOSE_ON_EXEC,
                                                64, (struct sockaddr *)&ss, (int)sl);
        if (!net->listener) {
            int why = errno;
            snprintf(msg, msglen, "cannot listen for peers on %s port %u: %s", bind,
                     (unsigned)net->cfg.port, strerror(why));
            err = why == EADDRINUSE ? CB_ERR_ADDR_IN_USE : CB_ERR_ARG;
            goto fail;
        }
        /* Port 0 asks the system for a free one: which it gave is read back. */
        net->port = net->cfg.port;
        struct sockaddr_storage got;
        socklen_t gl = sizeof got;
        char ignored[CB_ADDR_HOST_MAX];
        if (getsockname(evconnlistener_get_fd(net->listener), (struct sockaddr *)&got, &gl) == 0)
            sockaddr_host((const struct sockaddr *)&got, ignored, sizeof ignored, &net->port);
        cb_log(host->log, "listening for peers on %s port %u", bind, (unsigned)net->port);
    }
    struct timeval tv = {0, TICK_MS * 1000};
    if (event_add(net->tick_ev, &tv) != 0) {
        snprintf(msg, msglen, "cannot start the network timer");
        goto fail;
    }
    net->last_save = cb_net_now(net);
    *out = net;
    return CB_OK;
fail:
    cb_net_free(net);
    return err;
}

void cb_net_free(cb_net *net)
{
    if (!net)
        return;
    if (net->listener)
        evconnlistener_free(net->listener);
    if (net->book && net->host.store)
        save_book(net);
    while (net->peers) {
        cb_peer *p = net->peers;
        net->peers = p->next;
        cb_peer_free(p);
    }
    for (size_t i = 0; i < net->norphans; i++)
        cb_block_clear(&net->orphans[i].block);
    if (net->tick_ev)
        event_free(net->tick_ev);
    if (net->reap_ev)
        event_free(net->reap_ev);
    cb_keymap_free(net->requested);
    cb_keymap_free(net->tx_requested);
    cb_keymap_free(net->rejected);
    cb_addrbook_free(net->book);
    cb_banlist_free(net->bans);
    cb_pcap_close(net->pcap);
    free(net);
}
