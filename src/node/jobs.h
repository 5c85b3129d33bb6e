/* Work off the event loop.
 *
 * The loop thread owns the node's state and must keep turning, or peers
 * and RPC clients wait (and evhttp's timeouts cut replies short). A job is
 * a step that only burns CPU (an Argon2id hash, a nonce search): a worker
 * thread runs it on data the job owns, then its completion runs on the
 * loop thread, where it may touch node state again and reply.
 *
 * Jobs run in the order they were queued, up to `threads` at once. The
 * queue is bounded, so a flood of slow requests is refused rather than
 * held in memory. */
#ifndef CB_NODE_JOBS_H
#define CB_NODE_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct event_base;
typedef struct cb_jobs cb_jobs;

/* Runs on a worker thread; must not touch anything the loop owns. */
typedef void (*cb_job_work_fn)(void *arg);

/* Runs on the loop thread after the work, or without it when the queue is
 * freed first (cancelled = true: release arg, reply to no one). */
typedef void (*cb_job_done_fn)(void *arg, bool cancelled);

/* Starts `threads` workers (at least 1) that take up to `max_queued` jobs
 * waiting at once, completing on `base`.
 * Returns: the queue (cb_jobs_free), or NULL when memory, an event or a
 * thread cannot be had. */
cb_jobs *cb_jobs_new(struct event_base *base, unsigned threads, size_t max_queued);

/* Queues a job; `done` is called exactly once, on the loop thread, never
 * from inside this call.
 * Returns: CB_OK, CB_ERR_BUSY (the queue is full: nothing is called) or
 * CB_ERR_NOMEM. */
cb_err cb_jobs_submit(cb_jobs *q, cb_job_work_fn work, cb_job_done_fn done,
                      void *arg) CB_WARN_UNUSED;

/* Jobs queued or running, not yet completed (loop thread). */
size_t cb_jobs_pending(const cb_jobs *q);

/* Waits for the running jobs, calls `done(arg, true)` for every job not
 * yet completed, joins the workers and frees the queue; NULL is fine.
 * Loop thread, with the loop not running. */
void cb_jobs_free(cb_jobs *q);

#endif
