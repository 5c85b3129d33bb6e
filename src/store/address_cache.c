#include "store/address_cache.h"

#include "crypto/hash.h"

#include <stdio.h>
#include <string.h>

void cb_address_cache_init(cb_address_cache *c, const cb_params *p)
{
    memset(c, 0, sizeof *c);
    c->p = p;
}

void cb_address_cache_text(cb_address_cache *c, char out[CB_ADDRESS_MAX], const uint8_t id[20])
{
    cb_address_slot *a = &c->slots[(id[0] | (unsigned)id[1] << 8) % CB_ADDRESS_CACHE_SLOTS];
    if (a->used && memcmp(a->id, id, 20) == 0) {
        memcpy(out, a->text, CB_ADDRESS_MAX);
        return;
    }
    if (cb_address_encode(c->p, out, id) != CB_OK) {
        snprintf(out, CB_ADDRESS_MAX, "?");
        return;
    }
    memcpy(a->id, id, 20);
    memcpy(a->text, out, CB_ADDRESS_MAX);
    a->used = true;
}

void cb_address_cache_sender(cb_address_cache *c, char out[CB_ADDRESS_MAX],
                             const uint8_t key[CB_PUBKEY_LEN])
{
    /* Bytes of the key's x coordinate pick the slot. */
    cb_sender_slot *a = &c->senders[(key[1] | (unsigned)key[2] << 8) % CB_ADDRESS_CACHE_SLOTS];
    if (a->used && memcmp(a->key, key, CB_PUBKEY_LEN) == 0) {
        memcpy(out, a->text, CB_ADDRESS_MAX);
        return;
    }
    uint8_t id[20];
    cb_hash160(id, key, CB_PUBKEY_LEN);
    cb_address_cache_text(c, out, id);
    memcpy(a->key, key, CB_PUBKEY_LEN);
    memcpy(a->text, out, CB_ADDRESS_MAX);
    a->used = true;
}
