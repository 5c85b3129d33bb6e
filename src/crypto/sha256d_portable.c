/* Portable kernel: the same optimized body as the vector kernels (midstate,
 * fixed words precomputed, early stop of the second hash), one nonce per
 * step in plain C. It runs anywhere and is the fallback. */
#include "crypto/sha256d_scan.h"

#define V uint32_t
#define LANES 1
#define SET1(x) ((uint32_t)(x))
#define ADD(x, y) ((uint32_t)((x) + (y)))
#define XOR3(x, y, z) ((x) ^ (y) ^ (z))
#define SHR(x, n) ((x) >> (n))
#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define CH(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))
#define MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))
#define LANE_OFFSETS 0u
#define TOP_MASK(h7, t) (__builtin_bswap32(h7) <= (t) ? 1u : 0u)

#define SCAN_NAME scan_portable
#include "crypto/sha256d_lanes.h"

size_t cb_scan_portable(const cb_scan_template *t, uint32_t w3_start, uint32_t count, uint32_t *out)
{
    return scan_portable(t, w3_start, count, out);
}
