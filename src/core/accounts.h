/* Account state: balance and nonce per address (hash160), in memory.
 *
 * An account that was never touched reads as balance 0, nonce 0, and an
 * account that returns to (0, 0) is removed, so two states with the same
 * meaning always hold the same entries (a replay compares equal). Lookups
 * go through a cb_keymap whose hash is keyed by a seed the caller picks at
 * random, so that nobody can choose addresses that collide. */
#ifndef CB_CORE_ACCOUNTS_H
#define CB_CORE_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct {
    uint64_t balance;
    uint64_t nonce;
} cb_account;

typedef struct cb_accounts cb_accounts;

/* Returns: an empty map the caller frees with cb_accounts_free, or NULL. */
cb_accounts *cb_accounts_new(uint64_t seed);
void cb_accounts_free(cb_accounts *m);

/* Reads an account; absent accounts read as zero. */
void cb_accounts_get(const cb_accounts *m, const uint8_t id[20], cb_account *out);

/* Writes an account; (0, 0) removes it.
 * Returns: CB_OK or CB_ERR_NOMEM (the map is unchanged then). */
cb_err cb_accounts_set(cb_accounts *m, const uint8_t id[20], const cb_account *a) CB_WARN_UNUSED;

/* Number of accounts that are not (0, 0). */
size_t cb_accounts_count(const cb_accounts *m);

/* Iterates: start with *pos = 0; each call fills id and a and returns true,
 * until it returns false. The map must not change during the walk. */
bool cb_accounts_next(const cb_accounts *m, size_t *pos, uint8_t id[20], cb_account *a);

/* True when both maps hold the same accounts with the same values. */
bool cb_accounts_equal(const cb_accounts *a, const cb_accounts *b);

/* Sum of all balances (fits: every balance is bounded by MAX_MONEY in a
 * valid chain; saturates at UINT64_MAX otherwise). */
uint64_t cb_accounts_total(const cb_accounts *m);

#endif
