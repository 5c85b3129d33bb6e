#include "node/mempool.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "core/amount.h"
#include "core/keymap.h"
#include "crypto/keycache.h"

/* One sender's pending transactions, nonces consecutive from the account's. */
typedef struct {
    uint8_t id[20];
    cb_tx *txs;
    uint8_t (*txids)[32];
    uint64_t *seq; /* arrival order, for ties in selection */
    size_t n, cap;
    size_t hpos; /* its place in the eviction heap (when n > 0) */
} queue;

struct cb_mempool {
    const cb_params *p;
    size_t max_count, max_bytes;
    cb_keymap *by_sender; /* id -> queue index */
    cb_keymap *by_txid;   /* txid -> where(queue index, position) */
    queue *queues;
    size_t nq, capq;
    /* Every non-empty queue by the fee of its last payment, lowest on
     * top: what a full pool evicts first, found without a scan. Room for
     * one entry per queue is made when the queue is, so keeping it in
     * step never fails. */
    uint32_t *heap;
    size_t nheap, capheap;
    size_t count;
    uint64_t next_seq;
    cb_keycache *keys;
    cb_mempool_drop_fn on_drop; /* hears what re-admission leaves out */
    void *drop_ctx;
};

void cb_mempool_set_drop_fn(cb_mempool *m, cb_mempool_drop_fn fn, void *ctx)
{
    m->on_drop = fn;
    m->drop_ctx = ctx;
}

cb_mempool *cb_mempool_new(const cb_params *p, size_t max_count, size_t max_bytes, uint64_t seed)
{
    cb_mempool *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->p = p;
    m->max_count = max_count;
    m->max_bytes = max_bytes;
    m->by_sender = cb_keymap_new(20, seed);
    m->by_txid = cb_keymap_new(32, seed ^ 0x5555);
    m->keys = cb_keycache_new(4096, seed ^ 0xaaaa);
    if (!m->by_sender || !m->by_txid || !m->keys) {
        cb_mempool_free(m);
        return NULL;
    }
    return m;
}

static void queue_clear(queue *q)
{
    free(q->txs);
    free(q->txids);
    free(q->seq);
    memset(q, 0, sizeof *q);
}

void cb_mempool_free(cb_mempool *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nq; i++)
        queue_clear(&m->queues[i]);
    free(m->queues);
    free(m->heap);
    cb_keymap_free(m->by_sender);
    cb_keymap_free(m->by_txid);
    cb_keycache_free(m->keys);
    free(m);
}

/* A transaction's place, as the value of by_txid: the queue's index and
 * its position in the queue (under CB_MEMPOOL_MAX_CHAIN, so 5 bits). */
#define POS_BITS 5
_Static_assert(CB_MEMPOOL_MAX_CHAIN <= (1 << POS_BITS), "a queue position must fit POS_BITS");
static uint32_t where(uint32_t qi, size_t pos)
{
    return qi << POS_BITS | (uint32_t)pos;
}

/* ---- the eviction heap ---- */

static uint64_t tail_fee(const cb_mempool *m, uint32_t qi)
{
    const queue *q = &m->queues[qi];
    return q->txs[q->n - 1].fee;
}

static void heap_set(cb_mempool *m, size_t pos, uint32_t qi)
{
    m->heap[pos] = qi;
    m->queues[qi].hpos = pos;
}

static void heap_up(cb_mempool *m, size_t pos)
{
    uint32_t qi = m->heap[pos];
    uint64_t fee = tail_fee(m, qi);
    while (pos > 0) {
        size_t parent = (pos - 1) / 2;
        if (tail_fee(m, m->heap[parent]) <= fee)
            break;
        heap_set(m, pos, m->heap[parent]);
        pos = parent;
    }
    heap_set(m, pos, qi);
}

static void heap_down(cb_mempool *m, size_t pos)
{
    uint32_t qi = m->heap[pos];
    uint64_t fee = tail_fee(m, qi);
    for (;;) {
        size_t child = 2 * pos + 1;
        if (child >= m->nheap)
            break;
        if (child + 1 < m->nheap && tail_fee(m, m->heap[child + 1]) < tail_fee(m, m->heap[child]))
            child++;
        if (tail_fee(m, m->heap[child]) >= fee)
            break;
        heap_set(m, pos, m->heap[child]);
        pos = child;
    }
    heap_set(m, pos, qi);
}

/* Queue qi's last payment changed (or it just got its first). */
static void heap_fix(cb_mempool *m, uint32_t qi, bool is_new)
{
    if (is_new) {
        heap_set(m, m->nheap++, qi);
        heap_up(m, m->nheap - 1);
        return;
    }
    heap_up(m, m->queues[qi].hpos);
    heap_down(m, m->queues[qi].hpos);
}

/* Queue qi is about to be emptied: out of the heap. */
static void heap_remove(cb_mempool *m, uint32_t qi)
{
    size_t pos = m->queues[qi].hpos;
    uint32_t last = m->heap[--m->nheap];
    if (pos == m->nheap)
        return;
    heap_set(m, pos, last);
    heap_up(m, pos);
    heap_down(m, m->queues[last].hpos);
}

static queue *find_queue(const cb_mempool *m, const uint8_t id[20], uint32_t *qi)
{
    uint32_t i;
    if (!cb_keymap_get(m->by_sender, id, &i))
        return NULL;
    if (qi)
        *qi = i;
    return &m->queues[i];
}

/* Drops the empty queue qi, moving the last queue into its place. */
static cb_err drop_queue(cb_mempool *m, uint32_t qi)
{
    cb_keymap_remove(m->by_sender, m->queues[qi].id);
    queue_clear(&m->queues[qi]);
    uint32_t last = (uint32_t)--m->nq;
    if (qi == last)
        return CB_OK;
    m->queues[qi] = m->queues[last];
    memset(&m->queues[last], 0, sizeof m->queues[last]);
    if (m->queues[qi].n)
        m->heap[m->queues[qi].hpos] = qi; /* it moved */
    /* Overwriting existing keys never allocates. */
    cb_err err = cb_keymap_put(m->by_sender, m->queues[qi].id, qi);
    for (size_t i = 0; err == CB_OK && i < m->queues[qi].n; i++)
        err = cb_keymap_put(m->by_txid, m->queues[qi].txids[i], where(qi, i));
    return err;
}

/* Removes transactions k.. of queue qi (and the queue, if emptied). */
static cb_err truncate_queue(cb_mempool *m, uint32_t qi, size_t k)
{
    queue *q = &m->queues[qi];
    for (size_t i = k; i < q->n; i++)
        cb_keymap_remove(m->by_txid, q->txids[i]);
    if (k == q->n)
        return CB_OK;
    if (k == 0)
        heap_remove(m, qi);
    m->count -= q->n - k;
    q->n = k;
    if (k)
        heap_fix(m, qi, false);
    return q->n == 0 ? drop_queue(m, qi) : CB_OK;
}

static cb_err reserve_tx(queue *q)
{
    if (q->n < q->cap)
        return CB_OK;
    size_t cap = cb_grow_next(q->cap, 4, sizeof *q->txs, 0);
    if (!cap || cb_resize(&q->txs, cap, sizeof *q->txs) != CB_OK ||
        cb_resize(&q->txids, cap, sizeof *q->txids) != CB_OK ||
        cb_resize(&q->seq, cap, sizeof *q->seq) != CB_OK)
        return CB_ERR_NOMEM;
    q->cap = cap;
    return CB_OK;
}

static cb_err new_queue(cb_mempool *m, const uint8_t id[20], uint32_t *qi)
{
    if (m->nq >= (UINT32_MAX >> POS_BITS))
        return CB_ERR_MEMPOOL_FULL;
    if (cb_grow(&m->queues, &m->capq, m->nq + 1, sizeof *m->queues, 16) != CB_OK ||
        cb_grow(&m->heap, &m->capheap, m->nq + 1, sizeof *m->heap, 16) != CB_OK)
        return CB_ERR_NOMEM;
    cb_err err = cb_keymap_put(m->by_sender, id, (uint32_t)m->nq);
    if (err != CB_OK)
        return err;
    memset(&m->queues[m->nq], 0, sizeof m->queues[m->nq]);
    memcpy(m->queues[m->nq].id, id, 20);
    *qi = (uint32_t)m->nq++;
    return CB_OK;
}

/* Makes room for one more transaction paying `fee`, evicting the lowest-fee
 * queue tails (never from the queue `keep`, whose tail the newcomer follows). */
static cb_err make_room(cb_mempool *m, const uint8_t keep[20], uint64_t fee)
{
    while (m->count + 1 > m->max_count || (m->count + 1) * CB_TX_SIZE > m->max_bytes) {
        if (m->nheap == 0)
            return CB_ERR_MEMPOOL_FULL;
        /* The lowest tail, or when that is keep's, the lower of the top's
         * two children (the lowest of the rest). */
        uint32_t victim = m->heap[0];
        if (memcmp(m->queues[victim].id, keep, 20) == 0) {
            if (m->nheap == 1)
                return CB_ERR_MEMPOOL_FULL;
            victim = m->heap[1];
            if (m->nheap > 2 && tail_fee(m, m->heap[2]) < tail_fee(m, victim))
                victim = m->heap[2];
        }
        if (tail_fee(m, victim) >= fee)
            return CB_ERR_MEMPOOL_FULL;
        cb_err err = truncate_queue(m, victim, m->queues[victim].n - 1);
        if (err != CB_OK)
            return err;
    }
    return CB_OK;
}

/* The core of admission. `trusted`: the signature was verified before
 * (it came from this pool or from a valid block). */
/* Why a rule refused a payment, in a sentence with its numbers (when why
 * is given). Returns: err. */
static cb_err refuse(cb_err err, char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static cb_err refuse(cb_err err, char *why, size_t cap, const char *fmt, ...)
{
    if (why && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, cap, fmt, ap);
        va_end(ap);
    }
    return err;
}

/* What admit decides before it changes anything. */
typedef struct {
    uint8_t txid[32], sid[20];
    bool have_txid;
    cb_account acct;
    queue *q;
    uint32_t qi;
    size_t n, k;
    bool replacing;
    uint64_t cost;
} admission;

/* The checks of admit, in its order, changing nothing. */
static cb_err check_admission(cb_mempool *m, const cb_accounts *state, const cb_tx *tx,
                              bool trusted, admission *a, char *why, size_t cap)
{
    char x[CB_AMOUNT_TEXT], y[CB_AMOUNT_TEXT];
    uint32_t dummy;
    cb_err err;
    memset(a, 0, sizeof *a);
    if (cb_tx_is_coinbase(tx))
        return refuse(CB_ERR_TX_COINBASE, why, cap,
                      "a coinbase comes only first in a block, never on its own");
    err = cb_tx_check(tx);
    if (err != CB_OK)
        return refuse(err, why, cap, "%s", cb_strerror(err));
    if (tx->fee < CB_MEMPOOL_MIN_FEE) {
        cb_amount_format(x, tx->fee);
        cb_amount_format(y, CB_MEMPOOL_MIN_FEE);
        return refuse(CB_ERR_FEE_TOO_LOW, why, cap, "fee %s CB is below the minimum of %s CB", x,
                      y);
    }
    cb_tx_txid(a->txid, tx);
    a->have_txid = true;
    if (cb_keymap_get(m->by_txid, a->txid, &dummy))
        return refuse(CB_ERR_IN_MEMPOOL, why, cap, "this payment is already in the mempool");
    /* The state before the signature: a payment whose nonce is used or
     * whose sender cannot pay is refused without the costly check. */
    cb_tx_sender_id(a->sid, tx);
    cb_accounts_get(state, a->sid, &a->acct);
    a->q = find_queue(m, a->sid, &a->qi);
    a->n = a->q ? a->q->n : 0;
    unsigned long long nonce = tx->nonce, next = a->acct.nonce;
    if (tx->nonce < a->acct.nonce)
        return refuse(CB_ERR_TX_NONCE, why, cap,
                      "nonce %llu is used already: this account's next nonce is %llu", nonce, next);
    if (tx->nonce - a->acct.nonce > a->n) {
        char waiting[64] = "";
        if (a->n)
            snprintf(waiting, sizeof waiting, " (after %zu waiting in the mempool)", a->n);
        return refuse(CB_ERR_TX_NONCE, why, cap,
                      "nonce %llu, but this account's next nonce is %llu%s: an earlier payment "
                      "is missing",
                      nonce, next + a->n, waiting);
    }
    a->k = (size_t)(tx->nonce - a->acct.nonce);
    a->replacing = a->k < a->n;
    if (!a->replacing && a->n >= CB_MEMPOOL_MAX_CHAIN)
        return refuse(CB_ERR_MEMPOOL_CHAIN, why, cap,
                      "this sender has %zu payments waiting already, the most one may have", a->n);
    /* Fees are at most MAX_MONEY, so 11 x fee fits in 64 bits. */
    if (a->replacing && tx->fee * 10 < a->q->txs[a->k].fee * 11) {
        cb_amount_format(x, tx->fee);
        cb_amount_format(y, (a->q->txs[a->k].fee * 11 + 9) / 10);
        return refuse(CB_ERR_REPLACE_FEE, why, cap,
                      "it replaces the waiting payment with nonce %llu: fee %s CB, but a "
                      "replacement must pay at least %s CB",
                      nonce, x, y);
    }
    a->cost = tx->amount + tx->fee;
    for (size_t i = 0; i < a->k; i++)
        a->cost += a->q->txs[i].amount + a->q->txs[i].fee;
    if (a->cost > a->acct.balance) {
        cb_amount_format(x, a->acct.balance);
        cb_amount_format(y, a->cost);
        return refuse(CB_ERR_TX_BALANCE, why, cap,
                      "the sender has %s CB, but this payment needs %s CB (amount plus fee%s)", x,
                      y, a->k ? ", after the payments waiting before it" : "");
    }
    if (!trusted) {
        err = cb_tx_verify_cached(tx, m->p->magic, m->keys);
        if (err != CB_OK)
            return refuse(err, why, cap, "%s",
                          err == CB_ERR_TX_PUBKEY
                              ? "the sender's public key is not a valid secp256k1 key"
                              : "the signature does not verify for the sender's key");
    }
    return refuse(CB_OK, why, cap, "it would be accepted");
}

static cb_err admit(cb_mempool *m, const cb_accounts *state, const cb_tx *tx, bool trusted,
                    uint8_t txid_out[32], char *why, size_t cap)
{
    admission a;
    cb_err err = check_admission(m, state, tx, trusted, &a, why, cap);
    if (txid_out && a.have_txid)
        memcpy(txid_out, a.txid, 32);
    if (err != CB_OK)
        return err;
    uint8_t *txid = a.txid, *sid = a.sid;
    queue *q = a.q;
    uint32_t qi = a.qi;
    size_t k = a.k;
    bool replacing = a.replacing;
    uint64_t cost = a.cost;
    cb_account acct = a.acct;
    if (replacing) {
        cb_keymap_remove(m->by_txid, q->txids[k]);
        err = cb_keymap_put(m->by_txid, txid, where(qi, k));
        if (err != CB_OK) {
            /* Put the old one back: the pool must stay as it was. */
            return cb_keymap_put(m->by_txid, q->txids[k], where(qi, k)) == CB_OK ? err
                                                                                 : CB_ERR_NOMEM;
        }
        q->txs[k] = *tx;
        memcpy(q->txids[k], txid, 32);
        q->seq[k] = m->next_seq++;
        if (k + 1 == q->n)
            heap_fix(m, qi, false);
        /* Later ones must still fit the balance after the new amount. */
        for (size_t i = k + 1; i < q->n; i++) {
            cost += q->txs[i].amount + q->txs[i].fee;
            if (cost > acct.balance)
                return truncate_queue(m, qi, i);
        }
        return CB_OK;
    }
    err = make_room(m, sid, tx->fee);
    if (err != CB_OK)
        return refuse(err, why, cap, "%s",
                      err == CB_ERR_MEMPOOL_FULL
                          ? "the mempool is full, and this fee is too low to take a place"
                          : cb_strerror(err));
    q = find_queue(m, sid, &qi); /* evictions may have moved it */
    if (!q) {
        err = new_queue(m, sid, &qi);
        if (err != CB_OK)
            return err;
        q = &m->queues[qi];
    }
    err = reserve_tx(q);
    if (err == CB_OK)
        err = cb_keymap_put(m->by_txid, txid, where(qi, q->n));
    if (err != CB_OK) {
        if (q->n == 0)
            (void)!drop_queue(m, qi);
        return err;
    }
    q->txs[q->n] = *tx;
    memcpy(q->txids[q->n], txid, 32);
    q->seq[q->n] = m->next_seq++;
    q->n++;
    m->count++;
    heap_fix(m, qi, q->n == 1);
    return CB_OK;
}

cb_err cb_mempool_add(cb_mempool *m, const cb_accounts *state, const cb_tx *tx, uint8_t txid[32])
{
    return admit(m, state, tx, false, txid, NULL, 0);
}

cb_err cb_mempool_add_why(cb_mempool *m, const cb_accounts *state, const cb_tx *tx,
                          uint8_t txid[32], char *why, size_t cap)
{
    return admit(m, state, tx, false, txid, why, cap);
}

cb_err cb_mempool_test(cb_mempool *m, const cb_accounts *state, const cb_tx *tx, uint8_t txid[32],
                       char *why, size_t cap)
{
    admission a;
    cb_err err = check_admission(m, state, tx, false, &a, why, cap);
    if (txid)
        cb_tx_txid(txid, tx);
    return err;
}

/* Takes the queue of id out of the pool, appending its transactions to
 * *pulled (in nonce order). */
static cb_err pull_queue(cb_mempool *m, const uint8_t id[20], cb_tx **pulled, size_t *n,
                         size_t *cap)
{
    uint32_t qi;
    queue *q = find_queue(m, id, &qi);
    if (!q)
        return CB_OK;
    if (cb_grow(pulled, cap, *n + q->n, sizeof **pulled, 16) != CB_OK)
        return CB_ERR_NOMEM;
    memcpy(*pulled + *n, q->txs, q->n * sizeof **pulled);
    *n += q->n;
    return truncate_queue(m, qi, 0);
}

typedef struct {
    const cb_tx *tx;
    size_t order; /* keeps the sort stable */
} candidate;

static int by_nonce(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->tx->nonce != y->tx->nonce)
        return x->tx->nonce < y->tx->nonce ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Re-admits the queues of the given accounts against a new state, with
 * `first` (a disconnected block's transactions) offered before them.
 * Whatever no longer fits is dropped: that is the point. */
static cb_err readmit(cb_mempool *m, const cb_accounts *state, const cb_block *b, bool senders_only,
                      bool offer_block)
{
    cb_tx *pulled = NULL;
    size_t n = 0, cap = 0;
    cb_err err = CB_OK;
    for (size_t i = 0; err == CB_OK && i < b->ntx; i++) {
        const cb_tx *tx = &b->txs[i];
        if (!cb_tx_is_coinbase(tx)) {
            uint8_t sid[20];
            cb_tx_sender_id(sid, tx);
            err = pull_queue(m, sid, &pulled, &n, &cap);
        }
        if (err == CB_OK && !senders_only)
            err = pull_queue(m, tx->recipient, &pulled, &n, &cap);
    }
    /* The block's payments and the pulled queues go back together in nonce
     * order: a queue pulled here may hold an older block's payments of the
     * same sender (a reorganisation returns several blocks). On equal
     * nonces the block's payment is offered first. */
    size_t nb = offer_block && b->ntx > 1 ? b->ntx - 1 : 0;
    candidate *all = err == CB_OK ? malloc((nb + n + 1) * sizeof *all) : NULL;
    if (err == CB_OK && !all)
        err = CB_ERR_NOMEM;
    if (err == CB_OK) {
        for (size_t i = 0; i < nb; i++)
            all[i] = (candidate){&b->txs[i + 1], i};
        for (size_t i = 0; i < n; i++)
            all[nb + i] = (candidate){&pulled[i], nb + i};
        qsort(all, nb + n, sizeof *all, by_nonce);
        /* After a connect, the block's own payments leave the pool
         * because they are confirmed: they are not drops. */
        cb_keymap *mined = m->on_drop && !offer_block ? cb_keymap_new(32, m->next_seq) : NULL;
        for (size_t i = 1; mined && i < b->ntx; i++) {
            uint8_t id[32];
            cb_tx_txid(id, &b->txs[i]);
            if (cb_keymap_put(mined, id, 0) != CB_OK)
                break;
        }
        for (size_t i = 0; i < nb + n; i++) {
            cb_err why = admit(m, state, all[i].tx, true, NULL, NULL, 0);
            uint8_t id[32];
            uint32_t dummy;
            if (why == CB_OK || why == CB_ERR_IN_MEMPOOL || !m->on_drop)
                continue;
            cb_tx_txid(id, all[i].tx);
            if (!mined || !cb_keymap_get(mined, id, &dummy))
                m->on_drop(m->drop_ctx, all[i].tx, why);
        }
        cb_keymap_free(mined);
    }
    free(all);
    free(pulled);
    return err;
}

cb_err cb_mempool_block_connected(cb_mempool *m, const cb_accounts *state, const cb_block *b)
{
    /* Only senders can lose: their nonces moved on and balances fell. */
    return readmit(m, state, b, true, false);
}

cb_err cb_mempool_block_disconnected(cb_mempool *m, const cb_accounts *state, const cb_block *b)
{
    /* Senders went back; recipients and the miner lost what they got. */
    return readmit(m, state, b, false, true);
}

/* Selection: a max-heap of queues by their next transaction's fee. */
typedef struct {
    uint32_t q;
    size_t pos;
} cursor;

static bool before(const cb_mempool *m, cursor a, cursor b)
{
    const queue *qa = &m->queues[a.q], *qb = &m->queues[b.q];
    uint64_t fa = qa->txs[a.pos].fee, fb = qb->txs[b.pos].fee;
    if (fa != fb)
        return fa > fb;
    return qa->seq[a.pos] < qb->seq[b.pos];
}

static void sift_down(const cb_mempool *m, cursor *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, top = i;
        if (l < n && before(m, h[l], h[top]))
            top = l;
        if (r < n && before(m, h[r], h[top]))
            top = r;
        if (top == i)
            return;
        cursor t = h[i];
        h[i] = h[top];
        h[top] = t;
        i = top;
    }
}

size_t cb_mempool_select(const cb_mempool *m, cb_tx *out, size_t max)
{
    size_t n = 0, hn = m->nq;
    cursor *h = malloc((hn ? hn : 1) * sizeof *h);
    if (!h)
        return 0;
    for (size_t i = 0; i < hn; i++)
        h[i] = (cursor){(uint32_t)i, 0};
    for (size_t i = hn / 2; i-- > 0;)
        sift_down(m, h, hn, i);
    while (hn > 0 && n < max) {
        out[n++] = m->queues[h[0].q].txs[h[0].pos];
        if (++h[0].pos == m->queues[h[0].q].n)
            h[0] = h[--hn];
        sift_down(m, h, hn, 0);
    }
    free(h);
    return n;
}

size_t cb_mempool_count(const cb_mempool *m)
{
    return m->count;
}

size_t cb_mempool_bytes(const cb_mempool *m)
{
    return m->count * CB_TX_SIZE;
}

bool cb_mempool_get(const cb_mempool *m, const uint8_t txid[32], cb_tx *tx)
{
    uint32_t at;
    if (!cb_keymap_get(m->by_txid, txid, &at))
        return false;
    const queue *q = &m->queues[at >> POS_BITS];
    size_t pos = at & ((1u << POS_BITS) - 1);
    if (pos >= q->n || memcmp(q->txids[pos], txid, 32) != 0)
        return false; /* cannot happen: the map follows every move */
    if (tx)
        *tx = q->txs[pos];
    return true;
}

size_t cb_mempool_txids(const cb_mempool *m, uint8_t (*out)[32], size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nq; i++)
        for (size_t k = 0; k < m->queues[i].n && n < max; k++)
            memcpy(out[n++], m->queues[i].txids[k], 32);
    return n;
}

void cb_mempool_pending(const cb_mempool *m, const uint8_t id[20], size_t *count,
                        uint64_t *spending)
{
    const queue *q = find_queue(m, id, NULL);
    *count = q ? q->n : 0;
    *spending = 0;
    for (size_t i = 0; q && i < q->n; i++)
        *spending += q->txs[i].amount + q->txs[i].fee;
}
