/* The node: one event loop (libevent) owns the chain, the store, the
 * mempool and the users; the JSON-RPC server and the miner talk to it
 * there. Miner threads only search nonces and hand a found header back to
 * the loop (through an event made active from their thread). */
#ifndef CB_NODE_NODE_H
#define CB_NODE_NODE_H

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/chain.h"
#include "core/params.h"
#include "crypto/key.h"
#include "crypto/sha256d_scan.h"
#include "node/chainstore.h"
#include "node/jobs.h"
#include "node/mempool.h"
#include "net/net.h"
#include "node/users.h"
#include "node/verify_pool.h"
#include "store/store.h"

#define CB_VERSION_STRING "0.1.0"

struct event_base;
struct event;

typedef struct {
    const cb_params *params;
    char datadir[PATH_MAX];
    char db[PATH_MAX];    /* store uri; default <datadir>/coinbit.db */
    char dbpassword[256]; /* MySQL password apart from the uri (wiped once used) */
    char rpcbind[64];
    uint16_t rpcport;
    char rpcuser[128];
    char rpcpassword[256];
    bool mine;
    unsigned minethreads;
    uint8_t mineto[20];
    bool have_mineto;
    const cb_scan_impl *minerimpl;
    bool debug;
    cb_pwcost pwcost;
    bool network; /* run the P2P network (off for a menu's private node) */
    cb_net_config net;
} cb_node_config;

typedef struct cb_node cb_node;
typedef struct cb_rpc_server cb_rpc_server;

struct cb_node {
    cb_node_config cfg;
    struct event_base *base;
    FILE *log;
    cb_store *store;
    cb_chain *chain;
    cb_chainstore *cs;
    cb_mempool *mempool;
    cb_verify_pool *pool;
    cb_keyctx *keys;
    cb_rpc_server *rpc;
    cb_net *net; /* NULL when the network is off */
    struct event *sig_int, *sig_term;
    /* Continuous mining: the loop hands templates to the miner thread. */
    pthread_t miner;
    bool miner_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    cb_block work;          /* the template being searched (under mu) */
    bool have_work;         /* a new template is waiting (under mu) */
    unsigned work_threads;  /* search threads for it (under mu) */
    bool quit;              /* the miner thread should end (under mu) */
    bool generating;        /* setgenerate / -mine is on (loop thread) */
    atomic_int stale;       /* set to stop the current search */
    cb_block found;         /* a solved block for the loop (under mu) */
    bool have_found;        /* (under mu) */
    struct event *found_ev; /* made active by the miner thread */
    struct event *work_ev;  /* a new template is due (payments arrived) */
    /* Failed logins per username, to slow down guessing. */
    struct {
        char user[33];
        unsigned fails;
        int64_t until;
    } login_fail[64];
    /* Work off the loop (password hashes, generatetoaddress searches). */
    cb_jobs *jobs;
    atomic_int jobs_stop; /* set at shutdown: running searches end */
    uint64_t extra_nonce;
    uint64_t hashes_done;
    double hashrate;
};

/* Logs a line to <datadir>/debug.log and stderr, with a timestamp.
 * Debug lines only with -debug. */
void cb_log(cb_node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cb_log_debug(cb_node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Starts a node: datadir, log, store (schema and genesis on first start),
 * chain rebuilt from the store, mempool, RPC server, miner.
 * Out: msg (msglen) says why it could not start.
 * Returns: CB_OK or the error; on error nothing is left running. */
cb_err cb_node_start(cb_node **out, const cb_node_config *cfg, char *msg,
                     size_t msglen) CB_WARN_UNUSED;

/* Runs the event loop until cb_node_stop or SIGINT/SIGTERM. */
void cb_node_run(cb_node *n);

/* Asks the loop to end (from the loop thread: an RPC "stop"). */
void cb_node_stop(cb_node *n);

/* Stops the miner, closes the RPC server and store, frees everything. */
void cb_node_free(cb_node *n);

/* Accepts a block from any source (RPC, miner), keeps the mempool and the
 * miner's template in step. Out: *bad_tx. Returns: as cb_chain_accept_block. */
cb_err cb_node_submit_block(cb_node *n, const cb_block *b, size_t *bad_tx) CB_WARN_UNUSED;

/* Admits a transaction to the mempool and records it as pending.
 * Out: txid. Returns: as cb_mempool_add, or CB_ERR_STORE. */
cb_err cb_node_submit_tx(cb_node *n, const cb_tx *tx, uint8_t txid[32]) CB_WARN_UNUSED;

/* The end of a cb_node_generate: err is CB_OK when all `count` blocks
 * were mined, else the first error (CB_ERR_CANCELLED when the node
 * stopped first); hashes[made] of the blocks mined, valid during the call. */
typedef void (*cb_generate_done_fn)(void *ctx, cb_err err, const uint8_t (*hashes)[32],
                                    unsigned made);

/* Mines `count` blocks to `to`, one after another on the tip: templates
 * are built and blocks submitted on the loop, nonces searched on a worker,
 * so the loop keeps serving meanwhile. `done` is called once, on the loop
 * thread, never from inside this call.
 * Returns: CB_OK (started), CB_ERR_ARG (count is 0), CB_ERR_BUSY (too
 * many jobs waiting), CB_ERR_NOMEM, or a template's error; on error
 * `done` is not called. */
cb_err cb_node_generate(cb_node *n, const uint8_t to[20], unsigned count, cb_generate_done_fn done,
                        void *ctx) CB_WARN_UNUSED;

/* Turns continuous mining on (to the configured address) or off.
 * Returns: CB_OK, CB_ERR_ARG (no address to mine to) or CB_ERR_THREAD. */
cb_err cb_node_set_generate(cb_node *n, bool on, unsigned threads) CB_WARN_UNUSED;

/* The current unix time (the node's one clock). */
int64_t cb_node_now(void);

#endif
