/* coinbit-tool: the consensus core from the command line, with no node.
 *
 *   coinbit-tool [-regtest|-network=NAME] info
 *   coinbit-tool [-regtest] newkey
 *   coinbit-tool [-regtest] decodeaddress ADDRESS
 *   coinbit-tool [-regtest] decodetx HEX
 *   coinbit-tool [-network=bitcoin] verifyheaders FILE
 *   coinbit-tool [-minerimpl=NAME] [-minethreads=N] mineheader HEX80
 *
 * Like bitcoin-tx beside bitcoind: it parses its input, calls the core and
 * prints what the core says, including the reject reason when it refuses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/address.h"
#include "core/amount.h"
#include "core/block.h"
#include "core/chain.h"
#include "core/hex.h"
#include "core/params.h"
#include "core/tx.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "crypto/sha256d_scan.h"
#include "node/pow_search.h"
#include "node/storecopy.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: coinbit-tool [options] COMMAND [ARGS]\n"
               "CoinBit's offline tool: keys, signed payments, decoding, header checks,\n"
               "mining one header, and copying a node's data between stores.\n"
               "Commands:\n"
               "  info                   network parameters and genesis block\n"
               "  newkey                 a new private key, its public key and address\n"
               "  copydb FROM TO         copy a node's data between stores (a SQLite path or\n"
               "                         mysql://...): blocks, wallet, users, peers\n"
               "  signtx WIF TO AMOUNT FEE NONCE [TIME]\n"
               "                         sign a payment offline; prints its hex\n"
               "  decodeaddress ADDRESS  the hash160 inside an address\n"
               "  decodetx HEX           a 153-byte transaction, checked and verified\n"
               "  verifyheaders FILE     validate a file of 80-byte headers from genesis\n"
               "  mineheader HEX         find a nonce for an 80-byte header (hex)\n"
               "Options:\n"
               "  -regtest               the regression-test network\n"
               "  -network=NAME          main, regtest or bitcoin (default main)\n"
               "  -minerimpl=NAME        avx512, shani, avx2 or portable (default: the\n"
               "                         fastest this CPU runs)\n"
               "  -minethreads=N         mining threads (default: all cores)\n"
               "  -version               print the version and exit\n"
               "  -help                  print this and exit\n");
}

static void print_amount(const char *label, uint64_t v)
{
    printf("%s%llu.%08llu CB\n", label, (unsigned long long)(v / CB_COIN),
           (unsigned long long)(v % CB_COIN));
}

static int cmd_info(const cb_params *p)
{
    uint8_t hash[32];
    char hex[65];
    cb_header g;
    cb_params_genesis_header(p, &g);
    cb_params_genesis_hash(p, hash);
    cb_hash_to_hex(hex, hash);
    printf("network:            %s\n", p->name);
    printf("magic:              %02x%02x%02x%02x\n", p->magic[0], p->magic[1], p->magic[2],
           p->magic[3]);
    printf("p2p/rpc port:       %u / %u\n", p->p2p_port, p->rpc_port);
    printf("address version:    0x%02x\n", p->address_version);
    printf("pow limit bits:     0x%08x\n", p->pow_limit_bits);
    printf("target spacing:     %u s\n", p->target_spacing);
    printf("retarget interval:  %u blocks\n", p->retarget_interval);
    if (p->halving_interval) {
        print_amount("initial subsidy:    ", p->initial_subsidy);
        printf("halving interval:   %u blocks\n", p->halving_interval);
    }
    printf("genesis hash:       %s\n", hex);
    printf("genesis time:       %u\n", g.time);
    printf("genesis nonce:      %u\n", g.nonce);
    return 0;
}

static int cmd_newkey(const cb_params *p)
{
    uint8_t priv[32], pub[33];
    char addr[CB_ADDRESS_MAX], wif[CB_WIF_MAX], hex[67];
    cb_keyctx *ctx = cb_keyctx_new();
    int rc = 1;
    if (!ctx) {
        fprintf(stderr, "error: cannot create a key context\n");
        return 1;
    }
    if (cb_key_generate(priv) != CB_OK || cb_key_public(ctx, pub, priv) != CB_OK ||
        cb_address_from_pubkey(p, addr, pub) != CB_OK || cb_wif_encode(p, wif, priv) != CB_OK) {
        fprintf(stderr, "error: key generation failed\n");
        goto done;
    }
    cb_hex_encode(hex, pub, 33);
    printf("address:    %s\n", addr);
    printf("public key: %s\n", hex);
    printf("private key (WIF, keep it secret): %s\n", wif);
    rc = 0;
done:
    cb_key_wipe(priv, sizeof priv);
    cb_key_wipe(wif, sizeof wif);
    cb_keyctx_free(ctx);
    return rc;
}

/* Signs a payment offline: the node is not asked, so any nonce can be
 * signed (a wallet's own tool, and the way tests make double spends). */
static int cmd_signtx(const cb_params *p, char **args)
{
    uint8_t priv[32];
    cb_tx tx;
    uint64_t nonce, t = (uint64_t)time(NULL);
    char *end;
    memset(&tx, 0, sizeof tx);
    tx.version = 1;
    cb_err err = cb_wif_decode(p, priv, args[0]);
    if (err != CB_OK) {
        fprintf(stderr, "error: the key is not a %s WIF key: %s\n", p->name, cb_strerror(err));
        return 1;
    }
    int rc = 1;
    cb_keyctx *ctx = cb_keyctx_new();
    errno = 0;
    nonce = strtoull(args[4], &end, 10);
    if (errno || *end || end == args[4] || args[4][0] == '-') {
        fprintf(stderr, "error: nonce '%s' is not a whole number\n", args[4]);
        goto done;
    }
    if (args[5]) {
        errno = 0;
        t = strtoull(args[5], &end, 10);
        if (errno || *end || end == args[5] || args[5][0] == '-') {
            fprintf(stderr, "error: time '%s' is not a whole number\n", args[5]);
            goto done;
        }
    }
    if ((err = cb_address_decode(p, tx.recipient, args[1])) != CB_OK) {
        fprintf(stderr, "error: recipient: %s\n", cb_strerror(err));
        goto done;
    }
    if (cb_amount_parse(args[2], &tx.amount) != CB_OK ||
        cb_amount_parse(args[3], &tx.fee) != CB_OK) {
        fprintf(stderr, "error: amount and fee are CB with at most 8 decimals\n");
        goto done;
    }
    tx.nonce = nonce;
    tx.time = t;
    if (!ctx || cb_tx_sign(ctx, &tx, p->magic, priv) != CB_OK) {
        fprintf(stderr, "error: signing failed\n");
        goto done;
    }
    uint8_t raw[CB_TX_SIZE];
    char hex[2 * CB_TX_SIZE + 1];
    cb_tx_serialize(raw, &tx);
    cb_hex_encode(hex, raw, sizeof raw);
    printf("%s\n", hex);
    rc = 0;
done:
    cb_key_wipe(priv, sizeof priv);
    cb_keyctx_free(ctx);
    return rc;
}

static int cmd_decodeaddress(const cb_params *p, const char *s)
{
    uint8_t h160[20];
    char hex[41];
    cb_err err = cb_address_decode(p, h160, s);
    if (err != CB_OK) {
        fprintf(stderr, "error: %s (%s)\n", cb_strerror(err), cb_err_reason(err));
        return 1;
    }
    cb_hex_encode(hex, h160, 20);
    printf("hash160: %s\n", hex);
    return 0;
}

static int cmd_decodetx(const cb_params *p, const char *s)
{
    uint8_t raw[4 * CB_TX_SIZE], id[32], h160[20];
    size_t n = 0;
    cb_tx tx;
    char hex[67], txid[65], addr[CB_ADDRESS_MAX];
    cb_err err = cb_hex_decode_any(raw, sizeof raw, &n, s);
    if (err == CB_OK)
        err = cb_tx_parse(&tx, raw, n);
    if (err != CB_OK) {
        fprintf(stderr, "error: %s (%s)\n", cb_strerror(err), cb_err_reason(err));
        return 1;
    }
    cb_tx_txid(id, &tx);
    cb_hash_to_hex(txid, id);
    printf("txid:      %s\n", txid);
    printf("version:   %u\n", tx.version);
    if (cb_tx_is_coinbase(&tx)) {
        printf("sender:    (coinbase)\n");
    } else {
        cb_hash160(h160, tx.sender, 33);
        if (cb_address_encode(p, addr, h160) == CB_OK)
            printf("sender:    %s\n", addr);
        cb_hex_encode(hex, tx.sender, 33);
        printf("sender key: %s\n", hex);
    }
    if (cb_address_encode(p, addr, tx.recipient) == CB_OK)
        printf("recipient: %s\n", addr);
    print_amount("amount:    ", tx.amount);
    print_amount("fee:       ", tx.fee);
    printf("nonce:     %llu\n", (unsigned long long)tx.nonce);
    printf("time:      %llu\n", (unsigned long long)tx.time);
    err = cb_tx_check(&tx);
    if (err == CB_OK && !cb_tx_is_coinbase(&tx))
        err = cb_tx_verify(&tx, p->magic);
    printf("valid:     %s\n", err == CB_OK ? "yes" : cb_err_reason(err));
    return err == CB_OK ? 0 : 2;
}

/* Copies a node's data between engines; the target is created when new.
 * COINBIT_DB_PASSWORD serves a MySQL uri without a password. */
static int cmd_copydb(const cb_params *p, const char *from_uri, const char *to_uri)
{
    cb_store *from = NULL, *to = NULL;
    char msg[512], shown_from[600], shown_to[600];
    const char *pw = getenv("COINBIT_DB_PASSWORD");
    int rc = 1;
    cb_store_uri_redact(shown_from, sizeof shown_from, from_uri);
    cb_store_uri_redact(shown_to, sizeof shown_to, to_uri);
    if (cb_store_open_auth(&from, p, from_uri, pw, msg, sizeof msg) != CB_OK) {
        fprintf(stderr, "error: source: %s\n", msg);
        return 1;
    }
    if (cb_store_open_auth(&to, p, to_uri, pw, msg, sizeof msg) != CB_OK) {
        fprintf(stderr, "error: target: %s\n", msg);
        goto done;
    }
    cb_copy_report r;
    cb_err err = cb_store_copy(p, from, to, (int64_t)time(NULL), &r);
    if (err != CB_OK) {
        fprintf(stderr, "error: copy stopped: %s (source: %s; target: %s)\n", cb_strerror(err),
                cb_store_last_error(from), cb_store_last_error(to));
        goto done;
    }
    printf("copied %s (%s) to %s (%s): %zu blocks, tip height %u, %zu users, %zu peers\n",
           shown_from, cb_store_engine(from), shown_to, cb_store_engine(to), r.blocks, r.tip_height,
           r.users, r.peers);
    if (r.refused)
        printf("%zu stored blocks were refused by the rules and not copied\n", r.refused);
    rc = 0;
done:
    cb_store_close(from);
    cb_store_close(to);
    return rc;
}

static int cmd_verifyheaders(const cb_params *p, const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t buf[80];
    size_t height = 0;
    int rc = 0;
    if (!f) {
        fprintf(stderr, "error: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    cb_chain *c = cb_chain_new(p, (uint64_t)time(NULL));
    if (!c) {
        fclose(f);
        fprintf(stderr, "error: out of memory\n");
        return 1;
    }
    if (fread(buf, 1, 80, f) != 80) {
        fprintf(stderr, "error: %s holds no header\n", path);
        rc = 1;
        goto done;
    }
    cb_header h;
    cb_header_parse(&h, buf);
    uint8_t hash[32];
    cb_header_hash(hash, &h);
    if (memcmp(hash, cb_chain_tip(c)->hash, 32) != 0) {
        fprintf(stderr, "error: header 0 is not the %s genesis\n", p->name);
        rc = 2;
        goto done;
    }
    int64_t now = (int64_t)time(NULL);
    size_t got;
    while ((got = fread(buf, 1, 80, f)) == 80) {
        height++;
        cb_header_parse(&h, buf);
        cb_err err = cb_chain_accept_header(c, &h, now, NULL);
        if (err != CB_OK) {
            fprintf(stderr, "header %zu refused: %s (%s)\n", height, cb_err_reason(err),
                    cb_strerror(err));
            rc = 2;
            goto done;
        }
    }
    if (got != 0) {
        fprintf(stderr, "error: %zu stray bytes after header %zu\n", got, height);
        rc = 2;
    }
done:
    if (rc == 0 || rc == 2) {
        char hex[65];
        const cb_chain_entry *best = cb_chain_best_header(c);
        cb_hash_to_hex(hex, best->hash);
        printf("valid headers: %u\nbest hash:     %s\nbest bits:     0x%08x\n", best->height, hex,
               best->header.bits);
    }
    cb_chain_free(c);
    fclose(f);
    return rc;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmd_mineheader(const cb_params *p, const char *hex, const cb_search_opts *opts)
{
    uint8_t raw[2 * CB_HEADER_SIZE], hash[32];
    size_t n = 0;
    cb_header h;
    char out[2 * CB_HEADER_SIZE + 1], hh[65];
    cb_err err = cb_hex_decode_any(raw, sizeof raw, &n, hex);
    if (err == CB_OK && n != CB_HEADER_SIZE)
        err = n < CB_HEADER_SIZE ? CB_ERR_TRUNCATED : CB_ERR_TRAILING;
    if (err != CB_OK) {
        fprintf(stderr, "error: a header is 80 bytes of hex: %s (%s)\n", cb_strerror(err),
                cb_err_reason(err));
        return 1;
    }
    cb_header_parse(&h, raw);
    uint64_t hashes = 0;
    double t0 = seconds_now();
    err = cb_pow_search(p, &h, opts, &hashes);
    double dt = seconds_now() - t0;
    if (err != CB_OK) {
        fprintf(stderr, "error: %s (%s)\n", cb_strerror(err), cb_err_reason(err));
        return 2;
    }
    cb_header_serialize(raw, &h);
    cb_hex_encode(out, raw, CB_HEADER_SIZE);
    cb_header_hash(hash, &h);
    cb_hash_to_hex(hh, hash);
    printf("kernel:  %s x %u thread%s\n", opts->impl->name, opts->threads,
           opts->threads == 1 ? "" : "s");
    printf("nonce:   %u\n", h.nonce);
    printf("hash:    %s\n", hh);
    printf("header:  %s\n", out);
    printf("tried:   %llu nonces in %.3f s (%.2f MH/s)\n", (unsigned long long)hashes, dt,
           dt > 0 ? (double)hashes / dt / 1e6 : 0.0);
    return 0;
}

/* Parses a whole decimal number in [min, max]. Returns: 0 on success. */
static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end != '\0' || s[0] == '-' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    const cb_params *p = cb_params_main();
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cb_search_opts mine = {cb_scan_best(), cores > 0 ? (unsigned)cores : 1, NULL};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-regtest") == 0) {
            p = cb_params_regtest();
        } else if (strncmp(argv[i], "-network=", 9) == 0) {
            p = cb_params_by_name(argv[i] + 9);
            if (!p) {
                fprintf(stderr, "error: unknown network '%s'\n", argv[i] + 9);
                return 1;
            }
        } else if (strncmp(argv[i], "-minerimpl=", 11) == 0) {
            mine.impl = cb_scan_by_name(argv[i] + 11);
            if (!mine.impl) {
                fprintf(stderr, "error: miner kernel '%s' is unknown or this CPU cannot run it\n",
                        argv[i] + 11);
                return 1;
            }
        } else if (strncmp(argv[i], "-minethreads=", 13) == 0) {
            unsigned long v;
            if (parse_uint(argv[i] + 13, 1, 64, &v) != 0) {
                fprintf(stderr, "error: -minethreads takes a number from 1 to 64\n");
                return 1;
            }
            mine.threads = (unsigned)v;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "-help") == 0 ||
                   strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "-version") == 0 || strcmp(argv[i], "--version") == 0) {
            printf("coinbit-tool (CoinBit) %s\n", CB_VERSION_STRING);
            return 0;
        } else {
            fprintf(stderr, "error: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 1;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 1;
    }
    const char *cmd = argv[i];
    int nargs = argc - i - 1;
    if (strcmp(cmd, "info") == 0 && nargs == 0)
        return cmd_info(p);
    if (strcmp(cmd, "newkey") == 0 && nargs == 0)
        return cmd_newkey(p);
    if (strcmp(cmd, "decodeaddress") == 0 && nargs == 1)
        return cmd_decodeaddress(p, argv[i + 1]);
    if (strcmp(cmd, "decodetx") == 0 && nargs == 1)
        return cmd_decodetx(p, argv[i + 1]);
    if (strcmp(cmd, "verifyheaders") == 0 && nargs == 1)
        return cmd_verifyheaders(p, argv[i + 1]);
    if (strcmp(cmd, "signtx") == 0 && (nargs == 5 || nargs == 6)) {
        char *args[6] = {NULL};
        for (int k = 0; k < nargs; k++)
            args[k] = argv[i + 1 + k];
        return cmd_signtx(p, args);
    }
    if (strcmp(cmd, "copydb") == 0 && nargs == 2)
        return cmd_copydb(p, argv[i + 1], argv[i + 2]);
    if (strcmp(cmd, "mineheader") == 0 && nargs == 1)
        return cmd_mineheader(p, argv[i + 1], &mine);
    fprintf(stderr, "error: unknown command or wrong arguments: %s\n", cmd);
    usage(stderr);
    return 1;
}
