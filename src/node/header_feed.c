/* The header feed: a reader thread walks the store into batches; full
 * batches queue in a small ring the caller takes from, hashing each
 * header there (the store's walk is the slower half: the hashing on its
 * side made it slower still).
 * A batch belongs to the reader until it is queued and to the caller
 * until it is handed back, so only the ring's counts are shared. */
#include "node/header_feed.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/block.h"

#define BATCH 512 /* headers a batch */
#define RING 8    /* batches in flight */

typedef struct {
    size_t n;
    cb_fed_header h[BATCH];
} batch;

typedef struct {
    cb_store *s;
    pthread_mutex_t mu;
    pthread_cond_t changed;
    batch ring[RING];
    size_t head, queued; /* the caller's next batch; batches queued */
    batch *fill;         /* the reader's: the slot after the queued ones */
    bool done, stop;     /* the walk ended (err its result); the caller quit */
    cb_err err;
} feed;

/* The reader's batch: the ring's slot after the queued ones. */
static batch *filling(feed *f)
{
    return &f->ring[(f->head + f->queued) % RING];
}

/* Queues the filled batch, waiting for room. Returns false when the
 * caller has quit. */
static bool queue_batch(feed *f)
{
    pthread_mutex_lock(&f->mu);
    f->queued++;
    pthread_cond_broadcast(&f->changed);
    while (f->queued == RING && !f->stop)
        pthread_cond_wait(&f->changed, &f->mu);
    bool go_on = !f->stop;
    if (go_on) {
        f->fill = filling(f);
        f->fill->n = 0;
    }
    pthread_mutex_unlock(&f->mu);
    return go_on;
}

/* Whether a row's header hashes to it. */
static void hash_check(cb_fed_header *x)
{
    uint8_t got[32];
    cb_header_hash(got, &x->row.header);
    x->hash_ok = memcmp(got, x->row.hash, 32) == 0;
}

static cb_err take_one(void *ctx, const cb_stored_header *row)
{
    feed *f = ctx;
    batch *b = f->fill;
    b->h[b->n++].row = *row;
    if (b->n == BATCH && !queue_batch(f))
        return CB_ERR_CANCELLED;
    return CB_OK;
}

static void *reader_main(void *arg)
{
    feed *f = arg;
    cb_err err = cb_store_foreach_header(f->s, take_one, f);
    pthread_mutex_lock(&f->mu);
    if (err == CB_OK && f->fill->n > 0)
        f->queued++; /* the last, part-filled batch */
    f->err = err;
    f->done = true;
    pthread_cond_broadcast(&f->changed);
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

/* Without a thread: each header as the walk gives it. */
typedef struct {
    cb_header_feed_fn fn;
    void *ctx;
} direct;

static cb_err direct_one(void *ctx, const cb_stored_header *row)
{
    direct *d = ctx;
    cb_fed_header x = {.row = *row};
    hash_check(&x);
    return d->fn(d->ctx, &x, 1);
}

cb_err cb_header_feed(cb_store *s, cb_header_feed_fn fn, void *ctx)
{
    feed *f = calloc(1, sizeof *f);
    pthread_t reader;
    if (!f)
        return CB_ERR_NOMEM;
    f->s = s;
    f->fill = &f->ring[0];
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->changed, NULL);
    if (pthread_create(&reader, NULL, reader_main, f) != 0) {
        pthread_cond_destroy(&f->changed);
        pthread_mutex_destroy(&f->mu);
        free(f);
        direct d = {fn, ctx};
        return cb_store_foreach_header(s, direct_one, &d);
    }
    cb_err err = CB_OK;
    pthread_mutex_lock(&f->mu);
    for (;;) {
        while (f->queued == 0 && !f->done)
            pthread_cond_wait(&f->changed, &f->mu);
        if (f->queued == 0)
            break; /* done, and every batch taken */
        batch *b = &f->ring[f->head];
        pthread_mutex_unlock(&f->mu);
        for (size_t i = 0; i < b->n; i++)
            hash_check(&b->h[i]);
        err = fn(ctx, b->h, b->n);
        pthread_mutex_lock(&f->mu);
        f->head = (f->head + 1) % RING;
        f->queued--;
        pthread_cond_broadcast(&f->changed);
        if (err != CB_OK) {
            f->stop = true;
            break;
        }
    }
    pthread_mutex_unlock(&f->mu);
    pthread_join(reader, NULL);
    if (err == CB_OK)
        err = f->err;
    pthread_cond_destroy(&f->changed);
    pthread_mutex_destroy(&f->mu);
    free(f);
    return err;
}
