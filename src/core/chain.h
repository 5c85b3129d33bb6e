/* The chain state in memory: every known header in a tree, the active
 * (best) chain, the account state at its tip, and the switch between
 * branches.
 *
 * Headers are accepted first (links, proof of work, difficulty, time);
 * blocks then attach their transactions. The active chain is the valid
 * chain with the most cumulative work; on a tie the first seen stays.
 * Switching branches disconnects blocks back to the fork with their undo
 * journals and connects the other branch; a block that fails to connect is
 * marked invalid with all its descendants, and the best remaining chain is
 * taken instead.
 *
 * A listener (optional) hears each connect and disconnect as it happens,
 * so the node can persist the same changes in its store and return the
 * transactions of disconnected blocks to its mempool. */
#ifndef CB_CORE_CHAIN_H
#define CB_CORE_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/accounts.h"
#include "core/arith.h"
#include "core/block.h"
#include "core/err.h"
#include "core/params.h"
#include "core/state.h"
#include "core/validation.h"

enum {
    CB_ENTRY_HAVE_DATA = 1,    /* the block's transactions are held */
    CB_ENTRY_FAILED = 2,       /* the block broke a rule */
    CB_ENTRY_FAILED_CHILD = 4, /* an ancestor broke a rule */
    CB_ENTRY_BODY_LOST = 8,    /* the block store lost its body once (it is stored anew) */
};

typedef struct cb_chain_entry {
    uint8_t hash[32];
    cb_header header;
    cb_u256 work; /* cumulative chain work up to and including this block */
    struct cb_chain_entry *prev;
    /* An ancestor further back (Core's pskip), so that any ancestor is
     * found in O(log height) steps. */
    struct cb_chain_entry *skip;
    /* The entries built on this one, through their next_sibling: marking
     * a block invalid then costs the size of its subtree. */
    struct cb_chain_entry *first_child, *next_sibling;
    /* The body and (while active) the undo journal, owned, when the chain
     * has no block store (cb_chain_set_blocks); with one, both live in the
     * store and these are NULL. Read bodies with cb_chain_read_block. */
    cb_block *block;
    cb_undo *undo;
    int64_t median_time; /* median time past of the chain ending here */
    uint32_t height;
    uint32_t ntx;     /* transactions in the block, once its data is held */
    uint32_t seq;     /* arrival order of the block data (ties go to the lower) */
    uint32_t fail_tx; /* which transaction failed, or UINT32_MAX */
    cb_err fail_err;  /* why it failed, when CB_ENTRY_FAILED */
    uint8_t status;   /* CB_ENTRY_* flags */
    bool complete;    /* data held for it and every ancestor */
} cb_chain_entry;

typedef struct {
    void *ctx;
    /* After e was connected on top of the active chain; b is its body and
     * undo its journal, both valid during the call. An error makes the
     * chain take the block back off and stop. */
    cb_err (*connected)(void *ctx, const cb_chain_entry *e, const cb_block *b, const cb_undo *undo);
    /* Before e (the tip, body b) is disconnected. An error stops the switch. */
    cb_err (*disconnected)(void *ctx, const cb_chain_entry *e, const cb_block *b);
    /* After e broke a rule when connected (e->fail_err says which), so
     * that its store can remember it. May be NULL. */
    void (*invalid)(void *ctx, const cb_chain_entry *e);
} cb_chain_listener;

/* Where a chain keeps block bodies and undo journals instead of memory
 * (the node's store). The chain calls these on its own thread. */
typedef struct {
    void *ctx;
    /* Keeps the body of e, which the chain has just taken and not
     * connected (a side branch, or waiting for a parent; a connected
     * block's body goes with its connect, through the listener). An
     * error makes it a header only again. */
    cb_err (*put)(void *ctx, const cb_chain_entry *e, const cb_block *b);
    /* Reads back the body of e into out (parsed here; the chain clears
     * it). A body that is gone, or is not e's, must be CB_ERR_NOT_FOUND
     * (see cb_chain_lost_bodies); other errors are the store's own. */
    cb_err (*read_block)(void *ctx, const cb_chain_entry *e, cb_block *out);
    /* Reads the undo journal of e (on the active chain) into out
     * (initialised; the chain clears it). */
    cb_err (*read_undo)(void *ctx, const cb_chain_entry *e, cb_undo *out);
} cb_chain_blocks;

/* How many recently taken bodies a chain with a block store keeps in
 * memory, and the most bytes they hold: the blocks a connect is about to
 * need. While several peers serve a sync, blocks come out of order, up to
 * the download window (1,024) ahead; a body not here is read back from
 * the store, which first waits for its writer. */
#define CB_CHAIN_BODY_CACHE 1024
#define CB_CHAIN_BODY_CACHE_BYTES (16u << 20)

typedef struct cb_chain cb_chain;

/* Creates a chain holding the network's genesis (connected, for networks
 * with a genesis block; as a header for the headers-only network).
 * seed keys the hash tables. Returns: the chain (cb_chain_free), or NULL
 * when out of memory. */
cb_chain *cb_chain_new(const cb_params *p, uint64_t seed);
void cb_chain_free(cb_chain *c);

/* Sets (or with NULL removes) the listener. */
void cb_chain_set_listener(cb_chain *c, const cb_chain_listener *l);

/* Hands the chain a block store (copied): from now on bodies and undo
 * journals go there and are read back when needed, and those held in
 * memory so far are dropped (the store must hold them already: the
 * bodies of every held entry, the journals of the active chain). */
void cb_chain_set_blocks(cb_chain *c, const cb_chain_blocks *bs);

/* A copy of e's body, from memory, the chain's cache or its block store.
 * Out: *out (cb_block_clear). Returns: CB_OK, CB_ERR_NOT_FOUND (only the
 * header is known), CB_ERR_NOMEM, or the block store's error. */
cb_err cb_chain_read_block(const cb_chain *c, const cb_chain_entry *e,
                           cb_block *out) CB_WARN_UNUSED;

/* At start, rebuilding the index from a store: adds the header of a
 * block whose body the block store holds under `hash`, checked as
 * cb_chain_accept_header does, and counts its data as held (ntx: its
 * transactions). The caller has hashed the header to `hash` (a loader
 * may hash on another thread). Parents come first. Nothing is
 * connected. Out: *out (may be NULL).
 * Returns: as cb_chain_accept_header. */
cb_err cb_chain_load_header(cb_chain *c, const cb_header *h, const uint8_t hash[32], uint32_t ntx,
                            int64_t now, const cb_chain_entry **out) CB_WARN_UNUSED;

/* At start, after the headers: marks e as a block that broke a rule
 * when connected (the store remembered it), with every block built on
 * it, so that no switch tries it again. */
void cb_chain_load_invalid(cb_chain *c, const cb_chain_entry *e);

/* At start, after the headers: makes e the active tip and `state` (the
 * store's accounts at e; the chain takes it) its state, connecting
 * nothing. e and its ancestors must be held and valid.
 * Returns: CB_OK, CB_ERR_ARG (e cannot be the tip: state is freed) or
 * CB_ERR_NOMEM. */
cb_err cb_chain_load_tip(cb_chain *c, const cb_chain_entry *e, cb_accounts *state) CB_WARN_UNUSED;

/* How many bodies the block store could not give back when a connect
 * needed them (CB_ERR_NOT_FOUND from read_block: gone or damaged). Each
 * such block became a header only again, to be fetched anew from peers
 * (the blocks built on it wait for it), and the chain went on with the
 * best of the rest. */
size_t cb_chain_lost_bodies(const cb_chain *c);

/* Moves to the held chain with the most work, if it is not the tip (a
 * stored branch a reorganisation did not finish), through the listener.
 * Returns: CB_OK, or a listener's or block store's error. */
cb_err cb_chain_activate(cb_chain *c) CB_WARN_UNUSED;

/* Sets who checks signatures of accepted blocks (NULL: the calling thread). */
void cb_chain_set_sig_checker(cb_chain *c, const cb_sig_checker *s);

const cb_params *cb_chain_params(const cb_chain *c);

/* The active tip, and the active chain's block at a height (NULL above the tip). */
const cb_chain_entry *cb_chain_tip(const cb_chain *c);
const cb_chain_entry *cb_chain_at(const cb_chain *c, uint32_t height);

/* The valid header with the most work (it may run ahead of the tip). */
const cb_chain_entry *cb_chain_best_header(const cb_chain *c);

/* Any known entry by hash (internal byte order), or NULL. */
const cb_chain_entry *cb_chain_lookup(const cb_chain *c, const uint8_t hash[32]);

/* True when e is on the active chain. */
bool cb_chain_is_active(const cb_chain *c, const cb_chain_entry *e);

/* The ancestor of e at a height (e itself at its own height), or NULL;
 * O(log e->height) through the skip pointers. */
const cb_chain_entry *cb_chain_ancestor(const cb_chain_entry *e, uint32_t height);

/* The account state at the active tip; valid until the chain changes. */
const cb_accounts *cb_chain_state(const cb_chain *c);

/* The tips of the block tree: entries no other entry builds on, the
 * active tip first. Out: out[0..max). Returns: how many there are (may
 * exceed max; only max are written). */
size_t cb_chain_tips(const cb_chain *c, const cb_chain_entry **out, size_t max);

/* A block locator for e, as Bitcoin builds it: e and its 9 parents, then
 * steps doubling back, ending at genesis.
 * Out: out[0..n) hashes. Returns: n (at most max; max >= 1). */
size_t cb_chain_locator(const cb_chain_entry *e, uint8_t (*out)[32], size_t max);

/* The last block of the active chain that a locator names: its first hash
 * on the active chain, or genesis when none is. */
const cb_chain_entry *cb_chain_find_fork(const cb_chain *c, const uint8_t (*hashes)[32], size_t n);

/* The last common ancestor of a and b (both in this chain's tree). */
const cb_chain_entry *cb_chain_common(const cb_chain_entry *a, const cb_chain_entry *b);

/* Number of known entries (headers), and of entries whose data is held. */
size_t cb_chain_size(const cb_chain *c);

/* Fills the context a block on top of prev is judged in. */
void cb_chain_context(const cb_chain *c, const cb_chain_entry *prev, int64_t now,
                      cb_header_context *ctx);

/* The bits a block on top of prev must carry. */
uint32_t cb_chain_next_bits(const cb_chain *c, const cb_chain_entry *prev);

/* Accepts a header: its parent must be known and valid, its proof of work,
 * bits and time correct. A header already known is fine (CB_OK).
 * Out: *out (may be NULL), the entry.
 * Returns: CB_OK, CB_ERR_PREV_MISSING, CB_ERR_PREV_INVALID,
 * CB_ERR_BLK_INVALID (known and failed), high-hash, bad-diffbits,
 * time-too-old, time-too-new, or CB_ERR_NOMEM. */
cb_err cb_chain_accept_header(cb_chain *c, const cb_header *h, int64_t now,
                              const cb_chain_entry **out) CB_WARN_UNUSED;

/* Accepts a block: its header as above, then the context-free checks, then
 * the switch to the best chain. The chain keeps its own copy of b.
 * Out: *bad_tx (may be NULL), the offending transaction or CB_NO_TX.
 * Returns: CB_OK when the block is stored and was not found invalid
 * (whether or not it is on the active chain now), CB_ERR_DUPLICATE when
 * its data was already held, the rule it broke, CB_ERR_PREV_INVALID when
 * an ancestor turned out invalid while switching to it, or a listener's
 * error. */
cb_err cb_chain_accept_block(cb_chain *c, const cb_block *b, int64_t now,
                             size_t *bad_tx) CB_WARN_UNUSED;

#endif
