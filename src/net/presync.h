/* Headers presync (Core's HeadersSyncState, made small): a peer's header
 * chain that forks deep below our tip with less work than it is checked
 * as it arrives, but not kept. Only its work, its last header, the times
 * its next header is judged by, and a salted 16-bit check every 256
 * headers are kept: a few bytes per thousand headers. Once the chain is
 * shown to have more work than our tip, the same headers are fetched
 * again and stored, each checkpoint compared on the way, so a peer that
 * swaps in another chain is caught within 256 headers.
 *
 * A peer feeding long low-work chains therefore costs its checks, never
 * memory in the chain index. Pure: no I/O, time is an argument. */
#ifndef CB_NET_PRESYNC_H
#define CB_NET_PRESYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/chain.h"

/* Headers one presync may take before it must have shown enough work. */
#define CB_PRESYNC_MAX 1000000u
/* A checkpoint every so many headers. */
#define CB_PRESYNC_EVERY 256u

typedef struct cb_presync cb_presync;

/* Starts a presync of a chain on `fork` (an entry of c, which must outlive
 * the presync), with a salt the peer cannot know.
 * Returns: the state (cb_presync_free), or NULL without memory. */
cb_presync *cb_presync_new(const cb_chain *c, const cb_chain_entry *fork, uint64_t salt);
void cb_presync_free(cb_presync *s);

/* Checks the next header of the chain as the chain would (continuity,
 * proof of work, bits, median time past, clock) and counts its work.
 * Returns: CB_OK; CB_ERR_PREV_MISSING (does not continue the chain);
 * high-hash, bad-diffbits, time-too-old, time-too-new; CB_ERR_TOO_LARGE
 * (past CB_PRESYNC_MAX); CB_ERR_NOMEM. */
cb_err cb_presync_add(cb_presync *s, const cb_header *h, int64_t now) CB_WARN_UNUSED;

/* True when the chain so far has more work than `work`. */
bool cb_presync_beats(const cb_presync *s, const cb_u256 *work);

const cb_chain_entry *cb_presync_fork(const cb_presync *s);
/* The last header taken (the fork's hash before any), and its height. */
const uint8_t *cb_presync_last_hash(const cb_presync *s);
uint32_t cb_presync_height(const cb_presync *s);

/* For the second download: whether the header hash at height agrees with
 * the checkpoint there (true between checkpoints and past the end). */
bool cb_presync_matches(const cb_presync *s, uint32_t height, const uint8_t hash[32]);

#endif
