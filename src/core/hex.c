#include "core/hex.h"

#include <string.h>

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void cb_hex_encode(char *out, const uint8_t *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}

cb_err cb_hex_decode_any(uint8_t *out, size_t cap, size_t *out_len, const char *hex)
{
    size_t n = strlen(hex);
    if (n % 2 != 0)
        return CB_ERR_HEX;
    if (n / 2 > cap)
        return CB_ERR_TOO_LARGE;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_value(hex[2 * i]);
        int lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return CB_ERR_HEX;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *out_len = n / 2;
    return CB_OK;
}

cb_err cb_hex_decode(uint8_t *out, size_t len, const char *hex)
{
    size_t got = 0;
    if (strlen(hex) != 2 * len)
        return CB_ERR_HEX;
    return cb_hex_decode_any(out, len, &got, hex);
}

void cb_hash_to_hex(char out[65], const uint8_t hash[32])
{
    uint8_t rev[32];
    for (int i = 0; i < 32; i++)
        rev[i] = hash[31 - i];
    cb_hex_encode(out, rev, 32);
}

cb_err cb_hash_from_hex(uint8_t hash[32], const char *hex)
{
    uint8_t tmp[32];
    cb_err err = cb_hex_decode(tmp, 32, hex);
    if (err != CB_OK)
        return err;
    for (int i = 0; i < 32; i++)
        hash[i] = tmp[31 - i];
    return CB_OK;
}
