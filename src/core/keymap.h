/* A hash map from fixed-size byte keys (a hash160, a txid) to 32-bit
 * values, for indexes into arrays the caller owns.
 *
 * Open addressing with linear probing and backward-shift deletion; the hash
 * is keyed by a seed the caller picks at random, so that nobody can choose
 * keys that collide. */
#ifndef CB_CORE_KEYMAP_H
#define CB_CORE_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define CB_KEYMAP_MAX_KEY 32

typedef struct cb_keymap cb_keymap;

/* Returns: an empty map for keys of key_len bytes (1..32), or NULL. */
cb_keymap *cb_keymap_new(size_t key_len, uint64_t seed);
void cb_keymap_free(cb_keymap *m);

/* Returns: true and *value when the key is present. */
bool cb_keymap_get(const cb_keymap *m, const uint8_t *key, uint32_t *value);

/* Inserts or overwrites. Returns: CB_OK or CB_ERR_NOMEM (map unchanged). */
cb_err cb_keymap_put(cb_keymap *m, const uint8_t *key, uint32_t value) CB_WARN_UNUSED;

/* Removes the key if present. Returns: true if it was there. */
bool cb_keymap_remove(cb_keymap *m, const uint8_t *key);

size_t cb_keymap_count(const cb_keymap *m);

#endif
