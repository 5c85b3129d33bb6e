#include "core/state.h"

#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "core/amount.h"
#include "core/bytes.h"
#include "core/reader.h"

void cb_undo_init(cb_undo *u)
{
    memset(u, 0, sizeof *u);
}

void cb_undo_clear(cb_undo *u)
{
    free(u->entries);
    cb_undo_init(u);
}

static cb_err undo_push(cb_undo *u, const uint8_t id[20], const cb_account *before)
{
    if (cb_grow(&u->entries, &u->cap, u->n + 1, sizeof *u->entries, 16) != CB_OK)
        return CB_ERR_NOMEM;
    memcpy(u->entries[u->n].id, id, 20);
    u->entries[u->n].before = *before;
    u->n++;
    return CB_OK;
}

cb_err cb_undo_serialize(const cb_undo *u, uint8_t **out, size_t *len)
{
    size_t n = cb_compactsize_len(u->n) + u->n * CB_UNDO_ENTRY_SIZE;
    uint8_t *buf = malloc(n);
    if (!buf)
        return CB_ERR_NOMEM;
    size_t pos = cb_put_compactsize(buf, u->n);
    for (size_t i = 0; i < u->n; i++) {
        memcpy(buf + pos, u->entries[i].id, 20);
        cb_put_u64le(buf + pos + 20, u->entries[i].before.balance);
        cb_put_u64le(buf + pos + 28, u->entries[i].before.nonce);
        pos += CB_UNDO_ENTRY_SIZE;
    }
    *out = buf;
    *len = n;
    return CB_OK;
}

cb_err cb_undo_parse(cb_undo *u, const uint8_t *data, size_t len)
{
    cb_reader r;
    uint64_t n;
    cb_undo_init(u);
    cb_reader_init(&r, data, len);
    cb_err err = cb_read_compactsize(&r, &n, SIZE_MAX / CB_UNDO_ENTRY_SIZE);
    if (err != CB_OK)
        return err;
    if (cb_reader_remaining(&r) < n * CB_UNDO_ENTRY_SIZE)
        return CB_ERR_TRUNCATED;
    if (cb_reader_remaining(&r) > n * CB_UNDO_ENTRY_SIZE)
        return CB_ERR_TRAILING;
    if (n) {
        u->entries = malloc((size_t)n * sizeof *u->entries);
        if (!u->entries)
            return CB_ERR_NOMEM;
        u->cap = (size_t)n;
    }
    for (size_t i = 0; i < (size_t)n; i++) {
        const uint8_t *p;
        if (cb_read_view(&r, &p, CB_UNDO_ENTRY_SIZE) != CB_OK) {
            cb_undo_clear(u);
            return CB_ERR_TRUNCATED;
        }
        memcpy(u->entries[i].id, p, 20);
        u->entries[i].before.balance = cb_get_u64le(p + 20);
        u->entries[i].before.nonce = cb_get_u64le(p + 28);
    }
    u->n = (size_t)n;
    return CB_OK;
}

/* Sets one account, journalling its old value first. */
static cb_err journal_set(cb_accounts *state, cb_undo *undo, const uint8_t id[20],
                          const cb_account *before, const cb_account *after)
{
    cb_err err = undo_push(undo, id, before);
    if (err != CB_OK)
        return err;
    err = cb_accounts_set(state, id, after);
    if (err != CB_OK)
        undo->n--;
    return err;
}

/* Rolls the journal back to its first `keep` entries. */
static void rollback_to(cb_accounts *state, cb_undo *undo, size_t keep)
{
    while (undo->n > keep) {
        undo->n--;
        /* Restoring a value this map held a moment ago either updates an
         * entry in place or removes one: it never allocates, so it cannot
         * fail. */
        (void)!cb_accounts_set(state, undo->entries[undo->n].id, &undo->entries[undo->n].before);
    }
}

cb_err cb_state_apply_tx(cb_accounts *state, cb_undo *undo, const cb_tx *tx)
{
    uint8_t sid[20];
    cb_account s, r;
    size_t keep = undo->n;
    cb_err err;
    /* cb_tx_check bounds these already; a caller that skipped it must not
     * be able to wrap the sum below. */
    if (!cb_money_range(tx->amount) || !cb_money_range(tx->fee))
        return CB_ERR_TX_MONEY_RANGE;
    cb_tx_sender_id(sid, tx);
    cb_accounts_get(state, sid, &s);
    if (tx->nonce != s.nonce || s.nonce == UINT64_MAX)
        return CB_ERR_TX_NONCE;
    /* Both are at most MAX_MONEY, so the sum is exact. */
    if (s.balance < tx->amount + tx->fee)
        return CB_ERR_TX_BALANCE;
    cb_account s2 = {s.balance - tx->amount - tx->fee, s.nonce + 1};
    err = journal_set(state, undo, sid, &s, &s2);
    if (err != CB_OK)
        return err;
    /* Read the recipient after the sender's write: they may be one account. */
    cb_accounts_get(state, tx->recipient, &r);
    if (r.balance > CB_MAX_MONEY - tx->amount) {
        rollback_to(state, undo, keep);
        return CB_ERR_TX_OVERFLOW;
    }
    cb_account r2 = {r.balance + tx->amount, r.nonce};
    err = journal_set(state, undo, tx->recipient, &r, &r2);
    if (err != CB_OK)
        rollback_to(state, undo, keep);
    return err;
}

cb_err cb_state_apply_coinbase(cb_accounts *state, cb_undo *undo, const cb_tx *tx)
{
    cb_account r;
    cb_accounts_get(state, tx->recipient, &r);
    if (tx->amount > CB_MAX_MONEY || r.balance > CB_MAX_MONEY - tx->amount)
        return CB_ERR_TX_OVERFLOW;
    cb_account r2 = {r.balance + tx->amount, r.nonce};
    return journal_set(state, undo, tx->recipient, &r, &r2);
}

cb_err cb_state_undo(cb_accounts *state, cb_undo *undo)
{
    while (undo->n > 0) {
        cb_undo_entry *e = &undo->entries[undo->n - 1];
        cb_err err = cb_accounts_set(state, e->id, &e->before);
        if (err != CB_OK)
            return err;
        undo->n--;
    }
    return CB_OK;
}
