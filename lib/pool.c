/* A small worker pool for the elementwise passes of a training step.
 *
 * The optimizer's pass over the parameters (Adam's update, momentum's
 * w += v) is bound by memory bandwidth, and on one core it leaves the
 * bandwidth of the others unused while the GEMMs around it use every BLAS
 * thread. A pool belongs to one fit (train.c creates it in fit_begin and
 * frees it in fit_end), so that there is no process-wide state and two
 * fits in two threads never share workers.
 *
 * nn__pool_run cuts [0, len) into one chunk per thread, the caller
 * included; the cuts depend only on len and the pool's size, and the jobs
 * run here are elementwise, so a pooled pass writes the same bits as the
 * pass on one thread. Dispatch takes a mutex and bumps a generation count
 * that idle workers sleep on (a condition variable, never a spin: the
 * cores are shared with OpenBLAS's own threads). It allocates nothing.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "pool.h"

struct nn__pool {
    pthread_mutex_t lock;
    pthread_cond_t wake;     /* workers: a new generation, or stop */
    pthread_cond_t done;     /* the caller: pending reached 0 */
    unsigned long gen;       /* bumped by each nn__pool_run */
    size_t pending;          /* workers yet to finish the current job */
    int stop;
    nn__pool_fn fn;          /* the current job */
    void *ctx;
    size_t len;
    size_t n_threads;        /* workers started */
    struct nn__pool_worker {
        struct nn__pool *pool;
        size_t part;         /* chunk index: 1 .. n_threads (0 is the caller's) */
        pthread_t thread;
    } workers[NN__POOL_MAX_THREADS];
};

void nn__pool_chunk(size_t len, size_t parts, size_t k, size_t *begin, size_t *end)
{
    /* Equal shares rounded up to a multiple of NN__POOL_ALIGN elements (a
     * cache line of doubles), so that two threads never write one line;
     * the last chunks may be short or empty. */
    size_t share = len / parts + (len % parts != 0);
    share = (share + NN__POOL_ALIGN - 1) / NN__POOL_ALIGN * NN__POOL_ALIGN;
    size_t b = k * share < len ? k * share : len;
    *begin = b;
    *end = len - b < share ? len : b + share;
}

static void *worker_main(void *arg)
{
    struct nn__pool_worker *w = arg;
    nn__pool *p = w->pool;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->gen == seen && !p->stop)
            pthread_cond_wait(&p->wake, &p->lock);
        if (p->stop)
            break;
        seen = p->gen;
        nn__pool_fn fn = p->fn;
        void *ctx = p->ctx;
        size_t b, e;
        nn__pool_chunk(p->len, p->n_threads + 1, w->part, &b, &e);
        pthread_mutex_unlock(&p->lock);
        if (b < e)
            fn(ctx, b, e);
        pthread_mutex_lock(&p->lock);
        if (--p->pending == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

nn__pool *nn__pool_create(size_t n_threads)
{
    if (n_threads > NN__POOL_MAX_THREADS)
        n_threads = NN__POOL_MAX_THREADS;
    if (n_threads == 0)
        return NULL;
    nn__pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->wake, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->done, NULL) != 0) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    /* Workers start with every signal blocked, so that a signal sent to the
     * process lands on one of the application's threads, never on ours. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (size_t i = 0; i < n_threads; i++) {
        struct nn__pool_worker *w = &p->workers[i];
        w->pool = p;
        w->part = i + 1;
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
            break;
        p->n_threads++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    /* Fewer workers than asked still help; none means no pool (inline). */
    if (p->n_threads == 0) {
        nn__pool_free(p);
        return NULL;
    }
    return p;
}

void nn__pool_free(nn__pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; i < p->n_threads; i++)
        pthread_join(p->workers[i].thread, NULL);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

size_t nn__pool_threads(const nn__pool *p)
{
    return p ? p->n_threads : 0;
}

void nn__pool_run(nn__pool *p, nn__pool_fn fn, void *ctx, size_t len)
{
    if (!p) {
        if (len > 0)
            fn(ctx, 0, len);
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->ctx = ctx;
    p->len = len;
    p->pending = p->n_threads;
    p->gen++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    size_t b, e;
    nn__pool_chunk(len, p->n_threads + 1, 0, &b, &e);
    if (b < e)
        fn(ctx, b, e);
    pthread_mutex_lock(&p->lock);
    while (p->pending > 0)
        pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
}
