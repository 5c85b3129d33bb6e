/* Unsigned 256-bit integers for targets and chain work.
 *
 * The operations are exactly those Bitcoin Core's arith_uint256 uses for
 * proof of work, with the same wrap-around on overflow, so that difficulty
 * results match Core bit for bit. */
#ifndef CB_CORE_ARITH_H
#define CB_CORE_ARITH_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint32_t w[8]; /* little-endian limbs: w[0] is the least significant */
} cb_u256;

/* Reads/writes 32 bytes as a little-endian number (how hashes compare). */
void cb_u256_from_le(cb_u256 *out, const uint8_t bytes[32]);
void cb_u256_to_le(uint8_t bytes[32], const cb_u256 *a);

void cb_u256_set_u64(cb_u256 *out, uint64_t v);
bool cb_u256_is_zero(const cb_u256 *a);

/* Returns: <0, 0 or >0 as a is below, equal to or above b. */
int cb_u256_cmp(const cb_u256 *a, const cb_u256 *b);

/* out = a + b (mod 2^256); out may alias either. */
void cb_u256_add(cb_u256 *out, const cb_u256 *a, const cb_u256 *b);

/* out = a * m (mod 2^256); out may alias a. */
void cb_u256_mul_u32(cb_u256 *out, const cb_u256 *a, uint32_t m);

/* out = a / b, truncating; b must not be zero (returns false if it is). */
bool cb_u256_div(cb_u256 *out, const cb_u256 *a, const cb_u256 *b);

/* out = a << n or a >> n; bits shifted past either end are lost. */
void cb_u256_shl(cb_u256 *out, const cb_u256 *a, unsigned n);
void cb_u256_shr(cb_u256 *out, const cb_u256 *a, unsigned n);

/* Number of significant bits (0 for zero). */
unsigned cb_u256_bits(const cb_u256 *a);

/* Approximate value as a double, for display (difficulty, work). */
double cb_u256_to_double(const cb_u256 *a);

/* Bitcoin's SetCompact: expands compact "bits" into a target.
 * Out: *negative and *overflow (either may be NULL) as Core reports them. */
void cb_u256_set_compact(cb_u256 *out, uint32_t compact, bool *negative, bool *overflow);

/* Bitcoin's GetCompact (with its rounding down to 23 bits of mantissa). */
uint32_t cb_u256_get_compact(const cb_u256 *a);

#endif
