/* Getting blocks and transactions across: which blocks to ask of whom
 * (headers first, then data from several peers at once within a window
 * past our tip), what to do with what arrives, and announcing what is new.
 *
 * A block request lives in the peer's in-flight list and in net->requested
 * (so two peers are never asked for the same block); a request that takes
 * too long is dropped and the block asked of someone else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/grow.h"
#include "core/pow.h"
#include "net/net_internal.h"

#define STALLS_BEFORE_DROP 3

static void drop_request(cb_net *net, cb_peer *p, size_t j)
{
    cb_keymap_remove(net->requested, p->inflight[j].hash);
    p->inflight[j] = p->inflight[--p->ninflight];
}

void cb_net_block_received(cb_net *net, const uint8_t hash[32])
{
    uint32_t id;
    if (!cb_keymap_get(net->requested, hash, &id))
        return;
    cb_keymap_remove(net->requested, hash);
    for (cb_peer *p = net->peers; p; p = p->next) {
        if ((uint32_t)p->id != id)
            continue;
        for (size_t j = 0; j < p->ninflight; j++) {
            if (memcmp(p->inflight[j].hash, hash, 32) == 0) {
                p->inflight[j] = p->inflight[--p->ninflight];
                break;
            }
        }
    }
}

void cb_net_forget_peer(cb_net *net, cb_peer *p)
{
    while (p->ninflight)
        drop_request(net, p, p->ninflight - 1);
}

/* How many entries of the peer's chain one step of the planner looks at. */
#define PLAN_STEP 128

void cb_net_request_blocks(cb_peer *p)
{
    cb_net *net = p->net;
    const cb_chain *c = net->host.chain;
    if (p->closing || !p->established || !p->best_known || p->ninflight >= CB_NET_MAX_INFLIGHT)
        return;
    const cb_chain_entry *tip = cb_chain_tip(c);
    const cb_chain_entry *best = p->best_known;
    if (cb_u256_cmp(&best->work, &tip->work) <= 0 ||
        (best->status & (CB_ENTRY_FAILED | CB_ENTRY_FAILED_CHILD)))
        return;
    /* The last block of the peer's chain that we hold, kept per peer and
     * moved forward (Core's pindexLastCommonBlock): each call looks only
     * at blocks past it, whatever the height. */
    const cb_chain_entry *from = p->last_common;
    if (!from || cb_chain_ancestor(best, from->height) != from ||
        !(from->status & CB_ENTRY_HAVE_DATA))
        from = cb_chain_common(best, tip);
    while (from->height < best->height) {
        const cb_chain_entry *next = cb_chain_ancestor(best, from->height + 1);
        if (!(next->status & CB_ENTRY_HAVE_DATA))
            break;
        from = next;
    }
    p->last_common = from;
    uint32_t end = best->height;
    if (end > from->height + CB_NET_DOWNLOAD_WINDOW)
        end = from->height + CB_NET_DOWNLOAD_WINDOW;
    cb_inv want[CB_NET_MAX_INFLIGHT];
    size_t nwant = 0;
    int64_t now_ms = cb_net_now_ms();
    /* Forward through the window a step at a time, each step found from
     * its top through the skip pointers and read back to front. */
    for (uint32_t lo = from->height + 1; lo <= end && p->ninflight < CB_NET_MAX_INFLIGHT;
         lo += PLAN_STEP) {
        uint32_t hi = end - lo >= PLAN_STEP ? lo + PLAN_STEP - 1 : end;
        const cb_chain_entry *step[PLAN_STEP];
        const cb_chain_entry *e = cb_chain_ancestor(best, hi);
        for (uint32_t h = hi + 1; h-- > lo; e = e->prev)
            step[h - lo] = e;
        for (uint32_t i = 0; i <= hi - lo && p->ninflight < CB_NET_MAX_INFLIGHT; i++) {
            e = step[i];
            uint32_t who;
            if (e->status & CB_ENTRY_HAVE_DATA)
                continue;
            if (cb_keymap_get(net->requested, e->hash, &who))
                continue;
            if (cb_keymap_put(net->requested, e->hash, (uint32_t)p->id) != CB_OK)
                break;
            p->inflight[p->ninflight++] = (cb_inflight){.since_ms = now_ms};
            memcpy(p->inflight[p->ninflight - 1].hash, e->hash, 32);
            want[nwant].type = CB_INV_BLOCK;
            memcpy(want[nwant++].hash, e->hash, 32);
        }
    }
    if (nwant) {
        uint8_t buf[1 + CB_NET_MAX_INFLIGHT * 36];
        cb_peer_send(p, "getdata", buf, cb_inv_serialize(buf, sizeof buf, want, nwant));
    }
}

void cb_net_check_stalls(cb_net *net, int64_t now_ms)
{
    for (cb_peer *p = net->peers; p; p = p->next) {
        if (p->closing)
            continue;
        for (size_t j = 0; j < p->ninflight;) {
            if (now_ms - p->inflight[j].since_ms > CB_NET_BLOCK_TIMEOUT_MS) {
                drop_request(net, p, j);
                p->stalls++;
            } else {
                j++;
            }
        }
        if (p->stalls >= STALLS_BEFORE_DROP)
            cb_peer_close(p, "stalled on block requests");
    }
    for (cb_peer *p = net->peers; p; p = p->next)
        cb_net_request_blocks(p);
}

/* True when a block on prev would have more work than our tip: the rule
 * for any block nobody asked for (as Core's unrequested-block check). */
static bool would_be_tip(const cb_net *net, const cb_chain_entry *prev, const cb_header *h)
{
    cb_u256 proof, work;
    cb_pow_work(&proof, h->bits);
    cb_u256_add(&work, &prev->work, &proof);
    return cb_u256_cmp(&work, &cb_chain_tip(net->host.chain)->work) > 0;
}

/* Punishes whoever sent a block that turned out invalid: the peer when
 * it is still connected, else its address. */
static void punish_source(cb_net *net, uint64_t from, const char *host, const char *why)
{
    cb_peer *p = cb_net_find_peer(net, from);
    if (p && !p->closing) {
        cb_peer_ban(p, why);
        return;
    }
    cb_net_ban_host(net, host, why);
}

static bool err_is_blame(cb_err err)
{
    return cb_net_err_bans(err, true) || err == CB_ERR_PREV_INVALID || err == CB_ERR_BLK_INVALID;
}

/* Submits orphan blocks whose parent header is now known, by the rules
 * of any unsolicited block: only one that would be our new tip goes in,
 * and one that breaks a rule costs its sender a ban. */
void cb_net_adopt_orphans(cb_net *net)
{
    bool progress = true;
    while (progress) {
        progress = false;
        for (size_t i = 0; i < net->norphans; i++) {
            cb_orphan_block *o = &net->orphans[i];
            const cb_chain_entry *prev = cb_chain_lookup(net->host.chain, o->block.header.prev);
            if (!prev)
                continue;
            cb_orphan_block taken = *o;
            *o = net->orphans[--net->norphans];
            progress = true;
            if (!would_be_tip(net, prev, &taken.block.header)) {
                cb_log_debug(net->host.log, "orphan block dropped: not more work than our tip");
                cb_block_clear(&taken.block);
                break;
            }
            size_t bad;
            cb_err err = net->host.submit_block(net->host.ctx, &taken.block, &bad);
            if (err_is_blame(err)) {
                char why[128], hex[65];
                uint8_t hash[32];
                cb_header_hash(hash, &taken.block.header);
                cb_hash_to_hex(hex, hash);
                snprintf(why, sizeof why, "invalid orphan block %.16s: %s", hex,
                         cb_err_reason(err));
                punish_source(net, taken.from, taken.host, why);
            } else if (err != CB_OK && err != CB_ERR_DUPLICATE) {
                cb_log_debug(net->host.log, "orphan block refused: %s", cb_err_reason(err));
            }
            cb_block_clear(&taken.block);
            break;
        }
    }
}

/* Keeps a block whose parent we do not know yet, after the checks that
 * need no parent (proof of work, the body's commitment to its header).
 * Each peer keeps at most CB_NET_ORPHANS_PER_PEER; when the pool is full,
 * the oldest of the peer holding the most goes.
 * Returns: false when the block shows its sender misbehaved. */
static bool keep_orphan(cb_net *net, cb_peer *p, const cb_block *b, cb_err *why)
{
    uint8_t hash[32];
    cb_header_hash(hash, &b->header);
    *why = cb_pow_check(net->host.params, hash, b->header.bits);
    if (*why == CB_OK)
        *why = cb_block_check_commitment(b);
    if (*why == CB_ERR_NOMEM)
        return true;
    if (*why != CB_OK)
        return false;
    size_t mine = 0, oldest_mine = SIZE_MAX;
    for (size_t i = 0; i < net->norphans; i++) {
        if (memcmp(net->orphans[i].block.header.prev, b->header.prev, 32) == 0 &&
            memcmp(&net->orphans[i].block.header, &b->header, sizeof b->header) == 0)
            return true; /* already kept */
        if (net->orphans[i].from != p->id)
            continue;
        mine++;
        if (oldest_mine == SIZE_MAX || net->orphans[i].added < net->orphans[oldest_mine].added)
            oldest_mine = i;
    }
    size_t evict = SIZE_MAX;
    if (mine >= CB_NET_ORPHANS_PER_PEER) {
        evict = oldest_mine;
    } else if (net->norphans == CB_NET_ORPHAN_BLOCKS) {
        /* The peer holding the most gives up its oldest. */
        size_t best = 0, best_count = 0;
        for (size_t i = 0; i < net->norphans; i++) {
            size_t count = 0;
            for (size_t k = 0; k < net->norphans; k++)
                count += net->orphans[k].from == net->orphans[i].from;
            if (count > best_count ||
                (count == best_count && net->orphans[i].added < net->orphans[best].added)) {
                best = i;
                best_count = count;
            }
        }
        evict = best;
    }
    cb_orphan_block *slot;
    if (evict != SIZE_MAX) {
        slot = &net->orphans[evict];
        cb_block_clear(&slot->block);
    } else {
        slot = &net->orphans[net->norphans++];
    }
    cb_block_init(&slot->block);
    if (cb_block_copy(&slot->block, b) != CB_OK) {
        *slot = net->orphans[--net->norphans];
        return true;
    }
    slot->from = p->id;
    snprintf(slot->host, sizeof slot->host, "%s", p->host);
    slot->added = cb_net_now_ms();
    return true;
}

bool cb_net_process_block(cb_peer *p, const cb_block *b)
{
    cb_net *net = p->net;
    uint8_t hash[32];
    cb_header_hash(hash, &b->header);
    cb_peer_mark_known(p, hash);
    uint32_t asked_of;
    bool requested = cb_keymap_get(net->requested, hash, &asked_of) && asked_of == (uint32_t)p->id;
    cb_net_block_received(net, hash);
    const cb_chain_entry *e = cb_chain_lookup(net->host.chain, hash);
    if (e && (e->status & CB_ENTRY_HAVE_DATA))
        return true; /* a copy we already hold */
    /* A block nobody asked for is stored only if it would be our new tip
     * (as Core): else a peer could fill the store with cheap side blocks. */
    const cb_chain_entry *prev = cb_chain_lookup(net->host.chain, b->header.prev);
    if (!requested && prev) {
        cb_u256 proof, work;
        cb_pow_work(&proof, b->header.bits);
        cb_u256_add(&work, &prev->work, &proof);
        if (cb_u256_cmp(&work, &cb_chain_tip(net->host.chain)->work) <= 0)
            return true;
    }
    size_t bad = CB_NO_TX;
    cb_err err = net->host.submit_block(net->host.ctx, b, &bad);
    if (err == CB_OK) {
        e = cb_chain_lookup(net->host.chain, hash);
        if (e && (!p->best_known || cb_u256_cmp(&e->work, &p->best_known->work) > 0))
            p->best_known = e;
        cb_net_adopt_orphans(net);
    } else if (err == CB_ERR_PREV_MISSING) {
        cb_err why;
        if (!keep_orphan(net, p, b, &why)) {
            char reason[128], hex[65];
            cb_hash_to_hex(hex, hash);
            snprintf(reason, sizeof reason, "invalid orphan block %.16s: %s", hex,
                     cb_err_reason(why));
            cb_peer_ban(p, reason);
            return false;
        }
        cb_net_send_getheaders(p, NULL);
    } else if (err_is_blame(err)) {
        char why[128], hex[65];
        cb_hash_to_hex(hex, hash);
        snprintf(why, sizeof why, "invalid block %.16s: %s", hex, cb_err_reason(err));
        cb_peer_ban(p, why);
        return false;
    } else if (err != CB_ERR_DUPLICATE && err != CB_ERR_TIME_NEW) {
        cb_log(net->host.log, "block from peer %llu not taken: %s", (unsigned long long)p->id,
               cb_strerror(err));
    }
    for (cb_peer *q = net->peers; q; q = q->next)
        cb_net_request_blocks(q);
    return true;
}

static void reject(cb_net *net, const uint8_t txid[32])
{
    if (cb_keymap_count(net->rejected) > 50000) {
        cb_keymap_free(net->rejected);
        net->rejected = cb_keymap_new(32, net->seed ^ (uint64_t)cb_net_now_ms());
        if (!net->rejected)
            return;
    }
    if (cb_keymap_put(net->rejected, txid, 1) != CB_OK)
        return;
}

/* True when tx's nonce is past the sender's next one: an earlier payment
 * of the same sender has not reached us yet. */
static bool nonce_ahead(cb_net *net, const cb_tx *tx)
{
    uint8_t id[20];
    cb_account acct;
    size_t pending;
    uint64_t spending;
    cb_tx_sender_id(id, tx);
    cb_accounts_get(cb_chain_state(net->host.chain), id, &acct);
    cb_mempool_pending(net->host.mempool, id, &pending, &spending);
    return tx->nonce > acct.nonce + pending;
}

static void retry_orphan_txs(cb_net *net);

bool cb_net_process_tx(cb_peer *p, const cb_tx *tx)
{
    cb_net *net = p->net;
    uint8_t txid[32];
    cb_tx_txid(txid, tx);
    cb_peer_mark_known(p, txid);
    cb_keymap_remove(net->tx_requested, txid);
    uint32_t at;
    /* Refused since the last block: refused again, with no work at all. */
    if (cb_keymap_get(net->rejected, txid, &at))
        return true;
    uint8_t got[32];
    cb_err err = net->host.submit_tx(net->host.ctx, tx, got);
    if (err == CB_OK || err == CB_ERR_IN_MEMPOOL) {
        if (err == CB_OK)
            retry_orphan_txs(net);
        return true;
    }
    if (cb_net_err_bans(err, false)) {
        char why[128], hex[65];
        cb_hash_to_hex(hex, txid);
        snprintf(why, sizeof why, "invalid transaction %.16s: %s", hex, cb_err_reason(err));
        cb_peer_ban(p, why);
        return false;
    }
    if (err == CB_ERR_TX_NONCE && nonce_ahead(net, tx)) {
        /* The mempool judged the nonce before the signature; an orphan is
         * kept only when signed, or the pool would hold unsigned junk. */
        cb_err sig = cb_tx_verify(tx, net->host.params->magic);
        if (sig != CB_OK) {
            char why[128], hex[65];
            cb_hash_to_hex(hex, txid);
            snprintf(why, sizeof why, "invalid transaction %.16s: %s", hex, cb_err_reason(sig));
            cb_peer_ban(p, why);
            return false;
        }
        for (size_t i = 0; i < net->norphan_txs; i++)
            if (memcmp(&net->orphan_txs[i].tx, tx, sizeof *tx) == 0)
                return true;
        size_t slot = net->norphan_txs < CB_NET_ORPHAN_TXS
                          ? net->norphan_txs++
                          : (size_t)(cb_net_now_ms() % CB_NET_ORPHAN_TXS);
        net->orphan_txs[slot].tx = *tx;
        net->orphan_txs[slot].from = p->id;
        return true;
    }
    cb_log_debug(net->host.log, "tx from peer %llu refused: %s", (unsigned long long)p->id,
                 cb_err_reason(err));
    reject(net, txid);
    return true;
}

/* Orphan payments whose turn has come go in; stale ones go. */
static void retry_orphan_txs(cb_net *net)
{
    /* submit -> accepted -> retry must not nest */
    if (net->retrying_orphans)
        return;
    net->retrying_orphans = true;
    bool progress = true;
    while (progress) {
        progress = false;
        for (size_t i = 0; i < net->norphan_txs;) {
            cb_tx tx = net->orphan_txs[i].tx;
            if (nonce_ahead(net, &tx)) {
                i++;
                continue;
            }
            net->orphan_txs[i] = net->orphan_txs[--net->norphan_txs];
            uint8_t txid[32];
            if (net->host.submit_tx(net->host.ctx, &tx, txid) == CB_OK)
                progress = true;
        }
    }
    net->retrying_orphans = false;
}

/* Queues txid for every peer (that may already know it, when force). */
static void announce_tx(cb_net *net, const uint8_t txid[32], bool force)
{
    for (cb_peer *p = net->peers; p; p = p->next) {
        if (p->closing || !p->established || (!force && cb_peer_knows(p, txid)))
            continue;
        /* A peer that does not keep up misses some. */
        if (p->ntxq == p->captxq &&
            (cb_grow_next(p->captxq, 64, 32, CB_MAX_INV) == 0 ||
             cb_grow(&p->txq, &p->captxq, p->ntxq + 1, sizeof *p->txq, 64) != CB_OK))
            continue;
        memcpy(p->txq[p->ntxq++], txid, 32);
        cb_peer_mark_known(p, txid);
    }
}

void cb_net_tx_accepted(cb_net *net, const uint8_t txid[32])
{
    if (net)
        announce_tx(net, txid, false);
}

void cb_net_tx_returned(cb_net *net, const uint8_t txid[32])
{
    /* A payment that was in a block we left: peers that heard of it then
     * may have missed it (it was mined before they fetched it), so it is
     * announced to all again. */
    if (net)
        announce_tx(net, txid, true);
}

void cb_net_flush_tx(cb_net *net)
{
    for (cb_peer *p = net->peers; p; p = p->next) {
        if (p->closing || !p->ntxq)
            continue;
        cb_inv *inv = malloc(p->ntxq * sizeof *inv);
        uint8_t *buf = malloc(9 + p->ntxq * 36);
        if (inv && buf) {
            for (size_t i = 0; i < p->ntxq; i++) {
                inv[i].type = CB_INV_TX;
                memcpy(inv[i].hash, p->txq[i], 32);
            }
            cb_peer_send(p, "inv", buf, cb_inv_serialize(buf, 9 + p->ntxq * 36, inv, p->ntxq));
            p->ntxq = 0;
        }
        free(inv);
        free(buf);
    }
}

void cb_net_tip_changed(cb_net *net, const cb_chain_entry *old_tip)
{
    if (!net)
        return;
    const cb_chain *c = net->host.chain;
    const cb_chain_entry *tip = cb_chain_tip(c);
    const cb_chain_entry *fork = cb_chain_common(old_tip, tip);
    /* A new state may make a refused payment valid (a balance arrived):
     * forget the refusals, as Core resets its recent rejects. */
    if (cb_keymap_count(net->rejected) > 0) {
        cb_keymap *fresh = cb_keymap_new(32, net->seed ^ (uint64_t)cb_net_now_ms());
        if (fresh) {
            cb_keymap_free(net->rejected);
            net->rejected = fresh;
        }
    }
    /* Up to 8 new blocks go as headers to peers that asked for that;
     * more, or an older peer, get an inv of the tip and fetch the rest. */
    cb_header hs[8];
    uint8_t hashes[8][32];
    size_t n = tip->height - fork->height;
    bool as_headers = n <= 8;
    if (as_headers) {
        const cb_chain_entry *e = tip;
        for (size_t i = n; i-- > 0; e = e->prev) {
            hs[i] = e->header;
            memcpy(hashes[i], e->hash, 32);
        }
    }
    for (cb_peer *p = net->peers; p; p = p->next) {
        if (p->closing || !p->established || cb_peer_knows(p, tip->hash))
            continue;
        if (as_headers && p->send_headers) {
            size_t first = 0;
            while (first < n && cb_peer_knows(p, hashes[first]))
                first++;
            uint8_t buf[1 + 8 * (CB_HEADER_SIZE + 1)];
            cb_peer_send(p, "headers", buf,
                         cb_headers_serialize(buf, sizeof buf, hs + first, n - first));
            for (size_t i = first; i < n; i++)
                cb_peer_mark_known(p, hashes[i]);
        } else {
            cb_inv inv = {CB_INV_BLOCK, {0}};
            uint8_t buf[1 + 36];
            memcpy(inv.hash, tip->hash, 32);
            cb_peer_send(p, "inv", buf, cb_inv_serialize(buf, sizeof buf, &inv, 1));
            cb_peer_mark_known(p, tip->hash);
        }
    }
    retry_orphan_txs(net);
}
