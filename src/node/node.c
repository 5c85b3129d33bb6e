#include "node/node.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/hex.h"
#include "crypto/random.h"
#include "node/pow_search.h"
#include "rpc/rpc.h"
#include "node/template.h"

int64_t cb_node_now(void)
{
    return (int64_t)time(NULL);
}

static void vlog(cb_node *n, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void vlog(cb_node *n, const char *fmt, va_list ap)
{
    char line[2048], secs[24], stamp[64];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(secs, sizeof secs, "%Y-%m-%dT%H:%M:%S", &tm);
    /* Milliseconds: blocks cross a local network in less than a second. */
    snprintf(stamp, sizeof stamp, "%s.%03uZ", secs, (unsigned)(ts.tv_nsec / 1000000) % 1000u);
    vsnprintf(line, sizeof line, fmt, ap);
    fprintf(stderr, "%s %s\n", stamp, line);
    if (n && n->log) {
        fprintf(n->log, "%s %s\n", stamp, line);
        fflush(n->log);
    }
}

void cb_log(cb_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(n, fmt, ap);
    va_end(ap);
}

void cb_log_debug(cb_node *n, const char *fmt, ...)
{
    if (!n || !n->cfg.debug)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(n, fmt, ap);
    va_end(ap);
}

/* What the chain did during one accept, for the mempool afterwards. One
 * accept can connect many blocks (a parent arriving after its children
 * during sync), so the list grows as needed. */
typedef struct {
    const cb_block **blocks;
    bool *connected;
    size_t n, cap;
    bool overflow; /* out of memory: some events were not recorded */
} chain_events;

static cb_err note_event(chain_events *ev, const cb_block *b, bool connected)
{
    if (ev->n == ev->cap) {
        size_t cap = ev->cap ? ev->cap * 2 : 64;
        const cb_block **blocks = realloc(ev->blocks, cap * sizeof *blocks);
        if (!blocks) {
            ev->overflow = true;
            return CB_OK;
        }
        ev->blocks = blocks;
        bool *flags = realloc(ev->connected, cap * sizeof *flags);
        if (!flags) {
            ev->overflow = true;
            return CB_OK;
        }
        ev->connected = flags;
        ev->cap = cap;
    }
    ev->blocks[ev->n] = b;
    ev->connected[ev->n++] = connected;
    return CB_OK;
}

static cb_err note_connected(void *ctx, const cb_chain_entry *e, const cb_undo *undo)
{
    (void)undo;
    return note_event(ctx, e->block, true);
}

static cb_err note_disconnected(void *ctx, const cb_chain_entry *e)
{
    return note_event(ctx, e->block, false);
}

/* Hands a fresh template to the miner thread (and stops the old search). */
static void give_work(cb_node *n)
{
    if (!n->generating || !n->miner_started)
        return;
    cb_block b;
    if (cb_template_build(n->chain, n->mempool, n->cfg.mineto, cb_node_now(), ++n->extra_nonce,
                          CB_MAX_BLOCK_TXS, &b) != CB_OK) {
        cb_log(n, "miner: cannot build a template (out of memory)");
        return;
    }
    pthread_mutex_lock(&n->mu);
    cb_block_clear(&n->work);
    n->work = b;
    n->have_work = true;
    n->work_threads = n->cfg.minethreads;
    atomic_store(&n->stale, 1);
    pthread_cond_signal(&n->cv);
    pthread_mutex_unlock(&n->mu);
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
        cb_log(n, "store: cannot mark a dropped payment: %s", cb_store_last_error(n->store));
}

cb_err cb_node_submit_block(cb_node *n, const cb_block *b, size_t *bad_tx)
{
    chain_events ev = {NULL, NULL, 0, 0, false};
    cb_chain_listener l = {&ev, note_connected, note_disconnected};
    const cb_chain_entry *before = cb_chain_tip(n->chain);
    cb_chainstore_set_listener(n->cs, &l);
    cb_err err = cb_chainstore_accept_block(n->cs, b, cb_node_now(), bad_tx);
    cb_chainstore_set_listener(n->cs, NULL);
    /* The mempool follows the final state: disconnected blocks' payments
     * are offered back, then the connected blocks' are taken out. */
    const cb_accounts *state = cb_chain_state(n->chain);
    /* Blocks are disconnected tip first; their payments go back oldest
     * block first, or a sender's later nonce would arrive before its
     * earlier one and be refused. */
    for (size_t i = ev.n; i-- > 0;)
        if (!ev.connected[i] &&
            cb_mempool_block_disconnected(n->mempool, state, ev.blocks[i]) != CB_OK)
            cb_log(n, "mempool: out of memory re-adding a disconnected block");
    for (size_t i = 0; i < ev.n; i++)
        if (ev.connected[i] && cb_mempool_block_connected(n->mempool, state, ev.blocks[i]) != CB_OK)
            cb_log(n, "mempool: out of memory updating after a block");
    /* Payments of blocks we left that are pending again go out anew. */
    for (size_t i = 0; i < ev.n; i++) {
        if (ev.connected[i])
            continue;
        for (size_t k = 1; k < ev.blocks[i]->ntx; k++) {
            uint8_t txid[32];
            cb_tx_txid(txid, &ev.blocks[i]->txs[k]);
            if (cb_mempool_get(n->mempool, txid, NULL))
                cb_net_tx_returned(n->net, txid);
        }
    }
    if (err == CB_ERR_STORE) {
        /* The store could not record the block (its engine has already
         * retried a lost server): the chain took the block back, but
         * running on would drift from the database. Stop cleanly. */
        cb_log(n, "store failed: %s; stopping so nothing is half-written",
               cb_store_last_error(n->store));
        cb_node_stop(n);
    }
    if (ev.overflow)
        cb_log(n, "mempool: out of memory following the chain; some payments may not return");
    free(ev.blocks);
    free(ev.connected);
    const cb_chain_entry *tip = cb_chain_tip(n->chain);
    if (tip != before) {
        char hex[65];
        cb_hash_to_hex(hex, tip->hash);
        cb_log(n, "new tip %s height %u (%zu tx)", hex, tip->height, tip->block->ntx);
        give_work(n);
        cb_net_tip_changed(n->net, before);
    }
    return err;
}

cb_err cb_node_submit_tx(cb_node *n, const cb_tx *tx, uint8_t txid[32])
{
    cb_err err = cb_mempool_add(n->mempool, cb_chain_state(n->chain), tx, txid);
    if (err != CB_OK)
        return err;
    if (cb_store_put_pending_tx(n->store, tx, cb_node_now()) != CB_OK)
        cb_log(n, "store: cannot record a pending transaction: %s", cb_store_last_error(n->store));
    /* One new template for all the payments this turn of the loop brings
     * (a relayed burst is many), not one per payment. */
    if (n->generating)
        event_active(n->work_ev, 0, 0);
    cb_net_tx_accepted(n->net, txid, 0);
    return CB_OK;
}

/* generatetoaddress as a chain of jobs: each block's template is built on
 * the loop, its nonces are searched on a worker, and the found block is
 * submitted back on the loop, so peers and RPC clients are served between
 * blocks and during each search. */
typedef struct {
    cb_node *n;
    uint8_t to[20];
    unsigned count, made;
    uint8_t (*hashes)[32];
    cb_block b;        /* the block being searched (owned by the job) */
    uint8_t prev[32];  /* the tip it was built on */
    cb_err search_err; /* the worker's verdict */
    uint64_t extra;    /* the worker's own extra nonces */
    cb_generate_done_fn done;
    void *ctx;
} generate_job;

static void generate_work(void *arg)
{
    generate_job *g = arg;
    cb_search_opts opts = {g->n->cfg.minerimpl, g->n->cfg.minethreads, &g->n->jobs_stop};
    uint64_t hashes = 0;
    cb_err err;
    while ((err = cb_pow_search(g->n->cfg.params, &g->b.header, &opts, &hashes)) ==
           CB_ERR_NOT_FOUND) {
        /* 2^32 nonces spent: another extra nonce, another merkle root.
         * The top bits keep these apart from the loop's extra nonces. */
        err = cb_template_set_extra_nonce(&g->b, (3ull << 62) | ++g->extra);
        if (err != CB_OK)
            break;
    }
    g->search_err = err;
}

static void generate_end(generate_job *g, cb_err err)
{
    g->done(g->ctx, err, g->hashes, g->made);
    cb_block_clear(&g->b);
    free(g->hashes);
    free(g);
}

static void generate_done(void *arg, bool cancelled);

/* Builds the next block on the current tip and hands it to a worker.
 * Returns: CB_OK, or the error of the template or the queue. */
static cb_err generate_start(generate_job *g)
{
    cb_node *n = g->n;
    cb_block_clear(&g->b);
    cb_err err = cb_template_build(n->chain, n->mempool, g->to, cb_node_now(), ++n->extra_nonce,
                                   CB_MAX_BLOCK_TXS, &g->b);
    if (err != CB_OK)
        return err;
    memcpy(g->prev, cb_chain_tip(n->chain)->hash, 32);
    return cb_jobs_submit(n->jobs, generate_work, generate_done, g);
}

static void generate_next(generate_job *g)
{
    cb_err err = g->made == g->count ? CB_OK : generate_start(g);
    if (g->made == g->count || err != CB_OK)
        generate_end(g, err);
}

static void generate_done(void *arg, bool cancelled)
{
    generate_job *g = arg;
    cb_node *n = g->n;
    if (cancelled) {
        generate_end(g, CB_ERR_CANCELLED);
        return;
    }
    if (g->search_err != CB_OK) {
        generate_end(g, g->search_err);
        return;
    }
    if (memcmp(g->prev, cb_chain_tip(n->chain)->hash, 32) != 0) {
        /* Another block came first (a peer's, the miner's, another
         * generate call's): this one would only start a side branch. */
        generate_next(g);
        return;
    }
    size_t bad;
    cb_err err = cb_node_submit_block(n, &g->b, &bad);
    if (err != CB_OK) {
        generate_end(g, err);
        return;
    }
    cb_header_hash(g->hashes[g->made++], &g->b.header);
    generate_next(g);
}

cb_err cb_node_generate(cb_node *n, const uint8_t to[20], unsigned count, cb_generate_done_fn done,
                        void *ctx)
{
    if (count == 0)
        return CB_ERR_ARG;
    generate_job *g = calloc(1, sizeof *g);
    if (!g)
        return CB_ERR_NOMEM;
    g->hashes = malloc((count ? count : 1) * sizeof *g->hashes);
    if (!g->hashes) {
        free(g);
        return CB_ERR_NOMEM;
    }
    g->n = n;
    memcpy(g->to, to, 20);
    g->count = count;
    g->done = done;
    g->ctx = ctx;
    cb_block_init(&g->b);
    cb_err err = generate_start(g);
    if (err != CB_OK) {
        cb_block_clear(&g->b);
        free(g->hashes);
        free(g);
    }
    return err;
}

static void *miner_main(void *arg)
{
    cb_node *n = arg;
    cb_search_opts opts = {n->cfg.minerimpl, 1, &n->stale};
    for (;;) {
        cb_block b;
        pthread_mutex_lock(&n->mu);
        while (!n->quit && !n->have_work)
            pthread_cond_wait(&n->cv, &n->mu);
        if (n->quit) {
            pthread_mutex_unlock(&n->mu);
            return NULL;
        }
        if (cb_block_copy(&b, &n->work) != CB_OK) {
            pthread_mutex_unlock(&n->mu);
            continue;
        }
        n->have_work = false;
        /* Under mu, as every store of stale: a stop (setgenerate false,
         * a new template) cannot fall between taking the work and this. */
        atomic_store(&n->stale, 0);
        opts.threads = n->work_threads; /* setgenerate's count, per template */
        pthread_mutex_unlock(&n->mu);
        uint64_t extra = 0;
        for (;;) {
            uint64_t done = 0;
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            cb_err err = cb_pow_search(n->cfg.params, &b.header, &opts, &done);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
            pthread_mutex_lock(&n->mu);
            n->hashes_done += done;
            if (dt > 0.01)
                n->hashrate = (double)done / dt;
            pthread_mutex_unlock(&n->mu);
            if (err == CB_ERR_NOT_FOUND) {
                /* 2^32 nonces spent: a new extra nonce, a new merkle root. */
                if (cb_template_set_extra_nonce(&b, (1ull << 63) | ++extra) != CB_OK)
                    break;
                continue;
            }
            if (err == CB_OK) {
                pthread_mutex_lock(&n->mu);
                if (n->have_found)
                    cb_block_clear(&n->found);
                n->found = b;
                n->have_found = true;
                pthread_mutex_unlock(&n->mu);
                event_active(n->found_ev, EV_READ, 0);
                cb_block_init(&b); /* ownership moved */
            }
            break; /* found, stale or stopped: wait for the next template */
        }
        cb_block_clear(&b);
    }
}

static void on_new_work(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    give_work(arg);
}

static void on_found(evutil_socket_t fd, short what, void *arg)
{
    cb_node *n = arg;
    cb_block b;
    bool have;
    (void)fd;
    (void)what;
    pthread_mutex_lock(&n->mu);
    have = n->have_found;
    b = n->found;
    n->have_found = false;
    cb_block_init(&n->found);
    pthread_mutex_unlock(&n->mu);
    if (!have)
        return;
    if (!n->generating) {
        /* Mining was switched off after this search began: honour the
         * switch, so no block of ours lands after setgenerate false. */
        cb_block_clear(&b);
        return;
    }
    size_t bad;
    cb_err err = cb_node_submit_block(n, &b, &bad);
    if (err != CB_OK)
        cb_log(n, "miner: our block was refused: %s", cb_err_reason(err));
    cb_block_clear(&b);
    /* A refused or stale find still needs new work. */
    give_work(n);
}

cb_err cb_node_set_generate(cb_node *n, bool on, unsigned threads)
{
    if (on && !n->cfg.have_mineto)
        return CB_ERR_ARG;
    if (threads)
        n->cfg.minethreads = threads;
    if (on && !n->miner_started) {
        if (pthread_create(&n->miner, NULL, miner_main, n) != 0)
            return CB_ERR_THREAD;
        n->miner_started = true;
    }
    n->generating = on;
    if (on) {
        cb_log(n, "mining on %u thread%s with the %s kernel", n->cfg.minethreads,
               n->cfg.minethreads == 1 ? "" : "s", n->cfg.minerimpl->name);
        give_work(n);
    } else {
        /* Under the miner's lock: a template it has not taken yet is
         * withdrawn, and a search it has begun is stopped, either way. */
        pthread_mutex_lock(&n->mu);
        n->have_work = false;
        atomic_store(&n->stale, 1);
        pthread_mutex_unlock(&n->mu);
        cb_log(n, "mining off");
    }
    return CB_OK;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    cb_node *n = arg;
    (void)what;
    cb_log(n, "signal %d: shutting down", (int)sig);
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

cb_err cb_node_start(cb_node **out, const cb_node_config *cfg, char *msg, size_t msglen)
{
    char path[PATH_MAX + 32];
    cb_err err;
    *out = NULL;
    err = make_datadir(cfg->datadir, msg, msglen);
    if (err != CB_OK)
        return err;
    cb_node *n = calloc(1, sizeof *n);
    if (!n)
        return CB_ERR_NOMEM;
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
    n->log = fopen(path, "a");
    if (!n->log) {
        snprintf(msg, msglen, "cannot open %s: %s", path, strerror(errno));
        err = CB_ERR_ARG;
        goto fail;
    }
    cb_log(n, "CoinBit %s starting on %s, data in %s", CB_VERSION_STRING, cfg->params->name,
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
    n->chain = cb_chain_new(cfg->params, seed);
    n->mempool = cb_mempool_new(cfg->params, 50000, 50000 * CB_TX_SIZE, seed ^ 1);
    n->pool = cb_verify_pool_new(n->cfg.minethreads > 1 ? n->cfg.minethreads : 2, seed ^ 2);
    n->keys = cb_keyctx_new();
    if (!n->chain || !n->mempool || !n->pool || !n->keys) {
        snprintf(msg, msglen, "out of memory at start");
        err = CB_ERR_NOMEM;
        goto fail;
    }
    cb_mempool_set_drop_fn(n->mempool, tx_dropped, n);
    cb_sig_checker checker = cb_verify_pool_checker(n->pool);
    cb_chain_set_sig_checker(n->chain, &checker);
    cb_load_report report;
    err = cb_chainstore_open(&n->cs, n->chain, n->store, cb_node_now(), &report);
    if (err != CB_OK) {
        char shown[PATH_MAX];
        cb_store_uri_redact(shown, sizeof shown, n->cfg.db);
        snprintf(msg, msglen, "cannot load the chain from %s: %s (%s)", shown, cb_strerror(err),
                 cb_store_last_error(n->store));
        goto fail;
    }
    cb_log(n, "loaded %zu stored blocks%s; tip height %u", report.blocks,
           report.wallet_repaired ? " (wallet table rebuilt from the blocks)" : "",
           cb_chain_tip(n->chain)->height);
    if (report.refused)
        cb_log(n, "%zu stored blocks were refused by the rules and left out", report.refused);

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
    n->found_ev = event_new(n->base, -1, 0, on_found, n);
    n->work_ev = event_new(n->base, -1, 0, on_new_work, n);
    n->sig_int = evsignal_new(n->base, SIGINT, on_signal, n);
    n->sig_term = evsignal_new(n->base, SIGTERM, on_signal, n);
    if (!n->found_ev || !n->work_ev || !n->sig_int || !n->sig_term ||
        event_add(n->sig_int, NULL) != 0 || event_add(n->sig_term, NULL) != 0) {
        snprintf(msg, msglen, "cannot set up events");
        err = CB_ERR_NOMEM;
        goto fail;
    }
    err = cb_rpc_start(&n->rpc, n, msg, msglen);
    if (err != CB_OK)
        goto fail;
    if (cfg->network) {
        err = cb_net_start(&n->net, n, &cfg->net, msg, msglen);
        if (err != CB_OK)
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
        cb_log(n, "error: %s", msg);
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

void cb_node_free(cb_node *n)
{
    if (!n)
        return;
    if (n->miner_started) {
        pthread_mutex_lock(&n->mu);
        n->quit = true;
        atomic_store(&n->stale, 1);
        pthread_cond_signal(&n->cv);
        pthread_mutex_unlock(&n->mu);
        pthread_join(n->miner, NULL);
    }
    /* Jobs end before the state they finish on goes: a running search is
     * stopped, and each unfinished job is let go. */
    atomic_store(&n->jobs_stop, 1);
    cb_jobs_free(n->jobs);
    cb_net_free(n->net);
    cb_rpc_stop(n->rpc);
    if (n->found_ev)
        event_free(n->found_ev);
    if (n->work_ev)
        event_free(n->work_ev);
    if (n->sig_int)
        event_free(n->sig_int);
    if (n->sig_term)
        event_free(n->sig_term);
    if (n->base)
        event_base_free(n->base);
    cb_chainstore_free(n->cs);
    cb_chain_free(n->chain);
    cb_mempool_free(n->mempool);
    cb_verify_pool_free(n->pool);
    cb_keyctx_free(n->keys);
    if (n->store)
        cb_log(n, "CoinBit stopped");
    cb_store_close(n->store);
    cb_block_clear(&n->work);
    cb_block_clear(&n->found);
    if (n->log)
        fclose(n->log);
    pthread_mutex_destroy(&n->mu);
    pthread_cond_destroy(&n->cv);
    free(n);
}
