/* The stored headers for a start's index, read from the store on a
 * thread of their own while the caller hashes and indexes the ones
 * before: the store's walk and the chain's checks overlap.
 *
 * Borrowed: the store, which nobody else may use until the feed returns. */
#ifndef CB_NODE_HEADER_FEED_H
#define CB_NODE_HEADER_FEED_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

typedef struct {
    cb_stored_header row; /* as the store holds it */
    bool hash_ok;         /* row.header hashes to row.hash */
} cb_fed_header;

/* Called on the caller's thread with the next n headers, in the store's
 * order (parents first); an error stops the feed and is returned. */
typedef cb_err (*cb_header_feed_fn)(void *ctx, const cb_fed_header *h, size_t n);

/* Hands every stored header to fn, in order, a batch at a time. Without a
 * second thread (it could not start) it reads on this one: the same
 * calls, only slower.
 * Returns: CB_OK, fn's error, or the store walk's. */
cb_err cb_header_feed(cb_store *s, cb_header_feed_fn fn, void *ctx) CB_WARN_UNUSED;

#endif
