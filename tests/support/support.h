#ifndef NN_TEST_SUPPORT_H
#define NN_TEST_SUPPORT_H

/* Helpers shared by the cmocka tests: random fills, tolerances, a naive gemm
 * oracle. cmocka needs these four headers, in this order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "atomic_file.h"
#include "internal.h"
#include "kernels/kernels.h"
#include "pool.h"
#include "rng.h"

/* Fill the view's cols x rows elements with uniform values in [lo, hi);
 * padding elements (past cols, up to ld) are set to pad. */
void ts_fill_uniform(nn__rng *r, nn_mat m, double lo, double hi, double pad);

/* |a - b| <= atol + rtol * max(|a|, |b|); NaN equals NaN. */
int ts_close(double a, double b, double atol, double rtol);

/* Largest mixed error max |a-b| / (atol + rtol*max(|a|,|b|)) over the views;
 * <= 1 means every element passes ts_close. */
double ts_max_err(nn_mat a, nn_mat b, double atol, double rtol);

/* c = alpha*op(a)*op(b) + beta*c by the textbook triple loop. */
void ts_naive_gemm(int trans_a, int trans_b, double alpha, nn_mat a, nn_mat b, double beta,
                   nn_mat c);

/* The AVX-512 build's blocked small gemm and its fused epilogues (8-double
 * vectors), compiled for whatever this machine runs (gemm_vw8.c). */
void ts_gemm_small_vw8(int trans_a, int trans_b, size_t m, size_t n, size_t k,
                       const double *restrict a, size_t lda, const double *restrict b,
                       size_t ldb, double *restrict c, size_t ldc, double *restrict scratch);
int ts_gemm_fused_vw8(int trans_a, int trans_b, size_t m, size_t n, size_t k,
                      const double *restrict a, size_t lda, const double *restrict b, size_t ldb,
                      double *restrict c, size_t ldc, double *restrict scratch,
                      const nn__gemm_epi *e);
/* The same in float (16-float vectors: gemm_vw8_f32.c). */
void ts_gemm_small_vw8_f32(int trans_a, int trans_b, size_t m, size_t n, size_t k,
                           const float *restrict a, size_t lda, const float *restrict b,
                           size_t ldb, float *restrict c, size_t ldc, float *restrict scratch);
int ts_gemm_fused_vw8_f32(int trans_a, int trans_b, size_t m, size_t n, size_t k,
                          const float *restrict a, size_t lda, const float *restrict b,
                          size_t ldb, float *restrict c, size_t ldc, float *restrict scratch,
                          const nn__gemm_epi_f32 *e);

/* n, or 1 when NN_TEST_QUICK is set (the valgrind preset sets it): for
 * loops that repeat the same code over more seeds or configurations, which a
 * memory checker gains nothing from running again at 50x the cost. */
size_t ts_repeats(size_t n);
/* A new folder /tmp/nn_test_TAG.XXXXXX (mkdtemp) into dir, for a test's
 * files; 0, or -1. ts_remove_dir removes it with everything in it. */
int ts_temp_dir(char *dir, size_t size, const char *tag);
int ts_remove_dir(const char *dir);

/* Assert that status s equals want and that both texts are non-empty. */
#define ts_assert_status(s, want)                                 \
    do {                                                          \
        nn_status ts_s_ = (s);                                    \
        assert_int_equal(ts_s_, (want));                          \
        assert_true(nn_status_str(ts_s_)[0] != '\0');             \
        if ((want) != NN_OK)                                      \
            assert_true(nn_last_error()[0] != '\0');              \
    } while (0)

#define ts_ok(expr) assert_int_equal((expr), NN_OK)

#endif
