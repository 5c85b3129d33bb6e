/* libFuzzer target: transaction parsing, rules and signature check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/params.h"
#include "core/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cb_tx tx;
    uint8_t out[CB_TX_SIZE];
    if (cb_tx_parse(&tx, data, size) != CB_OK)
        return 0;
    cb_tx_serialize(out, &tx);
    if (memcmp(out, data, CB_TX_SIZE) != 0)
        abort();
    if (cb_tx_check(&tx) == CB_OK && !cb_tx_is_coinbase(&tx))
        (void)cb_tx_verify(&tx, cb_params_main()->magic);
    return 0;
}
