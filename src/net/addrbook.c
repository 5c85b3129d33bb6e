#include "net/addrbook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cb_addrbook {
    cb_addr_entry *v;
    size_t n, max;
    uint64_t rng;
    cb_addr_entry *gone; /* let go, not yet taken (at most max) */
    size_t ngone;
};

/* xorshift64*: enough to spread choices, not a secret. */
static uint64_t next_rand(cb_addrbook *b)
{
    b->rng ^= b->rng >> 12;
    b->rng ^= b->rng << 25;
    b->rng ^= b->rng >> 27;
    return b->rng * 0x2545F4914F6CDD1Dull;
}

cb_addrbook *cb_addrbook_new(size_t max, uint64_t seed)
{
    cb_addrbook *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->v = calloc(max ? max : 1, sizeof *b->v);
    b->gone = calloc(max ? max : 1, sizeof *b->gone);
    if (!b->v || !b->gone) {
        free(b->v);
        free(b->gone);
        free(b);
        return NULL;
    }
    b->max = max ? max : 1;
    b->rng = seed | 1;
    return b;
}

void cb_addrbook_free(cb_addrbook *b)
{
    if (!b)
        return;
    free(b->v);
    free(b->gone);
    free(b);
}

static bool host_ok(const char *host)
{
    size_t len = strnlen(host, CB_ADDR_HOST_MAX);
    return len > 0 && len < CB_ADDR_HOST_MAX;
}

cb_addr_entry *cb_addrbook_find(cb_addrbook *b, const char *host, uint16_t port)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->v[i].port == port && strcmp(b->v[i].host, host) == 0)
            return &b->v[i];
    return NULL;
}

/* Remembers an entry the book lets go (the oldest memory goes when full:
 * that row then waits for the store's own bound, the next start). */
static void note_gone(cb_addrbook *b, const cb_addr_entry *e)
{
    if (b->ngone == b->max) {
        memmove(b->gone, b->gone + 1, (b->max - 1) * sizeof *b->gone);
        b->ngone--;
    }
    b->gone[b->ngone++] = *e;
}

size_t cb_addrbook_take_gone(cb_addrbook *b, cb_addr_entry *out, size_t max)
{
    size_t n = b->ngone < max ? b->ngone : max;
    memcpy(out, b->gone, n * sizeof *out);
    memmove(b->gone, b->gone + n, (b->ngone - n) * sizeof *b->gone);
    b->ngone -= n;
    return n;
}

/* Whether host may have one more entry: its own and its group's share. */
static bool room_for(const cb_addrbook *b, const char *host, const cb_netgroup *g)
{
    if (cb_netgroup_is_local(g))
        return true;
    size_t same_host = 0, same_group = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (!cb_netgroup_equal(g, &b->v[i].group))
            continue;
        same_group++;
        same_host += strcmp(b->v[i].host, host) == 0;
    }
    return same_host < CB_ADDR_PER_HOST && same_group < CB_ADDR_PER_GROUP;
}

/* The never-tried entries that came from source group src, and the
 * stalest of them not in use (NULL when none). */
static size_t from_source(cb_addrbook *b, const cb_netgroup *src, cb_addr_entry **stalest)
{
    size_t n = 0;
    *stalest = NULL;
    for (size_t i = 0; i < b->n; i++) {
        cb_addr_entry *c = &b->v[i];
        if (c->tried || !cb_netgroup_equal(src, &c->source))
            continue;
        n++;
        if (!c->connected && (!*stalest || c->last_seen < (*stalest)->last_seen))
            *stalest = c;
    }
    return n;
}

/* The entry to make room with in a full book: the stalest not in use, one
 * never tried before any that was. NULL when every entry is in use. */
static cb_addr_entry *stalest_entry(cb_addrbook *b)
{
    cb_addr_entry *e = NULL;
    for (size_t i = 0; i < b->n; i++) {
        cb_addr_entry *c = &b->v[i];
        if (c->connected)
            continue;
        if (!e || (e->tried && !c->tried) ||
            (e->tried == c->tried && (c->last_seen < e->last_seen ||
                                      (c->last_seen == e->last_seen && c->failures > e->failures))))
            e = c;
    }
    return e;
}

cb_err cb_addrbook_add_from(cb_addrbook *b, const char *host, uint16_t port, int64_t seen,
                            const char *source, cb_addr_entry **out)
{
    if (out)
        *out = NULL;
    if (!host_ok(host) || port == 0)
        return CB_ERR_ARG;
    cb_addr_entry *e = cb_addrbook_find(b, host, port);
    if (!e) {
        cb_netgroup g, src;
        if (!cb_netgroup_of(host, &g))
            memset(&g, 0, sizeof g); /* not numeric: the local group */
        if (!source)
            src = g;
        else if (!cb_netgroup_of(source, &src))
            memset(&src, 0, sizeof src);
        if (!room_for(b, host, &g))
            return CB_ERR_TOO_LARGE;
        size_t share = b->max / CB_ADDR_SOURCE_SHARE ? b->max / CB_ADDR_SOURCE_SHARE : 1;
        cb_addr_entry *own = NULL;
        if (source && !cb_netgroup_is_local(&src) && from_source(b, &src, &own) >= share) {
            /* At its share: it only replaces what it told us before. */
            e = own;
            if (!e)
                return CB_ERR_TOO_LARGE;
            note_gone(b, e);
        } else if (b->n < b->max) {
            e = &b->v[b->n++];
        } else {
            e = stalest_entry(b);
            if (!e)
                return CB_ERR_TOO_LARGE;
            note_gone(b, e);
        }
        memset(e, 0, sizeof *e);
        memcpy(e->host, host, strlen(host) + 1);
        e->port = port;
        e->group = g;
        e->source = src;
    }
    if (seen > e->last_seen)
        e->last_seen = seen;
    if (out)
        *out = e;
    return CB_OK;
}

cb_err cb_addrbook_add(cb_addrbook *b, const char *host, uint16_t port, int64_t seen,
                       cb_addr_entry **out)
{
    return cb_addrbook_add_from(b, host, port, seen, NULL, out);
}

void cb_addrbook_remove(cb_addrbook *b, const char *host, uint16_t port)
{
    cb_addr_entry *e = cb_addrbook_find(b, host, port);
    if (!e)
        return;
    note_gone(b, e);
    *e = b->v[--b->n];
}

void cb_addrbook_attempt(cb_addr_entry *e, int64_t now)
{
    e->last_try = now;
}

void cb_addrbook_good(cb_addr_entry *e, int64_t now)
{
    e->last_seen = now;
    e->failures = 0;
    e->tried = true;
}

void cb_addrbook_failed(cb_addr_entry *e)
{
    if (e->failures < UINT32_MAX)
        e->failures++;
}

int64_t cb_addrbook_backoff(uint32_t failures)
{
    if (failures == 0)
        return 0;
    if (failures > 9)
        return 600;
    int64_t s = (int64_t)1 << failures; /* 2, 4, ... 512 */
    return s > 600 ? 600 : s;
}

cb_addr_entry *cb_addrbook_select(cb_addrbook *b, int64_t now, cb_addr_skip_fn skip, void *ctx)
{
    /* Reservoir sampling over the due entries of each table; then a coin
     * picks the table (the other when one is empty). */
    cb_addr_entry *pick[2] = {NULL, NULL};
    size_t seen[2] = {0, 0};
    for (size_t i = 0; i < b->n; i++) {
        cb_addr_entry *e = &b->v[i];
        if (e->connected)
            continue;
        if (e->last_try && now < e->last_try + cb_addrbook_backoff(e->failures))
            continue;
        if (skip && skip(ctx, e))
            continue;
        int t = e->tried ? 1 : 0;
        if (next_rand(b) % ++seen[t] == 0)
            pick[t] = e;
    }
    if (pick[0] && pick[1])
        return pick[next_rand(b) & 1];
    return pick[0] ? pick[0] : pick[1];
}

size_t cb_addrbook_sample(cb_addrbook *b, const cb_addr_entry **out, size_t max,
                          cb_addr_skip_fn skip, void *ctx)
{
    size_t n = 0, seen = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (skip && skip(ctx, &b->v[i]))
            continue;
        seen++;
        /* Reservoir sampling keeps the choice uniform past max. */
        if (n < max) {
            out[n++] = &b->v[i];
        } else {
            uint64_t j = next_rand(b) % seen;
            if (j < max)
                out[j] = &b->v[i];
        }
    }
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(next_rand(b) % i);
        const cb_addr_entry *t = out[i - 1];
        out[i - 1] = out[j];
        out[j] = t;
    }
    return n;
}

size_t cb_addrbook_count(const cb_addrbook *b)
{
    return b->n;
}

const cb_addr_entry *cb_addrbook_at(const cb_addrbook *b, size_t i)
{
    return i < b->n ? &b->v[i] : NULL;
}
