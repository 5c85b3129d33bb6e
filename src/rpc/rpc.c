#include "rpc/rpc.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hex.h"
#include "crypto/random.h"
#include "rpc/http_cap.h"

/* A request body larger than this is refused: a full block in hex is 2 MB. */
#define MAX_BODY (4 * 1024 * 1024)
/* Request line and headers together: far more than any client sends. */
#define MAX_HEADERS (8 * 1024)
/* Calls in one batch. */
#define MAX_BATCH 1000
/* Connections held at once (see http_cap.h). */
#define MAX_CONNECTIONS 128

struct cb_rpc_server {
    cb_rpc_ctx ctx;
    cb_logger *log;
    struct evhttp *http;
    char cookie_path[PATH_MAX + 16];
    char auth[512]; /* "user:password" expected */
    char auth2[512];
    struct rpc_request *requests; /* waiting for a reply */
    /* Refused credentials are logged once a second at most (a guessing
     * client must not fill the disk): the count in between. */
    int64_t last_refusal_log;
    unsigned refusals_unlogged;
    uint16_t port; /* the one bound */
    cb_http_cap *cap;
    uint64_t calls; /* method calls dispatched, known or not */
};

static void reply(struct evhttp_request *req, int status, json_t *body)
{
    struct evbuffer *buf = evbuffer_new();
    /* 15 significant digits print every amount (7 + 8 digits) exactly. */
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    if (buf) {
        if (text) {
            evbuffer_add(buf, text, strlen(text));
            evbuffer_add(buf, "\n", 1);
        }
        evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                          "application/json");
        evhttp_send_reply(req, status, status == 200 ? "OK" : "Error", buf);
        evbuffer_free(buf);
    }
    free(text);
}

static json_t *error_object(int code, const char *message)
{
    return json_pack("{s:i,s:s}", "code", code, "message", message);
}

/* Bitcoin Core's reply shape: 1.0 always has result and error; 2.0 has one. */
static json_t *response(json_t *id, bool v2, json_t *result, json_t *error)
{
    json_t *r = json_object();
    if (v2)
        json_object_set_new(r, "jsonrpc", json_string("2.0"));
    if (error) {
        if (!v2)
            json_object_set_new(r, "result", json_null());
        json_object_set_new(r, "error", error);
    } else {
        json_object_set_new(r, "result", result ? result : json_null());
        if (!v2)
            json_object_set_new(r, "error", json_null());
    }
    json_object_set(r, "id", id ? id : json_null());
    return r;
}

/* One HTTP request on its way to a reply: a single call or a batch, some
 * of whose calls may finish later, on the loop thread. The reply goes out
 * when the last call finishes. The server keeps a list of these, so a
 * request that outlives the server (a job still running at shutdown) is
 * let go without a reply. */
/* Where a reply goes: an HTTP request, or a function (cb_rpc_handle). */
typedef struct {
    struct evhttp_request *http;
    cb_rpc_reply_fn fn;
    void *ctx;
} rpc_sink;

static void sink_reply(const rpc_sink *k, int status, json_t *body)
{
    if (k->http) {
        reply(k->http, status, body);
        return;
    }
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    k->fn(k->ctx, status, text);
    free(text);
}

typedef struct rpc_request {
    cb_rpc_server *server; /* NULL once the server has stopped */
    rpc_sink sink;         /* (its reply is dropped once the server has stopped) */
    json_t *out;           /* the batch's array, or the single response */
    bool batch;
    int status;
    size_t waiting; /* calls not finished, plus one while dispatching */
    char method[48];
    struct rpc_request *prev, *next;
} rpc_request;

struct cb_rpc_call {
    rpc_request *r;
    size_t index; /* its slot in a batch */
    json_t *id;
    bool v2;
};

static void request_release(rpc_request *r);

/* Stores one response (a new reference) in its place in the request. */
static void request_put(rpc_request *r, size_t index, json_t *resp, int status)
{
    if (r->batch) {
        json_array_set_new(r->out, index, resp);
    } else {
        json_decref(r->out);
        r->out = resp;
        r->status = status;
    }
}

/* Runs one request object through the method table. Out: the response is
 * put in r (now, or when an asynchronous method finishes). */
static void dispatch(rpc_request *r, size_t index, json_t *request)
{
    const cb_rpc_ctx *rc = &r->server->ctx;
    if (!json_is_object(request)) {
        request_put(r, index,
                    response(NULL, false, NULL,
                             error_object(CB_RPC_INVALID_REQUEST, "Invalid Request object")),
                    400);
        return;
    }
    json_t *id = json_object_get(request, "id");
    json_t *ver = json_object_get(request, "jsonrpc");
    bool v2 = json_is_string(ver) && strcmp(json_string_value(ver), "2.0") == 0;
    json_t *method = json_object_get(request, "method");
    json_t *params = json_object_get(request, "params");
    if (!json_is_string(method)) {
        request_put(
            r, index,
            response(id, v2, NULL, error_object(CB_RPC_INVALID_REQUEST, "Method must be a string")),
            400);
        return;
    }
    if (!r->batch)
        snprintf(r->method, sizeof r->method, "%s", json_string_value(method));
    json_t *args = NULL;
    if (!params || json_is_null(params))
        args = json_array();
    else if (json_is_array(params))
        args = json_incref(params);
    else {
        request_put(
            r, index,
            response(id, v2, NULL, error_object(CB_RPC_INVALID_REQUEST, "Params must be an array")),
            v2 ? 200 : 500);
        return;
    }
    const char *name = json_string_value(method);
    const cb_rpc_method *m = cb_rpc_find(name);
    if (r->server)
        r->server->calls++;
    if (!m) {
        json_decref(args);
        request_put(
            r, index,
            response(id, v2, NULL, error_object(CB_RPC_METHOD_NOT_FOUND, "Method not found")),
            v2 ? 200 : 404);
        return;
    }
    cb_rpc_error err = {0, ""};
    if (m->afn) {
        cb_rpc_call *call = malloc(sizeof *call);
        if (!call) {
            json_decref(args);
            request_put(r, index,
                        response(id, v2, NULL, error_object(CB_RPC_MISC_ERROR, "out of memory")),
                        500);
            return;
        }
        call->r = r;
        call->index = index;
        call->id = json_incref(id ? id : json_null());
        call->v2 = v2;
        r->waiting++;
        bool started = m->afn(rc, args, call, &err);
        json_decref(args);
        if (!started)
            cb_rpc_call_finish(call, NULL, &err);
        return;
    }
    json_t *result = m->fn(rc, args, &err);
    json_decref(args);
    if (!result) {
        /* Core answers errors with HTTP 500 in 1.0, 200 in 2.0. */
        request_put(r, index, response(id, v2, NULL, error_object(err.code, err.message)),
                    v2 ? 200 : 500);
        return;
    }
    request_put(r, index, response(id, v2, result, NULL), 200);
}

void cb_rpc_call_finish(cb_rpc_call *call, json_t *result, const cb_rpc_error *err)
{
    rpc_request *r = call->r;
    json_t *resp;
    int status = 200;
    if (result) {
        resp = response(call->id, call->v2, result, NULL);
    } else {
        resp = response(call->id, call->v2, NULL, error_object(err->code, err->message));
        status = call->v2 ? 200 : 500;
    }
    request_put(r, call->index, resp, status);
    json_decref(call->id);
    free(call);
    request_release(r);
}

/* Drops one hold on r; the last sends the reply (when anyone is left to
 * take it) and frees r. */
static void request_release(rpc_request *r)
{
    if (--r->waiting > 0)
        return;
    if (r->server) {
        if (!r->batch)
            cb_log_debug(r->server->log, "RPC %s -> %d", r->method[0] ? r->method : "?", r->status);
        sink_reply(&r->sink, r->status, r->out);
        if (r->prev)
            r->prev->next = r->next;
        else
            r->server->requests = r->next;
        if (r->next)
            r->next->prev = r->prev;
    }
    json_decref(r->out);
    free(r);
}

/* Decodes the base64 of a Basic credential into out (cap bytes, NUL
 * added), with libsodium's strict decoder (padding required, nothing
 * after it). Returns: the length, or -1 for bad or oversize input. */
static int base64_decode(char *out, size_t cap, const char *in)
{
    size_t n = 0;
    const char *end = NULL;
    if (sodium_base642bin((unsigned char *)out, cap - 1, in, strlen(in), NULL, &n, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        *end != '\0')
        return -1;
    out[n] = '\0';
    /* A credential is text: a NUL inside would cut the comparison short. */
    if (memchr(out, '\0', n))
        return -1;
    return (int)n;
}

static bool same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    /* Constant time over the expected secret's length. */
    return la == lb && la > 0 && CRYPTO_memcmp(a, b, la) == 0;
}

static bool authorized(cb_rpc_server *s, const char *h)
{
    char given[512];
    if (!h || strncmp(h, "Basic ", 6) != 0)
        return false;
    if (base64_decode(given, sizeof given, h + 6) < 0)
        return false;
    bool ok = same_secret(given, s->auth) || (s->auth2[0] && same_secret(given, s->auth2));
    OPENSSL_cleanse(given, sizeof given);
    return ok;
}

/* One POST: the credentials, then the body, then the calls in it. The
 * reply goes to k (now, or when the last asynchronous call finishes). */
static void handle(cb_rpc_server *s, const rpc_sink *k, const char *authorization, const char *body,
                   size_t len)
{
    if (!authorized(s, authorization)) {
        int64_t now = cb_node_now();
        if (now != s->last_refusal_log) {
            if (s->refusals_unlogged)
                cb_log(s->log, "RPC: refused a request with wrong credentials (and %u more)",
                       s->refusals_unlogged);
            else
                cb_log(s->log, "RPC: refused a request with wrong credentials");
            s->last_refusal_log = now;
            s->refusals_unlogged = 0;
        } else {
            s->refusals_unlogged++;
        }
        if (k->http)
            evhttp_add_header(evhttp_request_get_output_headers(k->http), "WWW-Authenticate",
                              "Basic realm=\"jsonrpc\"");
        sink_reply(k, 401, NULL);
        return;
    }
    json_error_t jerr;
    json_t *request = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (!request) {
        json_t *r = response(NULL, false, NULL, error_object(CB_RPC_PARSE_ERROR, "Parse error"));
        sink_reply(k, 500, r);
        json_decref(r);
        return;
    }
    rpc_request *r = calloc(1, sizeof *r);
    if (!r) {
        json_decref(request);
        sink_reply(k, 503, NULL);
        return;
    }
    r->server = s;
    r->sink = *k;
    r->status = 200;
    r->waiting = 1;
    r->next = s->requests;
    if (r->next)
        r->next->prev = r;
    s->requests = r;
    if (json_is_array(request) && json_array_size(request) > MAX_BATCH) {
        request_put(r, 0,
                    response(NULL, false, NULL,
                             error_object(CB_RPC_INVALID_REQUEST, "batch of more than 1000 calls")),
                    400);
    } else if (json_is_array(request)) {
        /* A batch: one response each, in order, HTTP 200. */
        r->batch = true;
        r->out = json_array();
        size_t i;
        json_t *one;
        json_array_foreach(request, i, one)
        {
            json_array_append_new(r->out, json_null());
        }
        json_array_foreach(request, i, one)
        {
            dispatch(r, i, one);
        }
    } else {
        dispatch(r, 0, request);
    }
    json_decref(request);
    request_release(r);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    cb_rpc_server *s = arg;
    rpc_sink k = {req, NULL, NULL};
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        reply(req, 405, NULL);
        return;
    }
    const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    const char *body = (const char *)evbuffer_pullup(in, (ssize_t)len);
    handle(s, &k, auth, body, len);
}

void cb_rpc_handle(cb_rpc_server *s, const char *authorization, const char *body, size_t len,
                   cb_rpc_reply_fn fn, void *ctx)
{
    rpc_sink k = {NULL, fn, ctx};
    handle(s, &k, authorization, body, len);
}

static cb_err write_cookie(cb_rpc_server *s, const char *dir, unsigned mode, char *msg,
                           size_t msglen)
{
    mode = mode ? mode & 0644u : 0600u;
    if (mode & 0044u) {
        /* Readers beyond the owner must reach the file: the directory
         * gets their search bit only (they still cannot list it). */
        struct stat st;
        mode_t want = (mode & 0040u ? S_IXGRP : 0) | (mode & 0004u ? S_IXOTH : 0);
        if (stat(dir, &st) != 0 ||
            ((st.st_mode & want) != want && chmod(dir, (st.st_mode & 07777) | want) != 0)) {
            snprintf(msg, msglen, "cannot open %s to the cookie's readers: %s", dir,
                     strerror(errno));
            return CB_ERR_ARG;
        }
    }
    uint8_t secret[32];
    char hex[65];
    if (cb_random_bytes(secret, sizeof secret) != CB_OK) {
        snprintf(msg, msglen, "no randomness for the RPC cookie");
        return CB_ERR_RANDOM;
    }
    cb_hex_encode(hex, secret, sizeof secret);
    OPENSSL_cleanse(secret, sizeof secret);
    snprintf(s->auth, sizeof s->auth, "__cookie__:%s", hex);
    snprintf(s->cookie_path, sizeof s->cookie_path, "%s/.cookie", dir);
    /* Readable by whom mode says, and written whole before anyone looks.
     * A fresh file, never through a link someone left there: whatever is
     * at the temporary name goes first (unlink removes a link, not what
     * it points at), and O_EXCL|O_NOFOLLOW refuses one put back since. */
    char tmp[PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.tmp", s->cookie_path);
    if (unlink(tmp) != 0 && errno != ENOENT) {
        snprintf(msg, msglen, "cannot remove %s: %s", tmp, strerror(errno));
        return CB_ERR_ARG;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(msg, msglen, "cannot write %s: %s", tmp, strerror(errno));
        return CB_ERR_ARG;
    }
    size_t n = strlen(s->auth);
    bool ok = fchmod(fd, (mode_t)mode) == 0 && write(fd, s->auth, n) == (ssize_t)n;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, s->cookie_path) != 0) {
        snprintf(msg, msglen, "cannot write %s: %s", s->cookie_path, strerror(errno));
        unlink(tmp);
        return CB_ERR_ARG;
    }
    return CB_OK;
}

cb_err cb_rpc_start(cb_rpc_server **out, const cb_rpc_ctx *ctx, const cb_rpc_config *cfg, char *msg,
                    size_t msglen)
{
    cb_rpc_server *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return CB_ERR_NOMEM;
    s->ctx = *ctx;
    s->log = cb_node_logger(ctx->node);
    cb_err err = write_cookie(s, cfg->cookie_dir, cfg->cookie_mode, msg, msglen);
    if (err != CB_OK) {
        free(s);
        return err;
    }
    if (cfg->user[0])
        snprintf(s->auth2, sizeof s->auth2, "%s:%s", cfg->user, cfg->password);
    s->http = evhttp_new(cb_node_base(ctx->node));
    if (!s->http) {
        cb_rpc_stop(s);
        return CB_ERR_NOMEM;
    }
    evhttp_set_max_body_size(s->http, MAX_BODY);
    evhttp_set_max_headers_size(s->http, MAX_HEADERS);
    evhttp_set_timeout(s->http, 30);
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_POST | EVHTTP_REQ_GET);
    evhttp_set_gencb(s->http, on_request, s);
    errno = 0;
    struct evhttp_bound_socket *bound =
        evhttp_bind_socket_with_handle(s->http, cfg->bind, cfg->port);
    if (!bound) {
        int why = errno;
        snprintf(msg, msglen, "cannot listen for RPC on %s:%u (%s)", cfg->bind, cfg->port,
                 why == EADDRINUSE ? "is another node running?"
                 : why             ? strerror(why)
                                   : "not an address to listen on");
        cb_rpc_stop(s);
        return why == EADDRINUSE ? CB_ERR_ADDR_IN_USE : CB_ERR_ARG;
    }
    /* Port 0 asks the system for a free one: the cap reads back which. */
    s->cap =
        cb_http_cap_new(s->http, bound, cb_node_base(ctx->node), MAX_CONNECTIONS, s->log, "RPC");
    if (!s->cap) {
        cb_rpc_stop(s);
        return CB_ERR_NOMEM;
    }
    s->port = cb_http_cap_port(s->cap);
    cb_log(s->log, "RPC listening on %s:%u", cfg->bind, (unsigned)s->port);
    *out = s;
    return CB_OK;
}

uint16_t cb_rpc_port(const cb_rpc_server *s)
{
    return s->port;
}

uint64_t cb_rpc_calls(const cb_rpc_server *s)
{
    return s ? s->calls : 0;
}

void cb_rpc_stop(cb_rpc_server *s)
{
    if (!s)
        return;
    /* Requests still waiting for a job lose their connection with the
     * server; the job's finish then frees them. */
    for (struct rpc_request *r = s->requests; r; r = r->next) {
        r->server = NULL;
        r->sink.http = NULL;
    }
    if (s->http)
        evhttp_free(s->http);
    cb_http_cap_free(s->cap);
    if (s->cookie_path[0])
        unlink(s->cookie_path);
    OPENSSL_cleanse(s->auth, sizeof s->auth);
    OPENSSL_cleanse(s->auth2, sizeof s->auth2);
    free(s);
}
