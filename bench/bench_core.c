/* Figures for the consensus core:
 *   - SHA256d of 80-byte headers per second (OpenSSL), 1 and 2 threads;
 *   - raw libsecp256k1 ECDSA verifications per second (parsed key and
 *     signature), beside our transaction path (parse 153 bytes, sighash,
 *     key and signature parsing, verify) in the same run.
 * Each figure is the best of three timed rounds of about a second. */
#include <pthread.h>
#include <secp256k1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/params.h"
#include "core/tx.h"
#include "crypto/hash.h"
#include "crypto/key.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
    double seconds;
    unsigned long long done;
    unsigned seed;
} hash_job;

static void *hash_headers(void *arg)
{
    hash_job *job = arg;
    uint8_t header[80] = {0}, out[32];
    header[0] = (uint8_t)job->seed;
    double end = now_seconds() + job->seconds;
    unsigned long long n = 0;
    while (now_seconds() < end) {
        for (uint32_t i = 0; i < 4096; i++) {
            memcpy(header + 76, &i, 4);
            cb_sha256d(out, header, 80);
            header[1] ^= out[0];
        }
        n += 4096;
    }
    job->done = n;
    return NULL;
}

static double headers_per_second(int threads)
{
    double best = 0;
    for (int round = 0; round < 3; round++) {
        pthread_t t[8];
        hash_job jobs[8];
        double start = now_seconds();
        for (int i = 0; i < threads; i++) {
            jobs[i] = (hash_job){1.0, 0, (unsigned)i};
            pthread_create(&t[i], NULL, hash_headers, &jobs[i]);
        }
        unsigned long long total = 0;
        for (int i = 0; i < threads; i++) {
            pthread_join(t[i], NULL);
            total += jobs[i].done;
        }
        double rate = (double)total / (now_seconds() - start);
        if (rate > best)
            best = rate;
    }
    return best;
}

#define NSIG 256

int main(void)
{
    const cb_params *p = cb_params_main();
    cb_keyctx *ctx = cb_keyctx_new();
    static uint8_t raw[NSIG][CB_TX_SIZE], hashes[NSIG][32];
    static secp256k1_pubkey keys[NSIG];
    static secp256k1_ecdsa_signature sigs[NSIG];
    if (!ctx)
        return 1;
    for (int i = 0; i < NSIG; i++) {
        uint8_t priv[32];
        cb_tx tx;
        memset(&tx, 0, sizeof tx);
        tx.version = 1;
        tx.amount = (uint64_t)i + 1;
        tx.fee = 1000;
        tx.recipient[0] = (uint8_t)i;
        if (cb_key_generate(priv) != CB_OK || cb_tx_sign(ctx, &tx, p->magic, priv) != CB_OK)
            return 1;
        cb_tx_serialize(raw[i], &tx);
        cb_tx_sighash(hashes[i], p->magic, &tx);
        if (!secp256k1_ec_pubkey_parse(secp256k1_context_static, &keys[i], tx.sender, 33) ||
            !secp256k1_ecdsa_signature_parse_compact(secp256k1_context_static, &sigs[i], tx.sig))
            return 1;
        cb_key_wipe(priv, sizeof priv);
    }

    double h1 = headers_per_second(1), h2 = headers_per_second(2);
    printf("sha256d_80B_headers_per_s  1 thread: %12.0f   2 threads: %12.0f  (x%.2f)\n", h1, h2,
           h2 / h1);

    double raw_rate = 0, tx_rate = 0;
    for (int round = 0; round < 3; round++) {
        unsigned long long n = 0;
        double start = now_seconds(), end = start + 1.0;
        while (now_seconds() < end) {
            for (int i = 0; i < NSIG; i++)
                if (!secp256k1_ecdsa_verify(secp256k1_context_static, &sigs[i], hashes[i],
                                            &keys[i]))
                    return 1;
            n += NSIG;
        }
        double r = (double)n / (now_seconds() - start);
        if (r > raw_rate)
            raw_rate = r;

        n = 0;
        start = now_seconds();
        end = start + 1.0;
        while (now_seconds() < end) {
            for (int i = 0; i < NSIG; i++) {
                cb_tx tx;
                if (cb_tx_parse(&tx, raw[i], CB_TX_SIZE) != CB_OK ||
                    cb_tx_verify(&tx, p->magic) != CB_OK)
                    return 1;
            }
            n += NSIG;
        }
        r = (double)n / (now_seconds() - start);
        if (r > tx_rate)
            tx_rate = r;
    }
    printf("ecdsa_verify_raw_per_s     1 thread: %12.0f\n", raw_rate);
    printf("tx_parse_verify_per_s      1 thread: %12.0f  (%.1f%% of raw)\n", tx_rate,
           100.0 * tx_rate / raw_rate);
    cb_keyctx_free(ctx);
    return 0;
}
