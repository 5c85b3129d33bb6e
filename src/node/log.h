/* The node's log: timestamped lines to a file (<datadir>/debug.log) and to
 * stderr, debug lines only when asked for. A handle of its own, so every
 * layer above the node (network, RPC, web) writes to the same log without
 * seeing the node.
 *
 * Lines may come from any thread: each is written with one call, so lines
 * never interleave. */
#ifndef CB_NODE_LOG_H
#define CB_NODE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/err.h"

typedef struct cb_logger cb_logger;

/* Where a line's time comes from (CLOCK_REALTIME unless a test says so). */
typedef void (*cb_log_clock_fn)(struct timespec *now);

/* Opens a log appending to `path` (NULL: stderr only).
 * In: debug (also write cb_log_debug lines), clock (NULL: the real clock),
 * echo (also write each line to stderr).
 * Out: *out (cb_logger_free).
 * Returns: CB_OK, CB_ERR_ARG (the file cannot be opened: errno says why)
 * or CB_ERR_NOMEM. */
cb_err cb_logger_new(cb_logger **out, const char *path, bool debug, bool echo,
                     cb_log_clock_fn clock) CB_WARN_UNUSED;

/* Closes the file; NULL is fine. */
void cb_logger_free(cb_logger *lg);

/* Whether debug lines are written. */
bool cb_logger_debug(const cb_logger *lg);

/* Writes one line (no newline needed), prefixed with the time in UTC to
 * the millisecond. lg may be NULL: the line then goes to stderr only. */
void cb_log(cb_logger *lg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* As cb_log, only when the logger was opened with debug. */
void cb_log_debug(cb_logger *lg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The prefix of a line written at `t`: "2026-12-01T12:00:00.123Z".
 * Out: out (cap bytes, at least 25). */
void cb_log_stamp(char *out, size_t cap, const struct timespec *t);

#endif
