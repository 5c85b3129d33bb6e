#include "web/web.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/hex.h"
#include "rpc/http_cap.h"
#include "web/web_assets.h"
#include "web/web_internal.h"

/* An events client may fall this far behind (bytes queued for it) before
 * it is cut: a client that never reads holds no more than this. */
#define EVENTS_BACKLOG (256 * 1024)
/* Blocks named one by one in the events of one tip change (more are
 * counted in the "tip" event only). */
#define EVENTS_BLOCKS_MAX 100
#define MAX_PEERS_SEEN 1024

typedef struct events_client {
    struct cb_web *web;
    struct evhttp_request *req;
    struct evhttp_connection *conn;
    struct events_client *next;
} events_client;

struct cb_web {
    cb_rpc_ctx ctx;
    cb_web_config cfg;
    cb_logger *log;
    struct evhttp *http;
    cb_http_cap *cap;
    uint16_t port;
    events_client *clients;
    unsigned nclients;
    uint64_t event_id;
    struct event *tick_ev; /* each second: peers' comings and goings, keepalive */
    unsigned ticks;
    uint64_t peers_seen[MAX_PEERS_SEEN];
    size_t npeers_seen;
    /* For /metrics, since start. */
    uint64_t connected, disconnected, reorgs, requests, refused;
};

/* ---- events ---- */

static void drop_client(events_client *c)
{
    cb_web *w = c->web;
    for (events_client **p = &w->clients; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            w->nclients--;
            break;
        }
    }
    free(c);
}

/* evhttp closes the connection (the client left, or we cut it). A client
 * that left mid-stream had its request detached from the connection
 * (libevent leaves ending it to us: that frees it); one we cut, or the
 * server's end, still holds it, and the connection frees it. */
static void client_closed(struct evhttp_connection *conn, void *arg)
{
    events_client *c = arg;
    (void)conn;
    if (!evhttp_request_get_connection(c->req))
        evhttp_send_reply_end(c->req);
    drop_client(c);
}

static void send_text(cb_web *w, const char *text)
{
    for (events_client *c = w->clients, *next; c; c = next) {
        next = c->next;
        struct bufferevent *bev = evhttp_connection_get_bufferevent(c->conn);
        if (bev && evbuffer_get_length(bufferevent_get_output(bev)) > EVENTS_BACKLOG) {
            cb_log_debug(w->log, "web: an events client fell %d KiB behind: cut",
                         EVENTS_BACKLOG / 1024);
            evhttp_connection_free(c->conn); /* calls client_closed */
            continue;
        }
        struct evbuffer *b = evbuffer_new();
        if (!b)
            continue;
        evbuffer_add(b, text, strlen(text));
        evhttp_send_reply_chunk(c->req, b);
        evbuffer_free(b);
    }
}

/* Sends one event to every client: "event: TYPE", its id, the data. */
static void emit(cb_web *w, const char *type, json_t *data)
{
    if (!data)
        return;
    if (w->clients) {
        char *text = json_dumps(data, JSON_COMPACT);
        size_t cap = (text ? strlen(text) : 0) + strlen(type) + 64;
        char *msg = text ? malloc(cap) : NULL;
        if (msg) {
            snprintf(msg, cap, "event: %s\nid: %llu\ndata: %s\n\n", type,
                     (unsigned long long)++w->event_id, text);
            send_text(w, msg);
        }
        free(msg);
        free(text);
    }
    json_decref(data);
}

static json_t *block_event(const cb_chain_entry *e)
{
    char hex[65];
    cb_hash_to_hex(hex, e->hash);
    return json_pack("{s:s,s:I,s:I}", "hash", hex, "height", (json_int_t)e->height, "time",
                     (json_int_t)e->header.time);
}

void cb_web_tip_changed(cb_web *w, const cb_chain_entry *old_tip)
{
    if (!w)
        return;
    const cb_chain_entry *tip = cb_chain_tip(cb_node_chain(w->ctx.node));
    if (!tip || tip == old_tip)
        return;
    const cb_chain_entry *fork = old_tip ? cb_chain_common(old_tip, tip) : NULL;
    uint32_t base = fork ? fork->height : 0;
    uint32_t gone = old_tip && fork ? old_tip->height - base : 0;
    uint32_t came = tip->height - (fork ? base : 0) + (fork ? 0 : 1);
    w->disconnected += gone;
    w->connected += came;
    if (gone)
        w->reorgs++;
    if (!w->clients)
        return; /* counted; nobody to tell */
    /* Tip first, then each block gone (old tip first), then each come
     * (lowest first), then the reorganisation that sums it up. */
    const cb_chain_entry *e = old_tip;
    for (uint32_t i = 0; i < gone && e; i++, e = e->prev)
        if (i < EVENTS_BLOCKS_MAX)
            emit(w, "block_disconnected", block_event(e));
    uint32_t first = tip->height - came + 1;
    for (uint32_t h = first; h <= tip->height; h++) {
        if (tip->height - h >= EVENTS_BLOCKS_MAX)
            continue; /* only the last ones by name */
        const cb_chain_entry *x = cb_chain_ancestor(tip, h);
        if (x)
            emit(w, "block_connected", block_event(x));
    }
    if (gone) {
        char oldh[65], newh[65];
        cb_hash_to_hex(oldh, old_tip->hash);
        cb_hash_to_hex(newh, tip->hash);
        emit(w, "reorg",
             json_pack("{s:s,s:s,s:I,s:I,s:I}", "old_tip", oldh, "new_tip", newh, "fork_height",
                       (json_int_t)base, "disconnected", (json_int_t)gone, "connected",
                       (json_int_t)came));
    }
    json_t *t = block_event(tip);
    json_object_set_new(t, "connected", json_integer(came));
    json_object_set_new(t, "disconnected", json_integer(gone));
    emit(w, "tip", t);
}

static void tx_event(cb_web *w, const char *type, const uint8_t txid[32])
{
    if (!w || !w->clients)
        return;
    char hex[65];
    cb_hash_to_hex(hex, txid);
    emit(w, type, json_pack("{s:s}", "txid", hex));
}

void cb_web_tx_accepted(cb_web *w, const uint8_t txid[32])
{
    tx_event(w, "tx_accepted", txid);
}

void cb_web_tx_returned(cb_web *w, const uint8_t txid[32])
{
    tx_event(w, "tx_returned", txid);
}

void cb_web_tx_refused(cb_web *w, const uint8_t txid[32], cb_err err)
{
    if (!w)
        return;
    w->refused++;
    if (!w->clients)
        return;
    char hex[65];
    cb_rejection r;
    cb_hash_to_hex(hex, txid);
    bool known = cb_node_rejection_find(w->ctx.node, txid, &r);
    emit(w, "tx_refused",
         json_pack("{s:s,s:s,s:s}", "txid", hex, "reason", cb_err_reason(err), "message",
                   known ? r.why : cb_strerror(err)));
}

/* Peers come and go without the node telling: each second the list is
 * compared with the last one. */
static void peers_diff(cb_web *w)
{
    cb_rpc_error err;
    json_t *peers = w->ctx.net ? cb_web_call(&w->ctx, "getpeerinfo", json_array(), &err) : NULL;
    uint64_t now[MAX_PEERS_SEEN];
    size_t n = 0, i;
    json_t *p;
    json_array_foreach(peers, i, p)
    {
        json_t *hs = json_object_get(p, "handshake");
        if (n == MAX_PEERS_SEEN || !json_is_true(hs))
            continue;
        uint64_t id = (uint64_t)json_integer_value(json_object_get(p, "id"));
        now[n++] = id;
        bool known = false;
        for (size_t k = 0; k < w->npeers_seen && !known; k++)
            known = w->peers_seen[k] == id;
        if (!known)
            emit(w, "peer_connected",
                 json_pack("{s:I,s:O,s:O}", "id", (json_int_t)id, "addr",
                           json_object_get(p, "addr"), "inbound", json_object_get(p, "inbound")));
    }
    for (size_t k = 0; k < w->npeers_seen; k++) {
        bool still = false;
        for (size_t j = 0; j < n && !still; j++)
            still = now[j] == w->peers_seen[k];
        if (!still)
            emit(w, "peer_disconnected", json_pack("{s:I}", "id", (json_int_t)w->peers_seen[k]));
    }
    memcpy(w->peers_seen, now, n * sizeof *now);
    w->npeers_seen = n;
    json_decref(peers);
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
    cb_web *w = arg;
    (void)fd;
    (void)what;
    if (!w->clients)
        return; /* nobody to tell: the first client takes a fresh list */
    peers_diff(w);
    if (++w->ticks % 15 == 0 && w->clients)
        send_text(w, ": keepalive\n\n"); /* proxies and browsers keep it open */
}

static void start_events(cb_web *w, struct evhttp_request *req)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    if (w->nclients >= w->cfg.max_events) {
        evhttp_add_header(out, "Retry-After", "10");
        evhttp_send_error(req, 503, "too many event clients");
        return;
    }
    events_client *c = calloc(1, sizeof *c);
    if (!c) {
        evhttp_send_error(req, 500, "out of memory");
        return;
    }
    if (!w->clients)
        peers_diff(w); /* the peers now, told to nobody: later ones are news */
    c->web = w;
    c->req = req;
    c->conn = evhttp_request_get_connection(req);
    c->next = w->clients;
    w->clients = c;
    w->nclients++;
    /* Its own timeout: an idle stream gets a keepalive every 15 s; one
     * that stops reading is cut by its backlog, not by time. */
    evhttp_connection_set_timeout(c->conn, 3600);
    /* A small kernel buffer too, so a client that stops reading shows in
     * our backlog soon, and the kernel holds little for it either. */
    struct bufferevent *bev = evhttp_connection_get_bufferevent(c->conn);
    int sndbuf = 32 * 1024;
    if (bev)
        setsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    evhttp_connection_set_closecb(c->conn, client_closed, c);
    evhttp_add_header(out, "Content-Type", "text/event-stream");
    evhttp_add_header(out, "Cache-Control", "no-store");
    evhttp_add_header(out, "Access-Control-Allow-Origin", "*");
    evhttp_send_reply_start(req, 200, "OK");
    struct evbuffer *b = evbuffer_new();
    if (b) {
        const cb_chain_entry *tip = cb_chain_tip(cb_node_chain(w->ctx.node));
        char hex[65];
        cb_hash_to_hex(hex, tip->hash);
        evbuffer_add_printf(b,
                            "retry: 2000\nevent: hello\ndata: {\"hash\":\"%s\",\"height\":%u}\n\n",
                            hex, (unsigned)tip->height);
        evhttp_send_reply_chunk(req, b);
        evbuffer_free(b);
    }
}

/* ---- metrics ---- */

static void metric(struct evbuffer *b, const char *name, const char *type, const char *help,
                   const char *labels, double v)
{
    if (help)
        evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    evbuffer_add_printf(b, "%s%s %.17g\n", name, labels ? labels : "", v);
}

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : 0;
}

static void metrics(cb_web *w, struct evbuffer *b)
{
    cb_rpc_error err;
    json_t *chain = cb_web_call(&w->ctx, "getblockchaininfo", json_array(), &err);
    json_t *mining = cb_web_call(&w->ctx, "getmininginfo", json_array(), &err);
    json_t *pool = cb_web_call(&w->ctx, "getmempoolinfo", json_array(), &err);
    json_t *net = w->ctx.net ? cb_web_call(&w->ctx, "getnetworkinfo", json_array(), &err) : NULL;
    json_t *bans = w->ctx.net ? cb_web_call(&w->ctx, "listbanned", json_array(), &err) : NULL;
    metric(b, "coinbit_blocks", "gauge", "Height of the active chain.", NULL, num(chain, "blocks"));
    metric(b, "coinbit_headers", "gauge", "Height of the best header known.", NULL,
           num(chain, "headers"));
    metric(b, "coinbit_difficulty", "gauge", "Difficulty of the next block.", NULL,
           num(mining, "difficulty"));
    metric(b, "coinbit_hashrate", "gauge", "This node's miner, hashes per second.", NULL,
           num(mining, "hashespersec"));
    metric(b, "coinbit_peers", "gauge", "Peers connected, by direction.", "{direction=\"in\"}",
           num(net, "connections_in"));
    metric(b, "coinbit_peers", "gauge", NULL, "{direction=\"out\"}", num(net, "connections_out"));
    metric(b, "coinbit_mempool_transactions", "gauge", "Payments waiting in the mempool.", NULL,
           num(pool, "size"));
    metric(b, "coinbit_mempool_bytes", "gauge", "Bytes of the payments in the mempool.", NULL,
           num(pool, "bytes"));
    metric(b, "coinbit_blocks_connected_total", "counter",
           "Blocks connected to the active chain since start.", NULL, (double)w->connected);
    metric(b, "coinbit_blocks_disconnected_total", "counter",
           "Blocks disconnected from the active chain since start.", NULL, (double)w->disconnected);
    metric(b, "coinbit_reorganizations_total", "counter",
           "Tip changes that disconnected blocks, since start.", NULL, (double)w->reorgs);
    metric(b, "coinbit_payments_refused_total", "counter",
           "Payments offered to this node and refused, since start.", NULL, (double)w->refused);
    metric(b, "coinbit_bans", "gauge", "Addresses and subnets banned now.", NULL,
           (double)json_array_size(bans));
    metric(b, "coinbit_rpc_calls_total", "counter", "JSON-RPC method calls since start.", NULL,
           w->cfg.rpc_calls ? (double)w->cfg.rpc_calls(w->cfg.rpc_calls_ctx) : 0);
    metric(b, "coinbit_web_requests_total", "counter", "Web view requests since start.", NULL,
           (double)w->requests);
    metric(b, "coinbit_web_event_clients", "gauge", "Clients of /events now.", NULL,
           (double)w->nclients);
    json_decref(chain);
    json_decref(mining);
    json_decref(pool);
    json_decref(net);
    json_decref(bans);
}

/* ---- requests ---- */

static void send_body(struct evhttp_request *req, int status, const char *type, const void *data,
                      size_t len)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "Content-Type", type);
    evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(out, "Referrer-Policy", "no-referrer");
    struct evbuffer *b = evbuffer_new();
    if (!b) {
        evhttp_send_error(req, 500, "out of memory");
        return;
    }
    if (evhttp_request_get_command(req) != EVHTTP_REQ_HEAD)
        evbuffer_add(b, data, len);
    evhttp_send_reply(req, status, status == 200 ? "OK" : status == 404 ? "Not Found" : "Error", b);
    evbuffer_free(b);
}

static void send_json(struct evhttp_request *req, int status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "Cache-Control", "no-store");
    /* Read-only public data: another node's network page may read it. */
    evhttp_add_header(out, "Access-Control-Allow-Origin", "*");
    if (!text) {
        send_body(req, 500, "application/json", "{\"error\":{\"code\":500}}", 22);
    } else {
        send_body(req, status, "application/json", text, strlen(text));
        free(text);
    }
    json_decref(body);
}

static const cb_web_asset *asset(const char *path)
{
    for (const cb_web_asset *a = cb_web_assets; a->path; a++)
        if (strcmp(a->path, path) == 0)
            return a;
    return NULL;
}

static void on_request(struct evhttp_request *req, void *arg)
{
    cb_web *w = arg;
    w->requests++;
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
        evhttp_send_error(req, 405, "read-only: GET and HEAD only");
        return;
    }
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
    if (!path || !*path)
        path = "/";
    if (strlen(path) > 256) {
        send_json(req, 404,
                  json_pack("{s:{s:i,s:s}}", "error", "code", 404, "message", "no such page"));
        return;
    }
    if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
        const cb_web_asset *a = asset("/static/index.html");
        struct evkeyvalq *out = evhttp_request_get_output_headers(req);
        /* Its own files only (and other nodes' /api/ for the network view). */
        evhttp_add_header(out, "Content-Security-Policy",
                          "default-src 'self'; connect-src *; img-src 'self' data:; "
                          "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
        evhttp_add_header(out, "Cache-Control", "no-cache");
        send_body(req, 200, a->type, a->data, a->len);
        return;
    }
    if (strncmp(path, "/static/", 8) == 0) {
        const cb_web_asset *a = asset(path);
        if (a) {
            evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control",
                              "max-age=300");
            send_body(req, 200, a->type, a->data, a->len);
            return;
        }
    } else if (strncmp(path, "/api/", 5) == 0) {
        cb_web_reply r = cb_web_api(&w->ctx, path + 5, query);
        send_json(req, r.status, r.body);
        return;
    } else if (strcmp(path, "/events") == 0) {
        start_events(w, req);
        return;
    } else if (strcmp(path, "/metrics") == 0) {
        struct evbuffer *b = evbuffer_new();
        if (!b) {
            evhttp_send_error(req, 500, "out of memory");
            return;
        }
        metrics(w, b);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                          "text/plain; version=0.0.4; charset=utf-8");
        evhttp_send_reply(req, 200, "OK", b);
        evbuffer_free(b);
        return;
    }
    send_body(req, 404, "text/plain; charset=utf-8", "no such page\n", 13);
}

cb_err cb_web_start(cb_web **out, const cb_rpc_ctx *ctx, const cb_web_config *cfg, char *msg,
                    size_t msglen)
{
    *out = NULL;
    cb_web *w = calloc(1, sizeof *w);
    if (!w)
        return CB_ERR_NOMEM;
    w->ctx = *ctx;
    w->cfg = *cfg;
    if (!w->cfg.max_conns)
        w->cfg.max_conns = 64;
    if (!w->cfg.max_events)
        w->cfg.max_events = 32;
    if (w->cfg.max_events >= w->cfg.max_conns)
        w->cfg.max_events = w->cfg.max_conns / 2;
    w->log = cb_node_logger(ctx->node);
    struct event_base *base = cb_node_base(ctx->node);
    w->http = evhttp_new(base);
    w->tick_ev = event_new(base, -1, EV_PERSIST, tick, w);
    if (!w->http || !w->tick_ev) {
        cb_web_stop(w);
        return CB_ERR_NOMEM;
    }
    evhttp_set_max_body_size(w->http, 4096); /* it takes no body: a small one gets 405 */
    evhttp_set_max_headers_size(w->http, 16 * 1024);
    evhttp_set_timeout(w->http, 30);
    evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
    evhttp_set_gencb(w->http, on_request, w);
    const char *bind = cfg->bind[0] ? cfg->bind : "127.0.0.1";
    errno = 0;
    struct evhttp_bound_socket *bound = evhttp_bind_socket_with_handle(w->http, bind, cfg->port);
    if (!bound) {
        int why = errno;
        snprintf(msg, msglen, "cannot listen for the web view on %s:%u (%s)", bind,
                 (unsigned)cfg->port,
                 why == EADDRINUSE ? "the port is taken: -webport=N, or -web=0"
                 : why             ? strerror(why)
                                   : "not an address to listen on");
        cb_web_stop(w);
        return why == EADDRINUSE ? CB_ERR_ADDR_IN_USE : CB_ERR_ARG;
    }
    w->cap = cb_http_cap_new(w->http, bound, base, w->cfg.max_conns, w->log, "web");
    struct timeval second = {1, 0};
    if (!w->cap || event_add(w->tick_ev, &second) != 0) {
        cb_web_stop(w);
        return CB_ERR_NOMEM;
    }
    w->port = cb_http_cap_port(w->cap);
    cb_log(w->log, "web view on http://%s:%u/", bind, (unsigned)w->port);
    *out = w;
    return CB_OK;
}

uint16_t cb_web_port(const cb_web *w)
{
    return w ? w->port : 0;
}

void cb_web_stop(cb_web *w)
{
    if (!w)
        return;
    if (w->tick_ev)
        event_free(w->tick_ev);
    /* Freeing the server closes each events connection (client_closed). */
    if (w->http)
        evhttp_free(w->http);
    while (w->clients)
        drop_client(w->clients);
    cb_http_cap_free(w->cap);
    free(w);
}
