#ifndef NN_LIB_KERNELS_H
#define NN_LIB_KERNELS_H

/* For any file under lib/ that runs a kernel or a small gemm: the kernel
 * table of a path (one per instruction set, each in its own file), its
 * dispatch, and the small gemm's types. lib/kernels/ref.h has the
 * references and the per-ISA pieces. */

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* ---- small gemm (kernels/gemm_small*.c) --------------------------------- */

/* C = op(A) · op(B) for small operands, row-major, beta 0 (see
 * kernels/gemm_small.inc). The net uses it below a size threshold, where
 * it beats cblas_dgemm's per-call overhead; tests keep it equal to the
 * cblas path. scratch: NN__GEMM_SCRATCH doubles the SIMD variants may use
 * for a transposed copy of B (the caller's, so that the kernels keep a
 * small stack frame; the net owns one), or NULL: then they do without. */
#define NN__GEMM_SCRATCH 2048
typedef void (*nn__gemm_small_fn)(int trans_a, int trans_b, size_t m, size_t n, size_t k,
                                  const double *restrict a, size_t lda,
                                  const double *restrict b, size_t ldb, double *restrict c,
                                  size_t ldc, double *restrict scratch);

/* What consumes a small product, fused into the stores of its tiles
 * (kernels/gemm_blocked.inc), so that C's values never make a separate
 * pass through memory. With acc the product's element at (i, j):
 *   BIAS_ACT  C = f(acc + bias[j])           a hidden layer's forward (Z = A W)
 *   ACT_GRAD  C = acc ⊙ f'(out[i, j])        the input gradient (dA = dZ Wᵀ) times
 *                                            the derivative of the layer below,
 *                                            read from its outputs
 *   SGD       C = C - lr (acc + decay C)     C is W, acc its gradient (dW = Aᵀ dZ)
 *   MOMENTUM  v = mu v - lr (acc + decay C); C = C + v   (v at vel, ld ldc)
 * With bias_row (SGD, MOMENTUM), the row after C's last (row m, and its
 * velocity's) is the layer's bias, updated the same way, without decay,
 * from B's column sums (db = column sums of dZ): the net stores each b
 * right after its W, with W's row stride.
 * f is one of RELU, LEAKY_RELU, IDENTITY for BIAS_ACT, and also TANH or
 * SIGMOID for ACT_GRAD; each computes what the kernel table's activation
 * pass computes. */
typedef enum nn__epi_kind {
    NN__EPI_BIAS_ACT = 0,
    NN__EPI_ACT_GRAD,
    NN__EPI_SGD,
    NN__EPI_MOMENTUM
} nn__epi_kind;

typedef struct nn__gemm_epi {
    nn__epi_kind kind;
    int act;            /* an nn_activation */
    double slope;       /* LEAKY_RELU */
    const double *bias; /* BIAS_ACT */
    const double *out;  /* ACT_GRAD: rows x n outputs, row stride ldo */
    size_t ldo;
    double lr, decay, mu; /* SGD, MOMENTUM */
    double *vel;          /* MOMENTUM */
    int bias_row;         /* SGD, MOMENTUM: also update the bias row (above) */
} nn__gemm_epi;

/* A small product with its epilogue e fused: returns 1 when done; returns
 * 0, having touched nothing, when this build or this shape has no fused
 * form (the portable build never has one), and the caller then runs the
 * product and its pass separately. */
typedef int (*nn__gemm_fused_fn)(int trans_a, int trans_b, size_t m, size_t n, size_t k,
                                 const double *restrict a, size_t lda,
                                 const double *restrict b, size_t ldb, double *restrict c,
                                 size_t ldc, double *restrict scratch, const nn__gemm_epi *e);

/* The small-gemm tiles of a kernel path: portable loops, or the blocked
 * SIMD tiles of kernels/gemm_blocked.inc at a vector width. Only SIMD tiles
 * beat cblas_dgemm without a measured plan (see lib/net/gemm_plan.c). */
typedef enum nn__gemm_tiles {
    NN__TILES_PORTABLE = 0,
    NN__TILES_AVX2,   /* 4-double vectors */
    NN__TILES_AVX512  /* 8-double vectors */
} nn__gemm_tiles;

/* ---- the kernel table (kernels/) ----------------------------------------- */

#define NN__N_ACT 6 /* nn_activation values */

typedef void (*nn__act_forward_fn)(double *z, size_t ldz, double *a, size_t lda, size_t rows,
                                   size_t cols, const double *b, double slope);
typedef void (*nn__act_backward_fn)(double *g, size_t ldg, const double *a, size_t lda,
                                    const double *z, size_t ldz, size_t rows, size_t cols,
                                    double slope);

/* One implementation of every hot loop. All take a matrix as
 * (pointer, rows, cols, ld) with ld >= cols and touch only the first cols
 * elements of each row. Arguments are already validated. */
typedef struct nn__kernels {
    const char *name; /* "scalar", "avx2", "avx512" */
    /* The path's small gemm, its fused form (NULL when the path has none) and
     * the tiles they use: what the net's GEMM rule and dispatch read. */
    nn__gemm_small_fn gemm_small;
    nn__gemm_fused_fn gemm_fused;
    nn__gemm_tiles tiles;
    /* x = max(x, 0) */
    void (*relu)(double *x, size_t rows, size_t cols, size_t ld);
    /* g = 0 where out <= 0 */
    void (*relu_backward)(double *g, size_t ldg, const double *out, size_t ldo,
                          size_t rows, size_t cols);
    /* z[i,:] += b */
    void (*bias_add)(double *z, size_t rows, size_t cols, size_t ld, const double *b);
    /* z[i,:] = max(z[i,:] + b, 0) */
    void (*bias_relu)(double *z, size_t rows, size_t cols, size_t ld, const double *b);
    /* each row = softmax(row) */
    void (*softmax_rows)(double *x, size_t rows, size_t cols, size_t ld);
    /* returns sum_i -log(max(p[i, y[i]], DBL_MIN)); labels already checked */
    double (*xent_sum)(const double *p, size_t rows, size_t cols, size_t ld,
                       const int32_t *y);
    /* p = (p - onehot(y)) * scale */
    void (*xent_grad)(double *p, size_t rows, size_t cols, size_t ld, const int32_t *y,
                      double scale);
    /* The fused output layer of a training step: z[i,:] += b, softmax, then
     * z = (softmax - onehot(y)) * scale; returns the summed clamped
     * cross-entropy sum_i -log(max(softmax[i, y[i]], DBL_MIN)). */
    double (*bias_softmax_xent)(double *z, size_t rows, size_t cols, size_t ld,
                                const double *b, const int32_t *y, double scale);
    /* out[j] = sum_i g[i, j] (overwrites out) */
    void (*col_sums)(const double *g, size_t rows, size_t cols, size_t ld, double *out);
    /* out[i] = argmax_j x[i, j], first index on ties */
    void (*argmax_rows)(const double *x, size_t rows, size_t cols, size_t ld, int32_t *out);
    /* y[i] = exp(x[i]) (our own vectorized exp; y may equal x) */
    void (*exp)(const double *x, double *y, size_t n);

    /* ---- v2: hidden activations and the other output tasks ---- */
    /* Activation forward, indexed by nn_activation: z[i,:] += b (b may be
     * NULL: no bias), then a[i,:] = f(z[i,:]). a may equal z (in place; the
     * pre-activation is then lost), else z keeps the pre-activation. slope
     * is the leaky ReLU slope (ignored by the others). */
    nn__act_forward_fn act_forward[NN__N_ACT];
    /* Activation backward: g[i,:] *= f'(z[i,:]), from the forward output a,
     * and from the pre-activation z for the activations whose derivative
     * cannot be told from a (nn__act_needs_pre; z is NULL for the others). */
    nn__act_backward_fn act_backward[NN__N_ACT];
    /* The fused MULTILABEL output of a training step: z += b; returns
     * sum_ij BCE(z_ij, t_ij) = max(z,0) - z t + log1p(exp(-|z|)) (stable for
     * any z) and leaves z = (sigmoid(z) - t) * scale. */
    double (*bias_sigmoid_bce)(double *z, size_t rows, size_t cols, size_t ld, const double *b,
                               const double *t, size_t ldt, double scale);
    /* The fused REGRESS output: z += b; returns sum_ij (z_ij - t_ij)^2 and
     * leaves z = 2 (z - t) * scale. */
    double (*bias_mse)(double *z, size_t rows, size_t cols, size_t ld, const double *b,
                       const double *t, size_t ldt, double scale);
} nn__kernels;

/* The path chosen for this process: from CPUID, overridden by NN_SIMD. The
 * choice is made once (thread-safe) and never changes afterwards. */
const nn__kernels *nn__kernels_get(void);

/* A specific path by name ("scalar", "avx2", "avx512"), or NULL when this CPU
 * or build cannot run it. For tests and benches. */
const nn__kernels *nn__kernels_by_name(const char *name);

extern const nn__kernels nn__kernels_scalar; /* kernels/ref.c: the reference */

/* ---- activations (activation.c) ----------------------------------------- */

/* True for the activations whose backward needs the pre-activation z
 * (GELU: its derivative is not a function of its output). */
int nn__act_needs_pre(nn_activation a);

/* Scalar formulas shared by the references and by loss.c (kernels/ref.c). */
double nn__bce_logit(double z, double t);     /* max(z,0) - z t + log1p(exp(-|z|)) */
double nn__sigmoid(double z);                 /* 1 / (1 + exp(-z)), no overflow */

#endif /* NN_LIB_KERNELS_H */
