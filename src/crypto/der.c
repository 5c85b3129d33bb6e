#include "crypto/der.h"

#include <string.h>

/* Copies one DER INTEGER's magnitude, right-aligned, into out[32]. */
static int put_integer(uint8_t out[32], const uint8_t *p, size_t n)
{
    /* Strip the one zero byte that keeps a high bit from reading negative. */
    if (n > 1 && p[0] == 0) {
        p++;
        n--;
    }
    if (n > 32)
        return 0;
    memset(out, 0, 32);
    memcpy(out + 32 - n, p, n);
    return 1;
}

cb_err cb_der_parse_signature(uint8_t compact[64], const uint8_t *sig, size_t len)
{
    /* 0x30 len 0x02 rlen r 0x02 slen s, each length one byte (BIP 66). */
    if (len < 8 || len > 72)
        return CB_ERR_SIG_ENCODING;
    if (sig[0] != 0x30 || sig[1] != len - 2)
        return CB_ERR_SIG_ENCODING;
    size_t rlen = sig[3];
    if (5 + rlen >= len)
        return CB_ERR_SIG_ENCODING;
    size_t slen = sig[5 + rlen];
    if (rlen + slen + 6 != len)
        return CB_ERR_SIG_ENCODING;
    if (sig[2] != 0x02 || rlen == 0 || (sig[4] & 0x80))
        return CB_ERR_SIG_ENCODING;
    if (rlen > 1 && sig[4] == 0 && !(sig[5] & 0x80))
        return CB_ERR_SIG_ENCODING;
    if (sig[4 + rlen] != 0x02 || slen == 0 || (sig[6 + rlen] & 0x80))
        return CB_ERR_SIG_ENCODING;
    if (slen > 1 && sig[6 + rlen] == 0 && !(sig[7 + rlen] & 0x80))
        return CB_ERR_SIG_ENCODING;
    if (!put_integer(compact, sig + 4, rlen) || !put_integer(compact + 32, sig + 6 + rlen, slen))
        return CB_ERR_SIG_ENCODING;
    return CB_OK;
}
