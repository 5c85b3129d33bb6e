#include "crypto/key.h"

#include <openssl/crypto.h>
#include <secp256k1.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/random.h"

struct cb_keyctx {
    secp256k1_context *secp;
};

void cb_key_wipe(void *secret, size_t len)
{
    /* OPENSSL_cleanse's stores cannot be optimised away. */
    OPENSSL_cleanse(secret, len);
}

cb_keyctx *cb_keyctx_new(void)
{
    uint8_t seed[32];
    cb_keyctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!ctx->secp)
        goto fail;
    if (cb_random_bytes(seed, sizeof seed) != CB_OK)
        goto fail;
    if (!secp256k1_context_randomize(ctx->secp, seed))
        goto fail;
    cb_key_wipe(seed, sizeof seed);
    return ctx;
fail:
    cb_key_wipe(seed, sizeof seed);
    cb_keyctx_free(ctx);
    return NULL;
}

void cb_keyctx_free(cb_keyctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->secp)
        secp256k1_context_destroy(ctx->secp);
    free(ctx);
}

cb_err cb_key_check_private(const uint8_t priv[CB_PRIVKEY_LEN])
{
    return secp256k1_ec_seckey_verify(secp256k1_context_static, priv) ? CB_OK : CB_ERR_PRIVKEY;
}

cb_err cb_key_generate(uint8_t priv[CB_PRIVKEY_LEN])
{
    /* A random 32-byte string is a valid key with probability 1 - 2^-128;
     * the loop only guards against the impossible. */
    for (;;) {
        cb_err err = cb_random_bytes(priv, CB_PRIVKEY_LEN);
        if (err != CB_OK)
            return err;
        if (cb_key_check_private(priv) == CB_OK)
            return CB_OK;
    }
}

cb_err cb_key_public(const cb_keyctx *ctx, uint8_t pub[CB_PUBKEY_LEN],
                     const uint8_t priv[CB_PRIVKEY_LEN])
{
    secp256k1_pubkey pk;
    size_t len = CB_PUBKEY_LEN;
    if (!secp256k1_ec_pubkey_create(ctx->secp, &pk, priv))
        return CB_ERR_PRIVKEY;
    secp256k1_ec_pubkey_serialize(secp256k1_context_static, pub, &len, &pk,
                                  SECP256K1_EC_COMPRESSED);
    return CB_OK;
}

cb_err cb_key_check_public(const uint8_t pub[CB_PUBKEY_LEN])
{
    cb_pubkey pk;
    return cb_key_parse_public(&pk, pub);
}

cb_err cb_key_sign(const cb_keyctx *ctx, uint8_t sig[CB_SIG_LEN], const uint8_t hash[32],
                   const uint8_t priv[CB_PRIVKEY_LEN])
{
    secp256k1_ecdsa_signature s;
    /* NULL nonce function = RFC 6979; libsecp256k1 always signs low-S. */
    if (!secp256k1_ecdsa_sign(ctx->secp, &s, hash, priv, NULL, NULL))
        return CB_ERR_PRIVKEY;
    secp256k1_ecdsa_signature_serialize_compact(secp256k1_context_static, sig, &s);
    return CB_OK;
}

cb_err cb_key_parse_public(cb_pubkey *out, const uint8_t pub[CB_PUBKEY_LEN])
{
    secp256k1_pubkey pk;
    /* Only compressed keys are CoinBit keys; the parser alone would also
     * take 0x04/0x06/0x07 prefixes of other lengths. */
    if (pub[0] != 0x02 && pub[0] != 0x03)
        return CB_ERR_PUBKEY;
    if (!secp256k1_ec_pubkey_parse(secp256k1_context_static, &pk, pub, CB_PUBKEY_LEN))
        return CB_ERR_PUBKEY;
    _Static_assert(sizeof pk == sizeof out->data, "secp256k1_pubkey is 64 bytes");
    memcpy(out->data, &pk, sizeof pk);
    return CB_OK;
}

cb_err cb_key_verify_parsed(const uint8_t sig[CB_SIG_LEN], const uint8_t hash[32],
                            const cb_pubkey *pub)
{
    secp256k1_pubkey pk;
    secp256k1_ecdsa_signature s;
    memcpy(&pk, pub->data, sizeof pk);
    if (!secp256k1_ecdsa_signature_parse_compact(secp256k1_context_static, &s, sig))
        return CB_ERR_SIG_ENCODING;
    /* secp256k1_ecdsa_verify refuses high-S by itself: that is the rule. */
    if (!secp256k1_ecdsa_verify(secp256k1_context_static, &s, hash, &pk))
        return CB_ERR_SIG_INVALID;
    return CB_OK;
}

cb_err cb_key_verify(const uint8_t sig[CB_SIG_LEN], const uint8_t hash[32],
                     const uint8_t pub[CB_PUBKEY_LEN])
{
    cb_pubkey pk;
    cb_err err = cb_key_parse_public(&pk, pub);
    if (err != CB_OK)
        return err;
    return cb_key_verify_parsed(sig, hash, &pk);
}
