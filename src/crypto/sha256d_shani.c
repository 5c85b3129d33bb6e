/* SHA-NI kernel: two nonces at a time, their instructions interleaved so
 * that one stream's sha256rnds2 runs while the other's waits on latency.
 * The state lives in the two registers the instructions use: ABEF (lanes
 * high to low: A, B, E, F) and CDGH. Compiled with -msha -msse4.1; only
 * called where the CPU has both. */
#include "crypto/sha256d_scan.h"

#include <immintrin.h>

/* Four rounds of two streams with schedule words w (W_i..W_i+3) and k. */
#define QUAD(i, wa, wb)                                                                            \
    do {                                                                                           \
        __m128i k_ = _mm_loadu_si128((const __m128i *)&cb_sha256_k[i]);                            \
        __m128i ma_ = _mm_add_epi32(wa, k_), mb_ = _mm_add_epi32(wb, k_);                          \
        a1 = _mm_sha256rnds2_epu32(a1, a0, ma_);                                                   \
        b1 = _mm_sha256rnds2_epu32(b1, b0, mb_);                                                   \
        a0 = _mm_sha256rnds2_epu32(a0, a1, _mm_shuffle_epi32(ma_, 0x0e));                          \
        b0 = _mm_sha256rnds2_epu32(b0, b1, _mm_shuffle_epi32(mb_, 0x0e));                          \
    } while (0)

/* The next four schedule words from the last sixteen (m0 oldest). */
static inline __m128i expand(__m128i m0, __m128i m1, __m128i m2, __m128i m3)
{
    __m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(m0, m1), _mm_alignr_epi8(m3, m2, 4));
    return _mm_sha256msg2_epu32(t, m3);
}

/* 64 rounds of two streams over schedules starting ma[0..3], mb[0..3]. */
static inline __attribute__((always_inline)) void
compress2(__m128i *pa0, __m128i *pa1, __m128i *pb0, __m128i *pb1, __m128i ma[4], __m128i mb[4])
{
    __m128i a0 = *pa0, a1 = *pa1, b0 = *pb0, b1 = *pb1;
    __m128i a_m0 = ma[0], a_m1 = ma[1], a_m2 = ma[2], a_m3 = ma[3];
    __m128i b_m0 = mb[0], b_m1 = mb[1], b_m2 = mb[2], b_m3 = mb[3];
    QUAD(0, a_m0, b_m0);
    QUAD(4, a_m1, b_m1);
    QUAD(8, a_m2, b_m2);
    QUAD(12, a_m3, b_m3);
#pragma GCC unroll 12
    for (int i = 16; i < 64; i += 4) {
        __m128i an = expand(a_m0, a_m1, a_m2, a_m3);
        __m128i bn = expand(b_m0, b_m1, b_m2, b_m3);
        QUAD(i, an, bn);
        a_m0 = a_m1, a_m1 = a_m2, a_m2 = a_m3, a_m3 = an;
        b_m0 = b_m1, b_m1 = b_m2, b_m2 = b_m3, b_m3 = bn;
    }
    *pa0 = a0, *pa1 = a1, *pb0 = b0, *pb1 = b1;
}

/* ABEF/CDGH back to message words W0..3 = A B C D and W4..7 = E F G H. */
static inline void to_words(__m128i abef, __m128i cdgh, __m128i *lo, __m128i *hi)
{
    *lo = _mm_shuffle_epi32(_mm_unpackhi_epi64(abef, cdgh), 0xb1);
    *hi = _mm_shuffle_epi32(_mm_unpacklo_epi64(abef, cdgh), 0xb1);
}

size_t cb_scan_shani(const cb_scan_template *t, uint32_t w3_start, uint32_t count, uint32_t *out)
{
    const uint32_t *m = t->mid, *iv = cb_sha256_iv;
    const __m128i mid0 = _mm_set_epi32((int)m[0], (int)m[1], (int)m[4], (int)m[5]);
    const __m128i mid1 = _mm_set_epi32((int)m[2], (int)m[3], (int)m[6], (int)m[7]);
    const __m128i iv0 = _mm_set_epi32((int)iv[0], (int)iv[1], (int)iv[4], (int)iv[5]);
    const __m128i iv1 = _mm_set_epi32((int)iv[2], (int)iv[3], (int)iv[6], (int)iv[7]);
    const __m128i pad1 = _mm_set_epi32(0, 0, 0, (int)0x80000000u);
    const __m128i zero = _mm_setzero_si128();
    const __m128i len1 = _mm_set_epi32(640, 0, 0, 0), len2 = _mm_set_epi32(256, 0, 0, 0);
    size_t n = 0;
    for (uint32_t i = 0; i < count; i += 2) {
        uint32_t wa = w3_start + i, wb = wa + 1;
        __m128i ma[4] = {_mm_set_epi32((int)wa, (int)t->w[2], (int)t->w[1], (int)t->w[0]), pad1,
                         zero, len1};
        __m128i mb[4] = {_mm_set_epi32((int)wb, (int)t->w[2], (int)t->w[1], (int)t->w[0]), pad1,
                         zero, len1};
        __m128i a0 = mid0, a1 = mid1, b0 = mid0, b1 = mid1;
        compress2(&a0, &a1, &b0, &b1, ma, mb);
        a0 = _mm_add_epi32(a0, mid0), a1 = _mm_add_epi32(a1, mid1);
        b0 = _mm_add_epi32(b0, mid0), b1 = _mm_add_epi32(b1, mid1);
        /* Second hash of the 32-byte digest. */
        to_words(a0, a1, &ma[0], &ma[1]);
        to_words(b0, b1, &mb[0], &mb[1]);
        ma[2] = mb[2] = pad1;
        ma[3] = mb[3] = len2;
        a0 = iv0, a1 = iv1, b0 = iv0, b1 = iv1;
        compress2(&a0, &a1, &b0, &b1, ma, mb);
        /* H is lane 0 of CDGH. */
        uint32_t ha = (uint32_t)_mm_cvtsi128_si32(a1) + iv[7];
        uint32_t hb = (uint32_t)_mm_cvtsi128_si32(b1) + iv[7];
        if (__builtin_bswap32(ha) <= t->target_top)
            out[n++] = wa;
        if (__builtin_bswap32(hb) <= t->target_top)
            out[n++] = wb;
    }
    return n;
}
