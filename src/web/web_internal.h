/* Inside the web view: what web.c (the server) and web_api.c (the JSON
 * pages) share. Not for outside src/web/. */
#ifndef CB_WEB_WEB_INTERNAL_H
#define CB_WEB_WEB_INTERNAL_H

#include <jansson.h>

#include "web/web.h"

/* An answer of the API: a JSON body and its HTTP status. */
typedef struct {
    int status; /* 200, 400 (a bad parameter), 404 (nothing there), 500 */
    json_t *body;
} cb_web_reply;

/* Payments refused lately (a ring: the newest REFUSALS_KEPT). */
#define CB_WEB_REFUSALS_KEPT 256
typedef struct {
    uint8_t txid[32];
    cb_err err;
    int64_t time;
} cb_web_refusal;

typedef struct {
    cb_web_refusal items[CB_WEB_REFUSALS_KEPT];
    size_t next, count;
} cb_web_refusals;

/* The newest refusal of txid, or NULL. */
const cb_web_refusal *cb_web_refusal_find(const cb_web_refusals *r, const uint8_t txid[32]);

/* The JSON behind a page: path is after "/api/" ("block/<hash>"), query
 * the raw query string (may be NULL); refusals: what the node refused
 * lately. Never fails without a body: an error is {"error": {"code",
 * "message"}}. */
cb_web_reply cb_web_api(const cb_rpc_ctx *ctx, const cb_web_refusals *refusals, const char *path,
                        const char *query);

/* Calls a read-only RPC method by name (the web view's list; anything
 * else is refused). Returns: the result (new reference), or NULL with
 * *err set. */
json_t *cb_web_call(const cb_rpc_ctx *ctx, const char *method, json_t *params, cb_rpc_error *err);

#endif
