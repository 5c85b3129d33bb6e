/* libFuzzer target: the RPC server's handling of a request, from the
 * Authorization header through the JSON body to every method, on a real
 * regtest node (SQLite in memory). An input is a header line and a body:
 *   "*\n{...}"       the right credentials (the cookie), then the body;
 *   "Basic ...\n..." that header as given;
 *   no newline        no header at all.
 * Every request must be answered once, with a status of the server's and
 * a body that is JSON (or none); the node must neither crash nor leak.
 * Calls that would mine or stop the node (generatetoaddress, setgenerate,
 * stop) are left out: they are the node's to test, and would make each
 * run cost seconds. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "rpc/rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cb_node *node;
static cb_rpc_server *server;
static char cookie_header[256];

static void start(void)
{
    static cb_node_config cfg;
    static cb_rpc_config rc;
    char msg[256] = "";
    memset(&cfg, 0, sizeof cfg);
    cfg.params = cb_params_regtest();
    snprintf(cfg.datadir, sizeof cfg.datadir, "/tmp/cb-fuzz-rpc-%d", (int)getpid());
    snprintf(cfg.db, sizeof cfg.db, ":memory:");
    cfg.minethreads = 1;
    cfg.pwcost = cb_pwcost_minimum();
    if (cb_node_start(&node, &cfg, msg, sizeof msg) != CB_OK) {
        fprintf(stderr, "fuzz_rpc: cannot start a node: %s\n", msg);
        abort();
    }
    memset(&rc, 0, sizeof rc);
    snprintf(rc.bind, sizeof rc.bind, "127.0.0.1");
    snprintf(rc.user, sizeof rc.user, "user");
    snprintf(rc.password, sizeof rc.password, "pass");
    snprintf(rc.cookie_dir, sizeof rc.cookie_dir, "%s", cfg.datadir);
    cb_rpc_ctx ctx = {node, NULL};
    if (cb_rpc_start(&server, &ctx, &rc, msg, sizeof msg) != CB_OK) {
        fprintf(stderr, "fuzz_rpc: cannot start the RPC server: %s\n", msg);
        abort();
    }
    char path[PATH_MAX + 16], cookie[128] = "", b64[200];
    snprintf(path, sizeof path, "%s/.cookie", cfg.datadir);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(cookie, sizeof cookie, f))
        abort();
    fclose(f);
    sodium_bin2base64(b64, sizeof b64, (const unsigned char *)cookie, strlen(cookie),
                      sodium_base64_VARIANT_ORIGINAL);
    snprintf(cookie_header, sizeof cookie_header, "Basic %s", b64);
}

typedef struct {
    int replies;
} answer;

static void got(void *ctx, int status, const char *body)
{
    answer *a = ctx;
    a->replies++;
    if (status != 200 && status != 400 && status != 401 && status != 404 && status != 500 &&
        status != 503)
        abort();
    if (body) {
        json_error_t err;
        json_t *j = json_loads(body, JSON_DECODE_ANY, &err);
        if (!j)
            abort(); /* the server's own answer is always JSON */
        json_decref(j);
    }
}

static bool has(const uint8_t *data, size_t size, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(data + i, word, n) == 0)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!node)
        start();
    if (has(data, size, "generate") || has(data, size, "stop") || has(data, size, "\\u"))
        return 0; /* see above; \u escapes could spell either */
    const uint8_t *nl = memchr(data, '\n', size);
    char header[1024];
    const char *auth = NULL;
    const uint8_t *body = data;
    size_t len = size;
    if (nl) {
        size_t hl = (size_t)(nl - data);
        if (hl == 1 && data[0] == '*') {
            auth = cookie_header;
        } else {
            if (hl >= sizeof header)
                hl = sizeof header - 1;
            memcpy(header, data, hl);
            header[hl] = '\0';
            auth = header;
        }
        body = nl + 1;
        len = size - (size_t)(nl + 1 - data);
    }
    answer a = {0};
    cb_rpc_handle(server, auth, (const char *)body, len, got, &a);
    /* Asynchronous calls (password hashes) finish on the loop. */
    for (int i = 0; a.replies == 0 && i < 20000; i++) {
        event_base_loop(cb_node_base(node), EVLOOP_NONBLOCK);
        if (a.replies == 0) {
            struct timespec d = {0, 100000};
            nanosleep(&d, NULL);
        }
    }
    if (a.replies != 1)
        abort(); /* every request is answered, once */
    return 0;
}
