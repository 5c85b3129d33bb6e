/* Mining in the node: the continuous miner (setgenerate, -mine) and
 * generatetoaddress.
 *
 * The continuous miner is one thread that waits for a template from the
 * loop, searches it (with as many search threads as asked), and hands a
 * solved block back to the loop through an event. The loop builds a new
 * template whenever the tip or the mempool changes and marks the current
 * search stale, so the thread never mines on an old tip for long.
 *
 * generatetoaddress runs as a chain of jobs on the node's workers, so the
 * loop keeps serving peers and RPC clients during each search. */
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/node_internal.h"
#include "node/pow_search.h"
#include "node/template.h"

/* Hands a fresh template to the miner thread (and stops the old search). */
static void give_work(cb_node *n)
{
    if (!n->generating || !n->miner_started)
        return;
    cb_block b;
    if (cb_template_build(n->chain, n->mempool, n->cfg.mineto, cb_node_now(), ++n->extra_nonce,
                          CB_MAX_BLOCK_TXS, &b) != CB_OK) {
        cb_log(n->log, "miner: cannot build a template (out of memory)");
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
    unsigned epoch; /* the node's generate_epoch when it began */
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
    if (g->epoch != g->n->generate_epoch) {
        generate_end(g, CB_ERR_CANCELLED);
        return;
    }
    cb_err err = g->made == g->count ? CB_OK : generate_start(g);
    if (g->made == g->count || err != CB_OK)
        generate_end(g, err);
}

static void generate_done(void *arg, bool cancelled)
{
    generate_job *g = arg;
    cb_node *n = g->n;
    if (cancelled || g->epoch != n->generate_epoch) {
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
    g->epoch = n->generate_epoch;
    /* A search an earlier cancel stopped has ended or will end by its
     * epoch; this one runs. */
    atomic_store(&n->jobs_stop, 0);
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
        cb_log(n->log, "miner: our block was refused: %s", cb_err_reason(err));
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
        cb_log(n->log, "mining on %u thread%s with the %s kernel", n->cfg.minethreads,
               n->cfg.minethreads == 1 ? "" : "s", n->cfg.minerimpl->name);
        give_work(n);
    } else {
        /* Under the miner's lock: a template it has not taken yet is
         * withdrawn, and a search it has begun is stopped, either way. */
        pthread_mutex_lock(&n->mu);
        n->have_work = false;
        atomic_store(&n->stale, 1);
        pthread_mutex_unlock(&n->mu);
        cb_log(n->log, "mining off");
    }
    return CB_OK;
}

void cb_node_mining_info(cb_node *n, cb_mining_info *out)
{
    pthread_mutex_lock(&n->mu);
    out->hashrate = n->generating ? n->hashrate : 0;
    pthread_mutex_unlock(&n->mu);
    out->generating = n->generating;
    out->threads = n->cfg.minethreads;
    out->impl = n->cfg.minerimpl->name;
}

void cb_miner_new_work(cb_node *n, bool soon)
{
    if (!n->generating)
        return;
    if (soon)
        event_active(n->work_ev, 0, 0);
    else
        give_work(n);
}

cb_err cb_miner_init(cb_node *n)
{
    n->found_ev = event_new(n->base, -1, 0, on_found, n);
    n->work_ev = event_new(n->base, -1, 0, on_new_work, n);
    return n->found_ev && n->work_ev ? CB_OK : CB_ERR_NOMEM;
}

void cb_miner_free(cb_node *n)
{
    if (n->miner_started) {
        pthread_mutex_lock(&n->mu);
        n->quit = true;
        atomic_store(&n->stale, 1);
        pthread_cond_signal(&n->cv);
        pthread_mutex_unlock(&n->mu);
        pthread_join(n->miner, NULL);
        n->miner_started = false;
    }
    if (n->found_ev)
        event_free(n->found_ev);
    if (n->work_ev)
        event_free(n->work_ev);
    n->found_ev = n->work_ev = NULL;
}

void cb_node_generate_cancel(cb_node *n)
{
    n->generate_epoch++;
    atomic_store(&n->jobs_stop, 1);
}
