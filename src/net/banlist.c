#include "net/banlist.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "core/keymap.h"

/* A growable array of bans. */
typedef struct {
    cb_ban *v;
    size_t n, cap;
} ban_array;

struct cb_banlist {
    ban_array single; /* /128: found through `index` */
    ban_array wide;   /* wider subnets: few, scanned */
    cb_keymap *index; /* ip -> position in single */
    cb_keymap *discouraged;
    uint64_t seed;
};

static const uint8_t V4_PREFIX[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Parses a numeric IPv4 or IPv6 address into 16 bytes.
 * Returns: true, and *v4 for an IPv4 address. */
static bool parse_ip(uint8_t ip[16], const char *text, bool *v4)
{
    struct in_addr a4;
    if (inet_pton(AF_INET, text, &a4) == 1) {
        memcpy(ip, V4_PREFIX, 12);
        memcpy(ip + 12, &a4, 4);
        *v4 = true;
        return true;
    }
    *v4 = false;
    return inet_pton(AF_INET6, text, ip) == 1;
}

static bool is_v4(const uint8_t ip[16])
{
    return memcmp(ip, V4_PREFIX, 12) == 0;
}

/* Clears the bits of ip past the first `bits`. */
static void mask(uint8_t ip[16], unsigned bits)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;
        ip[i] &= (uint8_t)(0xff00u >> keep);
    }
}

cb_err cb_subnet_parse(cb_subnet *out, const char *text)
{
    char addr[CB_SUBNET_TEXT_MAX];
    const char *slash = strchr(text, '/');
    size_t len = slash ? (size_t)(slash - text) : strlen(text);
    if (len == 0 || len >= sizeof addr)
        return CB_ERR_ARG;
    memcpy(addr, text, len);
    addr[len] = '\0';
    bool v4;
    memset(out, 0, sizeof *out);
    if (!parse_ip(out->ip, addr, &v4))
        return CB_ERR_ARG;
    unsigned max = v4 ? 32 : 128, bits = max;
    if (slash) {
        const char *d = slash + 1;
        if (!*d || strlen(d) > 3)
            return CB_ERR_ARG;
        bits = 0;
        for (; *d; d++) {
            if (*d < '0' || *d > '9')
                return CB_ERR_ARG;
            bits = bits * 10 + (unsigned)(*d - '0');
        }
        if (bits > max)
            return CB_ERR_ARG;
    }
    out->bits = (uint8_t)(v4 ? 96 + bits : bits);
    mask(out->ip, out->bits);
    return CB_OK;
}

void cb_subnet_format(char *out, const cb_subnet *s)
{
    char host[INET6_ADDRSTRLEN];
    bool v4 = is_v4(s->ip) && s->bits >= 96;
    if (v4)
        inet_ntop(AF_INET, s->ip + 12, host, sizeof host);
    else
        inet_ntop(AF_INET6, s->ip, host, sizeof host);
    if (s->bits == 128)
        snprintf(out, CB_SUBNET_TEXT_MAX, "%s", host);
    else
        snprintf(out, CB_SUBNET_TEXT_MAX, "%s/%u", host, v4 ? s->bits - 96u : s->bits);
}

static bool contains_ip(const cb_subnet *s, const uint8_t ip[16])
{
    uint8_t m[16];
    memcpy(m, ip, 16);
    mask(m, s->bits);
    return memcmp(m, s->ip, 16) == 0;
}

bool cb_subnet_contains(const cb_subnet *s, const char *host)
{
    uint8_t ip[16];
    bool v4;
    return parse_ip(ip, host, &v4) && contains_ip(s, ip);
}

cb_banlist *cb_banlist_new(uint64_t seed)
{
    cb_banlist *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->seed = seed;
    b->index = cb_keymap_new(16, seed);
    b->discouraged = cb_keymap_new(16, seed ^ 0x7777);
    if (!b->index || !b->discouraged) {
        cb_banlist_free(b);
        return NULL;
    }
    return b;
}

void cb_banlist_free(cb_banlist *b)
{
    if (!b)
        return;
    free(b->single.v);
    free(b->wide.v);
    cb_keymap_free(b->index);
    cb_keymap_free(b->discouraged);
    free(b);
}

/* The ban of exactly s, or NULL; *arr and *pos say where it is. */
static cb_ban *find(const cb_banlist *b, const cb_subnet *s, const ban_array **arr, size_t *pos)
{
    if (s->bits == 128) {
        uint32_t i;
        if (!cb_keymap_get(b->index, s->ip, &i))
            return NULL;
        *arr = &b->single;
        *pos = i;
        return &b->single.v[i];
    }
    for (size_t i = 0; i < b->wide.n; i++) {
        if (b->wide.v[i].subnet.bits == s->bits && memcmp(b->wide.v[i].subnet.ip, s->ip, 16) == 0) {
            *arr = &b->wide;
            *pos = i;
            return &b->wide.v[i];
        }
    }
    return NULL;
}

/* Removes entry pos of arr, keeping the index in step. */
static void remove_at(cb_banlist *b, ban_array *arr, size_t pos)
{
    if (arr == &b->single)
        cb_keymap_remove(b->index, arr->v[pos].subnet.ip);
    arr->v[pos] = arr->v[--arr->n];
    /* Overwriting a present key never allocates. */
    if (arr == &b->single && pos < arr->n)
        (void)!cb_keymap_put(b->index, arr->v[pos].subnet.ip, (uint32_t)pos);
}

cb_err cb_banlist_add(cb_banlist *b, const cb_subnet *s, int64_t now, int64_t until,
                      const char *reason)
{
    const ban_array *arr;
    size_t pos;
    cb_ban *e = find(b, s, &arr, &pos);
    if (!e) {
        ban_array *a = s->bits == 128 ? &b->single : &b->wide;
        /* Positions are kept as 32-bit values in the index. */
        if (a->n == UINT32_MAX || cb_grow(&a->v, &a->cap, a->n + 1, sizeof *a->v, 16) != CB_OK)
            return CB_ERR_NOMEM;
        if (a == &b->single && cb_keymap_put(b->index, s->ip, (uint32_t)a->n) != CB_OK)
            return CB_ERR_NOMEM;
        e = &a->v[a->n++];
        memset(e, 0, sizeof *e);
        e->subnet = *s;
    }
    e->created = now;
    e->until = until;
    snprintf(e->reason, sizeof e->reason, "%s", reason ? reason : "");
    return CB_OK;
}

bool cb_banlist_remove(cb_banlist *b, const cb_subnet *s)
{
    const ban_array *arr;
    size_t pos;
    if (!find(b, s, &arr, &pos))
        return false;
    remove_at(b, (ban_array *)arr, pos);
    return true;
}

bool cb_banlist_banned(const cb_banlist *b, const char *host, int64_t now)
{
    uint8_t ip[16];
    bool v4;
    uint32_t i;
    if (!parse_ip(ip, host, &v4))
        return false;
    if (cb_keymap_get(b->index, ip, &i) && b->single.v[i].until > now)
        return true;
    for (size_t k = 0; k < b->wide.n; k++)
        if (b->wide.v[k].until > now && contains_ip(&b->wide.v[k].subnet, ip))
            return true;
    return false;
}

bool cb_banlist_has(const cb_banlist *b, const cb_subnet *s, int64_t now)
{
    const ban_array *arr;
    size_t pos;
    const cb_ban *e = find(b, s, &arr, &pos);
    return e && e->until > now;
}

size_t cb_banlist_prune(cb_banlist *b, int64_t now)
{
    ban_array *arrs[2] = {&b->single, &b->wide};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < arrs[k]->n;)
            if (arrs[k]->v[i].until <= now)
                remove_at(b, arrs[k], i);
            else
                i++;
    return b->single.n + b->wide.n;
}

const cb_ban *cb_banlist_at(const cb_banlist *b, size_t i)
{
    if (i < b->single.n)
        return &b->single.v[i];
    i -= b->single.n;
    return i < b->wide.n ? &b->wide.v[i] : NULL;
}

void cb_banlist_clear(cb_banlist *b)
{
    while (b->single.n)
        remove_at(b, &b->single, b->single.n - 1);
    b->wide.n = 0;
}

void cb_banlist_discourage(cb_banlist *b, const char *host)
{
    uint8_t ip[16];
    bool v4;
    if (!parse_ip(ip, host, &v4))
        return;
    if (cb_keymap_count(b->discouraged) >= CB_DISCOURAGED_MAX) {
        cb_keymap *fresh = cb_keymap_new(16, ++b->seed ^ 0x7777);
        if (!fresh)
            return;
        cb_keymap_free(b->discouraged);
        b->discouraged = fresh;
    }
    (void)!cb_keymap_put(b->discouraged, ip, 1);
}

bool cb_banlist_discouraged(const cb_banlist *b, const char *host)
{
    uint8_t ip[16];
    bool v4;
    uint32_t one;
    return parse_ip(ip, host, &v4) && cb_keymap_get(b->discouraged, ip, &one);
}

size_t cb_banlist_discouraged_count(const cb_banlist *b)
{
    return cb_keymap_count(b->discouraged);
}
