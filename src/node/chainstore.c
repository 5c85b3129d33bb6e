#include "node/chainstore.h"
#include "node/header_feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hex.h"
#include "core/refusal.h"
#include "crypto/random.h"

struct cb_chainstore {
    cb_chain *c;
    cb_store *s;
    size_t unmarked;              /* invalid blocks the store could not remember */
    size_t connects, disconnects; /* written through the listener */
    cb_chain_listener next;
    bool has_next;
};

static cb_err on_connected(void *ctx, const cb_chain_entry *e, const cb_block *b,
                           const cb_undo *undo)
{
    cb_chainstore *cs = ctx;
    cb_err err = cb_store_connect(cs->s, e->hash, e->height, b, undo, cb_chain_state(cs->c));
    cs->connects += err == CB_OK;
    if (err == CB_OK && cs->has_next && cs->next.connected)
        err = cs->next.connected(cs->next.ctx, e, b, undo);
    return err;
}

static cb_err on_disconnected(void *ctx, const cb_chain_entry *e, const cb_block *b)
{
    cb_chainstore *cs = ctx;
    cb_err err = cb_store_disconnect(cs->s, e->hash, b);
    cs->disconnects += err == CB_OK;
    if (err == CB_OK && cs->has_next && cs->next.disconnected)
        err = cs->next.disconnected(cs->next.ctx, e, b);
    return err;
}

/* A block that broke a rule: remembered, so no start tries it again. A
 * mark the store cannot take only costs the next start that one retry
 * (a failing store shows at its next write anyway). */
static void on_invalid(void *ctx, const cb_chain_entry *e)
{
    cb_chainstore *cs = ctx;
    if (cb_store_mark_invalid(cs->s, e->hash, cb_err_reason(e->fail_err)) != CB_OK)
        cs->unmarked++;
}

static cb_err put_body(void *ctx, const cb_chain_entry *e, const cb_block *b)
{
    cb_store *s = ctx;
    return cb_store_put_block(s, e->hash, e->height, b);
}

/* A stored body read back: it must be the block the index says (its
 * header hashes to e's hash, its transactions to its merkle root), or
 * the store was changed under the node. */
static cb_err read_body(cb_store *s, const cb_chain_entry *e, cb_block *out)
{
    cb_err err = cb_store_get_block(s, e->hash, out);
    if (err == CB_ERR_STORE || err == CB_ERR_NOMEM)
        return err;
    uint8_t hash[32];
    if (err == CB_OK)
        cb_header_hash(hash, &out->header);
    if (err != CB_OK || memcmp(hash, e->hash, 32) != 0 || cb_block_check_commitment(out) != CB_OK) {
        cb_block_clear(out);
        return CB_ERR_NOT_FOUND; /* gone, or not this block */
    }
    return CB_OK;
}

static cb_err get_body(void *ctx, const cb_chain_entry *e, cb_block *out)
{
    return read_body(ctx, e, out);
}

static cb_err get_undo(void *ctx, const cb_chain_entry *e, cb_undo *out)
{
    cb_err err = cb_store_get_undo(ctx, e->hash, out);
    return err == CB_ERR_NOT_FOUND ? CB_ERR_STORE : err;
}

/* ---- the replay: every stored block through every rule ---- */

typedef struct {
    cb_chain *c;
    int64_t now;
    cb_load_report *r;
} loader;

static void note_refused(cb_load_report *r, const uint8_t hash[32], const char *what)
{
    if (!r->refused) {
        char hex[65];
        cb_hash_to_hex(hex, hash);
        snprintf(r->why, sizeof r->why, "the stored block %s %s", hex, what);
    }
    r->refused++;
}

static cb_err load_one(void *ctx, const cb_block *b)
{
    loader *l = ctx;
    size_t bad;
    l->r->blocks++;
    cb_err err = cb_chain_accept_block(l->c, b, l->now, &bad);
    if (err == CB_OK || err == CB_ERR_DUPLICATE) /* the genesis block, already in the chain */
        return CB_OK;
    if (err == CB_ERR_NOMEM)
        return err;
    /* A stored block the rules refuse (or whose parent is gone) stays
     * out of the chain; the rest still loads. */
    uint8_t hash[32];
    char rule[224], what[300];
    cb_header_hash(hash, &b->header);
    cb_refusal_block(rule, sizeof rule, err, l->c, b, bad, l->now);
    snprintf(what, sizeof what, "breaks a rule (%s: %s)", cb_err_reason(err), rule);
    note_refused(l->r, hash, what);
    return CB_OK;
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Writes the connects of the active chain from height `from` to the tip,
 * with the replay's journals; the wallet rows carry the final state's
 * values, which the last step makes right for every account. Returns:
 * how many went in (through *n), and CB_OK or a store error. */
static cb_err connect_from(cb_chain *c, cb_store *s, uint32_t from, size_t *n)
{
    const cb_chain_entry *tip = cb_chain_tip(c);
    for (uint32_t h = from; h <= tip->height; h++) {
        const cb_chain_entry *e = cb_chain_at(c, h);
        cb_err err = cb_store_connect(s, e->hash, e->height, e->block, e->undo, cb_chain_state(c));
        if (err != CB_OK)
            return err;
        ++*n;
    }
    return CB_OK;
}

/* Walks the store from its recorded tip (`tip`, NULL when none is
 * recorded: nothing connected, or a reindex cut short) to the replayed
 * chain's (see the header). A recorded tip the replay cannot reach, down
 * blocks it holds and found valid, sets *lost and writes nothing. */
static cb_err walk_store(cb_chain *c, cb_store *s, const uint8_t *tip, cb_load_report *r,
                         bool *lost)
{
    const cb_chain_entry *at = tip ? cb_chain_lookup(c, tip) : cb_chain_at(c, 0);
    /* First down to the fork without writing: every block on the way must
     * be held and valid, or the recorded chain is not one the replay
     * took (a stored block under it broke a rule, or is gone). */
    for (const cb_chain_entry *x = at; x && !cb_chain_is_active(c, x); x = x->prev) {
        if (!(x->status & CB_ENTRY_HAVE_DATA) || !x->block ||
            (x->status & (CB_ENTRY_FAILED | CB_ENTRY_FAILED_CHILD))) {
            at = NULL;
            break;
        }
    }
    *lost = !at;
    if (!at)
        return CB_OK;
    while (!cb_chain_is_active(c, at)) {
        cb_err err = cb_store_disconnect(s, at->hash, at->block);
        if (err == CB_ERR_NOT_FOUND)
            return CB_OK; /* no journal: not connected after all */
        if (err != CB_OK)
            return err;
        r->disconnected++;
        at = at->prev;
    }
    /* With no tip recorded, genesis's own rows go in first. */
    return connect_from(c, s, tip ? at->height + 1 : 0, &r->connected);
}

/* The replay (cb_chainstore_open, and -reindex with `reindex`, which
 * drops the chain's rows and writes every active block's again). */
static cb_err replay(cb_chain *c, cb_store *s, int64_t now, bool reindex, cb_load_report *r)
{
    loader l = {c, now, r};
    uint8_t tip[32];
    uint32_t height = 0;
    cb_err err = cb_store_tip(s, tip, &height);
    bool have_tip = err == CB_OK;
    if (err == CB_ERR_NOT_FOUND)
        err = CB_OK;
    if (err == CB_OK)
        err = cb_store_foreach_block(s, load_one, &l);
    bool lost = false;
    if (err == CB_OK && !reindex)
        err = walk_store(c, s, have_tip ? tip : NULL, r, &lost);
    if (err == CB_OK && reindex) {
        size_t n = 0;
        err = cb_store_reset_chain(s);
        if (err == CB_OK)
            err = connect_from(c, s, 0, &n);
    }
    if (err == CB_OK && lost) {
        size_t k = strlen(r->why);
        snprintf(r->why + k, sizeof r->why - k,
                 "%sthe chain this store recorded cannot be loaded; start with -reindex to "
                 "rebuild it from the stored blocks that pass",
                 k ? "; " : "");
        return CB_ERR_STORE;
    }
    r->why[0] = '\0'; /* a refused side block is only left out (and logged) */
    cb_accounts *stored = NULL;
    if (err == CB_OK) {
        stored = cb_accounts_new(1);
        err = stored ? cb_store_load_accounts(s, stored) : CB_ERR_NOMEM;
    }
    if (err == CB_OK && !cb_accounts_equal(stored, cb_chain_state(c))) {
        r->wallet_repaired = true;
        err = cb_store_replace_accounts(s, cb_chain_state(c));
    }
    cb_accounts_free(stored);
    return err;
}

/* ---- the start: the index from the headers, the state from the store ---- */

typedef struct {
    cb_chain *c;
    int64_t now;
    cb_load_report *r;
} index_loader;

static cb_err index_one(index_loader *l, const cb_fed_header *f)
{
    const cb_stored_header *h = &f->row;
    l->r->blocks++;
    const uint8_t *hash = h->hash;
    if (!f->hash_ok) {
        note_refused(l->r, hash, "is not the block its header hashes to");
        return CB_OK;
    }
    const cb_chain_entry *e = NULL;
    cb_err err = cb_chain_load_header(l->c, &h->header, hash, h->ntx, l->now, &e);
    if (err == CB_ERR_NOMEM)
        return err;
    if (err == CB_OK && e->height != h->height) {
        note_refused(l->r, hash, "is stored at a height its parent does not give it");
        return CB_OK;
    }
    if (err != CB_OK) {
        char what[200];
        snprintf(what, sizeof what, "has a header the rules refuse (%s)", cb_err_reason(err));
        note_refused(l->r, hash, what);
    }
    return CB_OK;
}

static cb_err index_batch(void *ctx, const cb_fed_header *h, size_t n)
{
    cb_err err = CB_OK;
    for (size_t i = 0; err == CB_OK && i < n; i++)
        err = index_one(ctx, &h[i]);
    return err;
}

static bool undo_same(const cb_undo *a, const cb_undo *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (memcmp(a->entries[i].id, b->entries[i].id, 20) != 0 ||
            a->entries[i].before.balance != b->entries[i].before.balance ||
            a->entries[i].before.nonce != b->entries[i].before.nonce)
            return false;
    return true;
}

static cb_err fail_check(cb_load_report *r, const cb_chain_entry *e, int level, const char *what)
{
    char hex[65];
    cb_hash_to_hex(hex, e->hash);
    snprintf(r->why, sizeof r->why,
             "block %s at height %u fails the start-up check at level %d: %s", hex,
             (unsigned)e->height, level, what);
    return CB_ERR_STORE;
}

/* The signatures of a block this store took before: not checked again. */
static cb_err no_signatures(void *ctx, const cb_params *p, const cb_block *b, size_t *bad_tx)
{
    (void)ctx;
    (void)p;
    (void)b;
    *bad_tx = CB_NO_TX;
    return CB_OK;
}

static const cb_sig_checker TRUSTING = {NULL, no_signatures};

/* One block of the check on the way down: its body (and from level 2
 * its journal) read and checked, and at level 3 disconnected from copy. */
static cb_err check_down(cb_chain *c, cb_store *s, const cb_chain_entry *e,
                         const cb_load_options *opt, cb_accounts *copy, cb_load_report *r)
{
    cb_block b;
    cb_undo u;
    size_t bad;
    int level = opt->checklevel;
    cb_block_init(&b);
    cb_undo_init(&u);
    cb_err err = read_body(s, e, &b);
    if (err == CB_ERR_NOT_FOUND)
        err =
            fail_check(r, e, 0, "its stored body is missing, does not parse, or is not this block");
    else if (err == CB_OK && cb_block_check_with(cb_chain_params(c), &b,
                                                 level >= 1 ? opt->sigs : &TRUSTING, &bad) != CB_OK)
        err = fail_check(r, e, level >= 1 ? 1 : 0, "its body breaks a rule");
    if (err == CB_OK && level >= 2) {
        err = cb_store_get_undo(s, e->hash, &u);
        if (err != CB_OK && err != CB_ERR_NOMEM)
            err = fail_check(r, e, 2, "its undo data is missing or does not parse");
    }
    if (err == CB_OK && level >= 3 && cb_state_undo(copy, &u) != CB_OK)
        err = fail_check(r, e, 3, "its undo data does not disconnect it");
    cb_block_clear(&b);
    cb_undo_clear(&u);
    return err;
}

/* One block on the way up (level 3): connected again by every rule, its
 * journal must be the stored one. */
static cb_err check_up(cb_chain *c, cb_store *s, const cb_chain_entry *e, cb_accounts *copy,
                       cb_load_report *r)
{
    cb_block b;
    cb_undo u, stored;
    size_t bad;
    cb_block_init(&b);
    cb_undo_init(&u);
    cb_undo_init(&stored);
    cb_err err = read_body(s, e, &b);
    if (err == CB_OK)
        err = cb_store_get_undo(s, e->hash, &stored);
    if (err == CB_ERR_NOT_FOUND)
        err = fail_check(r, e, 3, "its stored body or undo data is gone");
    if (err == CB_OK &&
        (cb_block_connect(cb_chain_params(c), copy, &u, &b, e->height, &bad) != CB_OK ||
         !undo_same(&u, &stored)))
        err = fail_check(r, e, 3, "connecting it again after disconnecting it differs");
    cb_block_clear(&b);
    cb_undo_clear(&u);
    cb_undo_clear(&stored);
    return err;
}

static cb_accounts *copy_accounts(const cb_accounts *a)
{
    cb_accounts *copy = cb_accounts_new(7);
    size_t pos = 0;
    uint8_t id[20];
    cb_account v;
    while (copy && cb_accounts_next(a, &pos, id, &v))
        if (cb_accounts_set(copy, id, &v) != CB_OK) {
            cb_accounts_free(copy);
            return NULL;
        }
    return copy;
}

/* Core's VerifyDB on the active chain's last n blocks (see the header):
 * down from the tip, then (level 3) up again on a copy of the state,
 * which must end as the stored state. Going down to genesis, the state
 * there must be genesis's: nothing in the wallet table that no block
 * made. */
static cb_err check_recent(cb_chain *c, cb_store *s, uint32_t n, const cb_load_options *opt,
                           cb_load_report *r)
{
    const cb_chain_entry *tip = cb_chain_tip(c);
    if (n > tip->height)
        n = tip->height;
    r->checked = n;
    r->trusted = tip->height - n;
    cb_accounts *copy = NULL;
    if (opt->checklevel >= 3 && !(copy = copy_accounts(cb_chain_state(c))))
        return CB_ERR_NOMEM;
    cb_err err = CB_OK;
    for (uint32_t k = 0; k < n && err == CB_OK; k++)
        err = check_down(c, s, cb_chain_at(c, tip->height - k), opt, copy, r);
    if (err == CB_OK && copy && n == tip->height) {
        cb_accounts *genesis = cb_accounts_new(7);
        const cb_chain_entry *g = cb_chain_at(c, 0);
        cb_block b;
        cb_undo u;
        size_t bad;
        cb_block_init(&b);
        cb_undo_init(&u);
        if (!genesis)
            err = CB_ERR_NOMEM;
        if (err == CB_OK && cb_chain_params(c)->has_genesis_block &&
            (read_body(s, g, &b) != CB_OK ||
             cb_block_connect(cb_chain_params(c), genesis, &u, &b, 0, &bad) != CB_OK))
            err = fail_check(r, g, 3, "the stored genesis block is not this network's");
        if (err == CB_OK && !cb_accounts_equal(genesis, copy))
            err = fail_check(r, g, 3,
                             "disconnecting every block leaves accounts no block made (the "
                             "wallet table was changed)");
        cb_block_clear(&b);
        cb_undo_clear(&u);
        cb_accounts_free(genesis);
    }
    for (uint32_t h = tip->height - n + 1; copy && h <= tip->height && err == CB_OK; h++)
        err = check_up(c, s, cb_chain_at(c, h), copy, r);
    if (err == CB_OK && copy && !cb_accounts_equal(copy, cb_chain_state(c)))
        err = fail_check(r, tip, 3,
                         "the state after disconnecting and connecting again differs from the "
                         "wallet table");
    cb_accounts_free(copy);
    return err;
}

/* A block the store remembers as invalid, if its header came back. */
static cb_err mark_one(void *ctx, const uint8_t hash[32])
{
    const cb_chain_entry *e = cb_chain_lookup(ctx, hash);
    if (e)
        cb_chain_load_invalid(ctx, e);
    return CB_OK;
}

/* The default start: index, tip and state as stored, the last blocks
 * checked, then on to a stored branch with more work (see the header). */
static cb_err load_index(cb_chain *c, cb_store *s, int64_t now, cb_load_report *r)
{
    index_loader l = {c, now, r};
    uint8_t tip[32];
    uint32_t height = 0;
    cb_err err = cb_store_tip(s, tip, &height);
    bool have_tip = err == CB_OK;
    if (err == CB_ERR_NOT_FOUND)
        err = CB_OK;
    if (err == CB_OK)
        err = cb_header_feed(s, index_batch, &l);
    if (err != CB_OK)
        return err;
    const cb_chain_entry *e = have_tip ? cb_chain_lookup(c, tip) : cb_chain_at(c, 0);
    if (!e || !e->complete || e->height != height ||
        (e->status & (CB_ENTRY_FAILED | CB_ENTRY_FAILED_CHILD))) {
        size_t k = strlen(r->why);
        snprintf(r->why + k, sizeof r->why - k,
                 "%sthe tip this store recorded is not a chain of stored blocks; start with "
                 "-reindex to rebuild it from the stored blocks that pass",
                 k ? "; " : "");
        return CB_ERR_STORE;
    }
    r->why[0] = '\0';
    err = cb_store_foreach_invalid(s, mark_one, c);
    if (err != CB_OK)
        return err;
    uint64_t seed;
    if (cb_random_bytes((uint8_t *)&seed, sizeof seed) != CB_OK)
        return CB_ERR_RANDOM;
    cb_accounts *state = cb_accounts_new(seed);
    if (!state)
        return CB_ERR_NOMEM;
    err = cb_store_load_accounts(s, state);
    if (err != CB_OK) {
        cb_accounts_free(state);
        return err;
    }
    return cb_chain_load_tip(c, e, state);
}

static cb_err open_with(cb_chainstore **out, cb_chain *c, cb_store *s, int64_t now,
                        const cb_load_options *opt, cb_load_report *report)
{
    cb_load_report local;
    cb_load_report *r = report ? report : &local;
    memset(r, 0, sizeof *r);
    *out = NULL;
    cb_chainstore *cs = calloc(1, sizeof *cs);
    if (!cs)
        return CB_ERR_NOMEM;
    cs->c = c;
    cs->s = s;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* Loading writes nothing through the chain: these blocks are stored. */
    cb_chain_set_listener(c, NULL);
    cb_chain_blocks bs = {s, put_body, get_body, get_undo};
    bool fast = opt && !opt->reindex;
    cb_err err;
    if (fast) {
        cb_chain_set_blocks(c, &bs);
        err = load_index(c, s, now, r);
    } else {
        /* The replay holds the bodies and journals it makes in memory
         * until the store has the same; then they go. */
        err = replay(c, s, now, opt && opt->reindex, r);
        r->trusted = 0;
        if (err == CB_OK)
            cb_chain_set_blocks(c, &bs);
    }
    r->load_ms = ms_since(&t0);
    if (err == CB_OK && fast) {
        clock_gettime(CLOCK_MONOTONIC, &t0);
        err = check_recent(c, s, opt->checkblocks ? opt->checkblocks : UINT32_MAX, opt, r);
        r->check_ms = ms_since(&t0);
        if (err == CB_ERR_STORE && r->why[0]) {
            size_t k = strlen(r->why);
            snprintf(r->why + k, sizeof r->why - k,
                     "; start with -reindex to check every stored block and rewrite the rest");
        }
    }
    cb_chain_listener l2 = {cs, on_connected, on_disconnected, on_invalid};
    if (err == CB_OK) {
        cb_chain_set_listener(c, &l2);
        /* A reorganisation a crash cut short goes on from where the store
         * stands, one transaction a step as ever (every step counted, a
         * switch that failed and came back too). */
        err = cb_chain_activate(c);
        r->disconnected += cs->disconnects;
        r->connected += cs->connects;
    }
    r->lost = cb_chain_lost_bodies(c);
    cb_store_release_memory(s); /* the pages of one pass over every header */
    if (err != CB_OK) {
        cb_chain_set_listener(c, NULL);
        free(cs);
        return err;
    }
    *out = cs;
    return CB_OK;
}

cb_err cb_chainstore_open(cb_chainstore **out, cb_chain *c, cb_store *s, int64_t now,
                          cb_load_report *report)
{
    return open_with(out, c, s, now, NULL, report);
}

cb_err cb_chainstore_open_checked(cb_chainstore **out, cb_chain *c, cb_store *s, int64_t now,
                                  const cb_load_options *opt, cb_load_report *report)
{
    return open_with(out, c, s, now, opt, report);
}

void cb_chainstore_free(cb_chainstore *cs)
{
    if (!cs)
        return;
    cb_chain_set_listener(cs->c, NULL);
    free(cs);
}

void cb_chainstore_set_listener(cb_chainstore *cs, const cb_chain_listener *l)
{
    cs->has_next = l != NULL;
    if (l)
        cs->next = *l;
}

cb_err cb_chainstore_accept_block(cb_chainstore *cs, const cb_block *b, int64_t now, size_t *bad_tx)
{
    /* The chain stores every body it keeps (active or on a side branch):
     * a restart knows every branch. */
    return cb_chain_accept_block(cs->c, b, now, bad_tx);
}
