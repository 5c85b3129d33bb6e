#include "core/accounts.h"

#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "core/keymap.h"

/* Dense arrays of live accounts, and an index from id to position. A
 * removal moves the last entry into the hole, so the arrays stay dense and
 * iteration is a walk over them. */
struct cb_accounts {
    cb_keymap *index;
    uint8_t (*ids)[20];
    cb_account *values;
    size_t count;
    size_t cap;
};

cb_accounts *cb_accounts_new(uint64_t seed)
{
    cb_accounts *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->index = cb_keymap_new(20, seed);
    if (!m->index) {
        free(m);
        return NULL;
    }
    return m;
}

void cb_accounts_free(cb_accounts *m)
{
    if (!m)
        return;
    cb_keymap_free(m->index);
    free(m->ids);
    free(m->values);
    free(m);
}

void cb_accounts_get(const cb_accounts *m, const uint8_t id[20], cb_account *out)
{
    uint32_t i;
    if (cb_keymap_get(m->index, id, &i))
        *out = m->values[i];
    else
        memset(out, 0, sizeof *out);
}

static cb_err reserve(cb_accounts *m)
{
    if (m->count < m->cap)
        return CB_OK;
    size_t cap = cb_grow_next(m->cap, 64, sizeof *m->values, 0);
    if (!cap || cb_resize(&m->ids, cap, sizeof *m->ids) != CB_OK ||
        cb_resize(&m->values, cap, sizeof *m->values) != CB_OK)
        return CB_ERR_NOMEM;
    m->cap = cap;
    return CB_OK;
}

cb_err cb_accounts_set(cb_accounts *m, const uint8_t id[20], const cb_account *a)
{
    uint32_t i;
    bool zero = a->balance == 0 && a->nonce == 0;
    if (cb_keymap_get(m->index, id, &i)) {
        if (!zero) {
            m->values[i] = *a;
            return CB_OK;
        }
        cb_keymap_remove(m->index, id);
        size_t last = --m->count;
        if (i != last) {
            memcpy(m->ids[i], m->ids[last], 20);
            m->values[i] = m->values[last];
            /* Overwriting an existing key never allocates. */
            return cb_keymap_put(m->index, m->ids[i], i);
        }
        return CB_OK;
    }
    if (zero)
        return CB_OK;
    if (m->count > UINT32_MAX - 1)
        return CB_ERR_NOMEM;
    cb_err err = reserve(m);
    if (err != CB_OK)
        return err;
    err = cb_keymap_put(m->index, id, (uint32_t)m->count);
    if (err != CB_OK)
        return err;
    memcpy(m->ids[m->count], id, 20);
    m->values[m->count] = *a;
    m->count++;
    return CB_OK;
}

size_t cb_accounts_count(const cb_accounts *m)
{
    return m->count;
}

bool cb_accounts_next(const cb_accounts *m, size_t *pos, uint8_t id[20], cb_account *a)
{
    if (*pos >= m->count)
        return false;
    memcpy(id, m->ids[*pos], 20);
    *a = m->values[*pos];
    (*pos)++;
    return true;
}

bool cb_accounts_equal(const cb_accounts *a, const cb_accounts *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++) {
        cb_account y;
        cb_accounts_get(b, a->ids[i], &y);
        if (a->values[i].balance != y.balance || a->values[i].nonce != y.nonce)
            return false;
    }
    return true;
}

uint64_t cb_accounts_total(const cb_accounts *m)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < m->count; i++) {
        if (sum + m->values[i].balance < sum)
            return UINT64_MAX;
        sum += m->values[i].balance;
    }
    return sum;
}
