/* The miner's search: one header's 2^32 nonces split over threads, each
 * running the chosen SHA256d kernel (crypto/sha256d_scan.h); every
 * candidate is confirmed with the consensus check before it counts.
 *
 * The node's miner threads call this on a template and hand the found
 * header back to the event loop; setting *stop ends the search at once
 * (a new tip or a fuller mempool makes the template stale). */
#ifndef CB_NODE_POW_SEARCH_H
#define CB_NODE_POW_SEARCH_H

#include <stdatomic.h>
#include <stdint.h>

#include "core/block.h"
#include "core/err.h"
#include "core/params.h"
#include "crypto/sha256d_scan.h"

typedef struct {
    const cb_scan_impl *impl; /* NULL: cb_scan_best() */
    unsigned threads;         /* 0 counts as 1 */
    const atomic_int *stop;   /* NULL: never stopped from outside */
} cb_search_opts;

/* Searches nonces for h (its nonce field is overwritten) until one meets
 * its bits on network p.
 * The nonce found is the first in scan order (cb_scan_nonce of W3 = 0, 1,
 * ...), the same for any kernel and any thread count.
 * Out: h->nonce on success; *hashes (may be NULL), nonces tried.
 * Returns: CB_OK, CB_ERR_NOT_FOUND (no nonce in 2^32: change the extra
 * nonce or time and search again), CB_ERR_CANCELLED (*stop was set),
 * CB_ERR_HIGH_HASH (bits unusable on p), or CB_ERR_THREAD. */
cb_err cb_pow_search(const cb_params *p, cb_header *h, const cb_search_opts *opts,
                     uint64_t *hashes) CB_WARN_UNUSED;

#endif
