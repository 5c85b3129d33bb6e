/* coinbitd: the CoinBit node.
 *
 *   coinbitd [-regtest] [-datadir=DIR] [-rpcport=N] [-mine -mineto=ADDR] ...
 *
 * Options come from the command line and <datadir>/coinbit.conf (the same
 * names without the dash); unknown options or bad values stop it at start
 * with a message. It logs to <datadir>/debug.log and stderr and stops
 * cleanly on SIGINT or SIGTERM (or the RPC "stop"). While it runs, the
 * datadir holds .lock (one node per datadir), coinbitd.pid and
 * coinbitd.ports (the ports it listens on; see daemon.h). */
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "app/daemon.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: coinbitd [options]\n"
            "  -datadir=DIR       data directory (default ~/.coinbit; regtest in DIR/regtest)\n"
            "  -conf=FILE         configuration file (default DIR/coinbit.conf)\n"
            "  -regtest           the regression-test network\n"
            "  -rpcport=N         JSON-RPC port (default 8832, regtest 18832; 0: any free one)\n"
            "  -rpcbind=ADDR      JSON-RPC address (default 127.0.0.1)\n"
            "  -rpcuser=U -rpcpassword=P   credentials besides the cookie file\n"
            "  -db=URI            database: a SQLite file path (default DIR/coinbit.db)\n"
            "  -mine              mine continuously (needs -mineto)\n"
            "  -mineto=ADDRESS    where mined coins go\n"
            "  -minethreads=N     mining threads (default: all cores)\n"
            "  -minerimpl=NAME    avx512, shani, avx2 or portable (default: fastest here)\n"
            "  -port=N            P2P port (default 8833, regtest 18833; 0: any free one)\n"
            "  -listen=0          do not accept peers (default 1)\n"
            "  -bind=ADDR         listen for peers on ADDR only (default: every interface)\n"
            "  -connect=HOST:PORT connect to this peer only (repeatable; 0: to none)\n"
            "  -addnode=HOST:PORT keep this peer connected, besides discovered ones (repeatable)\n"
            "  -maxconnections=N  at most N peers in all, 8 of them outbound (default 125)\n"
            "  -bantime=SECONDS   how long a misbehaving peer is banned (default 86400)\n"
            "  -debug             more detail in the log\n");
}

int main(int argc, char **argv)
{
    cb_options o = {.n = 0};
    char msg[512] = "";
    int first = 0;
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
    char base[PATH_MAX], datadir[PATH_MAX];
    if (cb_options_datadir(&o, false, base, sizeof base, datadir, sizeof datadir, msg,
                           sizeof msg) != 0) {
        fprintf(stderr, "Error: %s\n", msg);
        return 1;
    }
    const char *conf = cb_options_get(&o, "conf");
    char confpath[PATH_MAX + 32];
    snprintf(confpath, sizeof confpath, "%s/coinbit.conf", base);
    cb_options all = {.n = 0};
    if (cb_options_from_file(&all, conf ? conf : confpath, conf == NULL, msg, sizeof msg) != 0 ||
        cb_options_append(&all, &o, msg, sizeof msg) != 0) {
        fprintf(stderr, "Error: %s\n", msg);
        return 1;
    }
    for (size_t i = 0; i < all.n; i++) {
        bool known = strcmp(all.items[i].key, "help") == 0 || strcmp(all.items[i].key, "h") == 0;
        for (const char *const *k = cb_daemon_options; *k; k++)
            known |= strcmp(*k, all.items[i].key) == 0;
        if (!known) {
            fprintf(stderr, "Error: unknown option -%s (%s); see coinbitd -help\n",
                    all.items[i].key, all.items[i].where);
            return 1;
        }
    }
    cb_daemon_config cfg;
    if (cb_daemon_config_from_options(&cfg, &all, msg, sizeof msg) != 0) {
        fprintf(stderr, "Error: %s\n", msg);
        return 1;
    }
    cb_daemon *d = NULL;
    cb_err err = cb_daemon_start(&d, &cfg, msg, sizeof msg);
    sodium_memzero(&cfg, sizeof cfg); /* the passwords in it */
    if (err != CB_OK) {
        fprintf(stderr, "Error: %s\n", msg[0] ? msg : cb_strerror(err));
        return 1;
    }
    cb_daemon_run(d);
    cb_daemon_free(d);
    return 0;
}
