/* The user methods of the RPC: signup, login check, wallet, send, key
 * export and import. Passwords cross only 127.0.0.1 by default; keys are
 * decrypted for one operation and wiped at once. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/address.h"
#include "core/amount.h"
#include "core/hex.h"
#include "crypto/hash.h"
#include "rpc/rpc_methods.h"

#define DEFAULT_FEE 10000u /* 0.0001 CB */

/* Counts a failed login and says so (the throttle then slows this
 * username down: users.h). */
static void login_failed(cb_node *n, const char *user, cb_rpc_error *e)
{
    unsigned f = cb_login_throttle_failed(cb_node_logins(n), user, cb_node_now());
    cb_log(cb_node_logger(n), "RPC: failed login for '%s' (%u in a row)", user, f);
    cb_rpc_fail(e, CB_RPC_WALLET_PASSPHRASE_INCORRECT, "wrong username or password");
}

/* The first half of a login, on the loop: the throttle, then the user's
 * record. The password is checked on a worker; login_end takes its answer. */
static bool login_begin(cb_node *n, const char *user, cb_user_record *u, cb_rpc_error *e)
{
    int64_t wait = cb_login_throttle_wait(cb_node_logins(n), user, cb_node_now());
    if (wait > 0) {
        e->code = CB_RPC_WALLET_PASSPHRASE_INCORRECT;
        snprintf(e->message, sizeof e->message,
                 "too many failed logins for this user: try again in %lld s", (long long)wait);
        return false;
    }
    cb_err err = cb_store_get_user(cb_node_store(n), user, u);
    if (err == CB_ERR_NOT_FOUND) {
        login_failed(n, user, e);
        return false;
    }
    if (err != CB_OK) {
        cb_rpc_fail_err(e, err, CB_RPC_WALLET_ERROR);
        return false;
    }
    return true;
}

/* The second half: err is the password check's verdict. */
static bool login_end(cb_node *n, const char *user, cb_err err, cb_rpc_error *e)
{
    if (err == CB_ERR_BAD_PASSWORD) {
        login_failed(n, user, e);
        return false;
    }
    if (err != CB_OK) {
        cb_rpc_fail_err(e, err, CB_RPC_WALLET_ERROR);
        return false;
    }
    cb_login_throttle_passed(cb_node_logins(n), user);
    return true;
}

/* Loads a user by name (no password: public facts only). */
static bool find_user(cb_node *n, const char *name, cb_user_record *u, cb_rpc_error *e)
{
    cb_err err = cb_store_get_user(cb_node_store(n), name, u);
    if (err == CB_ERR_NOT_FOUND)
        cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "no such user");
    else if (err != CB_OK)
        cb_rpc_fail_err(e, err, CB_RPC_WALLET_ERROR);
    return err == CB_OK;
}

static json_t *user_address(cb_node *n, const cb_user_record *u)
{
    char a[CB_ADDRESS_MAX];
    if (cb_address_from_pubkey(cb_node_params(n), a, u->pubkey) != CB_OK)
        return json_string("?");
    return json_string(a);
}

/* A user call whose Argon2id work runs on a worker thread. The job owns
 * copies of what the worker reads, and wipes the secrets when it ends. */
typedef enum { OP_CREATE, OP_LOGIN, OP_SEND, OP_EXPORT, OP_IMPORT } user_op;

typedef struct {
    cb_node *n;
    cb_rpc_call *call;
    user_op op;
    char password[CB_PASSWORD_MAX + 1];
    cb_user_record u;
    cb_err err; /* the worker's verdict */
    /* OP_CREATE */
    char name[129], email[255], username[33];
    char why[160];
    cb_pwcost cost;
    int64_t now;
    /* OP_SEND */
    uint8_t to[20];
    uint64_t units, fee;
    /* OP_SEND, OP_EXPORT, OP_IMPORT: the key, decrypted or to import */
    uint8_t priv[32];
} user_job;

static void user_work(void *arg)
{
    user_job *j = arg;
    switch (j->op) {
    case OP_CREATE:
        j->err = cb_user_create(cb_node_keys(j->n), &j->cost, j->name, j->email, j->username,
                                j->password, j->now, &j->u, j->why, sizeof j->why);
        break;
    case OP_LOGIN:
        j->err = cb_user_check_password(&j->u, j->password);
        break;
    case OP_SEND:
    case OP_EXPORT:
        j->err = cb_user_check_password(&j->u, j->password);
        if (j->err == CB_OK)
            j->err = cb_user_unlock(&j->u, j->password, j->priv);
        break;
    case OP_IMPORT:
        /* cb_user_set_key checks the password itself. */
        j->err = cb_user_set_key(cb_node_keys(j->n), &j->cost, &j->u, j->password, j->priv);
        break;
    }
}

static void user_job_free(user_job *j)
{
    sodium_memzero(j, sizeof *j);
    free(j);
}

static json_t *finish_create(user_job *j, cb_rpc_error *e);
static json_t *finish_send(user_job *j, cb_rpc_error *e);
static json_t *finish_export(user_job *j, cb_rpc_error *e);
static json_t *finish_import(user_job *j, cb_rpc_error *e);

static void user_done(void *arg, bool cancelled)
{
    user_job *j = arg;
    cb_rpc_error e = {0, ""};
    json_t *r = NULL;
    if (cancelled)
        cb_rpc_fail(&e, CB_RPC_MISC_ERROR, "the node is stopping");
    else if (j->op == OP_CREATE)
        r = finish_create(j, &e);
    else if (login_end(j->n, j->u.username, j->err, &e)) {
        switch (j->op) {
        case OP_LOGIN:
            r = json_pack("{s:s,s:s,s:o}", "username", j->u.username, "name", j->u.name, "address",
                          user_address(j->n, &j->u));
            break;
        case OP_SEND:
            r = finish_send(j, &e);
            break;
        case OP_EXPORT:
            r = finish_export(j, &e);
            break;
        default:
            r = finish_import(j, &e);
            break;
        }
    }
    cb_rpc_call_finish(j->call, r, &e);
    user_job_free(j);
}

/* A new job with the password copied in.
 * Returns: the job, or NULL with *e set (no memory, or a password longer
 * than any user's: a wrong password). */
static user_job *user_job_new(cb_node *n, cb_rpc_call *call, user_op op, const char *password,
                              cb_rpc_error *e)
{
    size_t len = strlen(password);
    if (len > CB_PASSWORD_MAX) {
        cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "password: at most 1024 characters");
        return NULL;
    }
    user_job *j = calloc(1, sizeof *j);
    if (!j) {
        cb_rpc_fail(e, CB_RPC_MISC_ERROR, "out of memory");
        return NULL;
    }
    j->n = n;
    j->call = call;
    j->op = op;
    memcpy(j->password, password, len + 1);
    j->cost = cb_node_cfg(n)->pwcost;
    return j;
}

/* Queues the job. Returns: true, or false with *e set (the job is freed). */
static bool user_job_start(user_job *j, cb_rpc_error *e)
{
    cb_err err = cb_jobs_submit(cb_node_jobs(j->n), user_work, user_done, j);
    if (err == CB_OK)
        return true;
    cb_rpc_fail(e, CB_RPC_MISC_ERROR, "%s",
                err == CB_ERR_BUSY ? "the node is busy with other long calls: try again"
                                   : cb_strerror(err));
    user_job_free(j);
    return false;
}

/* A password call on an existing user: the login's first half here, the
 * hash on a worker. Returns: as cb_rpc_async_fn. */
static bool start_login_op(cb_node *n, cb_rpc_call *call, user_op op, const char *user,
                           const char *password, user_job **out, cb_rpc_error *e)
{
    user_job *j = user_job_new(n, call, op, password, e);
    if (!j)
        return false;
    if (!login_begin(n, user, &j->u, e)) {
        user_job_free(j);
        return false;
    }
    *out = j;
    return true;
}

bool cb_rpc_createuser(const cb_rpc_ctx *rc, json_t *p, cb_rpc_call *call, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    const char *s[4];
    char why[160];
    cb_user_record taken;
    if (!cb_rpc_arg_strings(p, 4, 4, s, e))
        return false;
    /* The cheap checks first: no hash is spent on a request that fails. */
    if (cb_user_validate(s[0], s[1], s[2], s[3], why, sizeof why) != CB_OK) {
        cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "%s", why);
        return false;
    }
    cb_err err = cb_store_get_user(cb_node_store(n), s[2], &taken);
    sodium_memzero(&taken, sizeof taken);
    if (err == CB_OK) {
        cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "username: already taken");
        return false;
    }
    if (err != CB_ERR_NOT_FOUND) {
        cb_rpc_fail_err(e, err, CB_RPC_WALLET_ERROR);
        return false;
    }
    user_job *j = user_job_new(n, call, OP_CREATE, s[3], e);
    if (!j)
        return false;
    snprintf(j->name, sizeof j->name, "%s", s[0]);
    snprintf(j->email, sizeof j->email, "%s", s[1]);
    snprintf(j->username, sizeof j->username, "%s", s[2]);
    j->now = cb_node_now();
    return user_job_start(j, e);
}

static json_t *finish_create(user_job *j, cb_rpc_error *e)
{
    cb_err err = j->err;
    if (err == CB_ERR_ARG)
        return cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "%s", j->why);
    if (err == CB_OK)
        err = cb_store_add_user(cb_node_store(j->n), &j->u);
    if (err == CB_ERR_DUPLICATE)
        return cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "username: already taken");
    if (err != CB_OK)
        return cb_rpc_fail_err(e, err, CB_RPC_WALLET_ERROR);
    cb_log(cb_node_logger(j->n), "new user '%s'", j->u.username);
    return json_pack("{s:s,s:o}", "username", j->u.username, "address", user_address(j->n, &j->u));
}

bool cb_rpc_checklogin(const cb_rpc_ctx *rc, json_t *p, cb_rpc_call *call, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    const char *s[2];
    user_job *j;
    if (!cb_rpc_arg_strings(p, 2, 2, s, e) || !start_login_op(n, call, OP_LOGIN, s[0], s[1], &j, e))
        return false;
    return user_job_start(j, e);
}

json_t *cb_rpc_getwalletinfo(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    const char *s[1];
    cb_user_record u;
    uint8_t id[20];
    if (!cb_rpc_arg_strings(p, 1, 1, s, e))
        return NULL;
    if (!find_user(n, s[0], &u, e))
        return NULL;
    cb_hash160(id, u.pubkey, 33);
    cb_account a;
    size_t count;
    uint64_t spending;
    cb_accounts_get(cb_chain_state(cb_node_chain(n)), id, &a);
    cb_mempool_pending(cb_node_mempool(n), id, &count, &spending);
    return json_pack("{s:s,s:s,s:o,s:f,s:I,s:I,s:f}", "username", u.username, "name", u.name,
                     "address", user_address(n, &u), "balance", (double)a.balance / (double)CB_COIN,
                     "nonce", (json_int_t)a.nonce, "pending", (json_int_t)count, "pendingspend",
                     (double)spending / (double)CB_COIN);
}
json_t *cb_rpc_listtransactions(const cb_rpc_ctx *rc, json_t *p, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    const char *user;
    cb_user_record u;
    json_int_t count = 20;
    size_t np = json_array_size(p);
    if (np < 1 || np > 2 || !json_is_string(json_array_get(p, 0)))
        return cb_rpc_fail(e, CB_RPC_INVALID_PARAMS, "listtransactions \"username\" ( count )");
    if (np == 2) {
        json_t *c = json_array_get(p, 1);
        if (!json_is_integer(c) || json_integer_value(c) < 1 || json_integer_value(c) > 1000)
            return cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "count: a number from 1 to 1000");
        count = json_integer_value(c);
    }
    user = json_string_value(json_array_get(p, 0));
    if (!find_user(n, user, &u, e))
        return NULL;
    char addr[CB_ADDRESS_MAX];
    if (cb_address_from_pubkey(cb_node_params(n), addr, u.pubkey) != CB_OK)
        return cb_rpc_fail(e, CB_RPC_WALLET_ERROR, "bad stored key");
    cb_tx_record *recs = calloc((size_t)count, sizeof *recs);
    size_t got = 0;
    if (!recs)
        return cb_rpc_fail(e, CB_RPC_MISC_ERROR, "out of memory");
    cb_err err = cb_store_list_txs(cb_node_store(n), addr, recs, (size_t)count, &got);
    if (err != CB_OK) {
        free(recs);
        return cb_rpc_fail(e, CB_RPC_WALLET_ERROR, "%s", cb_store_last_error(cb_node_store(n)));
    }
    uint32_t tip = cb_chain_tip(cb_node_chain(n))->height;
    json_t *a = json_array();
    for (size_t i = 0; i < got; i++) {
        const cb_tx_record *r = &recs[i];
        char id[65];
        cb_hash_to_hex(id, r->txid);
        bool out = strcmp(r->sender, addr) == 0, in = strcmp(r->recipient, addr) == 0;
        const char *category = strcmp(r->sender, "coinbase") == 0 ? "mined"
                               : out && in                        ? "self"
                               : out                              ? "send"
                                                                  : "receive";
        const char *status = r->status == CB_TX_CONFIRMED ? "confirmed"
                             : r->status == CB_TX_PENDING ? "pending"
                                                          : "rejected";
        json_t *o = json_pack(
            "{s:s,s:s,s:s,s:s,s:f,s:f,s:s,s:I}", "txid", id, "category", category, "from",
            r->sender, "to", r->recipient, "amount", (double)r->amount / (double)CB_COIN, "fee",
            (double)r->fee / (double)CB_COIN, "status", status, "time", (json_int_t)r->time);
        if (r->status == CB_TX_CONFIRMED) {
            json_object_set_new(o, "height", json_integer(r->height));
            json_object_set_new(o, "confirmations",
                                json_integer(r->height <= tip ? tip - r->height + 1 : 0));
        }
        if (r->status == CB_TX_REJECTED && r->reason[0])
            json_object_set_new(o, "reason", json_string(r->reason));
        json_array_append_new(a, o);
    }
    free(recs);
    return a;
}

bool cb_rpc_send(const cb_rpc_ctx *rc, json_t *p, cb_rpc_call *call, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    const char *s[3];
    cb_user_record to_user;
    uint8_t to[20];
    uint64_t units, fee = DEFAULT_FEE;
    size_t count = json_array_size(p);
    if (count < 4 || count > 5) {
        cb_rpc_fail(e, CB_RPC_INVALID_PARAMS,
                    "send \"username\" \"password\" \"to\" amount ( fee )");
        return false;
    }
    for (size_t i = 0; i < 3; i++) {
        if (!json_is_string(json_array_get(p, i))) {
            cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "username, password and recipient are strings");
            return false;
        }
        s[i] = json_string_value(json_array_get(p, i));
    }
    if (!cb_rpc_arg_amount(p, 3, &units, e) || (count == 5 && !cb_rpc_arg_amount(p, 4, &fee, e)))
        return false;
    if (units == 0) {
        cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "amount must be more than 0");
        return false;
    }
    /* The recipient: a username of this node, else an address. */
    if (cb_store_get_user(cb_node_store(n), s[2], &to_user) == CB_OK)
        cb_hash160(to, to_user.pubkey, 33);
    else if (cb_address_decode(cb_node_params(n), to, s[2]) != CB_OK) {
        cb_rpc_fail(e, CB_RPC_INVALID_ADDRESS_OR_KEY,
                    "recipient is neither a user of this node nor a valid address");
        return false;
    }
    user_job *j;
    if (!start_login_op(n, call, OP_SEND, s[0], s[1], &j, e))
        return false;
    memcpy(j->to, to, 20);
    j->units = units;
    j->fee = fee;
    return user_job_start(j, e);
}

/* Signs and submits the payment with the key the worker decrypted: the
 * nonce is read now, on the loop, so it follows every payment before it. */
static json_t *finish_send(user_job *j, cb_rpc_error *e)
{
    cb_node *n = j->n;
    uint8_t from[20], txid[32];
    cb_hash160(from, j->u.pubkey, 33);
    cb_account a;
    size_t pending;
    uint64_t spending;
    cb_accounts_get(cb_chain_state(cb_node_chain(n)), from, &a);
    cb_mempool_pending(cb_node_mempool(n), from, &pending, &spending);
    cb_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.version = CB_TX_VERSION;
    memcpy(tx.recipient, j->to, 20);
    tx.amount = j->units;
    tx.fee = j->fee;
    tx.nonce = a.nonce + pending;
    tx.time = (uint64_t)cb_node_now();
    cb_err err = cb_tx_sign(cb_node_keys(n), &tx, cb_node_params(n)->magic, j->priv);
    sodium_memzero(j->priv, sizeof j->priv);
    if (err == CB_OK)
        err = cb_node_submit_tx(n, &tx, txid);
    if (err == CB_ERR_TX_BALANCE)
        return cb_rpc_fail(
            e, CB_RPC_WALLET_INSUFFICIENT_FUNDS,
            "insufficient funds: the balance (less pending payments) is below amount + fee");
    if (err != CB_OK) {
        e->code = CB_RPC_VERIFY_REJECTED;
        snprintf(e->message, sizeof e->message, "%s", cb_err_reason(err));
        return NULL;
    }
    char hex[65];
    cb_hash_to_hex(hex, txid);
    cb_log(cb_node_logger(n), "user '%s' sent %llu units (txid %s)", j->u.username,
           (unsigned long long)j->units, hex);
    return json_string(hex);
}

bool cb_rpc_exportkey(const cb_rpc_ctx *rc, json_t *p, cb_rpc_call *call, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    const char *s[2];
    user_job *j;
    if (!cb_rpc_arg_strings(p, 2, 2, s, e) ||
        !start_login_op(n, call, OP_EXPORT, s[0], s[1], &j, e))
        return false;
    return user_job_start(j, e);
}

static json_t *finish_export(user_job *j, cb_rpc_error *e)
{
    char wif[CB_WIF_MAX];
    cb_err err = cb_wif_encode(cb_node_params(j->n), wif, j->priv);
    sodium_memzero(j->priv, sizeof j->priv);
    if (err != CB_OK)
        return cb_rpc_fail_err(e, err, CB_RPC_WALLET_ERROR);
    json_t *r = json_string(wif);
    sodium_memzero(wif, sizeof wif);
    return r;
}

bool cb_rpc_importkey(const cb_rpc_ctx *rc, json_t *p, cb_rpc_call *call, cb_rpc_error *e)
{
    cb_node *n = rc->node;
    const char *s[3];
    uint8_t priv[32];
    user_job *j;
    if (!cb_rpc_arg_strings(p, 3, 3, s, e))
        return false;
    cb_err err = cb_wif_decode(cb_node_params(n), priv, s[2]);
    if (err != CB_OK) {
        e->code = CB_RPC_INVALID_ADDRESS_OR_KEY;
        snprintf(e->message, sizeof e->message, "invalid private key: %s", cb_strerror(err));
        return false;
    }
    if (!start_login_op(n, call, OP_IMPORT, s[0], s[1], &j, e)) {
        sodium_memzero(priv, sizeof priv);
        return false;
    }
    memcpy(j->priv, priv, sizeof priv);
    sodium_memzero(priv, sizeof priv);
    return user_job_start(j, e);
}

static json_t *finish_import(user_job *j, cb_rpc_error *e)
{
    cb_err err = cb_store_replace_user_key(cb_node_store(j->n), &j->u);
    if (err != CB_OK)
        return cb_rpc_fail_err(e, err, CB_RPC_WALLET_ERROR);
    return json_pack("{s:s,s:o}", "username", j->u.username, "address", user_address(j->n, &j->u));
}
