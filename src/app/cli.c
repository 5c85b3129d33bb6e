/* coinbit-cli: a JSON-RPC client for coinbitd, as bitcoin-cli is to
 * bitcoind.
 *
 *   coinbit-cli [-regtest] [-datadir=DIR] [-rpcport=N] [-rpcconnect=HOST]
 *               [-rpcuser=U -rpcpassword=P] METHOD [ARG ...]
 *
 * Each ARG is sent as JSON when it reads as JSON (numbers, true, false,
 * null, [..], {..}, "quoted"), else as a string. Results print as text
 * (strings bare, the rest as indented JSON); errors go to stderr with
 * Core's "error code: / error message:" lines and exit status 1. */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/options.h"
#include "core/params.h"

static void base64(char *out, size_t cap, const char *in)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in), k = 0;
    for (size_t i = 0; i < n && k + 5 < cap; i += 3) {
        unsigned v = (unsigned char)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)in[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)in[i + 2];
        out[k++] = abc[(v >> 18) & 63];
        out[k++] = abc[(v >> 12) & 63];
        out[k++] = i + 1 < n ? abc[(v >> 6) & 63] : '=';
        out[k++] = i + 2 < n ? abc[v & 63] : '=';
    }
    out[k] = '\0';
}

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "error: %s%s\n", what, detail);
    return 1;
}

int main(int argc, char **argv)
{
    cb_options o = {.n = 0};
    char msg[512];
    int first = 0;
    if (cb_options_from_argv(&o, argc, argv, &first, msg, sizeof msg) != 0)
        return fail("", msg);
    if (first >= argc || cb_options_get(&o, "help")) {
        fprintf(first >= argc ? stderr : stdout,
                "Usage: coinbit-cli [-regtest] [-datadir=DIR] [-rpcport=N] [-rpcconnect=HOST] "
                "[-rpcuser=U -rpcpassword=P] METHOD [ARG ...]\n"
                "       coinbit-cli help   lists the methods\n");
        return first >= argc ? 1 : 0;
    }
    bool regtest = false;
    if (cb_options_bool(&o, "regtest", false, &regtest) != 0)
        return fail("-regtest takes 0 or 1", "");
    const cb_params *p = regtest ? cb_params_regtest() : cb_params_main();
    char base[4096], datadir[4200], auth[600];
    const char *dd = cb_options_get(&o, "datadir");
    if (dd)
        snprintf(base, sizeof base, "%s", dd);
    else
        cb_default_datadir(base, sizeof base);
    snprintf(datadir, sizeof datadir, regtest ? "%s/regtest" : "%s", base);
    const char *user = cb_options_get(&o, "rpcuser"), *pass = cb_options_get(&o, "rpcpassword");
    if (user && pass) {
        snprintf(auth, sizeof auth, "%s:%s", user, pass);
    } else {
        char path[4300];
        snprintf(path, sizeof path, "%s/.cookie", datadir);
        FILE *f = fopen(path, "r");
        if (!f) {
            fprintf(stderr, "error: cannot read %s: %s (is coinbitd running on this datadir?)\n",
                    path, strerror(errno));
            return 1;
        }
        size_t n = fread(auth, 1, sizeof auth - 1, f);
        fclose(f);
        auth[n] = '\0';
        auth[strcspn(auth, "\r\n")] = '\0';
    }
    const char *host = cb_options_get(&o, "rpcconnect");
    if (!host)
        host = "127.0.0.1";
    char port[16];
    const char *pv = cb_options_get(&o, "rpcport");
    snprintf(port, sizeof port, "%s", pv ? pv : "");
    if (!pv)
        snprintf(port, sizeof port, "%u", p->rpc_port);

    /* The request. */
    json_t *params = json_array();
    for (int i = first + 1; i < argc; i++) {
        json_error_t jerr;
        json_t *v = json_loads(argv[i], JSON_DECODE_ANY, &jerr);
        json_array_append_new(params, v ? v : json_string(argv[i]));
    }
    json_t *req = json_pack("{s:s,s:s,s:s,s:o}", "jsonrpc", "1.0", "id", "cli", "method",
                            argv[first], "params", params);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) {
        free(body);
        return fail("cannot resolve ", host);
    }
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        fprintf(stderr, "error: could not connect to the server %s:%s (%s)\n", host, port,
                strerror(errno));
        freeaddrinfo(ai);
        free(body);
        return 1;
    }
    freeaddrinfo(ai);
    char b64[900];
    base64(b64, sizeof b64, auth);
    char head[1200];
    int hl = snprintf(head, sizeof head,
                      "POST / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
                      "Authorization: Basic %s\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      host, b64, strlen(body));
    if (write(fd, head, (size_t)hl) != hl ||
        write(fd, body, strlen(body)) != (ssize_t)strlen(body)) {
        close(fd);
        free(body);
        return fail("sending the request failed", "");
    }
    free(body);
    size_t cap = 1 << 16, len = 0;
    char *resp = malloc(cap);
    for (;;) {
        if (len + 4096 > cap) {
            cap *= 2;
            char *r = realloc(resp, cap);
            if (!r)
                break;
            resp = r;
        }
        ssize_t got = read(fd, resp + len, cap - len - 1);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    resp[len] = '\0';
    int status = 0;
    sscanf(resp, "HTTP/1.%*d %d", &status);
    if (status == 401) {
        free(resp);
        return fail("incorrect rpcuser or rpcpassword (authorization failed)", "");
    }
    char *json = strstr(resp, "\r\n\r\n");
    json_error_t jerr;
    json_t *r = json ? json_loads(json + 4, 0, &jerr) : NULL;
    if (!r) {
        fprintf(stderr, "error: no JSON reply from the server (HTTP %d)\n", status);
        free(resp);
        return 1;
    }
    free(resp);
    json_t *error = json_object_get(r, "error");
    int rc = 0;
    if (error && !json_is_null(error)) {
        fprintf(stderr, "error code: %lld\nerror message:\n%s\n",
                (long long)json_integer_value(json_object_get(error, "code")),
                json_string_value(json_object_get(error, "message")));
        rc = 1;
    } else {
        json_t *result = json_object_get(r, "result");
        if (json_is_string(result)) {
            printf("%s\n", json_string_value(result));
        } else if (!json_is_null(result)) {
            char *text =
                json_dumps(result, JSON_INDENT(2) | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
            printf("%s\n", text);
            free(text);
        }
    }
    json_decref(r);
    return rc;
}
