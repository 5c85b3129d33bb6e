/* AVX-512 kernel: sixteen nonces per step, with the rotate instruction
 * (vprord) and three-input logic (vpternlogd) that make SHA-256's sigma,
 * Ch and Maj one instruction each. Compiled with -mavx512f -mavx512bw;
 * only called where the CPU and OS support both. */
#include "crypto/sha256d_scan.h"

#include <immintrin.h>

#define V __m512i
#define LANES 16
#define SET1(x) _mm512_set1_epi32((int)(x))
#define ADD(x, y) _mm512_add_epi32((x), (y))
#define XOR3(x, y, z) _mm512_ternarylogic_epi32((x), (y), (z), 0x96)
#define SHR(x, n) _mm512_srli_epi32((x), (n))
#define ROR(x, n) _mm512_ror_epi32((x), (n))
#define CH(e, f, g) _mm512_ternarylogic_epi32((e), (f), (g), 0xca)
#define MAJ(a, b, c) _mm512_ternarylogic_epi32((a), (b), (c), 0xe8)
#define LANE_OFFSETS _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

static inline unsigned top_mask(__m512i h7, __m512i target)
{
    const __m512i swap = _mm512_set4_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203);
    __m512i top = _mm512_shuffle_epi8(h7, swap);
    return (unsigned)_mm512_cmple_epu32_mask(top, target);
}
#define TOP_MASK(h7, t) top_mask((h7), (t))

#define SCAN_NAME scan_avx512
#include "crypto/sha256d_lanes.h"

size_t cb_scan_avx512(const cb_scan_template *t, uint32_t w3_start, uint32_t count, uint32_t *out)
{
    return scan_avx512(t, w3_start, count, out);
}
