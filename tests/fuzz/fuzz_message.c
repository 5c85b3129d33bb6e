/* libFuzzer target: P2P messages. The first byte picks a payload parser;
 * the rest is the message (header then payload for the framing case).
 * Whatever parses must serialize back to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/params.h"
#include "net/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    if (alen != blen || memcmp(a, b, alen) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t kind = data[0] % 6;
    const uint8_t *in = data + 1;
    size_t len = size - 1;
    uint8_t *out = malloc(len + 16);
    size_t n = 0, olen;
    switch (kind) {
    case 0: {
        cb_msg_header h;
        if (len >= CB_MSG_HEADER_SIZE &&
            cb_msg_header_parse(&h, in, cb_params_regtest()->magic) == CB_OK)
            (void)cb_msg_checksum_ok(&h, in + CB_MSG_HEADER_SIZE, len - CB_MSG_HEADER_SIZE);
        break;
    }
    case 1: {
        cb_version_msg v, w;
        if (cb_version_parse(&v, in, len) == CB_OK) {
            /* A user agent may hold a NUL and the relay byte any value, so
             * compare what a second parse of our bytes says. */
            olen = cb_version_serialize(out, len + 16, &v);
            if (cb_version_parse(&w, out, olen) != CB_OK || w.nonce != v.nonce ||
                w.version != v.version || w.start_height != v.start_height || w.relay != v.relay ||
                strcmp(w.user_agent, v.user_agent) != 0)
                abort();
        }
        break;
    }
    case 2: {
        cb_inv *inv;
        if (cb_inv_parse(&inv, &n, in, len) == CB_OK) {
            same(out, cb_inv_serialize(out, len + 16, inv, n), in, len);
            free(inv);
        }
        break;
    }
    case 3: {
        cb_netaddr *a;
        if (cb_addr_parse(&a, &n, in, len) == CB_OK) {
            same(out, cb_addr_serialize(out, len + 16, a, n), in, len);
            free(a);
        }
        break;
    }
    case 4: {
        cb_getheaders_msg *g = malloc(sizeof *g);
        if (g && cb_getheaders_parse(g, in, len) == CB_OK)
            same(out, cb_getheaders_serialize(out, len + 16, g), in, len);
        free(g);
        break;
    }
    default: {
        cb_header *h;
        if (cb_headers_parse(&h, &n, in, len) == CB_OK) {
            same(out, cb_headers_serialize(out, len + 16, h, n), in, len);
            free(h);
        }
        break;
    }
    }
    free(out);
    return 0;
}
