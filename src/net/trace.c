#include "net/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/block.h"
#include "core/hex.h"
#include "core/reader.h"
#include "crypto/hash.h"
#include "net/protocol.h"

static const char *inv_type(uint32_t t)
{
    return t == 1 ? "tx" : t == 2 ? "block" : "item";
}

void cb_trace_summary(const char *command, const uint8_t *payload, size_t len, char *out,
                      size_t cap)
{
    char hex[65];
    out[0] = '\0';
    if (strcmp(command, "version") == 0) {
        cb_version_msg v;
        if (cb_version_parse(&v, payload, len) != CB_OK)
            snprintf(out, cap, "unreadable version");
        else
            snprintf(out, cap, "protocol %d, %.40s, height %d", (int)v.version, v.user_agent,
                     (int)v.start_height);
    } else if (strcmp(command, "inv") == 0 || strcmp(command, "getdata") == 0 ||
               strcmp(command, "notfound") == 0) {
        cb_inv *inv = NULL;
        size_t n = 0;
        if (cb_inv_parse(&inv, &n, payload, len) != CB_OK) {
            snprintf(out, cap, "unreadable list");
        } else if (n) {
            cb_hash_to_hex(hex, inv[0].hash);
            snprintf(out, cap, "%zu item%s, first %s %.16s", n, n == 1 ? "" : "s",
                     inv_type(inv[0].type), hex);
        } else {
            snprintf(out, cap, "no items");
        }
        free(inv);
    } else if (strcmp(command, "headers") == 0) {
        cb_header *h = NULL;
        size_t n = 0;
        if (cb_headers_parse(&h, &n, payload, len) != CB_OK) {
            snprintf(out, cap, "unreadable headers");
        } else if (n) {
            uint8_t first[32];
            cb_header_hash(first, &h[0]);
            cb_hash_to_hex(hex, first);
            snprintf(out, cap, "%zu header%s, first %.16s", n, n == 1 ? "" : "s", hex);
        } else {
            snprintf(out, cap, "no headers: nothing new");
        }
        free(h);
    } else if (strcmp(command, "getheaders") == 0) {
        cb_getheaders_msg *g = malloc(sizeof *g);
        if (!g || cb_getheaders_parse(g, payload, len) != CB_OK) {
            snprintf(out, cap, "unreadable getheaders");
        } else {
            cb_hash_to_hex(hex, g->count ? g->hashes[0] : g->stop);
            snprintf(out, cap, "locator of %zu, from %.16s", g->count, hex);
        }
        free(g);
    } else if (strcmp(command, "block") == 0) {
        if (len < CB_HEADER_SIZE) {
            snprintf(out, cap, "unreadable block");
        } else {
            cb_header h;
            uint8_t hash[32];
            uint64_t ntx = 0;
            cb_header_parse(&h, payload);
            cb_header_hash(hash, &h);
            cb_hash_to_hex(hex, hash);
            cb_reader r;
            cb_reader_init(&r, payload + CB_HEADER_SIZE, len - CB_HEADER_SIZE);
            if (cb_read_compactsize(&r, &ntx, CB_MAX_BLOCK_TXS) != CB_OK)
                ntx = 0;
            snprintf(out, cap, "block %.16s, %llu payment%s", hex, (unsigned long long)ntx,
                     ntx == 1 ? "" : "s");
        }
    } else if (strcmp(command, "tx") == 0) {
        uint8_t id[32];
        cb_sha256d(id, payload, len);
        cb_hash_to_hex(hex, id);
        snprintf(out, cap, "payment %.16s", hex);
    } else if (strcmp(command, "addr") == 0) {
        cb_netaddr *a = NULL;
        size_t n = 0;
        if (cb_addr_parse(&a, &n, payload, len) != CB_OK)
            snprintf(out, cap, "unreadable addr");
        else
            snprintf(out, cap, "%zu address%s", n, n == 1 ? "" : "es");
        free(a);
    } else if (strcmp(command, "ping") == 0 || strcmp(command, "pong") == 0) {
        uint64_t nonce;
        if (cb_nonce_parse(&nonce, payload, len) == CB_OK)
            snprintf(out, cap, "nonce %016llx", (unsigned long long)nonce);
    }
}
