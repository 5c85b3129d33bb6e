#include "core/address.h"

#include <string.h>

#include "crypto/base58.h"
#include "crypto/hash.h"
#include "crypto/key.h"

cb_err cb_address_encode(const cb_params *p, char out[CB_ADDRESS_MAX], const uint8_t h160[20])
{
    uint8_t raw[21];
    raw[0] = p->address_version;
    memcpy(raw + 1, h160, 20);
    return cb_base58check_encode(out, CB_ADDRESS_MAX, raw, sizeof raw);
}

cb_err cb_address_decode(const cb_params *p, uint8_t h160[20], const char *str)
{
    uint8_t raw[64];
    size_t n = 0;
    cb_err err = cb_base58check_decode(raw, sizeof raw, &n, str);
    if (err != CB_OK)
        return err;
    if (n != 21)
        return CB_ERR_BAD_LENGTH;
    if (raw[0] != p->address_version)
        return CB_ERR_BAD_VERSION_BYTE;
    memcpy(h160, raw + 1, 20);
    return CB_OK;
}

cb_err cb_address_from_pubkey(const cb_params *p, char out[CB_ADDRESS_MAX], const uint8_t pub[33])
{
    uint8_t h160[20];
    cb_hash160(h160, pub, 33);
    return cb_address_encode(p, out, h160);
}

cb_err cb_wif_encode(const cb_params *p, char out[CB_WIF_MAX], const uint8_t priv[32])
{
    uint8_t raw[34];
    cb_err err = cb_key_check_private(priv);
    if (err != CB_OK)
        return err;
    raw[0] = p->wif_prefix;
    memcpy(raw + 1, priv, 32);
    raw[33] = 0x01;
    err = cb_base58check_encode(out, CB_WIF_MAX, raw, sizeof raw);
    cb_key_wipe(raw, sizeof raw);
    return err;
}

cb_err cb_wif_decode(const cb_params *p, uint8_t priv[32], const char *str)
{
    uint8_t raw[64];
    size_t n = 0;
    cb_err err = cb_base58check_decode(raw, sizeof raw, &n, str);
    if (err != CB_OK)
        goto done;
    /* 33 bytes would be an uncompressed key: CoinBit has none. */
    if (n != 34 || raw[33] != 0x01) {
        err = CB_ERR_BAD_LENGTH;
        goto done;
    }
    if (raw[0] != p->wif_prefix) {
        err = CB_ERR_BAD_VERSION_BYTE;
        goto done;
    }
    err = cb_key_check_private(raw + 1);
    if (err == CB_OK)
        memcpy(priv, raw + 1, 32);
done:
    cb_key_wipe(raw, sizeof raw);
    return err;
}
