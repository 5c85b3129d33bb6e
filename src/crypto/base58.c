#include "crypto/base58.h"

#include <string.h>

#include "crypto/hash.h"

static const char ALPHABET[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static int digit_value(char c)
{
    const char *p = c ? strchr(ALPHABET, c) : NULL;
    return p ? (int)(p - ALPHABET) : -1;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

cb_err cb_base58_encode(char *out, size_t cap, const uint8_t *data, size_t len)
{
    /* Base58 needs log(256)/log(58) ~ 1.37 digits per byte. */
    uint8_t digits[CB_BASE58_MAX_CHARS * 2];
    size_t zeros = 0, ndigits = 0;
    if (len > CB_BASE58_MAX_CHARS)
        return CB_ERR_TOO_LARGE;
    while (zeros < len && data[zeros] == 0)
        zeros++;
    /* Repeated multiply-add into a little-endian base-58 number. */
    for (size_t i = zeros; i < len; i++) {
        unsigned carry = data[i];
        for (size_t j = 0; j < ndigits; j++) {
            carry += (unsigned)digits[j] << 8;
            digits[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        while (carry) {
            digits[ndigits++] = (uint8_t)(carry % 58);
            carry /= 58;
        }
    }
    if (zeros + ndigits + 1 > cap)
        return CB_ERR_TOO_LARGE;
    size_t k = 0;
    for (size_t i = 0; i < zeros; i++)
        out[k++] = '1';
    for (size_t i = 0; i < ndigits; i++)
        out[k++] = ALPHABET[digits[ndigits - 1 - i]];
    out[k] = '\0';
    return CB_OK;
}

cb_err cb_base58_decode(uint8_t *out, size_t cap, size_t *out_len, const char *str)
{
    uint8_t bytes[CB_BASE58_MAX_CHARS];
    size_t zeros = 0, nbytes = 0;
    while (is_space(*str))
        str++;
    size_t n = strlen(str);
    while (n > 0 && is_space(str[n - 1]))
        n--;
    if (n > CB_BASE58_MAX_CHARS)
        return CB_ERR_TOO_LARGE;
    while (zeros < n && str[zeros] == '1')
        zeros++;
    for (size_t i = zeros; i < n; i++) {
        int v = digit_value(str[i]);
        if (v < 0)
            return CB_ERR_BASE58_CHAR;
        unsigned carry = (unsigned)v;
        for (size_t j = 0; j < nbytes; j++) {
            carry += (unsigned)bytes[j] * 58;
            bytes[j] = (uint8_t)carry;
            carry >>= 8;
        }
        while (carry) {
            bytes[nbytes++] = (uint8_t)carry;
            carry >>= 8;
        }
    }
    if (zeros + nbytes > cap)
        return CB_ERR_TOO_LARGE;
    memset(out, 0, zeros);
    for (size_t i = 0; i < nbytes; i++)
        out[zeros + i] = bytes[nbytes - 1 - i];
    *out_len = zeros + nbytes;
    return CB_OK;
}

cb_err cb_base58check_encode(char *out, size_t cap, const uint8_t *data, size_t len)
{
    uint8_t buf[128 + 4];
    uint8_t sum[32];
    if (len > 128)
        return CB_ERR_TOO_LARGE;
    memcpy(buf, data, len);
    cb_sha256d(sum, data, len);
    memcpy(buf + len, sum, 4);
    return cb_base58_encode(out, cap, buf, len + 4);
}

cb_err cb_base58check_decode(uint8_t *out, size_t cap, size_t *out_len, const char *str)
{
    uint8_t buf[CB_BASE58_MAX_CHARS];
    uint8_t sum[32];
    size_t n = 0;
    cb_err err = cb_base58_decode(buf, sizeof buf, &n, str);
    if (err != CB_OK)
        return err;
    if (n < 4)
        return CB_ERR_BASE58_CHECKSUM;
    cb_sha256d(sum, buf, n - 4);
    if (memcmp(sum, buf + n - 4, 4) != 0)
        return CB_ERR_BASE58_CHECKSUM;
    if (n - 4 > cap)
        return CB_ERR_TOO_LARGE;
    memcpy(out, buf, n - 4);
    *out_len = n - 4;
    return CB_OK;
}
