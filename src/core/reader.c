#include "core/reader.h"

#include <string.h>

#include "core/bytes.h"

void cb_reader_init(cb_reader *r, const uint8_t *data, size_t len)
{
    r->data = data;
    r->len = data ? len : 0;
    r->pos = 0;
}

size_t cb_reader_remaining(const cb_reader *r)
{
    return r->len - r->pos;
}

cb_err cb_read_view(cb_reader *r, const uint8_t **out, size_t n)
{
    if (cb_reader_remaining(r) < n)
        return CB_ERR_TRUNCATED;
    *out = r->data + r->pos;
    r->pos += n;
    return CB_OK;
}

cb_err cb_read_bytes(cb_reader *r, uint8_t *out, size_t n)
{
    const uint8_t *p;
    cb_err err = cb_read_view(r, &p, n);
    if (err != CB_OK)
        return err;
    if (out && n)
        memcpy(out, p, n);
    return CB_OK;
}

cb_err cb_read_u8(cb_reader *r, uint8_t *out)
{
    return cb_read_bytes(r, out, 1);
}

cb_err cb_read_u16le(cb_reader *r, uint16_t *out)
{
    const uint8_t *p;
    cb_err err = cb_read_view(r, &p, 2);
    if (err == CB_OK)
        *out = cb_get_u16le(p);
    return err;
}

cb_err cb_read_u32le(cb_reader *r, uint32_t *out)
{
    const uint8_t *p;
    cb_err err = cb_read_view(r, &p, 4);
    if (err == CB_OK)
        *out = cb_get_u32le(p);
    return err;
}

cb_err cb_read_u64le(cb_reader *r, uint64_t *out)
{
    const uint8_t *p;
    cb_err err = cb_read_view(r, &p, 8);
    if (err == CB_OK)
        *out = cb_get_u64le(p);
    return err;
}

cb_err cb_read_compactsize(cb_reader *r, uint64_t *out, uint64_t max)
{
    size_t start = r->pos;
    uint8_t tag;
    uint64_t v;
    uint64_t min;
    cb_err err = cb_read_u8(r, &tag);
    if (err != CB_OK)
        return err;
    if (tag < 0xfd) {
        v = tag;
        min = 0;
    } else if (tag == 0xfd) {
        uint16_t x;
        err = cb_read_u16le(r, &x);
        v = x;
        min = 0xfd;
    } else if (tag == 0xfe) {
        uint32_t x;
        err = cb_read_u32le(r, &x);
        v = x;
        min = 0x10000;
    } else {
        err = cb_read_u64le(r, &v);
        min = 0x100000000ull;
    }
    if (err != CB_OK)
        goto fail;
    if (v < min) {
        err = CB_ERR_NONCANONICAL;
        goto fail;
    }
    if (v > max) {
        err = CB_ERR_TOO_LARGE;
        goto fail;
    }
    *out = v;
    return CB_OK;
fail:
    r->pos = start;
    return err;
}

cb_err cb_reader_expect_end(const cb_reader *r)
{
    return cb_reader_remaining(r) == 0 ? CB_OK : CB_ERR_TRAILING;
}
