/* libFuzzer target: header chains a peer feeds the presync. The input is
 * a run of 80-byte headers (each made to continue the last one, so the
 * fuzzer explores the rules rather than the link), checked against a
 * presync on the regtest genesis; whatever it accepts must be a header
 * the chain itself accepts in the same order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/block.h"
#include "core/chain.h"
#include "net/presync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const cb_params *p = cb_params_regtest();
    cb_chain *c = cb_chain_new(p, 1);
    if (!c)
        return 0;
    const cb_chain_entry *g = cb_chain_tip(c);
    cb_presync *s = cb_presync_new(c, g, 42);
    uint8_t prev[32];
    memcpy(prev, g->hash, 32);
    int64_t now = 1795392000 + 100000;
    for (size_t off = 0; s && off + CB_HEADER_SIZE <= size && off < 200 * CB_HEADER_SIZE;
         off += CB_HEADER_SIZE) {
        cb_header h;
        cb_header_parse(&h, data + off);
        memcpy(h.prev, prev, 32);
        cb_err a = cb_presync_add(s, &h, now);
        const cb_chain_entry *e;
        cb_err b = cb_chain_accept_header(c, &h, now, &e);
        if ((a == CB_OK) != (b == CB_OK))
            abort(); /* presync and the chain disagree on a rule */
        if (a != CB_OK)
            break;
        cb_header_hash(prev, &h);
        if (!cb_presync_matches(s, e->height, e->hash))
            abort();
    }
    cb_presync_free(s);
    cb_chain_free(c);
    return 0;
}
