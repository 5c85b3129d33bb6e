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

/* The JSON behind a page: path is after "/api/" ("block/<hash>"), query
 * the raw query string (may be NULL). Never fails without a body: an
 * error is {"error": {"code", "message"}}. */
cb_web_reply cb_web_api(const cb_rpc_ctx *ctx, const char *path, const char *query);

/* Calls a read-only RPC method by name (the web view's list; anything
 * else is refused). Returns: the result (new reference), or NULL with
 * *err set. */
json_t *cb_web_call(const cb_rpc_ctx *ctx, const char *method, json_t *params, cb_rpc_error *err);

#endif
