/* A blocking JSON-RPC client for coinbitd: one HTTP POST per call, Basic
 * authentication with the node's cookie or -rpcuser/-rpcpassword. Shared
 * by coinbit-cli and the coinbit menu: one code path to the node. */
#ifndef CB_APP_RPC_CLIENT_H
#define CB_APP_RPC_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char host[256];
    char port[16];
    char auth[600]; /* "user:password" */
} cb_rpc_client;

/* Reads <datadir>/.cookie into c->auth.
 * Returns: 0, or -1 with msg when there is no readable cookie. */
int cb_rpc_client_cookie(cb_rpc_client *c, const char *datadir, char *msg, size_t msglen);

/* The same from a cookie file named by path (errno tells why it failed).
 * Returns: 0, or -1 with msg. */
int cb_rpc_client_cookie_file(cb_rpc_client *c, const char *path, char *msg, size_t msglen);

/* Calls method with params (a JSON array, stolen).
 * Out: *result (new reference) on success; on an RPC error *code and msg;
 * on a transport failure *code = 0 and msg.
 * Returns: 0 on success, -1 on any failure. */
int cb_rpc_client_call(const cb_rpc_client *c, const char *method, json_t *params, json_t **result,
                       int *code, char *msg, size_t msglen);

#endif
