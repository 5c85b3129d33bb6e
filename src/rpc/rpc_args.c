/* What every RPC method shares: reading parameters (each check sets the
 * error the caller answers with), the JSON of hashes, amounts and
 * addresses, and the one mapping from cb_err to Core's error codes. */
#include "rpc/rpc_methods.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/address.h"
#include "core/amount.h"
#include "core/arith.h"
#include "core/hex.h"

json_t *cb_rpc_fail(cb_rpc_error *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    e->code = code;
    return NULL;
}

/* Parameter access: each returns false with *e set when missing or of the
 * wrong type. */
bool cb_rpc_arg_count(json_t *p, size_t min, size_t max, cb_rpc_error *e)
{
    size_t n = json_array_size(p);
    if (n < min || n > max) {
        cb_rpc_fail(e, CB_RPC_INVALID_PARAMS, "expected %zu to %zu parameters, got %zu", min, max,
                    n);
        return false;
    }
    return true;
}

bool cb_rpc_arg_string(json_t *p, size_t i, const char **out, cb_rpc_error *e)
{
    json_t *v = json_array_get(p, i);
    if (!json_is_string(v)) {
        cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "parameter %zu must be a string", i + 1);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

bool cb_rpc_arg_uint(json_t *p, size_t i, uint64_t max, uint64_t *out, cb_rpc_error *e)
{
    json_t *v = json_array_get(p, i);
    if (!json_is_integer(v)) {
        cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "parameter %zu must be a whole number", i + 1);
        return false;
    }
    json_int_t x = json_integer_value(v);
    if (x < 0 || (uint64_t)x > max) {
        cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "parameter %zu is out of range (0 to %llu)", i + 1,
                    (unsigned long long)max);
        return false;
    }
    *out = (uint64_t)x;
    return true;
}

bool cb_rpc_arg_amount(json_t *p, size_t i, uint64_t *units, cb_rpc_error *e)
{
    json_t *v = json_array_get(p, i);
    char text[64];
    if (json_is_string(v))
        snprintf(text, sizeof text, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(text, sizeof text, "%.15g", json_real_value(v));
    else {
        cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "parameter %zu must be an amount", i + 1);
        return false;
    }
    cb_err err = cb_amount_parse(text, units);
    if (err == CB_ERR_TX_MONEY_RANGE) {
        cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "amount out of range");
        return false;
    }
    if (err != CB_OK) {
        cb_rpc_fail(e, CB_RPC_TYPE_ERROR,
                    "invalid amount '%s' (CB, at most 8 decimals, not negative)", text);
        return false;
    }
    return true;
}

/* Reads string parameters: min to max of them, each a string (one past
 * min may be null: then out[i] is NULL). */
bool cb_rpc_arg_strings(json_t *p, size_t min, size_t max, const char **out, cb_rpc_error *e)
{
    size_t count = json_array_size(p);
    if (count < min || count > max) {
        cb_rpc_fail(e, CB_RPC_INVALID_PARAMS, "expected %zu to %zu parameters, got %zu", min, max,
                    count);
        return false;
    }
    for (size_t i = 0; i < count && i < max; i++) {
        json_t *v = json_array_get(p, i);
        if (!json_is_string(v)) {
            out[i] = NULL;
            if (i < min) {
                cb_rpc_fail(e, CB_RPC_TYPE_ERROR, "parameter %zu must be a string", i + 1);
                return false;
            }
            continue;
        }
        out[i] = json_string_value(v);
    }
    return true;
}

bool cb_rpc_arg_hash(json_t *p, size_t i, uint8_t hash[32], cb_rpc_error *e)
{
    const char *s;
    if (!cb_rpc_arg_string(p, i, &s, e))
        return false;
    if (cb_hash_from_hex(hash, s) != CB_OK) {
        cb_rpc_fail(e, CB_RPC_INVALID_PARAMETER, "parameter %zu must be a 64-digit hex hash",
                    i + 1);
        return false;
    }
    return true;
}

bool cb_rpc_arg_address(cb_node *n, json_t *p, size_t i, uint8_t id[20], cb_rpc_error *e)
{
    const char *s;
    if (!cb_rpc_arg_string(p, i, &s, e))
        return false;
    cb_err err = cb_address_decode(cb_node_params(n), id, s);
    if (err != CB_OK) {
        cb_rpc_fail(e, CB_RPC_INVALID_ADDRESS_OR_KEY, "invalid address '%s': %s", s,
                    cb_strerror(err));
        return false;
    }
    return true;
}

json_t *cb_rpc_hash_json(const uint8_t hash[32])
{
    char hex[65];
    cb_hash_to_hex(hex, hash);
    return json_string(hex);
}

json_t *cb_rpc_amount_json(uint64_t units)
{
    return json_real((double)units / (double)CB_COIN);
}

json_t *cb_rpc_address_json(cb_node *n, const uint8_t id[20])
{
    char a[CB_ADDRESS_MAX];
    if (cb_address_encode(cb_node_params(n), a, id) != CB_OK)
        return json_string("?");
    return json_string(a);
}

double cb_rpc_difficulty(const cb_params *p, uint32_t bits)
{
    cb_u256 limit, target;
    cb_u256_set_compact(&limit, p->pow_limit_bits, NULL, NULL);
    cb_u256_set_compact(&target, bits, NULL, NULL);
    double t = cb_u256_to_double(&target);
    return t > 0 ? cb_u256_to_double(&limit) / t : 0;
}

int cb_rpc_code(cb_err err, int dflt)
{
    switch (err) {
    case CB_ERR_BAD_PASSWORD:
        return CB_RPC_WALLET_PASSPHRASE_INCORRECT;
    case CB_ERR_ARG:
        return CB_RPC_INVALID_PARAMETER;
    case CB_ERR_IN_MEMPOOL:
        return CB_RPC_VERIFY_ALREADY_IN_CHAIN;
    case CB_ERR_BUSY:
    case CB_ERR_NOMEM:
    case CB_ERR_THREAD:
    case CB_ERR_RANDOM:
    case CB_ERR_CANCELLED:
        return CB_RPC_MISC_ERROR;
    default:
        break;
    }
    /* A rule a payment or block broke: Core's "rejected". */
    if ((int)err >= 40 && (int)err < 100)
        return CB_RPC_VERIFY_REJECTED;
    return dflt;
}

json_t *cb_rpc_fail_err(cb_rpc_error *e, cb_err err, int dflt)
{
    return cb_rpc_fail(e, cb_rpc_code(err, dflt), "%s", cb_strerror(err));
}
