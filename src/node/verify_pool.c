#include "node/verify_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "crypto/keycache.h"

/* Transactions a thread takes at once: about half a millisecond of work,
 * small enough to balance a block, large enough to keep the shared
 * counter cold. */
#define BATCH 16
/* Below this many signatures the workers' wake-up costs more than it saves. */
#define MIN_PARALLEL (4 * BATCH)
#define CACHE_SLOTS 8192

typedef struct {
    pthread_t tid;
    cb_keycache *cache;
    struct cb_verify_pool *pool;
} worker;

struct cb_verify_pool {
    unsigned nthreads;
    worker *workers; /* nthreads - 1 */
    unsigned started;
    cb_keycache *own_cache; /* the caller's */
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    uint64_t generation;
    bool stopping;
    unsigned busy;
    /* The job, valid from a generation's start until busy returns to 0. */
    const cb_params *params;
    const cb_block *block;
    atomic_size_t next;
    atomic_size_t first_bad;
};

static void lower_first_bad(atomic_size_t *first_bad, size_t i)
{
    size_t cur = atomic_load(first_bad);
    while (i < cur && !atomic_compare_exchange_weak(first_bad, &cur, i)) {
    }
}

/* Takes batches until the block is done. */
static void work(struct cb_verify_pool *pool, cb_keycache *cache)
{
    const cb_block *b = pool->block;
    for (;;) {
        size_t start = atomic_fetch_add(&pool->next, BATCH);
        if (start >= b->ntx)
            return;
        size_t end = start + BATCH < b->ntx ? start + BATCH : b->ntx;
        for (size_t i = start; i < end; i++) {
            /* Past an earlier failure nothing can change the verdict. */
            if (i > atomic_load(&pool->first_bad))
                return;
            if (cb_tx_verify_cached(&b->txs[i], pool->params->magic, cache) != CB_OK)
                lower_first_bad(&pool->first_bad, i);
        }
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    struct cb_verify_pool *pool = w->pool;
    uint64_t seen = 0;
    for (;;) {
        pthread_mutex_lock(&pool->mu);
        while (!pool->stopping && pool->generation == seen)
            pthread_cond_wait(&pool->wake, &pool->mu);
        if (pool->stopping) {
            pthread_mutex_unlock(&pool->mu);
            return NULL;
        }
        seen = pool->generation;
        pthread_mutex_unlock(&pool->mu);
        work(pool, w->cache);
        pthread_mutex_lock(&pool->mu);
        if (--pool->busy == 0)
            pthread_cond_signal(&pool->done);
        pthread_mutex_unlock(&pool->mu);
    }
}

cb_verify_pool *cb_verify_pool_new(unsigned threads, uint64_t seed)
{
    struct cb_verify_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    pool->nthreads = threads ? threads : 1;
    pthread_mutex_init(&pool->mu, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);
    pool->own_cache = cb_keycache_new(CACHE_SLOTS, seed);
    pool->workers = calloc(pool->nthreads, sizeof *pool->workers);
    if (!pool->own_cache || !pool->workers)
        goto fail;
    for (unsigned i = 0; i + 1 < pool->nthreads; i++) {
        worker *w = &pool->workers[i];
        w->pool = pool;
        w->cache = cb_keycache_new(CACHE_SLOTS, seed + i + 1);
        if (!w->cache || pthread_create(&w->tid, NULL, worker_main, w) != 0) {
            cb_keycache_free(w->cache);
            w->cache = NULL;
            goto fail;
        }
        pool->started++;
    }
    return pool;
fail:
    cb_verify_pool_free(pool);
    return NULL;
}

void cb_verify_pool_free(cb_verify_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->mu);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mu);
    for (unsigned i = 0; i < pool->started; i++) {
        pthread_join(pool->workers[i].tid, NULL);
        cb_keycache_free(pool->workers[i].cache);
    }
    free(pool->workers);
    cb_keycache_free(pool->own_cache);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->done);
    pthread_mutex_destroy(&pool->mu);
    free(pool);
}

unsigned cb_verify_pool_threads(const cb_verify_pool *pool)
{
    return pool->nthreads;
}

cb_err cb_verify_pool_check(cb_verify_pool *pool, const cb_params *p, const cb_block *b,
                            size_t *bad_tx)
{
    *bad_tx = CB_NO_TX;
    pool->params = p;
    pool->block = b;
    atomic_store(&pool->next, 1); /* the coinbase has no signature */
    atomic_store(&pool->first_bad, (size_t)-1);
    if (pool->started > 0 && b->ntx > MIN_PARALLEL) {
        pthread_mutex_lock(&pool->mu);
        pool->busy = pool->started;
        pool->generation++;
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mu);
        work(pool, pool->own_cache);
        /* The block must outlive every worker's last look at it. */
        pthread_mutex_lock(&pool->mu);
        while (pool->busy > 0)
            pthread_cond_wait(&pool->done, &pool->mu);
        pthread_mutex_unlock(&pool->mu);
    } else {
        work(pool, pool->own_cache);
    }
    size_t bad = atomic_load(&pool->first_bad);
    pool->block = NULL;
    if (bad == (size_t)-1)
        return CB_OK;
    *bad_tx = bad;
    /* Which error: the serial check's, for the same transaction. */
    cb_err err = cb_tx_verify(&b->txs[bad], p->magic);
    return err != CB_OK ? err : CB_ERR_TX_SIG;
}

static cb_err check_adapter(void *ctx, const cb_params *p, const cb_block *b, size_t *bad_tx)
{
    return cb_verify_pool_check(ctx, p, b, bad_tx);
}

cb_sig_checker cb_verify_pool_checker(cb_verify_pool *pool)
{
    cb_sig_checker s = {pool, check_adapter};
    return s;
}
