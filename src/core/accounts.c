#include "core/accounts.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"

typedef struct {
    uint8_t id[20];
    uint8_t used;
    cb_account value;
} slot;

struct cb_accounts {
    slot *slots;
    size_t cap; /* power of two */
    size_t count;
    uint64_t seed;
};

static uint64_t mix64(uint64_t x)
{
    /* The murmur3 finalizer: every input bit affects every output bit. */
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static size_t slot_of(const cb_accounts *m, const uint8_t id[20])
{
    uint64_t h = mix64(cb_get_u64le(id) ^ m->seed);
    h = mix64(h ^ cb_get_u64le(id + 8));
    h = mix64(h ^ cb_get_u32le(id + 16) ^ (m->seed << 7));
    return (size_t)h & (m->cap - 1);
}

cb_accounts *cb_accounts_new(uint64_t seed)
{
    cb_accounts *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cap = 64;
    m->seed = seed;
    m->slots = calloc(m->cap, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    return m;
}

void cb_accounts_free(cb_accounts *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m);
}

static slot *find(const cb_accounts *m, const uint8_t id[20])
{
    size_t i = slot_of(m, id);
    while (m->slots[i].used) {
        if (memcmp(m->slots[i].id, id, 20) == 0)
            return &m->slots[i];
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

void cb_accounts_get(const cb_accounts *m, const uint8_t id[20], cb_account *out)
{
    const slot *s = find(m, id);
    if (s)
        *out = s->value;
    else
        memset(out, 0, sizeof *out);
}

static void insert_fresh(cb_accounts *m, const uint8_t id[20], const cb_account *a)
{
    size_t i = slot_of(m, id);
    while (m->slots[i].used)
        i = (i + 1) & (m->cap - 1);
    memcpy(m->slots[i].id, id, 20);
    m->slots[i].used = 1;
    m->slots[i].value = *a;
    m->count++;
}

static cb_err grow(cb_accounts *m)
{
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
            insert_fresh(m, old[i].id, &old[i].value);
    free(old);
    return CB_OK;
}

/* Removes slot i and shifts later members of its probe run back, so that
 * lookups never meet a hole in the middle of a run (no tombstones). */
static void remove_at(cb_accounts *m, size_t i)
{
    size_t mask = m->cap - 1;
    size_t j = i;
    m->slots[i].used = 0;
    m->count--;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->slots[j].used)
            return;
        size_t home = slot_of(m, m->slots[j].id);
        /* Move j into the hole i unless its home lies cyclically in (i, j]. */
        bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            m->slots[i] = m->slots[j];
            m->slots[j].used = 0;
            i = j;
        }
    }
}

cb_err cb_accounts_set(cb_accounts *m, const uint8_t id[20], const cb_account *a)
{
    slot *s = find(m, id);
    bool zero = a->balance == 0 && a->nonce == 0;
    if (s) {
        if (zero)
            remove_at(m, (size_t)(s - m->slots));
        else
            s->value = *a;
        return CB_OK;
    }
    if (zero)
        return CB_OK;
    /* Keep the load under 1/2 so probe runs stay short. */
    if ((m->count + 1) * 2 > m->cap) {
        cb_err err = grow(m);
        if (err != CB_OK)
            return err;
    }
    insert_fresh(m, id, a);
    return CB_OK;
}

size_t cb_accounts_count(const cb_accounts *m)
{
    return m->count;
}

bool cb_accounts_next(const cb_accounts *m, size_t *pos, uint8_t id[20], cb_account *a)
{
    while (*pos < m->cap) {
        const slot *s = &m->slots[(*pos)++];
        if (s->used) {
            memcpy(id, s->id, 20);
            *a = s->value;
            return true;
        }
    }
    return false;
}

bool cb_accounts_equal(const cb_accounts *a, const cb_accounts *b)
{
    size_t pos = 0;
    uint8_t id[20];
    cb_account x, y;
    if (a->count != b->count)
        return false;
    while (cb_accounts_next(a, &pos, id, &x)) {
        cb_accounts_get(b, id, &y);
        if (x.balance != y.balance || x.nonce != y.nonce)
            return false;
    }
    return true;
}

uint64_t cb_accounts_total(const cb_accounts *m)
{
    uint64_t sum = 0;
    size_t pos = 0;
    uint8_t id[20];
    cb_account a;
    while (cb_accounts_next(m, &pos, id, &a)) {
        if (sum + a.balance < sum)
            return UINT64_MAX;
        sum += a.balance;
    }
    return sum;
}
