/* Why a header or block was refused, as a plain sentence with the numbers
 * that broke the rule ("its hash 3f2a... is above the target 00ff...",
 * "the coinbase pays 1000.00000000 CB, but the reward at height 3 is
 * 20.00000000 CB and the fees 0.00000000 CB"). For getrejections, explain,
 * ban reasons and the log. */
#ifndef CB_CORE_REFUSAL_H
#define CB_CORE_REFUSAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/block.h"
#include "core/chain.h"
#include "core/err.h"

/* Writes into why (cap bytes, always NUL-terminated when cap > 0) why h,
 * refused with err, broke its rule; c gives its parent (when known) and
 * the bits it needed, now the clock it was judged by. Errors with no
 * numbers to add give cb_strerror's sentence. Returns: why. */
const char *cb_refusal_header(char *why, size_t cap, cb_err err, const cb_chain *c,
                              const cb_header *h, int64_t now);

/* The same for a block refused with err; bad_tx is the payment that broke
 * a rule (CB_NO_TX when none). Returns: why. */
const char *cb_refusal_block(char *why, size_t cap, cb_err err, const cb_chain *c,
                             const cb_block *b, size_t bad_tx, int64_t now);

#endif
