/* libFuzzer target: block parsing and the context-free checks on
 * arbitrary bytes. A block that parses must serialize back to the same
 * bytes; no input may crash or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/block.h"
#include "core/params.h"
#include "core/validation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cb_block b;
    size_t bad;
    if (cb_block_parse(&b, data, size) != CB_OK)
        return 0;
    uint8_t *out = malloc(size);
    if (!out || cb_block_serialize(out, size, &b) != CB_OK || cb_block_size(&b) != size ||
        memcmp(out, data, size) != 0)
        abort();
    (void)cb_block_check(cb_params_regtest(), &b, &bad);
    free(out);
    cb_block_clear(&b);
    return 0;
}
