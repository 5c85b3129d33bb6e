/* The text of an address an engine writes beside its hash160 (wallet
 * rows, payments' sender and recipient), remembered for the addresses
 * seen last: a block's payments repeat their senders, and each Base58Check
 * encoding is two hashes and a long division.
 *
 * Payments' senders are kept by their public key as well, so a repeated
 * sender costs neither the hash160 of its key nor the encoding.
 *
 * Fixed tables, replaced on collision: any id or key costs at most one
 * encoding, whoever chose it. One engine's, used by one thread at a time. */
#ifndef CB_STORE_ADDRESS_CACHE_H
#define CB_STORE_ADDRESS_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/address.h"
#include "core/params.h"
#include "crypto/key.h"

#define CB_ADDRESS_CACHE_SLOTS 4096

typedef struct {
    bool used;
    uint8_t id[20];
    char text[CB_ADDRESS_MAX];
} cb_address_slot;

typedef struct {
    bool used;
    uint8_t key[CB_PUBKEY_LEN];
    char text[CB_ADDRESS_MAX];
} cb_sender_slot;

typedef struct {
    const cb_params *p;
    cb_address_slot slots[CB_ADDRESS_CACHE_SLOTS];
    cb_sender_slot senders[CB_ADDRESS_CACHE_SLOTS];
} cb_address_cache;

/* Starts c empty, for p's addresses. */
void cb_address_cache_init(cb_address_cache *c, const cb_params *p);

/* out: id's address on c's network ("?" should it not encode). */
void cb_address_cache_text(cb_address_cache *c, char out[CB_ADDRESS_MAX], const uint8_t id[20]);

/* out: the address of the public key `key` (a payment's sender), as
 * cb_address_cache_text gives it for the key's hash160. */
void cb_address_cache_sender(cb_address_cache *c, char out[CB_ADDRESS_MAX],
                             const uint8_t key[CB_PUBKEY_LEN]);

#endif
