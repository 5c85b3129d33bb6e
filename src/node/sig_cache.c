#include "node/sig_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Entries a set: a transaction lives in one set of four, so entries are
 * lost only when four of those kept share a set. */
#define WAYS 4

typedef struct {
    uint8_t tx[CB_TX_SIZE];
    uint8_t used;
} entry;

struct cb_sig_cache {
    pthread_mutex_t mu;
    entry *slots;
    size_t mask;
    uint64_t seed;
};

cb_sig_cache *cb_sig_cache_new(size_t slots, uint64_t seed)
{
    size_t n = WAYS;
    while (n < slots)
        n *= 2;
    cb_sig_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->slots = calloc(n, sizeof *c->slots);
    if (!c->slots || pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c->slots);
        free(c);
        return NULL;
    }
    c->mask = n / WAYS - 1;
    c->seed = seed;
    return c;
}

void cb_sig_cache_free(cb_sig_cache *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->mu);
    free(c->slots);
    free(c);
}

/* The set of a serialization, from its signature's bytes (which nobody
 * can choose without the key, and which the seed hides anyway); out:
 * *way, the entry of the set a new one replaces when the set is full. */
static entry *set_of(const cb_sig_cache *c, const uint8_t ser[CB_TX_SIZE], unsigned *way)
{
    uint64_t a, b;
    memcpy(&a, ser + CB_TX_SIGNED_LEN, 8);
    memcpy(&b, ser + CB_TX_SIGNED_LEN + 8, 8);
    uint64_t h = (a ^ c->seed) * 0x9e3779b97f4a7c15ull;
    h ^= (b + (h >> 29)) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    *way = (unsigned)(h >> 62);
    return &c->slots[((size_t)h & c->mask) * WAYS];
}

void cb_sig_cache_add(cb_sig_cache *c, const cb_tx *tx)
{
    uint8_t ser[CB_TX_SIZE];
    cb_tx_serialize(ser, tx);
    unsigned way;
    entry *set = set_of(c, ser, &way);
    pthread_mutex_lock(&c->mu);
    entry *e = &set[way % WAYS];
    for (unsigned i = 0; i < WAYS; i++) {
        if (set[i].used && memcmp(set[i].tx, ser, CB_TX_SIZE) == 0) {
            e = NULL; /* there already */
            break;
        }
        if (!set[i].used && e->used)
            e = &set[i];
    }
    if (e) {
        memcpy(e->tx, ser, CB_TX_SIZE);
        e->used = 1;
    }
    pthread_mutex_unlock(&c->mu);
}

static bool lookup(cb_sig_cache *c, const cb_tx *tx, bool take)
{
    uint8_t ser[CB_TX_SIZE];
    cb_tx_serialize(ser, tx);
    unsigned way;
    entry *set = set_of(c, ser, &way);
    bool hit = false;
    pthread_mutex_lock(&c->mu);
    for (unsigned i = 0; i < WAYS && !hit; i++) {
        hit = set[i].used && memcmp(set[i].tx, ser, CB_TX_SIZE) == 0;
        if (hit && take)
            set[i].used = 0;
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

bool cb_sig_cache_take(cb_sig_cache *c, const cb_tx *tx)
{
    return lookup(c, tx, true);
}

bool cb_sig_cache_has(cb_sig_cache *c, const cb_tx *tx)
{
    return lookup(c, tx, false);
}
