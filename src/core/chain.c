#include "core/chain.h"

#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "core/bytes.h"
#include "core/keymap.h"
#include "core/pow.h"

/* Entries by hash: open addressing over pointers, never shrinking (an
 * entry, once known, stays known: Bitcoin Core's block index does too). */
typedef struct {
    cb_chain_entry **slots;
    size_t cap;
    size_t count;
    uint64_t seed;
} entry_map;

/* A growable list of entry pointers. */
typedef struct {
    cb_chain_entry **items;
    size_t n;
    size_t cap;
} entry_list;

/* Entries come from slabs, one allocation for many, freed with the chain
 * (an entry, once known, is never forgotten): no allocator overhead per
 * header, and neighbours in memory. */
#define ENTRY_SLAB 1024

typedef struct entry_slab {
    struct entry_slab *next;
    size_t used;
    cb_chain_entry items[ENTRY_SLAB];
} entry_slab;

struct cb_chain {
    const cb_params *params;
    entry_slab *slabs; /* the newest first */
    /* The work of the last bits seen (a chain's bits rarely change). */
    uint32_t work_bits;
    cb_u256 work_of_bits;
    bool have_work;
    entry_map map;
    entry_list active;     /* active.items[h] is the block at height h */
    entry_list candidates; /* complete, valid, may beat the tip */
    entry_list unlinked;   /* data held, some ancestor's data missing */
    cb_chain_entry *best_header;
    cb_accounts *state;
    uint32_t next_seq;
    cb_chain_listener listener;
    bool has_listener;
    cb_sig_checker sigs;
    bool has_sigs;
    cb_chain_blocks blocks;
    bool has_blocks;
    /* With a block store: the last bodies taken, a ring. */
    struct {
        const cb_chain_entry *e;
        cb_block *b;
        size_t size;
    } cache[CB_CHAIN_BODY_CACHE];
    size_t cache_next, cache_bytes;
    size_t lost_bodies;
};

static size_t map_slot(const entry_map *m, const uint8_t hash[32])
{
    /* Block hashes are costly to choose, but mix in the seed anyway. */
    uint64_t h = cb_get_u64le(hash) ^ cb_get_u64le(hash + 24) ^ m->seed;
    h ^= h >> 31;
    h *= 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    return (size_t)h & (m->cap - 1);
}

static cb_chain_entry *map_find(const entry_map *m, const uint8_t hash[32])
{
    size_t i = map_slot(m, hash);
    while (m->slots[i]) {
        if (memcmp(m->slots[i]->hash, hash, 32) == 0)
            return m->slots[i];
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

static void map_put_fresh(entry_map *m, cb_chain_entry *e)
{
    size_t i = map_slot(m, e->hash);
    while (m->slots[i])
        i = (i + 1) & (m->cap - 1);
    m->slots[i] = e;
    m->count++;
}

static cb_err map_put(entry_map *m, cb_chain_entry *e)
{
    if ((m->count + 1) * 2 > m->cap) {
        cb_chain_entry **old = m->slots;
        size_t oldcap = m->cap;
        cb_chain_entry **fresh = calloc(oldcap * 2, sizeof *fresh);
        if (!fresh)
            return CB_ERR_NOMEM;
        m->slots = fresh;
        m->cap = oldcap * 2;
        m->count = 0;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i])
                map_put_fresh(m, old[i]);
        free(old);
    }
    map_put_fresh(m, e);
    return CB_OK;
}

static cb_err list_push(entry_list *l, cb_chain_entry *e)
{
    if (cb_grow(&l->items, &l->cap, l->n + 1, sizeof *l->items, 16) != CB_OK)
        return CB_ERR_NOMEM;
    l->items[l->n++] = e;
    return CB_OK;
}

static void list_remove_at(entry_list *l, size_t i)
{
    l->items[i] = l->items[--l->n];
}

static bool list_contains(const entry_list *l, const cb_chain_entry *e)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i] == e)
            return true;
    return false;
}

static void free_block(cb_block *b)
{
    if (b) {
        cb_block_clear(b);
        free(b);
    }
}

static void free_undo(cb_undo *u)
{
    if (u) {
        cb_undo_clear(u);
        free(u);
    }
}

/* Drops what memory holds of e beside its index entry. */
static void drop_data(cb_chain_entry *e)
{
    free_block(e->block);
    e->block = NULL;
    free_undo(e->undo);
    e->undo = NULL;
}

/* Gives back the entry new_entry handed out last (one not in the map). */
static void unnew_entry(cb_chain *c, cb_chain_entry *e)
{
    if (!e)
        return;
    drop_data(e);
    if (c->slabs && c->slabs->used && &c->slabs->items[c->slabs->used - 1] == e)
        c->slabs->used--;
}

void cb_chain_free(cb_chain *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->map.cap; i++)
        if (c->map.slots[i])
            drop_data(c->map.slots[i]);
    while (c->slabs) {
        entry_slab *next = c->slabs->next;
        free(c->slabs);
        c->slabs = next;
    }
    free(c->map.slots);
    free(c->active.items);
    free(c->candidates.items);
    free(c->unlinked.items);
    for (size_t i = 0; i < CB_CHAIN_BODY_CACHE; i++)
        free_block(c->cache[i].b);
    cb_accounts_free(c->state);
    free(c);
}

static bool entry_failed(const cb_chain_entry *e)
{
    return (e->status & (CB_ENTRY_FAILED | CB_ENTRY_FAILED_CHILD)) != 0;
}

/* Clears the lowest set bit. */
static uint32_t drop_low_bit(uint32_t n)
{
    return n & (n - 1);
}

/* The height an entry's skip pointer reaches (Core's GetSkipHeight): far
 * enough back to halve the remaining distance, and placed so that the
 * pointers of neighbouring heights reach different depths. */
static uint32_t skip_height(uint32_t height)
{
    if (height < 2)
        return 0;
    return (height & 1) ? drop_low_bit(drop_low_bit(height - 1)) + 1 : drop_low_bit(height);
}

const cb_chain_entry *cb_chain_ancestor(const cb_chain_entry *e, uint32_t height)
{
    if (!e || height > e->height)
        return NULL;
    uint32_t at = e->height;
    while (at > height) {
        uint32_t skip = skip_height(at), skip_prev = skip_height(at - 1);
        /* Take the skip when it lands on the target, or passes above it
         * without the parent's skip being a better step. */
        bool take = e->skip && (skip == height ||
                                (skip > height && !(skip_prev + 2 < skip && skip_prev >= height)));
        if (take) {
            e = e->skip;
            at = skip;
        } else {
            e = e->prev;
            at--;
        }
    }
    return e;
}

/* Median time past of the chain ending at e (e and up to 10 ancestors). */
static int64_t compute_median_time(const cb_chain_entry *e)
{
    int64_t times[11];
    size_t n = 0;
    for (; e && n < 11; e = e->prev)
        times[n++] = e->header.time;
    return cb_median_time(times, n);
}

uint32_t cb_chain_next_bits(const cb_chain *c, const cb_chain_entry *prev)
{
    const cb_params *p = c->params;
    if (!cb_pow_is_retarget_height(p, prev->height + 1))
        return prev->header.bits;
    const cb_chain_entry *first =
        cb_chain_ancestor(prev, prev->height - (p->retarget_interval - 1));
    return cb_pow_calculate_next(p, prev->header.bits, prev->header.time, first->header.time);
}

void cb_chain_context(const cb_chain *c, const cb_chain_entry *prev, int64_t now,
                      cb_header_context *ctx)
{
    ctx->height = prev->height + 1;
    ctx->expected_bits = cb_chain_next_bits(c, prev);
    ctx->median_time = prev->median_time;
    ctx->now = now;
}

static cb_chain_entry *new_entry(cb_chain *c, const cb_header *h, const uint8_t hash[32],
                                 cb_chain_entry *prev)
{
    if (!c->slabs || c->slabs->used == ENTRY_SLAB) {
        entry_slab *slab = malloc(sizeof *slab);
        if (!slab)
            return NULL;
        slab->next = c->slabs;
        slab->used = 0;
        c->slabs = slab;
    }
    cb_chain_entry *e = &c->slabs->items[c->slabs->used++];
    memset(e, 0, sizeof *e);
    memcpy(e->hash, hash, 32);
    e->header = *h;
    e->prev = prev;
    e->height = prev ? prev->height + 1 : 0;
    if (prev)
        e->skip = (cb_chain_entry *)cb_chain_ancestor(prev, skip_height(e->height));
    if (!c->have_work || c->work_bits != h->bits) {
        cb_pow_work(&c->work_of_bits, h->bits);
        c->work_bits = h->bits;
        c->have_work = true;
    }
    if (prev)
        cb_u256_add(&e->work, &prev->work, &c->work_of_bits);
    else
        e->work = c->work_of_bits;
    e->median_time = 0;
    e->fail_tx = UINT32_MAX;
    e->seq = UINT32_MAX; /* until its data arrives */
    return e;
}

cb_chain *cb_chain_new(const cb_params *p, uint64_t seed)
{
    cb_chain *c = calloc(1, sizeof *c);
    cb_chain_entry *g = NULL;
    cb_header h;
    uint8_t hash[32];
    if (!c)
        return NULL;
    c->params = p;
    c->map.seed = seed;
    c->map.cap = 1024;
    c->map.slots = calloc(c->map.cap, sizeof *c->map.slots);
    c->state = cb_accounts_new(seed ^ 0x5bd1e995u);
    if (!c->map.slots || !c->state)
        goto fail;
    cb_params_genesis_header(p, &h);
    cb_header_hash(hash, &h);
    g = new_entry(c, &h, hash, NULL);
    if (!g)
        goto fail;
    g->median_time = compute_median_time(g);
    g->complete = true;
    g->seq = c->next_seq++;
    if (p->has_genesis_block) {
        size_t bad;
        g->block = malloc(sizeof *g->block);
        if (!g->block)
            goto fail;
        if (cb_params_genesis_block(p, g->block) != CB_OK)
            goto fail;
        g->status |= CB_ENTRY_HAVE_DATA;
        g->ntx = (uint32_t)g->block->ntx;
        g->undo = malloc(sizeof *g->undo);
        if (!g->undo)
            goto fail;
        cb_undo_init(g->undo);
        /* The genesis coinbase pays 0; connecting it keeps one code path. */
        if (cb_block_connect(p, c->state, g->undo, g->block, 0, &bad) != CB_OK)
            goto fail;
    }
    if (list_push(&c->active, g) != CB_OK)
        goto fail;
    /* Last: once in the map, the chain owns g. */
    if (map_put(&c->map, g) != CB_OK)
        goto fail;
    c->best_header = g;
    return c;
fail:
    unnew_entry(c, g);
    cb_chain_free(c);
    return NULL;
}

void cb_chain_set_listener(cb_chain *c, const cb_chain_listener *l)
{
    c->has_listener = l != NULL;
    if (l)
        c->listener = *l;
}

void cb_chain_set_sig_checker(cb_chain *c, const cb_sig_checker *s)
{
    c->has_sigs = s != NULL;
    if (s)
        c->sigs = *s;
}

const cb_params *cb_chain_params(const cb_chain *c)
{
    return c->params;
}

const cb_chain_entry *cb_chain_tip(const cb_chain *c)
{
    return c->active.items[c->active.n - 1];
}

const cb_chain_entry *cb_chain_at(const cb_chain *c, uint32_t height)
{
    return height < c->active.n ? c->active.items[height] : NULL;
}

const cb_chain_entry *cb_chain_best_header(const cb_chain *c)
{
    return c->best_header;
}

const cb_chain_entry *cb_chain_lookup(const cb_chain *c, const uint8_t hash[32])
{
    return map_find(&c->map, hash);
}

size_t cb_chain_locator(const cb_chain_entry *e, uint8_t (*out)[32], size_t max)
{
    size_t n = 0;
    uint32_t step = 1;
    while (e && n < max) {
        memcpy(out[n++], e->hash, 32);
        if (e->height == 0)
            break;
        if (n > 10)
            step *= 2;
        uint32_t h = e->height > step ? e->height - step : 0;
        /* The last slot is kept for genesis. */
        if (n == max - 1)
            h = 0;
        e = cb_chain_ancestor(e, h);
    }
    return n;
}

const cb_chain_entry *cb_chain_find_fork(const cb_chain *c, const uint8_t (*hashes)[32], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const cb_chain_entry *e = cb_chain_lookup(c, hashes[i]);
        if (e && cb_chain_is_active(c, e))
            return e;
    }
    return c->active.items[0];
}

const cb_chain_entry *cb_chain_common(const cb_chain_entry *a, const cb_chain_entry *b)
{
    if (!a || !b)
        return NULL;
    if (a->height > b->height)
        a = cb_chain_ancestor(a, b->height);
    else
        b = cb_chain_ancestor(b, a->height);
    while (a != b) {
        a = a->prev;
        b = b->prev;
    }
    return a;
}

bool cb_chain_is_active(const cb_chain *c, const cb_chain_entry *e)
{
    return e && e->height < c->active.n && c->active.items[e->height] == e;
}

const cb_accounts *cb_chain_state(const cb_chain *c)
{
    return c->state;
}

size_t cb_chain_tips(const cb_chain *c, const cb_chain_entry **out, size_t max)
{
    /* A parent is not a tip: mark every entry's parent, keep the rest. */
    cb_keymap *parents = cb_keymap_new(32, c->map.seed);
    size_t n = 0;
    if (!parents)
        return 0;
    for (size_t i = 0; i < c->map.cap; i++) {
        const cb_chain_entry *e = c->map.slots[i];
        if (e && e->prev && cb_keymap_put(parents, e->prev->hash, 0) != CB_OK) {
            cb_keymap_free(parents);
            return 0;
        }
    }
    const cb_chain_entry *tip = cb_chain_tip(c);
    if (max > 0)
        out[0] = tip;
    n = 1;
    for (size_t i = 0; i < c->map.cap; i++) {
        const cb_chain_entry *e = c->map.slots[i];
        uint32_t dummy;
        if (!e || e == tip || cb_keymap_get(parents, e->hash, &dummy))
            continue;
        if (n < max)
            out[n] = e;
        n++;
    }
    cb_keymap_free(parents);
    return n;
}

size_t cb_chain_size(const cb_chain *c)
{
    return c->map.count;
}

/* Finds or adds the entry of a header; the core of cb_chain_accept_header. */
static cb_err accept_hashed(cb_chain *c, const cb_header *h, const uint8_t hash[32], int64_t now,
                            cb_chain_entry **out)
{
    cb_header_context ctx;
    cb_chain_entry *e, *prev;
    cb_err err;
    e = map_find(&c->map, hash);
    if (e) {
        *out = e;
        return entry_failed(e) ? CB_ERR_BLK_INVALID : CB_OK;
    }
    /* Proof of work first: it is the cheap filter against junk. */
    err = cb_pow_check(c->params, hash, h->bits);
    if (err != CB_OK)
        return err;
    prev = map_find(&c->map, h->prev);
    if (!prev)
        return CB_ERR_PREV_MISSING;
    if (entry_failed(prev))
        return CB_ERR_PREV_INVALID;
    cb_chain_context(c, prev, now, &ctx);
    err = cb_header_check_context(h, &ctx);
    if (err != CB_OK)
        return err;
    e = new_entry(c, h, hash, prev);
    if (!e)
        return CB_ERR_NOMEM;
    e->median_time = compute_median_time(e);
    err = map_put(&c->map, e);
    if (err != CB_OK) {
        unnew_entry(c, e);
        return err;
    }
    e->next_sibling = prev->first_child;
    prev->first_child = e;
    if (cb_u256_cmp(&e->work, &c->best_header->work) > 0)
        c->best_header = e;
    *out = e;
    return CB_OK;
}

static cb_err accept_header(cb_chain *c, const cb_header *h, int64_t now, cb_chain_entry **out)
{
    uint8_t hash[32];
    cb_header_hash(hash, h);
    return accept_hashed(c, h, hash, now, out);
}

cb_err cb_chain_accept_header(cb_chain *c, const cb_header *h, int64_t now,
                              const cb_chain_entry **out)
{
    cb_chain_entry *e = NULL;
    cb_err err = accept_header(c, h, now, &e);
    if (out)
        *out = e;
    return err;
}

/* Codes 40..89 are broken consensus rules (90.. are mempool policy). */
static bool err_is_consensus(cb_err err)
{
    return err >= 40 && err < 90;
}

/* Marks e failed and every known descendant failed-child, drops them from
 * the candidate and unlinked lists, and moves best_header off them. Walks
 * e's subtree only (through the child links), not every entry. */
static void mark_failed(cb_chain *c, cb_chain_entry *e, cb_err err, size_t bad_tx)
{
    e->status |= CB_ENTRY_FAILED;
    e->fail_err = err;
    e->fail_tx = bad_tx == CB_NO_TX || bad_tx >= UINT32_MAX ? UINT32_MAX : (uint32_t)bad_tx;
    /* Depth first without a stack: down to the first child, else across
     * to the next sibling, else back up until a sibling is found. */
    cb_chain_entry *d = e->first_child;
    while (d) {
        d->status |= CB_ENTRY_FAILED_CHILD;
        if (d->first_child) {
            d = d->first_child;
            continue;
        }
        while (d != e && !d->next_sibling)
            d = d->prev;
        d = d == e ? NULL : d->next_sibling;
    }
    for (size_t i = c->candidates.n; i-- > 0;)
        if (entry_failed(c->candidates.items[i]))
            list_remove_at(&c->candidates, i);
    for (size_t i = c->unlinked.n; i-- > 0;)
        if (entry_failed(c->unlinked.items[i]))
            list_remove_at(&c->unlinked, i);
    /* Core's InvalidChainFound: a best header inside the failed subtree
     * falls back to the tip; headers that arrive later raise it again. */
    if (entry_failed(c->best_header))
        c->best_header = c->active.items[c->active.n - 1];
}

/* The body of e for the moment: held in memory, cached, or read from the
 * block store into *scratch (initialised; the caller clears it). */
static cb_err body_of(const cb_chain *c, const cb_chain_entry *e, cb_block *scratch,
                      const cb_block **out)
{
    if (e->block) {
        *out = e->block;
        return CB_OK;
    }
    for (size_t i = 0; i < CB_CHAIN_BODY_CACHE; i++)
        if (c->cache[i].e == e) {
            *out = c->cache[i].b;
            return CB_OK;
        }
    if (!(e->status & CB_ENTRY_HAVE_DATA) || !c->has_blocks)
        return CB_ERR_NOT_FOUND;
    cb_err err = c->blocks.read_block(c->blocks.ctx, e, scratch);
    if (err == CB_OK)
        *out = scratch;
    return err;
}

cb_err cb_chain_read_block(const cb_chain *c, const cb_chain_entry *e, cb_block *out)
{
    cb_block_init(out);
    const cb_block *b = NULL;
    cb_err err = body_of(c, e, out, &b);
    if (err != CB_OK || b == out)
        return err;
    return cb_block_copy(out, b);
}

/* Keeps a copy of the body just taken, for the connect that follows. */
static cb_err cache_put(cb_chain *c, const cb_chain_entry *e, const cb_block *b)
{
    cb_block *copy = malloc(sizeof *copy);
    if (!copy)
        return CB_ERR_NOMEM;
    cb_err err = cb_block_copy(copy, b);
    if (err != CB_OK) {
        free(copy);
        return err;
    }
    /* The oldest go first: the next slot, then as many after it as the
     * byte bound asks. */
    size_t size = cb_block_size(b);
    size_t i = c->cache_next;
    for (size_t k = 0; k < CB_CHAIN_BODY_CACHE; k++) {
        size_t j = (i + k) % CB_CHAIN_BODY_CACHE;
        if (k > 0 && c->cache_bytes + size <= CB_CHAIN_BODY_CACHE_BYTES)
            break;
        free_block(c->cache[j].b);
        c->cache_bytes -= c->cache[j].size;
        c->cache[j].e = NULL;
        c->cache[j].b = NULL;
        c->cache[j].size = 0;
    }
    c->cache[i].e = e;
    c->cache[i].b = copy;
    c->cache[i].size = size;
    c->cache_bytes += size;
    c->cache_next = (i + 1) % CB_CHAIN_BODY_CACHE;
    return CB_OK;
}

void cb_chain_set_blocks(cb_chain *c, const cb_chain_blocks *bs)
{
    c->has_blocks = bs != NULL;
    if (!bs)
        return;
    c->blocks = *bs;
    for (size_t i = 0; i < c->map.cap; i++)
        if (c->map.slots[i])
            drop_data(c->map.slots[i]);
}

/* The block store lost e's body (CB_ERR_NOT_FOUND from read_block: gone
 * or damaged): e counts as a header only again, to be fetched anew, and
 * the blocks built on it wait for it. */
static cb_err forget_body(cb_chain *c, cb_chain_entry *e)
{
    e->status = (uint8_t)((e->status & ~CB_ENTRY_HAVE_DATA) | CB_ENTRY_BODY_LOST);
    e->complete = false;
    for (size_t i = c->candidates.n; i-- > 0;)
        if (c->candidates.items[i] == e)
            list_remove_at(&c->candidates, i);
    for (size_t i = c->unlinked.n; i-- > 0;)
        if (c->unlinked.items[i] == e)
            list_remove_at(&c->unlinked, i);
    cb_chain_entry *d = e->first_child;
    while (d) {
        if (d->complete) {
            d->complete = false;
            for (size_t i = c->candidates.n; i-- > 0;)
                if (c->candidates.items[i] == d)
                    list_remove_at(&c->candidates, i);
            if (list_push(&c->unlinked, d) != CB_OK)
                return CB_ERR_NOMEM;
        }
        if (d->first_child) {
            d = d->first_child;
            continue;
        }
        while (d != e && !d->next_sibling)
            d = d->prev;
        d = d == e ? NULL : d->next_sibling;
    }
    return CB_OK;
}

static cb_err connect_entry(cb_chain *c, cb_chain_entry *e, size_t *bad_tx)
{
    cb_undo undo;
    cb_block scratch;
    const cb_block *b = NULL;
    cb_block_init(&scratch);
    cb_undo_init(&undo);
    cb_err err = body_of(c, e, &scratch, &b);
    if (err == CB_OK)
        err = cb_block_connect(c->params, c->state, &undo, b, e->height, bad_tx);
    if (err != CB_OK) {
        /* A body the store cannot give back must not mark the block. */
        cb_block_clear(&scratch);
        cb_undo_clear(&undo);
        return err;
    }
    err = list_push(&c->active, e);
    if (err == CB_OK && c->has_listener && c->listener.connected) {
        err = c->listener.connected(c->listener.ctx, e, b, &undo);
        if (err != CB_OK)
            c->active.n--;
    }
    cb_block_clear(&scratch);
    if (err == CB_OK && !c->has_blocks) {
        e->undo = malloc(sizeof *e->undo);
        if (e->undo) {
            *e->undo = undo;
            return CB_OK;
        }
        c->active.n--;
        err = CB_ERR_NOMEM;
    }
    if (err != CB_OK) {
        cb_err uerr = cb_block_disconnect(c->state, &undo);
        cb_undo_clear(&undo);
        /* A consensus code from the listener must not mark the block. */
        return uerr != CB_OK ? uerr : (err_is_consensus(err) ? CB_ERR_ARG : err);
    }
    cb_undo_clear(&undo); /* in the store now */
    return CB_OK;
}

static cb_err disconnect_tip(cb_chain *c)
{
    cb_chain_entry *e = c->active.items[c->active.n - 1];
    if (c->active.n == 1)
        return CB_ERR_ARG; /* never below genesis */
    cb_block scratch;
    const cb_block *b = NULL;
    cb_undo stored;
    cb_block_init(&scratch);
    cb_undo_init(&stored);
    cb_err err = body_of(c, e, &scratch, &b);
    /* The journal first: the listener's store drops it. */
    cb_undo *undo = e->undo;
    if (err == CB_OK && !undo) {
        err = c->has_blocks ? c->blocks.read_undo(c->blocks.ctx, e, &stored) : CB_ERR_NOT_FOUND;
        undo = &stored;
    }
    if (err == CB_OK && c->has_listener && c->listener.disconnected)
        err = c->listener.disconnected(c->listener.ctx, e, b);
    if (err == CB_OK)
        err = cb_block_disconnect(c->state, undo);
    cb_block_clear(&scratch);
    cb_undo_clear(&stored);
    if (err != CB_OK)
        return err;
    free_undo(e->undo);
    e->undo = NULL;
    c->active.n--;
    /* It stays a way back should the new branch fail. */
    if (!list_contains(&c->candidates, e))
        return list_push(&c->candidates, e);
    return CB_OK;
}

/* Bitcoin Core's candidate order: more work first; among equals, the
 * block whose data arrived first. A tie therefore keeps the first seen,
 * and after a failed switch the first seen comes back. */
static bool entry_better(const cb_chain_entry *a, const cb_chain_entry *b)
{
    int cmp = cb_u256_cmp(&a->work, &b->work);
    return cmp > 0 || (cmp == 0 && a->seq < b->seq);
}

static cb_chain_entry *best_candidate(const cb_chain *c)
{
    cb_chain_entry *best = NULL;
    for (size_t i = 0; i < c->candidates.n; i++)
        if (!best || entry_better(c->candidates.items[i], best))
            best = c->candidates.items[i];
    return best;
}

static const cb_chain_entry *find_fork(const cb_chain *c, const cb_chain_entry *e)
{
    while (e && !cb_chain_is_active(c, e))
        e = e->prev;
    return e;
}

/* Moves the active chain to the best candidate, as often as a failed
 * branch makes another the best. */
static cb_err activate_best_chain(cb_chain *c)
{
    for (;;) {
        cb_chain_entry *best = best_candidate(c);
        const cb_chain_entry *tip = cb_chain_tip(c);
        if (!best || !entry_better(best, tip))
            break;
        const cb_chain_entry *fork = find_fork(c, best);
        while (cb_chain_tip(c) != fork) {
            cb_err err = disconnect_tip(c);
            if (err != CB_OK)
                return err;
        }
        /* Connect fork+1 .. best, walking up from best's side. */
        size_t len = best->height - fork->height;
        cb_chain_entry **path = malloc(len * sizeof *path);
        if (!path)
            return CB_ERR_NOMEM;
        cb_chain_entry *e = best;
        for (size_t i = len; i-- > 0; e = e->prev)
            path[i] = e;
        for (size_t i = 0; i < len; i++) {
            size_t bad = CB_NO_TX;
            cb_err err = connect_entry(c, path[i], &bad);
            if (err != CB_OK && err_is_consensus(err)) {
                mark_failed(c, path[i], err, bad);
                if (c->has_listener && c->listener.invalid)
                    c->listener.invalid(c->listener.ctx, path[i]);
                break;
            }
            if (err == CB_ERR_NOT_FOUND) {
                c->lost_bodies++;
                err = forget_body(c, path[i]);
                if (err == CB_OK)
                    break;
            }
            if (err != CB_OK) {
                free(path);
                return err;
            }
        }
        free(path);
    }
    /* Nothing lighter than the tip can become the tip again. */
    cb_chain_entry *tip = c->active.items[c->active.n - 1];
    if (cb_u256_cmp(&tip->work, &c->best_header->work) > 0)
        c->best_header = tip;
    for (size_t i = c->candidates.n; i-- > 0;)
        if (cb_u256_cmp(&c->candidates.items[i]->work, &tip->work) < 0 ||
            c->candidates.items[i] == tip)
            list_remove_at(&c->candidates, i);
    return CB_OK;
}

/* e has just become complete: so may blocks waiting on it. */
static cb_err link_complete(cb_chain *c, cb_chain_entry *e)
{
    entry_list queue = {0};
    cb_err err = list_push(&queue, e);
    while (err == CB_OK && queue.n > 0) {
        cb_chain_entry *x = queue.items[--queue.n];
        x->complete = true;
        err = list_push(&c->candidates, x);
        for (size_t i = c->unlinked.n; err == CB_OK && i-- > 0;) {
            if (c->unlinked.items[i]->prev == x) {
                err = list_push(&queue, c->unlinked.items[i]);
                list_remove_at(&c->unlinked, i);
            }
        }
    }
    free(queue.items);
    return err;
}

/* Keeps the body of e: in memory, or in the block store and its cache. */
/* Keeps the body of e: in memory, or (with a block store) in the cache,
 * for keep_body to store once the switch is done. */
static cb_err take_body(cb_chain *c, cb_chain_entry *e, const cb_block *b)
{
    if (c->has_blocks)
        return cache_put(c, e, b);
    e->block = malloc(sizeof *e->block);
    if (!e->block)
        return CB_ERR_NOMEM;
    cb_err err = cb_block_copy(e->block, b);
    if (err != CB_OK) {
        free(e->block);
        e->block = NULL;
    }
    return err;
}

/* e's data is held from now on: it may complete a chain. */
static cb_err mark_held(cb_chain *c, cb_chain_entry *e, uint32_t ntx)
{
    e->status |= CB_ENTRY_HAVE_DATA;
    e->ntx = ntx;
    e->seq = c->next_seq++;
    return e->prev->complete ? link_complete(c, e) : list_push(&c->unlinked, e);
}

cb_err cb_chain_accept_block(cb_chain *c, const cb_block *b, int64_t now, size_t *bad_tx)
{
    cb_chain_entry *e = NULL;
    size_t bad = CB_NO_TX;
    cb_err err;
    if (bad_tx)
        *bad_tx = CB_NO_TX;
    err = accept_header(c, &b->header, now, &e);
    if (err != CB_OK)
        return err;
    if (e->status & CB_ENTRY_HAVE_DATA)
        return CB_ERR_DUPLICATE;
    err = cb_block_check_with(c->params, b, c->has_sigs ? &c->sigs : NULL, &bad);
    if (err != CB_OK) {
        /* A body that does not commit to the header is someone's mangled
         * copy of what may be a good block: the header stays unjudged (and
         * may be fetched again). Anything else is the block's own fault. */
        if (!cb_err_is_mutation(err) && err_is_consensus(err))
            mark_failed(c, e, err, bad);
        if (bad_tx)
            *bad_tx = bad;
        return err;
    }
    err = take_body(c, e, b);
    if (err != CB_OK)
        return err;
    err = mark_held(c, e, (uint32_t)b->ntx);
    if (err != CB_OK)
        return err;
    err = activate_best_chain(c);
    if (err != CB_OK)
        return err;
    /* A block connected went into the store with its connect; one kept
     * aside (a side branch, or waiting for a parent) goes in now, and so
     * does a fresh copy of a body the store lost (over the damaged row).
     * A body the store cannot take is not held. */
    if (c->has_blocks && (e->status & CB_ENTRY_HAVE_DATA) && !entry_failed(e) &&
        (!cb_chain_is_active(c, e) || (e->status & CB_ENTRY_BODY_LOST))) {
        e->status &= (uint8_t)~CB_ENTRY_BODY_LOST;
        err = c->blocks.put(c->blocks.ctx, e, b);
        if (err != CB_OK) {
            cb_err ferr = forget_body(c, e);
            return ferr != CB_OK ? ferr : err;
        }
    }
    if (e->status & CB_ENTRY_FAILED) {
        if (bad_tx)
            *bad_tx = e->fail_tx == UINT32_MAX ? CB_NO_TX : e->fail_tx;
        return e->fail_err;
    }
    return (e->status & CB_ENTRY_FAILED_CHILD) ? CB_ERR_PREV_INVALID : CB_OK;
}

cb_err cb_chain_load_header(cb_chain *c, const cb_header *h, const uint8_t hash[32], uint32_t ntx,
                            int64_t now, const cb_chain_entry **out)
{
    cb_chain_entry *e = NULL;
    if (out)
        *out = NULL;
    cb_err err = accept_hashed(c, h, hash, now, &e);
    if (out)
        *out = e;
    if (err != CB_OK || (e->status & CB_ENTRY_HAVE_DATA))
        return err;
    return mark_held(c, e, ntx);
}

cb_err cb_chain_load_tip(cb_chain *c, const cb_chain_entry *tip, cb_accounts *state)
{
    cb_chain_entry *e = map_find(&c->map, tip->hash);
    if (e != tip || !e->complete || entry_failed(e)) {
        cb_accounts_free(state);
        return CB_ERR_ARG;
    }
    if (cb_grow(&c->active.items, &c->active.cap, (size_t)e->height + 1, sizeof *c->active.items,
                16) != CB_OK) {
        cb_accounts_free(state);
        return CB_ERR_NOMEM;
    }
    for (size_t i = 1; i < c->active.n; i++)
        free_undo(c->active.items[i]->undo), c->active.items[i]->undo = NULL;
    c->active.n = (size_t)e->height + 1;
    for (cb_chain_entry *x = e; x; x = x->prev)
        c->active.items[x->height] = x;
    cb_accounts_free(c->state);
    c->state = state;
    if (cb_u256_cmp(&e->work, &c->best_header->work) > 0)
        c->best_header = e;
    /* The stored tip wins ties: the arrival order of loaded blocks is not
     * known, and the store's chain is the one the node had taken. */
    for (size_t i = c->candidates.n; i-- > 0;)
        if (cb_u256_cmp(&c->candidates.items[i]->work, &e->work) <= 0 ||
            cb_chain_is_active(c, c->candidates.items[i]))
            list_remove_at(&c->candidates, i);
    /* Every loaded block passed through the list: give its room back. */
    cb_chain_entry **fit = realloc(c->candidates.items, (c->candidates.n + 16) * sizeof *fit);
    if (fit) {
        c->candidates.items = fit;
        c->candidates.cap = c->candidates.n + 16;
    }
    return CB_OK;
}

void cb_chain_load_invalid(cb_chain *c, const cb_chain_entry *e)
{
    cb_chain_entry *x = map_find(&c->map, e->hash);
    if (x == e && !entry_failed(x) && !cb_chain_is_active(c, x))
        mark_failed(c, x, CB_ERR_BLK_INVALID, CB_NO_TX);
}

cb_err cb_chain_activate(cb_chain *c)
{
    return activate_best_chain(c);
}

size_t cb_chain_lost_bodies(const cb_chain *c)
{
    return c->lost_bodies;
}
