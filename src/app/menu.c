/* coinbit: the interactive program of the original CoinBit.
 *
 *   coinbit [-regtest] [-datadir=DIR] [-rpcport=N] [-minethreads=N] [-port=N]
 *           [-addnode=HOST:PORT]...
 *
 * Welcome menu: Login, Signup, Exit. Main menu: Mine, Verify
 * transactions, Create transaction, Display wallet, Display blockchain,
 * Peers, Logout, Exit. When no node runs on the data directory it starts
 * one in this process (its own event loop thread); either way every action
 * goes through the node's JSON-RPC, the same path coinbit-cli takes.
 * Passwords are not echoed on a terminal; piped input works too, so a
 * session can be scripted. */
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "app/daemon.h"
#include "app/options.h"
#include "app/rpc_client.h"
#include "core/amount.h"

typedef struct {
    cb_rpc_client rpc;
    cb_daemon *node; /* when running in this process */
    pthread_t loop;
    char user[64];
    char address[64];
} session;

/* A whole number in [min, max] from text, or -1. */
static long number(const char *text, long min, long max)
{
    long v;
    return cb_parse_long(text, min, max, &v) == 0 ? v : -1;
}

/* Reads one line; false at end of input. */
static bool ask(const char *prompt, char *buf, size_t cap, bool secret)
{
    struct termios old, quiet;
    bool hide = secret && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    printf("%s", prompt);
    fflush(stdout);
    if (hide) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *got = fgets(buf, (int)cap, stdin);
    if (hide) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        printf("\n");
    }
    if (!got)
        return false;
    size_t n = strcspn(buf, "\r\n");
    if (buf[n] == '\0' && n == cap - 1) {
        /* Longer than the buffer: drop the rest of the line. */
        int c;
        while ((c = getchar()) != '\n' && c != EOF) {
        }
    }
    buf[n] = '\0';
    if (!isatty(STDIN_FILENO) && !secret)
        printf("%s\n", buf); /* echo scripted answers so the transcript reads well */
    else if (!isatty(STDIN_FILENO))
        printf("********\n");
    return true;
}

/* Calls the node; prints the error and returns NULL on failure. */
static json_t *call(session *s, const char *method, json_t *params)
{
    json_t *r = NULL;
    int code;
    char msg[512];
    if (cb_rpc_client_call(&s->rpc, method, params, &r, &code, msg, sizeof msg) != 0) {
        printf("  ! %s\n", msg);
        return NULL;
    }
    return r;
}

static void print_amount(const char *label, double cb)
{
    printf("  %-16s %.8f CB\n", label, cb);
}

static void signup(session *s)
{
    char name[160], email[260], user[64], pw[1100], pw2[1100];
    printf("\n-- Signup --\n");
    if (!ask("Name: ", name, sizeof name, false) || !ask("Email: ", email, sizeof email, false) ||
        !ask("Username: ", user, sizeof user, false) ||
        !ask("Password (8 characters or more): ", pw, sizeof pw, true) ||
        !ask("Password again: ", pw2, sizeof pw2, true))
        return;
    if (strcmp(pw, pw2) != 0) {
        printf("  ! the passwords differ\n");
        return;
    }
    json_t *r = call(s, "createuser", json_pack("[ssss]", name, email, user, pw));
    if (r) {
        printf("  Welcome, %s. Your address: %s\n", user,
               json_string_value(json_object_get(r, "address")));
        printf("  Your private key is stored encrypted under your password; it is never shown\n"
               "  unless you export it.\n");
        json_decref(r);
    }
}

static bool login(session *s)
{
    char user[64], pw[1100];
    printf("\n-- Login --\n");
    if (!ask("Username: ", user, sizeof user, false) || !ask("Password: ", pw, sizeof pw, true))
        return false;
    json_t *r = call(s, "checklogin", json_pack("[ss]", user, pw));
    if (!r)
        return false;
    snprintf(s->user, sizeof s->user, "%s", user);
    snprintf(s->address, sizeof s->address, "%s", json_string_value(json_object_get(r, "address")));
    printf("  Logged in as %s (%s)\n", s->user, s->address);
    json_decref(r);
    return true;
}

static void mine(session *s)
{
    char n[32];
    if (!ask("How many blocks to mine? ", n, sizeof n, false))
        return;
    long count = number(n, 1, 1000);
    if (count < 0) {
        printf("  ! a number from 1 to 1000\n");
        return;
    }
    json_t *r = call(s, "generatetoaddress", json_pack("[Is]", (json_int_t)count, s->address));
    if (r) {
        printf("  Mined %zu block%s; the rewards go to %s\n", json_array_size(r),
               json_array_size(r) == 1 ? "" : "s", s->address);
        json_decref(r);
    }
}

static void verify(session *s)
{
    json_t *r = call(s, "verifymempool", json_array());
    if (!r)
        return;
    printf("\n-- Pending transactions: %zu --\n", json_array_size(r));
    size_t i;
    json_t *t;
    json_array_foreach(r, i, t)
    {
        printf("  %s\n    %s -> %s  %.8f CB (fee %.8f)\n    signature %s, balance %s: %s\n",
               json_string_value(json_object_get(t, "txid")),
               json_string_value(json_object_get(t, "sender")),
               json_string_value(json_object_get(t, "recipient")),
               json_real_value(json_object_get(t, "amount")),
               json_real_value(json_object_get(t, "fee")),
               json_string_value(json_object_get(t, "signature")),
               json_string_value(json_object_get(t, "balance")),
               json_string_value(json_object_get(t, "result")));
    }
    json_decref(r);
}

static void create_tx(session *s)
{
    char to[80], amount[40], fee[40], ok[8], pw[1100];
    uint64_t units, fee_units;
    printf("\n-- Create transaction --\n");
    if (!ask("Recipient (username or address): ", to, sizeof to, false) ||
        !ask("Amount in CB: ", amount, sizeof amount, false) ||
        !ask("Fee in CB [0.0001]: ", fee, sizeof fee, false))
        return;
    if (!fee[0])
        snprintf(fee, sizeof fee, "0.0001");
    if (cb_amount_parse(amount, &units) != CB_OK || units == 0 ||
        cb_amount_parse(fee, &fee_units) != CB_OK) {
        printf("  ! amounts are CB with at most 8 decimals, like 1.5\n");
        return;
    }
    printf("  Send %s CB to %s, paying %s CB fee? [y/N] ", amount, to, fee);
    if (!ask("", ok, sizeof ok, false) || (ok[0] != 'y' && ok[0] != 'Y')) {
        printf("  Cancelled.\n");
        return;
    }
    if (!ask("Password: ", pw, sizeof pw, true))
        return;
    json_t *r = call(s, "send", json_pack("[sssss]", s->user, pw, to, amount, fee));
    if (r) {
        printf("  Sent. txid %s (pending until mined)\n", json_string_value(r));
        json_decref(r);
    }
}

static void wallet(session *s)
{
    json_t *w = call(s, "getwalletinfo", json_pack("[s]", s->user));
    if (!w)
        return;
    printf("\n-- Wallet of %s --\n  %-16s %s\n", s->user, "address",
           json_string_value(json_object_get(w, "address")));
    print_amount("balance", json_real_value(json_object_get(w, "balance")));
    print_amount("pending spend", json_real_value(json_object_get(w, "pendingspend")));
    printf("  %-16s %lld\n", "nonce", (long long)json_integer_value(json_object_get(w, "nonce")));
    json_decref(w);
    json_t *txs = call(s, "listtransactions", json_pack("[si]", s->user, 20));
    if (!txs)
        return;
    printf("  Transactions (newest first):\n");
    size_t i;
    json_t *t;
    json_array_foreach(txs, i, t)
    {
        const char *status = json_string_value(json_object_get(t, "status"));
        char depth[48] = "";
        if (strcmp(status, "confirmed") == 0)
            snprintf(depth, sizeof depth, ", %lld confirmations",
                     (long long)json_integer_value(json_object_get(t, "confirmations")));
        printf("    %-8s %14.8f CB  %s%s  %.16s...\n",
               json_string_value(json_object_get(t, "category")),
               json_real_value(json_object_get(t, "amount")), status, depth,
               json_string_value(json_object_get(t, "txid")));
    }
    if (json_array_size(txs) == 0)
        printf("    (none yet)\n");
    json_decref(txs);
}

static void blockchain(session *s)
{
    json_t *count = call(s, "getblockcount", json_array());
    if (!count)
        return;
    json_int_t top = json_integer_value(count);
    json_decref(count);
    printf("\n-- Blockchain: %lld blocks after genesis (newest first, up to 10) --\n",
           (long long)top);
    for (json_int_t h = top; h >= 0 && h > top - 10; h--) {
        json_t *hash = call(s, "getblockhash", json_pack("[I]", h));
        if (!hash)
            return;
        json_t *b = call(s, "getblock", json_pack("[Oi]", hash, 1));
        json_decref(hash);
        if (!b)
            return;
        printf("  #%-6lld %s  time %lld  %lld tx\n", (long long)h,
               json_string_value(json_object_get(b, "hash")),
               (long long)json_integer_value(json_object_get(b, "time")),
               (long long)json_integer_value(json_object_get(b, "nTx")));
        json_decref(b);
    }
}

/* The Peers screen: who we are connected to, and a way to add one (the
 * original's users_port table, now the node's own peer list). */
static void peers(session *s)
{
    json_t *net = call(s, "getnetworkinfo", json_array());
    json_t *list = call(s, "getpeerinfo", json_array());
    printf("\n-- Peers --\n");
    if (net) {
        json_t *local = json_object_get(net, "localport");
        printf("  %lld connected (%lld in, %lld out); ",
               (long long)json_integer_value(json_object_get(net, "connections")),
               (long long)json_integer_value(json_object_get(net, "connections_in")),
               (long long)json_integer_value(json_object_get(net, "connections_out")));
        if (json_integer_value(local))
            printf("listening on port %lld\n", (long long)json_integer_value(local));
        else
            printf("not listening\n");
        json_decref(net);
    }
    size_t i;
    json_t *p;
    if (list) {
        json_array_foreach(list, i, p)
        {
            printf("  #%-3lld %-22s %-3s height %-6lld ping %-8s %s\n",
                   (long long)json_integer_value(json_object_get(p, "id")),
                   json_string_value(json_object_get(p, "addr")),
                   json_is_true(json_object_get(p, "inbound")) ? "in" : "out",
                   (long long)json_integer_value(json_object_get(p, "synced_headers")),
                   json_is_number(json_object_get(p, "pingtime")) ? "ok" : "-",
                   json_string_value(json_object_get(p, "subver")));
        }
        json_decref(list);
    }
    char addr[128];
    if (!ask("Connect to a peer (HOST:PORT, empty to go back): ", addr, sizeof addr, false) ||
        !addr[0])
        return;
    json_t *r = call(s, "addnode", json_pack("[ss]", addr, "add"));
    if (r) {
        printf("  Added %s; the node keeps it connected.\n", addr);
        json_decref(r);
    }
}

static void *run_loop(void *arg)
{
    cb_daemon_run(arg);
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: coinbit [options]\n"
               "The original CoinBit's menu: sign up, log in, mine, send coins, see the\n"
               "wallet, the chain and the peers. It talks to the node serving the data\n"
               "directory, or starts one inside itself when none runs, with these options:\n");
    cb_daemon_print_options(f);
    fprintf(f, "  -version             print the version and exit\n"
               "  -help                print this and exit\n");
}

int main(int argc, char **argv)
{
    cb_options o = {.n = 0};
    session s;
    char msg[512], datadir[PATH_MAX];
    int first = 0;
    memset(&s, 0, sizeof s);
    umask(077); /* as coinbitd: the node it may run writes only its own files */
    if (cb_options_from_argv(&o, argc, argv, &first, msg, sizeof msg) != 0 || first < argc) {
        usage(stderr);
        return 1;
    }
    if (cb_options_get(&o, "help") || cb_options_get(&o, "h")) {
        usage(stdout);
        return 0;
    }
    if (cb_options_get(&o, "version")) {
        printf("coinbit (CoinBit) %s\n", CB_VERSION_STRING);
        return 0;
    }
    for (size_t i = 0; i < o.n; i++) {
        if (!cb_daemon_knows(o.items[i].key)) {
            fprintf(stderr, "Error: unknown option -%s; see coinbit -help\n", o.items[i].key);
            return 1;
        }
    }
    bool regtest = false;
    if (cb_options_bool(&o, "regtest", false, &regtest) != 0) {
        fprintf(stderr, "Error: -regtest takes 0 or 1\n");
        return 1;
    }
    const cb_params *p = regtest ? cb_params_regtest() : cb_params_main();
    if (cb_options_datadir(&o, regtest, NULL, 0, datadir, sizeof datadir, msg, sizeof msg) != 0) {
        fprintf(stderr, "Error: %s\n", msg);
        return 1;
    }
    uint16_t rpcport = p->rpc_port;
    const char *port = cb_options_get(&o, "rpcport");
    if (port && cb_parse_port(port, &rpcport) != 0) {
        fprintf(stderr, "Error: -rpcport=%s is not a port number (1-65535)\n", port);
        return 1;
    }
    snprintf(s.rpc.host, sizeof s.rpc.host, "127.0.0.1");
    snprintf(s.rpc.port, sizeof s.rpc.port, "%u", (unsigned)rpcport);

    /* A node already serving this datadir? Else start one here. */
    json_t *r = NULL;
    int code;
    bool running =
        cb_rpc_client_cookie(&s.rpc, datadir, msg, sizeof msg) == 0 &&
        cb_rpc_client_call(&s.rpc, "getblockcount", json_array(), &r, &code, msg, sizeof msg) == 0;
    json_decref(r);
    if (!running) {
        cb_daemon_config cfg;
        if (cb_daemon_config_from_options(&cfg, &o, msg, sizeof msg) != 0) {
            fprintf(stderr, "Error: %s\n", msg);
            return 1;
        }
        cb_err err = cb_daemon_start(&s.node, &cfg, msg, sizeof msg);
        if (err == CB_ERR_ADDR_IN_USE && cfg.net.listen) {
            /* Another program holds the P2P port: run without accepting
             * peers (the RPC port taken means a node we could not reach,
             * which this would not mend). */
            cfg.net.listen = false;
            char again[512];
            if (cb_daemon_start(&s.node, &cfg, again, sizeof again) == CB_OK) {
                fprintf(stderr, "Note: %s; this node will not accept peers.\n", msg);
                err = CB_OK;
            }
        }
        sodium_memzero(&cfg, sizeof cfg);
        if (err != CB_OK) {
            fprintf(stderr, "Error: cannot start a node: %s\n", msg);
            return 1;
        }
        if (pthread_create(&s.loop, NULL, run_loop, s.node) != 0 ||
            cb_rpc_client_cookie(&s.rpc, datadir, msg, sizeof msg) != 0) {
            fprintf(stderr, "Error: %s\n", msg);
            cb_daemon_free(s.node);
            return 1;
        }
    }
    printf("Welcome to CoinBit (%s network%s)\n", p->name,
           s.node ? ", node running in this program" : ", using the running node");
    char choice[16];
    for (;;) {
        if (!s.user[0]) {
            printf("\n1) Login\n2) Signup\n3) Exit\n");
            if (!ask("> ", choice, sizeof choice, false) || strcmp(choice, "3") == 0)
                break;
            if (strcmp(choice, "1") == 0)
                login(&s);
            else if (strcmp(choice, "2") == 0)
                signup(&s);
            else
                printf("  ! choose 1, 2 or 3\n");
            continue;
        }
        printf("\n[%s] 1) Mine  2) Verify transactions  3) Create transaction  4) Display wallet\n"
               "       5) Display blockchain  6) Peers  7) Logout  8) Exit\n",
               s.user);
        if (!ask("> ", choice, sizeof choice, false) || strcmp(choice, "8") == 0)
            break;
        switch (number(choice, 1, 8)) {
        case 1:
            mine(&s);
            break;
        case 2:
            verify(&s);
            break;
        case 3:
            create_tx(&s);
            break;
        case 4:
            wallet(&s);
            break;
        case 5:
            blockchain(&s);
            break;
        case 6:
            peers(&s);
            break;
        case 7:
            s.user[0] = '\0';
            break;
        default:
            printf("  ! choose 1 to 8\n");
        }
    }
    printf("Goodbye.\n");
    if (s.node) {
        cb_daemon_stop(s.node);
        pthread_join(s.loop, NULL);
        cb_daemon_free(s.node);
    }
    return 0;
}
