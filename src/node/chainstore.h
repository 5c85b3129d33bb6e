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
    size_t trusted;       /* blocks loaded without their signatures checked again */
    size_t checked;       /* of the active chain's last blocks, those checked at the level */
    double load_ms, check_ms;
    char why[512]; /* when the start-up check failed: what, in a sentence */
} cb_load_report;

/* How much of the store a start believes (Core's -checkblocks,
 * -checklevel and -reindex). A stored block passed every rule when it was
 * stored, so below the last `checkblocks` of the recorded tip a start
 * checks everything but the signatures again (the commitment, proof of
 * work, links, the state transition: a changed byte still shows). The
 * last ones (all of them when checkblocks is 0) are checked at
 * `checklevel`:
 *   0  as the others (signatures not checked)
 *   1  every rule, signatures included
 *   2  and the stored undo journal equals the one the replay made
 *   3  and disconnecting them in memory, then connecting them again,
 *      gives the same state (the journals undo exactly what they did)
 * reindex checks every stored block in full, and rewrites every active
 * block's rows (marks, undo, payments, wallet) from the replay. */
typedef struct {
    uint32_t checkblocks; /* default 6; 0: all */
    int checklevel;       /* 0-3, default 3 */
    bool reindex;
    const cb_sig_checker *sigs; /* the signature checker to use when checking (NULL: serial) */
} cb_load_options;

#define CB_CHECKBLOCKS_DEFAULT 6
#define CB_CHECKLEVEL_DEFAULT 3
#define CB_CHECKLEVEL_MAX 3

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
