/* libFuzzer target: the text decoders that face users and the RPC:
 * Base58Check addresses and WIF keys, hex, and DER signatures. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/address.h"
#include "core/hex.h"
#include "core/state.h"
#include "crypto/der.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    uint8_t h160[20], priv[32], compact[64], buf[512];
    size_t n;
    cb_undo u;
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (cb_address_decode(cb_params_main(), h160, s) == CB_OK) {
        char back[CB_ADDRESS_MAX];
        if (cb_address_encode(cb_params_main(), back, h160) != CB_OK)
            abort();
    }
    (void)cb_wif_decode(cb_params_regtest(), priv, s);
    (void)cb_hex_decode_any(buf, sizeof buf, &n, s);
    (void)cb_der_parse_signature(compact, data, size);
    if (cb_undo_parse(&u, data, size) == CB_OK)
        cb_undo_clear(&u);
    free(s);
    return 0;
}
