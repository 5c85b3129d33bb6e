#include "app/rpc_client.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/grow.h"

int cb_rpc_client_cookie(cb_rpc_client *c, const char *datadir, char *msg, size_t msglen)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/.cookie", datadir);
    if (cb_rpc_client_cookie_file(c, path, msg, msglen) != 0) {
        snprintf(msg, msglen, "cannot read %s: %s (is coinbitd running on this datadir?)", path,
                 strerror(errno));
        return -1;
    }
    return 0;
}

int cb_rpc_client_cookie_file(cb_rpc_client *c, const char *path, char *msg, size_t msglen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(msg, msglen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = fread(c->auth, 1, sizeof c->auth - 1, f);
    fclose(f);
    c->auth[n] = '\0';
    c->auth[strcspn(c->auth, "\r\n")] = '\0';
    return 0;
}

static bool send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

int cb_rpc_client_call(const cb_rpc_client *c, const char *method, json_t *params, json_t **result,
                       int *code, char *msg, size_t msglen)
{
    *result = NULL;
    *code = 0;
    json_t *req = json_pack("{s:s,s:s,s:s,s:o}", "jsonrpc", "1.0", "id", "client", "method", method,
                            "params", params ? params : json_array());
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!body) {
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(c->host, c->port, &hints, &ai) != 0 || !ai) {
        snprintf(msg, msglen, "cannot resolve %s", c->host);
        free(body);
        return -1;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        snprintf(msg, msglen, "could not connect to the server %s:%s (%s)", c->host, c->port,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        free(body);
        return -1;
    }
    freeaddrinfo(ai);
    /* libsodium's base64 (the original variant, padded), as the server's. */
    char b64[900], head[1400];
    size_t alen = strlen(c->auth);
    if (sodium_base64_ENCODED_LEN(alen, sodium_base64_VARIANT_ORIGINAL) > sizeof b64) {
        free(body);
        close(fd);
        return -1;
    }
    sodium_bin2base64(b64, sizeof b64, (const unsigned char *)c->auth, alen,
                      sodium_base64_VARIANT_ORIGINAL);
    int hl = snprintf(head, sizeof head,
                      "POST / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
                      "Authorization: Basic %s\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      c->host, b64, strlen(body));
    bool sent = hl > 0 && send_all(fd, head, (size_t)hl) && send_all(fd, body, strlen(body));
    free(body);
    if (!sent) {
        close(fd);
        snprintf(msg, msglen, "sending the request failed");
        return -1;
    }
    size_t cap = 1 << 16, len = 0;
    char *resp = malloc(cap);
    while (resp) {
        /* A reply past 64 MiB is no node's: the read ends there. */
        if (len + 4096 > cap &&
            (cap >= (64u << 20) || cb_grow(&resp, &cap, len + 4096, 1, 0) != CB_OK))
            break;
        ssize_t got = read(fd, resp + len, cap - len - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    if (!resp) {
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    resp[len] = '\0';
    int status = 0;
    sscanf(resp, "HTTP/1.%*d %d", &status);
    if (status == 401) {
        free(resp);
        snprintf(msg, msglen, "incorrect rpcuser or rpcpassword (authorization failed)");
        return -1;
    }
    char *json = strstr(resp, "\r\n\r\n");
    json_error_t jerr;
    json_t *r = json ? json_loads(json + 4, 0, &jerr) : NULL;
    free(resp);
    if (!r) {
        snprintf(msg, msglen, "no JSON reply from the server (HTTP %d)", status);
        return -1;
    }
    json_t *error = json_object_get(r, "error");
    if (error && !json_is_null(error)) {
        *code = (int)json_integer_value(json_object_get(error, "code"));
        const char *m = json_string_value(json_object_get(error, "message"));
        snprintf(msg, msglen, "%s", m ? m : "unknown error");
        json_decref(r);
        return -1;
    }
    *result = json_incref(json_object_get(r, "result"));
    json_decref(r);
    return 0;
}
