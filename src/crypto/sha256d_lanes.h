/* The body of the lane-parallel kernels (portable C: 1 nonce, AVX2: 8,
 * AVX-512: 16), written once over operation macros that each kernel's
 * file defines:
 *   V, LANES, SET1, ADD, XOR3, ROR, SHR, CH, MAJ, LANE_OFFSETS,
 *   TOP_MASK(h7, target) -> bit mask of lanes whose bswap(h7) <= target.
 * Included only by sha256d_portable.c, sha256d_avx2.c and sha256d_avx512.c.
 *
 * What the template saves: rounds 0..2 of the second block and W16, W17
 * (fixed words only); the zero padding words of both blocks are folded
 * away; the second hash stops after round 60, the last round that feeds
 * its state word 7 (h after 64 rounds is e after round 60). */

static inline uint32_t ror_c(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}
#define SSIG0_C(x) (ror_c(x, 7) ^ ror_c(x, 18) ^ ((x) >> 3))
#define SSIG1_C(x) (ror_c(x, 17) ^ ror_c(x, 19) ^ ((x) >> 10))

#define BSIG0(x) XOR3(ROR(x, 2), ROR(x, 13), ROR(x, 22))
#define BSIG1(x) XOR3(ROR(x, 6), ROR(x, 11), ROR(x, 25))
#define SSIG0(x) XOR3(ROR(x, 7), ROR(x, 18), SHR(x, 3))
#define SSIG1(x) XOR3(ROR(x, 17), ROR(x, 19), SHR(x, 10))

/* Round i with its schedule word already added to k where both are known. */
#define RND(a, b, c, d, e, f, g, h, kw)                                                            \
    do {                                                                                           \
        V t1_ = ADD(ADD(h, BSIG1(e)), ADD(CH(e, f, g), kw));                                       \
        V t2_ = ADD(BSIG0(a), MAJ(a, b, c));                                                       \
        d = ADD(d, t1_);                                                                           \
        h = ADD(t1_, t2_);                                                                         \
    } while (0)

#define R(i, w) ADD(SET1(cb_sha256_k[i]), w)
#define RK(i, c) SET1(cb_sha256_k[i] + (c))

/* Eight rounds i..i+7 with the variables rotating back to their names. */
#define RND8(i, K0, K1, K2, K3, K4, K5, K6, K7)                                                    \
    RND(a, b, c, d, e, f, g, h, K0);                                                               \
    RND(h, a, b, c, d, e, f, g, K1);                                                               \
    RND(g, h, a, b, c, d, e, f, K2);                                                               \
    RND(f, g, h, a, b, c, d, e, K3);                                                               \
    RND(e, f, g, h, a, b, c, d, K4);                                                               \
    RND(d, e, f, g, h, a, b, c, K5);                                                               \
    RND(c, d, e, f, g, h, a, b, K6);                                                               \
    RND(b, c, d, e, f, g, h, a, K7)

#define EXPAND(i) w[i] = ADD(ADD(SSIG1(w[(i)-2]), w[(i)-7]), ADD(SSIG0(w[(i)-15]), w[(i)-16]))

static size_t SCAN_NAME(const cb_scan_template *t, uint32_t w3_start, uint32_t count, uint32_t *out)
{
    size_t n = 0;
    const V target = SET1(t->target_top);
    const V offsets = LANE_OFFSETS;
    const uint32_t w0 = t->w[0], w1 = t->w[1], w2 = t->w[2];
    for (uint32_t base = 0; base < count; base += LANES) {
        V w[64];
        V a = SET1(t->st3[0]), b = SET1(t->st3[1]), c = SET1(t->st3[2]), d = SET1(t->st3[3]);
        V e = SET1(t->st3[4]), f = SET1(t->st3[5]), g = SET1(t->st3[6]), h = SET1(t->st3[7]);
        const V w3 = ADD(SET1(w3_start + base), offsets);

        /* First hash, second block: W0..2 fixed, W3 the nonce, W4 = pad,
         * W5..14 = 0, W15 = 640. Rounds 0..2 are in st3. */
        w[0] = SET1(w0), w[1] = SET1(w1), w[2] = SET1(w2), w[3] = w3;
        w[4] = SET1(0x80000000u);
        for (int i = 5; i < 15; i++)
            w[i] = SET1(0);
        w[15] = SET1(640u);
        w[16] = SET1(t->w16);
        w[17] = SET1(t->w17);
        /* W18 = s1(W16) + s0(W3) + W2 (W11 = 0); W19 = s1(W17) + s0(W4) + W3;
         * W20..W22 meet only zero or fixed words besides s1 of earlier ones. */
        w[18] = ADD(SSIG0(w3), SET1(SSIG1_C(t->w16) + w2));
        w[19] = ADD(w3, SET1(SSIG1_C(t->w17) + SSIG0_C(0x80000000u)));
        w[20] = ADD(SSIG1(w[18]), SET1(0x80000000u));
        w[21] = SSIG1(w[19]);
        w[22] = ADD(SSIG1(w[20]), SET1(640u));
        w[23] = ADD(SSIG1(w[21]), SET1(t->w16));
        w[24] = ADD(SSIG1(w[22]), SET1(t->w17));
        w[25] = ADD(SSIG1(w[23]), w[18]);
        w[26] = ADD(SSIG1(w[24]), w[19]);
        w[27] = ADD(SSIG1(w[25]), w[20]);
        w[28] = ADD(SSIG1(w[26]), w[21]);
        w[29] = ADD(SSIG1(w[27]), w[22]);
        w[30] = ADD(ADD(SSIG1(w[28]), w[23]), SET1(SSIG0_C(640u)));
        w[31] = ADD(ADD(SSIG1(w[29]), w[24]), ADD(SSIG0(w[16]), SET1(640u)));
        for (int i = 32; i < 64; i++)
            EXPAND(i);

        /* a..h hold st3, the state after round 2: round 3 is next. */
        RND(a, b, c, d, e, f, g, h, R(3, w[3]));
        RND(h, a, b, c, d, e, f, g, RK(4, 0x80000000u));
        RND(g, h, a, b, c, d, e, f, RK(5, 0));
        RND(f, g, h, a, b, c, d, e, RK(6, 0));
        RND(e, f, g, h, a, b, c, d, RK(7, 0));
        RND(d, e, f, g, h, a, b, c, RK(8, 0));
        RND(c, d, e, f, g, h, a, b, RK(9, 0));
        RND(b, c, d, e, f, g, h, a, RK(10, 0));
        RND8(11, RK(11, 0), RK(12, 0), RK(13, 0), RK(14, 0), RK(15, 640u), R(16, w[16]),
             R(17, w[17]), R(18, w[18]));
#pragma GCC unroll 8
        for (int i = 19; i < 59; i += 8) {
            RND8(i, R(i, w[i]), R(i + 1, w[i + 1]), R(i + 2, w[i + 2]), R(i + 3, w[i + 3]),
                 R(i + 4, w[i + 4]), R(i + 5, w[i + 5]), R(i + 6, w[i + 6]), R(i + 7, w[i + 7]));
        }
        /* 19 + 40 = 59: five more rounds, and the names have rotated by 5. */
        RND(a, b, c, d, e, f, g, h, R(59, w[59]));
        RND(h, a, b, c, d, e, f, g, R(60, w[60]));
        RND(g, h, a, b, c, d, e, f, R(61, w[61]));
        RND(f, g, h, a, b, c, d, e, R(62, w[62]));
        RND(e, f, g, h, a, b, c, d, R(63, w[63]));
        /* 61 rounds from round 3 shift the roles by 61 mod 8 = 5: each
         * round makes h the new A and moves the rest along, so A..H are now
         * held by d e f g h a b c. */
        V x[8] = {d, e, f, g, h, a, b, c};
        for (int i = 0; i < 8; i++)
            x[i] = ADD(x[i], SET1(t->mid[i]));

        /* Second hash: W0..7 the digest, W8 = pad, W9..14 = 0, W15 = 256. */
        for (int i = 0; i < 8; i++)
            w[i] = x[i];
        w[8] = SET1(0x80000000u);
        for (int i = 9; i < 15; i++)
            w[i] = SET1(0);
        w[15] = SET1(256u);
        w[16] = ADD(SSIG0(w[1]), w[0]);
        w[17] = ADD(ADD(SSIG0(w[2]), w[1]), SET1(SSIG1_C(256u)));
        for (int i = 18; i < 22; i++)
            w[i] = ADD(ADD(SSIG1(w[i - 2]), SSIG0(w[i - 15])), w[i - 16]);
        w[22] = ADD(ADD(SSIG1(w[20]), SSIG0(w[7])), ADD(w[6], SET1(256u)));
        w[23] = ADD(ADD(SSIG1(w[21]), w[16]), ADD(SET1(SSIG0_C(0x80000000u)), w[7]));
        w[24] = ADD(ADD(SSIG1(w[22]), w[17]), SET1(0x80000000u));
        for (int i = 25; i < 30; i++)
            w[i] = ADD(SSIG1(w[i - 2]), w[i - 7]);
        w[30] = ADD(ADD(SSIG1(w[28]), w[23]), SET1(SSIG0_C(256u)));
        w[31] = ADD(ADD(SSIG1(w[29]), w[24]), ADD(SSIG0(w[16]), SET1(256u)));
        for (int i = 32; i < 61; i++)
            EXPAND(i);

        a = SET1(cb_sha256_iv[0]), b = SET1(cb_sha256_iv[1]), c = SET1(cb_sha256_iv[2]);
        d = SET1(cb_sha256_iv[3]), e = SET1(cb_sha256_iv[4]), f = SET1(cb_sha256_iv[5]);
        g = SET1(cb_sha256_iv[6]), h = SET1(cb_sha256_iv[7]);
        RND8(0, R(0, w[0]), R(1, w[1]), R(2, w[2]), R(3, w[3]), R(4, w[4]), R(5, w[5]), R(6, w[6]),
             R(7, w[7]));
        RND8(8, RK(8, 0x80000000u), RK(9, 0), RK(10, 0), RK(11, 0), RK(12, 0), RK(13, 0), RK(14, 0),
             RK(15, 256u));
#pragma GCC unroll 8
        for (int i = 16; i < 56; i += 8) {
            RND8(i, R(i, w[i]), R(i + 1, w[i + 1]), R(i + 2, w[i + 2]), R(i + 3, w[i + 3]),
                 R(i + 4, w[i + 4]), R(i + 5, w[i + 5]), R(i + 6, w[i + 6]), R(i + 7, w[i + 7]));
        }
        /* Rounds 56..59 in full, then only the e of round 60: that e is
         * the final h, so rounds 61..63 cannot change word 7. */
        RND(a, b, c, d, e, f, g, h, R(56, w[56]));
        RND(h, a, b, c, d, e, f, g, R(57, w[57]));
        RND(g, h, a, b, c, d, e, f, R(58, w[58]));
        RND(f, g, h, a, b, c, d, e, R(59, w[59]));
        /* Round 60: the names have rotated by 4 (A..H are e f g h a b c d),
         * so its new e is D + t1 = h + (d + S1(a) + Ch(a, b, c) + K + W). */
        V e60 = ADD(h, ADD(ADD(d, BSIG1(a)), ADD(CH(a, b, c), R(60, w[60]))));
        V h7 = ADD(e60, SET1(cb_sha256_iv[7]));
        unsigned mask = TOP_MASK(h7, target);
        while (mask) {
            unsigned lane = (unsigned)__builtin_ctz(mask);
            out[n++] = w3_start + base + lane;
            mask &= mask - 1;
        }
    }
    return n;
}
