#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/validation.h"
#include "store/store_backend.h"

/* A write the writer thread has yet to make (write-behind). */
typedef struct write_op {
    struct write_op *next;
    enum { OP_PUT, OP_CONNECT, OP_DISCONNECT } kind;
    uint8_t hash[32];
    uint32_t height;
    cb_block block;
    cb_undo undo;
    cb_accounts *values; /* OP_CONNECT: the journal's accounts after the block */
    size_t bytes;        /* what the copy holds, about (op_bytes) */
} write_op;

struct cb_store {
    const cb_store_backend *ops;
    void *h;
    /* Write-behind (cb_store_write_behind): the queue, the writer, and
     * the first error it met, kept for every later call. */
    bool behind;
    pthread_t writer;
    pthread_mutex_t mu;
    pthread_cond_t work, idle;
    write_op *head, *tail;
    size_t queued, max_queued;
    size_t queued_bytes, max_bytes;
    size_t peak_queued, peak_bytes;
    bool writing, stopping;
    int waiting;                /* callers waiting for the writer: no write is held back */
    struct timespec last_batch; /* when the last batch was made */
    int held; /* callers using the engine (a walk's callback may call again): no idle work */
    cb_err failed;
    char failed_why[256];
};

/* How long a lost server is waited for before the store gives up. */
#define RETRY_SECONDS 120

typedef struct {
    bool started;
    struct timespec t0;
    long delay_ms;
} retry;

/* After an operation: whether to run it again. Only when its engine lost
 * its server (not when the statement failed), after reconnecting with a
 * backoff of 0.1 s doubling to 5 s; past RETRY_SECONDS the store gives up
 * with CB_ERR_STORE and a message saying so. Every engine operation is
 * safe to run twice, so a retry loses and duplicates nothing. */
static bool again(cb_store *s, retry *r, cb_err err)
{
    if (err != CB_ERR_STORE || !s->ops->lost || !s->ops->lost(s->h))
        return false;
    if (!r->started) {
        clock_gettime(CLOCK_MONOTONIC, &r->t0);
        r->delay_ms = 100;
        r->started = true;
    }
    for (;;) {
        fprintf(stderr, "store: lost the %s server (%s); reconnecting\n", s->ops->server,
                s->ops->last_error(s->h));
        struct timespec ts = {r->delay_ms / 1000, (r->delay_ms % 1000) * 1000000L}, now;
        nanosleep(&ts, NULL);
        if (s->ops->reconnect(s->h) == CB_OK)
            return true;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - r->t0.tv_sec > RETRY_SECONDS) {
            char text[128];
            snprintf(text, sizeof text,
                     "the %s server has been unreachable for over %d s; giving up", s->ops->server,
                     RETRY_SECONDS);
            s->ops->set_error(s->h, text);
            return false;
        }
        r->delay_ms = r->delay_ms * 2 > 5000 ? 5000 : r->delay_ms * 2;
    }
}

static cb_err drain(cb_store *s);
static cb_err hold(cb_store *s);
static void let_go(cb_store *s);

/* Runs one engine call (an expression setting nothing else), again while
 * again() says so; the verdict is left in `err`. The writes queued
 * behind are made first, so every call sees them (and a failed one's
 * error stops every later call). */
#define RETRY(s, call)                                                                             \
    do {                                                                                           \
        err = hold(s);                                                                             \
        if (err != CB_OK)                                                                          \
            break;                                                                                 \
        RUN(s, call);                                                                              \
        let_go(s);                                                                                 \
    } while (0)

/* RETRY without waiting for the queue: the writer's own calls. */
#define RUN(s, call)                                                                               \
    do {                                                                                           \
        retry r_ = {false, {0, 0}, 0};                                                             \
        do                                                                                         \
            err = (call);                                                                          \
        while (again((s), &r_, err));                                                              \
        if (r_.started && err == CB_OK)                                                            \
            fprintf(stderr, "store: %s server back; carrying on\n", (s)->ops->server);             \
    } while (0)

/* ---- write-behind ---- */

static void free_op(write_op *op)
{
    cb_block_clear(&op->block);
    cb_undo_clear(&op->undo);
    cb_accounts_free(op->values);
    free(op);
}

/* One queued write, once, on the writer thread, unlocked. */
static cb_err make_one(cb_store *s, const write_op *op)
{
    switch (op->kind) {
    case OP_PUT:
        return s->ops->put_block(s->h, op->hash, op->height, &op->block);
    case OP_CONNECT:
        return s->ops->connect(s->h, op->hash, op->height, &op->block, &op->undo, op->values);
    case OP_DISCONNECT:
        return s->ops->disconnect(s->h, op->hash, &op->block);
    }
    return CB_ERR_ARG;
}

/* The same, run again while its engine's server comes back. */
static cb_err make_write(cb_store *s, const write_op *op)
{
    cb_err err;
    RUN(s, make_one(s, op));
    return err;
}

/* Makes ops first.. (n of them) in order: as one batch where the engine
 * has them (one commit, one sync for all), else one by one. Stops at the
 * first failure; what went before it stays. A batch whose server went
 * away inside it is made again write by write (each retried as ever):
 * either it was all lost, or its commit went through and each write,
 * run again in order, finds itself done or leaves what it left. So is a
 * batch a failed write undid whole (batch_undone). */
static cb_err make_writes(cb_store *s, write_op *first, size_t n)
{
    cb_err err = s->failed;
    bool batch = err == CB_OK && n > 1 && s->ops->batch_begin;
    if (batch)
        err = s->ops->batch_begin(s->h);
    write_op *op = first;
    for (size_t k = 0; k < n && err == CB_OK; k++) {
        err = batch ? make_one(s, op) : make_write(s, op);
        if (k + 1 < n) /* the last one's next may be being set: not read */
            op = op->next;
    }
    if (batch) {
        cb_err cerr = s->ops->batch_end(s->h);
        if (err == CB_OK)
            err = cerr;
        bool undone = s->ops->batch_undone && s->ops->batch_undone(s->h);
        if (err == CB_ERR_STORE && (undone || (s->ops->lost && s->ops->lost(s->h)))) {
            err = CB_OK;
            op = first;
            for (size_t k = 0; k < n && err == CB_OK; k++) {
                err = make_write(s, op);
                if (k + 1 < n)
                    op = op->next;
            }
        }
    }
    return err;
}

/* Waits (holding s->mu) for a write, or for QUIET_MS without one when
 * the engine has work put off (then *quiet is set). */
#define QUIET_MS 500
static void wait_work(cb_store *s, bool put_off, bool *quiet)
{
    *quiet = false;
    if (!put_off || !s->ops->idle) {
        while (!s->head && !s->stopping)
            pthread_cond_wait(&s->work, &s->mu);
        return;
    }
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += QUIET_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    while (!s->head && !s->stopping)
        if (pthread_cond_timedwait(&s->work, &s->mu, &until) != 0) {
            *quiet = !s->head && !s->stopping && s->held == 0;
            return;
        }
}

/* Group commit. While writes come in a stream (a sync, one block after
 * another) the writer gathers them into batches of up to half the queue
 * (in writes or in bytes),
 * waiting up to GROUP_MS since its last batch: one commit and one sync
 * for the lot, and the pages that every step touches (the accounts, the
 * indexes' last pages) written once, not once a block. A write that
 * comes after a quiet spell, or one that a caller waits for (any read,
 * a flush, a full queue), goes at once. Batches go in order, so a crash
 * keeps a prefix of the writes. */
#define GROUP_MS 100

static long ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t->tv_sec) * 1000L + (now.tv_nsec - t->tv_nsec) / 1000000L;
}

/* Holding s->mu, with a write queued: waits while more may join it. */
static void gather(cb_store *s)
{
    struct timespec until = s->last_batch;
    until.tv_nsec += GROUP_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    while (!s->stopping && s->waiting == 0 && s->queued < s->max_queued / 2 &&
           s->queued_bytes < s->max_bytes / 2 && ms_since(&s->last_batch) < GROUP_MS)
        if (pthread_cond_timedwait(&s->work, &s->mu, &until) != 0)
            return;
}

static void *writer_main(void *arg)
{
    cb_store *s = arg;
    bool put_off = false; /* written since the engine's idle work last ran */
    pthread_mutex_lock(&s->mu);
    for (;;) {
        bool quiet;
        wait_work(s, put_off, &quiet);
        if (quiet) {
            /* The engine's put-off work, while nothing waits; a store
             * call waits for it as for a write. Its failure is not a
             * write's: what it would have made is still answered. */
            bool whole = s->failed == CB_OK;
            s->writing = true;
            pthread_mutex_unlock(&s->mu);
            if (whole)
                (void)s->ops->idle(s->h);
            pthread_mutex_lock(&s->mu);
            s->writing = false;
            put_off = false;
            pthread_cond_broadcast(&s->idle);
            continue;
        }
        if (!s->head) {
            if (s->stopping)
                break;
            continue; /* quiet while a caller held the engine: wait again */
        }
        gather(s);
        /* Whatever is queued now goes as one batch. */
        write_op *first = s->head;
        size_t n = s->queued;
        s->writing = true;
        put_off = true;
        pthread_mutex_unlock(&s->mu);
        /* After a failure nothing more is written: the store stays at the
         * last step it made, whole. */
        cb_err err = make_writes(s, first, n);
        pthread_mutex_lock(&s->mu);
        if (err != CB_OK && s->failed == CB_OK) {
            s->failed = err;
            snprintf(s->failed_why, sizeof s->failed_why, "%s", s->ops->last_error(s->h));
        }
        for (size_t k = 0; k < n; k++) {
            write_op *op = s->head;
            s->head = op->next;
            s->queued_bytes -= op->bytes;
            free_op(op);
        }
        if (!s->head)
            s->tail = NULL;
        s->queued -= n;
        s->writing = false;
        clock_gettime(CLOCK_MONOTONIC, &s->last_batch);
        pthread_cond_broadcast(&s->idle);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Waits until the writer has made every queued write (and finished any
 * idle work); with keep, then holds the engine for the caller (no idle
 * work starts) until let_go. Returns: CB_OK, or the error of the first
 * write that failed (for good); then nothing is held. */
static cb_err wait_writer(cb_store *s, bool keep)
{
    if (!s->behind)
        return CB_OK;
    pthread_mutex_lock(&s->mu);
    s->waiting++;
    pthread_cond_signal(&s->work); /* a gathering writer goes now */
    while (s->head || s->writing)
        pthread_cond_wait(&s->idle, &s->mu);
    s->waiting--;
    cb_err err = s->failed;
    if (keep && err == CB_OK)
        s->held++;
    pthread_mutex_unlock(&s->mu);
    return err;
}

static cb_err drain(cb_store *s)
{
    return wait_writer(s, false);
}

static cb_err hold(cb_store *s)
{
    return wait_writer(s, true);
}

static void let_go(cb_store *s)
{
    if (!s->behind)
        return;
    pthread_mutex_lock(&s->mu);
    s->held--;
    pthread_mutex_unlock(&s->mu);
}

/* About the memory a queued write holds: the op, its block's
 * transactions, its journal and the accounts' values (an entry of the
 * map counted at twice its key and value). */
static size_t op_bytes(const write_op *op)
{
    return sizeof *op + op->block.ntx * sizeof(cb_tx) + op->undo.cap * sizeof(cb_undo_entry) +
           op->undo.n * 2 * (20 + sizeof(cb_account));
}

/* Whether the queue has no room for a write of `bytes`: it holds
 * max_queued writes, or the write would take it past max_bytes (a write
 * bigger than that alone still goes, into an empty queue). */
static bool full(const cb_store *s, size_t bytes)
{
    return s->queued >= s->max_queued || (s->queued > 0 && s->queued_bytes + bytes > s->max_bytes);
}

/* Queues a write (the op is the store's now), waiting while the queue is
 * full. Returns: CB_OK, or an earlier write's error (op freed). */
static cb_err enqueue(cb_store *s, write_op *op)
{
    op->bytes = op_bytes(op);
    pthread_mutex_lock(&s->mu);
    if (full(s, op->bytes)) {
        s->waiting++;
        pthread_cond_signal(&s->work);
        while (full(s, op->bytes) && s->failed == CB_OK)
            pthread_cond_wait(&s->idle, &s->mu);
        s->waiting--;
    }
    cb_err err = s->failed;
    if (err == CB_OK) {
        op->next = NULL;
        if (s->tail)
            s->tail->next = op;
        else
            s->head = op;
        s->tail = op;
        s->queued++;
        s->queued_bytes += op->bytes;
        if (s->queued > s->peak_queued)
            s->peak_queued = s->queued;
        if (s->queued_bytes > s->peak_bytes)
            s->peak_bytes = s->queued_bytes;
        pthread_cond_signal(&s->work);
    }
    pthread_mutex_unlock(&s->mu);
    if (err != CB_OK)
        free_op(op);
    return err;
}

/* A queued copy of a write's arguments. Returns: the op, or NULL (memory). */
static write_op *new_op(int kind, const uint8_t hash[32], uint32_t height, const cb_block *b)
{
    write_op *op = calloc(1, sizeof *op);
    if (!op)
        return NULL;
    op->kind = kind;
    memcpy(op->hash, hash, 32);
    op->height = height;
    cb_block_init(&op->block);
    cb_undo_init(&op->undo);
    if (cb_block_copy(&op->block, b) != CB_OK) {
        free_op(op);
        return NULL;
    }
    return op;
}

cb_err cb_store_write_behind(cb_store *s, size_t max_queued, size_t max_bytes)
{
    if (s->behind || max_queued == 0)
        return CB_OK;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&s->work, &monotonic);
    pthread_condattr_destroy(&monotonic);
    pthread_cond_init(&s->idle, NULL);
    s->max_queued = max_queued;
    s->max_bytes = max_bytes;
    if (pthread_create(&s->writer, NULL, writer_main, s) != 0) {
        pthread_cond_destroy(&s->work);
        pthread_cond_destroy(&s->idle);
        pthread_mutex_destroy(&s->mu);
        return CB_ERR_THREAD;
    }
    s->behind = true;
    return CB_OK;
}

void cb_store_queue_stats(cb_store *s, cb_store_queue *out)
{
    memset(out, 0, sizeof *out);
    if (!s->behind)
        return;
    pthread_mutex_lock(&s->mu);
    *out = (cb_store_queue){s->queued,     s->queued_bytes, s->peak_queued,
                            s->peak_bytes, s->max_queued,   s->max_bytes};
    pthread_mutex_unlock(&s->mu);
}

cb_err cb_store_flush(cb_store *s)
{
    return drain(s);
}

cb_err cb_store_failed(cb_store *s)
{
    if (!s->behind)
        return CB_OK;
    pthread_mutex_lock(&s->mu);
    cb_err err = s->failed;
    pthread_mutex_unlock(&s->mu);
    return err;
}

/* Ends write-behind: the queue made (or, after a failure, dropped), the
 * writer joined. */
static void stop_behind(cb_store *s)
{
    if (!s->behind)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->writer, NULL);
    pthread_cond_destroy(&s->work);
    pthread_cond_destroy(&s->idle);
    pthread_mutex_destroy(&s->mu);
    s->behind = false;
}

static cb_err get_meta(cb_store *s, const char *key, char *out, size_t cap, bool *found)
{
    cb_err err;
    RETRY(s, s->ops->get_meta(s->h, key, out, cap, found));
    return err;
}

static cb_err set_meta(cb_store *s, const char *key, const char *value)
{
    cb_err err;
    RETRY(s, s->ops->set_meta(s->h, key, value));
    return err;
}

/* On an empty store: connects the genesis block, then records the network
 * and schema. The network is written last, so a store only counts as set
 * up when all of it is there; a crash before that repeats this, and every
 * step here may run twice. */
static cb_err init_new(cb_store *s, const cb_params *p)
{
    cb_block g;
    cb_undo undo;
    uint8_t hash[32];
    size_t bad;
    char v[16];
    cb_accounts *state = cb_accounts_new(0);
    if (!state)
        return CB_ERR_NOMEM;
    cb_undo_init(&undo);
    cb_err err = CB_OK;
    if (p->has_genesis_block) {
        err = cb_params_genesis_block(p, &g);
        if (err == CB_OK) {
            cb_header_hash(hash, &g.header);
            err = cb_block_connect(p, state, &undo, &g, 0, &bad);
            if (err == CB_OK)
                err = cb_store_connect(s, hash, 0, &g, &undo, state);
            cb_block_clear(&g);
        }
    }
    snprintf(v, sizeof v, "%d", CB_STORE_SCHEMA_VERSION);
    if (err == CB_OK)
        err = set_meta(s, "schema_version", v);
    if (err == CB_OK)
        err = set_meta(s, "network", p->name);
    cb_undo_clear(&undo);
    cb_accounts_free(state);
    return err;
}

/* A store of this network and schema, or an empty one set up now. */
static cb_err check_or_init(cb_store *s, const cb_params *p, const char *shown, char *msg,
                            size_t msglen)
{
    char value[64];
    bool found = false;
    cb_err err = get_meta(s, "network", value, sizeof value, &found);
    if (err == CB_OK && !found)
        return init_new(s, p);
    if (err == CB_OK && strcmp(value, p->name) != 0) {
        snprintf(msg, msglen, "database %s belongs to network '%s', not '%s'", shown, value,
                 p->name);
        return CB_ERR_STORE;
    }
    if (err == CB_OK)
        err = get_meta(s, "schema_version", value, sizeof value, &found);
    if (err != CB_OK)
        return err;
    char *end = NULL;
    long version = found ? strtol(value, &end, 10) : -1;
    if (!found || end == value || *end || version != CB_STORE_SCHEMA_VERSION) {
        snprintf(msg, msglen, "database %s has schema version %s; this CoinBit reads %d", shown,
                 found ? value : "(none)", CB_STORE_SCHEMA_VERSION);
        return CB_ERR_STORE;
    }
    return CB_OK;
}

const char *cb_store_uri_at(const char *authority)
{
    const char *query = strchr(authority, '?');
    const char *at = NULL;
    for (const char *c = authority; *c && (!query || c < query); c++)
        if (*c == '@')
            at = c;
    return at;
}

void cb_store_uri_redact(char *out, size_t cap, const char *uri)
{
    const char *scheme = strstr(uri, "://");
    const char *at = scheme ? cb_store_uri_at(scheme + 3) : NULL;
    const char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
    if (!colon) {
        snprintf(out, cap, "%s", uri);
        return;
    }
    snprintf(out, cap, "%.*s:***%s", (int)(colon - uri), uri, at);
}

cb_err cb_store_open_auth(cb_store **out, const cb_params *p, const char *uri, const char *password,
                          char *msg, size_t msglen)
{
    char shown[600];
    *out = NULL;
    msg[0] = '\0';
    if (!uri || !*uri) {
        snprintf(msg, msglen, "no database given");
        return CB_ERR_ARG;
    }
    cb_store_uri_redact(shown, sizeof shown, uri);
    cb_store *s = calloc(1, sizeof *s);
    if (!s)
        return CB_ERR_NOMEM;
    cb_err err;
    if (strncmp(uri, "mysql://", 8) == 0) {
        err = cb_store_mysql_open(&s->h, &s->ops, p, uri, password, msg, msglen);
    } else if (strstr(uri, "://")) {
        snprintf(msg, msglen,
                 "unsupported database '%.*s': use a file path, sqlite:PATH or mysql://...",
                 (int)(strstr(uri, "://") - uri), uri);
        err = CB_ERR_ARG;
    } else {
        const char *path = strncmp(uri, "sqlite:", 7) == 0 ? uri + 7 : uri;
        err = cb_store_sqlite_open(&s->h, &s->ops, p, path, msg, msglen);
    }
    if (err != CB_OK) {
        free(s);
        return err;
    }
    err = check_or_init(s, p, shown, msg, msglen);
    if (err != CB_OK) {
        if (!msg[0])
            snprintf(msg, msglen, "database %s: %s", shown, s->ops->last_error(s->h));
        cb_store_close(s);
        return err;
    }
    *out = s;
    return CB_OK;
}

cb_err cb_store_open(cb_store **out, const cb_params *p, const char *uri, char *msg, size_t msglen)
{
    return cb_store_open_auth(out, p, uri, NULL, msg, msglen);
}

const char *cb_store_engine(const cb_store *s)
{
    return s->ops->name;
}

cb_err cb_store_foreach_user(cb_store *s, cb_store_user_fn fn, void *ctx)
{
    cb_store_cursor cursor = {false, 0, 0, 0, ""};
    cb_err err;
    RETRY(s, s->ops->foreach_user(s->h, &cursor, fn, ctx));
    return err;
}

void cb_store_release_memory(cb_store *s)
{
    if (s->ops->release_memory && hold(s) == CB_OK) {
        s->ops->release_memory(s->h);
        let_go(s);
    }
}

void cb_store_close(cb_store *s)
{
    if (!s)
        return;
    stop_behind(s);
    s->ops->close(s->h);
    free(s);
}

const char *cb_store_last_error(const cb_store *s)
{
    cb_store *w = (cb_store *)s;
    if (drain(w) != CB_OK)
        return w->failed_why; /* the writer's error stays the one to tell */
    return s->ops->last_error(s->h);
}

cb_err cb_store_put_block(cb_store *s, const uint8_t hash[32], uint32_t height, const cb_block *b)
{
    cb_err err;
    if (s->behind) {
        write_op *op = new_op(OP_PUT, hash, height, b);
        return op ? enqueue(s, op) : CB_ERR_NOMEM;
    }
    RETRY(s, s->ops->put_block(s->h, hash, height, b));
    return err;
}

cb_err cb_store_connect(cb_store *s, const uint8_t hash[32], uint32_t height, const cb_block *b,
                        const cb_undo *undo, const cb_accounts *state)
{
    cb_err err;
    if (s->behind) {
        /* The state moves on: the journal's accounts are taken as they
         * are now, the values this step writes. */
        write_op *op = new_op(OP_CONNECT, hash, height, b);
        if (!op)
            return CB_ERR_NOMEM;
        op->values = cb_accounts_new(height);
        err = op->values ? CB_OK : CB_ERR_NOMEM;
        if (err == CB_OK && undo->n) {
            uint8_t *raw = NULL;
            size_t len = 0;
            err = cb_undo_serialize(undo, &raw, &len);
            if (err == CB_OK)
                err = cb_undo_parse(&op->undo, raw, len);
            free(raw);
        }
        for (size_t i = 0; err == CB_OK && i < undo->n; i++) {
            cb_account a;
            cb_accounts_get(state, undo->entries[i].id, &a);
            err = cb_accounts_set(op->values, undo->entries[i].id, &a);
        }
        if (err != CB_OK) {
            free_op(op);
            return err;
        }
        return enqueue(s, op);
    }
    RETRY(s, s->ops->connect(s->h, hash, height, b, undo, state));
    return err;
}

cb_err cb_store_disconnect(cb_store *s, const uint8_t hash[32], const cb_block *b)
{
    cb_err err;
    if (s->behind) {
        write_op *op = new_op(OP_DISCONNECT, hash, 0, b);
        return op ? enqueue(s, op) : CB_ERR_NOMEM;
    }
    RETRY(s, s->ops->disconnect(s->h, hash, b));
    return err;
}

cb_err cb_store_foreach_block(cb_store *s, cb_store_block_fn fn, void *ctx)
{
    cb_store_cursor cursor = {false, 0, 0, 0, ""};
    cb_err err;
    RETRY(s, s->ops->foreach_block(s->h, &cursor, fn, ctx));
    return err;
}

cb_err cb_store_foreach_header(cb_store *s, cb_store_header_fn fn, void *ctx)
{
    cb_store_cursor cursor = {false, 0, 0, 0, ""};
    cb_err err;
    RETRY(s, s->ops->foreach_header(s->h, &cursor, fn, ctx));
    return err;
}

cb_err cb_store_mark_invalid(cb_store *s, const uint8_t hash[32], const char *reason)
{
    cb_err err;
    RETRY(s, s->ops->mark_invalid(s->h, hash, reason));
    return err;
}

/* The marks are few (each a block with proof of work that broke a
 * rule): one pass, not resumed. */
cb_err cb_store_foreach_invalid(cb_store *s, cb_store_hash_fn fn, void *ctx)
{
    cb_err err;
    RETRY(s, s->ops->foreach_invalid(s->h, fn, ctx));
    return err;
}

cb_err cb_store_get_block(cb_store *s, const uint8_t hash[32], cb_block *out)
{
    cb_err err;
    RETRY(s, s->ops->get_block(s->h, hash, out));
    return err;
}

cb_err cb_store_tip(cb_store *s, uint8_t hash[32], uint32_t *height)
{
    cb_err err;
    RETRY(s, s->ops->tip(s->h, hash, height));
    return err;
}

cb_err cb_store_get_undo(cb_store *s, const uint8_t hash[32], cb_undo *out)
{
    cb_err err;
    RETRY(s, (cb_undo_clear(out), s->ops->get_undo(s->h, hash, out)));
    return err;
}

cb_err cb_store_reset_chain(cb_store *s)
{
    cb_err err;
    RETRY(s, s->ops->reset_chain(s->h));
    return err;
}

cb_err cb_store_get_account(cb_store *s, const uint8_t id[20], cb_account *out)
{
    cb_err err;
    RETRY(s, s->ops->get_account(s->h, id, out));
    return err;
}

cb_err cb_store_load_accounts(cb_store *s, cb_accounts *out)
{
    cb_err err;
    RETRY(s, s->ops->load_accounts(s->h, out));
    return err;
}

cb_err cb_store_replace_accounts(cb_store *s, const cb_accounts *state)
{
    cb_err err;
    RETRY(s, s->ops->replace_accounts(s->h, state));
    return err;
}

cb_err cb_store_put_pending_tx(cb_store *s, const cb_tx *tx, int64_t now)
{
    cb_err err;
    RETRY(s, s->ops->put_pending_tx(s->h, tx, now));
    return err;
}

cb_err cb_store_reject_tx(cb_store *s, const uint8_t txid[32], const char *reason)
{
    cb_err err;
    RETRY(s, s->ops->reject_tx(s->h, txid, reason));
    return err;
}

cb_err cb_store_tx_status(cb_store *s, const uint8_t txid[32], cb_tx_status *st, uint32_t *height)
{
    cb_err err;
    RETRY(s, s->ops->tx_status(s->h, txid, st, height));
    return err;
}

cb_err cb_store_list_txs(cb_store *s, const char *address, cb_tx_record *out, size_t max, size_t *n)
{
    cb_err err;
    RETRY(s, s->ops->list_txs(s->h, address, out, max, n));
    return err;
}

cb_err cb_store_add_user(cb_store *s, const cb_user_record *u)
{
    cb_err err;
    RETRY(s, s->ops->add_user(s->h, u));
    return err;
}

cb_err cb_store_get_user(cb_store *s, const char *username, cb_user_record *u)
{
    cb_err err;
    RETRY(s, s->ops->get_user(s->h, username, u));
    return err;
}

cb_err cb_store_replace_user_key(cb_store *s, const cb_user_record *u)
{
    cb_err err;
    RETRY(s, s->ops->replace_user_key(s->h, u));
    return err;
}

cb_err cb_store_forget_peer(cb_store *s, const char *host, uint16_t port)
{
    cb_err err;
    RETRY(s, s->ops->forget_peer(s->h, host, port));
    return err;
}

cb_err cb_store_put_peer(cb_store *s, const cb_peer_record *p)
{
    cb_err err;
    RETRY(s, s->ops->put_peer(s->h, p));
    return err;
}

cb_err cb_store_list_peers(cb_store *s, cb_peer_record *out, size_t max, size_t *n)
{
    cb_err err;
    RETRY(s, s->ops->list_peers(s->h, out, max, n));
    return err;
}
