#include "core/tx.h"

#include <string.h>

#include "core/amount.h"
#include "core/bytes.h"
#include "crypto/hash.h"

void cb_tx_serialize(uint8_t out[CB_TX_SIZE], const cb_tx *tx)
{
    cb_put_u32le(out, tx->version);
    memcpy(out + 4, tx->sender, 33);
    memcpy(out + 37, tx->recipient, 20);
    cb_put_u64le(out + 57, tx->amount);
    cb_put_u64le(out + 65, tx->fee);
    cb_put_u64le(out + 73, tx->nonce);
    cb_put_u64le(out + 81, tx->time);
    memcpy(out + 89, tx->sig, 64);
}

cb_err cb_tx_parse(cb_tx *tx, const uint8_t *data, size_t len)
{
    if (len < CB_TX_SIZE)
        return CB_ERR_TRUNCATED;
    if (len > CB_TX_SIZE)
        return CB_ERR_TRAILING;
    tx->version = cb_get_u32le(data);
    memcpy(tx->sender, data + 4, 33);
    memcpy(tx->recipient, data + 37, 20);
    tx->amount = cb_get_u64le(data + 57);
    tx->fee = cb_get_u64le(data + 65);
    tx->nonce = cb_get_u64le(data + 73);
    tx->time = cb_get_u64le(data + 81);
    memcpy(tx->sig, data + 89, 64);
    return CB_OK;
}

bool cb_tx_is_coinbase(const cb_tx *tx)
{
    static const uint8_t zero[CB_PUBKEY_LEN];
    return memcmp(tx->sender, zero, sizeof zero) == 0;
}

void cb_tx_txid(uint8_t out[32], const cb_tx *tx)
{
    uint8_t buf[CB_TX_SIZE];
    cb_tx_serialize(buf, tx);
    cb_sha256d(out, buf, sizeof buf);
}

void cb_tx_sighash(uint8_t out[32], const uint8_t magic[4], const cb_tx *tx)
{
    uint8_t buf[4 + CB_TX_SIZE];
    memcpy(buf, magic, 4);
    cb_tx_serialize(buf + 4, tx);
    cb_sha256d(out, buf, 4 + CB_TX_SIGNED_LEN);
}

cb_err cb_tx_check(const cb_tx *tx)
{
    if (tx->version != CB_TX_VERSION)
        return CB_ERR_TX_VERSION;
    if (cb_tx_is_coinbase(tx)) {
        if (tx->fee != 0)
            return CB_ERR_CB_FEE;
        if (!cb_money_range(tx->amount))
            return CB_ERR_TX_MONEY_RANGE;
        return CB_OK;
    }
    if (tx->amount == 0)
        return CB_ERR_TX_AMOUNT;
    /* Each is below 2^63 once in range, so the sum cannot wrap. */
    if (!cb_money_range(tx->amount) || !cb_money_range(tx->fee) ||
        !cb_money_range(tx->amount + tx->fee))
        return CB_ERR_TX_MONEY_RANGE;
    return CB_OK;
}

cb_err cb_tx_sign(const cb_keyctx *ctx, cb_tx *tx, const uint8_t magic[4],
                  const uint8_t priv[CB_PRIVKEY_LEN])
{
    uint8_t hash[32];
    cb_err err = cb_key_public(ctx, tx->sender, priv);
    if (err != CB_OK)
        return err;
    cb_tx_sighash(hash, magic, tx);
    return cb_key_sign(ctx, tx->sig, hash, priv);
}

cb_err cb_tx_verify_cached(const cb_tx *tx, const uint8_t magic[4], cb_keycache *cache)
{
    uint8_t hash[32];
    cb_pubkey pk;
    cb_err err =
        cache ? cb_keycache_get(cache, tx->sender, &pk) : cb_key_parse_public(&pk, tx->sender);
    if (err != CB_OK)
        return CB_ERR_TX_PUBKEY;
    cb_tx_sighash(hash, magic, tx);
    return cb_key_verify_parsed(tx->sig, hash, &pk) == CB_OK ? CB_OK : CB_ERR_TX_SIG;
}

cb_err cb_tx_verify(const cb_tx *tx, const uint8_t magic[4])
{
    return cb_tx_verify_cached(tx, magic, NULL);
}

void cb_tx_sender_id(uint8_t out[20], const cb_tx *tx)
{
    cb_hash160(out, tx->sender, CB_PUBKEY_LEN);
}
