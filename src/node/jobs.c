#include "node/jobs.h"

#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>

typedef struct job {
    cb_job_work_fn work;
    cb_job_done_fn done;
    void *arg;
    struct job *next;
} job;

/* A FIFO of jobs, linked through next. */
typedef struct {
    job *head, *tail;
} job_list;

struct cb_jobs {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job_list todo;     /* waiting for a worker (under mu) */
    job_list finished; /* worked, waiting for the loop (under mu) */
    bool quit;         /* under mu */
    pthread_t *threads;
    unsigned nthreads;
    struct event *done_ev; /* made active by a worker; runs on the loop */
    size_t pending;        /* submitted, not yet completed (loop thread) */
    size_t max_queued;
};

static void push(job_list *l, job *j)
{
    j->next = NULL;
    if (l->tail)
        l->tail->next = j;
    else
        l->head = j;
    l->tail = j;
}

static job *pop(job_list *l)
{
    job *j = l->head;
    if (j) {
        l->head = j->next;
        if (!l->head)
            l->tail = NULL;
    }
    return j;
}

static void *worker_main(void *arg)
{
    cb_jobs *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->quit && !q->todo.head)
            pthread_cond_wait(&q->cv, &q->mu);
        if (q->quit)
            break;
        job *j = pop(&q->todo);
        pthread_mutex_unlock(&q->mu);
        j->work(j->arg);
        pthread_mutex_lock(&q->mu);
        push(&q->finished, j);
        /* Under the lock, so cb_jobs_free cannot free the event between
         * the push and this call. */
        event_active(q->done_ev, EV_READ, 0);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* Hands each finished job back: on the loop thread, in the order the
 * workers finished them. */
static void on_done(evutil_socket_t fd, short what, void *arg)
{
    cb_jobs *q = arg;
    (void)fd;
    (void)what;
    pthread_mutex_lock(&q->mu);
    job_list ready = q->finished;
    q->finished.head = q->finished.tail = NULL;
    pthread_mutex_unlock(&q->mu);
    job *j;
    while ((j = pop(&ready)) != NULL) {
        q->pending--;
        j->done(j->arg, false);
        free(j);
    }
}

cb_jobs *cb_jobs_new(struct event_base *base, unsigned threads, size_t max_queued)
{
    cb_jobs *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    if (threads == 0)
        threads = 1;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->max_queued = max_queued;
    q->done_ev = event_new(base, -1, 0, on_done, q);
    q->threads = calloc(threads, sizeof *q->threads);
    if (!q->done_ev || !q->threads)
        goto fail;
    for (; q->nthreads < threads; q->nthreads++)
        if (pthread_create(&q->threads[q->nthreads], NULL, worker_main, q) != 0)
            goto fail;
    return q;
fail:
    cb_jobs_free(q);
    return NULL;
}

cb_err cb_jobs_submit(cb_jobs *q, cb_job_work_fn work, cb_job_done_fn done, void *arg)
{
    if (q->pending >= q->max_queued)
        return CB_ERR_BUSY;
    job *j = malloc(sizeof *j);
    if (!j)
        return CB_ERR_NOMEM;
    j->work = work;
    j->done = done;
    j->arg = arg;
    q->pending++;
    pthread_mutex_lock(&q->mu);
    push(&q->todo, j);
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return CB_OK;
}

size_t cb_jobs_pending(const cb_jobs *q)
{
    return q->pending;
}

void cb_jobs_free(cb_jobs *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->quit = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    for (unsigned i = 0; i < q->nthreads; i++)
        pthread_join(q->threads[i], NULL);
    /* Nobody is left to take a reply: every job not completed is let go,
     * worked or not. */
    job *j;
    while ((j = pop(&q->finished)) != NULL || (j = pop(&q->todo)) != NULL) {
        j->done(j->arg, true);
        free(j);
    }
    if (q->done_ev)
        event_free(q->done_ev);
    free(q->threads);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
}
