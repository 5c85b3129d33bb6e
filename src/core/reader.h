/* A bounded cursor over untrusted bytes.
 *
 * Every read checks the bytes that remain and fails with CB_ERR_TRUNCATED
 * instead of running past the end; on failure the cursor does not move.
 * The reader never owns the bytes it reads. */
#ifndef CB_CORE_READER_H
#define CB_CORE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct {
    const uint8_t *data;
    size_t len;
    size_t pos;
} cb_reader;

/* Starts a cursor at the beginning of data[0..len). */
void cb_reader_init(cb_reader *r, const uint8_t *data, size_t len);

/* Returns: the number of unread bytes. */
size_t cb_reader_remaining(const cb_reader *r);

/* Copies the next n bytes to out (which may be NULL to skip them).
 * Returns: CB_OK, or CB_ERR_TRUNCATED when fewer than n bytes remain. */
cb_err cb_read_bytes(cb_reader *r, uint8_t *out, size_t n) CB_WARN_UNUSED;

/* Points *out at the next n bytes inside the reader's buffer (no copy).
 * Returns: CB_OK, or CB_ERR_TRUNCATED. */
cb_err cb_read_view(cb_reader *r, const uint8_t **out, size_t n) CB_WARN_UNUSED;

/* Little-endian integers. Returns: CB_OK or CB_ERR_TRUNCATED. */
cb_err cb_read_u8(cb_reader *r, uint8_t *out) CB_WARN_UNUSED;
cb_err cb_read_u16le(cb_reader *r, uint16_t *out) CB_WARN_UNUSED;
cb_err cb_read_u32le(cb_reader *r, uint32_t *out) CB_WARN_UNUSED;
cb_err cb_read_u64le(cb_reader *r, uint64_t *out) CB_WARN_UNUSED;

/* Bitcoin's CompactSize, which must use its shortest encoding and be <= max.
 * Returns: CB_OK, CB_ERR_TRUNCATED, CB_ERR_NONCANONICAL, or CB_ERR_TOO_LARGE. */
cb_err cb_read_compactsize(cb_reader *r, uint64_t *out, uint64_t max) CB_WARN_UNUSED;

/* Returns: CB_OK when every byte was read, else CB_ERR_TRAILING. */
cb_err cb_reader_expect_end(const cb_reader *r) CB_WARN_UNUSED;

#endif
