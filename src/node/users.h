/* Users of a node (the original's signup and login, made safe).
 *
 * A user has a name, an email, a unique username, a password and a key
 * pair. The password is kept only as an Argon2id hash (libsodium's
 * crypto_pwhash_str, which salts it). The private key is kept only
 * encrypted: XSalsa20-Poly1305 (crypto_secretbox) under a key derived from
 * the password with Argon2id and a salt of its own. Decrypted keys are
 * wiped by whoever holds them. */
#ifndef CB_NODE_USERS_H
#define CB_NODE_USERS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "crypto/key.h"
#include "store/store.h"

/* The cost of Argon2id: libsodium's "interactive" level by default (64 MiB,
 * about a tenth of a second here). Stored with each key, so it can change
 * without losing old keys. */
typedef struct {
    unsigned long long opslimit;
    size_t memlimit;
} cb_pwcost;

cb_pwcost cb_pwcost_default(void);
/* The least libsodium allows: for tests only. */
cb_pwcost cb_pwcost_minimum(void);

#define CB_PASSWORD_MIN 8
#define CB_PASSWORD_MAX 1024

/* Checks signup fields: name 1..128 printable characters; email by a
 * regular expression, at most 254 characters; username 3..32 of letters,
 * digits and '_'; password CB_PASSWORD_MIN..CB_PASSWORD_MAX characters.
 * Out: why (whylen bytes), a sentence naming the first bad field.
 * Returns: CB_OK or CB_ERR_ARG. */
cb_err cb_user_validate(const char *name, const char *email, const char *username,
                        const char *password, char *why, size_t whylen) CB_WARN_UNUSED;

/* Makes a new user record: a fresh key pair, the password hash, the
 * encrypted private key. Fields are validated first.
 * Returns: CB_OK, CB_ERR_ARG (with why), CB_ERR_RANDOM or CB_ERR_NOMEM
 * (Argon2id could not get its memory). */
cb_err cb_user_create(const cb_keyctx *ctx, const cb_pwcost *cost, const char *name,
                      const char *email, const char *username, const char *password, int64_t now,
                      cb_user_record *out, char *why, size_t whylen) CB_WARN_UNUSED;

/* Returns: CB_OK when password is the user's, CB_ERR_BAD_PASSWORD when
 * it is not, CB_ERR_STORE when the stored hash asks for a cost beyond the
 * bounds (more than 1 GiB or 16 passes: never ours; it is not run). */
cb_err cb_user_check_password(const cb_user_record *u, const char *password) CB_WARN_UNUSED;

/* Decrypts the user's private key (the caller wipes it).
 * Returns: CB_OK, CB_ERR_BAD_PASSWORD, or CB_ERR_STORE when the stored key
 * is malformed or does not match the stored public key. */
cb_err cb_user_unlock(const cb_user_record *u, const char *password,
                      uint8_t priv[CB_PRIVKEY_LEN]) CB_WARN_UNUSED;

/* Replaces the user's key pair with an imported private key, encrypted
 * under the same password (which must be right).
 * Returns: CB_OK, CB_ERR_BAD_PASSWORD, CB_ERR_PRIVKEY, or CB_ERR_NOMEM. */
cb_err cb_user_set_key(const cb_keyctx *ctx, const cb_pwcost *cost, cb_user_record *u,
                       const char *password, const uint8_t priv[CB_PRIVKEY_LEN]) CB_WARN_UNUSED;

/* Failed logins per username, to slow down guessing: after 3 in a row,
 * each try of that username waits 2^(failures-3) seconds, at most 60. The
 * table is fixed (CB_LOGIN_SLOTS usernames; the one whose wait ended
 * longest ago makes room), so no flood of names grows it. Zero it to
 * start. */
#define CB_LOGIN_SLOTS 64
typedef struct {
    struct {
        char user[33];
        unsigned fails;
        int64_t until;
    } slot[CB_LOGIN_SLOTS];
} cb_login_throttle;

/* Returns: the seconds `user` must still wait before a try (0: it may try now). */
int64_t cb_login_throttle_wait(cb_login_throttle *t, const char *user, int64_t now);

/* Counts a failed login. Returns: the failures of `user` in a row. */
unsigned cb_login_throttle_failed(cb_login_throttle *t, const char *user, int64_t now);

/* A login succeeded: the user's count starts again. */
void cb_login_throttle_passed(cb_login_throttle *t, const char *user);

#endif
