/* The store through the chain, as the node uses it: opening and refusing,
 * reorganisations written exactly, a restart that rebuilds the same chain,
 * repair of a wallet table that differs, users, peers and transaction
 * status, and kill -9 at random moments while blocks connect.
 *
 * The suite runs on SQLite, then again on MySQL/MariaDB when CB_TEST_MYSQL
 * names a server (mysql://USER@/DB?socket=PATH; tests/functional/mariadb.py
 * starts a private one): both engines must pass the same tests. */
#include "support.h"

#include <pthread.h>
#include <signal.h>
#include <mysql.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/address.h"
#include "core/amount.h"
#include "crypto/hash.h"
#include "node/chainstore.h"
#include "store/store.h"

#define T0 1795392000u
#define NOW ((int64_t)T0 + 10000000)

static const cb_params *P;
static cb_keyctx *ctx;
static uint8_t key[2][32], id[2][20];
static char dir[256];
static const char *mysql_base; /* NULL: the SQLite pass */
static int run_id;             /* the test process's pid: forked children share it */
static int group_no;           /* which run of the suite: each has its own databases */

static int setup(void **state)
{
    (void)state;
    uint8_t pub[33];
    P = cb_params_regtest();
    ctx = cb_keyctx_new();
    run_id = (int)getpid();
    group_no++;
    for (int i = 0; i < 2; i++) {
        cbt_key(key[i], (uint32_t)i + 300);
        assert_int_equal(cb_key_public(ctx, pub, key[i]), CB_OK);
        cb_hash160(id[i], pub, 33);
    }
    snprintf(dir, sizeof dir, "/tmp/cb-store-test-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    cb_keyctx_free(ctx);
    return 0;
}

/* The store for a test's name: a file in the temporary directory, or a
 * database of its own on the MySQL server ("b.db" -> cbt_<pid>_<run>_b). */
static void path_for(char *out, size_t cap, const char *name)
{
    if (!mysql_base) {
        snprintf(out, cap, "%s/%s", dir, name);
        return;
    }
    const char *slash = strstr(mysql_base, "@/");
    const char *query = strchr(mysql_base, '?');
    assert_non_null(slash);
    snprintf(out, cap, "%.*s@/cbt_%d_%d_%.*s%s", (int)(slash - mysql_base), mysql_base, run_id,
             group_no, (int)strcspn(name, "."), name, query ? query : "");
}

static cb_store *open_ok(const char *name)
{
    char path[300], msg[256];
    cb_store *s = NULL;
    path_for(path, sizeof path, name);
    cb_err err = cb_store_open(&s, P, path, msg, sizeof msg);
    if (err != CB_OK)
        fail_msg("open %s: %s", path, msg);
    return s;
}

/* A block on prev (NULL: genesis) at height, mined to `miner`, paying
 * `pay` units from key 0 with nonce `nonce` when pay > 0. */
static void block_on(cb_block *b, const uint8_t prev_hash[32], uint32_t height, int miner,
                     uint64_t pay, uint64_t nonce, uint32_t tag)
{
    cb_tx tx;
    uint8_t g[32];
    if (!prev_hash) {
        cb_params_genesis_hash(P, g);
        prev_hash = g;
    }
    if (pay)
        cbt_make_tx(P, ctx, &tx, key[0], id[1], pay, 1000, nonce);
    cbt_make_block(P, b, prev_hash, height, T0 + 60 * height + tag, id[miner], &tx, pay ? 1 : 0,
                   tag);
}

static void assert_store_matches(cb_store *s, const cb_chain *c)
{
    cb_accounts *w = cb_accounts_new(5);
    uint8_t tip[32];
    uint32_t height;
    assert_int_equal(cb_store_load_accounts(s, w), CB_OK);
    assert_true(cb_accounts_equal(w, cb_chain_state(c)));
    assert_int_equal(cb_store_tip(s, tip, &height), CB_OK);
    assert_memory_equal(tip, cb_chain_tip(c)->hash, 32);
    assert_int_equal(height, cb_chain_tip(c)->height);
    cb_accounts_free(w);
}

/* Blocks from..to of a branch (mined by key 1, tag 1), the first on
 * prev, each on the last; prev is left at the last one's hash. */
static void accept_branch(cb_chainstore *cs, cb_block *b, uint8_t prev[32], uint32_t from,
                          uint32_t to)
{
    size_t bad;
    for (uint32_t h = from; h <= to; h++) {
        block_on(&b[h], prev, h, 1, 0, 0, 1);
        cb_header_hash(prev, &b[h].header);
        assert_int_equal(cb_chainstore_accept_block(cs, &b[h], NOW, &bad), CB_OK);
    }
}

/* Makes and accepts a[from..to] of the main line: blocks from genesis,
 * paying from height 3 on. */
static void accept_line(cb_chainstore *cs, cb_block *a, uint32_t from, uint32_t to)
{
    uint8_t prev[32];
    size_t bad;
    for (uint32_t h = from; h <= to; h++) {
        if (h == 1)
            block_on(&a[1], NULL, 1, 0, 0, 0, 0);
        else {
            cb_header_hash(prev, &a[h - 1].header);
            block_on(&a[h], prev, h, h % 2, h > 2 ? CB_COIN : 0, h > 2 ? h - 3 : 0, 0);
        }
        assert_int_equal(cb_chainstore_accept_block(cs, &a[h], NOW, &bad), CB_OK);
    }
}

static void test_open_and_refuse(void **state)
{
    (void)state;
    char path[300], msg[256];
    cb_store *s = open_ok("a.db");
    uint8_t tip[32], g[32];
    uint32_t h;
    assert_int_equal(cb_store_tip(s, tip, &h), CB_OK);
    cb_params_genesis_hash(P, g);
    assert_memory_equal(tip, g, 32);
    assert_int_equal(h, 0);
    cb_store_close(s);
    s = open_ok("a.db"); /* again: fine */
    cb_store_close(s);
    path_for(path, sizeof path, "a.db");
    assert_int_equal(cb_store_open(&s, cb_params_main(), path, msg, sizeof msg), CB_ERR_STORE);
    assert_non_null(strstr(msg, "belongs to network 'regtest'"));
    /* A server that is not there: an error that never shows the password. */
    assert_int_equal(cb_store_open(&s, P, "mysql://u:s3cret@127.0.0.1:1/db", msg, sizeof msg),
                     CB_ERR_STORE);
    assert_null(strstr(msg, "s3cret"));
    assert_non_null(strstr(msg, "cannot connect"));
    char shown[128];
    cb_store_uri_redact(shown, sizeof shown, "mysql://u:s3cret@host:3306/db");
    assert_string_equal(shown, "mysql://u:***@host:3306/db");
    assert_int_equal(cb_store_open(&s, P, "mysql://nobody", msg, sizeof msg), CB_ERR_ARG);
    assert_int_equal(cb_store_open(&s, P, "mysql://u@h/bad-name;", msg, sizeof msg), CB_ERR_ARG);
    assert_int_equal(cb_store_open(&s, P, "postgres://u@h/db", msg, sizeof msg), CB_ERR_ARG);
    if (!mysql_base) {
        assert_int_equal(cb_store_open(&s, P, "/nonexistent-dir/x.db", msg, sizeof msg),
                         CB_ERR_STORE);
        assert_non_null(strstr(msg, "cannot open"));
    }
    assert_int_equal(cb_store_open(&s, P, "", msg, sizeof msg), CB_ERR_ARG);
}

static void test_reorg_written_and_restart(void **state)
{
    (void)state;
    cb_store *s = open_ok("b.db");
    cb_chain *c = cb_chain_new(P, 1);
    cb_chainstore *cs;
    cb_load_report r;
    assert_int_equal(cb_chainstore_open(&cs, c, s, NOW, &r), CB_OK);
    assert_false(r.wallet_repaired);
    static cb_block a[8], b[8];
    uint8_t prev[32];
    size_t bad;
    /* A: 1..4, key 0 mines 1 and 2, then pays at 3. */
    block_on(&a[1], NULL, 1, 0, 0, 0, 0);
    for (uint32_t h = 1; h <= 4; h++) {
        if (h > 1) {
            cb_header_hash(prev, &a[h - 1].header);
            block_on(&a[h], prev, h, h <= 2 ? 0 : 1, h == 3 ? 5 * CB_COIN : 0, 0, 0);
        }
        assert_int_equal(cb_chainstore_accept_block(cs, &a[h], NOW, &bad), CB_OK);
    }
    assert_store_matches(s, c);
    uint8_t txid[32];
    cb_tx_txid(txid, &a[3].txs[1]);
    cb_tx_status st;
    uint32_t height;
    assert_int_equal(cb_store_tx_status(s, txid, &st, &height), CB_OK);
    assert_int_equal(st, CB_TX_CONFIRMED);
    assert_int_equal(height, 3);
    /* B from 2: 3'..5', heavier; the payment at 3 is undone. */
    cb_header_hash(prev, &a[2].header);
    accept_branch(cs, b, prev, 3, 5);
    assert_int_equal(cb_chain_tip(c)->height, 5);
    assert_store_matches(s, c);
    assert_int_equal(cb_store_tx_status(s, txid, &st, &height), CB_OK);
    assert_int_equal(st, CB_TX_PENDING);
    cb_chainstore_free(cs);
    cb_store_close(s);

    /* Restart: the same chain, the same state, no repair needed. */
    s = open_ok("b.db");
    cb_chain *c2 = cb_chain_new(P, 2);
    assert_int_equal(cb_chainstore_open(&cs, c2, s, NOW, &r), CB_OK);
    assert_int_equal(r.blocks, 8); /* genesis, a1..a4, b3..b5 */
    assert_int_equal(r.refused, 0);
    assert_false(r.wallet_repaired);
    assert_memory_equal(cb_chain_tip(c2)->hash, cb_chain_tip(c)->hash, 32);
    assert_true(cb_accounts_equal(cb_chain_state(c2), cb_chain_state(c)));
    /* The side branch came back too: growing A wins again after restart. */
    cb_header_hash(prev, &a[4].header);
    for (uint32_t h = 5; h <= 6; h++) {
        block_on(&a[h], prev, h, 0, 0, 0, 0);
        cb_header_hash(prev, &a[h].header);
        assert_int_equal(cb_chainstore_accept_block(cs, &a[h], NOW, &bad), CB_OK);
    }
    assert_int_equal(cb_chain_tip(c2)->height, 6);
    assert_memory_equal(cb_chain_tip(c2)->hash, prev, 32);
    assert_store_matches(s, c2);
    assert_int_equal(cb_store_tx_status(s, txid, &st, &height), CB_OK);
    assert_int_equal(st, CB_TX_CONFIRMED);
    cb_chainstore_free(cs);

    /* A wallet table edited by hand is repaired at the next start. */
    cb_account fake = {123, 4};
    cb_accounts *w = cb_accounts_new(1);
    assert_int_equal(cb_store_load_accounts(s, w), CB_OK);
    assert_int_equal(cb_accounts_set(w, id[0], &fake), CB_OK);
    assert_int_equal(cb_store_replace_accounts(s, w), CB_OK);
    cb_accounts_free(w);
    cb_chain *c3 = cb_chain_new(P, 3);
    assert_int_equal(cb_chainstore_open(&cs, c3, s, NOW, &r), CB_OK);
    assert_true(r.wallet_repaired);
    assert_store_matches(s, c3);
    cb_chainstore_free(cs);
    cb_store_close(s);
    for (int h = 1; h <= 6; h++)
        cb_block_clear(&a[h]);
    for (int h = 3; h <= 5; h++)
        cb_block_clear(&b[h]);
    cb_chain_free(c);
    cb_chain_free(c2);
    cb_chain_free(c3);
}

/* The default start: the index from the stored headers, bodies and undo
 * read back from the store whenever a reorganisation needs them, none
 * held in memory; a body found damaged makes its block a header to fetch
 * again, and a fresh copy repairs the row. */
static void test_bodies_live_in_the_store(void **state)
{
    (void)state;
    const cb_load_options opt = {CB_CHECKBLOCKS_DEFAULT, CB_CHECKLEVEL_DEFAULT, false, NULL};
    cb_store *s = open_ok("e.db");
    cb_chain *c = cb_chain_new(P, 1);
    cb_chainstore *cs;
    cb_load_report r;
    assert_int_equal(cb_chainstore_open_checked(&cs, c, s, NOW, &opt, &r), CB_OK);
    static cb_block a[8], b[8];
    uint8_t prev[32], hb[8][32];
    size_t bad;
    block_on(&a[1], NULL, 1, 0, 0, 0, 0);
    for (uint32_t h = 1; h <= 4; h++) {
        if (h > 1) {
            cb_header_hash(prev, &a[h - 1].header);
            block_on(&a[h], prev, h, h <= 2 ? 0 : 1, h == 3 ? 5 * CB_COIN : 0, 0, 0);
        }
        assert_int_equal(cb_chainstore_accept_block(cs, &a[h], NOW, &bad), CB_OK);
    }
    for (uint32_t h = 0; h <= 4; h++) {
        assert_null(cb_chain_at(c, h)->block);
        assert_null(cb_chain_at(c, h)->undo);
    }
    cb_block got;
    assert_int_equal(cb_chain_read_block(c, cb_chain_at(c, 3), &got), CB_OK);
    assert_memory_equal(&got.header, &a[3].header, sizeof got.header);
    assert_int_equal(got.ntx, 2);
    assert_int_equal(cb_chain_at(c, 3)->ntx, 2);
    cb_block_clear(&got);
    /* B from 2, heavier: a4 and a3 come off with their stored journals. */
    cb_header_hash(prev, &a[2].header);
    for (uint32_t h = 3; h <= 5; h++) {
        block_on(&b[h], prev, h, 1, 0, 0, 1);
        cb_header_hash(prev, &b[h].header);
        memcpy(hb[h], prev, 32);
        assert_int_equal(cb_chainstore_accept_block(cs, &b[h], NOW, &bad), CB_OK);
    }
    assert_int_equal(cb_chain_tip(c)->height, 5);
    assert_store_matches(s, c);
    cb_chainstore_free(cs);
    cb_store_close(s);

    /* Restart: 8 headers, the stored tip and state, nothing replayed. */
    s = open_ok("e.db");
    cb_chain *c2 = cb_chain_new(P, 2);
    assert_int_equal(cb_chainstore_open_checked(&cs, c2, s, NOW, &opt, &r), CB_OK);
    assert_int_equal(r.blocks, 8);
    assert_int_equal(r.checked, 5);
    assert_int_equal(r.lost, 0);
    assert_memory_equal(cb_chain_tip(c2)->hash, hb[5], 32);
    assert_true(cb_accounts_equal(cb_chain_state(c2), cb_chain_state(c)));
    /* A grows past B: b5..b3 off, a3 and a4 on, their bodies read back
     * from the store (no cache holds them after a restart). */
    cb_header_hash(prev, &a[4].header);
    for (uint32_t h = 5; h <= 6; h++) {
        block_on(&a[h], prev, h, 0, 0, 0, 0);
        cb_header_hash(prev, &a[h].header);
        assert_int_equal(cb_chainstore_accept_block(cs, &a[h], NOW, &bad), CB_OK);
    }
    assert_int_equal(cb_chain_tip(c2)->height, 6);
    assert_store_matches(s, c2);
    uint8_t txid[32];
    cb_tx_status st;
    uint32_t height;
    cb_tx_txid(txid, &a[3].txs[1]);
    assert_int_equal(cb_store_tx_status(s, txid, &st, &height), CB_OK);
    assert_int_equal(st, CB_TX_CONFIRMED);

    /* b4's stored body replaced by another block's: when B grows past A,
     * the switch finds b4 damaged, stays on A, and waits for b4. */
    assert_int_equal(cb_store_put_block(s, hb[4], 4, &a[1]), CB_OK);
    memcpy(prev, hb[5], 32);
    accept_branch(cs, b, prev, 6, 7);
    assert_int_equal(cb_chain_lost_bodies(c2), 1);
    assert_int_equal(cb_chain_tip(c2)->height, 6);
    assert_false(cb_chain_lookup(c2, hb[4])->status & CB_ENTRY_HAVE_DATA);
    assert_store_matches(s, c2);
    /* A fresh copy of b4 repairs the row and B takes over. */
    assert_int_equal(cb_chainstore_accept_block(cs, &b[4], NOW, &bad), CB_OK);
    assert_int_equal(cb_chain_tip(c2)->height, 7);
    assert_memory_equal(cb_chain_tip(c2)->hash, prev, 32);
    assert_store_matches(s, c2);
    assert_int_equal(cb_store_tx_status(s, txid, &st, &height), CB_OK);
    assert_int_equal(st, CB_TX_PENDING);
    cb_chainstore_free(cs);
    cb_store_close(s);

    /* And a start checks the repaired chain down to genesis. */
    const cb_load_options all = {0, CB_CHECKLEVEL_DEFAULT, false, NULL};
    s = open_ok("e.db");
    cb_chain *c3 = cb_chain_new(P, 3);
    assert_int_equal(cb_chainstore_open_checked(&cs, c3, s, NOW, &all, &r), CB_OK);
    assert_int_equal(r.checked, 7);
    assert_true(cb_accounts_equal(cb_chain_state(c3), cb_chain_state(c2)));
    cb_chainstore_free(cs);
    cb_store_close(s);
    for (int h = 1; h <= 6; h++)
        cb_block_clear(&a[h]);
    for (int h = 3; h <= 7; h++)
        cb_block_clear(&b[h]);
    cb_chain_free(c);
    cb_chain_free(c2);
    cb_chain_free(c3);
}

/* Listing by address finds rows of key[0]'s address (at least one),
 * byte for byte: base58 is case-sensitive, so the address with
 * its letters' case swapped (another address) finds none, and text no
 * address has (not ASCII) finds none without an error. */
static void assert_listed(cb_store *s)
{
    uint8_t pub[33];
    char addr[CB_ADDRESS_MAX];
    cb_tx_record rec[4];
    size_t n;
    assert_int_equal(cb_key_public(ctx, pub, key[0]), CB_OK);
    assert_int_equal(cb_address_from_pubkey(P, addr, pub), CB_OK);
    assert_int_equal(cb_store_list_txs(s, addr, rec, 4, &n), CB_OK);
    assert_true(n >= 1);
    assert_true(strcmp(rec[0].sender, addr) == 0 || strcmp(rec[0].recipient, addr) == 0);
    for (char *c = addr; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
        else if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    assert_int_equal(cb_store_list_txs(s, addr, rec, 4, &n), CB_OK);
    assert_int_equal(n, 0);
    assert_int_equal(cb_store_list_txs(s, "m\xc3\xbcnze\xe2\x82\xac", rec, 4, &n), CB_OK);
    assert_int_equal(n, 0);
}

static void test_users_peers_pending(void **state)
{
    (void)state;
    cb_store *s = open_ok("c.db");
    cb_user_record u, got;
    memset(&u, 0, sizeof u);
    snprintf(u.username, sizeof u.username, "alice_1");
    snprintf(u.name, sizeof u.name, "Alice");
    snprintf(u.email, sizeof u.email, "alice@example.org");
    snprintf(u.pwhash, sizeof u.pwhash, "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA");
    assert_int_equal(cb_key_public(ctx, u.pubkey, key[0]), CB_OK);
    u.enc_len = 72;
    memset(u.enc_key, 0x5e, u.enc_len);
    u.created = 1795400000;
    assert_int_equal(cb_store_add_user(s, &u), CB_OK);
    assert_int_equal(cb_store_add_user(s, &u), CB_ERR_DUPLICATE);
    assert_int_equal(cb_store_get_user(s, "alice_1", &got), CB_OK);
    assert_string_equal(got.email, u.email);
    assert_string_equal(got.pwhash, u.pwhash);
    assert_memory_equal(got.pubkey, u.pubkey, 33);
    assert_int_equal(got.enc_len, 72);
    assert_memory_equal(got.enc_key, u.enc_key, 72);
    assert_int_equal(cb_store_get_user(s, "bob", &got), CB_ERR_NOT_FOUND);

    cb_peer_record p[4] = {{"127.0.0.1", 18833, 100, 90, 0, 0},
                           {"127.0.0.1", 18834, 200, 190, 1, 0}};
    assert_int_equal(cb_store_put_peer(s, &p[0]), CB_OK);
    assert_int_equal(cb_store_put_peer(s, &p[1]), CB_OK);
    p[0].last_seen = 300;
    assert_int_equal(cb_store_put_peer(s, &p[0]), CB_OK); /* update, not a new row */
    cb_peer_record out[4];
    size_t n;
    assert_int_equal(cb_store_list_peers(s, out, 4, &n), CB_OK);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].port, 18833);
    assert_int_equal(out[0].last_seen, 300);
    /* A row let go is gone; forgetting what is not there is fine. */
    assert_int_equal(cb_store_forget_peer(s, "127.0.0.1", 18833), CB_OK);
    assert_int_equal(cb_store_forget_peer(s, "127.0.0.9", 1), CB_OK);
    assert_int_equal(cb_store_list_peers(s, out, 4, &n), CB_OK);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].port, 18834);

    cb_tx tx;
    uint8_t txid[32];
    cbt_make_tx(P, ctx, &tx, key[0], id[1], 1000, 1000, 0);
    cb_tx_txid(txid, &tx);
    cb_tx_status st;
    uint32_t h;
    assert_int_equal(cb_store_tx_status(s, txid, &st, &h), CB_OK);
    assert_int_equal(st, CB_TX_UNKNOWN);
    assert_int_equal(cb_store_put_pending_tx(s, &tx, 1795400000), CB_OK);
    assert_int_equal(cb_store_tx_status(s, txid, &st, &h), CB_OK);
    assert_int_equal(st, CB_TX_PENDING);
    assert_int_equal(cb_store_reject_tx(s, txid, "bad-txns-balance"), CB_OK);
    assert_int_equal(cb_store_tx_status(s, txid, &st, &h), CB_OK);
    assert_int_equal(st, CB_TX_REJECTED);
    assert_listed(s);
    cb_store_close(s);
}

/* A node's start on the store `name`, then writes behind its loop, up
 * to `depth` writes and `bytes` of copies waiting. */
static cb_chainstore *start_behind_bounded(const char *name, uint32_t seed, size_t depth,
                                           size_t bytes, cb_store **s, cb_chain **c)
{
    const cb_load_options opt = {CB_CHECKBLOCKS_DEFAULT, CB_CHECKLEVEL_DEFAULT, false, NULL};
    cb_chainstore *cs;
    cb_load_report r;
    *s = open_ok(name);
    *c = cb_chain_new(P, seed);
    assert_int_equal(cb_chainstore_open_checked(&cs, *c, *s, NOW, &opt, &r), CB_OK);
    assert_int_equal(cb_store_write_behind(*s, depth, bytes), CB_OK);
    return cs;
}

static cb_chainstore *start_behind(const char *name, uint32_t seed, size_t depth, cb_store **s,
                                   cb_chain **c)
{
    return start_behind_bounded(name, seed, depth, 16u << 20, s, c);
}

/* A test's own connection to a store's database, beside the node's:
 * SQL both engines read alike (X'..' literals, `key` quoted). */
typedef struct {
    sqlite3 *lite;
    MYSQL *my;
} raw_db;

static void raw_open(raw_db *r, const char *name)
{
    char path[300];
    path_for(path, sizeof path, name);
    memset(r, 0, sizeof *r);
    if (!mysql_base) {
        assert_int_equal(sqlite3_open(path, &r->lite), SQLITE_OK);
        return;
    }
    /* mysql://USER@/DB?socket=PATH, as path_for makes it */
    char user[64], db[128], sock[256];
    assert_int_equal(sscanf(path, "mysql://%63[^@]@/%127[^?]?socket=%255s", user, db, sock), 3);
    r->my = mysql_init(NULL);
    assert_non_null(r->my);
    if (!mysql_real_connect(r->my, NULL, user, NULL, db, 0, sock, 0))
        fail_msg("connect to %s: %s", db, mysql_error(r->my));
}

static void raw_close(raw_db *r)
{
    if (r->lite)
        sqlite3_close(r->lite);
    if (r->my)
        mysql_close(r->my);
    memset(r, 0, sizeof *r);
}

static void raw_exec(raw_db *r, const char *sql)
{
    if (r->lite) {
        char *msg = NULL;
        if (sqlite3_exec(r->lite, sql, NULL, NULL, &msg) != SQLITE_OK)
            fail_msg("%s: %s", sql, msg);
        return;
    }
    if (mysql_query(r->my, sql) != 0)
        fail_msg("%s: %s", sql, mysql_error(r->my));
}

/* The first column of the first row of a query, a number. */
static long long raw_int(raw_db *r, const char *sql)
{
    long long v = 0;
    if (r->lite) {
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(r->lite, sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return v;
    }
    if (mysql_query(r->my, sql) != 0)
        fail_msg("%s: %s", sql, mysql_error(r->my));
    MYSQL_RES *res = mysql_store_result(r->my);
    assert_non_null(res);
    MYSQL_ROW row = mysql_fetch_row(res);
    assert_non_null(row);
    if (row[0])
        v = strtoll(row[0], NULL, 10);
    mysql_free_result(res);
    return v;
}

/* How many rows of the transactions table a txid has. */
static long long rows_of(raw_db *r, const uint8_t txid[32])
{
    char sql[160], hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", txid[i]);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM transactions WHERE txid = X'%s'", hex);
    return raw_int(r, sql);
}

static void assert_status(cb_store *s, const uint8_t txid[32], cb_tx_status want, uint32_t height)
{
    cb_tx_status st;
    uint32_t h;
    assert_int_equal(cb_store_tx_status(s, txid, &st, &h), CB_OK);
    assert_int_equal(st, want);
    if (want == CB_TX_CONFIRMED)
        assert_int_equal(h, height);
}

/* SQLite's plan for a query, its steps' details one after another. */
static void raw_plan(raw_db *r, const char *sql, char *out, size_t cap)
{
    char explain[1024];
    sqlite3_stmt *st = NULL;
    snprintf(explain, sizeof explain, "EXPLAIN QUERY PLAN %s", sql);
    assert_int_equal(sqlite3_prepare_v2(r->lite, explain, -1, &st, NULL), SQLITE_OK);
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        size_t k = strlen(out);
        snprintf(out + k, cap - k, "%s; ", (const char *)sqlite3_column_text(st, 3));
    }
    sqlite3_finalize(st);
}

/* Blocks 1 to top of a chain (a[1..top]) accepted, from height 3 each
 * with a payment of key 0's (nonce 0 first) to key 1. */
static void accept_paying(cb_chainstore *cs, cb_block *a, uint32_t top)
{
    uint8_t prev[32];
    size_t bad;
    block_on(&a[1], NULL, 1, 0, 0, 0, 0);
    for (uint32_t h = 1; h <= top; h++) {
        if (h > 1) {
            cb_header_hash(prev, &a[h - 1].header);
            block_on(&a[h], prev, h, 0, h > 2 ? CB_COIN : 0, h > 2 ? h - 3 : 0, 0);
        }
        assert_int_equal(cb_chainstore_accept_block(cs, &a[h], NOW, &bad), CB_OK);
    }
}

/* Waits (up to 30 s) until the txid index has an entry for every row:
 * on MySQL it catches up on its own connection, beside the writes. */
static void wait_index_whole(raw_db *r)
{
    for (int i = 0; i < 300 && raw_int(r, "SELECT (SELECT count(*) FROM txindex) <>"
                                          " (SELECT count(*) FROM transactions)");
         i++)
        usleep(100 * 1000);
}

/* The store left quiet for a while (its indexes catch up), then db
 * opened on its database and waited on (up to 30 s) until sql is true. */
static void quiet_until(cb_store *s, raw_db *db, const char *name, const char *sql)
{
    usleep(1500 * 1000);
    assert_int_equal(cb_store_flush(s), CB_OK);
    raw_open(db, name);
    for (int i = 0; i < 300 && !raw_int(db, sql); i++)
        usleep(100 * 1000);
    assert_true(raw_int(db, sql));
}

/* Payments listed by address on SQLite: found before the address index
 * reaches them (a scan of the rows past it) and after the quiet store
 * caught it up, where the list goes through the index, never a scan of
 * every payment (the web view asks on the loop thread). An entry that
 * names a row of another address is not believed. A store from before
 * the index gets it whole at its first catch-up. */
static void test_payments_found_by_address(void **state)
{
    (void)state;
    if (mysql_base)
        skip(); /* MySQL keeps keys on sender and recipient in its table */
    cb_store *s;
    cb_chain *c;
    cb_chainstore *cs = start_behind("a.db", 5, 4, &s, &c);
    static cb_block a[7];
    uint8_t prev[32];
    size_t bad;
    char payer[CB_ADDRESS_MAX], payee[CB_ADDRESS_MAX];
    assert_int_equal(cb_address_encode(P, payer, id[0]), CB_OK); /* key 0, the miner too */
    assert_int_equal(cb_address_encode(P, payee, id[1]), CB_OK);
    accept_paying(cs, a, 5);
    cb_tx_record rec[16];
    size_t n;
    /* Not indexed yet (a few rows, far below the lag): found by the scan. */
    assert_int_equal(cb_store_list_txs(s, payee, rec, 16, &n), CB_OK);
    assert_int_equal(n, 3);
    assert_int_equal(rec[0].height, 5); /* higher blocks first */
    assert_string_equal(rec[0].sender, payer);
    assert_int_equal(cb_store_list_txs(s, payer, rec, 16, &n), CB_OK);
    assert_int_equal(n, 8); /* 5 coinbases to it, 3 payments from it */
    raw_db db;
    static const char whole[] =
        "SELECT (SELECT count(*) FROM addrindex) = (SELECT count(*) FROM (SELECT sender, seq"
        " FROM transactions UNION SELECT recipient, seq FROM transactions))";
    quiet_until(s, &db, "a.db", whole);
    assert_int_equal(raw_int(&db, "SELECT value + 0 FROM meta WHERE key = 'addrindex_seq'"),
                     raw_int(&db, "SELECT max(seq) FROM transactions"));
    assert_int_equal(cb_store_list_txs(s, payee, rec, 16, &n), CB_OK);
    assert_int_equal(n, 3);
    assert_int_equal(cb_store_list_txs(s, payer, rec, 16, &n), CB_OK);
    assert_int_equal(n, 8);
    assert_int_equal(cb_store_list_txs(s, payer, rec, 2, &n), CB_OK);
    assert_int_equal(n, 2); /* the limit holds */
    char plan[1024];
    raw_plan(&db,
             "SELECT txid FROM transactions WHERE (seq IN (SELECT seq FROM addrindex WHERE"
             " address = 'a') OR seq > (SELECT coalesce((SELECT CAST(value AS INTEGER) FROM"
             " meta WHERE key = 'addrindex_seq'), 0))) AND (sender = 'a' OR recipient = 'a')"
             " ORDER BY height IS NOT NULL, height DESC, rowid DESC LIMIT 10",
             plan, sizeof plan);
    if (strstr(plan, "SCAN transactions") || !strstr(plan, "addrindex"))
        fail_msg("a list by address scans every payment: %s", plan);
    /* A lying entry: the payee's address on a row it has no part in. */
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO addrindex SELECT '%s', seq FROM transactions WHERE sender = 'coinbase'",
             payee);
    raw_exec(&db, sql);
    assert_int_equal(cb_store_list_txs(s, payee, rec, 16, &n), CB_OK);
    assert_int_equal(n, 3);
    /* A store from before the index: it is made whole again. */
    raw_exec(&db, "DELETE FROM addrindex; DELETE FROM meta WHERE key = 'addrindex_seq'");
    raw_close(&db);
    cb_chainstore_free(cs);
    cb_store_close(s);
    cb_chain_free(c);
    cs = start_behind("a.db", 5, 4, &s, &c);
    assert_int_equal(cb_store_list_txs(s, payee, rec, 16, &n), CB_OK);
    assert_int_equal(n, 3); /* the scan, till the catch-up */
    cb_header_hash(prev, &a[5].header);
    block_on(&a[6], prev, 6, 0, 0, 0, 0); /* a write: the quiet store's catch-up follows */
    assert_int_equal(cb_chainstore_accept_block(cs, &a[6], NOW, &bad), CB_OK);
    quiet_until(s, &db, "a.db", whole);
    raw_close(&db);
    cb_chainstore_free(cs);
    cb_store_close(s);
    cb_chain_free(c);
    for (int h = 1; h <= 6; h++)
        cb_block_clear(&a[h]);
}

/* A payment has one row through pending, confirmed, a reorganisation and
 * a second confirmation; it is found by its txid before the txid index
 * has it, after the quiet store caught the index up, and not through an
 * index entry that lies. A store from before the layout is rebuilt. */
static void test_payments_found_by_txid(void **state)
{
    (void)state;
    cb_store *s;
    cb_chain *c;
    cb_chainstore *cs = start_behind("t.db", 4, 4, &s, &c);
    static cb_block a[5], b[7];
    uint8_t prev[32], t3[32], t4[32];
    size_t bad;
    cb_tx tx;
    cbt_make_tx(P, ctx, &tx, key[0], id[1], CB_COIN, 1000, 0);
    cb_tx_txid(t3, &tx);
    assert_int_equal(cb_store_put_pending_tx(s, &tx, NOW), CB_OK);
    assert_status(s, t3, CB_TX_PENDING, 0);
    cbt_make_tx(P, ctx, &tx, key[0], id[1], CB_COIN, 1000, 1);
    cb_tx_txid(t4, &tx);
    accept_paying(cs, a, 4);
    assert_status(s, t3, CB_TX_CONFIRMED, 3); /* was pending: its row, confirmed */
    assert_status(s, t4, CB_TX_CONFIRMED, 4); /* new */
    /* A heavier branch from 2 sends both back to waiting. */
    cb_header_hash(prev, &a[2].header);
    accept_branch(cs, b, prev, 3, 5);
    assert_int_equal(cb_chain_tip(c)->height, 5);
    assert_status(s, t3, CB_TX_PENDING, 0);
    assert_status(s, t4, CB_TX_PENDING, 0);
    raw_db db;
    /* Quiet for a while: the txid index catches up. */
    usleep(1500 * 1000);
    assert_int_equal(cb_store_flush(s), CB_OK);
    raw_open(&db, "t.db");
    wait_index_whole(&db);
    assert_int_equal(raw_int(&db, "SELECT count(*) FROM txindex"),
                     raw_int(&db, "SELECT count(*) FROM transactions"));
    assert_int_equal(raw_int(&db, "SELECT value + 0 FROM meta WHERE `key` = 'txindex_seq'"),
                     raw_int(&db, "SELECT max(seq) FROM transactions"));
    /* Confirmed again, higher: still one row. */
    block_on(&b[6], prev, 6, 1, CB_COIN, 0, 1);
    assert_int_equal(cb_chainstore_accept_block(cs, &b[6], NOW, &bad), CB_OK);
    assert_status(s, t3, CB_TX_CONFIRMED, 6);
    assert_status(s, t4, CB_TX_PENDING, 0);
    assert_int_equal(cb_store_flush(s), CB_OK);
    assert_int_equal(rows_of(&db, t3), 1);
    assert_int_equal(rows_of(&db, t4), 1);
    /* An index entry that names another row is not believed. */
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE txindex SET seq = %lld WHERE seq = %lld",
             raw_int(&db, "SELECT min(seq) FROM transactions"),
             raw_int(&db, "SELECT max(seq) FROM txindex"));
    raw_exec(&db, sql);
    cb_tx_status st;
    uint32_t h6;
    assert_int_equal(cb_store_tx_status(s, t3, &st, &h6), CB_OK);
    assert_true(st == CB_TX_UNKNOWN || (st == CB_TX_CONFIRMED && h6 == 6));
    cb_chainstore_free(cs);
    cb_store_close(s);
    /* The layout before: txid the key, no txid index. */
    if (db.lite)
        raw_exec(&db, "ALTER TABLE transactions RENAME TO t_now;"
                      " CREATE TABLE transactions (txid BLOB PRIMARY KEY, sender TEXT NOT NULL,"
                      " recipient TEXT NOT NULL, amount INTEGER NOT NULL, fee INTEGER NOT NULL,"
                      " nonce INTEGER NOT NULL, time INTEGER NOT NULL, signature BLOB NOT NULL,"
                      " status TEXT NOT NULL, block_hash BLOB, height INTEGER, position"
                      " INTEGER, reason TEXT, seen INTEGER, raw BLOB NOT NULL);"
                      " INSERT INTO transactions SELECT txid, sender, recipient, amount, fee,"
                      " nonce, time, signature, status, block_hash, height, position, reason,"
                      " seen, raw FROM t_now ORDER BY seq;"
                      " DROP TABLE t_now;");
    else
        raw_exec(&db, "ALTER TABLE transactions DROP INDEX transactions_open,"
                      " DROP COLUMN open_txid, DROP PRIMARY KEY, ADD PRIMARY KEY (txid),"
                      " ADD UNIQUE KEY seq (seq), MODIFY sender VARCHAR(40) CHARACTER SET utf8mb4"
                      " COLLATE utf8mb4_general_ci NOT NULL, MODIFY recipient VARCHAR(40)"
                      " CHARACTER SET latin1 NOT NULL, MODIFY status VARCHAR(16) NOT NULL");
    if (db.my) {
        raw_exec(&db, "ALTER TABLE wallet MODIFY address VARCHAR(40) NOT NULL");
        raw_exec(&db, "ALTER TABLE users MODIFY address VARCHAR(40) NOT NULL");
    }
    raw_exec(&db, "DROP TABLE txindex");
    raw_exec(&db, "DELETE FROM meta WHERE `key` = 'txindex_seq'");
    long long rows = raw_int(&db, "SELECT count(*) FROM transactions");
    raw_close(&db);
    s = open_ok("t.db");
    assert_status(s, t3, CB_TX_CONFIRMED, 6);
    assert_status(s, t4, CB_TX_PENDING, 0);
    assert_listed(s);
    cb_store_close(s);
    raw_open(&db, "t.db");
    if (db.my) /* its addresses compared byte for byte, as a new store's */
        assert_int_equal(raw_int(&db, "SELECT count(*) FROM information_schema.COLUMNS"
                                      " WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME IN"
                                      " ('sender', 'recipient', 'status', 'address')"
                                      " AND COLLATION_NAME = 'ascii_bin'"),
                         5); /* users' and wallet's address too */
    assert_int_equal(raw_int(&db, "SELECT count(*) FROM transactions"), rows);
    assert_int_equal(raw_int(&db, "SELECT count(*) FROM txindex"), rows);
    assert_int_equal(rows_of(&db, t3), 1);
    raw_close(&db);
    for (int h = 1; h <= 4; h++)
        cb_block_clear(&a[h]);
    for (int h = 3; h <= 6; h++)
        cb_block_clear(&b[h]);
    cb_chain_free(c);
}

/* The child: connects blocks (with payments) forever, until killed. */
static void crash_child(const char *name, uint32_t seed)
{
    cb_store *s = open_ok(name);
    cb_chain *c = cb_chain_new(P, seed);
    cb_chainstore *cs;
    if (cb_chainstore_open(&cs, c, s, NOW, NULL) != CB_OK)
        _exit(3);
    cb_account a;
    for (uint32_t i = 0;; i++) {
        const cb_chain_entry *tip = cb_chain_tip(c);
        cb_block b;
        cb_accounts_get(cb_chain_state(c), id[0], &a);
        uint64_t pay = a.balance > 2 * CB_COIN ? CB_COIN : 0;
        block_on(&b, tip->hash, tip->height + 1, 0, pay, a.nonce, seed + i);
        size_t bad;
        if (cb_chainstore_accept_block(cs, &b, NOW, &bad) != CB_OK)
            _exit(4);
        cb_block_clear(&b);
    }
}

/* Write-behind: connects and a reorganisation queued to the writer
 * thread, every read seeing them first; then a write that cannot be made
 * (the file locked by another connection) stops the writer, and every
 * later call says so, while the store stays whole at the step before. */
/* A stored side block that breaks a rule when a switch reaches it is
 * remembered: the next start does not try that switch again. */
static void test_invalid_is_remembered(void **state)
{
    (void)state;
    const cb_load_options opt = {CB_CHECKBLOCKS_DEFAULT, CB_CHECKLEVEL_DEFAULT, false, NULL};
    cb_store *s = open_ok("i.db");
    cb_chain *c = cb_chain_new(P, 1);
    cb_chainstore *cs;
    cb_load_report r;
    assert_int_equal(cb_chainstore_open_checked(&cs, c, s, NOW, &opt, &r), CB_OK);
    static cb_block a[6], x[6];
    uint8_t prev[32], bad_hash[32];
    size_t bad;
    block_on(&a[1], NULL, 1, 0, 0, 0, 0);
    assert_int_equal(cb_chainstore_accept_block(cs, &a[1], NOW, &bad), CB_OK);
    for (uint32_t h = 2; h <= 4; h++) {
        cb_header_hash(prev, &a[h - 1].header);
        block_on(&a[h], prev, h, 0, 0, 0, 0);
        assert_int_equal(cb_chainstore_accept_block(cs, &a[h], NOW, &bad), CB_OK);
    }
    /* From 2: x3, x4, x5; x4 pays with a nonce key 0 never reached. x4
     * and x5 arrive first (stored aside, waiting for x3), then x3: the
     * switch to x5 fails at x4, and all three stay stored. */
    cb_header_hash(prev, &a[2].header);
    for (uint32_t h = 3; h <= 5; h++) {
        block_on(&x[h], prev, h, 1, h == 4 ? CB_COIN : 0, 7, 2);
        cb_header_hash(prev, &x[h].header);
    }
    cb_header_hash(bad_hash, &x[4].header);
    assert_int_equal(cb_chain_accept_header(c, &x[3].header, NOW, NULL), CB_OK);
    assert_int_equal(cb_chain_accept_header(c, &x[4].header, NOW, NULL), CB_OK);
    assert_int_equal(cb_chainstore_accept_block(cs, &x[4], NOW, &bad), CB_OK);
    assert_int_equal(cb_chainstore_accept_block(cs, &x[5], NOW, &bad), CB_OK);
    assert_int_equal(cb_chainstore_accept_block(cs, &x[3], NOW, &bad), CB_OK);
    assert_int_equal(cb_chain_tip(c)->height, 4);
    assert_true(cb_chain_lookup(c, bad_hash)->status & CB_ENTRY_FAILED);
    assert_store_matches(s, c);
    cb_chainstore_free(cs);
    cb_store_close(s);

    s = open_ok("i.db");
    cb_chain *c2 = cb_chain_new(P, 2);
    assert_int_equal(cb_chainstore_open_checked(&cs, c2, s, NOW, &opt, &r), CB_OK);
    assert_int_equal(r.disconnected, 0); /* no switch tried */
    assert_int_equal(r.connected, 0);
    assert_true(cb_chain_lookup(c2, bad_hash)->status & CB_ENTRY_FAILED);
    assert_true(cb_chain_lookup(c2, prev)->status & CB_ENTRY_FAILED_CHILD);
    assert_memory_equal(cb_chain_tip(c2)->hash, cb_chain_tip(c)->hash, 32);
    assert_store_matches(s, c2);
    cb_chainstore_free(cs);
    cb_store_close(s);
    for (int h = 1; h <= 4; h++)
        cb_block_clear(&a[h]);
    for (int h = 3; h <= 5; h++)
        cb_block_clear(&x[h]);
    cb_chain_free(c);
    cb_chain_free(c2);
}

static void test_write_behind(void **state)
{
    (void)state;
    const cb_load_options opt = {CB_CHECKBLOCKS_DEFAULT, CB_CHECKLEVEL_DEFAULT, false, NULL};
    cb_store *s;
    cb_chain *c;
    cb_chainstore *cs = start_behind("w.db", 1, 2, &s, &c);
    cb_load_report r;
    static cb_block a[24], b[24];
    uint8_t prev[32];
    size_t bad;
    accept_line(cs, a, 1, 20);
    /* Writes gathered into a group go without anyone asking: another
     * connection soon reads the tip at 20 (within the group's 100 ms
     * and a write; a writer that held them back would fail here). */
    raw_db raw;
    raw_open(&raw, "w.db");
    long long stored = 0;
    for (int i = 0; i < 500 && stored != 20; i++) {
        struct timespec d = {0, 10 * 1000000L};
        nanosleep(&d, NULL);
        stored = raw_int(&raw, "SELECT coalesce((SELECT value + 0 FROM meta"
                               " WHERE `key` = 'tip_height'), 0)");
    }
    raw_close(&raw);
    assert_int_equal(stored, 20);
    assert_store_matches(s, c); /* its reads wait for the queue */
    /* A branch from 10, heavier: the disconnects read journals the writer
     * wrote a moment ago. */
    cb_header_hash(prev, &a[10].header);
    accept_branch(cs, b, prev, 11, 22);
    assert_int_equal(cb_store_flush(s), CB_OK);
    assert_int_equal(cb_chain_tip(c)->height, 22);
    assert_store_matches(s, c);
    if (!mysql_base) {
        /* Another connection holds the write lock past the busy timeout. */
        char path[300];
        sqlite3 *other = NULL;
        path_for(path, sizeof path, "w.db");
        assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
        assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        block_on(&b[23], prev, 23, 1, 0, 0, 1);
        assert_int_equal(cb_chainstore_accept_block(cs, &b[23], NOW, &bad), CB_OK); /* queued */
        assert_int_equal(cb_store_flush(s), CB_ERR_STORE);
        assert_int_equal(cb_store_failed(s), CB_ERR_STORE);
        assert_non_null(strstr(cb_store_last_error(s), "locked"));
        uint8_t tip[32];
        uint32_t height;
        assert_int_equal(cb_store_tip(s, tip, &height), CB_ERR_STORE);
        sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(other);
        cb_chainstore_free(cs);
        cb_store_close(s);
        /* The store stopped at 22, whole: a start takes it from there. */
        s = open_ok("w.db");
        cb_chain *c2 = cb_chain_new(P, 2);
        assert_int_equal(cb_chainstore_open_checked(&cs, c2, s, NOW, &opt, &r), CB_OK);
        assert_int_equal(cb_chain_tip(c2)->height, 22);
        cb_chainstore_free(cs);
        cb_store_close(s);
        cb_chain_free(c2);
    } else {
        cb_chainstore_free(cs);
        cb_store_close(s);
    }
    for (int h = 1; h <= 20; h++)
        cb_block_clear(&a[h]);
    for (int h = 11; h <= 23; h++)
        cb_block_clear(&b[h]);
    cb_chain_free(c);
}

/* Batches of many steps (a queue 64 deep, filled faster than written):
 * an account that several steps of a batch change, connects and the
 * disconnects of a reorganisation, is written once at the batch's end,
 * at its last value; the store read again from scratch agrees. */
static void test_batched_accounts(void **state)
{
    (void)state;
    const cb_load_options opt = {CB_CHECKBLOCKS_DEFAULT, CB_CHECKLEVEL_DEFAULT, false, NULL};
    cb_store *s;
    cb_chain *c;
    cb_chainstore *cs = start_behind("g.db", 6, 64, &s, &c);
    static cb_block a[40], b[40];
    uint8_t prev[32];
    accept_line(cs, a, 1, 36);
    cb_header_hash(prev, &a[20].header);
    accept_branch(cs, b, prev, 21, 38); /* 16 blocks undone, 18 on top */
    assert_int_equal(cb_store_flush(s), CB_OK);
    assert_int_equal(cb_chain_tip(c)->height, 38);
    assert_store_matches(s, c);
    cb_chainstore_free(cs);
    cb_store_close(s);
    s = open_ok("g.db");
    cb_chain *c2 = cb_chain_new(P, 7);
    cb_load_report r;
    assert_int_equal(cb_chainstore_open_checked(&cs, c2, s, NOW, &opt, &r), CB_OK);
    assert_int_equal(cb_chain_tip(c2)->height, 38);
    assert_true(cb_accounts_equal(cb_chain_state(c2), cb_chain_state(c)));
    assert_store_matches(s, c2);
    cb_chainstore_free(cs);
    cb_store_close(s);
    for (int h = 1; h <= 36; h++)
        cb_block_clear(&a[h]);
    for (int h = 21; h <= 38; h++)
        cb_block_clear(&b[h]);
    cb_chain_free(c);
    cb_chain_free(c2);
}

/* Another connection's transaction that holds the row the writer
 * writes at every step (the tip), and its end after a pause. */
typedef struct {
    raw_db raw;
    cb_store *s;
    pthread_t t;
    cb_store_queue during;    /* the queue just before the lock goes */
    long long read_committed; /* MySQL: the waiting writer's transactions at that level */
} tip_lock;

static void *release_tip_later(void *arg)
{
    tip_lock *l = arg;
    struct timespec d = {0, 800 * 1000000L};
    nanosleep(&d, NULL);
    cb_store_queue_stats(l->s, &l->during);
    if (l->raw.my)
        l->read_committed = raw_int(&l->raw, "SELECT COUNT(*) FROM information_schema.INNODB_TRX"
                                             " WHERE trx_mysql_thread_id <> CONNECTION_ID()"
                                             " AND trx_state = 'LOCK WAIT'"
                                             " AND trx_isolation_level = 'READ COMMITTED'");
    raw_exec(&l->raw, "ROLLBACK");
    return NULL;
}

/* Takes the lock on `name`'s tip row now; it goes 0.8 s later. */
static void lock_tip_briefly(tip_lock *l, cb_store *s, const char *name)
{
    memset(l, 0, sizeof *l);
    l->s = s;
    raw_open(&l->raw, name);
    raw_exec(&l->raw, "BEGIN");
    raw_exec(&l->raw, "UPDATE meta SET value = value WHERE `key` = 'tip_height'");
    assert_int_equal(pthread_create(&l->t, NULL, release_tip_later, l), 0);
}

static void unlock_tip(tip_lock *l)
{
    pthread_join(l->t, NULL);
    raw_close(&l->raw);
}

/* The queue is bounded in bytes as well as in writes: while the writer
 * waits on another connection's lock, 30 blocks come from the loop; a
 * queue of 64 writes but only about 4 blocks' bytes takes 4 or so, the
 * loop waits for room, and every block is written once the lock goes. */
static void test_write_behind_bytes(void **state)
{
    (void)state;
    cb_store *s;
    cb_chain *c;
    static cb_block a[32];
    /* The bound: 4 blocks of the size accept_line makes (two payments,
     * a journal of 3 accounts), counted as the store counts them. */
    const size_t bytes = 4 * (1024 + 2 * sizeof(cb_tx));
    cb_chainstore *cs = start_behind_bounded("q.db", 9, 64, bytes, &s, &c);
    accept_line(cs, a, 1, 2);
    assert_int_equal(cb_store_flush(s), CB_OK);
    tip_lock l;
    lock_tip_briefly(&l, s, "q.db");
    accept_line(cs, a, 3, 30); /* waits for room while the lock holds */
    unlock_tip(&l);
    assert_int_equal(cb_store_flush(s), CB_OK);
    cb_store_queue q;
    cb_store_queue_stats(s, &q);
    assert_int_equal(q.writes, 0);
    assert_int_equal(q.bytes, 0);
    assert_int_equal(q.max_writes, 64);
    assert_int_equal(q.max_bytes, bytes);
    /* While the lock held, the queue was full by bytes, not by writes. */
    assert_true(l.during.writes >= 2);
    assert_true(l.during.writes < 28);
    assert_true(l.during.bytes <= bytes);
    assert_true(l.during.bytes + 1024 + 2 * sizeof(cb_tx) > bytes / 2);
    assert_true(q.peak_bytes <= bytes);
    assert_true(q.peak_writes < 28);
    if (mysql_base) {
        /* The writer's connection reads at READ COMMITTED, unless its
         * server logs statements (that log cannot take its catch-up). */
        raw_db raw;
        raw_open(&raw, "q.db");
        long long statements = raw_int(&raw, "SELECT @@log_bin AND @@binlog_format = 'STATEMENT'");
        raw_close(&raw);
        assert_int_equal(l.read_committed, !statements);
    }
    assert_store_matches(s, c);
    assert_int_equal(cb_chain_tip(c)->height, 30);
    cb_chainstore_free(cs);
    cb_store_close(s);
    for (int h = 1; h <= 30; h++)
        cb_block_clear(&a[h]);
    cb_chain_free(c);
}

/* One batch that connects a block, disconnects it and connects a
 * branch block with the same payment (written to the store directly,
 * queued while the writer waits on a lock): the payment, open again
 * after the disconnect, is the one row the branch confirms, not a
 * second row beside a pending one. */
static void test_reorg_in_one_batch(void **state)
{
    (void)state;
    cb_store *s;
    cb_chain *c;
    static cb_block a[16], b13;
    cb_chainstore *cs = start_behind("rb.db", 10, 64, &s, &c);
    accept_line(cs, a, 1, 11);
    assert_int_equal(cb_store_flush(s), CB_OK);
    cb_accounts *st = cb_accounts_new(3);
    assert_non_null(st);
    uint8_t id20[20], h12[32], h13[32], hb[32];
    cb_account acct;
    for (size_t pos = 0; cb_accounts_next(cb_chain_state(c), &pos, id20, &acct);)
        assert_int_equal(cb_accounts_set(st, id20, &acct), CB_OK);
    cb_header_hash(h12, &a[11].header);
    block_on(&a[12], h12, 12, 0, CB_COIN, 9, 0);
    cb_header_hash(h12, &a[12].header);
    block_on(&a[13], h12, 13, 1, CB_COIN, 10, 0);
    block_on(&b13, h12, 13, 0, CB_COIN, 10, 1); /* a[13]'s payment again */
    cb_header_hash(h13, &a[13].header);
    cb_header_hash(hb, &b13.header);
    cb_undo u12, u13, ub;
    cb_undo_init(&u12);
    cb_undo_init(&u13);
    cb_undo_init(&ub);
    size_t bad;
    tip_lock l;
    lock_tip_briefly(&l, s, "rb.db");
    assert_int_equal(cb_block_connect(P, st, &u12, &a[12], 12, &bad), CB_OK);
    assert_int_equal(cb_store_connect(s, h12, 12, &a[12], &u12, st), CB_OK); /* waits on the lock */
    struct timespec d = {0, 250 * 1000000L};
    nanosleep(&d, NULL); /* past the writer's gathering: the rest is one batch */
    assert_int_equal(cb_block_connect(P, st, &u13, &a[13], 13, &bad), CB_OK);
    assert_int_equal(cb_store_connect(s, h13, 13, &a[13], &u13, st), CB_OK);
    assert_int_equal(cb_block_disconnect(st, &u13), CB_OK);
    assert_int_equal(cb_store_disconnect(s, h13, &a[13]), CB_OK);
    assert_int_equal(cb_block_connect(P, st, &ub, &b13, 13, &bad), CB_OK);
    assert_int_equal(cb_store_connect(s, hb, 13, &b13, &ub, st), CB_OK);
    unlock_tip(&l);
    assert_int_equal(cb_store_flush(s), CB_OK);
    uint8_t txid[32], other[32], tip[32];
    cb_tx_txid(txid, &b13.txs[1]);
    cb_tx_txid(other, &a[13].txs[1]);
    assert_memory_equal(txid, other, 32);
    cb_tx_status ts;
    uint32_t h = 0;
    assert_int_equal(cb_store_tx_status(s, txid, &ts, &h), CB_OK);
    assert_int_equal(ts, CB_TX_CONFIRMED);
    assert_int_equal(h, 13);
    assert_int_equal(cb_store_tip(s, tip, &h), CB_OK);
    assert_memory_equal(tip, hb, 32);
    assert_int_equal(h, 13);
    cb_accounts *w = cb_accounts_new(5);
    assert_int_equal(cb_store_load_accounts(s, w), CB_OK);
    assert_true(cb_accounts_equal(w, st));
    cb_accounts_free(w);
    cb_accounts_free(st);
    cb_undo_clear(&u12);
    cb_undo_clear(&u13);
    cb_undo_clear(&ub);
    cb_chainstore_free(cs);
    cb_store_close(s);
    for (int k = 1; k <= 13; k++)
        cb_block_clear(&a[k]);
    cb_block_clear(&b13);
    cb_chain_free(c);
}

/* A write that fails inside a batch: the writes before it stay, nothing
 * after it is written, and the error says why; a start takes the store
 * from the last good write. (A trigger of the test's own refuses the row
 * of block 7.) */
static void test_failed_write_in_batch(void **state)
{
    (void)state;
    const cb_load_options opt = {CB_CHECKBLOCKS_DEFAULT, CB_CHECKLEVEL_DEFAULT, false, NULL};
    cb_store *s;
    cb_chain *c;
    cb_chainstore *cs = start_behind("fail.db", 5, 32, &s, &c);
    raw_db raw;
    raw_open(&raw, "fail.db");
    raw_exec(&raw, mysql_base ? "CREATE TRIGGER refuse7 BEFORE INSERT ON blockchain FOR EACH ROW"
                                " BEGIN IF NEW.height = 7 THEN SIGNAL SQLSTATE '45000'"
                                " SET MESSAGE_TEXT = 'refused by the test'; END IF; END"
                              : "CREATE TRIGGER refuse7 BEFORE INSERT ON blockchain"
                                " WHEN NEW.height = 7 BEGIN"
                                " SELECT RAISE(ABORT, 'refused by the test'); END");
    static cb_block a[13];
    size_t bad;
    accept_line(cs, a, 1, 1);
    /* Written, so the rest comes in a stream the writer gathers. */
    assert_int_equal(cb_store_flush(s), CB_OK);
    accept_line(cs, a, 2, 12);
    assert_int_equal(cb_store_flush(s), CB_ERR_STORE);
    assert_non_null(strstr(cb_store_last_error(s), "refused by the test"));
    assert_int_equal(raw_int(&raw, "SELECT coalesce((SELECT value + 0 FROM meta"
                                   " WHERE `key` = 'tip_height'), 0)"),
                     6);
    assert_int_equal(raw_int(&raw, "SELECT count(*) FROM blockchain WHERE height > 6"), 0);
    raw_exec(&raw, "DROP TRIGGER refuse7");
    raw_close(&raw);
    cb_chainstore_free(cs);
    cb_store_close(s);
    cb_chain_free(c);
    /* A start finds the store whole at 6 and goes on from there. */
    cb_load_report r;
    s = open_ok("fail.db");
    c = cb_chain_new(P, 6);
    assert_int_equal(cb_chainstore_open_checked(&cs, c, s, NOW, &opt, &r), CB_OK);
    assert_int_equal(cb_chain_tip(c)->height, 6);
    assert_store_matches(s, c);
    for (uint32_t h = 7; h <= 12; h++)
        assert_int_equal(cb_chainstore_accept_block(cs, &a[h], NOW, &bad), CB_OK);
    assert_int_equal(cb_chain_tip(c)->height, 12);
    assert_store_matches(s, c);
    cb_chainstore_free(cs);
    cb_store_close(s);
    cb_chain_free(c);
    for (int h = 1; h <= 12; h++)
        cb_block_clear(&a[h]);
}

/* A connect made a second time, as the writer makes a batch's writes
 * again when the server went away with the commit's reply (the commit
 * itself went through): it finds itself done, and adds no payment row
 * and no undo record. Only a server's reply is lost so: SQLite commits
 * or fails in the process, and its failed batch was rolled back. */
static void test_connect_made_again(void **state)
{
    (void)state;
    if (!mysql_base)
        skip();
    cb_store *s;
    cb_chain *c;
    cb_chainstore *cs = start_behind("again.db", 8, 8, &s, &c);
    static cb_block a[6];
    accept_line(cs, a, 1, 5);
    assert_int_equal(cb_store_flush(s), CB_OK);
    raw_db raw;
    raw_open(&raw, "again.db");
    long long rows = raw_int(&raw, "SELECT count(*) FROM transactions");
    long long undos = raw_int(&raw, "SELECT count(*) FROM `undo`");
    assert_int_equal(rows, 6 + 3); /* coinbases of 0 to 5, payments in 3, 4, 5 */
    assert_int_equal(raw_int(&raw, "SELECT count(*) FROM blockchain WHERE active = 1"), 6);
    const cb_chain_entry *tip = cb_chain_tip(c);
    cb_undo undo;
    cb_undo_init(&undo);
    assert_int_equal(cb_store_get_undo(s, tip->hash, &undo), CB_OK);
    assert_int_equal(cb_store_connect(s, tip->hash, 5, &a[5], &undo, cb_chain_state(c)), CB_OK);
    assert_int_equal(cb_store_flush(s), CB_OK);
    assert_int_equal(raw_int(&raw, "SELECT count(*) FROM transactions"), rows);
    assert_int_equal(raw_int(&raw, "SELECT count(*) FROM transactions WHERE status = 'confirmed'"),
                     rows);
    assert_int_equal(raw_int(&raw, "SELECT count(*) FROM `undo`"), undos);
    assert_int_equal(raw_int(&raw, "SELECT count(*) FROM blockchain WHERE active = 1"), 6);
    assert_store_matches(s, c);
    raw_close(&raw);
    cb_undo_clear(&undo);
    cb_chainstore_free(cs);
    cb_store_close(s);
    cb_chain_free(c);
    for (int h = 1; h <= 5; h++)
        cb_block_clear(&a[h]);
}

static void test_kill_during_connects(void **state)
{
    (void)state;
    uint32_t last_height = 0;
    for (int round = 0; round < 6; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            crash_child("crash.db", (uint32_t)round * 1000 + 1);
        /* Let it run a moment, then kill -9 wherever it is. */
        /* A server needs longer to set up a database than SQLite a file. */
        long ms = mysql_base ? 400 + (long)cbt_random_below(600) : 50 + (long)cbt_random_below(300);
        struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&d, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        assert_true(WIFSIGNALED(status));
        /* Reopen: the chain rebuilt from the blocks equals the wallet
         * table and tip the store recorded; nothing to repair. */
        cb_store *s = open_ok("crash.db");
        cb_chain *c = cb_chain_new(P, 77);
        cb_chainstore *cs;
        cb_load_report r;
        assert_int_equal(cb_chainstore_open(&cs, c, s, NOW, &r), CB_OK);
        assert_int_equal(r.refused, 0);
        assert_false(r.wallet_repaired);
        assert_store_matches(s, c);
        assert_true(cb_chain_tip(c)->height >= last_height);
        last_height = cb_chain_tip(c)->height;
        cb_chainstore_free(cs);
        cb_chain_free(c);
        cb_store_close(s);
    }
    print_message("kill -9 rounds reached height %u\n", last_height);
    assert_true(last_height > 0);
}

/* The id of the connection running a statement like `like` on the
 * server, other than r's own, once one is (looked for up to 30 s);
 * 0 when none came. */
static long long connection_running(raw_db *r, const char *like)
{
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT COALESCE(MAX(ID), 0) FROM information_schema.PROCESSLIST"
             " WHERE ID <> CONNECTION_ID() AND INFO LIKE '%s'",
             like);
    long long found = 0;
    for (int i = 0; i < 300 && (found = raw_int(r, sql)) == 0; i++)
        usleep(100 * 1000);
    return found;
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* MySQL: the txid index catches up on a connection of its own. While a
 * catch-up waits (here on a lock the test holds on meta's txindex_seq
 * row), blocks go on being written and their payments are found (by the
 * scan of the rows past the index); a lost indexer connection is made
 * again; a close cuts a waiting catch-up short; and the index catches
 * up once the lock goes. */
static void test_txid_index_beside_writes(void **state)
{
    (void)state;
    if (!mysql_base)
        skip();
    cb_store *s;
    cb_chain *c;
    static cb_block a[16];
    cb_chainstore *cs = start_behind("ix.db", 12, 64, &s, &c);
    accept_line(cs, a, 1, 3);
    assert_int_equal(cb_store_flush(s), CB_OK);
    raw_db db, lock;
    raw_open(&db, "ix.db");
    if (raw_int(&db, "SELECT @@log_bin AND @@binlog_format = 'STATEMENT'")) {
        /* That log keeps the catch-up on the writes' connection. */
        raw_close(&db);
        cb_chainstore_free(cs);
        cb_store_close(s);
        cb_chain_free(c);
        for (int h = 1; h <= 3; h++)
            cb_block_clear(&a[h]);
        skip();
    }
    raw_open(&lock, "ix.db");
    /* More rows than the index lets wait (CB_STORE_TXINDEX_FLOOR). */
    raw_exec(&db, "INSERT INTO transactions (txid, sender, recipient, amount, fee, nonce, time,"
                  " signature, status, raw) SELECT UNHEX(SHA2(seq, 256)), 'x', 'y', 1, 0, seq,"
                  " 0, REPEAT(X'00', 64), 'confirmed', REPEAT(X'00', 153) FROM seq_1_to_60000");
    raw_exec(&lock, "BEGIN");
    raw_exec(&lock, "INSERT INTO meta (`key`, value) VALUES ('txindex_seq', '0')"
                    " ON DUPLICATE KEY UPDATE value = value");
    accept_line(cs, a, 4, 4); /* the indexer finds a catch-up due: it waits on the lock */
    const char *waiting = "INSERT INTO meta%txindex_seq%";
    long long first = connection_running(&db, waiting);
    assert_true(first > 0);
    /* Blocks go on; their payments are found. */
    accept_line(cs, a, 5, 8);
    uint8_t txid[32];
    cb_tx_txid(txid, &a[8].txs[1]);
    assert_status(s, txid, CB_TX_CONFIRMED, 8);
    assert_store_matches(s, c);
    /* Its connection lost: it connects again and tries again. */
    char sql[64];
    snprintf(sql, sizeof sql, "KILL CONNECTION %lld", first);
    raw_exec(&db, sql);
    long long second = 0;
    for (int i = 0; i < 300 && ((second = connection_running(&db, waiting)) == first); i++)
        usleep(100 * 1000);
    assert_true(second > 0 && second != first);
    /* A close does not wait for the lock (50 s at the server's default). */
    double t0 = seconds_now();
    cb_chainstore_free(cs);
    cb_store_close(s);
    cb_chain_free(c);
    assert_true(seconds_now() - t0 < 10);
    raw_exec(&lock, "ROLLBACK");
    raw_close(&lock);
    /* Open again and written to: the index catches up with every row. */
    cs = start_behind("ix.db", 13, 64, &s, &c);
    accept_line(cs, a, 9, 9);
    assert_int_equal(cb_store_flush(s), CB_OK);
    wait_index_whole(&db);
    assert_int_equal(raw_int(&db, "SELECT count(*) FROM txindex"),
                     raw_int(&db, "SELECT count(*) FROM transactions"));
    assert_status(s, txid, CB_TX_CONFIRMED, 8);
    raw_close(&db);
    cb_chainstore_free(cs);
    cb_store_close(s);
    cb_chain_free(c);
    for (int h = 1; h <= 9; h++)
        cb_block_clear(&a[h]);
}

static void test_uri_redaction(void **state)
{
    (void)state;
    /* Every password, whatever it holds, is hidden up to the '@' the
     * engine itself takes as the end of it. */
    struct {
        const char *uri, *shown;
    } cases[] = {
        {"mysql://u:s3cret@host:3306/db", "mysql://u:***@host:3306/db"},
        {"mysql://u:p@ss@h/db", "mysql://u:***@h/db"},
        {"mysql://u:p@ss:w@rd@h/db", "mysql://u:***@h/db"},
        {"mysql://u:pw@/db?socket=/run/a@b.sock", "mysql://u:***@/db?socket=/run/a@b.sock"},
        {"mysql://u@h/db", "mysql://u@h/db"},
        {"/var/lib/coinbit/coinbit.db", "/var/lib/coinbit/coinbit.db"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char shown[256];
        cb_store_uri_redact(shown, sizeof shown, cases[i].uri);
        assert_string_equal(shown, cases[i].shown);
        assert_null(strstr(shown, "ss@"));
        assert_null(strstr(shown, "rd@"));
    }
    const char *auth = "u:p@ss@h/db?socket=/x@y";
    assert_ptr_equal(cb_store_uri_at(auth), auth + 6);
    assert_null(cb_store_uri_at("h/db"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_and_refuse),
        cmocka_unit_test(test_uri_redaction),
        cmocka_unit_test(test_reorg_written_and_restart),
        cmocka_unit_test(test_bodies_live_in_the_store),
        cmocka_unit_test(test_invalid_is_remembered),
        cmocka_unit_test(test_write_behind),
        cmocka_unit_test(test_batched_accounts),
        cmocka_unit_test(test_write_behind_bytes),
        cmocka_unit_test(test_reorg_in_one_batch),
        cmocka_unit_test(test_failed_write_in_batch),
        cmocka_unit_test(test_connect_made_again),
        cmocka_unit_test(test_payments_found_by_txid),
        cmocka_unit_test(test_payments_found_by_address),
        cmocka_unit_test(test_txid_index_beside_writes),
        cmocka_unit_test(test_users_peers_pending),
        cmocka_unit_test(test_kill_during_connects),
    };
    int failed = cmocka_run_group_tests_name("store on SQLite", tests, setup, teardown);
    mysql_base = getenv("CB_TEST_MYSQL");
    if (mysql_base && *mysql_base) {
        failed += cmocka_run_group_tests_name("store on MySQL", tests, setup, teardown);
        /* Again as on a server without bulk execution: a row at a time. */
        setenv("CB_MYSQL_NO_BULK", "1", 1);
        failed +=
            cmocka_run_group_tests_name("store on MySQL, a row at a time", tests, setup, teardown);
        unsetenv("CB_MYSQL_NO_BULK");
    }
    return failed;
}
