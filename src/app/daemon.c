#include "app/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/address.h"
#include "node/chainstore.h"

/* Every option a node takes: the names it knows, -help, the manual page
 * (made from -help) and the example coinbit.conf all come from here. */
const cb_option_doc cb_daemon_option_docs[] = {
    {"datadir", "DIR", "data directory (default ~/.coinbit; regtest in DIR/regtest)", false},
    {"conf", "FILE", "configuration file (default DIR/coinbit.conf)", true},
    {"regtest", NULL, "the regression-test network", false},
    {"rpcport", "N", "JSON-RPC port (default 8832, regtest 18832; 0: any free one)", false},
    {"rpcbind", "ADDR", "JSON-RPC address (default 127.0.0.1)", false},
    {"rpcuser", "USER", "a user name for JSON-RPC besides the cookie (with -rpcpassword)", false},
    {"rpcpassword", "PASS", "that user's password", false},
    {"rpccookieperms", "WHO", "who may read the cookie: owner (default), group or all", false},
    {"db", "URI", "database: a SQLite file path (default DIR/coinbit.db) or mysql://...", false},
    {"dbpassword", "PASS", "the MySQL password (or COINBIT_DB_PASSWORD in the environment)", false},
    {"mine", NULL, "mine continuously (needs -mineto)", false},
    {"mineto", "ADDRESS", "where mined coins go", false},
    {"minethreads", "N", "mining threads (default: all cores)", false},
    {"minerimpl", "NAME", "avx512, shani, avx2 or portable (default: fastest here)", false},
    {"port", "N", "P2P port (default 8833, regtest 18833; 0: any free one)", false},
    {"listen", NULL, "accept peers (default 1; -listen=0: do not)", false},
    {"bind", "ADDR", "listen for peers on ADDR only (default: every interface)", false},
    {"connect", "HOST:PORT", "connect to this peer only (repeatable; 0: to none)", false},
    {"addnode", "HOST:PORT", "keep this peer connected, besides discovered ones (repeatable)",
     false},
    {"maxconnections", "N", "at most N peers in all, 8 of them outbound (default 125)", false},
    {"bantime", "SECONDS", "how long a misbehaving peer is banned (default 86400)", false},
    {"web", NULL, "serve the web view (default 1; -web=0: do not)", false},
    {"webport", "N", "web view port (default 8834, regtest 18834; 0: any free one)", false},
    {"webbind", "ADDR", "web view address (default 127.0.0.1; it needs no login)", false},
    {"trace", "WHAT",
     "net: keep each peer's last messages for getpeermessages (settrace "
     "switches it)",
     false},
    {"checkblocks", "N",
     "at start, check the last N stored blocks again (default 6; 0: all, down to genesis); "
     "the rest are taken as the store recorded them",
     false},
    {"checklevel", "L",
     "how the last blocks are checked: 0 each body read back and checked but for its "
     "signatures, 1 signatures too, 2 and its undo data read, 3 and disconnecting and "
     "connecting them again on the stored state (default 3; 4, Core's highest, checks the "
     "same as 3, which connects them again already)",
     false},
    {"reindex", NULL,
     "replay every stored block in full and write the active chain's rows again (after a "
     "failed start-up check)",
     false},
    {"pcap", "FILE",
     "capture every P2P message into FILE (pcap, for Wireshark: Decode As Bitcoin; "
     "a relative name is in the data directory; at most 1 GiB)",
     false},
    {"mocktime", "SECONDS",
     "the node's clock starts at this unix time (setmocktime moves it; on main only for "
     "experiments on a private network, as the lessons do)",
     false},
    {"debug", NULL, "more detail in the log", false},
    {NULL, NULL, NULL, false}};

bool cb_daemon_knows(const char *name)
{
    for (const cb_option_doc *d = cb_daemon_option_docs; d->name; d++)
        if (strcmp(d->name, name) == 0)
            return true;
    return false;
}

void cb_daemon_print_options(FILE *f)
{
    for (const cb_option_doc *d = cb_daemon_option_docs; d->name; d++) {
        char left[48];
        snprintf(left, sizeof left, "-%s%s%s", d->name, d->arg ? "=" : "", d->arg ? d->arg : "");
        fprintf(f, "  %-20s %s\n", left, d->help);
    }
    fprintf(f, "  -version             print the version and exit\n"
               "  -help                print this and exit\n");
}

struct cb_daemon {
    cb_node *node;
    cb_net *net;
    cb_rpc_server *rpc;
    cb_web *web;
    char pidfile[PATH_MAX + 32];   /* "" until written */
    char portsfile[PATH_MAX + 32]; /* "" until written */
};

static int fail(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *msg, size_t msglen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
    return -1;
}

static int copy_text(char *dst, size_t cap, const char *name, const char *v, char *msg,
                     size_t msglen)
{
    if (strlen(v) >= cap)
        return fail(msg, msglen, "-%s is too long (at most %zu characters)", name, cap - 1);
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

/* The P2P options. */
static int parse_net(cb_daemon_config *cfg, const cb_options *all, char *msg, size_t msglen)
{
    cb_net_config *net = &cfg->net;
    bool listen = true;
    cfg->network = true;
    cb_net_config_default(net);
    if (cb_options_bool(all, "listen", true, &listen) != 0)
        return fail(msg, msglen, "-listen takes 0 or 1");
    net->listen = listen;
    net->port = cfg->node.params->p2p_port;
    const char *v = cb_options_get(all, "port");
    if (v && cb_parse_listen_port(v, &net->port) != 0)
        return fail(msg, msglen, "-port=%s is not a port number (0-65535; 0: any free one)", v);
    v = cb_options_get(all, "bind");
    if (v && copy_text(net->bind, sizeof net->bind, "bind", v, msg, msglen) != 0)
        return -1;
    for (size_t i = 0; i < all->n; i++) {
        const cb_option *o = &all->items[i];
        bool is_connect = strcmp(o->key, "connect") == 0;
        if (!is_connect && strcmp(o->key, "addnode") != 0)
            continue;
        if (is_connect)
            net->connect_only = true;
        if (is_connect && strcmp(o->value, "0") == 0)
            continue; /* -connect=0: no automatic connections at all */
        size_t *count = is_connect ? &net->nconnect : &net->naddnode;
        char(*list)[CB_NET_ADDR_MAX] = is_connect ? net->connect : net->addnode;
        if (*count == CB_NET_MAX_MANUAL || strlen(o->value) >= CB_NET_ADDR_MAX || !o->value[0])
            return fail(msg, msglen, "-%s=%s (%s): at most %d, each HOST:PORT", o->key, o->value,
                        o->where, CB_NET_MAX_MANUAL);
        memcpy(list[(*count)++], o->value, strlen(o->value) + 1);
    }
    long t;
    v = cb_options_get(all, "maxconnections");
    if (v) {
        if (cb_parse_long(v, 0, 1000, &t) != 0)
            return fail(msg, msglen, "-maxconnections=%s: a number from 0 to 1000", v);
        net->max_outbound = t < 8 ? (unsigned)t : 8;
        net->max_inbound = t > 8 ? (unsigned)(t - 8) : 0;
    }
    v = cb_options_get(all, "trace");
    if (v) {
        if (strcmp(v, "net") != 0 && strcmp(v, "0") != 0 && strcmp(v, "none") != 0)
            return fail(msg, msglen, "-trace=%s: net (or none)", v);
        net->trace = strcmp(v, "net") == 0;
    }
    v = cb_options_get(all, "pcap");
    if (v && v[0]) {
        int k = v[0] == '/' ? snprintf(net->pcap, sizeof net->pcap, "%s", v)
                            : snprintf(net->pcap, sizeof net->pcap, "%s/%s", cfg->node.datadir, v);
        if (k < 0 || (size_t)k >= sizeof net->pcap)
            return fail(msg, msglen, "-pcap=%s: the path is too long", v);
    }
    v = cb_options_get(all, "bantime");
    if (v) {
        if (cb_parse_long(v, 1, 10L * 365 * 86400, &t) != 0)
            return fail(msg, msglen, "-bantime=%s: a number from 1 to %ld", v, 10L * 365 * 86400);
        net->bantime = t;
    }
    return 0;
}

/* The RPC server's options. */
static int parse_rpc(cb_daemon_config *cfg, const cb_options *all, char *msg, size_t msglen)
{
    cb_rpc_config *rpc = &cfg->rpc;
    rpc->port = cfg->node.params->rpc_port;
    const char *v = cb_options_get(all, "rpcport");
    if (v && cb_parse_listen_port(v, &rpc->port) != 0)
        return fail(msg, msglen, "-rpcport=%s is not a port number (0-65535; 0: any free one)", v);
    v = cb_options_get(all, "rpcbind");
    if (copy_text(rpc->bind, sizeof rpc->bind, "rpcbind", v && *v ? v : "127.0.0.1", msg, msglen) !=
        0)
        return -1;
    v = cb_options_get(all, "rpcuser");
    const char *pw = cb_options_get(all, "rpcpassword");
    if ((v && !pw) || (!v && pw) || (v && (!*v || !*pw || strchr(v, ':'))))
        return fail(msg, msglen,
                    "-rpcuser and -rpcpassword go together, non-empty, no ':' in the user");
    if (v && (copy_text(rpc->user, sizeof rpc->user, "rpcuser", v, msg, msglen) != 0 ||
              copy_text(rpc->password, sizeof rpc->password, "rpcpassword", pw, msg, msglen) != 0))
        return -1;
    v = cb_options_get(all, "rpccookieperms");
    rpc->cookie_mode = 0600;
    if (v) {
        if (strcmp(v, "owner") == 0)
            rpc->cookie_mode = 0600;
        else if (strcmp(v, "group") == 0)
            rpc->cookie_mode = 0640;
        else if (strcmp(v, "all") == 0)
            rpc->cookie_mode = 0644;
        else
            return fail(msg, msglen, "-rpccookieperms=%s: owner, group or all", v);
    }
    memcpy(rpc->cookie_dir, cfg->node.datadir, sizeof rpc->cookie_dir);
    return 0;
}

/* The miner's options. */
static int parse_miner(cb_node_config *node, const cb_options *all, char *msg, size_t msglen)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN), t;
    node->minethreads = cores > 0 ? (unsigned)(cores > 64 ? 64 : cores) : 1;
    const char *v = cb_options_get(all, "minethreads");
    if (v) {
        if (cb_parse_long(v, 1, 64, &t) != 0)
            return fail(msg, msglen, "-minethreads=%s: a number from 1 to 64", v);
        node->minethreads = (unsigned)t;
    }
    v = cb_options_get(all, "minerimpl");
    if (v) {
        node->minerimpl = cb_scan_by_name(v);
        if (!node->minerimpl)
            return fail(msg, msglen, "-minerimpl=%s is unknown or this CPU cannot run it", v);
    }
    v = cb_options_get(all, "mineto");
    if (v) {
        cb_err err = cb_address_decode(node->params, node->mineto, v);
        if (err != CB_OK)
            return fail(msg, msglen, "-mineto=%s is not a %s address: %s", v, node->params->name,
                        cb_strerror(err));
        node->have_mineto = true;
    }
    if (node->mine && !node->have_mineto)
        return fail(msg, msglen, "-mine needs -mineto=ADDRESS");
    return 0;
}

/* The web view's options. */
static int parse_web(cb_daemon_config *cfg, const cb_options *all, char *msg, size_t msglen)
{
    bool on = true;
    if (cb_options_bool(all, "web", true, &on) != 0)
        return fail(msg, msglen, "-web takes 0 or 1");
    cfg->web = on;
    cb_web_config *w = &cfg->webcfg;
    w->port = cfg->node.params == cb_params_regtest() ? 18834 : 8834;
    const char *v = cb_options_get(all, "webport");
    if (v && cb_parse_listen_port(v, &w->port) != 0)
        return fail(msg, msglen, "-webport=%s is not a port number (0-65535; 0: any free one)", v);
    v = cb_options_get(all, "webbind");
    return copy_text(w->bind, sizeof w->bind, "webbind", v && *v ? v : "127.0.0.1", msg, msglen);
}

int cb_daemon_config_from_options(cb_daemon_config *cfg, const cb_options *all, char *msg,
                                  size_t msglen)
{
    memset(cfg, 0, sizeof *cfg);
    cb_node_config *node = &cfg->node;
    bool regtest = false, mine = false, debug = false;
    if (cb_options_bool(all, "regtest", false, &regtest) != 0 ||
        cb_options_bool(all, "mine", false, &mine) != 0 ||
        cb_options_bool(all, "debug", false, &debug) != 0)
        return fail(msg, msglen, "-regtest, -mine and -debug take 0 or 1");
    node->params = regtest ? cb_params_regtest() : cb_params_main();
    node->mine = mine;
    node->debug = debug;
    node->pwcost = cb_pwcost_default();
    node->checkblocks = CB_CHECKBLOCKS_DEFAULT;
    node->checklevel = CB_CHECKLEVEL_DEFAULT;
    bool reindex = false;
    if (cb_options_bool(all, "reindex", false, &reindex) != 0)
        return fail(msg, msglen, "-reindex takes 0 or 1");
    node->reindex = reindex;
    const char *cv = cb_options_get(all, "checkblocks");
    long cn;
    if (cv) {
        if (cb_parse_long(cv, 0, 100000000, &cn) != 0)
            return fail(msg, msglen, "-checkblocks=%s: a number of blocks (0: all)", cv);
        node->checkblocks = (uint32_t)cn;
    }
    cv = cb_options_get(all, "checklevel");
    if (cv) {
        if (cb_parse_long(cv, 0, CB_CHECKLEVEL_MAX, &cn) != 0)
            return fail(msg, msglen, "-checklevel=%s: 0 to %d", cv, CB_CHECKLEVEL_MAX);
        node->checklevel = (int)cn;
    }
    if (cb_options_datadir(all, regtest, NULL, 0, node->datadir, sizeof node->datadir, msg,
                           msglen) != 0)
        return -1;
    const char *v = cb_options_get(all, "mocktime");
    if (v) {
        long t;
        if (cb_parse_long(v, 0, 1L << 40, &t) != 0)
            return fail(msg, msglen, "-mocktime=%s: unix seconds (0: the real clock)", v);
        node->mocktime = t;
    }
    v = cb_options_get(all, "db");
    if (v && copy_text(node->db, sizeof node->db, "db", v, msg, msglen) != 0)
        return -1;
    v = cb_options_get(all, "dbpassword");
    if (v &&
        copy_text(node->dbpassword, sizeof node->dbpassword, "dbpassword", v, msg, msglen) != 0)
        return -1;
    if (parse_miner(node, all, msg, msglen) != 0 || parse_rpc(cfg, all, msg, msglen) != 0 ||
        parse_net(cfg, all, msg, msglen) != 0 || parse_web(cfg, all, msg, msglen) != 0)
        return -1;
    return 0;
}

static void web_tip_changed(void *ctx, const cb_chain_entry *old_tip)
{
    cb_web_tip_changed(ctx, old_tip);
}

static void web_tx_accepted(void *ctx, const uint8_t txid[32])
{
    cb_web_tx_accepted(ctx, txid);
}

static void web_tx_returned(void *ctx, const uint8_t txid[32])
{
    cb_web_tx_returned(ctx, txid);
}

static void web_tx_refused(void *ctx, const uint8_t txid[32], cb_err err)
{
    cb_web_tx_refused(ctx, txid, err);
}

static uint64_t rpc_calls(void *ctx)
{
    return cb_rpc_calls(((cb_daemon *)ctx)->rpc);
}

static cb_err host_submit_block(void *ctx, const cb_block *b, size_t *bad_tx)
{
    return cb_node_submit_block_behind(ctx, b, bad_tx);
}

static void host_refused(void *ctx, const char *kind, const uint8_t id[32], cb_err err,
                         const char *why)
{
    cb_node_note_rejection(ctx, kind, id, err, why);
}

static cb_err host_submit_tx(void *ctx, const cb_tx *tx, uint8_t txid[32])
{
    return cb_node_submit_tx(ctx, tx, txid);
}

static void host_prefetch_block(void *ctx, uint8_t *data, size_t len)
{
    cb_node_prefetch_block(ctx, data, len);
}

static void net_tip_changed(void *ctx, const cb_chain_entry *old_tip)
{
    cb_net_tip_changed(ctx, old_tip);
}

static void net_tx_accepted(void *ctx, const uint8_t txid[32])
{
    cb_net_tx_accepted(ctx, txid);
}

static void net_tx_returned(void *ctx, const uint8_t txid[32])
{
    cb_net_tx_returned(ctx, txid);
}

/* Writes text to dir/name whole or not at all (a reader never sees half of
 * it: it is written beside and renamed over). Out: path (cap) is the file.
 * Returns: 0, or -1 with msg saying why. */
static int write_runfile(const char *dir, const char *name, const char *text, char *path,
                         size_t cap, char *msg, size_t msglen)
{
    char tmp[PATH_MAX + 48];
    snprintf(path, cap, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.new", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    size_t len = strlen(text);
    bool ok = fd >= 0 && write(fd, text, len) == (ssize_t)len;
    int why = errno;
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        why = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        why = errno;
    }
    if (!ok) {
        unlink(tmp);
        path[0] = '\0';
        return fail(msg, msglen, "cannot write %s/%s: %s", dir, name, strerror(why));
    }
    return 0;
}

cb_err cb_daemon_start(cb_daemon **out, const cb_daemon_config *cfg, char *msg, size_t msglen)
{
    *out = NULL;
    if (msglen)
        msg[0] = '\0';
    cb_daemon *d = calloc(1, sizeof *d);
    if (!d)
        return CB_ERR_NOMEM;
    cb_err err = cb_node_start(&d->node, &cfg->node, msg, msglen);
    if (err != CB_OK) {
        free(d);
        return err;
    }
    cb_node *n = d->node;
    const char *dir = cfg->node.datadir;
    char text[96];
    /* What a killed node left is not this one's (the lock is ours now):
     * its ports, and its cookie, which no client may use against this
     * node while the new one is being written. */
    char stale[PATH_MAX + 32];
    snprintf(stale, sizeof stale, "%s/coinbitd.ports", dir);
    unlink(stale);
    snprintf(stale, sizeof stale, "%s/.cookie", dir);
    unlink(stale);
    snprintf(text, sizeof text, "%ld\n", (long)getpid());
    if (write_runfile(dir, "coinbitd.pid", text, d->pidfile, sizeof d->pidfile, msg, msglen) != 0) {
        err = CB_ERR_ARG;
        goto fail;
    }
    if (cfg->network) {
        cb_net_host host = {
            cb_node_params(n), cb_node_base(n),   cb_node_chain(n), cb_node_mempool(n),
            cb_node_store(n),  cb_node_logger(n), cb_node_now,      n,
            host_submit_block, host_submit_tx,    host_refused,     host_prefetch_block};
        err = cb_net_start(&d->net, &host, &cfg->net, msg, msglen);
        if (err != CB_OK)
            goto fail;
        cb_node_listener l = {d->net, net_tip_changed, net_tx_accepted, net_tx_returned, NULL};
        err = cb_node_add_listener(n, &l);
        if (err != CB_OK) {
            snprintf(msg, msglen, "cannot follow the node: %s", cb_strerror(err));
            goto fail;
        }
    }
    cb_rpc_ctx ctx = {n, d->net};
    err = cb_rpc_start(&d->rpc, &ctx, &cfg->rpc, msg, msglen);
    if (err != CB_OK)
        goto fail;
    if (cfg->web) {
        cb_web_config wc = cfg->webcfg;
        wc.rpc_calls = rpc_calls;
        wc.rpc_calls_ctx = d;
        err = cb_web_start(&d->web, &ctx, &wc, msg, msglen);
        if (err != CB_OK)
            goto fail;
        cb_node_listener l = {d->web, web_tip_changed, web_tx_accepted, web_tx_returned,
                              web_tx_refused};
        err = cb_node_add_listener(n, &l);
        if (err != CB_OK) {
            snprintf(msg, msglen, "cannot follow the node: %s", cb_strerror(err));
            goto fail;
        }
    }
    snprintf(text, sizeof text, "port=%u\nrpcport=%u\nwebport=%u\n",
             d->net ? (unsigned)cb_net_port(d->net) : 0u, (unsigned)cb_rpc_port(d->rpc),
             (unsigned)cb_web_port(d->web));
    if (write_runfile(dir, "coinbitd.ports", text, d->portsfile, sizeof d->portsfile, msg,
                      msglen) != 0) {
        err = CB_ERR_ARG;
        goto fail;
    }
    *out = d;
    return CB_OK;
fail:
    if (msg[0])
        cb_log(cb_node_logger(n), "error: %s", msg);
    cb_daemon_free(d);
    return err;
}

void cb_daemon_run(cb_daemon *d)
{
    cb_node_run(d->node);
}

void cb_daemon_stop(cb_daemon *d)
{
    cb_node_stop(d->node);
}

cb_node *cb_daemon_node(cb_daemon *d)
{
    return d->node;
}

cb_net *cb_daemon_net(cb_daemon *d)
{
    return d->net;
}

cb_web *cb_daemon_web(cb_daemon *d)
{
    return d->web;
}

void cb_daemon_free(cb_daemon *d)
{
    if (!d)
        return;
    /* The node's jobs end first (an unfinished RPC call is answered as
     * cancelled, or not at all), and it stops calling the network; then
     * the faces go, then the node. */
    cb_node_shutdown(d->node);
    cb_web_stop(d->web);
    cb_rpc_stop(d->rpc);
    cb_net_free(d->net);
    /* Gone before the node lets go of the datadir's lock. */
    if (d->portsfile[0])
        unlink(d->portsfile);
    if (d->pidfile[0])
        unlink(d->pidfile);
    cb_node_free(d->node);
    free(d);
}
