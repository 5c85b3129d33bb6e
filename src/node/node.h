/* The node: one event loop (libevent) owns the chain, the store, the
 * mempool and the users; the faces above it (the network, the RPC server,
 * the web view) run on that loop and reach the node through the functions
 * here. Miner threads only search nonces and hand a found header back to
 * the loop (through an event made active from their thread).
 *
 * The node never sees those faces: it tells them what changed through the
 * listeners they register (cb_node_add_listener), and each is handed the
 * parts it needs (chain, mempool, store, loop, log) at start. */
#ifndef CB_NODE_NODE_H
#define CB_NODE_NODE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/chain.h"
#include "core/params.h"
#include "crypto/key.h"
#include "crypto/sha256d_scan.h"
#include "node/jobs.h"
#include "node/log.h"
#include "node/mempool.h"
#include "node/users.h"
#include "store/store.h"

struct event_base;

typedef struct {
    const cb_params *params;
    char datadir[PATH_MAX];
    char db[PATH_MAX];    /* store uri; default <datadir>/coinbit.db */
    char dbpassword[256]; /* MySQL password apart from the uri (wiped once used) */
    bool mine;
    unsigned minethreads;
    uint8_t mineto[20];
    bool have_mineto;
    const cb_scan_impl *minerimpl;
    bool debug;
    bool quiet;       /* log to debug.log only, not also to stderr (the menu) */
    int64_t mocktime; /* the clock starts set to this (0: real) */
    cb_pwcost pwcost;
    /* What a start believes of its store (node/chainstore.h): the last
     * checkblocks blocks (0: all) checked at checklevel; reindex checks
     * every one and rewrites the rest. */
    uint32_t checkblocks;
    int checklevel;
    bool reindex;
} cb_node_config;

typedef struct cb_node cb_node;

/* Starts a node: datadir (made, and refused when others may write to
 * it; locked for this process: flock on <datadir>/.lock), log, store (schema and genesis on first
 * start), chain rebuilt from the store, mempool, workers, and the miner when cfg->mine. Out: *out
 * (cb_node_free); msg (msglen) says why it could not start. Returns: CB_OK, CB_ERR_ARG (a bad
 * datadir, an unreadable store), CB_ERR_BUSY (another node holds the datadir), CB_ERR_STORE,
 * CB_ERR_NOMEM, CB_ERR_RANDOM or CB_ERR_THREAD; on error nothing is left running. */
cb_err cb_node_start(cb_node **out, const cb_node_config *cfg, char *msg,
                     size_t msglen) CB_WARN_UNUSED;

/* Runs the event loop until cb_node_stop or SIGINT/SIGTERM. */
void cb_node_run(cb_node *n);

/* Asks the loop to end (from the loop thread: an RPC "stop"). */
void cb_node_stop(cb_node *n);

/* Ends the miner and every job (each unfinished one is cancelled, so its
 * completion runs now), after which no listener is called again. The
 * faces can then be freed before the node. Idempotent. */
void cb_node_shutdown(cb_node *n);

/* Shuts down (as above), closes the store, frees everything; NULL is fine. */
void cb_node_free(cb_node *n);

/* The parts of a node, for the faces above it. Each is the node's own:
 * valid until cb_node_free, used on the loop thread only. */
const cb_node_config *cb_node_cfg(const cb_node *n); /* dbpassword wiped */
const cb_params *cb_node_params(const cb_node *n);
cb_chain *cb_node_chain(cb_node *n);
cb_mempool *cb_node_mempool(cb_node *n);
cb_store *cb_node_store(cb_node *n);
cb_keyctx *cb_node_keys(cb_node *n);
cb_jobs *cb_node_jobs(cb_node *n);
cb_logger *cb_node_logger(cb_node *n);
struct event_base *cb_node_base(cb_node *n);
/* The failed-login counts every face checking passwords shares. */
cb_login_throttle *cb_node_logins(cb_node *n);

/* What changes in a node, for those who follow it. Any hook may be NULL.
 * Hooks run on the loop thread, after the change, and must not free the
 * node or remove listeners. */
typedef struct {
    void *ctx;
    /* The active tip moved away from old_tip (the chain's entry, valid
     * until cb_node_free). */
    void (*tip_changed)(void *ctx, const cb_chain_entry *old_tip);
    /* A payment entered the mempool (from any source). */
    void (*tx_accepted)(void *ctx, const uint8_t txid[32]);
    /* A payment of a disconnected block is back in the mempool. */
    void (*tx_returned)(void *ctx, const uint8_t txid[32]);
    /* A payment offered to cb_node_submit_tx was refused (err: why; never
     * CB_ERR_IN_MEMPOOL). May be NULL. */
    void (*tx_refused)(void *ctx, const uint8_t txid[32], cb_err err);
} cb_node_listener;

#define CB_NODE_MAX_LISTENERS 8

/* Registers a listener (copied).
 * Returns: CB_OK or CB_ERR_TOO_LARGE (CB_NODE_MAX_LISTENERS already). */
cb_err cb_node_add_listener(cb_node *n, const cb_node_listener *l) CB_WARN_UNUSED;

/* Removes every listener with this ctx (none is fine). */
void cb_node_remove_listener(cb_node *n, void *ctx);

/* Accepts a block from any source (RPC, miner, a peer), keeps the mempool
 * and the miner's template in step, and tells the listeners.
 * Out: *bad_tx. Returns: as cb_chain_accept_block; on CB_ERR_STORE the
 * node also stops its loop (running on would drift from the database). */
cb_err cb_node_submit_block(cb_node *n, const cb_block *b, size_t *bad_tx) CB_WARN_UNUSED;

/* cb_node_submit_block for a block from a peer: it returns once the chain
 * has taken the block, with the store's writes queued (up to
 * CB_NODE_WRITES_BEHIND steps and CB_NODE_WRITES_BEHIND_BYTES of
 * copies), so that the loop checks the next block's signatures while the
 * store writes. A failed write shows at this call or the next
 * (CB_ERR_STORE, and the node stops). The other callers (RPC, miner)
 * return once the store has written the block. */
cb_err cb_node_submit_block_behind(cb_node *n, const cb_block *b, size_t *bad_tx) CB_WARN_UNUSED;

/* Deep enough that the store's longest pause in a sync (a MySQL store
 * catching its txid index up, up to a second) does not stop the checks.
 * 256 blocks of 100 payments hold 9.5 MiB; a full block about 2.5 MiB,
 * so the bytes bound the queue to 6 or so of those. */
#define CB_NODE_WRITES_BEHIND 256
#define CB_NODE_WRITES_BEHIND_BYTES (16u << 20)

/* A block that will be submitted soon (a peer's, waiting in the input
 * behind other messages): its signatures are checked ahead by idle
 * threads (cb_verify_pool_prefetch), so that its submission finds them
 * done. Takes data (malloc'd). Nothing is judged or kept but good
 * signatures; the block counts only once submitted. */
void cb_node_prefetch_block(cb_node *n, uint8_t *data, size_t len);

/* Admits a transaction to the mempool, records it as pending (a store
 * failure there is logged: the payment stays in the mempool) and tells
 * the listeners; a refusal is kept (cb_node_rejections) and told too.
 * Out: txid. Returns: as cb_mempool_add. */
cb_err cb_node_submit_tx(cb_node *n, const cb_tx *tx, uint8_t txid[32]) CB_WARN_UNUSED;

/* A block or payment the node refused lately, and why. */
typedef struct {
    char kind[8]; /* "tx", "block", or from the network "header", "message", "peer" (a ban) */
    uint8_t id[32];
    cb_err err;    /* cb_err_reason gives its code (bad-txns-nonce, ...) */
    char why[224]; /* a plain sentence with the numbers that broke the rule */
    int64_t time;
} cb_rejection;

/* Keeps a refusal made outside the node (the network's of headers and
 * peer messages): kind as in cb_rejection, why its sentence (cut to
 * fit). Any thread of the node's loop. */
void cb_node_note_rejection(cb_node *n, const char *kind, const uint8_t id[32], cb_err err,
                            const char *why);

/* How many refusals the node keeps (the oldest go first). */
#define CB_NODE_REJECTIONS_KEPT 500

/* Up to max of the refusals kept, newest first. Returns: how many. */
size_t cb_node_rejections(const cb_node *n, cb_rejection *out, size_t max);

/* The newest refusal of id (a txid or block hash). Returns: whether any. */
bool cb_node_rejection_find(const cb_node *n, const uint8_t id[32], cb_rejection *out);

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

/* Stops every cb_node_generate under way (loop thread): each ends with
 * CB_ERR_CANCELLED and the blocks it had mined (they stay mined). */
void cb_node_generate_cancel(cb_node *n);

/* Turns continuous mining on (to the configured address) or off; threads
 * (when not 0) becomes the thread count from the next template on.
 * Returns: CB_OK, CB_ERR_ARG (no address to mine to) or CB_ERR_THREAD. */
cb_err cb_node_set_generate(cb_node *n, bool on, unsigned threads) CB_WARN_UNUSED;

/* The miner as getmininginfo shows it. */
typedef struct {
    bool generating;
    double hashrate; /* hashes a second of the last search; 0 when off */
    unsigned threads;
    const char *impl; /* the kernel's name (static) */
} cb_mining_info;

void cb_node_mining_info(cb_node *n, cb_mining_info *out);

/* The current unix time (the node's one clock). */
int64_t cb_node_now(void);

/* Sets the clock cb_node_now reads (as Core's setmocktime: for tests and
 * lessons, whose story must come out the same twice; on main only when
 * the node was started with its clock set): t unix
 * seconds, or 0 for the real clock again. For the whole process; any
 * thread. */
void cb_node_set_mocktime(int64_t t);
int64_t cb_node_mocktime(void); /* 0 when the real clock runs */

#endif
