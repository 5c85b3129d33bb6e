/* A chain kept in a store: the store is the source of truth. Every block
 * body the chain keeps goes there (with its connect, or alone when it
 * waits aside), and bodies and undo journals are read back when needed;
 * every connect and disconnect is written as it happens (one database
 * transaction each, through the chain's listener).
 *
 * A start (cb_chainstore_open_checked) believes the store as Bitcoin Core
 * believes its block index and chainstate: it reads the stored headers
 * (checked: each hashes to its row, links to its parent, carries its
 * proof of work and bits), takes the recorded tip and the wallet table as
 * the chain and its state, and checks only the last blocks again (Core's
 * -checkblocks, -checklevel). Then, if a stored branch has more work (a
 * crash in the middle of a reorganisation, or after a branch's blocks
 * were stored but before the switch), it switches to it through the
 * listener, one transaction a step as ever, so a crash during that walk
 * leaves a store the next start walks on.
 *
 * The replay (cb_chainstore_open, and -reindex) validates every stored
 * block again instead: the chain with the most work among all stored
 * blocks that pass, the store walked to it, and the wallet table
 * rewritten from the blocks if it differs. */
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
    size_t disconnected;  /* blocks disconnected in the store to reach the best chain */
    size_t connected;     /* blocks connected in the store to reach it */
    size_t trusted;       /* blocks of the active chain taken as stored (not checked again) */
    size_t checked;       /* of the active chain's last blocks, those checked at the level */
    size_t lost;          /* stored bodies found gone or damaged (fetched again from peers) */
    double load_ms, check_ms;
    char why[512]; /* when the start-up check failed: what, in a sentence */
} cb_load_report;

/* How much of the store a start believes (Core's -checkblocks,
 * -checklevel and -reindex). The last `checkblocks` blocks of the
 * recorded tip (all of them when 0) are checked at `checklevel`:
 *   0  each body is read back: it is the block its header names, and it
 *      passes every rule that needs no state, but the signatures
 *   1  and its signatures
 *   2  and its stored undo journal reads
 *   3  and disconnecting them from the stored state with their journals,
 *      then connecting them again by every rule, gives the same journals
 *      and the stored state (and, going down to genesis, genesis's state)
 *   4  the same: Core's level 4 connects the blocks again, which level 3
 *      here does already (taken so that Core's whole range 0-4 works)
 * Older blocks are believed as stored, as Core believes its own disk.
 * reindex replays every stored block in full instead, and rewrites every
 * active block's rows (marks, undo, payments, wallet) from the replay. */
typedef struct {
    uint32_t checkblocks; /* default 6; 0: all */
    int checklevel;       /* 0-4, default 3 */
    bool reindex;
    const cb_sig_checker *sigs; /* the signature checker to use when checking (NULL: serial) */
} cb_load_options;

#define CB_CHECKBLOCKS_DEFAULT 6
#define CB_CHECKLEVEL_DEFAULT 3
#define CB_CHECKLEVEL_MAX 4

/* Rebuilds chain c (fresh: genesis only) from store s, checking every
 * stored block in full (refused ones are left out), then binds them.
 * Out: *out (cb_chainstore_free), *report (may be NULL).
 * Returns: CB_OK, a store error, or CB_ERR_NOMEM. */
cb_err cb_chainstore_open(cb_chainstore **out, cb_chain *c, cb_store *s, int64_t now,
                          cb_load_report *report) CB_WARN_UNUSED;

/* cb_chainstore_open with what a start believes set by opt. A stored
 * block the rules refuse, or a check of the last blocks that fails, stops
 * it with CB_ERR_STORE and report->why (naming -reindex), unless
 * opt->reindex (which loads what passes, as cb_chainstore_open does).
 * Returns: CB_OK, CB_ERR_STORE, a store error, or CB_ERR_NOMEM. */
cb_err cb_chainstore_open_checked(cb_chainstore **out, cb_chain *c, cb_store *s, int64_t now,
                                  const cb_load_options *opt,
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
