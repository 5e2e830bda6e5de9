#ifndef NN_INTERNAL_H
#define NN_INTERNAL_H

/* Private declarations shared by the files under lib/. Never installed. */

#include <stddef.h>
#include <stdint.h>

#include "nn.h"

#if defined(__GNUC__) || defined(__clang__)
#define NN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define NN_PRINTF(f, a)
#endif

/* ---- errors (status.c) -------------------------------------------------- */

/* Record the detail text for this thread's last failure and return s, so
 * that `return nn__fail(NN_EINVAL, "...", ...);` reads naturally. */
nn_status nn__fail(nn_status s, const char *fmt, ...) NN_PRINTF(2, 3);

/* ---- matrices (matrix.c) ------------------------------------------------ */

/* Check a view used as an argument: non-NULL data when it has elements,
 * ld >= cols, and no dimension or ld above INT_MAX (BLAS takes int).
 * what names the argument in the error message. */
nn_status nn__check_view(nn_mat m, const char *func, const char *what);

/* Aligned allocation (64 bytes) of n doubles, zeroed; NULL on overflow or
 * failure. Release with nn__free. */
double *nn__alloc_doubles(size_t n);
void nn__free(void *p);

/* ---- random numbers (rng.c) --------------------------------------------- */

/* xoshiro256** seeded through splitmix64. Held by value by its owner; there
 * is no global generator. */
typedef struct nn__rng {
    uint64_t s[4];
} nn__rng;

void nn__rng_seed(nn__rng *r, uint64_t seed);
uint64_t nn__rng_u64(nn__rng *r);
double nn__rng_uniform(nn__rng *r);           /* [0, 1), 53 random bits */
uint64_t nn__rng_below(nn__rng *r, uint64_t n); /* uniform in [0, n), unbiased; n > 0 */
double nn__rng_normal(nn__rng *r);            /* N(0, 1), Marsaglia polar method */
void nn__rng_permutation(nn__rng *r, size_t *perm, size_t n); /* Fisher-Yates of 0..n-1 */

/* ---- kernels (kernels/) ------------------------------------------------- */

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
#define NN__ACT_REF_ENTRIES                                                          \
    .act_forward = {nn__act_relu_ref, nn__act_leaky_ref, nn__act_tanh_ref,           \
                    nn__act_sigmoid_ref, nn__act_gelu_ref, nn__act_identity_ref},    \
    .act_backward = {nn__act_relu_backward_ref, nn__act_leaky_backward_ref,          \
                     nn__act_tanh_backward_ref, nn__act_sigmoid_backward_ref,        \
                     nn__act_gelu_backward_ref, nn__act_identity_backward_ref}
/* Scalar formulas shared by the references and by loss.c. */
double nn__bce_logit(double z, double t);     /* max(z,0) - z t + log1p(exp(-|z|)) */
double nn__sigmoid(double z);                 /* 1 / (1 + exp(-z)), no overflow */

#if defined(NN_HAVE_AVX2_BUILD)
extern const nn__kernels nn__kernels_avx2; /* kernels/avx2.c */
#endif
#if defined(NN_HAVE_AVX512_BUILD)
extern const nn__kernels nn__kernels_avx512; /* kernels/avx512.c */
#endif


/* ---- activations (activation.c) ----------------------------------------- */

/* True for the activations whose backward needs the pre-activation z
 * (GELU: its derivative is not a function of its output). */
int nn__act_needs_pre(nn_activation a);

/* ---- data sets (data.c) ------------------------------------------------ */

/* A valid data set: a valid view x; targets t, if any, a valid view with as
 * many rows; labels y, if any, every one in [0, n_classes). Whether the set
 * has what a net needs is checked by the net. */
nn_status nn__dataset_check(const nn_dataset *d, const char *func);
/* Allocate x (rows x cols, zeroed) and y; *d is written only on success. */
nn_status nn__dataset_alloc(nn_dataset *d, size_t rows, size_t cols, size_t n_classes);
/* A copy of n strings (NULL on allocation failure); free with
 * nn__strings_free(names, n), which accepts NULL. */
char **nn__strings_dup(const char *const *names, size_t n);
void nn__strings_free(char **names, size_t n);

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
/* The variant that matches a kernel path name ("scalar", "avx2", "avx512"). */
nn__gemm_small_fn nn__gemm_small_for(const char *path);

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
/* The fused variant of a kernel path, or NULL (the portable build). */
nn__gemm_fused_fn nn__gemm_fused_for(const char *path);

/* ---- worker pool (pool.c) ---------------------------------------------- */

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

/* ---- atomic file replacement (atomic_file.c) ---------------------------- */

#include <stdio.h>

/* A file being written to replace a path atomically (see atomic_file.c for
 * what the destination may be: absent, a regular file, or a symlink, which
 * is followed). Usage:
 *     nn__atomic_file af;
 *     nn_status s = nn__atomic_open(&af, path, "nn_net_save");
 *     if (s != NN_OK) return s;
 *     ... fwrite(..., af.f) ...
 *     return nn__atomic_commit(&af);   (or nn__atomic_abort(&af) to give up)
 * Until the commit, path keeps its old content; after any failure, too. */
typedef struct nn__atomic_file {
    FILE *f;          /* write the new content here */
    const char *func; /* the caller's name, for messages */
    const char *path; /* the destination as given (borrowed until commit/abort) */
    char *target;     /* path with symlinks followed: the file replaced */
    char *tmp;        /* the temporary file beside target */
} nn__atomic_file;

/* Check the destination and create the temporary file (mode 0666 & ~umask
 * for a new file, the old file's mode for a replaced one).
 * @return NN_OK with af->f open; NN_EINVAL for a NULL or empty path; NN_EIO
 *         when path exists and is not a regular file (or a link to one), or
 *         the temporary file cannot be created; NN_ENOMEM. On failure af
 *         holds nothing to release (nn__atomic_abort accepts it). */
nn_status nn__atomic_open(nn__atomic_file *af, const char *path, const char *func);
/* Flush, fsync and close af->f, rename the temporary over the destination,
 * fsync the directory. A write error seen on af->f (ferror) fails the
 * commit, with errno as the reason given: commit right after writing.
 * af is released either way.
 * @return NN_OK; NN_EIO, with the old destination intact and the temporary
 *         removed (except when only the final directory sync failed: the
 *         new content is then in place and the message says so). */
nn_status nn__atomic_commit(nn__atomic_file *af);
/* Close and remove the temporary file; the destination is untouched.
 * Accepts NULL and a released handle. */
void nn__atomic_abort(nn__atomic_file *af);

#endif /* NN_INTERNAL_H */
