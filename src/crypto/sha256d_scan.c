#include "crypto/sha256d_scan.h"

#include <string.h>

const uint32_t cb_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

const uint32_t cb_sha256_iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

static inline uint32_t ror(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

#define BSIG0(x) (ror(x, 2) ^ ror(x, 13) ^ ror(x, 22))
#define BSIG1(x) (ror(x, 6) ^ ror(x, 11) ^ ror(x, 25))
#define SSIG0(x) (ror(x, 7) ^ ror(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ror(x, 17) ^ ror(x, 19) ^ ((x) >> 10))
#define CH(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))
#define MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))

/* One round on s[0..7] = a..h with schedule word w. */
static inline void round1(uint32_t s[8], uint32_t k, uint32_t w)
{
    uint32_t t1 = s[7] + BSIG1(s[4]) + CH(s[4], s[5], s[6]) + k + w;
    uint32_t t2 = BSIG0(s[0]) + MAJ(s[0], s[1], s[2]);
    memmove(s + 1, s, 7 * sizeof *s);
    s[4] += t1;
    s[0] = t1 + t2;
}

void cb_sha256_compress(uint32_t state[8], const uint32_t block[16])
{
    uint32_t w[64], s[8];
    memcpy(w, block, 64);
    for (int i = 16; i < 64; i++)
        w[i] = SSIG1(w[i - 2]) + w[i - 7] + SSIG0(w[i - 15]) + w[i - 16];
    memcpy(s, state, sizeof s);
    for (int i = 0; i < 64; i++)
        round1(s, cb_sha256_k[i], w[i]);
    for (int i = 0; i < 8; i++)
        state[i] += s[i];
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

void cb_scan_prepare(cb_scan_template *t, const uint8_t header[80], const uint8_t target[32])
{
    uint32_t block[16];
    for (int i = 0; i < 16; i++)
        block[i] = be32(header + 4 * i);
    memcpy(t->mid, cb_sha256_iv, sizeof t->mid);
    cb_sha256_compress(t->mid, block);
    for (int i = 0; i < 3; i++)
        t->w[i] = be32(header + 64 + 4 * i);
    /* Rounds 0..2 of the second block see only fixed words. */
    memcpy(t->st3, t->mid, sizeof t->st3);
    for (int i = 0; i < 3; i++)
        round1(t->st3, cb_sha256_k[i], t->w[i]);
    /* W16 = s1(W14) + W9 + s0(W1) + W0 and W17 = s1(W15) + W10 + s0(W2) + W1,
     * with W9, W10, W14 zero and W15 = 640 (the 80-byte length in bits). */
    t->w16 = SSIG0(t->w[1]) + t->w[0];
    t->w17 = SSIG1(640u) + SSIG0(t->w[2]) + t->w[1];
    t->target_top = (uint32_t)target[28] | ((uint32_t)target[29] << 8) |
                    ((uint32_t)target[30] << 16) | ((uint32_t)target[31] << 24);
}

static bool always(void)
{
    return true;
}

/* CPU features straight from CPUID, plus XGETBV for the registers the OS
 * saves: an instruction set is usable only when both agree. (Compilers'
 * __builtin_cpu_supports differ in the names they know.) */
typedef struct {
    bool sse41, sha, avx2, avx512;
} cpu_features;

static cpu_features detect(void)
{
    cpu_features f = {false, false, false, false};
#if defined(__x86_64__)
    unsigned a, b, c, d, max;
    __asm__("cpuid" : "=a"(max), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    if (max < 7)
        return f;
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    bool osxsave = (c >> 27) & 1;
    f.sse41 = (c >> 19) & 1;
    uint64_t xcr0 = 0;
    if (osxsave) {
        unsigned lo, hi;
        __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        xcr0 = ((uint64_t)hi << 32) | lo;
    }
    bool os_avx = (xcr0 & 0x6) == 0x6;      /* XMM and YMM state */
    bool os_avx512 = (xcr0 & 0xe6) == 0xe6; /* and opmask, ZMM state */
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    f.sha = f.sse41 && ((b >> 29) & 1);
    f.avx2 = os_avx && ((b >> 5) & 1);
    f.avx512 = os_avx512 && ((b >> 16) & 1) && ((b >> 30) & 1); /* F and BW */
#endif
    return f;
}

static bool have_shani(void)
{
    return detect().sha;
}

static bool have_avx2(void)
{
    return detect().avx2;
}

static bool have_avx512(void)
{
    return detect().avx512;
}

static const cb_scan_impl IMPLS[] = {
    {"avx512", 16, have_avx512, cb_scan_avx512},
    {"shani", 2, have_shani, cb_scan_shani},
    {"avx2", 8, have_avx2, cb_scan_avx2},
    {"portable", 1, always, cb_scan_portable},
    {NULL, 0, NULL, NULL},
};

const cb_scan_impl *cb_scan_impls(void)
{
    return IMPLS;
}

const cb_scan_impl *cb_scan_best(void)
{
    for (const cb_scan_impl *i = IMPLS; i->name; i++)
        if (i->supported())
            return i;
    return &IMPLS[3];
}

const cb_scan_impl *cb_scan_by_name(const char *name)
{
    for (const cb_scan_impl *i = IMPLS; i->name; i++)
        if (name && strcmp(i->name, name) == 0)
            return i->supported() ? i : NULL;
    return NULL;
}
