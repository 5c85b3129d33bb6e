/* A chain kept in a store: every block the chain accepts is stored, every
 * connect and disconnect is written as it happens (one database
 * transaction each, through the chain's listener), and at start the chain
 * is rebuilt from the stored blocks.
 *
 * Rebuilding validates every stored block again: the database is outside
 * input. The replay picks the chain with the most work among all stored
 * blocks; where the store recorded another tip (a crash in the middle of
 * a reorganisation, or after a branch's blocks were stored but before the
 * switch), the store is walked to the replayed chain: disconnected back
 * to the fork, the replayed branch connected, one transaction a step as
 * ever, so a crash during the walk leaves a store the next start walks
 * on. The wallet table is then compared with the state the blocks
 * produce and rewritten if it differs, so whatever a crash or a hand edit
 * left, the node starts on a consistent chain, and the store reads as
 * that chain: its active marks, undo rows, payments' status and tip. */
#ifndef CB_NODE_CHAINSTORE_H
#define CB_NODE_CHAINSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/chain.h"
#include "core/err.h"
#include "store/store.h"

typedef struct cb_chainstore cb_chainstore;

typedef struct {
    size_t blocks;        /* stored blocks read */
    size_t refused;       /* of those, refused by the rules (kept out) */
    bool wallet_repaired; /* the wallet table differed and was rewritten */
    size_t disconnected;  /* blocks the store had active off the replayed chain */
    size_t connected;     /* blocks of the replayed chain the store had not connected */
} cb_load_report;

/* Rebuilds chain c (fresh: genesis only) from store s, then binds them.
 * Out: *out (cb_chainstore_free), *report (may be NULL).
 * Returns: CB_OK, a store error, or CB_ERR_NOMEM. */
cb_err cb_chainstore_open(cb_chainstore **out, cb_chain *c, cb_store *s, int64_t now,
                          cb_load_report *report) CB_WARN_UNUSED;

/* Unbinds (the chain and store live on, owned by the caller); NULL is fine. */
void cb_chainstore_free(cb_chainstore *cs);

/* cb_chain_accept_block, with the block stored when the chain keeps it.
 * Returns: as cb_chain_accept_block, or CB_ERR_STORE. */
cb_err cb_chainstore_accept_block(cb_chainstore *cs, const cb_block *b, int64_t now,
                                  size_t *bad_tx) CB_WARN_UNUSED;

/* Extra listener the node wants to hear after the store (its mempool), or NULL. */
void cb_chainstore_set_listener(cb_chainstore *cs, const cb_chain_listener *l);

#endif
