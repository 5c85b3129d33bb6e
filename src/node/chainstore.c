#include "node/chainstore.h"

#include <stdlib.h>
#include <string.h>

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
} loader;

static cb_err load_one(void *ctx, const cb_block *b)
{
    loader *l = ctx;
    size_t bad;
    l->r->blocks++;
    cb_err err = cb_chain_accept_block(l->c, b, l->now, &bad);
    switch (err) {
    case CB_OK:
    case CB_ERR_DUPLICATE: /* the genesis block, already in the chain */
        return CB_OK;
    case CB_ERR_NOMEM:
        return err;
    default:
        /* A stored block the rules refuse (or whose parent is gone) stays
         * out of the chain; the rest still loads. */
        l->r->refused++;
        return CB_OK;
    }
}

/* Walks the store from its recorded tip to the replayed chain's (see the
 * header). A recorded tip the replay does not know (a block the rules now
 * refuse) cannot be walked from: the store is left as it is, the chain
 * runs from the replay, and the walk stops at the first block whose undo
 * row is missing. */
static cb_err walk_store(cb_chain *c, cb_store *s, cb_load_report *r)
{
    uint8_t hash[32];
    uint32_t height;
    cb_err err = cb_store_tip(s, hash, &height);
    const cb_chain_entry *at;
    if (err == CB_ERR_NOT_FOUND)
        at = cb_chain_at(c, 0); /* nothing connected: the store stands at genesis */
    else if (err != CB_OK)
        return err;
    else
        at = cb_chain_lookup(c, hash);
    if (!at || !(at->status & CB_ENTRY_HAVE_DATA))
        return CB_OK;
    while (at && !cb_chain_is_active(c, at)) {
        err = cb_store_disconnect(s, at->hash, at->block);
        if (err == CB_ERR_NOT_FOUND)
            return CB_OK; /* no journal: not connected after all */
        if (err != CB_OK)
            return err;
        r->disconnected++;
        at = at->prev;
    }
    if (!at)
        return CB_OK;
    const cb_chain_entry *tip = cb_chain_tip(c);
    /* Up from the fork, with the replay's journals; the rows written carry
     * the final state's values, which the last step makes right for all. */
    for (uint32_t h = at->height + 1; h <= tip->height; h++) {
        const cb_chain_entry *e = cb_chain_at(c, h);
        err = cb_store_connect(s, e->hash, e->height, e->block, &e->undo, cb_chain_state(c));
        if (err != CB_OK)
            return err;
        r->connected++;
    }
    return CB_OK;
}

cb_err cb_chainstore_open(cb_chainstore **out, cb_chain *c, cb_store *s, int64_t now,
                          cb_load_report *report)
{
    cb_load_report local = {0, 0, false, 0, 0};
    cb_load_report *r = report ? report : &local;
    memset(r, 0, sizeof *r);
    *out = NULL;
    cb_chainstore *cs = calloc(1, sizeof *cs);
    if (!cs)
        return CB_ERR_NOMEM;
    cs->c = c;
    cs->s = s;
    /* Replay without a listener: these blocks are in the store already. */
    cb_chain_set_listener(c, NULL);
    loader l = {c, now, r};
    cb_err err = cb_store_foreach_block(s, load_one, &l);
    if (err == CB_OK)
        err = walk_store(c, s, r);
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
