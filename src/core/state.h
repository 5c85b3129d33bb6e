/* Applying transactions to account state, and undoing them.
 *
 * Every change is journalled in a cb_undo as the account's value before
 * the change; undoing walks the journal backwards, which restores each
 * account exactly, however many times one block touched it. The journal of
 * a connected block is its undo data (stored beside it by the node). */
#ifndef CB_CORE_STATE_H
#define CB_CORE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/accounts.h"
#include "core/err.h"
#include "core/tx.h"

#define CB_UNDO_ENTRY_SIZE 36 /* id[20] balance u64 nonce u64 */

typedef struct {
    uint8_t id[20];
    cb_account before;
} cb_undo_entry;

typedef struct {
    cb_undo_entry *entries; /* owned */
    size_t n;
    size_t cap;
} cb_undo;

void cb_undo_init(cb_undo *u);
void cb_undo_clear(cb_undo *u);

/* Serializes as CompactSize(n) then n entries of 36 bytes.
 * Out: *out (malloc'd, the caller frees) and *len.
 * Returns: CB_OK or CB_ERR_NOMEM. */
cb_err cb_undo_serialize(const cb_undo *u, uint8_t **out, size_t *len) CB_WARN_UNUSED;

/* Parses undo data (from the store: untrusted) into u (initialized here).
 * Returns: CB_OK, CB_ERR_TRUNCATED, CB_ERR_TRAILING, CB_ERR_NONCANONICAL,
 * CB_ERR_TOO_LARGE or CB_ERR_NOMEM. */
cb_err cb_undo_parse(cb_undo *u, const uint8_t *data, size_t len) CB_WARN_UNUSED;

/* Applies a regular transaction (signature already checked): the sender's
 * nonce must match and its balance cover amount + fee.
 * Returns: CB_OK, CB_ERR_TX_MONEY_RANGE, CB_ERR_TX_NONCE, CB_ERR_TX_BALANCE,
 * CB_ERR_TX_OVERFLOW or CB_ERR_NOMEM; on error the state and journal are
 * as before. */
cb_err cb_state_apply_tx(cb_accounts *state, cb_undo *undo, const cb_tx *tx) CB_WARN_UNUSED;

/* Credits a coinbase's amount to its recipient (its checks are the
 * block's: see cb_block_connect). Returns: CB_OK, CB_ERR_TX_OVERFLOW or
 * CB_ERR_NOMEM; on error nothing changed. */
cb_err cb_state_apply_coinbase(cb_accounts *state, cb_undo *undo, const cb_tx *tx) CB_WARN_UNUSED;

/* Rolls back every change in the journal, newest first, and empties it.
 * Returns: CB_OK or CB_ERR_NOMEM (only if the map must grow, which cannot
 * happen when the journal came from changes to this same map). */
cb_err cb_state_undo(cb_accounts *state, cb_undo *undo) CB_WARN_UNUSED;

#endif
