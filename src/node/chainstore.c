#include "node/chainstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hex.h"
#include "core/refusal.h"

struct cb_chainstore {
    cb_chain *c;
    cb_store *s;
    cb_chain_listener next;
    bool has_next;
};

static cb_err on_connected(void *ctx, const cb_chain_entry *e, const cb_undo *undo)
{
    cb_chainstore *cs = ctx;
    cb_err err = cb_store_connect(cs->s, e->hash, e->height, e->block, undo, cb_chain_state(cs->c));
    if (err == CB_OK && cs->has_next && cs->next.connected)
        err = cs->next.connected(cs->next.ctx, e, undo);
    return err;
}

static cb_err on_disconnected(void *ctx, const cb_chain_entry *e)
{
    cb_chainstore *cs = ctx;
    cb_err err = cb_store_disconnect(cs->s, e->hash, e->block);
    if (err == CB_OK && cs->has_next && cs->next.disconnected)
        err = cs->next.disconnected(cs->next.ctx, e);
    return err;
}

typedef struct {
    cb_chain *c;
    int64_t now;
    cb_load_report *r;
    const cb_load_options *opt; /* NULL: every block checked in full */
    uint32_t trust_upto;        /* heights up to this skip their signatures */
    bool trusting;              /* the checker set is no_signatures */
    bool have_refused;
} loader;

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

static cb_err load_one(void *ctx, const cb_block *b)
{
    loader *l = ctx;
    size_t bad;
    l->r->blocks++;
    const cb_chain_entry *prev = cb_chain_lookup(l->c, b->header.prev);
    bool trust = l->opt && !l->opt->reindex && prev &&
                 (prev->height + 1 <= l->trust_upto || l->opt->checklevel == 0);
    if (l->opt && trust != l->trusting) {
        cb_chain_set_sig_checker(l->c, trust ? &TRUSTING : l->opt->sigs);
        l->trusting = trust;
    }
    cb_err err = cb_chain_accept_block(l->c, b, l->now, &bad);
    switch (err) {
    case CB_OK:
        l->r->trusted += trust;
        return CB_OK;
    case CB_ERR_DUPLICATE: /* the genesis block, already in the chain */
        return CB_OK;
    case CB_ERR_NOMEM:
        return err;
    default:
        /* A stored block the rules refuse (or whose parent is gone) stays
         * out of the chain; the rest still loads. */
        if (!l->r->refused) {
            uint8_t hash[32];
            char hex[65], rule[224];
            cb_header_hash(hash, &b->header);
            cb_hash_to_hex(hex, hash);
            cb_refusal_block(rule, sizeof rule, err, l->c, b, bad, l->now);
            snprintf(l->r->why, sizeof l->r->why, "the stored block %s breaks a rule (%s: %s)", hex,
                     cb_err_reason(err), rule);
        }
        l->r->refused++;
        return CB_OK;
    }
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* A copy of an undo journal (cb_state_undo empties the one it is given). */
static cb_err undo_copy(cb_undo *dst, const cb_undo *src)
{
    uint8_t *raw = NULL;
    size_t len = 0;
    cb_err err = cb_undo_serialize(src, &raw, &len);
    cb_undo_init(dst);
    if (err == CB_OK)
        err = cb_undo_parse(dst, raw, len);
    free(raw);
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

/* The checks of levels 2 and 3 on the active chain's last n blocks. */
static cb_err check_last(cb_chain *c, cb_store *s, uint32_t n, int level, cb_load_report *r)
{
    const cb_chain_entry *tip = cb_chain_tip(c);
    if (n > tip->height)
        n = tip->height;
    r->checked = n;
    cb_err err = CB_OK;
    for (uint32_t k = 0; level >= 2 && k < n && err == CB_OK; k++) {
        const cb_chain_entry *e = cb_chain_at(c, tip->height - k);
        cb_undo stored;
        cb_undo_init(&stored);
        err = cb_store_get_undo(s, e->hash, &stored);
        if (err == CB_ERR_NOT_FOUND || (err == CB_OK && !undo_same(&stored, &e->undo)))
            err = fail_check(r, e, 2, "its stored undo data is not what connecting it records");
        else if (err != CB_OK && err != CB_ERR_STORE && err != CB_ERR_NOMEM)
            err = fail_check(r, e, 2, "its stored undo data does not parse");
        cb_undo_clear(&stored);
    }
    if (level < 3 || err != CB_OK || n == 0)
        return err;
    /* Down n blocks on a copy of the state, then up again. */
    const cb_accounts *state = cb_chain_state(c);
    cb_accounts *copy = cb_accounts_new(7);
    if (!copy)
        return CB_ERR_NOMEM;
    size_t pos = 0;
    uint8_t id[20];
    cb_account a;
    while (err == CB_OK && cb_accounts_next(state, &pos, id, &a))
        err = cb_accounts_set(copy, id, &a);
    for (uint32_t k = 0; k < n && err == CB_OK; k++) {
        const cb_chain_entry *e = cb_chain_at(c, tip->height - k);
        cb_undo u;
        err = undo_copy(&u, &e->undo);
        if (err == CB_OK && cb_state_undo(copy, &u) != CB_OK)
            err = fail_check(r, e, 3, "its undo data does not disconnect it");
        cb_undo_clear(&u);
    }
    for (uint32_t h = tip->height - n + 1; h <= tip->height && err == CB_OK; h++) {
        const cb_chain_entry *e = cb_chain_at(c, h);
        cb_undo u;
        size_t bad;
        cb_undo_init(&u);
        if (cb_block_connect(cb_chain_params(c), copy, &u, e->block, h, &bad) != CB_OK ||
            !undo_same(&u, &e->undo))
            err = fail_check(r, e, 3, "connecting it again after disconnecting it differs");
        cb_undo_clear(&u);
    }
    if (err == CB_OK && !cb_accounts_equal(copy, state))
        err = fail_check(r, tip, 3, "the state after disconnecting and connecting again differs");
    cb_accounts_free(copy);
    return err;
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
        cb_err err = cb_store_connect(s, e->hash, e->height, e->block, &e->undo, cb_chain_state(c));
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

/* -reindex: the chain's rows dropped, then every active block's written
 * again from the replay, genesis first. */
static cb_err rewrite_active(cb_chain *c, cb_store *s)
{
    size_t n = 0;
    cb_err err = cb_store_reset_chain(s);
    return err == CB_OK ? connect_from(c, s, 0, &n) : err;
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
    /* Replay without a listener: these blocks are in the store already. */
    cb_chain_set_listener(c, NULL);
    loader l = {c, now, r, opt, 0, false, false};
    uint8_t tip[32];
    uint32_t height = 0;
    cb_err err = cb_store_tip(s, tip, &height);
    bool have_tip = err == CB_OK;
    if (err == CB_ERR_NOT_FOUND)
        err = CB_OK;
    if (opt)
        l.trust_upto =
            opt->checkblocks && height > opt->checkblocks ? height - opt->checkblocks : 0;
    if (err == CB_OK)
        err = cb_store_foreach_block(s, load_one, &l);
    if (opt)
        cb_chain_set_sig_checker(c, opt->sigs);
    bool lost = false;
    if (err == CB_OK && !(opt && opt->reindex))
        err = walk_store(c, s, have_tip ? tip : NULL, r, &lost);
    /* The recorded tip not among the blocks the replay took: the store's
     * chain is broken (a refused block under it, or blocks gone). */
    if (err == CB_OK && opt && !opt->reindex && lost) {
        size_t k = strlen(r->why);
        snprintf(r->why + k, sizeof r->why - k,
                 "%sthe chain this store recorded cannot be loaded; start with -reindex to "
                 "rebuild it from the stored blocks that pass",
                 k ? "; " : "");
        err = CB_ERR_STORE;
    } else if (!lost) {
        r->why[0] = '\0'; /* a refused side block is only left out (and logged) */
    }
    if (err == CB_OK && opt && opt->reindex)
        err = rewrite_active(c, s);
    r->load_ms = ms_since(&t0);
    if (err == CB_OK && opt && !opt->reindex) {
        clock_gettime(CLOCK_MONOTONIC, &t0);
        err =
            check_last(c, s, opt->checkblocks ? opt->checkblocks : UINT32_MAX, opt->checklevel, r);
        r->check_ms = ms_since(&t0);
        if (err == CB_ERR_STORE && r->why[0]) {
            size_t k = strlen(r->why);
            snprintf(r->why + k, sizeof r->why - k,
                     "; start with -reindex to check every stored block and rewrite the rest");
        }
    }
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
    if (err != CB_OK) {
        free(cs);
        return err;
    }
    cb_chain_listener l2 = {cs, on_connected, on_disconnected};
    cb_chain_set_listener(c, &l2);
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
    cb_err err = cb_chain_accept_block(cs->c, b, now, bad_tx);
    uint8_t hash[32];
    cb_header_hash(hash, &b->header);
    const cb_chain_entry *e = cb_chain_lookup(cs->c, hash);
    /* Kept (active or on a side branch): store it, so a restart still
     * knows every branch. Connected blocks are stored already. */
    if (e && (e->status & CB_ENTRY_HAVE_DATA) && !cb_chain_is_active(cs->c, e) && err == CB_OK) {
        cb_err serr = cb_store_put_block(cs->s, e->hash, e->height, e->block);
        if (serr != CB_OK)
            return serr;
    }
    return err;
}
