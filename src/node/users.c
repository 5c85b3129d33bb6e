#include "node/users.h"

#include <regex.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/bytes.h"

/* Encrypted key, version 1:
 *   [0] 1 | [1..9) opslimit | [9..17) memlimit | [17..33) salt |
 *   [33..57) nonce | [57..105) secretbox(private key) */
#define ENC_VERSION 1
#define ENC_SALT 17
#define ENC_NONCE (ENC_SALT + crypto_pwhash_SALTBYTES)
#define ENC_BOX (ENC_NONCE + crypto_secretbox_NONCEBYTES)
#define ENC_LEN (ENC_BOX + crypto_secretbox_MACBYTES + CB_PRIVKEY_LEN)

/* Costs read back from a store are bounded: a hostile database must not
 * make the node allocate gigabytes or spin for minutes. */
#define MAX_OPSLIMIT 16ull
#define MAX_MEMLIMIT ((size_t)1 << 30)

cb_pwcost cb_pwcost_default(void)
{
    cb_pwcost c = {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
    return c;
}

cb_pwcost cb_pwcost_minimum(void)
{
    cb_pwcost c = {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
    return c;
}

static bool printable_text(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

static bool valid_email(const char *s)
{
    regex_t re;
    if (strlen(s) > 254 || !printable_text(s, 3, 254))
        return false;
    if (regcomp(&re, "^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}$",
                REG_EXTENDED | REG_NOSUB) != 0)
        return false;
    bool ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static bool valid_username(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

cb_err cb_user_validate(const char *name, const char *email, const char *username,
                        const char *password, char *why, size_t whylen)
{
    if (!name || !printable_text(name, 1, 128)) {
        snprintf(why, whylen, "name: 1 to 128 characters, no control characters");
        return CB_ERR_ARG;
    }
    if (!email || !valid_email(email)) {
        snprintf(why, whylen, "email: not a valid address (like name@example.org)");
        return CB_ERR_ARG;
    }
    if (!username || !valid_username(username)) {
        snprintf(why, whylen, "username: 3 to 32 letters, digits or '_'");
        return CB_ERR_ARG;
    }
    size_t pw = password ? strlen(password) : 0;
    if (pw < CB_PASSWORD_MIN || pw > CB_PASSWORD_MAX) {
        snprintf(why, whylen, "password: at least %d characters", CB_PASSWORD_MIN);
        return CB_ERR_ARG;
    }
    return CB_OK;
}

/* Encrypts priv under password into u->enc_key. */
static cb_err seal_key(const cb_pwcost *cost, cb_user_record *u, const char *password,
                       const uint8_t priv[CB_PRIVKEY_LEN])
{
    uint8_t key[crypto_secretbox_KEYBYTES];
    uint8_t *e = u->enc_key;
    e[0] = ENC_VERSION;
    cb_put_u64le(e + 1, cost->opslimit);
    cb_put_u64le(e + 9, cost->memlimit);
    randombytes_buf(e + ENC_SALT, crypto_pwhash_SALTBYTES);
    randombytes_buf(e + ENC_NONCE, crypto_secretbox_NONCEBYTES);
    if (crypto_pwhash(key, sizeof key, password, strlen(password), e + ENC_SALT, cost->opslimit,
                      cost->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return CB_ERR_NOMEM;
    crypto_secretbox_easy(e + ENC_BOX, priv, CB_PRIVKEY_LEN, e + ENC_NONCE, key);
    sodium_memzero(key, sizeof key);
    u->enc_len = ENC_LEN;
    return CB_OK;
}

cb_err cb_user_create(const cb_keyctx *ctx, const cb_pwcost *cost, const char *name,
                      const char *email, const char *username, const char *password, int64_t now,
                      cb_user_record *out, char *why, size_t whylen)
{
    uint8_t priv[CB_PRIVKEY_LEN];
    cb_err err = cb_user_validate(name, email, username, password, why, whylen);
    if (err != CB_OK)
        return err;
    if (sodium_init() < 0)
        return CB_ERR_CRYPTO;
    memset(out, 0, sizeof *out);
    snprintf(out->username, sizeof out->username, "%s", username);
    snprintf(out->name, sizeof out->name, "%s", name);
    snprintf(out->email, sizeof out->email, "%s", email);
    out->created = now;
    if (crypto_pwhash_str(out->pwhash, password, strlen(password), cost->opslimit,
                          cost->memlimit) != 0)
        return CB_ERR_NOMEM;
    err = cb_key_generate(priv);
    if (err == CB_OK)
        err = cb_key_public(ctx, out->pubkey, priv);
    if (err == CB_OK)
        err = seal_key(cost, out, password, priv);
    sodium_memzero(priv, sizeof priv);
    return err;
}

/* Reads a decimal number of at most 10 digits at *s, moving past it. */
static bool read_number(const char **s, unsigned long long *out)
{
    const char *c = *s;
    unsigned long long v = 0;
    size_t n = 0;
    while (*c >= '0' && *c <= '9' && n < 10) {
        v = v * 10 + (unsigned long long)(*c - '0');
        c++;
        n++;
    }
    if (n == 0 || (*c >= '0' && *c <= '9'))
        return false;
    *s = c;
    *out = v;
    return true;
}

/* Whether a stored password hash asks for a cost we accept: libsodium's
 * "$argon2id$v=19$m=KiB,t=passes,p=1$..." with m and t within the bounds
 * the encrypted keys have. libsodium would run whatever the string says,
 * so a hostile database could make one login take gigabytes and minutes. */
static bool pwhash_cost_ok(const char *h)
{
    static const char head[] = "$argon2id$v=19$m=";
    unsigned long long m, t, par;
    if (strncmp(h, head, sizeof head - 1) != 0)
        return false;
    h += sizeof head - 1;
    if (!read_number(&h, &m) || strncmp(h, ",t=", 3) != 0)
        return false;
    h += 3;
    if (!read_number(&h, &t) || strncmp(h, ",p=", 3) != 0)
        return false;
    h += 3;
    if (!read_number(&h, &par) || *h != '$')
        return false;
    return par == 1 && t >= crypto_pwhash_OPSLIMIT_MIN && t <= MAX_OPSLIMIT &&
           m * 1024 >= crypto_pwhash_MEMLIMIT_MIN && m * 1024 <= MAX_MEMLIMIT;
}

cb_err cb_user_check_password(const cb_user_record *u, const char *password)
{
    if (sodium_init() < 0)
        return CB_ERR_CRYPTO;
    if (!password || strlen(password) > CB_PASSWORD_MAX)
        return CB_ERR_BAD_PASSWORD;
    /* The stored string names its own cost; it came from our store, but a
     * hand-edited one must not be trusted blindly either. */
    if (memchr(u->pwhash, '\0', sizeof u->pwhash) == NULL)
        return CB_ERR_BAD_PASSWORD;
    if (!pwhash_cost_ok(u->pwhash))
        return CB_ERR_STORE;
    return crypto_pwhash_str_verify(u->pwhash, password, strlen(password)) == 0
               ? CB_OK
               : CB_ERR_BAD_PASSWORD;
}

cb_err cb_user_unlock(const cb_user_record *u, const char *password, uint8_t priv[CB_PRIVKEY_LEN])
{
    uint8_t key[crypto_secretbox_KEYBYTES];
    const uint8_t *e = u->enc_key;
    if (sodium_init() < 0)
        return CB_ERR_CRYPTO;
    if (!password || strlen(password) > CB_PASSWORD_MAX)
        return CB_ERR_BAD_PASSWORD;
    if (u->enc_len != ENC_LEN || e[0] != ENC_VERSION)
        return CB_ERR_STORE;
    uint64_t ops = cb_get_u64le(e + 1), mem = cb_get_u64le(e + 9);
    if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > MAX_OPSLIMIT ||
        mem < crypto_pwhash_MEMLIMIT_MIN || mem > MAX_MEMLIMIT)
        return CB_ERR_STORE;
    if (crypto_pwhash(key, sizeof key, password, strlen(password), e + ENC_SALT, ops, (size_t)mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0)
        return CB_ERR_NOMEM;
    int rc = crypto_secretbox_open_easy(
        priv, e + ENC_BOX, crypto_secretbox_MACBYTES + CB_PRIVKEY_LEN, e + ENC_NONCE, key);
    sodium_memzero(key, sizeof key);
    if (rc != 0) {
        sodium_memzero(priv, CB_PRIVKEY_LEN);
        return CB_ERR_BAD_PASSWORD;
    }
    /* The key must be the one whose address the user has. */
    cb_keyctx *ctx = cb_keyctx_new();
    uint8_t pub[CB_PUBKEY_LEN];
    cb_err err = ctx ? cb_key_public(ctx, pub, priv) : CB_ERR_NOMEM;
    cb_keyctx_free(ctx);
    if (err != CB_OK || memcmp(pub, u->pubkey, CB_PUBKEY_LEN) != 0) {
        sodium_memzero(priv, CB_PRIVKEY_LEN);
        return err == CB_ERR_NOMEM ? err : CB_ERR_STORE;
    }
    return CB_OK;
}

cb_err cb_user_set_key(const cb_keyctx *ctx, const cb_pwcost *cost, cb_user_record *u,
                       const char *password, const uint8_t priv[CB_PRIVKEY_LEN])
{
    cb_err err = cb_user_check_password(u, password);
    if (err != CB_OK)
        return err;
    uint8_t pub[CB_PUBKEY_LEN];
    err = cb_key_public(ctx, pub, priv);
    if (err != CB_OK)
        return err;
    cb_user_record next = *u;
    memcpy(next.pubkey, pub, CB_PUBKEY_LEN);
    err = seal_key(cost, &next, password, priv);
    if (err == CB_OK)
        *u = next;
    sodium_memzero(&next, sizeof next);
    return err;
}

/* Names past 32 characters (never a real username) share the slot of
 * their first 32. */
static bool same_name(const char *slot, const char *user)
{
    return strncmp(slot, user, 32) == 0;
}

/* The slot counting user's failures, or -1 when none does. */
static long find_slot(const cb_login_throttle *t, const char *user)
{
    for (size_t i = 0; i < CB_LOGIN_SLOTS; i++)
        if (t->slot[i].fails && same_name(t->slot[i].user, user))
            return (long)i;
    return -1;
}

/* The slot for user's failures: its own, else the one whose wait ended
 * longest ago (a throttled name is never the first to go). */
static size_t throttle_slot(cb_login_throttle *t, const char *user)
{
    long found = find_slot(t, user);
    if (found >= 0)
        return (size_t)found;
    size_t oldest = 0;
    for (size_t i = 1; i < CB_LOGIN_SLOTS; i++)
        if (t->slot[i].until < t->slot[oldest].until)
            oldest = i;
    memset(&t->slot[oldest], 0, sizeof t->slot[oldest]);
    snprintf(t->slot[oldest].user, sizeof t->slot[oldest].user, "%s", user);
    return oldest;
}

int64_t cb_login_throttle_wait(cb_login_throttle *t, const char *user, int64_t now)
{
    /* Asking claims no slot: only failures do. */
    long i = find_slot(t, user);
    return i >= 0 && t->slot[i].until > now ? t->slot[i].until - now : 0;
}

unsigned cb_login_throttle_failed(cb_login_throttle *t, const char *user, int64_t now)
{
    size_t i = throttle_slot(t, user);
    unsigned f = ++t->slot[i].fails;
    if (f >= 3) {
        int64_t wait = f - 3 < 6 ? (int64_t)1 << (f - 3) : 60;
        t->slot[i].until = now + (wait > 60 ? 60 : wait);
    }
    return f;
}

void cb_login_throttle_passed(cb_login_throttle *t, const char *user)
{
    long i = find_slot(t, user);
    if (i >= 0)
        memset(&t->slot[i], 0, sizeof t->slot[i]);
}
