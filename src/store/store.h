/* The node's store: one interface in the chain's own terms (blocks, undo
 * data, accounts, transactions, users, peers), never SQL, with a backend
 * per engine behind it (SQLite, embedded, and MySQL/MariaDB), chosen by
 * the URI.
 *
 * Every change of chain state is one database transaction: connecting a
 * block writes the block, its undo data, its transactions' status and the
 * new wallet rows together, so a crash leaves the old state or the new.
 * Whatever the store returns is read as untrusted input: the node rebuilds
 * and checks its chain from the stored blocks at start. */
#ifndef CB_STORE_STORE_H
#define CB_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/accounts.h"
#include "core/block.h"
#include "core/err.h"
#include "core/params.h"
#include "core/state.h"

#define CB_STORE_SCHEMA_VERSION 1

typedef struct cb_store cb_store;

/* Opens the store named by `uri` for network p, creating its tables (and
 * the genesis block) on first use. uri: a file path or "sqlite:PATH"
 * (SQLite), or "mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE" or
 * "mysql://USER[:PASSWORD]@/DATABASE?socket=PATH" (MySQL or MariaDB).
 * A store of another network or schema version is refused.
 * Out: *out; on failure msg (msglen bytes) says why in a sentence.
 * Returns: CB_OK, CB_ERR_ARG (bad uri), CB_ERR_STORE (open, schema, or a
 * mismatched network/version), or CB_ERR_NOMEM. */
cb_err cb_store_open(cb_store **out, const cb_params *p, const char *uri, char *msg,
                     size_t msglen) CB_WARN_UNUSED;

/* cb_store_open, with the MySQL password given apart from the uri (from
 * the config file or the environment); a password in the uri wins.
 * Neither ever appears in msg. */
cb_err cb_store_open_auth(cb_store **out, const cb_params *p, const char *uri, const char *password,
                          char *msg, size_t msglen) CB_WARN_UNUSED;

/* The uri with any password replaced by "***", for logs. */
void cb_store_uri_redact(char *out, size_t cap, const char *uri);

/* The '@' that ends the user and password of a uri's authority, given the
 * text after "scheme://": the last '@' before the query ('?'), so that a
 * password may hold '@' (and a socket path after '?' may too). The engine
 * parses with it and the redaction hides up to it: they cannot disagree.
 * Returns: the '@', or NULL when there is none. */
const char *cb_store_uri_at(const char *authority);

/* The engine's name: "sqlite" or "mysql". */
const char *cb_store_engine(const cb_store *s);

/* Closes the store; NULL is fine. */
void cb_store_close(cb_store *s);

/* Gives back the memory the engine caches but does not need (SQLite's
 * page cache after the start's one pass over the headers); the cache
 * fills again, up to its bound, as the node works. */
void cb_store_release_memory(cb_store *s);

/* The last error's text from the engine (for logs), never NULL. */
const char *cb_store_last_error(const cb_store *s);

/* Write-behind: from now on cb_store_put_block, cb_store_connect and
 * cb_store_disconnect only queue their write (a copy of what it needs)
 * and return; a writer thread makes the writes in order, each one
 * transaction as ever. The queue holds up to `max_queued` writes and
 * `max_bytes` of copies (a write bigger than that alone goes into an
 * empty queue); a full queue makes the caller wait. What is queued at
 * once goes in one batch (one commit and one sync; a crash keeps the
 * batches before it, and a batch that a write fails inside is made
 * again write by write, so the writes before that one stay). While
 * writes come in a stream the writer gathers them (group commit: up to
 * half the queue, in writes or bytes, or 100 ms after its last batch); a
 * write after a quiet spell, or one a caller waits for, goes at once.
 * Every other call first waits for the queue to empty, so it sees every
 * write before it. A write that fails for good stops the writer where it
 * is (the store stays whole at the step before) and every later call
 * returns its error (cb_store_last_error tells it). The node's loop keeps
 * checking signatures while the store writes.
 * Returns: CB_OK or CB_ERR_THREAD. */
cb_err cb_store_write_behind(cb_store *s, size_t max_queued, size_t max_bytes) CB_WARN_UNUSED;

/* The write-behind queue: what waits now, the most it has held, and its
 * bounds (all zero before cb_store_write_behind). */
typedef struct {
    size_t writes, bytes;
    size_t peak_writes, peak_bytes;
    size_t max_writes, max_bytes;
} cb_store_queue;

void cb_store_queue_stats(cb_store *s, cb_store_queue *out);

/* Waits for every queued write. Returns: CB_OK, or the first failed
 * write's error. */
cb_err cb_store_flush(cb_store *s) CB_WARN_UNUSED;

/* Without waiting: CB_OK, or the error of a queued write that failed. */
cb_err cb_store_failed(cb_store *s) CB_WARN_UNUSED;

/* Stores a block (not yet on the active chain). Storing it again is fine:
 * its body is written again (a copy fetched anew after the stored one
 * was found damaged), its place and marks stay.
 * Returns: CB_OK or CB_ERR_STORE. */
cb_err cb_store_put_block(cb_store *s, const uint8_t hash[32], uint32_t height,
                          const cb_block *b) CB_WARN_UNUSED;

/* In one transaction: stores b if needed, marks it active at its height,
 * keeps its undo journal, marks its transactions confirmed, and writes the
 * wallet rows of every account the journal names with its value in `state`
 * (the state after b). Returns: CB_OK or CB_ERR_STORE (nothing written). */
cb_err cb_store_connect(cb_store *s, const uint8_t hash[32], uint32_t height, const cb_block *b,
                        const cb_undo *undo, const cb_accounts *state) CB_WARN_UNUSED;

/* In one transaction: restores the wallet rows from b's undo journal,
 * drops the journal, marks b inactive and its transactions pending again.
 * Returns: CB_OK, CB_ERR_NOT_FOUND (no journal: b is not active), a parse
 * error of the stored journal, or CB_ERR_STORE. */
cb_err cb_store_disconnect(cb_store *s, const uint8_t hash[32], const cb_block *b) CB_WARN_UNUSED;

/* Calls fn for every stored block, lowest height first, then in the order
 * stored; fn's error stops the walk and is returned.
 * A stored block that does not parse stops the walk with its error. */
typedef cb_err (*cb_store_block_fn)(void *ctx, const cb_block *b);
cb_err cb_store_foreach_block(cb_store *s, cb_store_block_fn fn, void *ctx) CB_WARN_UNUSED;

/* A stored block's row as the block index needs it: the header and its
 * place, read without the body (so a start costs the headers, not the
 * blocks). As any stored value, untrusted: hash is what the row says,
 * for the reader to check against the header. */
typedef struct {
    uint8_t hash[32];
    cb_header header;
    uint32_t height;
    uint32_t ntx;
} cb_stored_header;

/* Calls fn for every stored block's row, lowest height first (so parents
 * come before their children); fn's error stops the walk and is
 * returned. A malformed row stops it with CB_ERR_STORE. */
typedef cb_err (*cb_store_header_fn)(void *ctx, const cb_stored_header *h);
cb_err cb_store_foreach_header(cb_store *s, cb_store_header_fn fn, void *ctx) CB_WARN_UNUSED;

/* Records that a block broke a rule when it was connected (the reason
 * code's name, cut to 64 bytes), so that no later start tries it again:
 * the invalid table. Returns: CB_OK or CB_ERR_STORE. */
cb_err cb_store_mark_invalid(cb_store *s, const uint8_t hash[32],
                             const char *reason) CB_WARN_UNUSED;

/* Calls fn for every block marked invalid; fn's error stops the walk.
 * A malformed row stops it with CB_ERR_STORE. */
typedef cb_err (*cb_store_hash_fn)(void *ctx, const uint8_t hash[32]);
cb_err cb_store_foreach_invalid(cb_store *s, cb_store_hash_fn fn, void *ctx) CB_WARN_UNUSED;

/* One stored block by hash, into out (parsed here; the caller clears it).
 * Returns: CB_OK, CB_ERR_NOT_FOUND, a parse error of the stored bytes, or
 * CB_ERR_STORE. */
cb_err cb_store_get_block(cb_store *s, const uint8_t hash[32], cb_block *out) CB_WARN_UNUSED;

/* The active tip recorded by the last connect/disconnect.
 * Returns: CB_OK, CB_ERR_NOT_FOUND (nothing connected yet) or CB_ERR_STORE. */
cb_err cb_store_tip(cb_store *s, uint8_t hash[32], uint32_t *height) CB_WARN_UNUSED;

/* The undo journal stored for an active block, into out (initialised,
 * emptied first). Returns: CB_OK, CB_ERR_NOT_FOUND (none: not active), a
 * parse error of the stored bytes, or CB_ERR_STORE. */
cb_err cb_store_get_undo(cb_store *s, const uint8_t hash[32], cb_undo *out) CB_WARN_UNUSED;

/* In one transaction: no block active, no undo journal, every payment
 * of a block pending again (coinbases rejected), no recorded tip; the
 * blocks, the wallet rows and the rest stay. -reindex does this, then
 * connects the chain again from genesis. Returns: CB_OK or CB_ERR_STORE. */
cb_err cb_store_reset_chain(cb_store *s) CB_WARN_UNUSED;

/* One wallet row (absent: zero). Returns: CB_OK or CB_ERR_STORE. */
cb_err cb_store_get_account(cb_store *s, const uint8_t id[20], cb_account *out) CB_WARN_UNUSED;

/* Reads the whole wallet table into `out` (an empty map).
 * Returns: CB_OK, CB_ERR_STORE or CB_ERR_NOMEM. */
cb_err cb_store_load_accounts(cb_store *s, cb_accounts *out) CB_WARN_UNUSED;

/* Replaces the whole wallet table with `state`, in one transaction.
 * Returns: CB_OK or CB_ERR_STORE. */
cb_err cb_store_replace_accounts(cb_store *s, const cb_accounts *state) CB_WARN_UNUSED;

/* Transactions seen but not in a block: status "pending"; a pending one
 * the mempool dropped: "rejected" (with the reason). */
cb_err cb_store_put_pending_tx(cb_store *s, const cb_tx *tx, int64_t now) CB_WARN_UNUSED;
cb_err cb_store_reject_tx(cb_store *s, const uint8_t txid[32], const char *reason) CB_WARN_UNUSED;

typedef enum { CB_TX_UNKNOWN = 0, CB_TX_PENDING, CB_TX_CONFIRMED, CB_TX_REJECTED } cb_tx_status;

/* A transaction's status, and for a confirmed one its block height.
 * Returns: CB_OK (CB_TX_UNKNOWN when absent) or CB_ERR_STORE. */
cb_err cb_store_tx_status(cb_store *s, const uint8_t txid[32], cb_tx_status *status,
                          uint32_t *height) CB_WARN_UNUSED;

/* A transaction as the transactions table holds it. */
typedef struct {
    uint8_t txid[32];
    char sender[40]; /* an address, or "coinbase" */
    char recipient[40];
    uint64_t amount, fee, nonce;
    int64_t time;
    cb_tx_status status;
    uint32_t height; /* when confirmed */
    char reason[64]; /* when rejected */
} cb_tx_record;

/* Up to max transactions sent or received by an address, newest first
 * (pending before confirmed, higher blocks first).
 * Returns: CB_OK or CB_ERR_STORE. */
cb_err cb_store_list_txs(cb_store *s, const char *address, cb_tx_record *out, size_t max,
                         size_t *n) CB_WARN_UNUSED;

/* Users (the original's users table). Secrets arrive already protected:
 * pwhash is an Argon2id string, enc_key an encrypted private key. */
typedef struct {
    char username[33];
    char name[129];
    char email[255];
    char pwhash[129];
    uint8_t pubkey[33];
    uint8_t enc_key[128];
    size_t enc_len;
    int64_t created;
} cb_user_record;

/* Calls fn for every user, oldest first; fn's error stops the walk.
 * Returns: CB_OK, fn's error or CB_ERR_STORE. */
typedef cb_err (*cb_store_user_fn)(void *ctx, const cb_user_record *u);
cb_err cb_store_foreach_user(cb_store *s, cb_store_user_fn fn, void *ctx) CB_WARN_UNUSED;

/* Returns: CB_OK, CB_ERR_DUPLICATE (username taken), CB_ERR_ARG or CB_ERR_STORE. */
cb_err cb_store_add_user(cb_store *s, const cb_user_record *u) CB_WARN_UNUSED;
/* Returns: CB_OK, CB_ERR_NOT_FOUND or CB_ERR_STORE (or a bad stored row). */
cb_err cb_store_get_user(cb_store *s, const char *username, cb_user_record *u) CB_WARN_UNUSED;
/* Replaces a user's public key and encrypted private key (a key import).
 * Returns: CB_OK, CB_ERR_NOT_FOUND, CB_ERR_ARG or CB_ERR_STORE. */
cb_err cb_store_replace_user_key(cb_store *s, const cb_user_record *u) CB_WARN_UNUSED;

/* Known peers (the original's users_port table). */
typedef struct {
    char host[64];
    uint16_t port;
    int64_t last_seen, last_try, banned_until;
    uint32_t failures;
} cb_peer_record;

/* Inserts or updates a peer by host and port. Returns: CB_OK or CB_ERR_STORE. */
cb_err cb_store_put_peer(cb_store *s, const cb_peer_record *p) CB_WARN_UNUSED;
/* Removes the row of host:port (a ban is port 0), if there is one, so
 * the table stays as bounded as the address book.
 * Returns: CB_OK or CB_ERR_STORE. */
cb_err cb_store_forget_peer(cb_store *s, const char *host, uint16_t port) CB_WARN_UNUSED;
/* Up to max peers, most recently seen first. Returns: CB_OK or CB_ERR_STORE. */
cb_err cb_store_list_peers(cb_store *s, cb_peer_record *out, size_t max, size_t *n) CB_WARN_UNUSED;

#endif
