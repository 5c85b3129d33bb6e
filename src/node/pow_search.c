#include "node/pow_search.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/arith.h"
#include "core/pow.h"

/* Nonce words per kernel call: about 2 ms at the fastest kernel, so a
 * stop request is heard quickly. */
#define CHUNK 65536u
#define NCHUNKS (1u << 16) /* 2^32 / CHUNK */

typedef struct {
    const cb_params *p;
    cb_header header;
    cb_scan_template t;
    const cb_scan_impl *impl;
    const atomic_int *stop;
    atomic_uint next_chunk;
    /* The lowest solution's nonce word so far, or NONE. Chunks are handed
     * out in order, and a thread only stops taking chunks past it, so
     * every lower chunk is finished: the result is the first solution in
     * scan order, whatever the thread count. */
    atomic_ullong best;
    atomic_ullong hashes;
} search;

#define NONE UINT64_MAX

static void lower_best(atomic_ullong *best, uint64_t w3)
{
    unsigned long long cur = atomic_load(best);
    while (w3 < cur && !atomic_compare_exchange_weak(best, &cur, w3)) {
    }
}

static void *search_thread(void *arg)
{
    search *s = arg;
    uint32_t *cand = malloc(CHUNK * sizeof *cand);
    cb_header h = s->header;
    if (!cand)
        return NULL;
    for (;;) {
        if (s->stop && atomic_load(s->stop))
            break;
        unsigned chunk = atomic_fetch_add(&s->next_chunk, 1);
        uint64_t start = (uint64_t)chunk * CHUNK;
        if (chunk >= NCHUNKS || start > atomic_load(&s->best))
            break;
        size_t n = s->impl->scan(&s->t, (uint32_t)start, CHUNK, cand);
        atomic_fetch_add(&s->hashes, CHUNK);
        /* Candidates come in scan order: the first that passes is this
         * chunk's lowest solution. */
        for (size_t i = 0; i < n; i++) {
            uint8_t hash[32];
            h.nonce = cb_scan_nonce(cand[i]);
            cb_header_hash(hash, &h);
            if (cb_pow_check(s->p, hash, h.bits) == CB_OK) {
                lower_best(&s->best, cand[i]);
                break;
            }
        }
    }
    free(cand);
    return NULL;
}

cb_err cb_pow_search(const cb_params *p, cb_header *h, const cb_search_opts *opts, uint64_t *hashes)
{
    uint8_t raw[CB_HEADER_SIZE], target_le[32];
    cb_u256 target;
    unsigned threads = opts && opts->threads ? opts->threads : 1;
    pthread_t tid[64];
    unsigned started = 0;
    cb_err err = cb_pow_target(p, &target, h->bits);
    if (hashes)
        *hashes = 0;
    if (err != CB_OK)
        return err;
    if (threads > 64)
        threads = 64;
    search *s = calloc(1, sizeof *s);
    if (!s)
        return CB_ERR_NOMEM;
    s->p = p;
    s->header = *h;
    s->impl = opts && opts->impl ? opts->impl : cb_scan_best();
    s->stop = opts ? opts->stop : NULL;
    atomic_store(&s->best, NONE);
    cb_u256_to_le(target_le, &target);
    cb_header_serialize(raw, h);
    cb_scan_prepare(&s->t, raw, target_le);
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&tid[i], NULL, search_thread, s) != 0)
            break;
        started++;
    }
    if (started == 0) {
        err = CB_ERR_THREAD;
    } else {
        for (unsigned i = 0; i < started; i++)
            pthread_join(tid[i], NULL);
        uint64_t best = atomic_load(&s->best);
        if (best != NONE) {
            h->nonce = cb_scan_nonce((uint32_t)best);
            err = CB_OK;
        } else if (s->stop && atomic_load(s->stop)) {
            err = CB_ERR_CANCELLED;
        } else {
            err = CB_ERR_NOT_FOUND;
        }
    }
    if (hashes)
        *hashes = atomic_load(&s->hashes);
    free(s);
    return err;
}
