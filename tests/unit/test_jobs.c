/* The job queue: work runs on workers, completions on the loop thread in
 * a bounded queue, and freeing it lets every unfinished job go exactly
 * once. */
#include "support.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "node/jobs.h"

typedef struct {
    pthread_t loop_thread;
    atomic_int worked;   /* work calls, from any thread */
    int done, cancelled; /* loop thread only */
    int wrong_thread;    /* a completion ran off the loop thread */
    int order[64];       /* the order completions arrived in */
    struct event_base *base;
    int expect;       /* completions after which the loop ends */
    atomic_int *gate; /* work waits while *gate is 0 (may be NULL) */
} counters;

typedef struct {
    counters *c;
    int id;
    pthread_t worker; /* the thread that ran the work */
} item;

static void work(void *arg)
{
    item *it = arg;
    it->worker = pthread_self();
    while (it->c->gate && !atomic_load(it->c->gate))
        usleep(1000);
    atomic_fetch_add(&it->c->worked, 1);
}

static void done(void *arg, bool cancelled)
{
    item *it = arg;
    counters *c = it->c;
    if (!pthread_equal(pthread_self(), c->loop_thread))
        c->wrong_thread++;
    if (cancelled)
        c->cancelled++;
    else {
        if (pthread_equal(it->worker, c->loop_thread))
            c->wrong_thread++;
        c->order[c->done++] = it->id;
    }
    if (c->base && c->done == c->expect)
        event_base_loopbreak(c->base);
    free(it);
}

static item *new_item(counters *c, int id)
{
    item *it = calloc(1, sizeof *it);
    it->c = c;
    it->id = id;
    return it;
}

static void test_runs_off_the_loop_and_completes_on_it(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    counters c = {.loop_thread = pthread_self(), .base = base, .expect = 40};
    cb_jobs *q = cb_jobs_new(base, 2, 64);
    assert_non_null(q);
    for (int i = 0; i < 40; i++)
        assert_int_equal(cb_jobs_submit(q, work, done, new_item(&c, i)), CB_OK);
    /* Never completed from inside submit. */
    assert_int_equal(c.done, 0);
    assert_int_equal(cb_jobs_pending(q), 40);
    event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
    assert_int_equal(c.done, 40);
    assert_int_equal(atomic_load(&c.worked), 40);
    assert_int_equal(c.wrong_thread, 0);
    assert_int_equal(cb_jobs_pending(q), 0);
    /* Each id exactly once. */
    int seen[40] = {0};
    for (int i = 0; i < 40; i++)
        seen[c.order[i]]++;
    for (int i = 0; i < 40; i++)
        assert_int_equal(seen[i], 1);
    cb_jobs_free(q);
    assert_int_equal(c.cancelled, 0);
    event_base_free(base);
}

static void test_queue_is_bounded(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    atomic_int gate = 0;
    counters c = {.loop_thread = pthread_self(), .base = base, .expect = 4, .gate = &gate};
    cb_jobs *q = cb_jobs_new(base, 1, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(cb_jobs_submit(q, work, done, new_item(&c, i)), CB_OK);
    item *extra = new_item(&c, 99);
    assert_int_equal(cb_jobs_submit(q, work, done, extra), CB_ERR_BUSY);
    free(extra);
    atomic_store(&gate, 1);
    event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
    assert_int_equal(c.done, 4);
    /* One worker: first in, first out. */
    for (int i = 0; i < 4; i++)
        assert_int_equal(c.order[i], i);
    /* Room again once they completed. */
    c.expect = 5;
    assert_int_equal(cb_jobs_submit(q, work, done, new_item(&c, 4)), CB_OK);
    event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
    assert_int_equal(c.done, 5);
    cb_jobs_free(q);
    event_base_free(base);
}

static void test_free_lets_unfinished_jobs_go(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    atomic_int gate = 0;
    counters c = {.loop_thread = pthread_self(), .gate = &gate};
    cb_jobs *q = cb_jobs_new(base, 2, 16);
    for (int i = 0; i < 10; i++)
        assert_int_equal(cb_jobs_submit(q, work, done, new_item(&c, i)), CB_OK);
    /* Let the running ones end while free waits for them; the loop never
     * ran, so no completion was delivered. */
    atomic_store(&gate, 1);
    cb_jobs_free(q);
    assert_int_equal(c.done, 0);
    assert_int_equal(c.cancelled, 10);
    assert_int_equal(c.wrong_thread, 0);
    cb_jobs_free(NULL);
    event_base_free(base);
}

int main(void)
{
    evthread_use_pthreads();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_off_the_loop_and_completes_on_it),
        cmocka_unit_test(test_queue_is_bounded),
        cmocka_unit_test(test_free_lets_unfinished_jobs_go),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
