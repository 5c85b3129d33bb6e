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
#include <sys/stat.h>

#include "app/daemon.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: coinbitd [options]\n"
               "The CoinBit node: it keeps the chain, relays blocks and payments to its\n"
               "peers, mines when asked, and serves JSON-RPC (coinbit-cli).\n"
               "Options (each also NAME=VALUE in coinbit.conf, without the dash):\n");
    cb_daemon_print_options(f);
}

int main(int argc, char **argv)
{
    cb_options o = {.n = 0};
    char msg[512] = "";
    /* What the node writes is its own (the store, the log, keys): others
     * are let in explicitly (the cookie with -rpccookieperms), as Core's
     * umask(077). */
    umask(077);
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
    if (cb_options_get(&o, "version")) {
        printf("coinbitd (CoinBit) %s\n", CB_VERSION_STRING);
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
        if (!cb_daemon_knows(all.items[i].key)) {
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
