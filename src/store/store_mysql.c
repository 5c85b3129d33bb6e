/* The MySQL/MariaDB engine of the store (MariaDB Connector/C): the same
 * tables and meaning as the SQLite engine, InnoDB with binary hashes and
 * unsigned 64-bit amounts, one transaction per chain change.
 *
 * Statements are built as text: every value is either a number we
 * printed, hex of bytes (X'..'), or a string escaped by the connector, so
 * nothing from outside is ever read as SQL. The writes every connected
 * block makes (its row, its undo data, its payments, the accounts it
 * changed) are prepared statements instead: values go as bound bytes
 * and numbers, and a block's rows go in one bulk execution (MariaDB's
 * array binding) where the server offers it, so the server parses no SQL
 * and no hex for them.
 *
 * When the server goes away, the store (store.c) reconnects with backoff
 * and runs the operation again from its start. Every operation here is
 * written so that running it twice leaves what running it once does (a
 * commit whose reply was lost is then found done; a walk resumes at its
 * cursor), so nothing is lost or duplicated. After the retry budget the
 * store reports itself lost and the node stops. */
#include <errmsg.h>
#include <mysql.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/address.h"
#include "core/hex.h"
#include "core/keymap.h"
#include "store/store.h"
#include "core/grow.h"
#include "store/address_cache.h"
#include "store/store_backend.h"

/* An account a batch changed, at its last value. */
typedef struct {
    uint8_t id[20];
    cb_account a;
} batch_account;

typedef struct txid_indexer txid_indexer;

typedef struct {
    MYSQL *db;
    const cb_params *p;
    char err[512];
    char host[256], user[128], pass[256], name[128], socket[512];
    unsigned port;
    bool have_db;        /* the database exists: reconnects select it */
    bool batch;          /* inside a batch: its writes share its transaction */
    bool undone;         /* a write of the batch failed and rolled it all back */
    bool bulk;           /* the server runs a statement over an array of rows */
    bool statement_log;  /* the server logs statements (binlog_format STATEMENT) */
    unsigned last_errno; /* of the last failure, 0 after a success */
    /* Prepared on first use, closed with the connection. */
    MYSQL_STMT *put_tx, *put_wallet, *put_block, *put_block_again, *put_undo;
    cb_address_cache addresses;
    /* Inside a batch: the accounts its steps changed, each at its last
     * value (batch_at maps a hash160 to its place), written once at the
     * batch's end, not once a block. */
    cb_keymap *batch_at;
    batch_account *batch_accts;
    size_t batch_n, batch_cap;
    /* Inside a batch, too: the tip its last step left (written at its
     * end), and whether any payment row is open (asked at its first
     * connect, asked again after a disconnect opened rows). */
    bool batch_tip;
    uint8_t batch_tip_hash[32];
    uint32_t batch_tip_height;
    bool batch_open_known, batch_open;
    /* The txid index's catch-up on a connection of its own, beside the
     * writes (NULL: the writes' connection catches it up; see
     * txid_indexer below). */
    txid_indexer *ix;
} engine;

/* A growing statement. */
typedef struct {
    char *s;
    size_t n, cap;
    bool oom;
} sqlbuf;

static void sb_grow(sqlbuf *b, size_t more)
{
    if (!b->oom &&
        (more > SIZE_MAX - b->n - 1 || cb_grow(&b->s, &b->cap, b->n + more + 1, 1, 1024) != CB_OK))
        b->oom = true;
}

static void sb_add(sqlbuf *b, const char *text)
{
    size_t len = strlen(text);
    sb_grow(b, len);
    if (b->oom)
        return;
    memcpy(b->s + b->n, text, len + 1);
    b->n += len;
}

static void sb_u64(sqlbuf *b, uint64_t v)
{
    char num[24];
    snprintf(num, sizeof num, "%llu", (unsigned long long)v);
    sb_add(b, num);
}

static void sb_i64(sqlbuf *b, int64_t v)
{
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)v);
    sb_add(b, num);
}

static void sb_hex(sqlbuf *b, const uint8_t *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    sb_grow(b, 2 * len + 3);
    if (b->oom)
        return;
    char *p = b->s + b->n;
    *p++ = 'X';
    *p++ = '\'';
    for (size_t i = 0; i < len; i++) {
        *p++ = digits[data[i] >> 4];
        *p++ = digits[data[i] & 15];
    }
    *p++ = '\'';
    *p = '\0';
    b->n = (size_t)(p - b->s);
}

static void sb_str(engine *e, sqlbuf *b, const char *text)
{
    size_t len = strlen(text);
    sb_grow(b, 2 * len + 3);
    if (b->oom)
        return;
    b->s[b->n++] = '\'';
    b->n += mysql_real_escape_string(e->db, b->s + b->n, text, (unsigned long)len);
    b->s[b->n++] = '\'';
    b->s[b->n] = '\0';
}

static void sb_reset(sqlbuf *b)
{
    b->n = 0;
    if (b->s)
        b->s[0] = '\0';
}

static void sb_free(sqlbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

static cb_err fail(engine *e)
{
    snprintf(e->err, sizeof e->err, "%s", e->db ? mysql_error(e->db) : "not connected");
    e->last_errno = e->db ? mysql_errno(e->db) : CR_SERVER_GONE_ERROR;
    return CB_ERR_STORE;
}

static cb_err stmt_fail(engine *e, MYSQL_STMT *st)
{
    snprintf(e->err, sizeof e->err, "%s", mysql_stmt_error(st));
    e->last_errno = mysql_stmt_errno(st);
    return CB_ERR_STORE;
}

/* True when the last error means the connection, not the statement,
 * failed. */
static bool connection_lost(engine *e)
{
    unsigned no = e->db ? e->last_errno : CR_SERVER_GONE_ERROR;
    return no == CR_SERVER_GONE_ERROR || no == CR_SERVER_LOST || no == CR_CONNECTION_ERROR ||
           no == CR_CONN_HOST_ERROR || no == 1927 /* ER_CONNECTION_KILLED */ ||
           no == 1053 /* ER_SERVER_SHUTDOWN */;
}

/* A prepared statement dies with its connection. */
static void close_statements(engine *e)
{
    MYSQL_STMT **all[] = {&e->put_tx, &e->put_wallet, &e->put_block, &e->put_block_again,
                          &e->put_undo};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (*all[i])
            mysql_stmt_close(*all[i]);
        *all[i] = NULL;
    }
}

/* Whether the server runs one statement over an array of rows (MariaDB
 * 10.2 and later; not MySQL). CB_MYSQL_NO_BULK=1 in the environment
 * makes the engine run such statements a row at a time, as it does on
 * servers without it (the tests run both ways). */
static bool server_bulk(engine *e)
{
    const char *off = getenv("CB_MYSQL_NO_BULK");
    if (off && strcmp(off, "1") == 0)
        return false;
    unsigned long caps = 0, ext = 0;
    if (mariadb_get_infov(e->db, MARIADB_CONNECTION_SERVER_CAPABILITIES, &caps) != 0 ||
        mariadb_get_infov(e->db, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &ext) != 0)
        return false;
    return !(caps & CLIENT_MYSQL) && (ext & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32));
}

/* Whether the server writes a binary log of statements (binlog_format
 * STATEMENT), which can log neither an array-bound statement (MariaDB
 * refuses it: "Only row based replication supported for bulk
 * operations") nor an INSERT ... SELECT at READ COMMITTED.
 * Returns: CB_OK or CB_ERR_STORE. */
static cb_err logs_statements(engine *e, bool *out)
{
    *out = false;
    if (mysql_query(e->db, "SELECT @@log_bin, @@binlog_format") != 0)
        return CB_ERR_STORE;
    MYSQL_RES *res = mysql_store_result(e->db);
    if (!res)
        return CB_ERR_STORE;
    MYSQL_ROW row = mysql_fetch_row(res);
    *out = row && row[0] && strcmp(row[0], "0") != 0 && row[1] && strcmp(row[1], "STATEMENT") == 0;
    mysql_free_result(res);
    return CB_OK;
}

static void batch_forget(engine *e);

static cb_err connect_db(engine *e)
{
    e->batch = false; /* a lost connection took its batch with it */
    close_statements(e);
    batch_forget(e); /* and the accounts it noted */
    if (e->db)
        mysql_close(e->db);
    e->db = mysql_init(NULL);
    if (!e->db)
        return CB_ERR_NOMEM;
    unsigned timeout = 10;
    mysql_options(e->db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(e->db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(e->db, e->socket[0] ? NULL : e->host, e->user,
                            e->pass[0] ? e->pass : NULL, e->have_db ? e->name : NULL, e->port,
                            e->socket[0] ? e->socket : NULL, 0))
        return fail(e);
    /* READ COMMITTED where the log allows it: the store is the only
     * writer of its tables, so it reads alike at either level, and at
     * this one the txid index's catch-up (INSERT ... SELECT) takes no
     * shared lock on every row it reads. */
    bool statements;
    if (logs_statements(e, &statements) != CB_OK ||
        (!statements &&
         mysql_query(e->db, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED") != 0))
        return fail(e);
    e->statement_log = statements;
    e->bulk = !statements && server_bulk(e);
    e->last_errno = 0;
    return CB_OK;
}

static cb_err query(engine *e, const char *sql, size_t len)
{
    if (!e->db || mysql_real_query(e->db, sql, (unsigned long)len) != 0)
        return fail(e);
    e->last_errno = 0;
    return CB_OK;
}

/* ---- prepared statements ---- */

/* *st prepared from sql on first use on this connection.
 * Returns: CB_OK, CB_ERR_NOMEM or CB_ERR_STORE. */
static cb_err prepared(engine *e, MYSQL_STMT **st, const char *sql)
{
    if (*st)
        return CB_OK;
    if (!e->db)
        return fail(e);
    *st = mysql_stmt_init(e->db);
    if (!*st)
        return CB_ERR_NOMEM;
    if (mysql_stmt_prepare(*st, sql, (unsigned long)strlen(sql)) != 0) {
        cb_err err = stmt_fail(e, *st);
        mysql_stmt_close(*st);
        *st = NULL;
        return err;
    }
    return CB_OK;
}

static void bind_bytes(MYSQL_BIND *b, void *buf, unsigned long *len)
{
    b->buffer_type = MYSQL_TYPE_BLOB;
    b->buffer = buf;
    b->length = len;
}

static void bind_text(MYSQL_BIND *b, char *buf, unsigned long *len)
{
    b->buffer_type = MYSQL_TYPE_STRING;
    b->buffer = buf;
    b->length = len;
}

static void bind_u64(MYSQL_BIND *b, uint64_t *v)
{
    b->buffer_type = MYSQL_TYPE_LONGLONG;
    b->buffer = v;
    b->is_unsigned = 1;
}

static void bind_u32(MYSQL_BIND *b, uint32_t *v)
{
    b->buffer_type = MYSQL_TYPE_LONG;
    b->buffer = v;
    b->is_unsigned = 1;
}

/* Runs st once for each of n rows of `size` bytes, laid out one after
 * another. The binds (nb of them) point into the first row; every row
 * has the same layout (size is not read when n is 1). With bulk, up to
 * ROWS_A_RUN rows go in one execution; else a row at a time, the binds
 * moved onto it. Returns: CB_OK or CB_ERR_STORE. */
#define ROWS_A_RUN 4096u
static cb_err run_rows(engine *e, MYSQL_STMT *st, const MYSQL_BIND *binds, size_t nb, size_t size,
                       size_t n)
{
    MYSQL_BIND moved[16];
    bool bulk = e->bulk && n > 1;
    if (nb > sizeof moved / sizeof moved[0])
        return CB_ERR_ARG;
    for (size_t done = 0; done < n;) {
        size_t k = bulk ? (n - done < ROWS_A_RUN ? n - done : ROWS_A_RUN) : 1;
        size_t shift = done * size;
        for (size_t i = 0; i < nb; i++) {
            moved[i] = binds[i];
            moved[i].buffer = (char *)binds[i].buffer + shift;
            if (binds[i].length)
                moved[i].length = (unsigned long *)((char *)binds[i].length + shift);
        }
        unsigned int array = bulk ? (unsigned int)k : 0;
        size_t row_size = bulk ? size : 0;
        if (mysql_stmt_attr_set(st, STMT_ATTR_ARRAY_SIZE, &array) != 0 ||
            mysql_stmt_attr_set(st, STMT_ATTR_ROW_SIZE, &row_size) != 0 ||
            mysql_stmt_bind_param(st, moved) != 0 || mysql_stmt_execute(st) != 0)
            return stmt_fail(e, st);
        done += k;
    }
    e->last_errno = 0;
    return CB_OK;
}

static cb_err run(engine *e, sqlbuf *b)
{
    if (b->oom)
        return CB_ERR_NOMEM;
    return query(e, b->s, b->n);
}

static cb_err exec(engine *e, const char *sql)
{
    return query(e, sql, strlen(sql));
}

/* Runs a rollback after a failure, keeping the failure's message and
 * number (they say why; the rollback's own outcome does not). */
static void rollback_after(engine *e)
{
    char why[sizeof e->err];
    unsigned no = e->last_errno;
    memcpy(why, e->err, sizeof why);
    (void)exec(e, "ROLLBACK");
    memcpy(e->err, why, sizeof why);
    e->last_errno = no;
}

/* Starts one write: its own transaction, or a part of the batch's. A
 * batch's writes are not savepoints (two more round trips a write): a
 * write that fails rolls the whole batch back, and the writer makes its
 * writes again one by one (batch_undone), as after a lost server. */
static cb_err step_begin(engine *e)
{
    if (e->batch)
        return e->undone ? CB_ERR_STORE : CB_OK;
    return exec(e, "START TRANSACTION");
}

/* Ends a write: kept when err is CB_OK, else undone (and err returned).
 * A lost connection has undone it already. */
static cb_err step_end(engine *e, cb_err err)
{
    if (e->batch) {
        if (err != CB_OK && !e->undone) {
            if (!connection_lost(e))
                rollback_after(e);
            e->undone = true;
        }
        return err;
    }
    if (err == CB_OK)
        err = exec(e, "COMMIT");
    if (err != CB_OK && !connection_lost(e))
        rollback_after(e);
    return err;
}

/* The store's retry (store.c) asks these: whether the last failure was
 * the connection, not the statement, and to connect again. */
static bool mysql_lost(void *h)
{
    return connection_lost(h);
}

static cb_err mysql_reconnect(void *h)
{
    return connect_db(h);
}

static void mysql_set_error(void *h, const char *text)
{
    engine *e = h;
    snprintf(e->err, sizeof e->err, "%s", text);
}

/* The txid of a row not confirmed, NULL for a confirmed one: a unique
 * index on it is the SQLite engine's partial index of open rows, and its
 * NULL entries, in seq order, go at one end. */
#define ASCII_BIN "CHARACTER SET ascii COLLATE ascii_bin"
#define ADDRESS_COLUMN "VARCHAR(40) " ASCII_BIN " NOT NULL"
#define OPEN_TXID " open_txid BINARY(32) AS (IF(status <> 'confirmed', txid, NULL)) STORED"

static const char *const SCHEMA[] = {
    "CREATE TABLE IF NOT EXISTS meta (`key` VARCHAR(64) PRIMARY KEY, value VARCHAR(255) NOT NULL)"
    " ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS blockchain (seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE,"
    " hash BINARY(32) PRIMARY KEY, height INT UNSIGNED NOT NULL, prev_hash BINARY(32) NOT NULL,"
    " merkle_root BINARY(32) NOT NULL, time INT UNSIGNED NOT NULL, bits INT UNSIGNED NOT NULL,"
    " nonce INT UNSIGNED NOT NULL, tx_count INT UNSIGNED NOT NULL,"
    " active TINYINT NOT NULL DEFAULT 0, data MEDIUMBLOB NOT NULL, KEY (height)) ENGINE=InnoDB",
    /* Stores made before headers kept their version: the column comes
     * now, and their old rows read it from the body. */
    "ALTER TABLE blockchain ADD COLUMN IF NOT EXISTS version INT UNSIGNED NULL AFTER height",
    "UPDATE blockchain SET version = CONV(HEX(REVERSE(SUBSTRING(data, 1, 4))), 16, 10)"
    " WHERE version IS NULL",
    "CREATE TABLE IF NOT EXISTS `undo` (block_hash BINARY(32) PRIMARY KEY,"
    " data MEDIUMBLOB NOT NULL) ENGINE=InnoDB",
    /* Payments are rows in the order they came (seq, the clustered key),
     * so a block's rows go at the table's end: a key of random txids
     * would take a random page a payment. Rows not confirmed (few: the
     * mempool's and the rejected) have their txid in open_txid, unique;
     * txindex maps every txid to its row, caught up in txid order a batch
     * at a time, and the rows after meta's txindex_seq are found by a
     * scan of the table's end (as the SQLite engine). */
    "CREATE TABLE IF NOT EXISTS transactions (seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT"
    " PRIMARY KEY, txid BINARY(32) NOT NULL, sender " ADDRESS_COLUMN ","
    " recipient " ADDRESS_COLUMN ", amount BIGINT UNSIGNED NOT NULL,"
    " fee BIGINT UNSIGNED NOT NULL, nonce BIGINT UNSIGNED NOT NULL, time BIGINT UNSIGNED NOT NULL,"
    " signature BINARY(64) NOT NULL, status VARCHAR(16) " ASCII_BIN
    " NOT NULL, block_hash BINARY(32) NULL,"
    " height INT UNSIGNED NULL, position INT UNSIGNED NULL, reason VARCHAR(64) NULL,"
    " seen BIGINT NULL, raw BINARY(153) NOT NULL," OPEN_TXID ", UNIQUE KEY transactions_open"
    " (open_txid), KEY (sender), KEY (recipient), KEY (block_hash)) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS txindex (txid BINARY(32) PRIMARY KEY,"
    " seq BIGINT UNSIGNED NOT NULL) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS wallet (hash160 BINARY(20) PRIMARY KEY,"
    " address " ADDRESS_COLUMN ", balance BIGINT UNSIGNED NOT NULL,"
    " nonce BIGINT UNSIGNED NOT NULL) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS users (username VARCHAR(32) PRIMARY KEY,"
    " name VARCHAR(128) NOT NULL, email VARCHAR(254) NOT NULL,"
    " password_hash VARCHAR(128) NOT NULL, pubkey BINARY(33) NOT NULL,"
    " address " ADDRESS_COLUMN ", enc_privkey VARBINARY(128) NOT NULL,"
    " created BIGINT NOT NULL) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS invalid (block_hash BINARY(32) PRIMARY KEY,"
    " reason VARCHAR(64) NOT NULL) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS peers (host VARCHAR(64) NOT NULL,"
    " port SMALLINT UNSIGNED NOT NULL, last_seen BIGINT NOT NULL, last_try BIGINT NOT NULL,"
    " failures INT UNSIGNED NOT NULL, banned_until BIGINT NOT NULL, PRIMARY KEY (host, port))"
    " ENGINE=InnoDB",
};

/* A result set, walked row by row. */
static MYSQL_RES *select_rows(engine *e, sqlbuf *b, cb_err *err)
{
    *err = run(e, b);
    if (*err != CB_OK)
        return NULL;
    MYSQL_RES *res = mysql_store_result(e->db);
    if (!res)
        *err = fail(e);
    return res;
}

/* Parses an unsigned decimal column; NULL or junk is not ours. */
static bool col_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return false;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || s[0] == '-')
        return false;
    *out = v;
    return true;
}

static bool col_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end)
        return false;
    *out = v;
    return true;
}

static bool col_text(char *dst, size_t cap, const char *s, unsigned long len)
{
    if (!s || len >= cap)
        return false;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return true;
}

/* ---- meta ---- */

static cb_err mysql_get_meta(void *h, const char *key, char *out, size_t cap, bool *found)
{
    engine *e = h;
    sqlbuf b = {0};
    cb_err err;
    sb_add(&b, "SELECT value FROM meta WHERE `key` = ");
    sb_str(e, &b, key);
    MYSQL_RES *res = select_rows(e, &b, &err);
    sb_free(&b);
    *found = false;
    if (!res)
        return err;
    MYSQL_ROW row = mysql_fetch_row(res);
    if (row && row[0]) {
        snprintf(out, cap, "%s", row[0]);
        *found = true;
    }
    mysql_free_result(res);
    return CB_OK;
}

static cb_err put_meta(engine *e, const char *key, const char *value)
{
    sqlbuf b = {0};
    sb_add(&b, "INSERT INTO meta (`key`, value) VALUES (");
    sb_str(e, &b, key);
    sb_add(&b, ",");
    sb_str(e, &b, value);
    sb_add(&b, ") ON DUPLICATE KEY UPDATE value = VALUES(value)");
    cb_err err = run(e, &b);
    sb_free(&b);
    return err;
}

static cb_err mysql_set_meta(void *h, const char *key, const char *value)
{
    return put_meta(h, key, value);
}

static cb_err write_tip(engine *e, const uint8_t hash[32], uint32_t height)
{
    char hex[65], hs[16];
    cb_hash_to_hex(hex, hash);
    snprintf(hs, sizeof hs, "%u", height);
    sqlbuf b = {0};
    sb_add(&b, "INSERT INTO meta (`key`, value) VALUES ('tip_hash', '");
    sb_add(&b, hex);
    sb_add(&b, "'), ('tip_height', '");
    sb_add(&b, hs);
    sb_add(&b, "') ON DUPLICATE KEY UPDATE value = VALUES(value)");
    cb_err err = run(e, &b);
    sb_free(&b);
    return err;
}

/* Records the tip; inside a batch, notes it for the batch's end. Nothing
 * reads the tip inside a batch but disconnect_done, and that only once a
 * failed step has rolled the batch back (the table's tip is then right). */
static cb_err set_tip(engine *e, const uint8_t hash[32], uint32_t height)
{
    if (!e->batch)
        return write_tip(e, hash, height);
    memcpy(e->batch_tip_hash, hash, 32);
    e->batch_tip_height = height;
    e->batch_tip = true;
    return CB_OK;
}

/* The first n columns (1 to 3) of a query's first row, numbers.
 * Returns: CB_OK (found[i] false when there is no row or column i is
 * NULL or not a number; out[i] then 0) or an error. */
static cb_err select_numbers(engine *e, sqlbuf *q, size_t n, uint64_t out[], bool found[])
{
    cb_err err;
    MYSQL_RES *res = select_rows(e, q, &err);
    for (size_t i = 0; i < n; i++)
        found[i] = false, out[i] = 0;
    if (!res)
        return err;
    MYSQL_ROW row = mysql_fetch_row(res);
    for (size_t i = 0; row && i < n && i < mysql_num_fields(res); i++)
        if (row[i] && col_u64(row[i], &out[i]))
            found[i] = true;
        else
            out[i] = 0;
    mysql_free_result(res);
    return CB_OK;
}

static cb_err select_u64(engine *e, sqlbuf *q, uint64_t *out, bool *found)
{
    return select_numbers(e, q, 1, out, found);
}

/* How far the txid index reaches (0: nowhere). */
static cb_err indexed_to(engine *e, uint64_t *seq)
{
    char v[32];
    bool found;
    cb_err err = mysql_get_meta(e, "txindex_seq", v, sizeof v, &found);
    if (err == CB_OK && (!found || !col_u64(v, seq)))
        *seq = 0;
    return err;
}

/* Catches the txid index up from `done` (where txindex_seq says it
 * reaches) to `last` (a row there or below it), in txid order (each
 * index page written once): always when quiet, else when more than
 * cb_store_txindex_lag rows wait; inside the caller's transaction.
 * Returns: CB_OK or CB_ERR_STORE. */
static bool catch_up_due(bool quiet, uint64_t done, uint64_t last)
{
    return last > done && (quiet || last - done > cb_store_txindex_lag(done));
}

static cb_err index_txids_to(engine *e, bool quiet, uint64_t done, uint64_t last)
{
    cb_err err = CB_OK;
    if (catch_up_due(quiet, done, last)) {
        sqlbuf q = {0};
        sb_add(&q, "INSERT IGNORE INTO txindex (txid, seq) SELECT txid, seq FROM transactions"
                   " WHERE seq > ");
        sb_u64(&q, done);
        sb_add(&q, " AND seq <= ");
        sb_u64(&q, last);
        sb_add(&q, " ORDER BY txid");
        err = run(e, &q);
        sb_free(&q);
        char text[24];
        snprintf(text, sizeof text, "%llu", (unsigned long long)last);
        if (err == CB_OK)
            err = put_meta(e, "txindex_seq", text);
    }
    return err;
}

/* How far the txid index reaches (v[0]) and the last row (v[1]). */
static cb_err index_reach(engine *e, uint64_t v[2])
{
    bool found[2];
    sqlbuf q = {0};
    sb_add(&q, "SELECT (SELECT value FROM meta WHERE `key` = 'txindex_seq'), MAX(seq)"
               " FROM transactions");
    cb_err err = select_numbers(e, &q, 2, v, found);
    sb_free(&q);
    return err;
}

static cb_err index_txids(engine *e, bool quiet)
{
    uint64_t v[2];
    cb_err err = index_reach(e, v);
    return err == CB_OK ? index_txids_to(e, quiet, v[0], v[1]) : err;
}

/* ---- the txid index's own connection ----
 *
 * A catch-up is one INSERT ... SELECT of up to an eighth of the index:
 * on a chain larger than the server's buffer pool it reads and writes
 * most of the index's pages, seconds of work, and on the writes'
 * connection every block behind it waited (a sync ran at 71% of the
 * in-memory rate with it, 102% without). So where the server allows it
 * the catch-up runs on a second connection, on a thread of its own,
 * while blocks go on being written. It reads committed rows only: the
 * one writer commits its rows in seq order, so every row up to the
 * highest committed seq is there. The index and meta's txindex_seq move
 * together in its own transaction; the rows past txindex_seq are found
 * by a scan, as ever, so a catch-up cut short (a lost server, a close)
 * costs time, never an answer. The writes' connection never touches the
 * index then. A server logging statements (REPEATABLE READ, where the
 * INSERT ... SELECT would lock the rows it reads and the gap the writer
 * appends to) keeps the catch-up on the writes' connection. */
struct txid_indexer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    engine conn;             /* its connection; only the thread uses it */
    bool due;                /* rows were committed: a catch-up may be due */
    bool quiet;              /* the store is quiet: catch up with every row */
    bool stopping;           /* the engine is closing */
    bool busy;               /* a catch-up is running on the server */
    unsigned long server_id; /* its connection's id, for KILL QUERY */
};

/* One catch-up on the indexer's connection, connecting first when it has
 * none. Returns: CB_OK or an error (ix->conn.err says which). */
static cb_err indexer_round(txid_indexer *ix, bool quiet)
{
    engine *c = &ix->conn;
    cb_err err = CB_OK;
    if (connection_lost(c)) {
        pthread_mutex_lock(&ix->mu);
        ix->server_id = 0;
        pthread_mutex_unlock(&ix->mu);
        err = connect_db(c);
        pthread_mutex_lock(&ix->mu);
        ix->server_id = err == CB_OK ? mysql_thread_id(c->db) : 0;
        if (ix->stopping)
            err = CB_ERR_STORE;
        pthread_mutex_unlock(&ix->mu);
    }
    /* Asked outside a transaction: none is open while nothing is due. */
    uint64_t v[2];
    if (err == CB_OK)
        err = index_reach(c, v);
    if (err != CB_OK || !catch_up_due(quiet, v[0], v[1]))
        return err;
    err = step_begin(c);
    if (err == CB_OK)
        err = step_end(c, index_txids_to(c, quiet, v[0], v[1]));
    return err;
}

static void *indexer_main(void *arg)
{
    txid_indexer *ix = arg;
    pthread_mutex_lock(&ix->mu);
    while (!ix->stopping) {
        if (!ix->due && !ix->quiet) {
            pthread_cond_wait(&ix->wake, &ix->mu);
            continue;
        }
        bool quiet = ix->quiet;
        ix->due = ix->quiet = false;
        ix->busy = true;
        pthread_mutex_unlock(&ix->mu);
        cb_err err = indexer_round(ix, quiet);
        pthread_mutex_lock(&ix->mu);
        ix->busy = false;
        pthread_cond_broadcast(&ix->wake); /* a stop waits for this */
        if (err != CB_OK && !ix->stopping) {
            /* A lost server, a failed or cut statement: the same again
             * in a second (what waits is found by a scan till then). */
            ix->due = true;
            ix->quiet = ix->quiet || quiet;
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            while (!ix->stopping && pthread_cond_timedwait(&ix->wake, &ix->mu, &until) == 0)
                ;
        }
    }
    pthread_mutex_unlock(&ix->mu);
    return NULL;
}

/* Rows were committed (quiet: and the store has nothing more to write):
 * the indexer looks whether a catch-up is due, and does it. */
static void indexer_poke(engine *e, bool quiet)
{
    if (!e->ix)
        return;
    pthread_mutex_lock(&e->ix->mu);
    e->ix->due = true;
    e->ix->quiet = e->ix->quiet || quiet;
    pthread_cond_signal(&e->ix->wake);
    pthread_mutex_unlock(&e->ix->mu);
}

/* Starts the indexer beside e (connected, its database chosen). When no
 * thread can be made, the writes' connection catches the index up.
 * Returns: CB_OK or CB_ERR_NOMEM. */
static cb_err indexer_start(engine *e)
{
    txid_indexer *ix = calloc(1, sizeof *ix);
    if (!ix)
        return CB_ERR_NOMEM;
    engine *c = &ix->conn;
    c->p = e->p;
    memcpy(c->host, e->host, sizeof c->host);
    memcpy(c->user, e->user, sizeof c->user);
    memcpy(c->pass, e->pass, sizeof c->pass);
    memcpy(c->name, e->name, sizeof c->name);
    memcpy(c->socket, e->socket, sizeof c->socket);
    c->port = e->port;
    c->have_db = true; /* no connection yet: its first round makes one */
    pthread_mutex_init(&ix->mu, NULL);
    pthread_cond_init(&ix->wake, NULL);
    if (pthread_create(&ix->thread, NULL, indexer_main, ix) != 0) {
        pthread_cond_destroy(&ix->wake);
        pthread_mutex_destroy(&ix->mu);
        sodium_memzero(c->pass, sizeof c->pass);
        free(ix);
        return CB_OK;
    }
    e->ix = ix;
    return CB_OK;
}

/* Stops the indexer: a catch-up running is cut short on the server (its
 * transaction rolls back; a later one makes it again), so a close never
 * waits on a long catch-up, or on a lock someone else holds. */
static void indexer_stop(engine *e)
{
    txid_indexer *ix = e->ix;
    if (!ix)
        return;
    pthread_mutex_lock(&ix->mu);
    ix->stopping = true;
    pthread_cond_broadcast(&ix->wake);
    /* Killed until it is done: a kill may come between its statements. */
    while (ix->busy) {
        unsigned long id = ix->server_id;
        pthread_mutex_unlock(&ix->mu);
        char sql[48];
        snprintf(sql, sizeof sql, "KILL QUERY %lu", id);
        if (id && (!e->db || mysql_query(e->db, sql) != 0))
            (void)connect_db(e);
        pthread_mutex_lock(&ix->mu);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        if (ix->busy)
            (void)pthread_cond_timedwait(&ix->wake, &ix->mu, &until);
    }
    pthread_mutex_unlock(&ix->mu);
    pthread_join(ix->thread, NULL);
    close_statements(&ix->conn);
    if (ix->conn.db)
        mysql_close(ix->conn.db);
    pthread_cond_destroy(&ix->wake);
    pthread_mutex_destroy(&ix->mu);
    sodium_memzero(ix->conn.pass, sizeof ix->conn.pass);
    free(ix);
    e->ix = NULL;
}

/* Appends a query for the status and height of a txid's row: an open
 * one, an indexed one (the entry believed only when the row has that
 * txid), or one of the rows the index has not reached. */
static cb_err find_tx_query(engine *e, sqlbuf *q, const uint8_t txid[32])
{
    uint64_t after;
    cb_err err = indexed_to(e, &after);
    if (err != CB_OK)
        return err;
    sb_add(q, "SELECT status, height FROM transactions WHERE open_txid = ");
    sb_hex(q, txid, 32);
    sb_add(q, " UNION ALL SELECT t.status, t.height FROM txindex x JOIN transactions t"
              " ON t.seq = x.seq WHERE x.txid = ");
    sb_hex(q, txid, 32);
    sb_add(q, " AND t.txid = ");
    sb_hex(q, txid, 32);
    sb_add(q, " UNION ALL SELECT status, height FROM transactions WHERE seq > ");
    sb_u64(q, after);
    sb_add(q, " AND txid = ");
    sb_hex(q, txid, 32);
    sb_add(q, " LIMIT 1");
    return CB_OK;
}

/* ---- blocks ---- */

/* Stores a block's row. A row already there has its body rewritten when
 * `replace` (a damaged copy fetched again); else (a connect) it is marked
 * active, and a new row goes in active: one write, not an insert and an
 * update. *was_active (connect only; may be NULL) is set when the row was
 * there active already: the block was connected in the store (its row
 * goes active, and inactive, in the same transaction as its payments). */
static cb_err put_block_in(engine *e, const uint8_t hash[32], uint32_t height, const cb_block *b,
                           bool replace, bool *was_active)
{
    unsigned long n = (unsigned long)cb_block_size(b), hash_n = 32, prev_n = 32, merkle_n = 32;
    uint8_t *raw = malloc(n);
    if (!raw)
        return CB_ERR_NOMEM;
    cb_err err = cb_block_serialize(raw, n, b);
    MYSQL_STMT **st = replace ? &e->put_block_again : &e->put_block;
    if (err == CB_OK)
        err = prepared(e, st,
                       replace ? "INSERT INTO blockchain (hash, height, prev_hash, merkle_root,"
                                 " time, bits, nonce, tx_count, version, active, data) VALUES"
                                 " (?,?,?,?,?,?,?,?,?,0,?) ON DUPLICATE KEY UPDATE"
                                 " data = VALUES(data), tx_count = VALUES(tx_count)"
                               : "INSERT INTO blockchain (hash, height, prev_hash, merkle_root,"
                                 " time, bits, nonce, tx_count, version, active, data) VALUES"
                                 " (?,?,?,?,?,?,?,?,?,1,?) ON DUPLICATE KEY UPDATE active = 1");
    if (err == CB_OK) {
        uint8_t h[32], prev[32], merkle[32];
        uint32_t time = b->header.time, bits = b->header.bits, nonce = b->header.nonce;
        uint32_t ntx = (uint32_t)b->ntx, version = (uint32_t)b->header.version;
        memcpy(h, hash, 32);
        memcpy(prev, b->header.prev, 32);
        memcpy(merkle, b->header.merkle, 32);
        MYSQL_BIND v[10];
        memset(v, 0, sizeof v);
        bind_bytes(&v[0], h, &hash_n);
        bind_u32(&v[1], &height);
        bind_bytes(&v[2], prev, &prev_n);
        bind_bytes(&v[3], merkle, &merkle_n);
        bind_u32(&v[4], &time);
        bind_u32(&v[5], &bits);
        bind_u32(&v[6], &nonce);
        bind_u32(&v[7], &ntx);
        bind_u32(&v[8], &version);
        bind_bytes(&v[9], raw, &n);
        err = run_rows(e, *st, v, 10, 0, 1);
        /* Affected rows: 1 inserted, 2 made active, 0 active already. */
        if (err == CB_OK && was_active)
            *was_active = mysql_stmt_affected_rows(*st) == 0;
    }
    free(raw);
    return err;
}

static cb_err mysql_put_block(void *h, const uint8_t hash[32], uint32_t height, const cb_block *b)
{
    engine *e = h;
    if (!e->batch)
        return put_block_in(e, hash, height, b, true, NULL);
    cb_err err = step_begin(e);
    return err == CB_OK ? step_end(e, put_block_in(e, hash, height, b, true, NULL)) : err;
}

static void address_of(engine *e, char out[CB_ADDRESS_MAX], const uint8_t id[20])
{
    cb_address_cache_text(&e->addresses, out, id);
}

/* Wallet rows on their way: upserts (bound rows of one prepared
 * statement) and deletes (a list of hash160s). */
typedef struct {
    uint8_t id[20];
    char address[CB_ADDRESS_MAX];
    unsigned long id_n, address_n;
    uint64_t balance, nonce;
} wallet_rec;

typedef struct {
    wallet_rec *up;
    size_t n, cap;
    sqlbuf del;
} wallet_writes;

/* Adds one account's row to the upserts, or its hash160 to the deletes
 * (a zero account has no row, as in memory). */
static cb_err wallet_row(engine *e, wallet_writes *w, const uint8_t id[20], const cb_account *a)
{
    if (a->balance == 0 && a->nonce == 0) {
        sb_add(&w->del, w->del.n ? "," : "DELETE FROM wallet WHERE hash160 IN (");
        sb_hex(&w->del, id, 20);
        return w->del.oom ? CB_ERR_NOMEM : CB_OK;
    }
    if (cb_grow(&w->up, &w->cap, w->n + 1, sizeof *w->up, 64) != CB_OK)
        return CB_ERR_NOMEM;
    wallet_rec *r = &w->up[w->n++];
    memcpy(r->id, id, 20);
    r->id_n = 20;
    address_of(e, r->address, id);
    r->address_n = (unsigned long)strlen(r->address);
    r->balance = a->balance;
    r->nonce = a->nonce;
    return CB_OK;
}

static cb_err flush_wallet(engine *e, wallet_writes *w)
{
    cb_err err = CB_OK;
    if (w->n) {
        err = prepared(e, &e->put_wallet,
                       "REPLACE INTO wallet (hash160, address, balance, nonce) VALUES (?,?,?,?)");
        MYSQL_BIND b[4];
        memset(b, 0, sizeof b);
        bind_bytes(&b[0], w->up[0].id, &w->up[0].id_n);
        bind_text(&b[1], w->up[0].address, &w->up[0].address_n);
        bind_u64(&b[2], &w->up[0].balance);
        bind_u64(&b[3], &w->up[0].nonce);
        if (err == CB_OK)
            err = run_rows(e, e->put_wallet, b, 4, sizeof *w->up, w->n);
    }
    if (err == CB_OK && w->del.n) {
        sb_add(&w->del, ")");
        err = run(e, &w->del);
    }
    w->n = 0;
    sb_reset(&w->del);
    return err;
}

/* Flushes when enough is waiting. */
static cb_err wallet_maybe_flush(engine *e, wallet_writes *w)
{
    return w->n >= ROWS_A_RUN || w->del.n > (4u << 20) ? flush_wallet(e, w) : CB_OK;
}

static void wallet_writes_free(wallet_writes *w)
{
    free(w->up);
    sb_free(&w->del);
}

/* Notes an account's value for the batch's end, over any value an
 * earlier step of the batch gave it. Returns: CB_OK or CB_ERR_NOMEM. */
static cb_err batch_note(engine *e, const uint8_t id[20], const cb_account *a)
{
    uint32_t at;
    if (!e->batch_at) {
        uint64_t seed;
        randombytes_buf(&seed, sizeof seed);
        if (!(e->batch_at = cb_keymap_new(20, seed)))
            return CB_ERR_NOMEM;
    }
    if (cb_keymap_get(e->batch_at, id, &at)) {
        e->batch_accts[at].a = *a;
        return CB_OK;
    }
    if (e->batch_n >= UINT32_MAX ||
        cb_grow(&e->batch_accts, &e->batch_cap, e->batch_n + 1, sizeof *e->batch_accts, 256) !=
            CB_OK ||
        cb_keymap_put(e->batch_at, id, (uint32_t)e->batch_n) != CB_OK)
        return CB_ERR_NOMEM;
    memcpy(e->batch_accts[e->batch_n].id, id, 20);
    e->batch_accts[e->batch_n++].a = *a;
    return CB_OK;
}

/* Forgets the batch's accounts (written, superseded or rolled back). */
static void batch_forget(engine *e)
{
    for (size_t i = 0; i < e->batch_n; i++)
        (void)cb_keymap_remove(e->batch_at, e->batch_accts[i].id);
    e->batch_n = 0;
    e->batch_tip = false;
    e->batch_open_known = false;
}

/* Writes the batch's accounts, each once, and forgets them. */
static cb_err batch_write_accounts(engine *e)
{
    wallet_writes w = {0};
    cb_err err = CB_OK;
    for (size_t i = 0; err == CB_OK && i < e->batch_n; i++) {
        err = wallet_row(e, &w, e->batch_accts[i].id, &e->batch_accts[i].a);
        if (err == CB_OK)
            err = wallet_maybe_flush(e, &w);
    }
    if (err == CB_OK)
        err = flush_wallet(e, &w);
    if (err == CB_ERR_NOMEM)
        snprintf(e->err, sizeof e->err, "out of memory");
    wallet_writes_free(&w);
    batch_forget(e);
    return err;
}

/* Writes, once per account the journal names, its value after the block
 * (state) or before it (state NULL: the block undone); inside a batch,
 * notes it for the batch's end. */
static cb_err write_journal_accounts(engine *e, const cb_undo *undo, const cb_accounts *state)
{
    wallet_writes w = {0};
    cb_keymap *seen = cb_keymap_new(20, 0);
    cb_err err = seen ? CB_OK : CB_ERR_NOMEM;
    for (size_t i = 0; err == CB_OK && i < undo->n; i++) {
        uint32_t dummy;
        cb_account a;
        if (cb_keymap_get(seen, undo->entries[i].id, &dummy))
            continue;
        err = cb_keymap_put(seen, undo->entries[i].id, 0);
        /* After the block: the state's value; undoing it: the first entry's
         * value before the block. */
        if (state)
            cb_accounts_get(state, undo->entries[i].id, &a);
        else
            a = undo->entries[i].before;
        if (err == CB_OK && e->batch)
            err = batch_note(e, undo->entries[i].id, &a);
        else if (err == CB_OK)
            err = wallet_row(e, &w, undo->entries[i].id, &a);
        if (err == CB_OK)
            err = wallet_maybe_flush(e, &w);
    }
    if (err == CB_OK)
        err = flush_wallet(e, &w);
    cb_keymap_free(seen);
    wallet_writes_free(&w);
    return err;
}

/* Appends a transaction's columns (txid, sender, recipient, amount, fee,
 * nonce, time, signature), comma-separated, as the pending insert lists
 * them. */
static void tx_columns(engine *e, sqlbuf *q, const cb_tx *t)
{
    uint8_t id[32];
    char from[CB_ADDRESS_MAX], to[CB_ADDRESS_MAX];
    cb_tx_txid(id, t);
    if (cb_tx_is_coinbase(t)) {
        snprintf(from, sizeof from, "coinbase");
    } else {
        cb_address_cache_sender(&e->addresses, from, t->sender);
    }
    address_of(e, to, t->recipient);
    sb_hex(q, id, 32);
    sb_add(q, ",");
    sb_str(e, q, from);
    sb_add(q, ",");
    sb_str(e, q, to);
    sb_add(q, ",");
    sb_u64(q, t->amount);
    sb_add(q, ",");
    sb_u64(q, t->fee);
    sb_add(q, ",");
    sb_u64(q, t->nonce);
    sb_add(q, ",");
    sb_u64(q, t->time);
    sb_add(q, ",");
    sb_hex(q, t->sig, 64);
}

/* A confirmed payment's row, bound to the prepared insert. */
typedef struct {
    uint8_t txid[32], sig[64], block[32], raw[CB_TX_SIZE];
    char from[CB_ADDRESS_MAX], to[CB_ADDRESS_MAX];
    unsigned long txid_n, sig_n, block_n, raw_n, from_n, to_n;
    uint64_t amount, fee, nonce, time;
    uint32_t height, position;
} tx_rec;

static void tx_rec_fill(engine *e, tx_rec *r, const cb_tx *t, const uint8_t id[32],
                        const uint8_t hash[32], uint32_t height, uint32_t position)
{
    memcpy(r->txid, id, 32);
    memcpy(r->sig, t->sig, 64);
    memcpy(r->block, hash, 32);
    cb_tx_serialize(r->raw, t);
    r->txid_n = 32, r->sig_n = 64, r->block_n = 32, r->raw_n = CB_TX_SIZE;
    if (cb_tx_is_coinbase(t))
        snprintf(r->from, sizeof r->from, "coinbase");
    else
        cb_address_cache_sender(&e->addresses, r->from, t->sender);
    address_of(e, r->to, t->recipient);
    r->from_n = (unsigned long)strlen(r->from);
    r->to_n = (unsigned long)strlen(r->to);
    r->amount = t->amount, r->fee = t->fee, r->nonce = t->nonce, r->time = t->time;
    r->height = height, r->position = position;
}

static cb_err put_tx_rows(engine *e, tx_rec *rows, size_t n)
{
    if (!n)
        return CB_OK;
    cb_err err = prepared(e, &e->put_tx,
                          "INSERT INTO transactions (txid, sender, recipient, amount, fee, nonce,"
                          " time, signature, status, block_hash, height, position, raw) VALUES"
                          " (?,?,?,?,?,?,?,?,'confirmed',?,?,?,?)");
    if (err != CB_OK)
        return err;
    MYSQL_BIND b[12];
    memset(b, 0, sizeof b);
    bind_bytes(&b[0], rows->txid, &rows->txid_n);
    bind_text(&b[1], rows->from, &rows->from_n);
    bind_text(&b[2], rows->to, &rows->to_n);
    bind_u64(&b[3], &rows->amount);
    bind_u64(&b[4], &rows->fee);
    bind_u64(&b[5], &rows->nonce);
    bind_u64(&b[6], &rows->time);
    bind_bytes(&b[7], rows->sig, &rows->sig_n);
    bind_bytes(&b[8], rows->block, &rows->block_n);
    bind_u32(&b[9], &rows->height);
    bind_u32(&b[10], &rows->position);
    bind_bytes(&b[11], rows->raw, &rows->raw_n);
    return run_rows(e, e->put_tx, b, 12, sizeof *rows, n);
}

/* The block's payments already open (pending, or rejected) in *open,
 * their position the value: looked for only when any row is open. */
static cb_err open_rows_of(engine *e, const cb_block *b, cb_keymap *open)
{
    sqlbuf q = {0};
    cb_err err;
    sb_add(&q, "SELECT open_txid FROM transactions WHERE open_txid IN (");
    for (size_t i = 0; i < b->ntx; i++) {
        uint8_t id[32];
        cb_tx_txid(id, &b->txs[i]);
        sb_add(&q, i ? "," : "");
        sb_hex(&q, id, 32);
    }
    sb_add(&q, ")");
    MYSQL_RES *res = select_rows(e, &q, &err);
    sb_free(&q);
    if (!res)
        return err;
    MYSQL_ROW row;
    while (err == CB_OK && (row = mysql_fetch_row(res)) != NULL) {
        unsigned long *lens = mysql_fetch_lengths(res);
        if (row[0] && lens[0] == 32)
            err = cb_keymap_put(open, (const uint8_t *)row[0], 0);
    }
    mysql_free_result(res);
    return err;
}

/* The block's payments, confirmed: an open row is updated in place, the
 * others go at the table's end, in one bulk insert; then the txid index
 * catches up when enough rows wait. Run again after a lost commit reply,
 * the caller finds the block's row active and does not call this. */
static cb_err confirm_txs(engine *e, const uint8_t hash[32], uint32_t height, const cb_block *b)
{
    sqlbuf q = {0};
    /* Any row is open; how far the index reaches; the last row (a batch
     * asks the first once, and catches its index up at its end). */
    uint64_t v[3] = {0};
    bool found[3];
    cb_err err = CB_OK;
    if (e->batch && e->batch_open_known) {
        v[0] = e->batch_open;
    } else {
        sb_add(&q, "SELECT EXISTS (SELECT 1 FROM transactions WHERE open_txid IS NOT NULL),"
                   " (SELECT value FROM meta WHERE `key` = 'txindex_seq'),"
                   " (SELECT MAX(seq) FROM transactions)");
        err = select_numbers(e, &q, 3, v, found);
        e->batch_open_known = err == CB_OK && e->batch;
        e->batch_open = v[0] != 0;
    }
    bool any_open = v[0] != 0;
    uint64_t seed;
    randombytes_buf(&seed, sizeof seed); /* txids a peer chose must not collide */
    cb_keymap *open = cb_keymap_new(32, seed);
    if (err == CB_OK && !open)
        err = CB_ERR_NOMEM;
    if (err == CB_OK && any_open)
        err = open_rows_of(e, b, open);
    tx_rec *rows = NULL;
    size_t n = 0;
    if (err == CB_OK && b->ntx && cb_resize(&rows, b->ntx, sizeof *rows) != CB_OK)
        err = CB_ERR_NOMEM;
    for (size_t i = 0; err == CB_OK && i < b->ntx; i++) {
        const cb_tx *t = &b->txs[i];
        uint8_t id[32];
        uint32_t unused;
        cb_tx_txid(id, t);
        if (cb_keymap_get(open, id, &unused)) {
            sqlbuf up = {0};
            sb_add(&up, "UPDATE transactions SET status = 'confirmed', reason = NULL,"
                        " block_hash = ");
            sb_hex(&up, hash, 32);
            sb_add(&up, ", height = ");
            sb_u64(&up, height);
            sb_add(&up, ", position = ");
            sb_u64(&up, i);
            sb_add(&up, " WHERE open_txid = ");
            sb_hex(&up, id, 32);
            err = run(e, &up);
            sb_free(&up);
        } else {
            tx_rec_fill(e, &rows[n++], t, id, hash, height, (uint32_t)i);
        }
    }
    if (err == CB_OK)
        err = put_tx_rows(e, rows, n);
    /* The last row is now at least v[2] + n: the index may be told it
     * reaches there (the rows past it, if any, are scanned for). A batch
     * catches its index up once, at its end. */
    if (err == CB_OK && !e->batch && !e->ix)
        err = index_txids_to(e, false, v[1], v[2] + n);
    free(rows);
    cb_keymap_free(open);
    sb_free(&q);
    return err;
}

static cb_err mysql_connect_block(void *h, const uint8_t hash[32], uint32_t height,
                                  const cb_block *b, const cb_undo *undo, const cb_accounts *state)
{
    engine *e = h;
    uint8_t *raw = NULL;
    size_t len = 0;
    bool done = false;
    cb_err err = step_begin(e);
    if (err == CB_OK)
        err = put_block_in(e, hash, height, b, false, &done);
    if (err == CB_OK)
        err = cb_undo_serialize(undo, &raw, &len);
    if (err == CB_OK)
        err = prepared(e, &e->put_undo, "REPLACE INTO `undo` (block_hash, data) VALUES (?,?)");
    if (err == CB_OK) {
        uint8_t key[32];
        unsigned long key_n = 32, raw_n = (unsigned long)len;
        memcpy(key, hash, 32);
        MYSQL_BIND v[2];
        memset(v, 0, sizeof v);
        bind_bytes(&v[0], key, &key_n);
        bind_bytes(&v[1], raw, &raw_n);
        err = run_rows(e, e->put_undo, v, 2, 0, 1);
    }
    if (err == CB_OK)
        err = write_journal_accounts(e, undo, state);
    if (err == CB_OK && !done)
        err = confirm_txs(e, hash, height, b);
    if (err == CB_OK)
        err = set_tip(e, hash, height);
    err = step_end(e, err);
    if (err == CB_OK && !e->batch)
        indexer_poke(e, false);
    free(raw);
    return err;
}

/* Reads a block's undo journal. Returns: CB_OK, CB_ERR_NOT_FOUND or an error. */
static cb_err read_undo(engine *e, const uint8_t hash[32], cb_undo *undo)
{
    sqlbuf q = {0};
    cb_err err;
    sb_add(&q, "SELECT data FROM `undo` WHERE block_hash = ");
    sb_hex(&q, hash, 32);
    sb_add(&q, " FOR UPDATE");
    MYSQL_RES *res = select_rows(e, &q, &err);
    sb_free(&q);
    if (!res)
        return err;
    MYSQL_ROW row = mysql_fetch_row(res);
    unsigned long *lens = row ? mysql_fetch_lengths(res) : NULL;
    if (!row || !row[0])
        err = CB_ERR_NOT_FOUND;
    else
        err = cb_undo_parse(undo, (const uint8_t *)row[0], lens[0]);
    mysql_free_result(res);
    return err;
}

static cb_err mysql_reset_chain(void *h)
{
    engine *e = h;
    static const char *const steps[] = {
        "DELETE FROM `undo`",
        "UPDATE blockchain SET active = 0 WHERE active = 1",
        ("UPDATE transactions SET status = IF(sender = 'coinbase', 'rejected', 'pending'),"
         " block_hash = NULL, height = NULL, position = NULL WHERE status = 'confirmed'"),
        "DELETE FROM meta WHERE `key` IN ('tip_hash', 'tip_height')",
    };
    cb_err err = step_begin(e);
    if (err != CB_OK)
        return err;
    for (size_t i = 0; err == CB_OK && i < sizeof steps / sizeof steps[0]; i++)
        err = exec(e, steps[i]);
    return step_end(e, err);
}

static cb_err mysql_get_undo(void *h, const uint8_t hash[32], cb_undo *out)
{
    return read_undo(h, hash, out);
}

/* Run again after a lost connection, a disconnect whose commit went
 * through is found done: no journal, and the tip already at its parent,
 * or (a batch run again write by write, later writes there too) the
 * block no longer active. */
static cb_err disconnect_done(engine *e, const uint8_t hash[32], const cb_block *b)
{
    char hex[65], tip[80];
    bool found;
    cb_hash_to_hex(hex, b->header.prev);
    if (mysql_get_meta(e, "tip_hash", tip, sizeof tip, &found) == CB_OK && found &&
        strcmp(tip, hex) == 0)
        return CB_OK;
    sqlbuf q = {0};
    uint64_t active = 1;
    sb_add(&q, "SELECT active FROM blockchain WHERE hash = ");
    sb_hex(&q, hash, 32);
    cb_err err = select_u64(e, &q, &active, &found);
    sb_free(&q);
    if (err != CB_OK)
        return err;
    return found && active == 0 ? CB_OK : CB_ERR_NOT_FOUND;
}

static cb_err mysql_disconnect_block(void *h, const uint8_t hash[32], const cb_block *b)
{
    engine *e = h;
    sqlbuf q = {0};
    cb_undo undo;
    cb_undo_init(&undo);
    cb_err err = step_begin(e);
    if (err == CB_OK)
        err = read_undo(e, hash, &undo);
    if (err == CB_ERR_NOT_FOUND) {
        (void)step_end(e, CB_ERR_NOT_FOUND);
        cb_undo_clear(&undo);
        return disconnect_done(e, hash, b);
    }
    if (err == CB_OK)
        err = write_journal_accounts(e, &undo, NULL);
    if (err == CB_OK) {
        sb_add(&q, "DELETE FROM `undo` WHERE block_hash = ");
        sb_hex(&q, hash, 32);
        err = run(e, &q);
    }
    if (err == CB_OK) {
        sb_reset(&q);
        sb_add(&q, "UPDATE blockchain SET active = 0 WHERE hash = ");
        sb_hex(&q, hash, 32);
        err = run(e, &q);
    }
    /* The coinbase disappears with its block; payments wait again (open
     * rows: a batch's next connect asks for them). */
    e->batch_open_known = false;
    if (err == CB_OK) {
        sb_reset(&q);
        sb_add(&q, "UPDATE transactions SET status = IF(sender = 'coinbase', 'rejected',"
                   " 'pending'), block_hash = NULL, height = NULL, position = NULL"
                   " WHERE block_hash = ");
        sb_hex(&q, hash, 32);
        err = run(e, &q);
    }
    if (err == CB_OK) {
        sb_reset(&q);
        sb_add(&q, "SELECT height FROM blockchain WHERE hash = ");
        sb_hex(&q, b->header.prev, 32);
        MYSQL_RES *res = select_rows(e, &q, &err);
        uint64_t height = 0;
        if (res) {
            MYSQL_ROW row = mysql_fetch_row(res);
            if (row && !col_u64(row[0], &height))
                height = 0;
            mysql_free_result(res);
        }
        if (err == CB_OK)
            err = set_tip(e, b->header.prev, (uint32_t)height);
    }
    err = step_end(e, err);
    sb_free(&q);
    cb_undo_clear(&undo);
    return err;
}

/* Pages of 64 blocks in (height, seq) order: memory stays bounded, fn may
 * use the store between pages, and a walk run again after a lost
 * connection resumes after the last block it handed out (the cursor). */
static cb_err mysql_foreach_block(void *h, cb_store_cursor *w, cb_store_block_fn fn, void *ctx)
{
    engine *e = h;
    for (;;) {
        sqlbuf q = {0};
        cb_err err;
        sb_add(&q, "SELECT height, seq, data FROM blockchain");
        if (w->started) {
            sb_add(&q, " WHERE height > ");
            sb_u64(&q, w->a);
            sb_add(&q, " OR (height = ");
            sb_u64(&q, w->a);
            sb_add(&q, " AND seq > ");
            sb_u64(&q, w->b);
            sb_add(&q, ")");
        }
        sb_add(&q, " ORDER BY height, seq LIMIT 64");
        MYSQL_RES *res = select_rows(e, &q, &err);
        sb_free(&q);
        if (!res)
            return err;
        size_t rows = 0;
        MYSQL_ROW row;
        while (err == CB_OK && (row = mysql_fetch_row(res)) != NULL) {
            unsigned long *lens = mysql_fetch_lengths(res);
            cb_block b;
            uint64_t height, seq;
            rows++;
            if (!col_u64(row[0], &height) || !col_u64(row[1], &seq) || !row[2]) {
                snprintf(e->err, sizeof e->err, "a blockchain row is malformed");
                err = CB_ERR_STORE;
                break;
            }
            w->a = height;
            w->b = seq;
            w->started = true;
            err = cb_block_parse(&b, (const uint8_t *)row[2], lens[2]);
            if (err != CB_OK) {
                snprintf(e->err, sizeof e->err, "a stored block does not parse: %s",
                         cb_strerror(err));
                break;
            }
            err = fn(ctx, &b);
            cb_block_clear(&b);
        }
        mysql_free_result(res);
        if (err != CB_OK || rows < 64)
            return err;
    }
}

static bool col_u32(const char *s, uint32_t *out)
{
    uint64_t v;
    if (!col_u64(s, &v) || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool col_hash(const char *s, unsigned long len, uint8_t out[32])
{
    if (!s || len != 32)
        return false;
    memcpy(out, s, 32);
    return true;
}

/* Pages of 4,096 rows, resumed as mysql_foreach_block's are. */
static cb_err mysql_foreach_header(void *h, cb_store_cursor *w, cb_store_header_fn fn, void *ctx)
{
    engine *e = h;
    enum { PAGE = 4096 };
    for (;;) {
        sqlbuf q = {0};
        cb_err err;
        sb_add(&q, "SELECT hash, height, prev_hash, merkle_root, time, bits, nonce, tx_count,"
                   " version, seq"
                   " FROM blockchain");
        if (w->started) {
            sb_add(&q, " WHERE height > ");
            sb_u64(&q, w->a);
            sb_add(&q, " OR (height = ");
            sb_u64(&q, w->a);
            sb_add(&q, " AND seq > ");
            sb_u64(&q, w->b);
            sb_add(&q, ")");
        }
        sb_add(&q, " ORDER BY height, seq LIMIT 4096");
        MYSQL_RES *res = select_rows(e, &q, &err);
        sb_free(&q);
        if (!res)
            return err;
        size_t rows = 0;
        MYSQL_ROW row;
        while (err == CB_OK && (row = mysql_fetch_row(res)) != NULL) {
            unsigned long *lens = mysql_fetch_lengths(res);
            cb_stored_header r;
            cb_header *hd = &r.header;
            uint64_t seq;
            rows++;
            if (!col_hash(row[0], lens[0], r.hash) || !col_u32(row[1], &r.height) ||
                !col_hash(row[2], lens[2], hd->prev) || !col_hash(row[3], lens[3], hd->merkle) ||
                !col_u32(row[4], &hd->time) || !col_u32(row[5], &hd->bits) ||
                !col_u32(row[6], &hd->nonce) || !col_u32(row[7], &r.ntx) ||
                !col_u32(row[8], &hd->version) || !col_u64(row[9], &seq)) {
                snprintf(e->err, sizeof e->err, "a blockchain row is malformed");
                err = CB_ERR_STORE;
                break;
            }
            w->a = r.height;
            w->b = seq;
            w->started = true;
            err = fn(ctx, &r);
        }
        mysql_free_result(res);
        if (err != CB_OK || rows < PAGE)
            return err;
    }
}

static cb_err mysql_mark_invalid(void *h, const uint8_t hash[32], const char *reason)
{
    engine *e = h;
    char text[65];
    snprintf(text, sizeof text, "%s", reason);
    sqlbuf q = {0};
    sb_add(&q, "REPLACE INTO invalid (block_hash, reason) VALUES (");
    sb_hex(&q, hash, 32);
    sb_add(&q, ",");
    sb_str(e, &q, text);
    sb_add(&q, ")");
    cb_err err = run(e, &q);
    sb_free(&q);
    return err;
}

static cb_err mysql_foreach_invalid(void *h, cb_store_hash_fn fn, void *ctx)
{
    engine *e = h;
    sqlbuf q = {0};
    cb_err err;
    sb_add(&q, "SELECT block_hash FROM invalid");
    MYSQL_RES *res = select_rows(e, &q, &err);
    sb_free(&q);
    if (!res)
        return err;
    MYSQL_ROW row;
    while (err == CB_OK && (row = mysql_fetch_row(res)) != NULL) {
        unsigned long *lens = mysql_fetch_lengths(res);
        uint8_t hash[32];
        if (!col_hash(row[0], lens[0], hash)) {
            snprintf(e->err, sizeof e->err, "an invalid row is malformed");
            err = CB_ERR_STORE;
            break;
        }
        err = fn(ctx, hash);
    }
    mysql_free_result(res);
    return err;
}

static cb_err mysql_get_block(void *h, const uint8_t hash[32], cb_block *out)
{
    engine *e = h;
    sqlbuf q = {0};
    cb_err err;
    sb_add(&q, "SELECT data FROM blockchain WHERE hash = ");
    sb_hex(&q, hash, 32);
    MYSQL_RES *res = select_rows(e, &q, &err);
    sb_free(&q);
    if (!res)
        return err;
    MYSQL_ROW row = mysql_fetch_row(res);
    unsigned long *lens = row ? mysql_fetch_lengths(res) : NULL;
    if (!row || !row[0]) {
        err = CB_ERR_NOT_FOUND;
    } else {
        err = cb_block_parse(out, (const uint8_t *)row[0], lens[0]);
        if (err != CB_OK)
            snprintf(e->err, sizeof e->err, "a stored block does not parse: %s", cb_strerror(err));
    }
    mysql_free_result(res);
    return err;
}

static cb_err mysql_tip(void *h, uint8_t hash[32], uint32_t *height)
{
    engine *e = h;
    char hex[80], hs[16];
    bool f1 = false, f2 = false;
    cb_err err = mysql_get_meta(e, "tip_hash", hex, sizeof hex, &f1);
    if (err == CB_OK)
        err = mysql_get_meta(e, "tip_height", hs, sizeof hs, &f2);
    if (err != CB_OK)
        return err;
    if (!f1 || !f2)
        return CB_ERR_NOT_FOUND;
    uint64_t v;
    if (cb_hash_from_hex(hash, hex) != CB_OK || !col_u64(hs, &v) || v > UINT32_MAX) {
        snprintf(e->err, sizeof e->err, "the recorded tip is malformed");
        return CB_ERR_STORE;
    }
    *height = (uint32_t)v;
    return CB_OK;
}

/* ---- accounts ---- */

static cb_err mysql_get_account(void *h, const uint8_t id[20], cb_account *out)
{
    engine *e = h;
    sqlbuf q = {0};
    cb_err err;
    uint32_t at;
    memset(out, 0, sizeof *out);
    if (e->batch_at && cb_keymap_get(e->batch_at, id, &at)) {
        *out = e->batch_accts[at].a; /* the batch's own write, not yet in the table */
        return CB_OK;
    }
    sb_add(&q, "SELECT balance, nonce FROM wallet WHERE hash160 = ");
    sb_hex(&q, id, 20);
    MYSQL_RES *res = select_rows(e, &q, &err);
    sb_free(&q);
    if (!res)
        return err;
    MYSQL_ROW row = mysql_fetch_row(res);
    if (row && (!col_u64(row[0], &out->balance) || !col_u64(row[1], &out->nonce))) {
        snprintf(e->err, sizeof e->err, "a wallet row is malformed");
        err = CB_ERR_STORE;
    }
    mysql_free_result(res);
    return err;
}

static cb_err mysql_load_accounts(void *h, cb_accounts *out)
{
    engine *e = h;
    sqlbuf q = {0};
    cb_err err;
    sb_add(&q, "SELECT hash160, balance, nonce FROM wallet");
    MYSQL_RES *res = select_rows(e, &q, &err);
    sb_free(&q);
    if (!res)
        return err;
    MYSQL_ROW row;
    while (err == CB_OK && (row = mysql_fetch_row(res)) != NULL) {
        unsigned long *lens = mysql_fetch_lengths(res);
        cb_account acct;
        if (!row[0] || lens[0] != 20 || !col_u64(row[1], &acct.balance) ||
            !col_u64(row[2], &acct.nonce)) {
            snprintf(e->err, sizeof e->err, "a wallet row is malformed");
            err = CB_ERR_STORE;
            break;
        }
        err = cb_accounts_set(out, (const uint8_t *)row[0], &acct);
    }
    mysql_free_result(res);
    /* Over the table, the batch's own writes not yet in it. */
    for (size_t i = 0; err == CB_OK && i < e->batch_n; i++)
        err = cb_accounts_set(out, e->batch_accts[i].id, &e->batch_accts[i].a);
    return err;
}

static cb_err mysql_replace_accounts(void *h, const cb_accounts *state)
{
    engine *e = h;
    wallet_writes w = {0};
    cb_err err = step_begin(e);
    batch_forget(e); /* what the batch gave accounts before, replaced whole */
    if (err == CB_OK)
        err = exec(e, "DELETE FROM wallet");
    size_t pos = 0;
    uint8_t id[20];
    cb_account acct;
    while (err == CB_OK && cb_accounts_next(state, &pos, id, &acct)) {
        err = wallet_row(e, &w, id, &acct);
        if (err == CB_OK)
            err = wallet_maybe_flush(e, &w);
    }
    if (err == CB_OK)
        err = flush_wallet(e, &w);
    err = step_end(e, err);
    wallet_writes_free(&w);
    return err;
}

/* ---- transactions ---- */

/* A txid's row: its status text and height. Returns: CB_OK (*found
 * false when there is none) or an error. */
static cb_err find_tx(engine *e, const uint8_t txid[32], char status[16], uint32_t *height,
                      bool *found)
{
    sqlbuf q = {0};
    cb_err err = find_tx_query(e, &q, txid);
    MYSQL_RES *res = err == CB_OK ? select_rows(e, &q, &err) : NULL;
    sb_free(&q);
    *found = false;
    *height = 0;
    status[0] = '\0';
    if (!res)
        return err;
    MYSQL_ROW row = mysql_fetch_row(res);
    if (row) {
        uint64_t hgt;
        unsigned long *lens = mysql_fetch_lengths(res);
        *found = true;
        if (!row[0] || !col_text(status, 16, row[0], lens[0]))
            status[0] = '\0';
        *height = col_u64(row[1], &hgt) && hgt <= UINT32_MAX ? (uint32_t)hgt : 0;
    }
    mysql_free_result(res);
    return CB_OK;
}

static cb_err mysql_put_pending_tx(void *h, const cb_tx *tx, int64_t now)
{
    engine *e = h;
    uint8_t raw[CB_TX_SIZE], id[32];
    char status[16];
    uint32_t height;
    bool found;
    cb_tx_txid(id, tx);
    /* A confirmed one stays as it is; one seen before and not confirmed
     * (rejected, or back from a block) is pending again. */
    cb_err err = find_tx(e, id, status, &height, &found);
    if (err != CB_OK || (found && strcmp(status, "confirmed") == 0))
        return err;
    cb_tx_serialize(raw, tx);
    sqlbuf q = {0};
    sb_add(&q, "INSERT INTO transactions (txid, sender, recipient, amount, fee, nonce, time,"
               " signature, status, seen, raw) VALUES (");
    tx_columns(e, &q, tx);
    sb_add(&q, ",'pending',");
    sb_i64(&q, now);
    sb_add(&q, ",");
    sb_hex(&q, raw, CB_TX_SIZE);
    sb_add(&q, ") ON DUPLICATE KEY UPDATE reason = NULL, status = 'pending'");
    err = run(e, &q);
    sb_free(&q);
    return err;
}

static cb_err mysql_reject_tx(void *h, const uint8_t txid[32], const char *reason)
{
    engine *e = h;
    sqlbuf q = {0};
    sb_add(&q, "UPDATE transactions SET status = 'rejected', reason = ");
    sb_str(e, &q, reason);
    sb_add(&q, " WHERE status = 'pending' AND open_txid = ");
    sb_hex(&q, txid, 32);
    cb_err err = run(e, &q);
    sb_free(&q);
    return err;
}

static cb_tx_status parse_status(const char *s)
{
    if (s && strcmp(s, "pending") == 0)
        return CB_TX_PENDING;
    if (s && strcmp(s, "confirmed") == 0)
        return CB_TX_CONFIRMED;
    if (s && strcmp(s, "rejected") == 0)
        return CB_TX_REJECTED;
    return CB_TX_UNKNOWN;
}

static cb_err mysql_tx_status(void *h, const uint8_t txid[32], cb_tx_status *status,
                              uint32_t *height)
{
    char text[16];
    bool found;
    cb_err err = find_tx(h, txid, text, height, &found);
    *status = err == CB_OK && found ? parse_status(text) : CB_TX_UNKNOWN;
    if (*status == CB_TX_UNKNOWN)
        *height = 0;
    return err;
}

static cb_err mysql_list_txs(void *h, const char *address, cb_tx_record *out, size_t max, size_t *n)
{
    engine *e = h;
    sqlbuf q = {0};
    cb_err err;
    *n = 0;
    for (const char *c = address; *c; c++)
        if ((unsigned char)*c > 0x7f)
            return CB_OK; /* not ASCII: no address's, and the column holds none */
    sb_add(&q, "SELECT txid, sender, recipient, amount, fee, nonce, time, status, height,"
               " reason FROM transactions WHERE sender = ");
    sb_str(e, &q, address);
    sb_add(&q, " OR recipient = ");
    sb_str(e, &q, address);
    sb_add(&q, " ORDER BY height IS NOT NULL, height DESC, seq DESC LIMIT ");
    sb_u64(&q, max);
    MYSQL_RES *res = select_rows(e, &q, &err);
    sb_free(&q);
    if (!res)
        return err;
    MYSQL_ROW row;
    while (*n < max && (row = mysql_fetch_row(res)) != NULL) {
        unsigned long *lens = mysql_fetch_lengths(res);
        cb_tx_record *r = &out[*n];
        uint64_t hgt = 0;
        memset(r, 0, sizeof *r);
        if (!row[0] || lens[0] != 32 || !col_text(r->sender, sizeof r->sender, row[1], lens[1]) ||
            !col_text(r->recipient, sizeof r->recipient, row[2], lens[2]) ||
            !col_u64(row[3], &r->amount) || !col_u64(row[4], &r->fee) ||
            !col_u64(row[5], &r->nonce) || !col_i64(row[6], &r->time) ||
            parse_status(row[7]) == CB_TX_UNKNOWN)
            continue; /* not a row of ours: skipped, not trusted */
        memcpy(r->txid, row[0], 32);
        r->status = parse_status(row[7]);
        r->height = col_u64(row[8], &hgt) && hgt <= UINT32_MAX ? (uint32_t)hgt : 0;
        if (row[9])
            (void)col_text(r->reason, sizeof r->reason, row[9], lens[9]);
        (*n)++;
    }
    mysql_free_result(res);
    return CB_OK;
}

/* ---- users and peers ---- */

static cb_err write_user(engine *e, const cb_user_record *u, bool replace)
{
    char addr[CB_ADDRESS_MAX];
    if (u->enc_len > sizeof u->enc_key || cb_address_from_pubkey(e->p, addr, u->pubkey) != CB_OK)
        return CB_ERR_ARG;
    sqlbuf q = {0};
    if (replace) {
        sb_add(&q, "UPDATE users SET pubkey = ");
        sb_hex(&q, u->pubkey, 33);
        sb_add(&q, ", address = ");
        sb_str(e, &q, addr);
        sb_add(&q, ", enc_privkey = ");
        sb_hex(&q, u->enc_key, u->enc_len);
        sb_add(&q, " WHERE username = ");
        sb_str(e, &q, u->username);
    } else {
        sb_add(&q, "INSERT INTO users (username, name, email, password_hash, pubkey, address,"
                   " enc_privkey, created) VALUES (");
        sb_str(e, &q, u->username);
        sb_add(&q, ",");
        sb_str(e, &q, u->name);
        sb_add(&q, ",");
        sb_str(e, &q, u->email);
        sb_add(&q, ",");
        sb_str(e, &q, u->pwhash);
        sb_add(&q, ",");
        sb_hex(&q, u->pubkey, 33);
        sb_add(&q, ",");
        sb_str(e, &q, addr);
        sb_add(&q, ",");
        sb_hex(&q, u->enc_key, u->enc_len);
        sb_add(&q, ",");
        sb_i64(&q, u->created);
        sb_add(&q, ")");
    }
    cb_err err = run(e, &q);
    sb_free(&q);
    if (err == CB_ERR_STORE && e->last_errno == 1062 /* ER_DUP_ENTRY */)
        return CB_ERR_DUPLICATE;
    return err;
}

static cb_err mysql_get_user(void *h, const char *username, cb_user_record *u)
{
    engine *e = h;
    sqlbuf q = {0};
    cb_err err;
    memset(u, 0, sizeof *u);
    sb_add(&q, "SELECT username, name, email, password_hash, pubkey, enc_privkey, created"
               " FROM users WHERE username = ");
    sb_str(e, &q, username);
    MYSQL_RES *res = select_rows(e, &q, &err);
    sb_free(&q);
    if (!res)
        return err;
    MYSQL_ROW row = mysql_fetch_row(res);
    if (!row) {
        mysql_free_result(res);
        return CB_ERR_NOT_FOUND;
    }
    unsigned long *lens = mysql_fetch_lengths(res);
    if (!col_text(u->username, sizeof u->username, row[0], lens[0]) ||
        !col_text(u->name, sizeof u->name, row[1], lens[1]) ||
        !col_text(u->email, sizeof u->email, row[2], lens[2]) ||
        !col_text(u->pwhash, sizeof u->pwhash, row[3], lens[3]) || !row[4] || lens[4] != 33 ||
        !row[5] || lens[5] > sizeof u->enc_key || !col_i64(row[6], &u->created)) {
        snprintf(e->err, sizeof e->err, "a users row is malformed");
        err = CB_ERR_STORE;
    } else {
        memcpy(u->pubkey, row[4], 33);
        memcpy(u->enc_key, row[5], lens[5]);
        u->enc_len = lens[5];
    }
    mysql_free_result(res);
    return err;
}

static cb_err mysql_add_user(void *h, const cb_user_record *u)
{
    return write_user(h, u, false);
}

static cb_err mysql_replace_user_key(void *h, const cb_user_record *u)
{
    cb_user_record cur;
    cb_err err = mysql_get_user(h, u->username, &cur);
    if (err != CB_OK)
        return err;
    return write_user(h, u, true);
}

/* One page of usernames in (created, username) order after the cursor's
 * (when: created, key: username), so a walk over any number of users holds
 * one page at a time. */
typedef struct {
    char names[256][33];
    int64_t created[256];
    size_t n;
} user_page;

static cb_err read_user_page(engine *e, const cb_store_cursor *c, user_page *pg)
{
    sqlbuf q = {0};
    cb_err err;
    pg->n = 0;
    sb_add(&q, "SELECT username, created FROM users");
    if (c->started) {
        sb_add(&q, " WHERE created > ");
        sb_i64(&q, c->when);
        sb_add(&q, " OR (created = ");
        sb_i64(&q, c->when);
        sb_add(&q, " AND username > ");
        sb_str(e, &q, c->key);
        sb_add(&q, ")");
    }
    sb_add(&q, " ORDER BY created, username LIMIT 256");
    MYSQL_RES *res = select_rows(e, &q, &err);
    sb_free(&q);
    if (!res)
        return err;
    MYSQL_ROW row;
    while (pg->n < 256 && (row = mysql_fetch_row(res)) != NULL) {
        unsigned long *lens = mysql_fetch_lengths(res);
        if (col_text(pg->names[pg->n], 33, row[0], lens[0]) && col_i64(row[1], &pg->created[pg->n]))
            pg->n++;
    }
    mysql_free_result(res);
    return CB_OK;
}

/* Users are handed out one by one, the cursor moved past each, so a walk
 * run again after a lost connection resumes after the last one. */
static cb_err mysql_foreach_user(void *h, cb_store_cursor *c, cb_store_user_fn fn, void *ctx)
{
    engine *e = h;
    user_page *pg = calloc(1, sizeof *pg);
    if (!pg)
        return CB_ERR_NOMEM;
    cb_err err;
    do {
        err = read_user_page(e, c, pg);
        for (size_t i = 0; err == CB_OK && i < pg->n; i++) {
            cb_user_record u;
            err = mysql_get_user(e, pg->names[i], &u);
            if (err != CB_OK)
                break;
            c->started = true;
            c->when = pg->created[i];
            snprintf(c->key, sizeof c->key, "%s", pg->names[i]);
            err = fn(ctx, &u);
            sodium_memzero(&u, sizeof u);
        }
    } while (err == CB_OK && pg->n == 256);
    free(pg);
    return err;
}

static cb_err mysql_put_peer(void *h, const cb_peer_record *p)
{
    engine *e = h;
    sqlbuf q = {0};
    sb_add(&q, "REPLACE INTO peers (host, port, last_seen, last_try, failures, banned_until)"
               " VALUES (");
    sb_str(e, &q, p->host);
    sb_add(&q, ",");
    sb_u64(&q, p->port);
    sb_add(&q, ",");
    sb_i64(&q, p->last_seen);
    sb_add(&q, ",");
    sb_i64(&q, p->last_try);
    sb_add(&q, ",");
    sb_u64(&q, p->failures);
    sb_add(&q, ",");
    sb_i64(&q, p->banned_until);
    sb_add(&q, ")");
    cb_err err = run(e, &q);
    sb_free(&q);
    return err;
}

static cb_err mysql_forget_peer(void *h, const char *host, uint16_t port)
{
    engine *e = h;
    sqlbuf q = {0};
    sb_add(&q, "DELETE FROM peers WHERE host = ");
    sb_str(e, &q, host);
    sb_add(&q, " AND port = ");
    sb_u64(&q, port);
    cb_err err = run(e, &q);
    sb_free(&q);
    return err;
}

static cb_err mysql_list_peers(void *h, cb_peer_record *out, size_t max, size_t *n)
{
    engine *e = h;
    sqlbuf q = {0};
    cb_err err;
    *n = 0;
    sb_add(&q, "SELECT host, port, last_seen, last_try, failures, banned_until FROM peers"
               " ORDER BY last_seen DESC");
    MYSQL_RES *res = select_rows(e, &q, &err);
    sb_free(&q);
    if (!res)
        return err;
    MYSQL_ROW row;
    while (*n < max && (row = mysql_fetch_row(res)) != NULL) {
        unsigned long *lens = mysql_fetch_lengths(res);
        cb_peer_record *p = &out[*n];
        uint64_t port, failures;
        memset(p, 0, sizeof *p);
        if (!col_text(p->host, sizeof p->host, row[0], lens[0]) || !col_u64(row[1], &port) ||
            port > 65535 || !col_i64(row[2], &p->last_seen) || !col_i64(row[3], &p->last_try) ||
            !col_u64(row[4], &failures) || !col_i64(row[5], &p->banned_until))
            continue; /* a row that is not ours is skipped, not trusted */
        p->port = (uint16_t)port;
        p->failures = failures > UINT32_MAX ? UINT32_MAX : (uint32_t)failures;
        (*n)++;
    }
    mysql_free_result(res);
    return CB_OK;
}

/* A batch: one transaction for the writes queued together (one commit,
 * one log flush for all). Should the server go away inside it, or a write
 * of it fail, the batch is gone, and store.c makes its writes again one
 * by one. */
static cb_err mysql_batch_begin(void *h)
{
    engine *e = h;
    cb_err err = exec(e, "START TRANSACTION");
    e->batch = err == CB_OK;
    e->undone = false;
    batch_forget(e);
    return err;
}

static cb_err mysql_batch_end(void *h)
{
    engine *e = h;
    bool began = e->batch;
    e->batch = false;
    if (!began || e->undone) {
        batch_forget(e);
        return CB_ERR_STORE; /* never begun, or rolled back: e->err says why */
    }
    cb_err err = e->batch_tip ? write_tip(e, e->batch_tip_hash, e->batch_tip_height) : CB_OK;
    if (err == CB_OK && !e->ix)
        err = index_txids(e, false);
    if (err == CB_OK)
        err = batch_write_accounts(e);
    if (err == CB_OK)
        err = exec(e, "COMMIT");
    if (err != CB_OK) {
        if (!connection_lost(e))
            rollback_after(e);
        e->undone = true;
    } else {
        indexer_poke(e, false);
    }
    return err;
}

static bool mysql_batch_undone(void *h)
{
    return ((engine *)h)->undone;
}

/* The quiet store's txid index catches up with every row. */
static cb_err mysql_idle(void *h)
{
    engine *e = h;
    if (e->ix) {
        indexer_poke(e, true); /* beside the writes: nothing waits for it */
        return CB_OK;
    }
    cb_err err = step_begin(e);
    return err == CB_OK ? step_end(e, index_txids(e, true)) : err;
}

/* A store made before payments had their seq as the key (the txid was,
 * so each payment wrote a random page) gets its transactions table
 * keyed by seq and its open rows' index, then its txid index made. The
 * ALTER is one atomic statement; should the index fill be cut short,
 * the lookups scan the rows it did not reach until it catches up.
 * Returns: CB_OK or CB_ERR_STORE. */
static cb_err upgrade_transactions(engine *e)
{
    sqlbuf q = {0};
    uint64_t n;
    bool found;
    sb_add(&q, "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
               " AND TABLE_NAME = 'transactions' AND COLUMN_NAME = 'open_txid'");
    cb_err err = select_u64(e, &q, &n, &found);
    sb_free(&q);
    if (err != CB_OK || n > 0)
        return err;
    err = exec(e, "ALTER TABLE transactions DROP PRIMARY KEY, DROP INDEX seq,"
                  " ADD PRIMARY KEY (seq), ADD COLUMN" OPEN_TXID ","
                  " ADD UNIQUE KEY transactions_open (open_txid)");
    if (err == CB_OK)
        err = step_begin(e);
    if (err != CB_OK)
        return err;
    err = exec(e, "DELETE FROM txindex");
    if (err == CB_OK)
        err = exec(e, "DELETE FROM meta WHERE `key` = 'txindex_seq'");
    if (err == CB_OK)
        err = index_txids(e, true);
    return step_end(e, err);
}

/* A store made before addresses were ASCII compared byte for byte has
 * them in the server's default character set and collation: keys up to
 * four bytes a character, compared by a collation that calls two
 * addresses differing only in case (distinct base58 addresses) equal.
 * Each table is rebuilt once, by one atomic ALTER.
 * Returns: CB_OK or CB_ERR_STORE (a column holding what ASCII cannot,
 * which the node never writes, fails the ALTER and names it). */
static cb_err upgrade_address_columns(engine *e)
{
    static const struct {
        const char *table, *column, *alter;
    } UPGRADES[] = {
        {"transactions", "sender",
         "ALTER TABLE transactions MODIFY sender " ADDRESS_COLUMN
         ", MODIFY recipient " ADDRESS_COLUMN ", MODIFY status VARCHAR(16) " ASCII_BIN " NOT NULL"},
        {"wallet", "address", "ALTER TABLE wallet MODIFY address " ADDRESS_COLUMN},
        {"users", "address", "ALTER TABLE users MODIFY address " ADDRESS_COLUMN},
    };
    cb_err err = CB_OK;
    for (size_t i = 0; err == CB_OK && i < sizeof UPGRADES / sizeof UPGRADES[0]; i++) {
        sqlbuf q = {0};
        uint64_t n;
        bool found;
        sb_add(&q, "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
                   " AND TABLE_NAME = ");
        sb_str(e, &q, UPGRADES[i].table);
        sb_add(&q, " AND COLUMN_NAME = ");
        sb_str(e, &q, UPGRADES[i].column);
        sb_add(&q, " AND COLLATION_NAME <> 'ascii_bin'");
        err = select_u64(e, &q, &n, &found);
        sb_free(&q);
        if (err == CB_OK && n > 0)
            err = exec(e, UPGRADES[i].alter);
    }
    return err;
}

static void mysql_close_engine(void *h)
{
    engine *e = h;
    if (!e)
        return;
    indexer_stop(e);
    close_statements(e);
    if (e->db)
        mysql_close(e->db);
    cb_keymap_free(e->batch_at);
    free(e->batch_accts);
    sodium_memzero(e->pass, sizeof e->pass);
    free(e);
}

static const char *mysql_last_error(void *h)
{
    return ((engine *)h)->err;
}

static const cb_store_backend MYSQL_OPS = {
    .name = "mysql",
    .close = mysql_close_engine,
    .last_error = mysql_last_error,
    .put_block = mysql_put_block,
    .connect = mysql_connect_block,
    .disconnect = mysql_disconnect_block,
    .foreach_block = mysql_foreach_block,
    .foreach_header = mysql_foreach_header,
    .mark_invalid = mysql_mark_invalid,
    .foreach_invalid = mysql_foreach_invalid,
    .get_block = mysql_get_block,
    .tip = mysql_tip,
    .get_undo = mysql_get_undo,
    .reset_chain = mysql_reset_chain,
    .get_account = mysql_get_account,
    .load_accounts = mysql_load_accounts,
    .replace_accounts = mysql_replace_accounts,
    .put_pending_tx = mysql_put_pending_tx,
    .reject_tx = mysql_reject_tx,
    .tx_status = mysql_tx_status,
    .list_txs = mysql_list_txs,
    .add_user = mysql_add_user,
    .get_user = mysql_get_user,
    .replace_user_key = mysql_replace_user_key,
    .put_peer = mysql_put_peer,
    .forget_peer = mysql_forget_peer,
    .list_peers = mysql_list_peers,
    .foreach_user = mysql_foreach_user,
    .get_meta = mysql_get_meta,
    .set_meta = mysql_set_meta,
    .server = "MySQL",
    .lost = mysql_lost,
    .reconnect = mysql_reconnect,
    .set_error = mysql_set_error,
    .batch_begin = mysql_batch_begin,
    .batch_end = mysql_batch_end,
    .batch_undone = mysql_batch_undone,
    .idle = mysql_idle,
};

/* Copies [from, to) into dst (cap bytes), percent-decoding. */
static bool take(char *dst, size_t cap, const char *from, const char *to)
{
    size_t n = 0;
    for (const char *s = from; s < to; s++) {
        char c = *s;
        if (c == '%' && to - s >= 3) {
            char hex[3] = {s[1], s[2], 0}, *end;
            long v = strtol(hex, &end, 16);
            if (*end || v <= 0)
                return false;
            c = (char)v;
            s += 2;
        }
        if (n + 1 >= cap)
            return false;
        dst[n++] = c;
    }
    dst[n] = '\0';
    return true;
}

/* mysql://USER[:PASSWORD]@[HOST[:PORT]]/DATABASE[?socket=PATH] */
static bool parse_uri(engine *e, const char *uri)
{
    const char *s = uri + strlen("mysql://");
    const char *at = cb_store_uri_at(s);
    const char *slash = at ? strchr(at, '/') : NULL;
    if (!at || !slash)
        return false;
    const char *colon = memchr(s, ':', (size_t)(at - s));
    if (!take(e->user, sizeof e->user, s, colon ? colon : at) || !e->user[0])
        return false;
    if (colon && !take(e->pass, sizeof e->pass, colon + 1, at))
        return false;
    const char *hostend = slash;
    const char *pcolon = memchr(at + 1, ':', (size_t)(slash - at - 1));
    if (pcolon) {
        char port[8];
        uint64_t v;
        if (!take(port, sizeof port, pcolon + 1, slash) || !col_u64(port, &v) || v == 0 ||
            v > 65535)
            return false;
        e->port = (unsigned)v;
        hostend = pcolon;
    }
    if (!take(e->host, sizeof e->host, at + 1, hostend))
        return false;
    if (!e->host[0])
        snprintf(e->host, sizeof e->host, "localhost");
    const char *q = strchr(slash, '?');
    if (!take(e->name, sizeof e->name, slash + 1, q ? q : slash + strlen(slash)) || !e->name[0])
        return false;
    for (const char *c = e->name; *c; c++)
        if (!(*c == '_' || *c == '$' || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
              (*c >= 'A' && *c <= 'Z')))
            return false; /* a plain identifier: it goes into SQL unquoted */
    if (q) {
        if (strncmp(q, "?socket=", 8) != 0 ||
            !take(e->socket, sizeof e->socket, q + 8, q + strlen(q)))
            return false;
    }
    return true;
}

cb_err cb_store_mysql_open(void **h, const cb_store_backend **ops, const cb_params *p,
                           const char *uri, const char *password, char *msg, size_t msglen)
{
    engine *e = calloc(1, sizeof *e);
    if (!e)
        return CB_ERR_NOMEM;
    e->p = p;
    cb_address_cache_init(&e->addresses, p);
    if (!parse_uri(e, uri)) {
        snprintf(msg, msglen,
                 "bad MySQL address: use mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE or"
                 " mysql://USER[:PASSWORD]@/DATABASE?socket=PATH");
        mysql_close_engine(e);
        return CB_ERR_ARG;
    }
    if (!e->pass[0] && password)
        snprintf(e->pass, sizeof e->pass, "%s", password);
    cb_err err = connect_db(e);
    if (err != CB_OK) {
        snprintf(msg, msglen, "cannot connect to MySQL as %s on %s: %s", e->user,
                 e->socket[0] ? e->socket : e->host, e->err);
        mysql_close_engine(e);
        return err;
    }
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE DATABASE IF NOT EXISTS `%s`", e->name);
    err = exec(e, sql);
    if (err == CB_OK && mysql_select_db(e->db, e->name) != 0)
        err = fail(e);
    for (size_t i = 0; err == CB_OK && i < sizeof SCHEMA / sizeof SCHEMA[0]; i++)
        err = exec(e, SCHEMA[i]);
    if (err == CB_OK)
        err = upgrade_transactions(e);
    if (err == CB_OK)
        err = upgrade_address_columns(e);
    if (err != CB_OK) {
        snprintf(msg, msglen, "MySQL database %s: %s", e->name, e->err);
        mysql_close_engine(e);
        return err;
    }
    /* The database is chosen at connect time from now on (reconnects). */
    e->have_db = true;
    if (!e->statement_log && indexer_start(e) != CB_OK) {
        snprintf(msg, msglen, "out of memory");
        mysql_close_engine(e);
        return CB_ERR_NOMEM;
    }
    *h = e;
    *ops = &MYSQL_OPS;
    return CB_OK;
}
