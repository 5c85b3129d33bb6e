#include "core/arith.h"

#include <string.h>

#include "core/bytes.h"

void cb_u256_from_le(cb_u256 *out, const uint8_t bytes[32])
{
    for (int i = 0; i < 8; i++)
        out->w[i] = cb_get_u32le(bytes + 4 * i);
}

void cb_u256_to_le(uint8_t bytes[32], const cb_u256 *a)
{
    for (int i = 0; i < 8; i++)
        cb_put_u32le(bytes + 4 * i, a->w[i]);
}

void cb_u256_set_u64(cb_u256 *out, uint64_t v)
{
    memset(out, 0, sizeof *out);
    out->w[0] = (uint32_t)v;
    out->w[1] = (uint32_t)(v >> 32);
}

bool cb_u256_is_zero(const cb_u256 *a)
{
    for (int i = 0; i < 8; i++)
        if (a->w[i])
            return false;
    return true;
}

int cb_u256_cmp(const cb_u256 *a, const cb_u256 *b)
{
    for (int i = 7; i >= 0; i--) {
        if (a->w[i] < b->w[i])
            return -1;
        if (a->w[i] > b->w[i])
            return 1;
    }
    return 0;
}

void cb_u256_add(cb_u256 *out, const cb_u256 *a, const cb_u256 *b)
{
    uint64_t carry = 0;
    for (int i = 0; i < 8; i++) {
        uint64_t s = carry + a->w[i] + b->w[i];
        out->w[i] = (uint32_t)s;
        carry = s >> 32;
    }
}

void cb_u256_mul_u32(cb_u256 *out, const cb_u256 *a, uint32_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < 8; i++) {
        uint64_t p = carry + (uint64_t)a->w[i] * m;
        out->w[i] = (uint32_t)p;
        carry = p >> 32;
    }
}

void cb_u256_shl(cb_u256 *out, const cb_u256 *a, unsigned n)
{
    cb_u256 r = {{0}};
    unsigned k = n / 32, s = n % 32;
    for (int i = 0; i < 8; i++) {
        if (i + k < 8)
            r.w[i + k] |= a->w[i] << s;
        if (s && i + k + 1 < 8)
            r.w[i + k + 1] |= a->w[i] >> (32 - s);
    }
    *out = r;
}

void cb_u256_shr(cb_u256 *out, const cb_u256 *a, unsigned n)
{
    cb_u256 r = {{0}};
    unsigned k = n / 32, s = n % 32;
    for (int i = 0; i < 8; i++) {
        if (i >= (int)k)
            r.w[i - k] |= a->w[i] >> s;
        if (s && i >= (int)k + 1)
            r.w[i - k - 1] |= a->w[i] << (32 - s);
    }
    *out = r;
}

unsigned cb_u256_bits(const cb_u256 *a)
{
    for (int i = 7; i >= 0; i--) {
        if (a->w[i]) {
            unsigned b = 32;
            while (!(a->w[i] >> (b - 1)))
                b--;
            return 32u * (unsigned)i + b;
        }
    }
    return 0;
}

bool cb_u256_div(cb_u256 *out, const cb_u256 *a, const cb_u256 *b)
{
    /* Shift-and-subtract long division, as Core's base_uint::operator/=. */
    cb_u256 num = *a, div = *b, q = {{0}};
    unsigned nbits = cb_u256_bits(&num), dbits = cb_u256_bits(&div);
    if (dbits == 0)
        return false;
    if (dbits <= nbits) {
        int shift = (int)(nbits - dbits);
        cb_u256_shl(&div, &div, (unsigned)shift);
        while (shift >= 0) {
            if (cb_u256_cmp(&num, &div) >= 0) {
                cb_u256 neg;
                /* num -= div, as num + (~div + 1). */
                for (int i = 0; i < 8; i++)
                    neg.w[i] = ~div.w[i];
                cb_u256 one;
                cb_u256_set_u64(&one, 1);
                cb_u256_add(&neg, &neg, &one);
                cb_u256_add(&num, &num, &neg);
                q.w[shift / 32] |= 1u << (shift % 32);
            }
            cb_u256_shr(&div, &div, 1);
            shift--;
        }
    }
    *out = q;
    return true;
}

double cb_u256_to_double(const cb_u256 *a)
{
    double r = 0.0;
    for (int i = 7; i >= 0; i--)
        r = r * 4294967296.0 + a->w[i];
    return r;
}

void cb_u256_set_compact(cb_u256 *out, uint32_t compact, bool *negative, bool *overflow)
{
    unsigned size = compact >> 24;
    uint32_t word = compact & 0x007fffff;
    if (size <= 3) {
        word >>= 8 * (3 - size);
        cb_u256_set_u64(out, word);
    } else {
        cb_u256_set_u64(out, word);
        cb_u256_shl(out, out, 8 * (size - 3));
    }
    if (negative)
        *negative = word != 0 && (compact & 0x00800000) != 0;
    if (overflow)
        *overflow = word != 0 &&
                    ((size > 34) || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
}

uint32_t cb_u256_get_compact(const cb_u256 *a)
{
    unsigned size = (cb_u256_bits(a) + 7) / 8;
    uint32_t compact;
    if (size <= 3) {
        compact = (uint32_t)((uint64_t)a->w[0] << 8 * (3 - size));
    } else {
        cb_u256 t;
        cb_u256_shr(&t, a, 8 * (size - 3));
        compact = t.w[0];
    }
    /* The 0x00800000 bit is the sign: keep the mantissa positive. */
    if (compact & 0x00800000) {
        compact >>= 8;
        size++;
    }
    return compact | (uint32_t)size << 24;
}
