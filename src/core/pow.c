#include "core/pow.h"

cb_err cb_pow_target(const cb_params *p, cb_u256 *target, uint32_t bits)
{
    bool negative, overflow;
    cb_u256 limit;
    cb_u256_set_compact(target, bits, &negative, &overflow);
    cb_u256_set_compact(&limit, p->pow_limit_bits, NULL, NULL);
    if (negative || overflow || cb_u256_is_zero(target) || cb_u256_cmp(target, &limit) > 0)
        return CB_ERR_HIGH_HASH;
    return CB_OK;
}

cb_err cb_pow_check(const cb_params *p, const uint8_t hash[32], uint32_t bits)
{
    cb_u256 target, h;
    cb_err err = cb_pow_target(p, &target, bits);
    if (err != CB_OK)
        return err;
    cb_u256_from_le(&h, hash);
    return cb_u256_cmp(&h, &target) > 0 ? CB_ERR_HIGH_HASH : CB_OK;
}

void cb_pow_work(cb_u256 *work, uint32_t bits)
{
    bool negative, overflow;
    cb_u256 target, inv, plus1, one;
    cb_u256_set_compact(&target, bits, &negative, &overflow);
    if (negative || overflow || cb_u256_is_zero(&target)) {
        cb_u256_set_u64(work, 0);
        return;
    }
    /* 2^256 does not fit; (~target / (target + 1)) + 1 is the same number. */
    for (int i = 0; i < 8; i++)
        inv.w[i] = ~target.w[i];
    cb_u256_set_u64(&one, 1);
    cb_u256_add(&plus1, &target, &one);
    if (cb_u256_is_zero(&plus1)) { /* target = 2^256 - 1 */
        cb_u256_set_u64(work, 1);
        return;
    }
    cb_u256_div(work, &inv, &plus1);
    cb_u256_add(work, work, &one);
}

bool cb_pow_is_retarget_height(const cb_params *p, uint32_t height)
{
    return p->retarget_interval != 0 && height % p->retarget_interval == 0;
}

uint32_t cb_pow_calculate_next(const cb_params *p, uint32_t last_bits, int64_t last_time,
                               int64_t first_time)
{
    int64_t span = (int64_t)p->retarget_interval * p->target_spacing;
    int64_t actual = last_time - first_time;
    cb_u256 target, limit, divisor;
    if (p->retarget_interval == 0)
        return last_bits;
    if (actual < span / 4)
        actual = span / 4;
    if (actual > span * 4)
        actual = span * 4;
    cb_u256_set_compact(&target, last_bits, NULL, NULL);
    cb_u256_set_compact(&limit, p->pow_limit_bits, NULL, NULL);
    cb_u256_mul_u32(&target, &target, (uint32_t)actual);
    cb_u256_set_u64(&divisor, (uint64_t)span);
    cb_u256_div(&target, &target, &divisor);
    if (cb_u256_cmp(&target, &limit) > 0)
        target = limit;
    return cb_u256_get_compact(&target);
}
