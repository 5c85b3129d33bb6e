/* What a storage engine provides: one function per store operation, on its
 * own handle. store.c dispatches to it, running an operation again when an
 * engine's server was lost (so each operation is one function here, safe
 * to run twice); store_sqlite.c and store_mysql.c are the engines. */
#ifndef CB_STORE_BACKEND_H
#define CB_STORE_BACKEND_H

#include <stdbool.h>

#include "store/store.h"

/* Where a walk over stored rows has got to. The store keeps one per walk,
 * zeroed at its start and the same across the walk's retries, so an engine
 * that can lose its server resumes after the last row it handed out (its
 * order keys: a and b for blocks, when and key for users). Others may
 * ignore it. */
typedef struct {
    bool started;
    uint64_t a, b;
    int64_t when;
    char key[64];
} cb_store_cursor;

/* How many payment rows may wait for an engine's txid index (catching up
 * is then due inside a connect): a floor, or an eighth of the rows the
 * index already has. A batch of random txids writes most of the index's
 * pages once it is large against them, so batches that grow with the
 * index keep the pages written per payment bounded; the quiet store
 * catches up whatever the lag. */
#define CB_STORE_TXINDEX_FLOOR 50000
static inline uint64_t cb_store_txindex_lag(uint64_t indexed)
{
    return indexed / 8 > CB_STORE_TXINDEX_FLOOR ? indexed / 8 : CB_STORE_TXINDEX_FLOOR;
}

typedef struct cb_store_backend {
    const char *name;
    void (*close)(void *h);
    const char *(*last_error)(void *h);
    cb_err (*put_block)(void *h, const uint8_t hash[32], uint32_t height, const cb_block *b);
    cb_err (*connect)(void *h, const uint8_t hash[32], uint32_t height, const cb_block *b,
                      const cb_undo *undo, const cb_accounts *state);
    cb_err (*disconnect)(void *h, const uint8_t hash[32], const cb_block *b);
    cb_err (*foreach_block)(void *h, cb_store_cursor *c, cb_store_block_fn fn, void *ctx);
    cb_err (*foreach_header)(void *h, cb_store_cursor *c, cb_store_header_fn fn, void *ctx);
    cb_err (*get_block)(void *h, const uint8_t hash[32], cb_block *out);
    cb_err (*mark_invalid)(void *h, const uint8_t hash[32], const char *reason);
    cb_err (*foreach_invalid)(void *h, cb_store_hash_fn fn, void *ctx);
    void (*release_memory)(void *h); /* NULL: nothing to give back */
    /* A batch (NULL: none): the writes between begin and end are one
     * transaction; end commits it. A failed write undoes the whole batch
     * (the writes after it fail at once, end too), and batch_undone says
     * so after end: the writer then makes the batch's writes again one by
     * one, so the store stops whole at the write before the one that
     * fails. A lost server (lost) is handled the same way. Returns:
     * CB_OK or CB_ERR_STORE. */
    cb_err (*batch_begin)(void *h);
    cb_err (*batch_end)(void *h);
    bool (*batch_undone)(void *h); /* NULL: never */
    /* Work put off while writes come (NULL: none), run by the writer of
     * write-behind once the store has been quiet a while. It changes no
     * answer, only how fast one comes. Returns: CB_OK or CB_ERR_STORE. */
    cb_err (*idle)(void *h);
    cb_err (*tip)(void *h, uint8_t hash[32], uint32_t *height);
    cb_err (*get_undo)(void *h, const uint8_t hash[32], cb_undo *out);
    cb_err (*reset_chain)(void *h);
    cb_err (*get_account)(void *h, const uint8_t id[20], cb_account *out);
    cb_err (*load_accounts)(void *h, cb_accounts *out);
    cb_err (*replace_accounts)(void *h, const cb_accounts *state);
    cb_err (*put_pending_tx)(void *h, const cb_tx *tx, int64_t now);
    cb_err (*reject_tx)(void *h, const uint8_t txid[32], const char *reason);
    cb_err (*tx_status)(void *h, const uint8_t txid[32], cb_tx_status *st, uint32_t *height);
    cb_err (*list_txs)(void *h, const char *address, cb_tx_record *out, size_t max, size_t *n);
    cb_err (*add_user)(void *h, const cb_user_record *u);
    cb_err (*get_user)(void *h, const char *username, cb_user_record *u);
    cb_err (*replace_user_key)(void *h, const cb_user_record *u);
    cb_err (*put_peer)(void *h, const cb_peer_record *p);
    cb_err (*list_peers)(void *h, cb_peer_record *out, size_t max, size_t *n);
    cb_err (*forget_peer)(void *h, const char *host, uint16_t port);
    cb_err (*foreach_user)(void *h, cb_store_cursor *c, cb_store_user_fn fn, void *ctx);
    /* The meta table: network, schema version, tip. */
    cb_err (*get_meta)(void *h, const char *key, char *out, size_t cap, bool *found);
    cb_err (*set_meta)(void *h, const char *key, const char *value);
    /* For an engine whose server can go away (NULL: it cannot). After an
     * operation failed with CB_ERR_STORE, lost says whether the connection
     * (not the statement) failed; reconnect connects again (CB_OK or
     * CB_ERR_STORE); set_error replaces last_error's text. */
    const char *server; /* its server's name in messages ("MySQL") */
    bool (*lost)(void *h);
    cb_err (*reconnect)(void *h);
    void (*set_error)(void *h, const char *text);
} cb_store_backend;

/* Each engine's open creates its tables when missing; store.c then checks
 * the network and schema version and, on an empty store, writes genesis. */

/* Opens the SQLite engine on a file. Returns: CB_OK or CB_ERR_STORE with msg. */
cb_err cb_store_sqlite_open(void **h, const cb_store_backend **ops, const cb_params *p,
                            const char *path, char *msg, size_t msglen);

/* Opens the MySQL/MariaDB engine. uri: mysql://USER[:PASSWORD]@HOST[:PORT]/DB
 * or mysql://USER[:PASSWORD]@/DB?socket=PATH; password (may be NULL) is
 * used when the uri has none. Returns: CB_OK, CB_ERR_ARG (bad uri) or
 * CB_ERR_STORE with msg (never holding the password). */
cb_err cb_store_mysql_open(void **h, const cb_store_backend **ops, const cb_params *p,
                           const char *uri, const char *password, char *msg, size_t msglen);

#endif
