/* Little-endian integers and Bitcoin's CompactSize, read and written in place.
 *
 * These helpers never check lengths: they are for buffers whose size the
 * caller already knows. Bytes from outside go through cb_reader (reader.h). */
#ifndef CB_CORE_BYTES_H
#define CB_CORE_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline void cb_put_u16le(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void cb_put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void cb_put_u64le(uint8_t *p, uint64_t v)
{
    cb_put_u32le(p, (uint32_t)v);
    cb_put_u32le(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t cb_get_u16le(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t cb_get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t cb_get_u64le(const uint8_t *p)
{
    return (uint64_t)cb_get_u32le(p) | ((uint64_t)cb_get_u32le(p + 4) << 32);
}

static inline uint32_t cb_get_u32be(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline void cb_put_u32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Number of bytes CompactSize needs for n: 1, 3, 5 or 9. */
static inline size_t cb_compactsize_len(uint64_t n)
{
    if (n < 0xfd)
        return 1;
    if (n <= 0xffff)
        return 3;
    if (n <= 0xffffffffu)
        return 5;
    return 9;
}

/* Writes CompactSize(n) at p, which must hold cb_compactsize_len(n) bytes.
 * Returns: the number of bytes written. */
static inline size_t cb_put_compactsize(uint8_t *p, uint64_t n)
{
    if (n < 0xfd) {
        p[0] = (uint8_t)n;
        return 1;
    }
    if (n <= 0xffff) {
        p[0] = 0xfd;
        cb_put_u16le(p + 1, (uint16_t)n);
        return 3;
    }
    if (n <= 0xffffffffu) {
        p[0] = 0xfe;
        cb_put_u32le(p + 1, (uint32_t)n);
        return 5;
    }
    p[0] = 0xff;
    cb_put_u64le(p + 1, n);
    return 9;
}

#endif
