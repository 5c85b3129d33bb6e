/* coinbit-cli: a JSON-RPC client for coinbitd, as bitcoin-cli is to
 * bitcoind.
 *
 *   coinbit-cli [-regtest] [-datadir=DIR] [-rpcport=N] [-rpcconnect=HOST]
 *               [-rpcuser=U -rpcpassword=P | -rpccookiefile=FILE] METHOD [ARG ...]
 *
 * Without -datadir it reads the cookie of ~/.coinbit, or else that of the
 * system's service (/var/lib/coinbit, readable by the coinbit group when
 * the service runs with -rpccookieperms=group, as the package's does).
 *
 * Each ARG is sent as JSON when it reads as JSON (numbers, true, false,
 * null, [..], {..}, "quoted"), else as a string: quote a string that looks
 * like a number ('"12345678"'). Results print as text (strings bare, the
 * rest as indented JSON); errors go to stderr as Core's "error code: /
 * error message:" lines, with exit status 1. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/options.h"
#include "app/rpc_client.h"
#include "core/params.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: coinbit-cli [options] METHOD [ARG ...]\n"
               "Calls a JSON-RPC method of coinbitd and prints its result; an ARG that reads\n"
               "as JSON is sent as JSON, else as a string. coinbit-cli help lists the methods.\n"
               "Options:\n"
               "  -regtest             the regression-test network\n"
               "  -datadir=DIR         where the node's cookie is (default ~/.coinbit, then\n"
               "                       the service's " CB_SERVICE_DATADIR ")\n"
               "  -rpcconnect=HOST     the node's address (default 127.0.0.1)\n"
               "  -rpcport=N           the node's JSON-RPC port (default 8832, regtest 18832)\n"
               "  -rpcuser=USER        a user name instead of the cookie (with -rpcpassword)\n"
               "  -rpcpassword=PASS    that user's password\n"
               "  -rpccookiefile=FILE  read the cookie from FILE\n"
               "  -version             print the version and exit\n"
               "  -help                print this and exit\n");
}

int main(int argc, char **argv)
{
    cb_options o = {.n = 0};
    cb_rpc_client c;
    char msg[512];
    int first = 0;
    memset(&c, 0, sizeof c);
    if (cb_options_from_argv(&o, argc, argv, &first, msg, sizeof msg) != 0) {
        fprintf(stderr, "error: %s\n", msg);
        return 1;
    }
    if (cb_options_get(&o, "version")) {
        printf("coinbit-cli (CoinBit) %s\n", CB_VERSION_STRING);
        return 0;
    }
    if (cb_options_get(&o, "help")) {
        usage(stdout);
        return 0;
    }
    if (first >= argc) {
        usage(stderr);
        return 1;
    }
    bool regtest = false;
    if (cb_options_bool(&o, "regtest", false, &regtest) != 0) {
        fprintf(stderr, "error: -regtest takes 0 or 1\n");
        return 1;
    }
    const cb_params *p = regtest ? cb_params_regtest() : cb_params_main();
    char datadir[PATH_MAX];
    if (cb_options_datadir(&o, regtest, NULL, 0, datadir, sizeof datadir, msg, sizeof msg) != 0) {
        fprintf(stderr, "error: %s\n", msg);
        return 1;
    }
    const char *user = cb_options_get(&o, "rpcuser"), *pass = cb_options_get(&o, "rpcpassword");
    const char *cookiefile = cb_options_get(&o, "rpccookiefile");
    char service[PATH_MAX], service_msg[512];
    snprintf(service, sizeof service, regtest ? "%s/regtest" : "%s", CB_SERVICE_DATADIR);
    if (user && pass) {
        snprintf(c.auth, sizeof c.auth, "%s:%s", user, pass);
    } else if (cookiefile) {
        if (cb_rpc_client_cookie_file(&c, cookiefile, msg, sizeof msg) != 0) {
            fprintf(stderr, "error: %s\n", msg);
            return 1;
        }
    } else if (cb_rpc_client_cookie(&c, datadir, msg, sizeof msg) != 0 &&
               (cb_options_get(&o, "datadir") ||
                cb_rpc_client_cookie(&c, service, service_msg, sizeof service_msg) != 0)) {
        /* Where a service runs, why its cookie is out of reach says more. */
        int why = errno;
        struct stat st;
        bool serviced = !cb_options_get(&o, "datadir") && stat(CB_SERVICE_DATADIR, &st) == 0;
        fprintf(stderr, "error: %s%s\n", serviced ? service_msg : msg,
                serviced && why == EACCES ? " (members of the coinbit group may read it)" : "");
        return 1;
    }
    const char *host = cb_options_get(&o, "rpcconnect");
    snprintf(c.host, sizeof c.host, "%s", host ? host : "127.0.0.1");
    const char *port = cb_options_get(&o, "rpcport");
    uint16_t portnum;
    if (port && cb_parse_port(port, &portnum) != 0) {
        fprintf(stderr, "error: -rpcport=%s is not a port number (1-65535)\n", port);
        return 1;
    }
    if (port)
        snprintf(c.port, sizeof c.port, "%u", (unsigned)portnum);
    else
        snprintf(c.port, sizeof c.port, "%u", p->rpc_port);

    json_t *params = json_array();
    for (int i = first + 1; i < argc; i++) {
        json_error_t jerr;
        json_t *v = json_loads(argv[i], JSON_DECODE_ANY, &jerr);
        json_array_append_new(params, v ? v : json_string(argv[i]));
    }
    json_t *result = NULL;
    int code = 0;
    if (cb_rpc_client_call(&c, argv[first], params, &result, &code, msg, sizeof msg) != 0) {
        if (code)
            fprintf(stderr, "error code: %d\nerror message:\n%s\n", code, msg);
        else
            fprintf(stderr, "error: %s\n", msg);
        return 1;
    }
    if (json_is_string(result)) {
        printf("%s\n", json_string_value(result));
    } else if (!json_is_null(result)) {
        char *text = json_dumps(result, JSON_INDENT(2) | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
        printf("%s\n", text);
        free(text);
    }
    json_decref(result);
    return 0;
}
