/* nn_mat allocation and views, and nn_gemm against a naive triple loop. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static void test_alloc_zeroed_aligned(void **state)
{
    (void)state;
    nn_mat m;
    ts_ok(nn_mat_alloc(&m, 7, 13));
    assert_int_equal(m.rows, 7);
    assert_int_equal(m.cols, 13);
    assert_true(m.ld >= m.cols);
    assert_int_equal((uintptr_t)m.data % 64, 0);
    for (size_t i = 0; i < m.rows; i++)
        for (size_t j = 0; j < m.cols; j++)
            assert_true(m.data[i * m.ld + j] == 0.0);
    nn_mat_free(&m);
    assert_null(m.data);
    nn_mat_free(&m); /* twice is harmless */
    nn_mat_free(NULL);
}

static void test_alloc_bad(void **state)
{
    (void)state;
    nn_mat m = {(double *)0x1, 1, 2, 3}, before = m;
    ts_assert_status(nn_mat_alloc(&m, 0, 3), NN_EINVAL);
    ts_assert_status(nn_mat_alloc(&m, 3, 0), NN_EINVAL);
    ts_assert_status(nn_mat_alloc(&m, SIZE_MAX / 2, 4), NN_ENOMEM);
    ts_assert_status(nn_mat_alloc(&m, (size_t)1 << 40, (size_t)1 << 30), NN_ENOMEM);
    assert_memory_equal(&m, &before, sizeof m); /* unchanged on error */
    ts_assert_status(nn_mat_alloc(NULL, 2, 2), NN_EINVAL);
}

static void test_views(void **state)
{
    (void)state;
    double buf[4 * 5];
    for (int i = 0; i < 20; i++)
        buf[i] = i;
    nn_mat v = nn_mat_view(buf, 4, 3, 5);
    assert_true(v.data == buf && v.rows == 4 && v.cols == 3 && v.ld == 5);
    nn_mat r = nn_mat_rows(v, 1, 2);
    assert_int_equal(r.rows, 2);
    assert_int_equal(r.ld, 5);
    assert_true(r.data[0] == 5.0);
    assert_true(r.data[1 * r.ld + 2] == 12.0);
    /* An empty range at the end is allowed, but is rejected when used. */
    nn_mat e = nn_mat_rows(v, 4, 0);
    assert_int_equal(e.rows, 0);
    /* Out of range gives the empty view. */
    nn_mat bad = nn_mat_rows(v, 3, 2);
    assert_null(bad.data);
    bad = nn_mat_rows(v, SIZE_MAX, 2);
    assert_null(bad.data);
}

/* Every transpose combination on odd sizes, with padded ld everywhere, and
 * several alpha/beta, against the naive loop. Padding must be untouched. */
static void test_gemm_against_naive(void **state)
{
    (void)state;
    nn__rng r;
    nn__rng_seed(&r, 7);
    const size_t sizes[][3] = {{1, 1, 1}, {3, 5, 7}, {13, 1, 9}, {17, 33, 2}, {64, 3, 65}};
    const double ab[][2] = {{1.0, 0.0}, {-0.5, 1.0}, {2.0, 0.25}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t m = sizes[s][0], n = sizes[s][1], k = sizes[s][2];
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++)
                for (size_t q = 0; q < 3; q++) {
                    size_t ar = ta ? k : m, ac = ta ? m : k;
                    size_t br = tb ? n : k, bc = tb ? k : n;
                    double *abuf = malloc(sizeof(double) * ar * (ac + 3));
                    double *bbuf = malloc(sizeof(double) * br * (bc + 1));
                    double *cbuf = malloc(sizeof(double) * m * (n + 2));
                    double *dbuf = malloc(sizeof(double) * m * (n + 2));
                    nn_mat a = nn_mat_view(abuf, ar, ac, ac + 3);
                    nn_mat b = nn_mat_view(bbuf, br, bc, bc + 1);
                    nn_mat c = nn_mat_view(cbuf, m, n, n + 2);
                    nn_mat d = nn_mat_view(dbuf, m, n, n + 2);
                    ts_fill_uniform(&r, a, -1, 1, NAN);
                    ts_fill_uniform(&r, b, -1, 1, NAN);
                    ts_fill_uniform(&r, c, -1, 1, 12345.0);
                    memcpy(dbuf, cbuf, sizeof(double) * ((m - 1) * (n + 2) + n));
                    ts_ok(nn_gemm(ta, tb, ab[q][0], a, b, ab[q][1], c));
                    ts_naive_gemm(ta, tb, ab[q][0], a, b, ab[q][1], d);
                    assert_true(ts_max_err(c, d, 1e-13, 1e-12) <= 1.0);
                    for (size_t i = 0; i + 1 < m; i++)
                        for (size_t j = n; j < n + 2; j++)
                            assert_true(cbuf[i * (n + 2) + j] == 12345.0);
                    free(abuf);
                    free(bbuf);
                    free(cbuf);
                    free(dbuf);
                }
    }
}

/* beta = 0 overwrites: a NaN already in c must not leak into the result. */
static void test_gemm_beta_zero_ignores_c(void **state)
{
    (void)state;
    double a[2] = {1, 2}, b[2] = {3, 4}, c[1] = {NAN};
    ts_ok(nn_gemm(false, false, 1.0, nn_mat_view(a, 1, 2, 2), nn_mat_view(b, 2, 1, 1), 0.0,
                  nn_mat_view(c, 1, 1, 1)));
    assert_true(c[0] == 11.0);
}

static void test_gemm_errors(void **state)
{
    (void)state;
    double a[6] = {0}, b[6] = {0}, c[9];
    for (int i = 0; i < 9; i++)
        c[i] = i;
    double c0[9];
    memcpy(c0, c, sizeof c);
    nn_mat A = nn_mat_view(a, 2, 3, 3), B = nn_mat_view(b, 3, 2, 2), C = nn_mat_view(c, 2, 2, 2);
    /* shapes */
    ts_assert_status(nn_gemm(false, false, 1, A, A, 0, C), NN_ESHAPE);
    ts_assert_status(nn_gemm(true, false, 1, A, B, 0, C), NN_ESHAPE);
    ts_assert_status(nn_gemm(false, false, 1, A, B, 0, nn_mat_view(c, 3, 2, 2)), NN_ESHAPE);
    ts_assert_status(nn_gemm(false, false, 1, A, B, 0, nn_mat_view(c, 2, 3, 3)), NN_ESHAPE);
    /* views */
    ts_assert_status(nn_gemm(false, false, 1, nn_mat_view(NULL, 2, 3, 3), B, 0, C), NN_EINVAL);
    ts_assert_status(nn_gemm(false, false, 1, A, nn_mat_view(b, 3, 2, 1), 0, C), NN_EINVAL);
    ts_assert_status(nn_gemm(false, false, 1, A, B, 0, nn_mat_view(c, 2, 0, 2)), NN_EINVAL);
    ts_assert_status(nn_gemm(false, false, 1, nn_mat_view(a, (size_t)INT_MAX + 1, 3, 3), B, 0, C),
                     NN_EINVAL);
    ts_assert_status(nn_gemm(false, false, NAN, A, B, 0, C), NN_EINVAL);
    ts_assert_status(nn_gemm(false, false, 1, A, B, INFINITY, C), NN_EINVAL);
    /* c overlapping an input */
    ts_assert_status(nn_gemm(false, false, 1, A, B, 0, nn_mat_view(a, 2, 2, 2)), NN_EINVAL);
    assert_memory_equal(c, c0, sizeof c);
    /* and the right shapes work */
    ts_ok(nn_gemm(false, false, 1, A, B, 0, C));
}

static void test_status_text(void **state)
{
    (void)state;
    for (int s = NN_OK; s <= NN_ENUMERIC; s++)
        assert_true(nn_status_str((nn_status)s)[0] != '\0');
    assert_string_equal(nn_status_str(NN_EINVAL), "invalid argument");
    assert_string_equal(nn_status_str((nn_status)999), "unknown status");
    nn_mat m;
    assert_int_equal(nn_mat_alloc(&m, 0, 1), NN_EINVAL);
    assert_non_null(strstr(nn_last_error(), "nn_mat_alloc"));
    assert_int_equal(nn_version_number(), NN_VERSION_NUMBER);
    assert_string_equal(nn_version_string(), NN_VERSION_STRING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_zeroed_aligned),
        cmocka_unit_test(test_alloc_bad),
        cmocka_unit_test(test_views),
        cmocka_unit_test(test_gemm_against_naive),
        cmocka_unit_test(test_gemm_beta_zero_ignores_c),
        cmocka_unit_test(test_gemm_errors),
        cmocka_unit_test(test_status_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
