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
#include "node/rpc.h"

#define DEFAULT_FEE 10000u /* 0.0001 CB */

static json_t *fail(cb_rpc_error *e, int code, const char *msg)
{
    e->code = code;
    snprintf(e->message, sizeof e->message, "%s", msg);
    return NULL;
}

/* Reads n string parameters, exactly. */
static bool strings(json_t *p, size_t min, size_t max, const char **out, cb_rpc_error *e)
{
    size_t count = json_array_size(p);
    if (count < min || count > max) {
        e->code = CB_RPC_INVALID_PARAMS;
        snprintf(e->message, sizeof e->message, "expected %zu to %zu parameters, got %zu", min, max,
                 count);
        return false;
    }
    for (size_t i = 0; i < count && i < max; i++) {
        json_t *v = json_array_get(p, i);
        if (!json_is_string(v)) {
            out[i] = NULL;
            if (i < min) {
                e->code = CB_RPC_TYPE_ERROR;
                snprintf(e->message, sizeof e->message, "parameter %zu must be a string", i + 1);
                return false;
            }
            continue;
        }
        out[i] = json_string_value(v);
    }
    return true;
}

/* The slot that counts a username's failures (reusing the oldest). */
static size_t fail_slot(cb_node *n, const char *user)
{
    size_t oldest = 0;
    for (size_t i = 0; i < 64; i++) {
        if (strcmp(n->login_fail[i].user, user) == 0)
            return i;
        if (n->login_fail[i].until < n->login_fail[oldest].until)
            oldest = i;
    }
    memset(&n->login_fail[oldest], 0, sizeof n->login_fail[oldest]);
    snprintf(n->login_fail[oldest].user, sizeof n->login_fail[oldest].user, "%s", user);
    return oldest;
}

/* Loads a user and checks the password, slowing down repeated failures:
 * after 3, each try waits 2^(failures-3) seconds, at most 60. */
static bool login(cb_node *n, const char *user, const char *password, cb_user_record *u,
                  cb_rpc_error *e)
{
    int64_t now = cb_node_now();
    size_t slot = fail_slot(n, user);
    if (n->login_fail[slot].until > now) {
        e->code = CB_RPC_WALLET_PASSPHRASE_INCORRECT;
        snprintf(e->message, sizeof e->message,
                 "too many failed logins for this user: try again in %lld s",
                 (long long)(n->login_fail[slot].until - now));
        return false;
    }
    cb_err err = cb_store_get_user(n->store, user, u);
    if (err == CB_OK)
        err = cb_user_check_password(u, password);
    if (err == CB_ERR_NOT_FOUND || err == CB_ERR_BAD_PASSWORD) {
        unsigned f = ++n->login_fail[slot].fails;
        if (f >= 3) {
            int64_t wait = f - 3 < 6 ? (int64_t)1 << (f - 3) : 60;
            n->login_fail[slot].until = now + (wait > 60 ? 60 : wait);
        }
        cb_log(n, "RPC: failed login for '%s' (%u in a row)", user, f);
        fail(e, CB_RPC_WALLET_PASSPHRASE_INCORRECT, "wrong username or password");
        return false;
    }
    if (err != CB_OK) {
        fail(e, CB_RPC_WALLET_ERROR, cb_strerror(err));
        return false;
    }
    memset(&n->login_fail[slot], 0, sizeof n->login_fail[slot]);
    return true;
}

/* Loads a user by name (no password: public facts only). */
static bool find_user(cb_node *n, const char *name, cb_user_record *u, cb_rpc_error *e)
{
    cb_err err = cb_store_get_user(n->store, name, u);
    if (err == CB_ERR_NOT_FOUND)
        fail(e, CB_RPC_INVALID_PARAMETER, "no such user");
    else if (err != CB_OK)
        fail(e, CB_RPC_WALLET_ERROR, cb_strerror(err));
    return err == CB_OK;
}

static json_t *user_address(cb_node *n, const cb_user_record *u)
{
    char a[CB_ADDRESS_MAX];
    if (cb_address_from_pubkey(n->cfg.params, a, u->pubkey) != CB_OK)
        return json_string("?");
    return json_string(a);
}

json_t *cb_rpc_createuser(cb_node *n, json_t *p, cb_rpc_error *e)
{
    const char *s[4];
    char why[160];
    cb_user_record u;
    if (!strings(p, 4, 4, s, e))
        return NULL;
    cb_err err = cb_user_create(n->keys, &n->cfg.pwcost, s[0], s[1], s[2], s[3], cb_node_now(), &u,
                                why, sizeof why);
    if (err == CB_ERR_ARG)
        return fail(e, CB_RPC_INVALID_PARAMETER, why);
    if (err == CB_OK)
        err = cb_store_add_user(n->store, &u);
    if (err == CB_ERR_DUPLICATE)
        return fail(e, CB_RPC_INVALID_PARAMETER, "username: already taken");
    if (err != CB_OK)
        return fail(e, CB_RPC_WALLET_ERROR, cb_strerror(err));
    cb_log(n, "new user '%s'", u.username);
    json_t *r = json_pack("{s:s,s:o}", "username", u.username, "address", user_address(n, &u));
    sodium_memzero(&u, sizeof u);
    return r;
}

json_t *cb_rpc_checklogin(cb_node *n, json_t *p, cb_rpc_error *e)
{
    const char *s[2];
    cb_user_record u;
    if (!strings(p, 2, 2, s, e) || !login(n, s[0], s[1], &u, e))
        return NULL;
    json_t *r = json_pack("{s:s,s:s,s:o}", "username", u.username, "name", u.name, "address",
                          user_address(n, &u));
    sodium_memzero(&u, sizeof u);
    return r;
}

json_t *cb_rpc_getwalletinfo(cb_node *n, json_t *p, cb_rpc_error *e)
{
    const char *s[1];
    cb_user_record u;
    uint8_t id[20];
    if (!strings(p, 1, 1, s, e))
        return NULL;
    if (!find_user(n, s[0], &u, e))
        return NULL;
    cb_hash160(id, u.pubkey, 33);
    cb_account a;
    size_t count;
    uint64_t spending;
    cb_accounts_get(cb_chain_state(n->chain), id, &a);
    cb_mempool_pending(n->mempool, id, &count, &spending);
    return json_pack("{s:s,s:s,s:o,s:f,s:I,s:I,s:f}", "username", u.username, "name", u.name,
                     "address", user_address(n, &u), "balance", (double)a.balance / (double)CB_COIN,
                     "nonce", (json_int_t)a.nonce, "pending", (json_int_t)count, "pendingspend",
                     (double)spending / (double)CB_COIN);
}
json_t *cb_rpc_listtransactions(cb_node *n, json_t *p, cb_rpc_error *e)
{
    const char *user;
    cb_user_record u;
    json_int_t count = 20;
    size_t np = json_array_size(p);
    if (np < 1 || np > 2 || !json_is_string(json_array_get(p, 0)))
        return fail(e, CB_RPC_INVALID_PARAMS, "listtransactions \"username\" ( count )");
    if (np == 2) {
        json_t *c = json_array_get(p, 1);
        if (!json_is_integer(c) || json_integer_value(c) < 1 || json_integer_value(c) > 1000)
            return fail(e, CB_RPC_INVALID_PARAMETER, "count: a number from 1 to 1000");
        count = json_integer_value(c);
    }
    user = json_string_value(json_array_get(p, 0));
    if (!find_user(n, user, &u, e))
        return NULL;
    char addr[CB_ADDRESS_MAX];
    if (cb_address_from_pubkey(n->cfg.params, addr, u.pubkey) != CB_OK)
        return fail(e, CB_RPC_WALLET_ERROR, "bad stored key");
    cb_tx_record *recs = calloc((size_t)count, sizeof *recs);
    size_t got = 0;
    if (!recs)
        return fail(e, CB_RPC_MISC_ERROR, "out of memory");
    cb_err err = cb_store_list_txs(n->store, addr, recs, (size_t)count, &got);
    if (err != CB_OK) {
        free(recs);
        return fail(e, CB_RPC_WALLET_ERROR, cb_store_last_error(n->store));
    }
    uint32_t tip = cb_chain_tip(n->chain)->height;
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

json_t *cb_rpc_send(cb_node *n, json_t *p, cb_rpc_error *e)
{
    const char *s[3];
    cb_user_record u, to_user;
    uint8_t to[20], priv[32], txid[32], from[20];
    uint64_t units, fee = DEFAULT_FEE;
    size_t count = json_array_size(p);
    if (count < 4 || count > 5)
        return fail(e, CB_RPC_INVALID_PARAMS,
                    "send \"username\" \"password\" \"to\" amount ( fee )");
    for (size_t i = 0; i < 3; i++) {
        if (!json_is_string(json_array_get(p, i)))
            return fail(e, CB_RPC_TYPE_ERROR, "username, password and recipient are strings");
        s[i] = json_string_value(json_array_get(p, i));
    }
    if (!cb_rpc_arg_amount(p, 3, &units, e) || (count == 5 && !cb_rpc_arg_amount(p, 4, &fee, e)))
        return NULL;
    if (units == 0)
        return fail(e, CB_RPC_TYPE_ERROR, "amount must be more than 0");
    /* The recipient: a username of this node, else an address. */
    if (cb_store_get_user(n->store, s[2], &to_user) == CB_OK)
        cb_hash160(to, to_user.pubkey, 33);
    else if (cb_address_decode(n->cfg.params, to, s[2]) != CB_OK)
        return fail(e, CB_RPC_INVALID_ADDRESS_OR_KEY,
                    "recipient is neither a user of this node nor a valid address");
    if (!login(n, s[0], s[1], &u, e))
        return NULL;
    cb_err err = cb_user_unlock(&u, s[1], priv);
    if (err != CB_OK)
        return fail(e, CB_RPC_WALLET_ERROR, cb_strerror(err));
    cb_hash160(from, u.pubkey, 33);
    cb_account a;
    size_t pending;
    uint64_t spending;
    cb_accounts_get(cb_chain_state(n->chain), from, &a);
    cb_mempool_pending(n->mempool, from, &pending, &spending);
    cb_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.version = CB_TX_VERSION;
    memcpy(tx.recipient, to, 20);
    tx.amount = units;
    tx.fee = fee;
    tx.nonce = a.nonce + pending;
    tx.time = (uint64_t)cb_node_now();
    err = cb_tx_sign(n->keys, &tx, n->cfg.params->magic, priv);
    sodium_memzero(priv, sizeof priv);
    if (err == CB_OK)
        err = cb_node_submit_tx(n, &tx, txid);
    if (err == CB_ERR_TX_BALANCE)
        return fail(
            e, CB_RPC_WALLET_INSUFFICIENT_FUNDS,
            "insufficient funds: the balance (less pending payments) is below amount + fee");
    if (err != CB_OK) {
        e->code = CB_RPC_VERIFY_REJECTED;
        snprintf(e->message, sizeof e->message, "%s", cb_err_reason(err));
        return NULL;
    }
    char hex[65];
    cb_hash_to_hex(hex, txid);
    cb_log(n, "user '%s' sent %llu units (txid %s)", u.username, (unsigned long long)units, hex);
    return json_string(hex);
}

json_t *cb_rpc_exportkey(cb_node *n, json_t *p, cb_rpc_error *e)
{
    const char *s[2];
    cb_user_record u;
    uint8_t priv[32];
    char wif[CB_WIF_MAX];
    if (!strings(p, 2, 2, s, e) || !login(n, s[0], s[1], &u, e))
        return NULL;
    cb_err err = cb_user_unlock(&u, s[1], priv);
    if (err == CB_OK)
        err = cb_wif_encode(n->cfg.params, wif, priv);
    sodium_memzero(priv, sizeof priv);
    if (err != CB_OK)
        return fail(e, CB_RPC_WALLET_ERROR, cb_strerror(err));
    json_t *r = json_string(wif);
    sodium_memzero(wif, sizeof wif);
    return r;
}

json_t *cb_rpc_importkey(cb_node *n, json_t *p, cb_rpc_error *e)
{
    const char *s[3];
    cb_user_record u;
    uint8_t priv[32];
    if (!strings(p, 3, 3, s, e))
        return NULL;
    cb_err err = cb_wif_decode(n->cfg.params, priv, s[2]);
    if (err != CB_OK) {
        e->code = CB_RPC_INVALID_ADDRESS_OR_KEY;
        snprintf(e->message, sizeof e->message, "invalid private key: %s", cb_strerror(err));
        return NULL;
    }
    if (!login(n, s[0], s[1], &u, e)) {
        sodium_memzero(priv, sizeof priv);
        return NULL;
    }
    err = cb_user_set_key(n->keys, &n->cfg.pwcost, &u, s[1], priv);
    sodium_memzero(priv, sizeof priv);
    if (err == CB_OK)
        err = cb_store_replace_user_key(n->store, &u);
    if (err != CB_OK)
        return fail(e, CB_RPC_WALLET_ERROR, cb_strerror(err));
    return json_pack("{s:s,s:o}", "username", u.username, "address", user_address(n, &u));
}
