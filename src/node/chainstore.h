/* A chain kept in a store: every block the chain accepts is stored, every
 * connect and disconnect is written as it happens (one database
 * transaction each, through the chain's listener), and at start the chain
 * is rebuilt from the stored blocks.
 *
 * Rebuilding validates every stored block again: the database is outside
 * input. The wallet table is then compared with the state the blocks
 * produce and rewritten if it differs, so whatever a crash or a hand edit
 * left, the node starts on a consistent chain. */
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
