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
 * On a terminal lines are edited with libedit (history too), passwords
 * are not echoed, each signup field is checked as it is typed and asked
 * again, mining shows its progress and Ctrl-C stops it (Ctrl-C at a
 * prompt leaves); the node's log goes to debug.log only. Piped input works
 * too, so a session can be scripted. */
#include <limits.h>
#include <editline/readline.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "app/daemon.h"
#include "app/options.h"
#include "app/rpc_client.h"
#include "core/amount.h"
#include "node/users.h"

typedef struct {
    cb_rpc_client rpc;
    cb_daemon *node; /* when running in this process */
    pthread_t loop;
    char user[64];
    char address[64];
    char datadir[4096];
    bool tty;
} session;

/* Ctrl-C: stops mining, or (at a prompt) ends the program cleanly. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* Local date and time of a unix time. */
static const char *local_time(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(buf, cap, "%lld", (long long)t);
    return buf;
}

/* A whole number in [min, max] from text, or -1. */
static long number(const char *text, long min, long max)
{
    long v;
    return cb_parse_long(text, min, max, &v) == 0 ? v : -1;
}

/* Reads one line; false at end of input (or Ctrl-C). On a terminal a
 * visible answer is read with libedit (editing, history). */
static bool ask(const char *prompt, char *buf, size_t cap, bool secret)
{
    if (!secret && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
        char *line = readline(prompt);
        if (!line || interrupted) {
            free(line);
            return false;
        }
        snprintf(buf, cap, "%s", line);
        buf[strcspn(buf, "\r\n")] = '\0';
        if (buf[0])
            add_history(buf);
        free(line);
        return true;
    }
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
    if (!got || interrupted)
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

/* Asks for one signup field until `check` takes it (or input ends):
 * check returns NULL when the answer is good, else why it is not. */
typedef const char *(*field_check)(const char *answer, char *why, size_t whylen);

static bool ask_field(const char *prompt, char *buf, size_t cap, bool secret, field_check check)
{
    char why[160];
    for (;;) {
        if (!ask(prompt, buf, cap, secret))
            return false;
        const char *bad = check(buf, why, sizeof why);
        if (!bad)
            return true;
        printf("  ! %s; again, please\n", bad);
    }
}

/* Each field through the node's own rules (cb_user_validate), the others
 * standing in with good values. */
static const char *check_name(const char *v, char *why, size_t n)
{
    return cb_user_validate(v, "a@example.org", "abc", "12345678", why, n) ? why : NULL;
}

static const char *check_email(const char *v, char *why, size_t n)
{
    return cb_user_validate("A", v, "abc", "12345678", why, n) ? why : NULL;
}

static const char *check_username(const char *v, char *why, size_t n)
{
    return cb_user_validate("A", "a@example.org", v, "12345678", why, n) ? why : NULL;
}

static const char *check_password(const char *v, char *why, size_t n)
{
    return cb_user_validate("A", "a@example.org", "abc", v, why, n) ? why : NULL;
}

static void signup(session *s)
{
    char name[160], email[260], user[64], pw[1100], pw2[1100];
    printf("\n-- Signup --\n");
    if (!ask_field("Name: ", name, sizeof name, false, check_name) ||
        !ask_field("Email: ", email, sizeof email, false, check_email))
        return;
    for (;;) {
        if (!ask_field("Username: ", user, sizeof user, false, check_username) ||
            !ask_field("Password (8 characters or more): ", pw, sizeof pw, true, check_password))
            goto out;
        /* A mistyped repeat asks for the repeat again, not for it all. */
        for (;;) {
            if (!ask("Password again: ", pw2, sizeof pw2, true))
                goto out;
            if (strcmp(pw, pw2) == 0)
                break;
            printf("  ! that is not the same password; again, please\n");
        }
        json_t *r = NULL;
        int code;
        char msg[512];
        if (cb_rpc_client_call(&s->rpc, "createuser", json_pack("[ssss]", name, email, user, pw),
                               &r, &code, msg, sizeof msg) == 0) {
            snprintf(s->user, sizeof s->user, "%s", user);
            snprintf(s->address, sizeof s->address, "%s",
                     json_string_value(json_object_get(r, "address")));
            printf("  Welcome, %s: you are signed in. Your address: %s\n", user, s->address);
            printf("  Your private key is stored encrypted under your password; it is never\n"
                   "  shown unless you export it.\n");
            json_decref(r);
            break;
        }
        printf("  ! %s\n", msg);
        if (!strstr(msg, "taken") && !strstr(msg, "exists"))
            break; /* not something a new username mends */
        printf("  Choose another username.\n");
    }
out:
    sodium_memzero(pw, sizeof pw);
    sodium_memzero(pw2, sizeof pw2);
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

typedef struct {
    session *s;
    long count;
    json_t *result;
    char msg[512];
    volatile bool done;
} mine_job;

static void *mine_thread(void *arg)
{
    mine_job *j = arg;
    int code;
    cb_rpc_client_call(&j->s->rpc, "generatetoaddress",
                       json_pack("[Is]", (json_int_t)j->count, j->s->address), &j->result, &code,
                       j->msg, sizeof j->msg);
    j->done = true;
    return NULL;
}

static json_int_t block_count(session *s)
{
    json_t *r = NULL;
    int code;
    char msg[256];
    json_int_t h = -1;
    if (cb_rpc_client_call(&s->rpc, "getblockcount", json_array(), &r, &code, msg, sizeof msg) == 0)
        h = json_integer_value(r);
    json_decref(r);
    return h;
}

/* Mines on a thread of its own; meanwhile a line shows the blocks done,
 * the hash rate, the time spent and what a block should take at this
 * difficulty (2^32 x difficulty hashes on average). Ctrl-C stops it. */
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
    mine_job j = {s, count, NULL, "", false};
    json_int_t start = block_count(s);
    pthread_t t;
    if (pthread_create(&t, NULL, mine_thread, &j) != 0) {
        printf("  ! cannot start mining\n");
        return;
    }
    printf("  Mining %ld block%s (Ctrl-C stops)\n", count, count == 1 ? "" : "s");
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool asked_stop = false;
    unsigned ticks = 0;
    while (!j.done) {
        struct timespec pause = {0, 100 * 1000 * 1000};
        nanosleep(&pause, NULL);
        if (interrupted && !asked_stop) {
            asked_stop = true;
            interrupted = 0;
            json_decref(call(s, "stopgenerating", json_array()));
        }
        if (++ticks % 10 || !s->tty || j.done)
            continue;
        json_t *mi = call(s, "getmininginfo", json_array());
        clock_gettime(CLOCK_MONOTONIC, &now);
        double rate = json_number_value(json_object_get(mi, "hashespersec"));
        double diff = json_number_value(json_object_get(mi, "difficulty"));
        double elapsed = (double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
        json_int_t h = block_count(s);
        printf("\r  %lld of %ld mined, %.2f MH/s, %.0f s so far, a block takes %.0f s on average"
               "   ",
               (long long)(start >= 0 && h >= start ? h - start : 0), count, rate / 1e6, elapsed,
               rate > 0 ? diff * 4294967296.0 / rate : 0.0);
        fflush(stdout);
        json_decref(mi);
    }
    pthread_join(t, NULL);
    interrupted = 0;
    if (s->tty && ticks >= 10)
        printf("\n");
    if (!j.result) {
        printf("  ! %s\n", j.msg);
        return;
    }
    size_t made = json_array_size(j.result);
    printf("  %s %zu block%s; the rewards go to %s\n", asked_stop ? "Stopped: mined" : "Mined",
           made, made == 1 ? "" : "s", s->address);
    json_decref(j.result);
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
        if (strcmp(status, "confirmed") == 0) {
            long long c = (long long)json_integer_value(json_object_get(t, "confirmations"));
            snprintf(depth, sizeof depth, ", %lld confirmation%s", c, c == 1 ? "" : "s");
        }
        printf("    %-8s %14.8f CB  %s%s  %.16s...\n",
               json_string_value(json_object_get(t, "category")),
               json_real_value(json_object_get(t, "amount")), status, depth,
               json_string_value(json_object_get(t, "txid")));
    }
    if (json_array_size(txs) == 0)
        printf("    (none yet)\n");
    json_decref(txs);
}

static void show_block(session *s, json_t *hash)
{
    json_t *b = call(s, "getblock", json_pack("[Oi]", hash, 2));
    if (!b)
        return;
    char when[32];
    printf("\n-- Block %lld --\n  hash         %s\n  previous     %s\n  time         %s\n"
           "  difficulty   %g\n  nonce        %lld\n  merkle root  %s\n  confirmations %lld\n",
           (long long)json_integer_value(json_object_get(b, "height")),
           json_string_value(json_object_get(b, "hash")),
           json_object_get(b, "previousblockhash")
               ? json_string_value(json_object_get(b, "previousblockhash"))
               : "(none: the genesis block)",
           local_time(json_integer_value(json_object_get(b, "time")), when, sizeof when),
           json_number_value(json_object_get(b, "difficulty")),
           (long long)json_integer_value(json_object_get(b, "nonce")),
           json_string_value(json_object_get(b, "merkleroot")),
           (long long)json_integer_value(json_object_get(b, "confirmations")));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(b, "tx"), i, t)
    {
        printf("  %-34s -> %-34s %.8f CB (fee %.8f)\n",
               json_string_value(json_object_get(t, "sender")),
               json_string_value(json_object_get(t, "recipient")),
               json_number_value(json_object_get(t, "amount")),
               json_number_value(json_object_get(t, "fee")));
    }
    json_decref(b);
}

/* Ten blocks a page, newest first: n older, p newer, a height or a hash
 * opens that block, an empty line goes back. */
static void blockchain(session *s)
{
    json_int_t top = block_count(s), from = top;
    if (top < 0)
        return;
    for (;;) {
        printf("\n-- Blockchain: %lld blocks after genesis; %lld to %lld --\n", (long long)top,
               (long long)from, (long long)(from >= 9 ? from - 9 : 0));
        for (json_int_t h = from; h >= 0 && h > from - 10; h--) {
            json_t *hash = call(s, "getblockhash", json_pack("[I]", h));
            if (!hash)
                return;
            json_t *b = call(s, "getblock", json_pack("[Oi]", hash, 1));
            json_decref(hash);
            if (!b)
                return;
            char when[32];
            long long ntx = (long long)json_integer_value(json_object_get(b, "nTx"));
            printf("  #%-6lld %s  %s  %lld payment%s\n", (long long)h,
                   json_string_value(json_object_get(b, "hash")),
                   local_time(json_integer_value(json_object_get(b, "time")), when, sizeof when),
                   ntx, ntx == 1 ? "" : "s");
            json_decref(b);
        }
        char cmd[80];
        if (!ask("[n]ext older, [p]revious newer, a height or hash to open, empty to go back: ",
                 cmd, sizeof cmd, false) ||
            !cmd[0])
            return;
        long h;
        if (strcmp(cmd, "n") == 0) {
            from = from >= 10 ? from - 10 : from;
        } else if (strcmp(cmd, "p") == 0) {
            from = from + 10 <= top ? from + 10 : top;
        } else if ((h = number(cmd, 0, (long)top)) >= 0) {
            json_t *hash = call(s, "getblockhash", json_pack("[I]", (json_int_t)h));
            if (hash)
                show_block(s, hash);
            json_decref(hash);
        } else if (strlen(cmd) == 64) {
            json_t *hash = json_string(cmd);
            show_block(s, hash);
            json_decref(hash);
        } else {
            printf("  ! n, p, a height from 0 to %lld, or a block hash\n", (long long)top);
        }
    }
}

/* Export: the private key as WIF, shown once, after the password again. */
static void export_key(session *s)
{
    char pw[1100], ok[8];
    printf("\n-- Export key --\n  Anyone who sees this key can spend everything at %s.\n",
           s->address);
    if (!ask("Show it? [y/N] ", ok, sizeof ok, false) || (ok[0] != 'y' && ok[0] != 'Y') ||
        !ask("Password: ", pw, sizeof pw, true)) {
        printf("  Not shown.\n");
        return;
    }
    json_t *r = call(s, "exportkey", json_pack("[ss]", s->user, pw));
    sodium_memzero(pw, sizeof pw);
    if (r) {
        printf("  Your private key (WIF), shown this once:\n\n    %s\n\n", json_string_value(r));
        json_decref(r);
    }
}

/* Import: a WIF key replaces the account's key (its address changes). */
static void import_key(session *s)
{
    char wif[128], pw[1100], ok[8];
    printf("\n-- Import key --\n  The key replaces the one of %s; coins at %s stay there.\n",
           s->user, s->address);
    if (!ask("Private key (WIF): ", wif, sizeof wif, true) ||
        !ask("Replace the key? [y/N] ", ok, sizeof ok, false) || (ok[0] != 'y' && ok[0] != 'Y') ||
        !ask("Password: ", pw, sizeof pw, true)) {
        printf("  Nothing changed.\n");
        sodium_memzero(wif, sizeof wif);
        return;
    }
    json_t *r = call(s, "importkey", json_pack("[sss]", s->user, pw, wif));
    sodium_memzero(pw, sizeof pw);
    sodium_memzero(wif, sizeof wif);
    if (r) {
        const char *a = json_string_value(json_object_get(r, "address"));
        if (!a)
            a = json_string_value(r);
        if (a)
            snprintf(s->address, sizeof s->address, "%s", a);
        printf("  Imported. Your address is now %s\n", s->address);
        json_decref(r);
    }
}

/* The web view's port, from the node's coinbitd.ports (0 when off). */
static unsigned web_port(const session *s)
{
    char path[4200], line[64];
    snprintf(path, sizeof path, "%s/coinbitd.ports", s->datadir);
    FILE *f = fopen(path, "r");
    unsigned port = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "webport=%u", &port) == 1)
            break;
    if (f)
        fclose(f);
    return port;
}

/* One short line of how the node is: height, peers, the web view. */
static void status_line(session *s)
{
    json_int_t h = block_count(s);
    json_t *c = call(s, "getconnectioncount", json_array());
    long long peers = c ? (long long)json_integer_value(c) : 0;
    json_decref(c);
    unsigned w = web_port(s);
    printf("\n[%s] height %lld, %lld peer%s", s->user[0] ? s->user : "not signed in", (long long)h,
           peers, peers == 1 ? "" : "s");
    if (w)
        printf(", web view http://127.0.0.1:%u/", w);
    printf("\n");
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
        cfg.node.quiet = true; /* its log in debug.log, not across the menu */
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
    snprintf(s.datadir, sizeof s.datadir, "%s", datadir);
    s.tty = isatty(STDOUT_FILENO);
    /* Ctrl-C is ours from here (the node in this process would stop on
     * it): it stops mining, or ends the menu at a prompt. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    rl_catch_signals = 0;
    using_history();
    printf("Welcome to CoinBit (%s network%s)\n", p->name,
           s.node ? ", node running in this program" : ", using the running node");
    unsigned w = web_port(&s);
    if (w)
        printf("Watch it in a browser: http://127.0.0.1:%u/\n", w);
    char choice[16];
    for (;;) {
        if (interrupted)
            break;
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
        status_line(&s);
        printf(
            "1) Mine  2) Verify transactions  3) Create transaction  4) Display wallet\n"
            "5) Display blockchain  6) Peers  7) Export key  8) Import key  9) Logout  10) Exit\n");
        if (!ask("> ", choice, sizeof choice, false) || strcmp(choice, "10") == 0)
            break;
        switch (number(choice, 1, 10)) {
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
            export_key(&s);
            break;
        case 8:
            import_key(&s);
            break;
        case 9:
            s.user[0] = '\0';
            break;
        default:
            printf("  ! choose 1 to 10\n");
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
