/* The in-memory connection rate of a stored chain, to set sync figures
 * against: every block of a store (bench/make_chain writes one) accepted,
 * in order, by a bare chain in memory, signatures checked on every core
 * through the verify pool, nothing written anywhere.
 * Usage: bench_replay DB [threads]   (prints blocks and payments a second) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "core/chain.h"
#include "core/params.h"
#include "node/verify_pool.h"
#include "store/store.h"

typedef struct {
    cb_chain *c;
    size_t blocks, payments;
    double seconds;
} replay;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Times the accept only: reading and parsing the store is not the chain's. */
static cb_err take(void *ctx, const cb_block *b)
{
    replay *r = ctx;
    size_t bad;
    double t0 = now_seconds();
    cb_err err = cb_chain_accept_block(r->c, b, (int64_t)b->header.time + 60, &bad);
    r->seconds += now_seconds() - t0;
    if (err == CB_ERR_DUPLICATE) /* genesis */
        return CB_OK;
    if (err != CB_OK) {
        fprintf(stderr, "block at %zu refused: %s\n", r->blocks, cb_strerror(err));
        return err;
    }
    r->blocks++;
    r->payments += b->ntx - 1;
    return CB_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_replay DB [threads]\n");
        return 1;
    }
    long threads = argc > 2 ? strtol(argv[2], NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    const cb_params *p = cb_params_regtest();
    char msg[256];
    cb_store *s = NULL;
    if (cb_store_open(&s, p, argv[1], msg, sizeof msg) != CB_OK) {
        fprintf(stderr, "%s\n", msg);
        return 1;
    }
    cb_verify_pool *pool = cb_verify_pool_new(threads > 0 ? (unsigned)threads : 1, 7);
    replay r = {cb_chain_new(p, 1), 0, 0, 0};
    if (!pool || !r.c)
        return 1;
    cb_sig_checker sc = cb_verify_pool_checker(pool);
    cb_chain_set_sig_checker(r.c, &sc);
    cb_err err = cb_store_foreach_block(s, take, &r);
    if (err != CB_OK)
        return 1;
    printf("in memory: %zu blocks, %zu payments in %.2f s: %.0f blocks/s, %.0f payments/s "
           "(%ld threads)\n",
           r.blocks, r.payments, r.seconds, r.blocks / r.seconds, r.payments / r.seconds, threads);
    cb_chain_free(r.c);
    cb_verify_pool_free(pool);
    cb_store_close(s);
    return 0;
}
