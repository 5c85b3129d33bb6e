#include "net/protocol.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/reader.h"
#include "crypto/hash.h"

cb_err cb_msg_header_parse(cb_msg_header *out, const uint8_t in[CB_MSG_HEADER_SIZE],
                           const uint8_t magic[4])
{
    if (memcmp(in, magic, 4) != 0)
        return CB_ERR_NET_MAGIC;
    /* Bitcoin's rule: printable characters, then only NULs. An empty
     * command is no command. */
    const uint8_t *cmd = in + 4;
    size_t len = 0;
    while (len < CB_MSG_COMMAND_SIZE && cmd[len] != 0) {
        if (cmd[len] < 0x20 || cmd[len] > 0x7e)
            return CB_ERR_NET_COMMAND;
        len++;
    }
    if (len == 0)
        return CB_ERR_NET_COMMAND;
    for (size_t i = len; i < CB_MSG_COMMAND_SIZE; i++)
        if (cmd[i] != 0)
            return CB_ERR_NET_COMMAND;
    memcpy(out->command, cmd, len);
    out->command[len] = '\0';
    out->length = cb_get_u32le(in + 16);
    memcpy(out->checksum, in + 20, 4);
    if (out->length > CB_MAX_PAYLOAD)
        return CB_ERR_TOO_LARGE;
    return CB_OK;
}

bool cb_msg_checksum_ok(const cb_msg_header *h, const uint8_t *payload, size_t len)
{
    uint8_t sum[32];
    cb_sha256d(sum, payload, len);
    return memcmp(sum, h->checksum, 4) == 0;
}

void cb_msg_header_build(uint8_t out[CB_MSG_HEADER_SIZE], const uint8_t magic[4],
                         const char *command, const uint8_t *payload, size_t len)
{
    uint8_t sum[32];
    size_t clen = strnlen(command, CB_MSG_COMMAND_SIZE);
    memcpy(out, magic, 4);
    memset(out + 4, 0, CB_MSG_COMMAND_SIZE);
    memcpy(out + 4, command, clen);
    cb_put_u32le(out + 16, (uint32_t)len);
    cb_sha256d(sum, payload, len);
    memcpy(out + 20, sum, 4);
}

/* A netaddr without its time field: services, ip, port (big-endian). */
static void put_netaddr(uint8_t *p, const cb_netaddr *a)
{
    cb_put_u64le(p, a->services);
    memcpy(p + 8, a->ip, 16);
    p[24] = (uint8_t)(a->port >> 8);
    p[25] = (uint8_t)a->port;
}

static cb_err read_netaddr(cb_reader *r, cb_netaddr *a)
{
    const uint8_t *p;
    cb_err err = cb_read_view(r, &p, 26);
    if (err != CB_OK)
        return err;
    a->services = cb_get_u64le(p);
    memcpy(a->ip, p + 8, 16);
    a->port = (uint16_t)((p[24] << 8) | p[25]);
    return CB_OK;
}

size_t cb_version_serialize(uint8_t *out, size_t cap, const cb_version_msg *v)
{
    size_t ua = strnlen(v->user_agent, CB_MAX_USER_AGENT);
    size_t need = 4 + 8 + 8 + 26 + 26 + 8 + cb_compactsize_len(ua) + ua + 4 + 1;
    if (cap < need)
        return 0;
    uint8_t *p = out;
    cb_put_u32le(p, (uint32_t)v->version);
    cb_put_u64le(p + 4, v->services);
    cb_put_u64le(p + 12, (uint64_t)v->timestamp);
    put_netaddr(p + 20, &v->recv);
    put_netaddr(p + 46, &v->from);
    cb_put_u64le(p + 72, v->nonce);
    p += 80;
    p += cb_put_compactsize(p, ua);
    memcpy(p, v->user_agent, ua);
    p += ua;
    cb_put_u32le(p, (uint32_t)v->start_height);
    p[4] = v->relay ? 1 : 0;
    return need;
}

cb_err cb_version_parse(cb_version_msg *v, const uint8_t *in, size_t len)
{
    cb_reader r;
    uint32_t u32;
    uint64_t u64, ualen;
    cb_err err;
    memset(v, 0, sizeof *v);
    cb_reader_init(&r, in, len);
    if ((err = cb_read_u32le(&r, &u32)) != CB_OK)
        return err;
    v->version = (int32_t)u32;
    if ((err = cb_read_u64le(&r, &v->services)) != CB_OK)
        return err;
    if ((err = cb_read_u64le(&r, &u64)) != CB_OK)
        return err;
    v->timestamp = (int64_t)u64;
    if ((err = read_netaddr(&r, &v->recv)) != CB_OK || (err = read_netaddr(&r, &v->from)) != CB_OK)
        return err;
    if ((err = cb_read_u64le(&r, &v->nonce)) != CB_OK)
        return err;
    if ((err = cb_read_compactsize(&r, &ualen, CB_MAX_USER_AGENT)) != CB_OK)
        return err;
    if ((err = cb_read_bytes(&r, (uint8_t *)v->user_agent, (size_t)ualen)) != CB_OK)
        return err;
    v->user_agent[ualen] = '\0';
    if ((err = cb_read_u32le(&r, &u32)) != CB_OK)
        return err;
    v->start_height = (int32_t)u32;
    v->relay = true;
    if (cb_reader_remaining(&r) > 0) {
        uint8_t relay;
        if ((err = cb_read_u8(&r, &relay)) != CB_OK)
            return err;
        v->relay = relay != 0;
    }
    return cb_reader_expect_end(&r);
}

cb_err cb_nonce_parse(uint64_t *nonce, const uint8_t *in, size_t len)
{
    cb_reader r;
    cb_reader_init(&r, in, len);
    cb_err err = cb_read_u64le(&r, nonce);
    if (err != CB_OK)
        return err;
    return cb_reader_expect_end(&r);
}

size_t cb_inv_serialize(uint8_t *out, size_t cap, const cb_inv *inv, size_t n)
{
    size_t need = cb_compactsize_len(n) + n * 36;
    if (cap < need)
        return 0;
    uint8_t *p = out + cb_put_compactsize(out, n);
    for (size_t i = 0; i < n; i++, p += 36) {
        cb_put_u32le(p, inv[i].type);
        memcpy(p + 4, inv[i].hash, 32);
    }
    return need;
}

/* Reads a count, checks it against the limit and that the bytes it
 * announces are there, so a lying count costs no allocation. */
static cb_err read_count(cb_reader *r, uint64_t *n, uint64_t max, size_t item)
{
    cb_err err = cb_read_compactsize(r, n, max);
    if (err != CB_OK)
        return err;
    if (cb_reader_remaining(r) < *n * item)
        return CB_ERR_TRUNCATED;
    return CB_OK;
}

cb_err cb_inv_parse(cb_inv **out, size_t *n, const uint8_t *in, size_t len)
{
    cb_reader r;
    uint64_t count;
    *out = NULL;
    *n = 0;
    cb_reader_init(&r, in, len);
    cb_err err = read_count(&r, &count, CB_MAX_INV, 36);
    if (err != CB_OK)
        return err;
    if (cb_reader_remaining(&r) != count * 36)
        return CB_ERR_TRAILING;
    cb_inv *v = calloc(count ? count : 1, sizeof *v);
    if (!v)
        return CB_ERR_NOMEM;
    for (size_t i = 0; i < count; i++) {
        if ((err = cb_read_u32le(&r, &v[i].type)) != CB_OK ||
            (err = cb_read_bytes(&r, v[i].hash, 32)) != CB_OK) {
            free(v);
            return err;
        }
    }
    *out = v;
    *n = count;
    return CB_OK;
}

size_t cb_addr_serialize(uint8_t *out, size_t cap, const cb_netaddr *a, size_t n)
{
    size_t need = cb_compactsize_len(n) + n * 30;
    if (cap < need)
        return 0;
    uint8_t *p = out + cb_put_compactsize(out, n);
    for (size_t i = 0; i < n; i++, p += 30) {
        cb_put_u32le(p, a[i].time);
        put_netaddr(p + 4, &a[i]);
    }
    return need;
}

cb_err cb_addr_parse(cb_netaddr **out, size_t *n, const uint8_t *in, size_t len)
{
    cb_reader r;
    uint64_t count;
    *out = NULL;
    *n = 0;
    cb_reader_init(&r, in, len);
    cb_err err = read_count(&r, &count, CB_MAX_ADDR, 30);
    if (err != CB_OK)
        return err;
    if (cb_reader_remaining(&r) != count * 30)
        return CB_ERR_TRAILING;
    cb_netaddr *v = calloc(count ? count : 1, sizeof *v);
    if (!v)
        return CB_ERR_NOMEM;
    for (size_t i = 0; i < count; i++) {
        if ((err = cb_read_u32le(&r, &v[i].time)) != CB_OK ||
            (err = read_netaddr(&r, &v[i])) != CB_OK) {
            free(v);
            return err;
        }
    }
    *out = v;
    *n = count;
    return CB_OK;
}

size_t cb_getheaders_serialize(uint8_t *out, size_t cap, const cb_getheaders_msg *g)
{
    size_t need = 4 + cb_compactsize_len(g->count) + g->count * 32 + 32;
    if (cap < need || g->count > CB_MAX_LOCATOR)
        return 0;
    cb_put_u32le(out, g->version);
    uint8_t *p = out + 4;
    p += cb_put_compactsize(p, g->count);
    for (size_t i = 0; i < g->count; i++, p += 32)
        memcpy(p, g->hashes[i], 32);
    memcpy(p, g->stop, 32);
    return need;
}

cb_err cb_getheaders_parse(cb_getheaders_msg *g, const uint8_t *in, size_t len)
{
    cb_reader r;
    uint64_t count;
    cb_err err;
    cb_reader_init(&r, in, len);
    if ((err = cb_read_u32le(&r, &g->version)) != CB_OK)
        return err;
    if ((err = read_count(&r, &count, CB_MAX_LOCATOR, 32)) != CB_OK)
        return err;
    g->count = (size_t)count;
    for (size_t i = 0; i < g->count; i++)
        if ((err = cb_read_bytes(&r, g->hashes[i], 32)) != CB_OK)
            return err;
    if ((err = cb_read_bytes(&r, g->stop, 32)) != CB_OK)
        return err;
    return cb_reader_expect_end(&r);
}

size_t cb_headers_serialize(uint8_t *out, size_t cap, const cb_header *h, size_t n)
{
    size_t need = cb_compactsize_len(n) + n * (CB_HEADER_SIZE + 1);
    if (cap < need)
        return 0;
    uint8_t *p = out + cb_put_compactsize(out, n);
    for (size_t i = 0; i < n; i++) {
        cb_header_serialize(p, &h[i]);
        p[CB_HEADER_SIZE] = 0;
        p += CB_HEADER_SIZE + 1;
    }
    return need;
}

cb_err cb_headers_parse(cb_header **out, size_t *n, const uint8_t *in, size_t len)
{
    cb_reader r;
    uint64_t count;
    *out = NULL;
    *n = 0;
    cb_reader_init(&r, in, len);
    cb_err err = read_count(&r, &count, CB_MAX_HEADERS, CB_HEADER_SIZE + 1);
    if (err != CB_OK)
        return err;
    cb_header *v = calloc(count ? count : 1, sizeof *v);
    if (!v)
        return CB_ERR_NOMEM;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *p;
        uint64_t ntx;
        if ((err = cb_read_view(&r, &p, CB_HEADER_SIZE)) != CB_OK ||
            (err = cb_read_compactsize(&r, &ntx, 0)) != CB_OK) {
            free(v);
            return err;
        }
        cb_header_parse(&v[i], p);
    }
    if ((err = cb_reader_expect_end(&r)) != CB_OK) {
        free(v);
        return err;
    }
    *out = v;
    *n = count;
    return CB_OK;
}

void cb_netaddr_set_ipv4(cb_netaddr *a, const uint8_t ip4[4], uint16_t port)
{
    memset(a->ip, 0, 10);
    a->ip[10] = 0xff;
    a->ip[11] = 0xff;
    memcpy(a->ip + 12, ip4, 4);
    a->port = port;
}

bool cb_netaddr_ipv4(const cb_netaddr *a, uint8_t out[4])
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a->ip, prefix, 12) != 0)
        return false;
    memcpy(out, a->ip + 12, 4);
    return true;
}
