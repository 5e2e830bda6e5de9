#ifndef NN_LIB_KERNELS_REF_H
#define NN_LIB_KERNELS_REF_H

/* Private to lib/kernels/ (and the kernel tests): the scalar references,
 * which the SIMD paths also use for short rows and for the kernels they do
 * not vectorize, and each instruction set's table and small gemms. */

#include "kernels/kernels.h"


/* The scalar reference of each kernel (kernels/ref.inc), in double and in
 * float (the _f32 names), also used by the SIMD paths for short rows and
 * for the kernels they do not vectorize. */
#define NN__EACH_REAL "kernels/ref_decls.inc"
#include "each_real.h"

/* The reference activation table entries, for a kernel path to start from;
 * R_ (real.h) at the use site picks the element type. */
#define NN__ACT_REF_ENTRIES                                                              \
    .act_forward = {[NN_ACT_RELU] = R_(nn__act_relu_ref),                                    \
                    [NN_ACT_LEAKY_RELU] = R_(nn__act_leaky_ref),                             \
                    [NN_ACT_TANH] = R_(nn__act_tanh_ref),                                    \
                    [NN_ACT_SIGMOID] = R_(nn__act_sigmoid_ref),                              \
                    [NN_ACT_GELU] = R_(nn__act_gelu_ref),                                    \
                    [NN_ACT_IDENTITY] = R_(nn__act_identity_ref)},                           \
    .act_backward = {[NN_ACT_RELU] = R_(nn__act_relu_backward_ref),                          \
                     [NN_ACT_LEAKY_RELU] = R_(nn__act_leaky_backward_ref),                   \
                     [NN_ACT_TANH] = R_(nn__act_tanh_backward_ref),                          \
                     [NN_ACT_SIGMOID] = R_(nn__act_sigmoid_backward_ref),                    \
                     [NN_ACT_GELU] = R_(nn__act_gelu_backward_ref),                          \
                     [NN_ACT_IDENTITY] = R_(nn__act_identity_backward_ref)}

/* Each instruction set's kernel table and small gemm (with its fused
 * form), in double and in float (the _f32 names). */
#define NN__EACH_REAL "kernels/isa_decls.inc"
#include "each_real.h"

/* The portable small gemm (kernels/gemm_small_ref.c), in double and float. */
void nn__gemm_small_ref(int trans_a, int trans_b, size_t m, size_t n, size_t k,
                        const double *restrict a, size_t lda, const double *restrict b,
                        size_t ldb, double *restrict c, size_t ldc, double *restrict scratch);
void nn__gemm_small_ref_f32(int trans_a, int trans_b, size_t m, size_t n, size_t k,
                            const float *restrict a, size_t lda, const float *restrict b,
                            size_t ldb, float *restrict c, size_t ldc, float *restrict scratch);
#endif /* NN_LIB_KERNELS_REF_H */
