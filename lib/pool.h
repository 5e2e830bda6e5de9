#ifndef NN_LIB_POOL_H
#define NN_LIB_POOL_H

/* For the optimizer (optim.c) and the fit that owns a pool (train.c), and
 * tests: the worker pool of pool.c. */

#include <stddef.h>

/* Extra threads one fit may start for its elementwise passes; more would
 * only fight over memory bandwidth. */
#define NN__POOL_MAX_THREADS 7
/* Chunk boundaries are multiples of this many elements (a cache line of
 * doubles), so that two threads never write the same line. */
#define NN__POOL_ALIGN 8
/* Elementwise runs shorter than this stay on the calling thread: waking
 * the workers costs more than the pass saves. */
#define NN__POOL_MIN_LEN 65536

/* A set of worker threads owned by one fit; NULL stands for no pool, and
 * every function here accepts it (work then runs on the caller). */
typedef struct nn__pool nn__pool;
/* A job over the elements [begin, end) of a run; chunks of one run are
 * disjoint and run concurrently, so fn must touch only its own elements. */
typedef void (*nn__pool_fn)(void *ctx, size_t begin, size_t end);

/* Start min(n_threads, NN__POOL_MAX_THREADS) workers. Returns NULL when
 * n_threads is 0, or when no worker could be started (allocation or thread
 * creation failed): callers then run inline, which is always correct. A
 * pool that got fewer workers than asked works with those. */
nn__pool *nn__pool_create(size_t n_threads);
/* Stop and join the workers, release the pool; accepts NULL. */
void nn__pool_free(nn__pool *p);
/* Workers running (0 for NULL). */
size_t nn__pool_threads(const nn__pool *p);
/* Call fn(ctx, begin, end) on the chunks of [0, len) that nn__pool_chunk
 * gives for nn__pool_threads(p) + 1 parts, the calling thread taking chunk
 * 0, and return when every chunk is done; empty chunks are skipped. With
 * p NULL, fn(ctx, 0, len) on the caller (nothing when len is 0). One run
 * at a time per pool (a pool belongs to one fit, on one thread).
 * Allocates nothing. */
void nn__pool_run(nn__pool *p, nn__pool_fn fn, void *ctx, size_t len);
/* Chunk k of parts (>= 1) of [0, len): [*begin, *end), with boundaries at
 * multiples of NN__POOL_ALIGN fixed by len and parts alone. Chunks are in
 * order, disjoint, and cover [0, len); the last ones may be empty. */
void nn__pool_chunk(size_t len, size_t parts, size_t k, size_t *begin, size_t *end);

#endif /* NN_LIB_POOL_H */
