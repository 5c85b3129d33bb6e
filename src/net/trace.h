/* The message trace: with -trace=net (or the RPC settrace), each peer
 * keeps its last CB_TRACE_KEPT messages in and out, each with a one-line
 * summary (heights, hashes, counts), for getpeermessages and the web
 * view's peer page. Off, it costs nothing; on, a few KiB a peer. */
#ifndef CB_NET_TRACE_H
#define CB_NET_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CB_TRACE_KEPT 100

typedef struct {
    int64_t time_ms; /* unix time in milliseconds */
    bool out;        /* sent by us */
    char command[13];
    uint32_t size;     /* payload bytes */
    char summary[112]; /* "" when there is nothing to say beyond the size */
} cb_trace_entry;

/* One line about a message's payload, checked as the handlers check it:
 * a payload that does not parse says so ("unreadable: ..."). */
void cb_trace_summary(const char *command, const uint8_t *payload, size_t len, char *out,
                      size_t cap);

#endif
