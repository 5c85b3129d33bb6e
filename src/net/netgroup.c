#include "net/netgroup.h"

#include <arpa/inet.h>
#include <string.h>

/* IPv4 ranges no public peer is in: (first octets, prefix bits). */
static bool v4_reserved(const uint8_t a[4])
{
    static const struct {
        uint8_t net[4];
        unsigned bits;
    } r[] = {
        {{0, 0, 0, 0}, 8},     {{10, 0, 0, 0}, 8},      {{100, 64, 0, 0}, 10},
        {{127, 0, 0, 0}, 8},   {{169, 254, 0, 0}, 16},  {{172, 16, 0, 0}, 12},
        {{192, 0, 0, 0}, 24},  {{192, 0, 2, 0}, 24},    {{192, 168, 0, 0}, 16},
        {{198, 18, 0, 0}, 15}, {{198, 51, 100, 0}, 24}, {{203, 0, 113, 0}, 24},
        {{224, 0, 0, 0}, 3}, /* multicast and everything above */
    };
    uint32_t ip = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
        uint32_t net = (uint32_t)r[i].net[0] << 24 | (uint32_t)r[i].net[1] << 16 |
                       (uint32_t)r[i].net[2] << 8 | r[i].net[3];
        uint32_t mask = r[i].bits ? ~0u << (32 - r[i].bits) : 0;
        if ((ip & mask) == (net & mask))
            return true;
    }
    return false;
}

static bool v6_reserved(const uint8_t a[16])
{
    static const uint8_t zero[16];
    if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
        return true;           /* :: and ::1 */
    if ((a[0] & 0xfe) == 0xfc) /* fc00::/7, unique local */
        return true;
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) /* fe80::/10, link-local */
        return true;
    if (a[0] == 0xff) /* multicast */
        return true;
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) /* 2001:db8::/32 */
        return true;
    return false;
}

/* Parses host; an IPv4-mapped IPv6 address counts as the IPv4 one. */
static int parse(const char *host, uint8_t out[16])
{
    if (inet_pton(AF_INET, host, out) == 1)
        return 4;
    if (inet_pton(AF_INET6, host, out) != 1)
        return 0;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(out, mapped, 12) == 0) {
        memmove(out, out + 12, 4);
        return 4;
    }
    return 6;
}

bool cb_netgroup_of(const char *host, cb_netgroup *out)
{
    uint8_t a[16];
    int kind = parse(host, a);
    memset(out, 0, sizeof *out);
    if (kind == 4 && !v4_reserved(a)) {
        out->b[0] = 4;
        memcpy(out->b + 1, a, 2);
    } else if (kind == 6 && !v6_reserved(a)) {
        out->b[0] = 6;
        memcpy(out->b + 1, a, 4);
    }
    return kind != 0;
}

bool cb_netgroup_equal(const cb_netgroup *a, const cb_netgroup *b)
{
    return memcmp(a->b, b->b, sizeof a->b) == 0;
}

bool cb_netgroup_is_local(const cb_netgroup *g)
{
    return g->b[0] == 0;
}

bool cb_addr_routable(const char *host)
{
    cb_netgroup g;
    return cb_netgroup_of(host, &g) && !cb_netgroup_is_local(&g);
}
