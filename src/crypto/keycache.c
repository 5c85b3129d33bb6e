#include "crypto/keycache.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t key[CB_PUBKEY_LEN];
    uint8_t used;
    cb_pubkey parsed;
} entry;

struct cb_keycache {
    entry *slots;
    size_t mask;
    uint64_t seed;
    uint64_t hits, lookups;
};

cb_keycache *cb_keycache_new(size_t slots, uint64_t seed)
{
    size_t n = 1;
    while (n < slots)
        n *= 2;
    cb_keycache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->slots = calloc(n, sizeof *c->slots);
    if (!c->slots) {
        free(c);
        return NULL;
    }
    c->mask = n - 1;
    c->seed = seed;
    return c;
}

void cb_keycache_free(cb_keycache *c)
{
    if (!c)
        return;
    free(c->slots);
    free(c);
}

static size_t slot_of(const cb_keycache *c, const uint8_t pub[CB_PUBKEY_LEN])
{
    uint64_t a, b;
    memcpy(&a, pub + 1, 8);
    memcpy(&b, pub + 9, 8);
    uint64_t h = (a ^ c->seed) * 0x9e3779b97f4a7c15ull;
    h ^= (b + (h >> 29)) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return (size_t)h & c->mask;
}

cb_err cb_keycache_get(cb_keycache *c, const uint8_t pub[CB_PUBKEY_LEN], cb_pubkey *out)
{
    entry *e = &c->slots[slot_of(c, pub)];
    c->lookups++;
    if (e->used && memcmp(e->key, pub, CB_PUBKEY_LEN) == 0) {
        c->hits++;
        *out = e->parsed;
        return CB_OK;
    }
    cb_err err = cb_key_parse_public(out, pub);
    if (err != CB_OK)
        return err;
    memcpy(e->key, pub, CB_PUBKEY_LEN);
    e->parsed = *out;
    e->used = 1;
    return CB_OK;
}

void cb_keycache_stats(const cb_keycache *c, uint64_t *hits, uint64_t *lookups)
{
    *hits = c->hits;
    *lookups = c->lookups;
}
