#include "core/keymap.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t key[CB_KEYMAP_MAX_KEY];
    uint32_t value;
    uint8_t used;
} slot;

struct cb_keymap {
    slot *slots;
    size_t cap; /* power of two */
    size_t count;
    size_t key_len;
    uint64_t seed;
};

static size_t slot_of(const cb_keymap *m, const uint8_t *key)
{
    /* FNV-1a over the key, seeded, then a murmur finalizer. */
    uint64_t h = 0xcbf29ce484222325ull ^ m->seed;
    for (size_t i = 0; i < m->key_len; i++) {
        h ^= key[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (size_t)h & (m->cap - 1);
}

cb_keymap *cb_keymap_new(size_t key_len, uint64_t seed)
{
    if (key_len == 0 || key_len > CB_KEYMAP_MAX_KEY)
        return NULL;
    cb_keymap *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cap = 16;
    m->key_len = key_len;
    m->seed = seed;
    m->slots = calloc(m->cap, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    return m;
}

void cb_keymap_free(cb_keymap *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m);
}

static slot *find(const cb_keymap *m, const uint8_t *key)
{
    size_t i = slot_of(m, key);
    while (m->slots[i].used) {
        if (memcmp(m->slots[i].key, key, m->key_len) == 0)
            return &m->slots[i];
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

bool cb_keymap_get(const cb_keymap *m, const uint8_t *key, uint32_t *value)
{
    const slot *s = find(m, key);
    if (s)
        *value = s->value;
    return s != NULL;
}

static void put_fresh(cb_keymap *m, const uint8_t *key, uint32_t value)
{
    size_t i = slot_of(m, key);
    while (m->slots[i].used)
        i = (i + 1) & (m->cap - 1);
    memcpy(m->slots[i].key, key, m->key_len);
    m->slots[i].value = value;
    m->slots[i].used = 1;
    m->count++;
}

cb_err cb_keymap_put(cb_keymap *m, const uint8_t *key, uint32_t value)
{
    slot *s = find(m, key);
    if (s) {
        s->value = value;
        return CB_OK;
    }
    if ((m->count + 1) * 2 > m->cap) {
        slot *old = m->slots;
        size_t oldcap = m->cap;
        slot *fresh = calloc(oldcap * 2, sizeof *fresh);
        if (!fresh)
            return CB_ERR_NOMEM;
        m->slots = fresh;
        m->cap = oldcap * 2;
        m->count = 0;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].used)
                put_fresh(m, old[i].key, old[i].value);
        free(old);
    }
    put_fresh(m, key, value);
    return CB_OK;
}

bool cb_keymap_remove(cb_keymap *m, const uint8_t *key)
{
    slot *s = find(m, key);
    if (!s)
        return false;
    size_t mask = m->cap - 1, i = (size_t)(s - m->slots), j = i;
    m->slots[i].used = 0;
    m->count--;
    /* Shift later members of the probe run back into the hole unless their
     * home lies cyclically in (i, j]. */
    for (;;) {
        j = (j + 1) & mask;
        if (!m->slots[j].used)
            return true;
        size_t home = slot_of(m, m->slots[j].key);
        bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            m->slots[i] = m->slots[j];
            m->slots[j].used = 0;
            i = j;
        }
    }
}

size_t cb_keymap_count(const cb_keymap *m)
{
    return m->count;
}
