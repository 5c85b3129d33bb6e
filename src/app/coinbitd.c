/* coinbitd: the CoinBit node.
 *
 *   coinbitd [-regtest] [-datadir=DIR] [-rpcport=N] [-mine -mineto=ADDR] ...
 *
 * Options come from the command line and <datadir>/coinbit.conf (the same
 * names without the dash); unknown options or bad values stop it at start
 * with a message. It logs to <datadir>/debug.log and stderr and stops
 * cleanly on SIGINT or SIGTERM (or the RPC "stop"). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/options.h"
#include "core/address.h"
#include "node/node.h"

static const char *KNOWN[] = {"datadir",     "conf",    "regtest",     "port",    "rpcport",
                              "rpcbind",     "rpcuser", "rpcpassword", "db",      "mine",
                              "minethreads", "mineto",  "minerimpl",   "debug",   "listen",
                              "bind",        "connect", "addnode",     "bantime", "maxconnections",
                              "dbpassword",  "help",    "h",           NULL};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: coinbitd [options]\n"
            "  -datadir=DIR       data directory (default ~/.coinbit; regtest in DIR/regtest)\n"
            "  -conf=FILE         configuration file (default DIR/coinbit.conf)\n"
            "  -regtest           the regression-test network\n"
            "  -rpcport=N         JSON-RPC port (default 8832, regtest 18832)\n"
            "  -rpcbind=ADDR      JSON-RPC address (default 127.0.0.1)\n"
            "  -rpcuser=U -rpcpassword=P   credentials besides the cookie file\n"
            "  -db=URI            database: a SQLite file path (default DIR/coinbit.db)\n"
            "  -mine              mine continuously (needs -mineto)\n"
            "  -mineto=ADDRESS    where mined coins go\n"
            "  -minethreads=N     mining threads (default: all cores)\n"
            "  -minerimpl=NAME    avx512, shani, avx2 or portable (default: fastest here)\n"
            "  -port=N            P2P port (default 8833, regtest 18833)\n"
            "  -listen=0          do not accept peers (default 1)\n"
            "  -bind=ADDR         listen for peers on ADDR only (default: every interface)\n"
            "  -connect=HOST:PORT connect to this peer only (repeatable; 0: to none)\n"
            "  -addnode=HOST:PORT keep this peer connected, besides discovered ones (repeatable)\n"
            "  -maxconnections=N  at most N peers in all, 8 of them outbound (default 125)\n"
            "  -bantime=SECONDS   how long a misbehaving peer is banned (default 86400)\n"
            "  -debug             more detail in the log\n");
}

static int parse_port(const char *v, uint16_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long p = strtoul(v, &end, 10);
    if (errno || end == v || *end || v[0] == '-' || p == 0 || p > 65535)
        return -1;
    *out = (uint16_t)p;
    return 0;
}

static int parse_count(const char *name, const char *v, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long t = strtol(v, &end, 10);
    if (errno || end == v || *end || t < lo || t > hi) {
        fprintf(stderr, "Error: -%s=%s: a number from %ld to %ld\n", name, v, lo, hi);
        return -1;
    }
    *out = t;
    return 0;
}

/* The P2P options. Returns: 0, or -1 after printing why. */
static int parse_net(const cb_options *all, cb_node_config *cfg)
{
    cb_net_config *net = &cfg->net;
    bool listen = true;
    cfg->network = true;
    cb_net_config_default(net);
    if (cb_options_bool(all, "listen", true, &listen) != 0) {
        fprintf(stderr, "Error: -listen takes 0 or 1\n");
        return -1;
    }
    net->listen = listen;
    const char *v = cb_options_get(all, "port");
    if (v && parse_port(v, &net->port) != 0) {
        fprintf(stderr, "Error: -port=%s is not a port number (1-65535)\n", v);
        return -1;
    }
    v = cb_options_get(all, "bind");
    if (v) {
        if (strlen(v) >= sizeof net->bind) {
            fprintf(stderr, "Error: -bind=%s is too long\n", v);
            return -1;
        }
        memcpy(net->bind, v, strlen(v) + 1);
    }
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
        if (*count == CB_NET_MAX_MANUAL || strlen(o->value) >= CB_NET_ADDR_MAX || !o->value[0]) {
            fprintf(stderr, "Error: -%s=%s (%s): at most %d, each HOST:PORT\n", o->key, o->value,
                    o->where, CB_NET_MAX_MANUAL);
            return -1;
        }
        memcpy(list[(*count)++], o->value, strlen(o->value) + 1);
    }
    long t;
    v = cb_options_get(all, "maxconnections");
    if (v) {
        if (parse_count("maxconnections", v, 0, 1000, &t) != 0)
            return -1;
        net->max_outbound = t < 8 ? (unsigned)t : 8;
        net->max_inbound = t > 8 ? (unsigned)(t - 8) : 0;
    }
    v = cb_options_get(all, "bantime");
    if (v) {
        if (parse_count("bantime", v, 1, 10L * 365 * 86400, &t) != 0)
            return -1;
        net->bantime = t;
    }
    return 0;
}

int main(int argc, char **argv)
{
    cb_options o = {.n = 0};
    cb_node_config cfg;
    char msg[512] = "";
    int first = 0;
    memset(&cfg, 0, sizeof cfg);
    if (cb_options_from_argv(&o, argc, argv, &first, msg, sizeof msg) != 0) {
        fprintf(stderr, "Error: %s\n", msg);
        return 1;
    }
    if (first < argc) {
        fprintf(stderr, "Error: unexpected argument '%s' (options start with -)\n", argv[first]);
        return 1;
    }
    if (cb_options_get(&o, "help") || cb_options_get(&o, "h")) {
        usage(stdout);
        return 0;
    }
    /* The data directory and the config file come first: the file may set
     * anything else. */
    char base[PATH_MAX];
    const char *dd = cb_options_get(&o, "datadir");
    if (dd)
        snprintf(base, sizeof base, "%s", dd);
    else
        cb_default_datadir(base, sizeof base);
    const char *conf = cb_options_get(&o, "conf");
    char confpath[PATH_MAX + 32];
    snprintf(confpath, sizeof confpath, "%s/coinbit.conf", base);
    cb_options all = {.n = 0};
    if (cb_options_from_file(&all, conf ? conf : confpath, conf == NULL, msg, sizeof msg) != 0) {
        fprintf(stderr, "Error: %s\n", msg);
        return 1;
    }
    if (cb_options_append(&all, &o, msg, sizeof msg) != 0) {
        fprintf(stderr, "Error: %s\n", msg);
        return 1;
    }
    for (size_t i = 0; i < all.n; i++) {
        bool known = false;
        for (const char **k = KNOWN; *k; k++)
            known |= strcmp(*k, all.items[i].key) == 0;
        if (!known) {
            fprintf(stderr, "Error: unknown option -%s (%s); see coinbitd -help\n",
                    all.items[i].key, all.items[i].where);
            return 1;
        }
    }
    bool regtest = false, mine = false, debug = false;
    if (cb_options_bool(&all, "regtest", false, &regtest) != 0 ||
        cb_options_bool(&all, "mine", false, &mine) != 0 ||
        cb_options_bool(&all, "debug", false, &debug) != 0) {
        fprintf(stderr, "Error: -regtest, -mine and -debug take 0 or 1\n");
        return 1;
    }
    cfg.params = regtest ? cb_params_regtest() : cb_params_main();
    cfg.mine = mine;
    cfg.debug = debug;
    if (regtest)
        snprintf(cfg.datadir, sizeof cfg.datadir, "%.*s/regtest", (int)(sizeof cfg.datadir - 9),
                 base);
    else
        snprintf(cfg.datadir, sizeof cfg.datadir, "%s", base);
    cfg.rpcport = cfg.params->rpc_port;
    const char *v = cb_options_get(&all, "rpcport");
    if (v && parse_port(v, &cfg.rpcport) != 0) {
        fprintf(stderr, "Error: -rpcport=%s is not a port number (1-65535)\n", v);
        return 1;
    }
    if (parse_net(&all, &cfg) != 0)
        return 1;
    v = cb_options_get(&all, "rpcbind");
    snprintf(cfg.rpcbind, sizeof cfg.rpcbind, "%s", v && *v ? v : "127.0.0.1");
    v = cb_options_get(&all, "rpcuser");
    const char *pw = cb_options_get(&all, "rpcpassword");
    if ((v && !pw) || (!v && pw) || (v && (!*v || !*pw || strchr(v, ':')))) {
        fprintf(stderr,
                "Error: -rpcuser and -rpcpassword go together, non-empty, no ':' in the user\n");
        return 1;
    }
    if (v) {
        snprintf(cfg.rpcuser, sizeof cfg.rpcuser, "%s", v);
        snprintf(cfg.rpcpassword, sizeof cfg.rpcpassword, "%s", pw);
    }
    v = cb_options_get(&all, "db");
    if (v)
        snprintf(cfg.db, sizeof cfg.db, "%s", v);
    v = cb_options_get(&all, "dbpassword");
    if (v) {
        if (strlen(v) >= sizeof cfg.dbpassword) {
            fprintf(stderr, "Error: -dbpassword is too long\n");
            return 1;
        }
        memcpy(cfg.dbpassword, v, strlen(v) + 1);
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cfg.minethreads = cores > 0 ? (unsigned)cores : 1;
    v = cb_options_get(&all, "minethreads");
    if (v) {
        char *end = NULL;
        long t = strtol(v, &end, 10);
        if (end == v || *end || t < 1 || t > 64) {
            fprintf(stderr, "Error: -minethreads=%s: a number from 1 to 64\n", v);
            return 1;
        }
        cfg.minethreads = (unsigned)t;
    }
    v = cb_options_get(&all, "minerimpl");
    if (v) {
        cfg.minerimpl = cb_scan_by_name(v);
        if (!cfg.minerimpl) {
            fprintf(stderr, "Error: -minerimpl=%s is unknown or this CPU cannot run it\n", v);
            return 1;
        }
    }
    v = cb_options_get(&all, "mineto");
    if (v) {
        cb_err err = cb_address_decode(cfg.params, cfg.mineto, v);
        if (err != CB_OK) {
            fprintf(stderr, "Error: -mineto=%s is not a %s address: %s\n", v, cfg.params->name,
                    cb_strerror(err));
            return 1;
        }
        cfg.have_mineto = true;
    }
    if (cfg.mine && !cfg.have_mineto) {
        fprintf(stderr, "Error: -mine needs -mineto=ADDRESS\n");
        return 1;
    }
    cfg.pwcost = cb_pwcost_default();

    cb_node *n = NULL;
    cb_err err = cb_node_start(&n, &cfg, msg, sizeof msg);
    if (err != CB_OK) {
        fprintf(stderr, "Error: %s\n", msg[0] ? msg : cb_strerror(err));
        return 1;
    }
    cb_node_run(n);
    cb_node_free(n);
    return 0;
}
