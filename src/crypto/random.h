/* Bytes from the operating system's random source (getrandom). */
#ifndef CB_CRYPTO_RANDOM_H
#define CB_CRYPTO_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Fills out[0..len) with random bytes; blocks until the kernel pool is ready.
 * Returns: CB_OK, or CB_ERR_RANDOM if the kernel refuses. */
cb_err cb_random_bytes(uint8_t *out, size_t len) CB_WARN_UNUSED;

#endif
