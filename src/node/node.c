#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/grow.h"
#include "core/hex.h"
#include "crypto/random.h"
#include "core/refusal.h"
#include "node/node_internal.h"

static _Atomic int64_t mocktime;

int64_t cb_node_now(void)
{
    int64_t m = atomic_load(&mocktime);
    return m ? m : (int64_t)time(NULL);
}

void cb_node_set_mocktime(int64_t t)
{
    atomic_store(&mocktime, t > 0 ? t : 0);
}

int64_t cb_node_mocktime(void)
{
    return atomic_load(&mocktime);
}

/* What the chain did during one accept, for the mempool afterwards. One
 * accept can connect many blocks (a parent arriving after its children
 * during sync), so the list grows as needed. The bodies are read back
 * afterwards (the chain keeps them in the store, not in memory). */
typedef struct {
    const cb_chain_entry **entries;
    bool *connected;
    size_t n, cap;
    bool overflow; /* out of memory: some events were not recorded */
} chain_events;

static cb_err note_event(chain_events *ev, const cb_chain_entry *e, bool connected)
{
    if (ev->n == ev->cap) {
        size_t cap = cb_grow_next(ev->cap, 64, sizeof *ev->entries, 0);
        if (!cap || cb_resize(&ev->entries, cap, sizeof *ev->entries) != CB_OK ||
            cb_resize(&ev->connected, cap, sizeof *ev->connected) != CB_OK) {
            ev->overflow = true;
            return CB_OK;
        }
        ev->cap = cap;
    }
    ev->entries[ev->n] = e;
    ev->connected[ev->n++] = connected;
    return CB_OK;
}

static cb_err note_connected(void *ctx, const cb_chain_entry *e, const cb_block *b,
                             const cb_undo *undo)
{
    (void)b;
    (void)undo;
    return note_event(ctx, e, true);
}

static cb_err note_disconnected(void *ctx, const cb_chain_entry *e, const cb_block *b)
{
    (void)b;
    return note_event(ctx, e, false);
}

/* A payment the mempool let go after a block came or went: its row in the
 * transactions table says so (a row the new branch confirmed stays
 * confirmed: only pending rows change). */
static void tx_dropped(void *ctx, const cb_tx *tx, cb_err why)
{
    cb_node *n = ctx;
    uint8_t txid[32];
    cb_tx_txid(txid, tx);
    if (cb_store_reject_tx(n->store, txid, cb_err_reason(why)) != CB_OK)
        cb_log(n->log, "store: cannot mark a dropped payment: %s", cb_store_last_error(n->store));
}

static void note_rejection(cb_node *n, const char *kind, const uint8_t id[32], cb_err err,
                           const char *why)
{
    if (!n->rejections)
        return;
    cb_rejection *r = &n->rejections[n->rejections_next];
    snprintf(r->kind, sizeof r->kind, "%s", kind);
    memcpy(r->id, id, 32);
    r->err = err;
    snprintf(r->why, sizeof r->why, "%s", why && *why ? why : cb_strerror(err));
    r->time = cb_node_now();
    n->rejections_next = (n->rejections_next + 1) % CB_NODE_REJECTIONS_KEPT;
    if (n->rejections_count < CB_NODE_REJECTIONS_KEPT)
        n->rejections_count++;
}

void cb_node_note_rejection(cb_node *n, const char *kind, const uint8_t id[32], cb_err err,
                            const char *why)
{
    note_rejection(n, kind, id, err, why);
}

size_t cb_node_rejections(const cb_node *n, cb_rejection *out, size_t max)
{
    size_t got = 0;
    for (size_t k = 1; k <= n->rejections_count && got < max; k++)
        out[got++] = n->rejections[(n->rejections_next + CB_NODE_REJECTIONS_KEPT - k) %
                                   CB_NODE_REJECTIONS_KEPT];
    return got;
}

bool cb_node_rejection_find(const cb_node *n, const uint8_t id[32], cb_rejection *out)
{
    for (size_t k = 1; k <= n->rejections_count; k++) {
        const cb_rejection *r = &n->rejections[(n->rejections_next + CB_NODE_REJECTIONS_KEPT - k) %
                                               CB_NODE_REJECTIONS_KEPT];
        if (memcmp(r->id, id, 32) == 0) {
            *out = *r;
            return true;
        }
    }
    return false;
}

/* The mempool follows one block the chain connected or disconnected; the
 * payments of a block left that are pending again go out anew. */
static void follow_block(cb_node *n, const cb_chain_entry *e, bool connected,
                         const cb_accounts *state)
{
    /* A block connected takes nothing from an empty pool (a sync): its
     * body need not be read again, nor its payments hashed. */
    if (connected && cb_mempool_count(n->mempool) == 0)
        return;
    cb_block b;
    cb_err err = cb_chain_read_block(n->chain, e, &b);
    if (err == CB_OK)
        err = connected ? cb_mempool_block_connected(n->mempool, state, &b)
                        : cb_mempool_block_disconnected(n->mempool, state, &b);
    if (err != CB_OK)
        cb_log(n->log, "mempool: cannot follow block %u (%s); some payments may not return",
               (unsigned)e->height, cb_strerror(err));
    for (size_t k = 1; err == CB_OK && !connected && k < b.ntx; k++) {
        uint8_t txid[32];
        cb_tx_txid(txid, &b.txs[k]);
        if (cb_mempool_get(n->mempool, txid, NULL))
            for (size_t li = 0; li < n->nlisteners; li++)
                if (n->listeners[li].tx_returned)
                    n->listeners[li].tx_returned(n->listeners[li].ctx, txid);
    }
    cb_block_clear(&b);
}

/* Accepts a block; `flush` waits for the store to have written it. */
static cb_err submit_block(cb_node *n, const cb_block *b, size_t *bad_tx, bool flush)
{
    chain_events ev = {NULL, NULL, 0, 0, false};
    cb_chain_listener l = {&ev, note_connected, note_disconnected, NULL};
    const cb_chain_entry *before = cb_chain_tip(n->chain);
    size_t lost = cb_chain_lost_bodies(n->chain);
    cb_chainstore_set_listener(n->cs, &l);
    cb_err err = cb_chainstore_accept_block(n->cs, b, cb_node_now(), bad_tx);
    /* A write made behind that failed counts as this block's failure. */
    cb_err werr = flush ? cb_store_flush(n->store) : cb_store_failed(n->store);
    if (werr != CB_OK && err != CB_ERR_NOMEM)
        err = CB_ERR_STORE;
    if (err != CB_OK && err != CB_ERR_DUPLICATE && err != CB_ERR_NOMEM && err != CB_ERR_STORE) {
        uint8_t hash[32];
        char why[224];
        cb_header_hash(hash, &b->header);
        cb_refusal_block(why, sizeof why, err, n->chain, b, bad_tx ? *bad_tx : CB_NO_TX,
                         cb_node_now());
        note_rejection(n, "block", hash, err, why);
    }
    cb_chainstore_set_listener(n->cs, NULL);
    if (cb_chain_lost_bodies(n->chain) != lost)
        cb_log(n->log, "a stored block body is gone or damaged; that block will be fetched again");
    /* The mempool follows the final state: disconnected blocks' payments
     * are offered back, then the connected blocks' are taken out. */
    const cb_accounts *state = cb_chain_state(n->chain);
    /* Blocks are disconnected tip first; their payments go back oldest
     * block first, or a sender's later nonce would arrive before its
     * earlier one and be refused. */
    for (size_t i = ev.n; i-- > 0;)
        if (!ev.connected[i])
            follow_block(n, ev.entries[i], false, state);
    for (size_t i = 0; i < ev.n; i++)
        if (ev.connected[i])
            follow_block(n, ev.entries[i], true, state);
    if (err == CB_ERR_STORE) {
        /* The store could not record the block (its engine has already
         * retried a lost server): the chain took the block back, but
         * running on would drift from the database. Stop cleanly. */
        cb_log(n->log, "store failed: %s; stopping so nothing is half-written",
               cb_store_last_error(n->store));
        cb_node_stop(n);
    }
    if (ev.overflow)
        cb_log(n->log, "mempool: out of memory following the chain; some payments may not return");
    free(ev.entries);
    free(ev.connected);
    const cb_chain_entry *tip = cb_chain_tip(n->chain);
    if (tip != before) {
        char hex[65];
        cb_hash_to_hex(hex, tip->hash);
        cb_log(n->log, "new tip %s height %u (%u tx)", hex, tip->height, (unsigned)tip->ntx);
        cb_miner_new_work(n, false);
        for (size_t li = 0; li < n->nlisteners; li++)
            if (n->listeners[li].tip_changed)
                n->listeners[li].tip_changed(n->listeners[li].ctx, before);
    }
    return err;
}

cb_err cb_node_submit_block(cb_node *n, const cb_block *b, size_t *bad_tx)
{
    return submit_block(n, b, bad_tx, true);
}

cb_err cb_node_submit_block_behind(cb_node *n, const cb_block *b, size_t *bad_tx)
{
    return submit_block(n, b, bad_tx, false);
}

void cb_node_prefetch_block(cb_node *n, uint8_t *data, size_t len)
{
    cb_verify_pool_prefetch(n->pool, n->cfg.params, data, len);
}

cb_err cb_node_submit_tx(cb_node *n, const cb_tx *tx, uint8_t txid[32])
{
    char why[224] = "";
    cb_err err =
        cb_mempool_add_why(n->mempool, cb_chain_state(n->chain), tx, txid, why, sizeof why);
    if (err != CB_OK) {
        if (err != CB_ERR_IN_MEMPOOL) {
            cb_tx_txid(txid, tx);
            note_rejection(n, "tx", txid, err, why);
            for (size_t li = 0; li < n->nlisteners; li++)
                if (n->listeners[li].tx_refused)
                    n->listeners[li].tx_refused(n->listeners[li].ctx, txid, err);
        }
        return err;
    }
    if (cb_store_put_pending_tx(n->store, tx, cb_node_now()) != CB_OK)
        cb_log(n->log, "store: cannot record a pending transaction: %s",
               cb_store_last_error(n->store));
    /* One new template for all the payments this turn of the loop brings
     * (a relayed burst is many), not one per payment. */
    cb_miner_new_work(n, true);
    for (size_t li = 0; li < n->nlisteners; li++)
        if (n->listeners[li].tx_accepted)
            n->listeners[li].tx_accepted(n->listeners[li].ctx, txid);
    return CB_OK;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    cb_node *n = arg;
    (void)what;
    cb_log(n->log, "signal %d: shutting down", (int)sig);
    event_base_loopbreak(n->base);
}

static cb_err make_datadir(const char *dir, char *msg, size_t msglen)
{
    char path[PATH_MAX];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof path) {
        snprintf(msg, msglen, "bad data directory '%s'", dir);
        return CB_ERR_ARG;
    }
    memcpy(path, dir, len + 1);
    /* mkdir -p */
    for (size_t i = 1; i <= len; i++) {
        if (path[i] == '/' || path[i] == '\0') {
            char c = path[i];
            path[i] = '\0';
            if (mkdir(path, 0700) != 0 && errno != EEXIST) {
                snprintf(msg, msglen, "cannot create %s: %s", path, strerror(errno));
                return CB_ERR_ARG;
            }
            path[i] = c;
        }
    }
    /* Keys, the cookie and the database live here: a directory others
     * may write to (or that is another user's) could be made to hand
     * them over, so it is refused, as ssh refuses such a ~/.ssh. */
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(msg, msglen, "cannot read %s: %s", path, strerror(errno));
        return CB_ERR_ARG;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(msg, msglen, "data directory %s is not a directory", path);
        return CB_ERR_ARG;
    }
    if (st.st_uid != geteuid()) {
        snprintf(msg, msglen, "data directory %s belongs to another user (uid %u): refused", path,
                 (unsigned)st.st_uid);
        return CB_ERR_ARG;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(msg, msglen,
                 "data directory %s can be written by others (mode %03o): refused; "
                 "chmod go-w it",
                 path, (unsigned)(st.st_mode & 0777));
        return CB_ERR_ARG;
    }
    return CB_OK;
}

/* One node per data directory (as Core's .lock): a second one would share
 * the database and the cookie with the first. The lock is the kernel's, so
 * it goes with the process however that ends; others can test it the same
 * way (flock on <datadir>/.lock) to tell whether a node runs there. */
static cb_err lock_datadir(const char *dir, int *fd_out, char *msg, size_t msglen)
{
    char path[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(msg, msglen, "cannot open %s: %s", path, strerror(errno));
        return CB_ERR_ARG;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int why = errno;
        close(fd);
        if (why == EWOULDBLOCK) {
            snprintf(msg, msglen,
                     "cannot lock the data directory %s: a CoinBit node is probably running "
                     "there already",
                     dir);
            return CB_ERR_BUSY;
        }
        snprintf(msg, msglen, "cannot lock %s: %s", path, strerror(why));
        return CB_ERR_ARG;
    }
    *fd_out = fd;
    return CB_OK;
}

cb_err cb_node_start(cb_node **out, const cb_node_config *cfg, char *msg, size_t msglen)
{
    char path[PATH_MAX + 32];
    cb_err err;
    *out = NULL;
    if (msglen)
        msg[0] = '\0';
    err = make_datadir(cfg->datadir, msg, msglen);
    if (err != CB_OK)
        return err;
    if (cfg->mocktime)
        cb_node_set_mocktime(cfg->mocktime);
    int lock_fd;
    err = lock_datadir(cfg->datadir, &lock_fd, msg, msglen);
    if (err != CB_OK)
        return err;
    cb_node *n = calloc(1, sizeof *n);
    if (!n) {
        close(lock_fd);
        return CB_ERR_NOMEM;
    }
    n->lock_fd = lock_fd;
    n->cfg = *cfg;
    if (!n->cfg.minerimpl)
        n->cfg.minerimpl = cb_scan_best();
    if (!n->cfg.minethreads)
        n->cfg.minethreads = 1;
    pthread_mutex_init(&n->mu, NULL);
    pthread_cond_init(&n->cv, NULL);
    cb_block_init(&n->work);
    cb_block_init(&n->found);
    snprintf(path, sizeof path, "%s/debug.log", cfg->datadir);
    err = cb_logger_new(&n->log, path, cfg->debug, !cfg->quiet, NULL);
    if (err != CB_OK) {
        snprintf(msg, msglen, "cannot open %s: %s", path,
                 err == CB_ERR_ARG ? strerror(errno) : cb_strerror(err));
        goto fail;
    }
    cb_log(n->log, "CoinBit %s starting on %s, data in %s", CB_VERSION_STRING, cfg->params->name,
           cfg->datadir);
    if (!n->cfg.db[0]) {
        if (strlen(cfg->datadir) + sizeof "/coinbit.db" > sizeof n->cfg.db) {
            snprintf(msg, msglen, "data directory path too long");
            err = CB_ERR_ARG;
            goto fail;
        }
        snprintf(n->cfg.db, sizeof n->cfg.db, "%.*s/coinbit.db",
                 (int)(sizeof n->cfg.db - sizeof "/coinbit.db"), cfg->datadir);
    }
    const char *envpw = getenv("COINBIT_DB_PASSWORD");
    err = cb_store_open_auth(&n->store, cfg->params, n->cfg.db,
                             n->cfg.dbpassword[0] ? n->cfg.dbpassword : envpw, msg, msglen);
    sodium_memzero(n->cfg.dbpassword, sizeof n->cfg.dbpassword);
    if (err != CB_OK)
        goto fail;
    uint64_t seed;
    err = cb_random_bytes((uint8_t *)&seed, sizeof seed);
    if (err != CB_OK) {
        snprintf(msg, msglen, "no randomness from the OS");
        goto fail;
    }
    n->rejections = calloc(CB_NODE_REJECTIONS_KEPT, sizeof *n->rejections);
    n->chain = cb_chain_new(cfg->params, seed);
    n->mempool = cb_mempool_new(cfg->params, 50000, 50000 * CB_TX_SIZE, seed ^ 1);
    n->pool = cb_verify_pool_new(n->cfg.minethreads > 1 ? n->cfg.minethreads : 2, seed ^ 2);
    n->keys = cb_keyctx_new();
    if (!n->chain || !n->mempool || !n->pool || !n->keys || !n->rejections) {
        snprintf(msg, msglen, "out of memory at start");
        err = CB_ERR_NOMEM;
        goto fail;
    }
    cb_mempool_set_drop_fn(n->mempool, tx_dropped, n);
    cb_sig_checker checker = cb_verify_pool_checker(n->pool);
    cb_chain_set_sig_checker(n->chain, &checker);
    cb_load_report report;
    cb_load_options lo = {cfg->checkblocks, cfg->checklevel, cfg->reindex, &checker};
    err = cb_chainstore_open_checked(&n->cs, n->chain, n->store, cb_node_now(), &lo, &report);
    if (err == CB_ERR_STORE && report.why[0]) {
        snprintf(msg, msglen, "%s", report.why);
        goto fail;
    }
    if (err != CB_OK) {
        char shown[PATH_MAX];
        cb_store_uri_redact(shown, sizeof shown, n->cfg.db);
        snprintf(msg, msglen, "cannot load the chain from %s: %s (%s)", shown, cb_strerror(err),
                 cb_store_last_error(n->store));
        goto fail;
    }
    cb_log(n->log, "loaded %zu stored %s in %.0f ms%s; tip height %u", report.blocks,
           cfg->reindex ? "blocks" : "headers and the wallet table", report.load_ms,
           report.wallet_repaired ? " (wallet table rebuilt from the blocks)" : "",
           cb_chain_tip(n->chain)->height);
    if (cfg->reindex)
        cb_log(n->log, "reindex: every stored block checked in full, signatures included, and "
                       "the active chain's rows written again");
    else
        cb_log(n->log,
               "%zu blocks trusted as this store took them; the last %zu checked at level %d "
               "in %.1f ms",
               report.trusted, report.checked, cfg->checklevel, report.check_ms);
    if (report.refused)
        cb_log(n->log, "%zu stored blocks were refused by the rules and left out", report.refused);
    if (report.lost)
        cb_log(n->log,
               "%zu stored block bodies are gone or damaged; those blocks are headers only again "
               "and will be fetched from peers",
               report.lost);
#ifdef __GLIBC__
    malloc_trim(0); /* what the start read once goes back to the system */
#endif
    /* From here on the store writes on its own thread, behind the loop. */
    err = cb_store_write_behind(n->store, CB_NODE_WRITES_BEHIND, CB_NODE_WRITES_BEHIND_BYTES);
    if (err != CB_OK) {
        snprintf(msg, msglen, "cannot start the store's writer thread");
        goto fail;
    }
    if (report.disconnected || report.connected)
        cb_log(n->log,
               "the store had stopped off the chain with the most work (a reorganisation cut "
               "short): %zu blocks disconnected in it, %zu connected",
               report.disconnected, report.connected);

    evthread_use_pthreads();
    n->base = event_base_new();
    if (!n->base) {
        snprintf(msg, msglen, "cannot create the event loop");
        err = CB_ERR_NOMEM;
        goto fail;
    }
    /* Two workers: a long generatetoaddress leaves room for a login. */
    n->jobs = cb_jobs_new(n->base, 2, 64);
    if (!n->jobs) {
        snprintf(msg, msglen, "cannot start the worker threads");
        err = CB_ERR_THREAD;
        goto fail;
    }
    n->sig_int = evsignal_new(n->base, SIGINT, on_signal, n);
    n->sig_term = evsignal_new(n->base, SIGTERM, on_signal, n);
    if (cb_miner_init(n) != CB_OK || !n->sig_int || !n->sig_term ||
        event_add(n->sig_int, NULL) != 0 || event_add(n->sig_term, NULL) != 0) {
        snprintf(msg, msglen, "cannot set up events");
        err = CB_ERR_NOMEM;
        goto fail;
    }
    if (cfg->mine) {
        err = cb_node_set_generate(n, true, 0);
        if (err != CB_OK) {
            snprintf(msg, msglen, "cannot start mining: %s", cb_strerror(err));
            goto fail;
        }
    }
    *out = n;
    return CB_OK;
fail:
    if (msg[0])
        cb_log(n->log, "error: %s", msg);
    cb_node_free(n);
    return err;
}

void cb_node_run(cb_node *n)
{
    event_base_dispatch(n->base);
}

void cb_node_stop(cb_node *n)
{
    /* A moment's grace so the reply to "stop" is written before the loop ends. */
    struct timeval grace = {0, 200000};
    event_base_loopexit(n->base, &grace);
}

void cb_node_shutdown(cb_node *n)
{
    if (!n || n->shut_down)
        return;
    n->shut_down = true;
    cb_miner_free(n);
    /* Jobs end before the state they finish on goes: a running search is
     * stopped, and each unfinished job is let go. */
    atomic_store(&n->jobs_stop, 1);
    cb_jobs_free(n->jobs);
    n->jobs = NULL;
    n->nlisteners = 0;
}

void cb_node_free(cb_node *n)
{
    if (!n)
        return;
    cb_node_shutdown(n);
    if (n->sig_int)
        event_free(n->sig_int);
    if (n->sig_term)
        event_free(n->sig_term);
    if (n->base)
        event_base_free(n->base);
    cb_chainstore_free(n->cs);
    cb_chain_free(n->chain);
    cb_mempool_free(n->mempool);
    if (n->pool) {
        uint64_t ahead, hits;
        cb_verify_pool_stats(n->pool, &ahead, &hits);
        if (ahead > 0)
            cb_log(n->log, "signatures checked ahead of their block: %llu, found done: %llu",
                   (unsigned long long)ahead, (unsigned long long)hits);
    }
    cb_verify_pool_free(n->pool);
    cb_keyctx_free(n->keys);
    if (n->store)
        cb_log(n->log, "CoinBit stopped");
    cb_store_close(n->store);
    cb_block_clear(&n->work);
    cb_block_clear(&n->found);
    cb_logger_free(n->log);
    pthread_mutex_destroy(&n->mu);
    pthread_cond_destroy(&n->cv);
    close(n->lock_fd);
    free(n->rejections);
    free(n);
}

const cb_node_config *cb_node_cfg(const cb_node *n)
{
    return &n->cfg;
}

const cb_params *cb_node_params(const cb_node *n)
{
    return n->cfg.params;
}

cb_chain *cb_node_chain(cb_node *n)
{
    return n->chain;
}

cb_mempool *cb_node_mempool(cb_node *n)
{
    return n->mempool;
}

cb_store *cb_node_store(cb_node *n)
{
    return n->store;
}

cb_keyctx *cb_node_keys(cb_node *n)
{
    return n->keys;
}

cb_jobs *cb_node_jobs(cb_node *n)
{
    return n->jobs;
}

cb_logger *cb_node_logger(cb_node *n)
{
    return n->log;
}

struct event_base *cb_node_base(cb_node *n)
{
    return n->base;
}

cb_login_throttle *cb_node_logins(cb_node *n)
{
    return &n->logins;
}

cb_err cb_node_add_listener(cb_node *n, const cb_node_listener *l)
{
    if (n->nlisteners == CB_NODE_MAX_LISTENERS)
        return CB_ERR_TOO_LARGE;
    n->listeners[n->nlisteners++] = *l;
    return CB_OK;
}

void cb_node_remove_listener(cb_node *n, void *ctx)
{
    size_t k = 0;
    for (size_t i = 0; i < n->nlisteners; i++)
        if (n->listeners[i].ctx != ctx)
            n->listeners[k++] = n->listeners[i];
    n->nlisteners = k;
}
