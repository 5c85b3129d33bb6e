/* A cap on the connections one evhttp server holds at once. evhttp counts
 * none, so this counts the server's sockets on the loop when the last
 * count plus those opened since could reach the cap; at the cap the
 * listener pauses (new connections wait in the kernel's queue, holding
 * none of our descriptors) and a timer resumes it once an eighth of the
 * cap has closed. Clients that connect and never finish a request cannot
 * take every descriptor the node has for its peers. Loop thread only. */
#ifndef CB_RPC_HTTP_CAP_H
#define CB_RPC_HTTP_CAP_H

#include <event2/http.h>
#include <stddef.h>
#include <stdint.h>

#include "node/log.h"

typedef struct cb_http_cap cb_http_cap;

/* Caps http (bound at `bound`, on base) at max connections; what names
 * the server in the log line said when it pauses ("RPC", "web").
 * Returns: the cap (cb_http_cap_free, before http is freed), or NULL when
 * out of memory. */
cb_http_cap *cb_http_cap_new(struct evhttp *http, struct evhttp_bound_socket *bound,
                             struct event_base *base, size_t max, cb_logger *log, const char *what);

/* The port the server is bound to (the one the system chose for 0). */
uint16_t cb_http_cap_port(const cb_http_cap *c);

/* The connections held now, counted on the loop. */
size_t cb_http_cap_count(cb_http_cap *c);

/* NULL is fine. */
void cb_http_cap_free(cb_http_cap *c);

#endif
