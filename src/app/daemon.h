/* One start-up path for every program that runs a node (coinbitd, and the
 * menu when no node is running): it turns options into a configuration,
 * starts the node, the network and the RPC server on the node's loop, and
 * wires them together (the network follows the node as its listener). */
#ifndef CB_APP_DAEMON_H
#define CB_APP_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "app/options.h"
#include "net/net.h"
#include "node/node.h"
#include "rpc/rpc.h"
#include "web/web.h"

typedef struct {
    cb_node_config node;
    cb_rpc_config rpc;
    bool network; /* run the P2P network */
    cb_net_config net;
    bool web; /* serve the web view */
    cb_web_config webcfg;
} cb_daemon_config;

/* One option a node takes. */
typedef struct {
    const char *name;       /* without the dash */
    const char *arg;        /* what it takes ("N", "DIR", ...); NULL: a switch (-x, -x=0, -x=1) */
    const char *help;       /* what it does, with its default, in one line */
    bool command_line_only; /* read before coinbit.conf (where it would do nothing) */
} cb_option_doc;

/* Every option cb_daemon_config_from_options reads, ending with a NULL
 * name: the one source of -help, the manual page and the example conf. */
extern const cb_option_doc cb_daemon_option_docs[];

/* Whether name (without the dash) is one of them. */
bool cb_daemon_knows(const char *name);

/* Prints them as -help does: "  -name=ARG   help", a line each, then
 * -version and -help (which every program running a node takes). */
void cb_daemon_print_options(FILE *f);

/* Fills cfg from options (the command line and coinbit.conf together):
 * network, datadir, RPC, store, miner, P2P. Unknown names are not looked
 * at (the caller decides whether they are errors).
 * Returns: 0, or -1 with msg naming the option and what it takes. */
int cb_daemon_config_from_options(cb_daemon_config *cfg, const cb_options *o, char *msg,
                                  size_t msglen);

typedef struct cb_daemon cb_daemon;

/* Starts the node, then the network (when cfg->network), then the RPC
 * server, then the web view (when cfg->web). While it runs, the datadir holds (each written whole,
 * removed by cb_daemon_free; the datadir's .lock says whether they are current): coinbitd.pid the
 * process id and a newline, once the node started; coinbitd.ports "port=N\nrpcport=N\nwebport=N\n",
 * the ports it listens on (the ones the system chose for a port of 0; 0 for a face that is off),
 * once everything listens. Out: *out (cb_daemon_free); msg says why it could not start. Returns:
 * CB_OK, or the error of the part that failed (CB_ERR_ADDR_IN_USE when a port is taken); on error
 * nothing is left running. */
cb_err cb_daemon_start(cb_daemon **out, const cb_daemon_config *cfg, char *msg,
                       size_t msglen) CB_WARN_UNUSED;

/* Runs the loop until the RPC "stop", SIGINT or SIGTERM. */
void cb_daemon_run(cb_daemon *d);

/* Asks the loop to end (any thread that owns the loop; see cb_node_stop). */
void cb_daemon_stop(cb_daemon *d);

/* Its parts (valid until cb_daemon_free; the network and the web view are
 * NULL when off). */
cb_node *cb_daemon_node(cb_daemon *d);
cb_net *cb_daemon_net(cb_daemon *d);
cb_web *cb_daemon_web(cb_daemon *d);

/* Stops everything in the reverse order and frees it; NULL is fine. */
void cb_daemon_free(cb_daemon *d);

#endif
