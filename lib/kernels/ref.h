#ifndef NN_LIB_KERNELS_REF_H
#define NN_LIB_KERNELS_REF_H

/* Private to lib/kernels/ (and the kernel tests): the scalar references,
 * which the SIMD paths also use for short rows and for the kernels they do
 * not vectorize, and each instruction set's table and small gemms. */

#include "kernels/kernels.h"


/* The scalar reference of each kernel (kernels/ref.c), also used by the SIMD
 * paths for short rows and for the kernels they do not vectorize. */
void nn__relu_ref(double *x, size_t rows, size_t cols, size_t ld);
void nn__relu_backward_ref(double *g, size_t ldg, const double *out, size_t ldo, size_t rows,
                           size_t cols);
void nn__bias_add_ref(double *z, size_t rows, size_t cols, size_t ld, const double *b);
void nn__bias_relu_ref(double *z, size_t rows, size_t cols, size_t ld, const double *b);
void nn__softmax_row_ref(double *r, size_t cols);
void nn__softmax_rows_ref(double *x, size_t rows, size_t cols, size_t ld);
double nn__xent_sum_ref(const double *p, size_t rows, size_t cols, size_t ld, const int32_t *y);
void nn__xent_grad_ref(double *p, size_t rows, size_t cols, size_t ld, const int32_t *y,
                       double scale);
double nn__bias_softmax_xent_ref(double *z, size_t rows, size_t cols, size_t ld,
                                 const double *b, const int32_t *y, double scale);
void nn__col_sums_ref(const double *g, size_t rows, size_t cols, size_t ld, double *out);
void nn__argmax_rows_ref(const double *x, size_t rows, size_t cols, size_t ld, int32_t *out);
void nn__exp_ref(const double *x, double *y, size_t n);
/* Activation references, one pair per nn_activation (see nn__kernels). */
void nn__act_relu_ref(double *z, size_t ldz, double *a, size_t lda, size_t rows, size_t cols,
                      const double *b, double slope);
void nn__act_relu_backward_ref(double *g, size_t ldg, const double *a, size_t lda,
                               const double *z, size_t ldz, size_t rows, size_t cols,
                               double slope);
void nn__act_leaky_ref(double *z, size_t ldz, double *a, size_t lda, size_t rows, size_t cols,
                       const double *b, double slope);
void nn__act_leaky_backward_ref(double *g, size_t ldg, const double *a, size_t lda,
                                const double *z, size_t ldz, size_t rows, size_t cols,
                                double slope);
void nn__act_tanh_ref(double *z, size_t ldz, double *a, size_t lda, size_t rows, size_t cols,
                      const double *b, double slope);
void nn__act_tanh_backward_ref(double *g, size_t ldg, const double *a, size_t lda,
                               const double *z, size_t ldz, size_t rows, size_t cols,
                               double slope);
void nn__act_sigmoid_ref(double *z, size_t ldz, double *a, size_t lda, size_t rows,
                         size_t cols, const double *b, double slope);
void nn__act_sigmoid_backward_ref(double *g, size_t ldg, const double *a, size_t lda,
                                  const double *z, size_t ldz, size_t rows, size_t cols,
                                  double slope);
void nn__act_gelu_ref(double *z, size_t ldz, double *a, size_t lda, size_t rows, size_t cols,
                      const double *b, double slope);
void nn__act_gelu_backward_ref(double *g, size_t ldg, const double *a, size_t lda,
                               const double *z, size_t ldz, size_t rows, size_t cols,
                               double slope);
void nn__act_identity_ref(double *z, size_t ldz, double *a, size_t lda, size_t rows,
                          size_t cols, const double *b, double slope);
void nn__act_identity_backward_ref(double *g, size_t ldg, const double *a, size_t lda,
                                   const double *z, size_t ldz, size_t rows, size_t cols,
                                   double slope);
double nn__bias_sigmoid_bce_ref(double *z, size_t rows, size_t cols, size_t ld, const double *b,
                                const double *t, size_t ldt, double scale);
double nn__bias_mse_ref(double *z, size_t rows, size_t cols, size_t ld, const double *b,
                        const double *t, size_t ldt, double scale);
/* The reference activation table entries, for a kernel path to start from. */
#define NN__ACT_REF_ENTRIES                                                              \
    .act_forward = {[NN_ACT_RELU] = nn__act_relu_ref,                                    \
                    [NN_ACT_LEAKY_RELU] = nn__act_leaky_ref,                             \
                    [NN_ACT_TANH] = nn__act_tanh_ref,                                    \
                    [NN_ACT_SIGMOID] = nn__act_sigmoid_ref,                              \
                    [NN_ACT_GELU] = nn__act_gelu_ref,                                    \
                    [NN_ACT_IDENTITY] = nn__act_identity_ref},                           \
    .act_backward = {[NN_ACT_RELU] = nn__act_relu_backward_ref,                          \
                     [NN_ACT_LEAKY_RELU] = nn__act_leaky_backward_ref,                   \
                     [NN_ACT_TANH] = nn__act_tanh_backward_ref,                          \
                     [NN_ACT_SIGMOID] = nn__act_sigmoid_backward_ref,                    \
                     [NN_ACT_GELU] = nn__act_gelu_backward_ref,                          \
                     [NN_ACT_IDENTITY] = nn__act_identity_backward_ref}

#if defined(NN_HAVE_AVX2_BUILD)
extern const nn__kernels nn__kernels_avx2; /* kernels/avx2.c */
#endif
#if defined(NN_HAVE_AVX512_BUILD)
extern const nn__kernels nn__kernels_avx512; /* kernels/avx512.c */
#endif

/* The small gemm of each build (kernels/gemm_small_*.c), and its fused form. */
void nn__gemm_small_ref(int trans_a, int trans_b, size_t m, size_t n, size_t k,
                        const double *restrict a, size_t lda, const double *restrict b,
                        size_t ldb, double *restrict c, size_t ldc, double *restrict scratch);
#if defined(NN_HAVE_AVX2_BUILD)
void nn__gemm_small_avx2(int trans_a, int trans_b, size_t m, size_t n, size_t k,
                         const double *restrict a, size_t lda, const double *restrict b,
                         size_t ldb, double *restrict c, size_t ldc, double *restrict scratch);
#endif
#if defined(NN_HAVE_AVX512_BUILD)
void nn__gemm_small_avx512(int trans_a, int trans_b, size_t m, size_t n, size_t k,
                           const double *restrict a, size_t lda, const double *restrict b,
                           size_t ldb, double *restrict c, size_t ldc, double *restrict scratch);
#endif
#if defined(NN_HAVE_AVX2_BUILD)
int nn__gemm_fused_avx2(int trans_a, int trans_b, size_t m, size_t n, size_t k,
                        const double *restrict a, size_t lda, const double *restrict b,
                        size_t ldb, double *restrict c, size_t ldc, double *restrict scratch,
                        const nn__gemm_epi *e);
#endif
#if defined(NN_HAVE_AVX512_BUILD)
int nn__gemm_fused_avx512(int trans_a, int trans_b, size_t m, size_t n, size_t k,
                          const double *restrict a, size_t lda, const double *restrict b,
                          size_t ldb, double *restrict c, size_t ldc, double *restrict scratch,
                          const nn__gemm_epi *e);
#endif

#endif /* NN_LIB_KERNELS_REF_H */
