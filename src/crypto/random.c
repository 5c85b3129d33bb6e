#include "crypto/random.h"

#include <errno.h>
#include <sys/random.h>

cb_err cb_random_bytes(uint8_t *out, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = getrandom(out + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return CB_ERR_RANDOM;
        }
        done += (size_t)n;
    }
    return CB_OK;
}
