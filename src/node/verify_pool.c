#include "node/verify_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/keycache.h"
#include "node/sig_cache.h"

/* Transactions a thread takes at once, at most: about a quarter of a
 * millisecond of work, large enough to keep the shared counter cold. As
 * a block runs out the batches shrink (Core's check queue does the same),
 * so that no thread is left finishing a long batch while the others wait:
 * a thread that the scheduler takes away (the store's writer shares the
 * cores) holds back at most one signature. */
#define BATCH 8
/* Below this many signatures the workers' wake-up costs more than it saves. */
#define MIN_PARALLEL 32
#define CACHE_SLOTS 8192
/* Checks made ahead: transactions whose good signatures are kept until
 * their block's turn (2.5 MiB), and the bytes of blocks waiting to be
 * checked ahead, at most. */
#define SIG_SLOTS 16384
#define AHEAD_BYTES (4u << 20)

/* A block handed over to be checked ahead of its turn. */
typedef struct ahead_job {
    struct ahead_job *next;
    uint8_t hash[32]; /* its header's */
    uint8_t *data;
    size_t len;
    const cb_params *params;
    bool late; /* under mu: its own check began, what is left is wasted */
} ahead_job;

typedef struct {
    pthread_t tid;
    cb_keycache *cache;
    struct cb_verify_pool *pool;
    ahead_job *job; /* under mu: the block it checks ahead, or NULL */
} worker;

struct cb_verify_pool {
    unsigned nthreads;
    worker *workers; /* nthreads - 1 */
    unsigned started;
    cb_keycache *own_cache; /* the caller's */
    pthread_mutex_t mu;
    pthread_cond_t wake, done, ahead_done;
    _Atomic uint64_t generation; /* written under mu; read without it by a thread checking ahead */
    atomic_bool stopping;
    unsigned busy;
    /* Checks ahead (cb_verify_pool_prefetch), under mu. */
    cb_sig_cache *sigs;
    ahead_job *ahead_head, *ahead_tail;
    size_t ahead_bytes;
    uint64_t ahead_checked;
    /* The job, valid from a generation's start until busy returns to 0. */
    const cb_params *params;
    const cb_block *block;
    atomic_size_t next;
    atomic_size_t first_bad;
    atomic_uint_fast64_t hits; /* signatures a check found done ahead */
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
    size_t start = atomic_load(&pool->next);
    for (;;) {
        if (start >= b->ntx)
            return;
        /* A share of what is left, so the block's last batches are single
         * signatures. */
        size_t size = (b->ntx - start) / (2 * pool->nthreads);
        size = size < 1 ? 1 : size > BATCH ? BATCH : size;
        if (!atomic_compare_exchange_weak(&pool->next, &start, start + size))
            continue;
        size_t end = start + size < b->ntx ? start + size : b->ntx;
        for (size_t i = start; i < end; i++) {
            /* Past an earlier failure nothing can change the verdict. */
            if (i > atomic_load(&pool->first_bad))
                return;
            if (cb_sig_cache_take(pool->sigs, &b->txs[i])) {
                atomic_fetch_add(&pool->hits, 1);
                continue;
            }
            if (cb_tx_verify_cached(&b->txs[i], pool->params->magic, cache) != CB_OK)
                lower_first_bad(&pool->first_bad, i);
        }
        start = atomic_load(&pool->next);
    }
}

/* Holding pool->mu, with a new generation out: takes part in the check
 * of its block. Returns holding mu again. */
static void join(struct cb_verify_pool *pool, worker *w, uint64_t *seen)
{
    *seen = pool->generation;
    pthread_mutex_unlock(&pool->mu);
    work(pool, w->cache);
    pthread_mutex_lock(&pool->mu);
    if (--pool->busy == 0)
        pthread_cond_signal(&pool->done);
}

/* Checks a handed-over block's signatures into the cache, breaking off
 * for any check the caller starts meanwhile (that block is the one the
 * node waits for). Bytes that do not parse, or whose transactions the
 * header does not commit to, are dropped: the block's own check will say
 * what is wrong with them. Stops at the first bad signature. */
static void check_ahead(struct cb_verify_pool *pool, worker *w, ahead_job *j, uint64_t *seen)
{
    cb_block b;
    cb_block_init(&b);
    /* Only a body its header commits to: the header is one we asked for
     * (so its work was checked), and then these are the very payments
     * the block's turn would check. A mangled copy costs hashing, not a
     * signature check a payment. */
    if (cb_block_parse(&b, j->data, j->len) != CB_OK || cb_block_check_commitment(&b) != CB_OK) {
        cb_block_clear(&b);
        return;
    }
    uint64_t checked = 0;
    for (size_t i = 1; i < b.ntx && !atomic_load(&pool->stopping); i++) {
        if (atomic_load(&pool->generation) != *seen) {
            pthread_mutex_lock(&pool->mu);
            if (pool->generation != *seen)
                join(pool, w, seen);
            /* Its own check came first: what is left would only be
             * kept for nobody. */
            bool late = j->late;
            pthread_mutex_unlock(&pool->mu);
            if (late)
                break;
        }
        const cb_tx *tx = &b.txs[i];
        if (cb_tx_is_coinbase(tx) || cb_sig_cache_has(pool->sigs, tx))
            continue;
        checked++;
        /* A bad one fails the block at its turn: the rest would only be
         * work a lying peer made us do. */
        if (cb_tx_verify_cached(tx, j->params->magic, w->cache) != CB_OK)
            break;
        cb_sig_cache_add(pool->sigs, tx);
    }
    cb_block_clear(&b);
    pthread_mutex_lock(&pool->mu);
    pool->ahead_checked += checked;
    pthread_mutex_unlock(&pool->mu);
}

/* Holding mu: whether no block waits or is being checked ahead. */
static bool ahead_idle(const struct cb_verify_pool *pool)
{
    if (pool->ahead_head)
        return false;
    for (unsigned i = 0; i < pool->started; i++)
        if (pool->workers[i].job)
            return false;
    return true;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    struct cb_verify_pool *pool = w->pool;
    uint64_t seen = 0;
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        while (!pool->stopping && pool->generation == seen && !pool->ahead_head)
            pthread_cond_wait(&pool->wake, &pool->mu);
        if (pool->stopping)
            break;
        if (pool->generation != seen) {
            join(pool, w, &seen);
            continue;
        }
        ahead_job *j = pool->ahead_head;
        pool->ahead_head = j->next;
        if (!pool->ahead_head)
            pool->ahead_tail = NULL;
        w->job = j;
        pthread_mutex_unlock(&pool->mu);
        check_ahead(pool, w, j, &seen);
        pthread_mutex_lock(&pool->mu);
        w->job = NULL;
        pool->ahead_bytes -= j->len;
        free(j->data);
        free(j);
        if (ahead_idle(pool))
            pthread_cond_broadcast(&pool->ahead_done);
    }
    pthread_mutex_unlock(&pool->mu);
    return NULL;
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
    pthread_cond_init(&pool->ahead_done, NULL);
    pool->own_cache = cb_keycache_new(CACHE_SLOTS, seed);
    pool->sigs = cb_sig_cache_new(SIG_SLOTS, seed ^ 0x5349474e41545552ull);
    pool->workers = calloc(pool->nthreads, sizeof *pool->workers);
    if (!pool->own_cache || !pool->sigs || !pool->workers)
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
    while (pool->ahead_head) {
        ahead_job *j = pool->ahead_head;
        pool->ahead_head = j->next;
        free(j->data);
        free(j);
    }
    cb_sig_cache_free(pool->sigs);
    cb_keycache_free(pool->own_cache);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->done);
    pthread_cond_destroy(&pool->ahead_done);
    pthread_mutex_destroy(&pool->mu);
    free(pool);
}

unsigned cb_verify_pool_threads(const cb_verify_pool *pool)
{
    return pool->nthreads;
}

/* Holding mu, at the start of the check of the block of this hash: drops
 * its check ahead if it still waits, and tells a thread checking it ahead
 * to stop. */
static void drop_ahead(struct cb_verify_pool *pool, const uint8_t hash[32])
{
    for (unsigned i = 0; i < pool->started; i++)
        if (pool->workers[i].job && memcmp(pool->workers[i].job->hash, hash, 32) == 0)
            pool->workers[i].job->late = true;
    for (ahead_job **pp = &pool->ahead_head, *prev = NULL; *pp; prev = *pp, pp = &(*pp)->next) {
        ahead_job *j = *pp;
        if (memcmp(j->hash, hash, 32) != 0)
            continue;
        *pp = j->next;
        if (pool->ahead_tail == j)
            pool->ahead_tail = prev;
        pool->ahead_bytes -= j->len;
        free(j->data);
        free(j);
        break;
    }
    if (ahead_idle(pool))
        pthread_cond_broadcast(&pool->ahead_done);
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
        uint8_t hash[32];
        cb_header_hash(hash, &b->header);
        pthread_mutex_lock(&pool->mu);
        drop_ahead(pool, hash);
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

void cb_verify_pool_prefetch(cb_verify_pool *pool, const cb_params *p, uint8_t *data, size_t len)
{
    cb_header h;
    uint8_t hash[32];
    if (data && len >= CB_HEADER_SIZE) {
        cb_header_parse(&h, data);
        cb_header_hash(hash, &h);
    }
    ahead_job *j = NULL;
    pthread_mutex_lock(&pool->mu);
    if (pool->started > 0 && len >= CB_HEADER_SIZE && len <= AHEAD_BYTES - pool->ahead_bytes)
        j = malloc(sizeof *j);
    if (!j) {
        pthread_mutex_unlock(&pool->mu);
        free(data);
        return;
    }
    j->next = NULL;
    j->late = false;
    memcpy(j->hash, hash, 32);
    j->data = data;
    j->len = len;
    j->params = p;
    if (pool->ahead_tail)
        pool->ahead_tail->next = j;
    else
        pool->ahead_head = j;
    pool->ahead_tail = j;
    pool->ahead_bytes += len;
    pthread_cond_signal(&pool->wake);
    pthread_mutex_unlock(&pool->mu);
}

void cb_verify_pool_wait_ahead(cb_verify_pool *pool)
{
    pthread_mutex_lock(&pool->mu);
    while (!ahead_idle(pool))
        pthread_cond_wait(&pool->ahead_done, &pool->mu);
    pthread_mutex_unlock(&pool->mu);
}

void cb_verify_pool_stats(cb_verify_pool *pool, uint64_t *checked_ahead, uint64_t *hits)
{
    pthread_mutex_lock(&pool->mu);
    *checked_ahead = pool->ahead_checked;
    pthread_mutex_unlock(&pool->mu);
    *hits = atomic_load(&pool->hits);
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
