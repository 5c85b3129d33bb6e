/* Miner hash rate: every SHA256d kernel this CPU runs, on 1 and 2
 * threads, beside OpenSSL's SHA-256 compressions per second measured in
 * the same run. A nonce costs two compressions (the midstate is shared),
 * so "x naive" compares each kernel with an OpenSSL search that runs at
 * OpenSSL's compression rate / 2. Each figure is the best of 3 rounds. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/block.h"
#include "core/params.h"
#include "crypto/hash.h"
#include "crypto/sha256d_scan.h"
#include "node/pow_search.h"

#define CHUNK 65536

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
    const cb_scan_impl *impl;
    cb_scan_template t;
    uint32_t start;
    double seconds;
    unsigned long long hashes;
    size_t candidates;
} job;

static void *run(void *arg)
{
    job *j = arg;
    uint32_t *out = malloc(CHUNK * sizeof *out);
    double end = now_seconds() + j->seconds;
    uint32_t w3 = j->start;
    while (now_seconds() < end) {
        j->candidates += j->impl->scan(&j->t, w3, CHUNK, out);
        w3 += CHUNK;
        j->hashes += CHUNK;
    }
    free(out);
    return NULL;
}

static double rate(const cb_scan_impl *impl, int threads, double seconds)
{
    uint8_t header[80], target[32];
    double best = 0;
    for (int i = 0; i < 80; i++)
        header[i] = (uint8_t)(i * 31 + 7);
    memset(target, 0, sizeof target);
    target[29] = 0xff; /* a target like the main network's limit */
    for (int round = 0; round < 3; round++) {
        pthread_t tid[8];
        job jobs[8];
        double start = now_seconds();
        for (int i = 0; i < threads; i++) {
            memset(&jobs[i], 0, sizeof jobs[i]);
            jobs[i].impl = impl;
            cb_scan_prepare(&jobs[i].t, header, target);
            jobs[i].start = (uint32_t)i << 28;
            jobs[i].seconds = seconds;
            pthread_create(&tid[i], NULL, run, &jobs[i]);
        }
        unsigned long long total = 0;
        for (int i = 0; i < threads; i++) {
            pthread_join(tid[i], NULL);
            total += jobs[i].hashes;
        }
        double r = (double)total / (now_seconds() - start);
        if (r > best)
            best = r;
    }
    return best;
}

static double openssl_compressions_per_second(void)
{
    static uint8_t buf[1 << 16];
    uint8_t out[32];
    double best = 0;
    for (int round = 0; round < 3; round++) {
        unsigned long long blocks = 0;
        double start = now_seconds(), end = start + 1.0;
        while (now_seconds() < end) {
            cb_sha256(out, buf, sizeof buf);
            buf[0] ^= out[0];
            blocks += sizeof buf / 64 + 1;
        }
        double r = (double)blocks / (now_seconds() - start);
        if (r > best)
            best = r;
    }
    return best;
}

typedef struct {
    atomic_int *stop;
    double seconds;
} timer_arg;

static void *stop_after(void *arg)
{
    timer_arg *t = arg;
    struct timespec d = {(time_t)t->seconds, (long)((t->seconds - (time_t)t->seconds) * 1e9)};
    nanosleep(&d, NULL);
    atomic_store(t->stop, 1);
    return NULL;
}

/* The node's search driver (cb_pow_search) on a header it will not solve
 * in time (Bitcoin's minimum difficulty, valid on main), stopped after
 * `seconds`: kernel, candidate checks and thread handling together. */
static double search_rate(unsigned threads, double seconds)
{
    cb_header h;
    memset(&h, 0, sizeof h);
    h.version = 1;
    h.time = 1795400000;
    h.bits = 0x1d00ffff;
    memset(h.merkle, 0x5a, sizeof h.merkle);
    atomic_int stop = 0;
    timer_arg ta = {&stop, seconds};
    cb_search_opts o = {cb_scan_best(), threads, &stop};
    pthread_t t;
    uint64_t hashes = 0;
    pthread_create(&t, NULL, stop_after, &ta);
    double start = now_seconds();
    cb_err err = cb_pow_search(cb_params_main(), &h, &o, &hashes);
    double dt = now_seconds() - start;
    pthread_join(t, NULL);
    (void)err; /* cancelled, or (rarely) lucky */
    return (double)hashes / dt;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 1.5;
    double ossl = openssl_compressions_per_second();
    printf("openssl_sha256_compressions_per_s  1 thread: %.2f M  (a naive SHA256d search: %.2f "
           "MH/s)\n",
           ossl / 1e6, ossl / 2e6);
    printf("%-10s %5s %14s %14s %8s %10s\n", "kernel", "lanes", "1 thread MH/s", "2 threads MH/s",
           "scaling", "x naive");
    for (const cb_scan_impl *k = cb_scan_impls(); k->name; k++) {
        if (!k->supported()) {
            printf("%-10s %5u   not supported on this CPU\n", k->name, k->lanes);
            continue;
        }
        double r1 = rate(k, 1, seconds), r2 = rate(k, 2, seconds);
        printf("%-10s %5u %14.2f %14.2f %7.2fx %9.2fx\n", k->name, k->lanes, r1 / 1e6, r2 / 1e6,
               r2 / r1, r1 / (ossl / 2));
    }
    printf("best kernel here: %s\n", cb_scan_best()->name);
    double s1 = search_rate(1, seconds), s2 = search_rate(2, seconds);
    printf("cb_pow_search (%s): 1 thread %.2f MH/s, 2 threads %.2f MH/s (%.2fx)\n",
           cb_scan_best()->name, s1 / 1e6, s2 / 1e6, s2 / s1);
    return 0;
}
