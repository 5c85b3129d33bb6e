#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_backend.h"

struct cb_store {
    const cb_store_backend *ops;
    void *h;
};

cb_err cb_store_open(cb_store **out, const cb_params *p, const char *uri, char *msg, size_t msglen)
{
    const char *path = uri;
    *out = NULL;
    if (!uri || !*uri) {
        snprintf(msg, msglen, "no database given");
        return CB_ERR_ARG;
    }
    if (strncmp(uri, "sqlite:", 7) == 0)
        path = uri + 7;
    else if (strstr(uri, "://")) {
        snprintf(msg, msglen, "unsupported database '%.*s': use a file path or sqlite:PATH",
                 (int)(strstr(uri, "://") - uri), uri);
        return CB_ERR_ARG;
    }
    cb_store *s = calloc(1, sizeof *s);
    if (!s)
        return CB_ERR_NOMEM;
    cb_err err = cb_store_sqlite_open(&s->h, &s->ops, p, path, msg, msglen);
    if (err != CB_OK) {
        free(s);
        return err;
    }
    *out = s;
    return CB_OK;
}

void cb_store_close(cb_store *s)
{
    if (!s)
        return;
    s->ops->close(s->h);
    free(s);
}

const char *cb_store_last_error(const cb_store *s)
{
    return s->ops->last_error(s->h);
}

cb_err cb_store_put_block(cb_store *s, const uint8_t hash[32], uint32_t height, const cb_block *b)
{
    return s->ops->put_block(s->h, hash, height, b);
}

cb_err cb_store_connect(cb_store *s, const uint8_t hash[32], uint32_t height, const cb_block *b,
                        const cb_undo *undo, const cb_accounts *state)
{
    return s->ops->connect(s->h, hash, height, b, undo, state);
}

cb_err cb_store_disconnect(cb_store *s, const uint8_t hash[32], const cb_block *b)
{
    return s->ops->disconnect(s->h, hash, b);
}

cb_err cb_store_foreach_block(cb_store *s, cb_store_block_fn fn, void *ctx)
{
    return s->ops->foreach_block(s->h, fn, ctx);
}

cb_err cb_store_tip(cb_store *s, uint8_t hash[32], uint32_t *height)
{
    return s->ops->tip(s->h, hash, height);
}

cb_err cb_store_get_account(cb_store *s, const uint8_t id[20], cb_account *out)
{
    return s->ops->get_account(s->h, id, out);
}

cb_err cb_store_load_accounts(cb_store *s, cb_accounts *out)
{
    return s->ops->load_accounts(s->h, out);
}

cb_err cb_store_replace_accounts(cb_store *s, const cb_accounts *state)
{
    return s->ops->replace_accounts(s->h, state);
}

cb_err cb_store_put_pending_tx(cb_store *s, const cb_tx *tx, int64_t now)
{
    return s->ops->put_pending_tx(s->h, tx, now);
}

cb_err cb_store_reject_tx(cb_store *s, const uint8_t txid[32], const char *reason)
{
    return s->ops->reject_tx(s->h, txid, reason);
}

cb_err cb_store_tx_status(cb_store *s, const uint8_t txid[32], cb_tx_status *st, uint32_t *height)
{
    return s->ops->tx_status(s->h, txid, st, height);
}

cb_err cb_store_list_txs(cb_store *s, const char *address, cb_tx_record *out, size_t max, size_t *n)
{
    return s->ops->list_txs(s->h, address, out, max, n);
}

cb_err cb_store_add_user(cb_store *s, const cb_user_record *u)
{
    return s->ops->add_user(s->h, u);
}

cb_err cb_store_get_user(cb_store *s, const char *username, cb_user_record *u)
{
    return s->ops->get_user(s->h, username, u);
}

cb_err cb_store_replace_user_key(cb_store *s, const cb_user_record *u)
{
    return s->ops->replace_user_key(s->h, u);
}

cb_err cb_store_put_peer(cb_store *s, const cb_peer_record *p)
{
    return s->ops->put_peer(s->h, p);
}

cb_err cb_store_list_peers(cb_store *s, cb_peer_record *out, size_t max, size_t *n)
{
    return s->ops->list_peers(s->h, out, max, n);
}
