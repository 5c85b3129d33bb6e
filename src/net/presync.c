#include "net/presync.h"

#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "core/bytes.h"
#include "core/pow.h"
#include "core/validation.h"

struct cb_presync {
    const cb_params *params;
    const cb_chain_entry *fork;
    uint64_t salt;
    cb_header last;
    uint8_t last_hash[32];
    uint32_t height;   /* of last */
    cb_u256 work;      /* the chain's, through last */
    int64_t times[11]; /* the last 11 times, newest at times[(next - 1) % 11] */
    size_t ntimes, next;
    int64_t interval_first; /* time of the header that opened the retarget period */
    uint16_t *checks;       /* checks[i]: the header at height (i + 1) * EVERY */
    size_t nchecks, capchecks;
};

/* A keyed 16-bit digest of a header hash. */
static uint16_t check_of(const cb_presync *s, const uint8_t hash[32])
{
    uint64_t x = cb_get_u64le(hash) ^ cb_get_u64le(hash + 8) ^ s->salt;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 29;
    x *= 0xc4ceb9fe1a85ec53ull;
    return (uint16_t)(x >> 48);
}

static void push_time(cb_presync *s, int64_t t)
{
    s->times[s->next] = t;
    s->next = (s->next + 1) % 11;
    if (s->ntimes < 11)
        s->ntimes++;
}

cb_presync *cb_presync_new(const cb_chain *c, const cb_chain_entry *fork, uint64_t salt)
{
    cb_presync *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->params = cb_chain_params(c);
    s->fork = fork;
    s->salt = salt;
    s->last = fork->header;
    memcpy(s->last_hash, fork->hash, 32);
    s->height = fork->height;
    s->work = fork->work;
    /* The fork and up to ten ancestors, oldest first. */
    const cb_chain_entry *back[11];
    size_t n = 0;
    for (const cb_chain_entry *e = fork; e && n < 11; e = e->prev)
        back[n++] = e;
    while (n-- > 0)
        push_time(s, back[n]->header.time);
    uint32_t r = s->params->retarget_interval;
    if (r) {
        const cb_chain_entry *first = cb_chain_ancestor(fork, fork->height - fork->height % r);
        s->interval_first = first ? first->header.time : 0;
    }
    return s;
}

void cb_presync_free(cb_presync *s)
{
    if (!s)
        return;
    free(s->checks);
    free(s);
}

cb_err cb_presync_add(cb_presync *s, const cb_header *h, int64_t now)
{
    uint8_t hash[32];
    if (memcmp(h->prev, s->last_hash, 32) != 0)
        return CB_ERR_PREV_MISSING;
    if (s->height - s->fork->height >= CB_PRESYNC_MAX)
        return CB_ERR_TOO_LARGE;
    cb_header_hash(hash, h);
    cb_err err = cb_pow_check(s->params, hash, h->bits);
    if (err != CB_OK)
        return err;
    /* The context the chain would judge it in (cb_chain_context). */
    cb_header_context ctx;
    ctx.height = s->height + 1;
    ctx.expected_bits =
        cb_pow_is_retarget_height(s->params, ctx.height)
            ? cb_pow_calculate_next(s->params, s->last.bits, s->last.time, s->interval_first)
            : s->last.bits;
    ctx.median_time = cb_median_time(s->times, s->ntimes);
    ctx.now = now;
    err = cb_header_check_context(h, &ctx);
    if (err != CB_OK)
        return err;
    if (ctx.height % CB_PRESYNC_EVERY == 0) {
        if (cb_grow(&s->checks, &s->capchecks, s->nchecks + 1, sizeof *s->checks, 64) != CB_OK)
            return CB_ERR_NOMEM;
        /* Checkpoints count from height 0, whatever the fork's height. */
        size_t want = ctx.height / CB_PRESYNC_EVERY - s->fork->height / CB_PRESYNC_EVERY - 1;
        if (want == s->nchecks)
            s->checks[s->nchecks++] = check_of(s, hash);
    }
    cb_u256 w;
    cb_pow_work(&w, h->bits);
    cb_u256_add(&s->work, &s->work, &w);
    s->last = *h;
    memcpy(s->last_hash, hash, 32);
    s->height = ctx.height;
    push_time(s, h->time);
    uint32_t r = s->params->retarget_interval;
    if (r && ctx.height % r == 0)
        s->interval_first = h->time;
    return CB_OK;
}

bool cb_presync_beats(const cb_presync *s, const cb_u256 *work)
{
    return cb_u256_cmp(&s->work, work) > 0;
}

const cb_chain_entry *cb_presync_fork(const cb_presync *s)
{
    return s->fork;
}

const uint8_t *cb_presync_last_hash(const cb_presync *s)
{
    return s->last_hash;
}

uint32_t cb_presync_height(const cb_presync *s)
{
    return s->height;
}

bool cb_presync_matches(const cb_presync *s, uint32_t height, const uint8_t hash[32])
{
    if (height <= s->fork->height || height % CB_PRESYNC_EVERY != 0)
        return true;
    size_t i = height / CB_PRESYNC_EVERY - s->fork->height / CB_PRESYNC_EVERY - 1;
    if (i >= s->nchecks)
        return true;
    return s->checks[i] == check_of(s, hash);
}
