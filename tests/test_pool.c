/* The worker pool of a fit (lib/pool.c): the chunks of a run, that every
 * element is visited exactly once with workers really taking part, the
 * inline path without a pool, and the fall-back when threads cannot be
 * started (pthread_create is wrapped). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);

/* pthread_create calls left before it starts failing (-1: never fails). */
static int creates_left = -1;

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
    if (creates_left == 0)
        return EAGAIN;
    if (creates_left > 0)
        creates_left--;
    return __real_pthread_create(t, a, fn, arg);
}

static const size_t lengths[] = {0, 1, 7, 8, 9, 63, 1000, NN__POOL_MIN_LEN - 1, NN__POOL_MIN_LEN,
                                 NN__POOL_MIN_LEN + 13, 1000003};
#define N_LENGTHS (sizeof lengths / sizeof lengths[0])

/* For every split: chunks in order, each starting where the previous one
 * ended, from 0 to len, boundaries on NN__POOL_ALIGN, and no chunk larger
 * than an even share rounded up to the alignment. */
static void test_chunks_partition(void **state)
{
    (void)state;
    for (size_t parts = 1; parts <= NN__POOL_MAX_THREADS + 1; parts++)
        for (size_t i = 0; i < N_LENGTHS; i++) {
            size_t len = lengths[i], at = 0;
            size_t share = (len + parts - 1) / parts;
            share = (share + NN__POOL_ALIGN - 1) / NN__POOL_ALIGN * NN__POOL_ALIGN;
            for (size_t k = 0; k < parts; k++) {
                size_t b, e;
                nn__pool_chunk(len, parts, k, &b, &e);
                assert_int_equal(b, at);
                assert_true(e >= b && e <= len);
                assert_true(e - b <= share);
                if (e < len)
                    assert_int_equal(e % NN__POOL_ALIGN, 0);
                at = e;
            }
            assert_int_equal(at, len);
        }
}

/* What a job saw: visits per element, calls, and whether some chunk ran
 * on a thread other than the caller. */
typedef struct probe {
    unsigned char *visits;
    pthread_t caller;
    pthread_mutex_t lock;
    size_t calls, elsewhere;
} probe;

static void visit(void *ctx, size_t begin, size_t end)
{
    probe *p = ctx;
    for (size_t i = begin; i < end; i++)
        p->visits[i]++;
    pthread_mutex_lock(&p->lock);
    p->calls++;
    if (!pthread_equal(pthread_self(), p->caller))
        p->elsewhere++;
    pthread_mutex_unlock(&p->lock);
}

static void run_and_check(nn__pool *pool, probe *p, size_t len)
{
    memset(p->visits, 0, len ? len : 1);
    p->calls = p->elsewhere = 0;
    nn__pool_run(pool, visit, p, len);
    for (size_t i = 0; i < len; i++)
        assert_int_equal(p->visits[i], 1);
    /* One call per non-empty chunk, the workers' among them. */
    size_t parts = nn__pool_threads(pool) + 1, want = 0, want_elsewhere = 0;
    for (size_t k = 0; k < parts; k++) {
        size_t b, e;
        nn__pool_chunk(len, parts, k, &b, &e);
        want += b < e;
        want_elsewhere += b < e && k > 0;
    }
    assert_int_equal(p->calls, want);
    assert_int_equal(p->elsewhere, want_elsewhere);
}

static void test_run_visits_each_element_once(void **state)
{
    (void)state;
    probe p;
    p.visits = malloc(1000003);
    assert_non_null(p.visits);
    p.caller = pthread_self();
    assert_int_equal(pthread_mutex_init(&p.lock, NULL), 0);
    for (size_t n = 1; n <= 3; n++) {
        nn__pool *pool = nn__pool_create(n);
        assert_non_null(pool);
        assert_int_equal(nn__pool_threads(pool), n);
        /* Every length, twice: the workers wake again for each run. */
        for (int rep = 0; rep < 2; rep++)
            for (size_t i = 0; i < N_LENGTHS; i++)
                run_and_check(pool, &p, lengths[i]);
        /* A large run keeps every worker busy. */
        run_and_check(pool, &p, NN__POOL_MIN_LEN + 13);
        assert_int_equal(p.elsewhere, n);
        nn__pool_free(pool);
    }
    /* No pool: one call on the caller, none for an empty run. */
    run_and_check(NULL, &p, 1000);
    assert_int_equal(p.calls, 1);
    assert_int_equal(p.elsewhere, 0);
    run_and_check(NULL, &p, 0);
    assert_int_equal(p.calls, 0);
    pthread_mutex_destroy(&p.lock);
    free(p.visits);
}

static void test_create_limits(void **state)
{
    (void)state;
    assert_null(nn__pool_create(0));
    assert_int_equal(nn__pool_threads(NULL), 0);
    nn__pool_free(NULL);
    nn__pool *pool = nn__pool_create(1000);
    assert_non_null(pool);
    assert_int_equal(nn__pool_threads(pool), NN__POOL_MAX_THREADS);
    nn__pool_free(pool);
}

/* Threads that cannot be started: fewer workers, or no pool at all (the
 * passes then run on the caller), never a failure. */
static void test_create_falls_back(void **state)
{
    (void)state;
    creates_left = 1;
    nn__pool *pool = nn__pool_create(3);
    assert_non_null(pool);
    assert_int_equal(nn__pool_threads(pool), 1);
    probe p;
    p.visits = malloc(NN__POOL_MIN_LEN + 13);
    assert_non_null(p.visits);
    p.caller = pthread_self();
    assert_int_equal(pthread_mutex_init(&p.lock, NULL), 0);
    run_and_check(pool, &p, NN__POOL_MIN_LEN + 13);
    assert_int_equal(p.calls, 2);
    nn__pool_free(pool);
    creates_left = 0;
    assert_null(nn__pool_create(3));
    creates_left = -1;
    pthread_mutex_destroy(&p.lock);
    free(p.visits);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunks_partition),
        cmocka_unit_test(test_run_visits_each_element_once),
        cmocka_unit_test(test_create_limits),
        cmocka_unit_test(test_create_falls_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
