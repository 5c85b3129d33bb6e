/* Users: signup rules, Argon2id password hashes, private keys stored only
 * encrypted, unlock and key import, a store round trip, and tampered or
 * hostile stored records. */
#include "support.h"

#include <stdio.h>
#include <string.h>

#include "core/bytes.h"
#include "node/users.h"
#include "store/store.h"

static cb_keyctx *ctx;
static cb_pwcost cheap;

static int setup(void **state)
{
    (void)state;
    ctx = cb_keyctx_new();
    cheap = cb_pwcost_minimum();
    return ctx ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cb_keyctx_free(ctx);
    return 0;
}

static void test_validation(void **state)
{
    (void)state;
    char why[128];
    assert_int_equal(
        cb_user_validate("Alice", "alice@example.org", "alice_1", "correct horse", why, sizeof why),
        CB_OK);
    struct {
        const char *name, *email, *user, *pw, *field;
    } bad[] = {
        {"", "a@b.org", "alice", "password1", "name"},
        {"Al\nice", "a@b.org", "alice", "password1", "name"},
        {"Alice", "not-an-email", "alice", "password1", "email"},
        {"Alice", "a@b", "alice", "password1", "email"},
        {"Alice", "a b@c.org", "alice", "password1", "email"},
        {"Alice", "a@b.org", "al", "password1", "username"},
        {"Alice", "a@b.org", "alice-1", "password1", "username"},
        {"Alice", "a@b.org", "abcdefghijklmnopqrstuvwxyz0123456", "password1", "username"},
        {"Alice", "a@b.org", "alice", "short", "password"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(
            cb_user_validate(bad[i].name, bad[i].email, bad[i].user, bad[i].pw, why, sizeof why),
            CB_ERR_ARG);
        assert_non_null(strstr(why, bad[i].field));
    }
    char longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    assert_int_equal(cb_user_validate(longname, "a@b.org", "alice", "password1", why, sizeof why),
                     CB_ERR_ARG);
}

static void test_create_check_unlock(void **state)
{
    (void)state;
    cb_user_record u;
    char why[128];
    uint8_t priv[32], pub[33];
    assert_int_equal(cb_user_create(ctx, &cheap, "Alice", "alice@example.org", "alice",
                                    "correct horse", 1795400000, &u, why, sizeof why),
                     CB_OK);
    assert_int_equal(strncmp(u.pwhash, "$argon2id$", 10), 0);
    assert_int_equal(cb_user_check_password(&u, "correct horse"), CB_OK);
    assert_int_equal(cb_user_check_password(&u, "correct horsE"), CB_ERR_BAD_PASSWORD);
    assert_int_equal(cb_user_unlock(&u, "wrong password", priv), CB_ERR_BAD_PASSWORD);
    assert_int_equal(cb_user_unlock(&u, "correct horse", priv), CB_OK);
    assert_int_equal(cb_key_public(ctx, pub, priv), CB_OK);
    assert_memory_equal(pub, u.pubkey, 33);
    /* The private key appears nowhere in the record in the clear. */
    const uint8_t *raw = (const uint8_t *)&u;
    for (size_t i = 0; i + 32 <= sizeof u; i++)
        assert_memory_not_equal(raw + i, priv, 32);
    /* Two users with the same password get different hashes (salted). */
    cb_user_record v;
    assert_int_equal(cb_user_create(ctx, &cheap, "Bob", "bob@example.org", "bob", "correct horse",
                                    1795400000, &v, why, sizeof why),
                     CB_OK);
    assert_string_not_equal(u.pwhash, v.pwhash);
    cb_key_wipe(priv, sizeof priv);
}

static void test_tampered_records(void **state)
{
    (void)state;
    cb_user_record u, t;
    char why[128];
    uint8_t priv[32];
    assert_int_equal(cb_user_create(ctx, &cheap, "Carol", "carol@example.org", "carol",
                                    "password123", 1, &u, why, sizeof why),
                     CB_OK);
    /* A changed ciphertext byte fails its MAC. */
    t = u;
    t.enc_key[70] ^= 1;
    assert_int_equal(cb_user_unlock(&t, "password123", priv), CB_ERR_BAD_PASSWORD);
    /* A hostile cost (1 TiB of memory) is refused before any work. */
    t = u;
    cb_put_u64le(t.enc_key + 9, (uint64_t)1 << 40);
    assert_int_equal(cb_user_unlock(&t, "password123", priv), CB_ERR_STORE);
    /* Wrong length or version. */
    t = u;
    t.enc_len = 40;
    assert_int_equal(cb_user_unlock(&t, "password123", priv), CB_ERR_STORE);
    t = u;
    t.enc_key[0] = 9;
    assert_int_equal(cb_user_unlock(&t, "password123", priv), CB_ERR_STORE);
    /* Someone else's public key beside this encrypted key. */
    t = u;
    t.pubkey[10] ^= 1;
    assert_int_equal(cb_user_unlock(&t, "password123", priv), CB_ERR_STORE);
    /* A password hash with no end is refused, not read past. */
    t = u;
    memset(t.pwhash, 'a', sizeof t.pwhash);
    assert_int_equal(cb_user_check_password(&t, "password123"), CB_ERR_BAD_PASSWORD);
    /* A stored hash that names a hostile cost is refused before libsodium
     * would run it: 4 TiB, a million passes, more lanes, or no cost. */
    const char *costs[] = {"m=4294967295,t=2,p=1", "m=8,t=1000000,p=1", "m=8,t=2,p=4",
                           "m=,t=2,p=1",           "m=8,t=2",           "m=00000000008,t=2,p=1"};
    for (size_t i = 0; i < sizeof costs / sizeof costs[0]; i++) {
        t = u;
        const char *rest = strchr(strstr(u.pwhash, "$m=") + 1, '$');
        snprintf(t.pwhash, sizeof t.pwhash, "$argon2id$v=19$%s%s", costs[i], rest);
        assert_int_equal(cb_user_check_password(&t, "password123"), CB_ERR_STORE);
    }
    t = u;
    t.pwhash[2] = 'X'; /* another algorithm's name */
    assert_int_equal(cb_user_check_password(&t, "password123"), CB_ERR_STORE);
    /* The real one still verifies. */
    assert_int_equal(cb_user_check_password(&u, "password123"), CB_OK);
}

static void test_import_key_and_store(void **state)
{
    (void)state;
    cb_user_record u, got;
    char why[128], dir[] = "/tmp/cb-users-XXXXXX", path[300], msg[256];
    uint8_t imported[32], priv[32];
    assert_int_equal(cb_user_create(ctx, &cheap, "Dave", "dave@example.org", "dave", "password123",
                                    1, &u, why, sizeof why),
                     CB_OK);
    cbt_key(imported, 4242);
    assert_int_equal(cb_user_set_key(ctx, &cheap, &u, "nope nope", imported), CB_ERR_BAD_PASSWORD);
    assert_int_equal(cb_user_set_key(ctx, &cheap, &u, "password123", imported), CB_OK);
    assert_int_equal(cb_user_unlock(&u, "password123", priv), CB_OK);
    assert_memory_equal(priv, imported, 32);
    /* Through the store and back. */
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/u.db", dir);
    cb_store *s = NULL;
    assert_int_equal(cb_store_open(&s, cb_params_regtest(), path, msg, sizeof msg), CB_OK);
    assert_int_equal(cb_store_add_user(s, &u), CB_OK);
    assert_int_equal(cb_store_get_user(s, "dave", &got), CB_OK);
    assert_int_equal(cb_user_check_password(&got, "password123"), CB_OK);
    assert_int_equal(cb_user_unlock(&got, "password123", priv), CB_OK);
    assert_memory_equal(priv, imported, 32);
    cb_store_close(s);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_default_cost(void **state)
{
    (void)state;
    /* The real cost, once: 64 MiB Argon2id. */
    cb_pwcost cost = cb_pwcost_default();
    cb_user_record u;
    char why[128];
    uint8_t priv[32];
    assert_int_equal(cb_user_create(ctx, &cost, "Erin", "erin@example.org", "erin", "password123",
                                    1, &u, why, sizeof why),
                     CB_OK);
    assert_non_null(strstr(u.pwhash, "m=65536"));
    assert_int_equal(cb_user_unlock(&u, "password123", priv), CB_OK);
}

/* The login throttle: free tries, then waits that double to a minute,
 * a fresh start after a success, and a flood of other names cannot push
 * out a throttled one. */
static void test_login_throttle(void **state)
{
    (void)state;
    static cb_login_throttle t;
    memset(&t, 0, sizeof t);
    int64_t now = 1000;
    assert_int_equal(cb_login_throttle_wait(&t, "alice", now), 0);
    assert_int_equal(cb_login_throttle_failed(&t, "alice", now), 1);
    assert_int_equal(cb_login_throttle_failed(&t, "alice", now), 2);
    assert_int_equal(cb_login_throttle_wait(&t, "alice", now), 0);
    assert_int_equal(cb_login_throttle_failed(&t, "alice", now), 3);
    assert_int_equal(cb_login_throttle_wait(&t, "alice", now), 1);
    assert_int_equal(cb_login_throttle_wait(&t, "bob", now), 0);
    int64_t last = 1;
    for (unsigned f = 4; f < 20; f++) {
        cb_login_throttle_failed(&t, "alice", now);
        int64_t w = cb_login_throttle_wait(&t, "alice", now);
        assert_true(w >= last && w <= 60);
        last = w;
    }
    assert_int_equal(last, 60);
    /* Other names fill every other slot: alice's wait stays. */
    for (unsigned i = 0; i < 10 * CB_LOGIN_SLOTS; i++) {
        char name[32];
        snprintf(name, sizeof name, "guess%u", i);
        cb_login_throttle_failed(&t, name, now);
    }
    assert_int_equal(cb_login_throttle_wait(&t, "alice", now), 60);
    assert_int_equal(cb_login_throttle_wait(&t, "alice", now + 59), 1);
    assert_int_equal(cb_login_throttle_wait(&t, "alice", now + 60), 0);
    cb_login_throttle_passed(&t, "alice");
    assert_int_equal(cb_login_throttle_failed(&t, "alice", now), 1);
    /* Asking about other names claims no slot: alice's count stays. */
    for (unsigned i = 0; i < 10 * CB_LOGIN_SLOTS; i++) {
        char name[32];
        snprintf(name, sizeof name, "asker%u", i);
        assert_int_equal(cb_login_throttle_wait(&t, name, now), 0);
    }
    assert_int_equal(cb_login_throttle_failed(&t, "alice", now), 2);
    cb_login_throttle_passed(&t, "alice");
    assert_int_equal(cb_login_throttle_failed(&t, "alice", now), 1);
    assert_int_equal(cb_login_throttle_wait(&t, "alice", now), 0);
    /* A name longer than a slot holds is throttled by its first 32
     * characters, not given a fresh slot each time. */
    const char *longname = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    for (unsigned i = 0; i < 5; i++)
        cb_login_throttle_failed(&t, longname, now);
    assert_true(cb_login_throttle_wait(&t, longname, now) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validation),       cmocka_unit_test(test_create_check_unlock),
        cmocka_unit_test(test_tampered_records), cmocka_unit_test(test_import_key_and_store),
        cmocka_unit_test(test_default_cost),     cmocka_unit_test(test_login_throttle),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
