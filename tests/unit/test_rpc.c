/* The RPC dispatcher through a real server on 127.0.0.1: Core's reply
 * shapes for JSON-RPC 1.0 and 2.0, HTTP statuses, error codes, batches in
 * order (with asynchronous calls among them), their bound, and the
 * authentication rules. The node runs its loop on a thread of its own;
 * each request here is raw HTTP, so nothing of the client hides a shape. */
#include "support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rpc/rpc.h"

static cb_node *node;
static cb_rpc_server *server;
static pthread_t loop;
static uint16_t port;
static char auth[256]; /* "Basic <base64 of the cookie>" */
static char datadir[] = "/tmp/cb-test-rpc-XXXXXX";

static void *run(void *arg)
{
    cb_node_run(arg);
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    static cb_node_config cfg;
    char msg[256] = "";
    if (!mkdtemp(datadir))
        return -1;
    memset(&cfg, 0, sizeof cfg);
    cfg.params = cb_params_regtest();
    snprintf(cfg.datadir, sizeof cfg.datadir, "%s", datadir);
    snprintf(cfg.db, sizeof cfg.db, ":memory:");
    cfg.minethreads = 1;
    cfg.pwcost = cb_pwcost_minimum();
    if (cb_node_start(&node, &cfg, msg, sizeof msg) != CB_OK) {
        print_error("node: %s\n", msg);
        return -1;
    }
    cb_rpc_ctx ctx = {node, NULL};
    static cb_rpc_config rc;
    memset(&rc, 0, sizeof rc);
    snprintf(rc.bind, sizeof rc.bind, "127.0.0.1");
    snprintf(rc.user, sizeof rc.user, "alice");
    snprintf(rc.password, sizeof rc.password, "s3cret");
    snprintf(rc.cookie_dir, sizeof rc.cookie_dir, "%s", datadir);
    if (cb_rpc_start(&server, &ctx, &rc, msg, sizeof msg) != CB_OK) {
        print_error("rpc: %s\n", msg);
        return -1;
    }
    port = cb_rpc_port(server);
    char path[256], cookie[128] = "", b64[200];
    snprintf(path, sizeof path, "%s/.cookie", datadir);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(cookie, sizeof cookie, f))
        return -1;
    fclose(f);
    sodium_bin2base64(b64, sizeof b64, (const unsigned char *)cookie, strlen(cookie),
                      sodium_base64_VARIANT_ORIGINAL);
    snprintf(auth, sizeof auth, "Basic %s", b64);
    return pthread_create(&loop, NULL, run, node) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cb_node_stop(node);
    pthread_join(loop, NULL);
    cb_node_shutdown(node);
    cb_rpc_stop(server);
    cb_node_free(node);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", datadir);
    return system(cmd) == 0 ? 0 : -1;
}

/* One raw HTTP exchange. Out: *status; body (NUL-terminated, cap bytes).
 * authorization NULL: no header at all. */
static void http(const char *method, const char *authorization, const char *body, int *status,
                 char *out, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    static char req[1 << 20];
    int n =
        snprintf(req, sizeof req,
                 "%s / HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%sContent-Type: application/json\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                 method, authorization ? "Authorization: " : "", authorization ? authorization : "",
                 authorization ? "\r\n" : "", strlen(body), body);
    assert_true(n > 0 && (size_t)n < sizeof req);
    assert_int_equal(write(fd, req, (size_t)n), n);
    static char resp[1 << 20];
    size_t len = 0;
    ssize_t got;
    while ((got = read(fd, resp + len, sizeof resp - 1 - len)) > 0)
        len += (size_t)got;
    close(fd);
    resp[len] = '\0';
    assert_int_equal(sscanf(resp, "HTTP/1.1 %d", status), 1);
    const char *b = strstr(resp, "\r\n\r\n");
    snprintf(out, cap, "%s", b ? b + 4 : "");
}

/* POSTs with the cookie and parses the reply (which must be JSON). */
static json_t *call(const char *body, int *status)
{
    static char out[1 << 20];
    http("POST", auth, body, status, out, sizeof out);
    json_error_t err;
    json_t *j = json_loads(out, 0, &err);
    if (!j)
        fail_msg("not JSON (%s): %s", err.text, out);
    return j;
}

static void test_v1_and_v2_shapes(void **state)
{
    (void)state;
    int status;
    json_t *r = call("{\"method\":\"getblockcount\",\"params\":[],\"id\":7}", &status);
    assert_int_equal(status, 200);
    assert_int_equal(json_integer_value(json_object_get(r, "result")), 0);
    assert_true(json_is_null(json_object_get(r, "error"))); /* 1.0: present, null */
    assert_int_equal(json_integer_value(json_object_get(r, "id")), 7);
    assert_null(json_object_get(r, "jsonrpc"));
    json_decref(r);
    r = call("{\"jsonrpc\":\"2.0\",\"method\":\"getblockcount\",\"id\":\"x\"}", &status);
    assert_int_equal(status, 200);
    assert_string_equal(json_string_value(json_object_get(r, "jsonrpc")), "2.0");
    assert_null(json_object_get(r, "error")); /* 2.0: absent */
    assert_string_equal(json_string_value(json_object_get(r, "id")), "x");
    json_decref(r);
    /* No id: answered with a null id. */
    r = call("{\"method\":\"getblockcount\"}", &status);
    assert_true(json_is_null(json_object_get(r, "id")));
    json_decref(r);
}

static int code_of(json_t *r)
{
    return (int)json_integer_value(json_object_get(json_object_get(r, "error"), "code"));
}

static void test_errors(void **state)
{
    (void)state;
    int status;
    struct {
        const char *body;
        int status, code;
    } cases[] = {
        {"{\"method\":\"nosuch\",\"id\":1}", 404, CB_RPC_METHOD_NOT_FOUND},
        {"{\"jsonrpc\":\"2.0\",\"method\":\"nosuch\",\"id\":1}", 200, CB_RPC_METHOD_NOT_FOUND},
        {"{\"method\":\"getblockcount\",\"params\":{\"a\":1},\"id\":1}", 500,
         CB_RPC_INVALID_REQUEST},
        {"{\"method\":7,\"id\":1}", 400, CB_RPC_INVALID_REQUEST},
        {"{\"method\":\"getblockhash\",\"params\":[\"x\"],\"id\":1}", 500, CB_RPC_TYPE_ERROR},
        {"{\"method\":\"getblockhash\",\"params\":[99],\"id\":1}", 500, CB_RPC_INVALID_PARAMETER},
        {"{\"method\":\"getblockhash\",\"params\":[1,2],\"id\":1}", 500, CB_RPC_INVALID_PARAMS},
        {"{\"jsonrpc\":\"2.0\",\"method\":\"getblockhash\",\"params\":[99],\"id\":1}", 200,
         CB_RPC_INVALID_PARAMETER},
        {"{not json", 500, CB_RPC_PARSE_ERROR},
        {"{\"method\":\"a\",\"method\":\"b\"}", 500, CB_RPC_PARSE_ERROR}, /* duplicate keys */
        {"\"just a string\"", 500, CB_RPC_PARSE_ERROR}, /* Core: top-level parse error */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *r = call(cases[i].body, &status);
        if (status != cases[i].status || code_of(r) != cases[i].code)
            fail_msg("%s: HTTP %d code %d, expected %d and %d", cases[i].body, status, code_of(r),
                     cases[i].status, cases[i].code);
        if (!json_is_string(json_object_get(json_object_get(r, "error"), "message")))
            fail_msg("%s: no error message", cases[i].body);
        json_decref(r);
    }
    /* Only POST is served. */
    char out[256];
    http("GET", auth, "", &status, out, sizeof out);
    assert_int_equal(status, 405);
}

static void test_batches(void **state)
{
    (void)state;
    int status;
    /* In order, whatever finishes first: an Argon2id call (a worker's
     * job) between quick ones, an error and a bad entry among them. */
    json_t *r = call("[{\"method\":\"getblockcount\",\"id\":1},"
                     "{\"method\":\"createuser\",\"params\":[\"Bob\",\"bob@example.org\",\"bob\","
                     "\"password1\"],\"id\":2},"
                     "{\"method\":\"nosuch\",\"id\":3},"
                     "42,"
                     "{\"jsonrpc\":\"2.0\",\"method\":\"getbestblockhash\",\"id\":5}]",
                     &status);
    assert_int_equal(status, 200);
    assert_true(json_is_array(r));
    assert_int_equal(json_array_size(r), 5);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 0), "id")), 1);
    json_t *created = json_array_get(r, 1);
    assert_int_equal(json_integer_value(json_object_get(created, "id")), 2);
    if (!json_is_object(json_object_get(created, "result")))
        fail_msg("createuser in a batch: %s", json_dumps(created, 0));
    assert_int_equal(code_of(json_array_get(r, 2)), CB_RPC_METHOD_NOT_FOUND);
    assert_int_equal(code_of(json_array_get(r, 3)), CB_RPC_INVALID_REQUEST);
    assert_true(json_is_string(json_object_get(json_array_get(r, 4), "result")));
    json_decref(r);
    /* An empty batch is an empty answer. */
    r = call("[]", &status);
    assert_int_equal(status, 200);
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
    /* More than 1000 calls: refused whole. */
    static char big[64 * 1024];
    size_t len = 0;
    big[len++] = '[';
    for (int i = 0; i < 1001; i++)
        len += (size_t)snprintf(big + len, sizeof big - len, "%s{\"method\":\"getblockcount\"}",
                                i ? "," : "");
    big[len++] = ']';
    big[len] = '\0';
    r = call(big, &status);
    assert_int_equal(status, 400);
    assert_int_equal(code_of(r), CB_RPC_INVALID_REQUEST);
    json_decref(r);
}

static void test_authentication(void **state)
{
    (void)state;
    const char *body = "{\"method\":\"getblockcount\",\"id\":1}";
    char out[256], b64[128], header[160];
    int status;
    http("POST", NULL, body, &status, out, sizeof out);
    assert_int_equal(status, 401);
    assert_string_equal(out, "");
    struct {
        const char *user_pass;
        int status;
    } cases[] = {
        {"alice:s3cret", 200}, /* -rpcuser/-rpcpassword */
        {"alice:s3cre", 401},  {"alice:s3cret2", 401},   {"__cookie__:00", 401},
        {"alice", 401},        {"alice:s3cret\nx", 401},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)cases[i].user_pass,
                          strlen(cases[i].user_pass), sodium_base64_VARIANT_ORIGINAL);
        snprintf(header, sizeof header, "Basic %s", b64);
        http("POST", header, body, &status, out, sizeof out);
        if (status != cases[i].status)
            fail_msg("'%s': HTTP %d, expected %d", cases[i].user_pass, status, cases[i].status);
    }
    /* Malformed headers: another scheme, bad base64, base64 with a NUL. */
    const char *bad[] = {"Bearer abc", "Basic !!!!", "Basic YWxpY2U6czNjcmV0AA==", "Basic", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        http("POST", bad[i], body, &status, out, sizeof out);
        if (status != 401)
            fail_msg("'%s': HTTP %d, expected 401", bad[i], status);
    }
    /* The cookie still works after all of it. */
    json_t *r = call(body, &status);
    assert_int_equal(status, 200);
    json_decref(r);
}

static int connect_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* Clients that connect and say nothing cannot hold more than the cap:
 * the server stops taking connections (a new one waits in the kernel's
 * queue, unanswered) and takes them again once some close. */
static void test_connection_cap(void **state)
{
    (void)state;
    enum { IDLE = 140 };
    int idle[IDLE];
    for (int i = 0; i < IDLE; i++)
        idle[i] = connect_port();
    struct timespec settle = {0, 300 * 1000 * 1000};
    nanosleep(&settle, NULL);
    /* A full request on top: not served while the idle ones stay. */
    int fd = connect_port();
    const char *body = "{\"method\":\"getblockcount\",\"id\":1}";
    char req[512];
    int n = snprintf(req, sizeof req,
                     "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     auth, strlen(body), body);
    assert_int_equal(write(fd, req, (size_t)n), n);
    struct timeval tv = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[1024];
    ssize_t got = read(fd, buf, sizeof buf);
    assert_true(got < 0); /* nothing within a second */
    /* The idle ones go: the waiting request is answered. */
    for (int i = 0; i < IDLE; i++)
        close(idle[i]);
    tv.tv_sec = 5;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    got = read(fd, buf, sizeof buf - 1);
    assert_true(got > 0);
    buf[got] = '\0';
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_and_v2_shapes), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_batches),          cmocka_unit_test(test_authentication),
        cmocka_unit_test(test_connection_cap),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
