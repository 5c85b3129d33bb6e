#include "node/storecopy.h"

#include <stdlib.h>
#include <string.h>

#include "core/chain.h"
#include "crypto/random.h"
#include "node/chainstore.h"

typedef struct {
    cb_chainstore *cs;
    cb_store *to;
    int64_t now;
    cb_copy_report *r;
} copy_ctx;

static cb_err copy_block(void *arg, const cb_block *b)
{
    copy_ctx *c = arg;
    size_t bad;
    cb_err err = cb_chainstore_accept_block(c->cs, b, c->now, &bad);
    if (err == CB_OK || err == CB_ERR_DUPLICATE) {
        c->r->blocks++;
        return CB_OK;
    }
    if (err == CB_ERR_STORE || err == CB_ERR_NOMEM)
        return err;
    c->r->refused++; /* the source held a block the rules refuse: not copied */
    return CB_OK;
}

static cb_err copy_user(void *arg, const cb_user_record *u)
{
    copy_ctx *c = arg;
    cb_err err = cb_store_add_user(c->to, u);
    if (err == CB_OK)
        c->r->users++;
    return err == CB_ERR_DUPLICATE ? CB_OK : err;
}

cb_err cb_store_copy(const cb_params *p, cb_store *from, cb_store *to, int64_t now,
                     cb_copy_report *r)
{
    uint64_t seed = 0;
    memset(r, 0, sizeof *r);
    if (cb_random_bytes((uint8_t *)&seed, sizeof seed) != CB_OK)
        seed = (uint64_t)now;
    cb_chain *chain = cb_chain_new(p, seed);
    if (!chain)
        return CB_ERR_NOMEM;
    copy_ctx c = {NULL, to, now, r};
    cb_err err = cb_chainstore_open(&c.cs, chain, to, now, NULL);
    if (err == CB_OK)
        err = cb_store_foreach_block(from, copy_block, &c);
    if (err == CB_OK)
        err = cb_store_foreach_user(from, copy_user, &c);
    if (err == CB_OK) {
        size_t n = 0, cap = 4096;
        cb_peer_record *peers = calloc(cap, sizeof *peers);
        err = peers ? cb_store_list_peers(from, peers, cap, &n) : CB_ERR_NOMEM;
        for (size_t i = 0; err == CB_OK && i < n; i++) {
            err = cb_store_put_peer(to, &peers[i]);
            r->peers += err == CB_OK;
        }
        free(peers);
    }
    r->tip_height = cb_chain_tip(chain)->height;
    cb_chainstore_free(c.cs);
    cb_chain_free(chain);
    return err;
}
