/* libFuzzer target: rows a hostile or damaged database hands back. One
 * regtest SQLite store (a file in /tmp) is opened once; each input writes
 * arbitrary rows into its tables through a second connection, with any
 * SQLite types (the engine must check what it reads, not trust the
 * schema), then everything that reads them runs: users (and their
 * password and key checks, when the stored cost is small enough to run
 * here), blocks (the walk, a node's default start from the headers and
 * its check of the last blocks, and the whole chain rebuilt from them as
 * -reindex does), undo data (a disconnect), accounts, payments, peers and
 * the tip. Nothing may crash, leak or hang; refusals are fine.
 *
 * An input is a run of rows: a table byte, then one value per column,
 * each a type byte (0 integer: 8 bytes, 1 text: a length byte, 2 blob: a
 * 2-byte length, 3 null) and its bytes; a row cut short gets nulls. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/chain.h"
#include "core/params.h"
#include "node/chainstore.h"
#include "node/users.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cb_store *store;
static sqlite3 *raw;
static char path[64];
static char genesis_tip[128], genesis_height[32];

static void read_meta(const char *key, char *out, size_t cap)
{
    sqlite3_stmt *st;
    out[0] = '\0';
    if (sqlite3_prepare_v2(raw, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
        abort();
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

static const struct {
    const char *name;
    int cols;
    const char *insert;
} TABLES[] = {
    {"users", 8, "INSERT OR REPLACE INTO users VALUES (?,?,?,?,?,?,?,?)"},
    {"blockchain", 11, "INSERT OR REPLACE INTO blockchain VALUES (?,?,?,?,?,?,?,?,?,?,?)"},
    {"undo", 2, "INSERT OR REPLACE INTO undo VALUES (?,?)"},
    {"transactions", 16,
     "INSERT OR REPLACE INTO transactions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"},
    {"txindex", 2, "INSERT OR REPLACE INTO txindex VALUES (?,?)"},
    {"wallet", 4, "INSERT OR REPLACE INTO wallet VALUES (?,?,?,?)"},
    {"peers", 6, "INSERT OR REPLACE INTO peers VALUES (?,?,?,?,?,?)"},
    {"meta", 2, "INSERT OR REPLACE INTO meta VALUES (?,?)"},
    {"invalid", 2, "INSERT OR REPLACE INTO invalid VALUES (?,?)"},
};
#define NTABLES (sizeof TABLES / sizeof *TABLES)

static void start(void)
{
    char msg[256];
    snprintf(path, sizeof path, "/tmp/cb-fuzz-store-%d.db", (int)getpid());
    unlink(path);
    if (cb_store_open(&store, cb_params_regtest(), path, msg, sizeof msg) != CB_OK ||
        sqlite3_open(path, &raw) != SQLITE_OK) {
        fprintf(stderr, "fuzz_store: %s\n", msg);
        abort();
    }
    sqlite3_busy_timeout(raw, 1000);
    read_meta("tip_hash", genesis_tip, sizeof genesis_tip);
    read_meta("tip_height", genesis_height, sizeof genesis_height);
    if (!genesis_tip[0] || !genesis_height[0])
        abort();
}

/* Back to a fresh store: genesis, its tip and the meta rows only (the
 * wallet table is rebuilt from the blocks by the node's start). */
static void reset(void)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "DELETE FROM users; DELETE FROM transactions; DELETE FROM txindex; DELETE FROM peers;"
             " DELETE FROM wallet; DELETE FROM invalid; DELETE FROM blockchain WHERE height <> 0;"
             " DELETE FROM undo WHERE block_hash NOT IN (SELECT hash FROM blockchain);"
             " DELETE FROM meta WHERE key NOT IN ('network', 'schema_version');"
             " INSERT INTO meta VALUES ('tip_hash', '%s'), ('tip_height', '%s');",
             genesis_tip, genesis_height);
    if (sqlite3_exec(raw, sql, NULL, NULL, NULL) != SQLITE_OK)
        abort();
}

/* Binds one value from the input. Returns: the bytes it took. */
static size_t bind_value(sqlite3_stmt *st, int col, const uint8_t *d, size_t n)
{
    if (n == 0) {
        sqlite3_bind_null(st, col);
        return 0;
    }
    size_t len;
    switch (d[0] % 4) {
    case 0: {
        int64_t v = 0;
        len = n - 1 < 8 ? n - 1 : 8;
        memcpy(&v, d + 1, len);
        sqlite3_bind_int64(st, col, v);
        return 1 + len;
    }
    case 1:
        len = n > 1 ? d[1] : 0;
        if (len > n - 2 || n < 2)
            len = n >= 2 ? n - 2 : 0;
        sqlite3_bind_text(st, col, n >= 2 ? (const char *)d + 2 : "", (int)len, SQLITE_TRANSIENT);
        return n >= 2 ? 2 + len : n;
    case 2:
        len = n > 2 ? (size_t)(d[1] | d[2] << 8) : 0;
        if (n < 3 || len > n - 3)
            len = n >= 3 ? n - 3 : 0;
        sqlite3_bind_blob(st, col, n >= 3 ? d + 3 : d, (int)len, SQLITE_TRANSIENT);
        return n >= 3 ? 3 + len : n;
    default:
        sqlite3_bind_null(st, col);
        return 1;
    }
}

static void write_rows(const uint8_t *d, size_t n)
{
    size_t pos = 0;
    unsigned rows = 0;
    while (pos < n && rows++ < 32) {
        unsigned t = d[pos++] % NTABLES;
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(raw, TABLES[t].insert, -1, &st, NULL) != SQLITE_OK)
            abort();
        for (int c = 1; c <= TABLES[t].cols; c++)
            pos += bind_value(st, c, d + pos, n - pos);
        sqlite3_step(st); /* a constraint may refuse it: fine */
        sqlite3_finalize(st);
    }
}

/* A stored Argon2 cost small enough to run here (the store's own bound
 * is far larger: this only keeps each run short). */
static bool cheap_pwhash(const char *h)
{
    unsigned m, t, p;
    return sscanf(h, "$argon2id$v=19$m=%u,t=%u,p=%u$", &m, &t, &p) == 3 && m <= 1024 && t <= 4;
}

static bool cheap_key(const cb_user_record *u)
{
    if (u->enc_len < 17)
        return true; /* refused before any hashing */
    uint64_t ops = 0, mem = 0;
    memcpy(&ops, u->enc_key + 1, 8);
    memcpy(&mem, u->enc_key + 9, 8);
    return ops <= 4 && mem <= (1u << 20);
}

static cb_err on_user(void *ctx, const cb_user_record *u)
{
    (void)ctx;
    uint8_t priv[32];
    if (u->username[sizeof u->username - 1] || u->pwhash[sizeof u->pwhash - 1])
        abort(); /* every text read back is terminated */
    if (cheap_pwhash(u->pwhash))
        (void)cb_user_check_password(u, "password1");
    if (cheap_key(u) && cb_user_unlock(u, "password1", priv) == CB_OK)
        memset(priv, 0, sizeof priv);
    return CB_OK;
}

static cb_err on_block(void *ctx, const cb_block *b)
{
    (*(size_t *)ctx)++;
    if (b->ntx > CB_MAX_BLOCK_TXS)
        abort();
    return CB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store)
        start();
    reset();
    write_rows(data, size);

    (void)cb_store_foreach_user(store, on_user, NULL);
    size_t blocks = 0;
    (void)cb_store_foreach_block(store, on_block, &blocks);
    uint8_t tip[32];
    uint32_t height;
    (void)cb_store_tip(store, tip, &height);

    cb_accounts *all = cb_accounts_new(0);
    if (all) {
        (void)cb_store_load_accounts(store, all);
        cb_accounts_free(all);
    }
    cb_tx_record txs[16];
    size_t n = 0;
    (void)cb_store_list_txs(store, "coinbase", txs, 16, &n);
    if (n > 16)
        abort();
    /* A payment's status by txid: the rows found through the open rows'
     * index, the txid index, and the table's end. */
    for (size_t i = 0; i < n; i++) {
        cb_tx_status st;
        (void)cb_store_tx_status(store, txs[i].txid, &st, &height);
    }
    cb_peer_record peers[16];
    (void)cb_store_list_peers(store, peers, 16, &n);
    if (n > 16)
        abort();

    /* The node's default start: the index from the stored headers, the
     * recorded tip and wallet table, the last blocks checked; then every
     * active body read back. */
    const cb_load_options opt = {CB_CHECKBLOCKS_DEFAULT, CB_CHECKLEVEL_DEFAULT, false, NULL};
    cb_chain *chain = cb_chain_new(cb_params_regtest(), 1);
    cb_chainstore *cs = NULL;
    cb_load_report report;
    if (chain && cb_chainstore_open_checked(&cs, chain, store, 1800000000, &opt, &report) == CB_OK)
        for (uint32_t h = 0; h <= cb_chain_tip(chain)->height; h++) {
            cb_block b;
            if (cb_chain_read_block(chain, cb_chain_at(chain, h), &b) == CB_OK)
                cb_block_clear(&b);
        }
    cb_chainstore_free(cs);
    cb_chain_free(chain);

    /* The replay (-reindex's): the chain rebuilt from the stored blocks,
     * the wallet table compared with it (and repaired). */
    chain = cb_chain_new(cb_params_regtest(), 1);
    cs = NULL;
    if (chain && cb_chainstore_open(&cs, chain, store, 1800000000, &report) == CB_OK) {
        /* Undo data read back: disconnect the tip the rebuild reached. */
        const cb_chain_entry *t = cb_chain_tip(chain);
        cb_block b;
        if (t->height > 0 && cb_chain_read_block(chain, t, &b) == CB_OK) {
            (void)cb_store_disconnect(store, t->hash, &b);
            cb_block_clear(&b);
        }
    }
    cb_chainstore_free(cs);
    cb_chain_free(chain);
    return 0;
}
