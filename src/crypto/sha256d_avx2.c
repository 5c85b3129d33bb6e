/* AVX2 kernel: eight nonces per step. Compiled with -mavx2; only called
 * where the CPU has AVX2. */
#include "crypto/sha256d_scan.h"

#include <immintrin.h>

#define V __m256i
#define LANES 8
#define SET1(x) _mm256_set1_epi32((int)(x))
#define ADD(x, y) _mm256_add_epi32((x), (y))
#define XOR3(x, y, z) _mm256_xor_si256(_mm256_xor_si256((x), (y)), (z))
#define SHR(x, n) _mm256_srli_epi32((x), (n))
#define ROR(x, n) _mm256_or_si256(_mm256_srli_epi32((x), (n)), _mm256_slli_epi32((x), 32 - (n)))
#define CH(e, f, g) _mm256_xor_si256((g), _mm256_and_si256((e), _mm256_xor_si256((f), (g))))
#define MAJ(a, b, c)                                                                               \
    _mm256_or_si256(_mm256_and_si256((a), (b)), _mm256_and_si256((c), _mm256_or_si256((a), (b))))
#define LANE_OFFSETS _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)

/* bswap each word, then x <= t unsigned as max(x, t) == t. */
static inline unsigned top_mask(__m256i h7, __m256i target)
{
    const __m256i swap = _mm256_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3,
                                          2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
    __m256i top = _mm256_shuffle_epi8(h7, swap);
    __m256i le = _mm256_cmpeq_epi32(_mm256_max_epu32(top, target), target);
    return (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(le));
}
#define TOP_MASK(h7, t) top_mask((h7), (t))

#define SCAN_NAME scan_avx2
#include "crypto/sha256d_lanes.h"

size_t cb_scan_avx2(const cb_scan_template *t, uint32_t w3_start, uint32_t count, uint32_t *out)
{
    return scan_avx2(t, w3_start, count, out);
}
