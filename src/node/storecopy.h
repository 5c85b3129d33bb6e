/* Copies a node's data from one store to another (SQLite to MySQL or back):
 * every stored block, replayed through the chain's rules into the target
 * so its blockchain, undo, transactions and wallet tables come out as the
 * target engine would have written them itself, then the users and the
 * known peers. Pending payments are not copied: they live in the mempool. */
#ifndef CB_NODE_STORECOPY_H
#define CB_NODE_STORECOPY_H

#include <stddef.h>

#include "core/err.h"
#include "core/params.h"
#include "store/store.h"

typedef struct {
    size_t blocks;  /* blocks the target took (genesis and known ones count) */
    size_t refused; /* source blocks the rules refused (left out) */
    size_t users, peers;
    uint32_t tip_height;
} cb_copy_report;

/* Copies from `from` into `to` (both open for network p). Running it again
 * on the same pair adds what is new and changes nothing else.
 * Out: *r. Returns: CB_OK, CB_ERR_STORE (either store failed: see
 * cb_store_last_error), or CB_ERR_NOMEM. */
cb_err cb_store_copy(const cb_params *p, cb_store *from, cb_store *to, int64_t now,
                     cb_copy_report *r) CB_WARN_UNUSED;

#endif
