/* The node's own state, shared by node.c (start, blocks and payments,
 * listeners) and miner.c (continuous mining and generatetoaddress). Not
 * for outside src/node/: every face goes through node.h. */
#ifndef CB_NODE_NODE_INTERNAL_H
#define CB_NODE_NODE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "node/chainstore.h"
#include "node/node.h"
#include "node/verify_pool.h"

struct event;

struct cb_node {
    cb_node_config cfg;
    cb_rejection *rejections; /* a ring of CB_NODE_REJECTIONS_KEPT */
    size_t rejections_next, rejections_count;
    int lock_fd; /* <datadir>/.lock, held (flock) while the node runs */
    struct event_base *base;
    cb_logger *log;
    cb_store *store;
    cb_chain *chain;
    cb_chainstore *cs;
    cb_mempool *mempool;
    cb_verify_pool *pool;
    cb_keyctx *keys;
    cb_login_throttle logins;
    cb_node_listener listeners[CB_NODE_MAX_LISTENERS];
    size_t nlisteners;
    struct event *sig_int, *sig_term;
    bool shut_down;
    /* Continuous mining: the loop hands templates to the miner thread. */
    pthread_t miner;
    bool miner_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    cb_block work;          /* the template being searched (under mu) */
    bool have_work;         /* a new template is waiting (under mu) */
    unsigned work_threads;  /* search threads for it (under mu) */
    bool quit;              /* the miner thread should end (under mu) */
    bool generating;        /* setgenerate / -mine is on (loop thread) */
    atomic_int stale;       /* set to stop the current search */
    cb_block found;         /* a solved block for the loop (under mu) */
    bool have_found;        /* (under mu) */
    double hashrate;        /* (under mu) */
    uint64_t hashes_done;   /* (under mu) */
    struct event *found_ev; /* made active by the miner thread */
    struct event *work_ev;  /* a new template is due (payments arrived) */
    /* Work off the loop (password hashes, generatetoaddress searches). */
    cb_jobs *jobs;
    atomic_int jobs_stop;    /* set at shutdown or a cancel: running searches end */
    unsigned generate_epoch; /* bumped by cb_node_generate_cancel (loop thread) */
    uint64_t extra_nonce;
};

/* miner.c, for node.c. */

/* Sets up the miner's events on n->base. Returns: CB_OK or CB_ERR_NOMEM. */
cb_err cb_miner_init(cb_node *n) CB_WARN_UNUSED;

/* The tip or the mempool changed: the miner gets a fresh template (now,
 * or at the end of this turn of the loop when `soon`). */
void cb_miner_new_work(cb_node *n, bool soon);

/* Ends the miner thread and frees its events. */
void cb_miner_free(cb_node *n);

#endif
