/* Scalar reference kernels: plain C, one loop per formula. They are the
 * oracle the SIMD paths are tested against, and the portable fallback. */
#include <float.h>
#include <math.h>

#include "kernels/ref.h"

void nn__relu_ref(double *x, size_t rows, size_t cols, size_t ld)
{
    for (size_t i = 0; i < rows; i++) {
        double *r = x + i * ld;
        for (size_t j = 0; j < cols; j++)
            r[j] = (r[j] > 0.0 || r[j] != r[j]) ? r[j] : 0.0; /* NaN stays; -0 -> +0 */
    }
}

void nn__relu_backward_ref(double *g, size_t ldg, const double *out, size_t ldo,
                              size_t rows, size_t cols)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            if (!(out[i * ldo + j] > 0.0))
                g[i * ldg + j] = 0.0;
}

void nn__bias_add_ref(double *z, size_t rows, size_t cols, size_t ld, const double *b)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            z[i * ld + j] += b[j];
}

void nn__bias_relu_ref(double *z, size_t rows, size_t cols, size_t ld, const double *b)
{
    nn__bias_add_ref(z, rows, cols, ld, b);
    nn__relu_ref(z, rows, cols, ld);
}

/* softmax(x)_j = exp(x_j - m) / sum_k exp(x_k - m), m = max_k x_k. Subtracting
 * the maximum keeps every exp in (0, 1], so nothing overflows. */
void nn__softmax_row_ref(double *r, size_t cols)
{
    double m = r[0];
    int has_nan = r[0] != r[0];
    for (size_t j = 1; j < cols; j++) {
        if (r[j] != r[j])
            has_nan = 1;
        if (r[j] > m)
            m = r[j];
    }
    if (has_nan || isinf(m)) {
        /* NaN anywhere, or +inf (inf - inf): the row has no meaningful
         * softmax; make that visible rather than hide it. -inf everywhere
         * likewise. */
        for (size_t j = 0; j < cols; j++)
            r[j] = NAN;
        return;
    }
    double sum = 0.0;
    for (size_t j = 0; j < cols; j++) {
        r[j] = exp(r[j] - m);
        sum += r[j];
    }
    double inv = 1.0 / sum;
    for (size_t j = 0; j < cols; j++)
        r[j] *= inv;
}

void nn__softmax_rows_ref(double *x, size_t rows, size_t cols, size_t ld)
{
    for (size_t i = 0; i < rows; i++)
        nn__softmax_row_ref(x + i * ld, cols);
}

/* -log(p) with p clamped at the smallest normal double, so a probability
 * that underflowed to 0 costs about 708.4 instead of infinity. NaN stays NaN. */
static double nll(double p)
{
    return p != p ? p : -log(p > DBL_MIN ? p : DBL_MIN);
}

double nn__xent_sum_ref(const double *p, size_t rows, size_t cols, size_t ld,
                           const int32_t *y)
{
    (void)cols;
    double s = 0.0;
    for (size_t i = 0; i < rows; i++)
        s += nll(p[i * ld + (size_t)y[i]]);
    return s;
}

void nn__xent_grad_ref(double *p, size_t rows, size_t cols, size_t ld, const int32_t *y,
                          double scale)
{
    for (size_t i = 0; i < rows; i++) {
        double *r = p + i * ld;
        r[y[i]] -= 1.0;
        for (size_t j = 0; j < cols; j++)
            r[j] *= scale;
    }
}

double nn__bias_softmax_xent_ref(double *z, size_t rows, size_t cols, size_t ld,
                                    const double *b, const int32_t *y, double scale)
{
    nn__bias_add_ref(z, rows, cols, ld, b);
    nn__softmax_rows_ref(z, rows, cols, ld);
    double loss = nn__xent_sum_ref(z, rows, cols, ld, y);
    nn__xent_grad_ref(z, rows, cols, ld, y, scale);
    return loss;
}

void nn__col_sums_ref(const double *g, size_t rows, size_t cols, size_t ld, double *out)
{
    for (size_t j = 0; j < cols; j++)
        out[j] = 0.0;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            out[j] += g[i * ld + j];
}

void nn__argmax_rows_ref(const double *x, size_t rows, size_t cols, size_t ld,
                            int32_t *out)
{
    for (size_t i = 0; i < rows; i++) {
        const double *r = x + i * ld;
        size_t best = 0;
        for (size_t j = 1; j < cols; j++)
            if (r[j] > r[best])
                best = j;
        out[i] = (int32_t)best;
    }
}

void nn__exp_ref(const double *x, double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = exp(x[i]);
}


/* ---- activations ------------------------------------------------------------
 * Each forward adds the bias (when b is not NULL) to z in place, then writes
 * f(z) to a, which may be z itself. Each backward scales g by f'(z), read
 * from the output a where that determines it. */

#define ACT_LOOP(body)                                              \
    for (size_t i = 0; i < rows; i++) {                             \
        double *zr = z + i * ldz, *ar = a + i * lda;                \
        for (size_t j = 0; j < cols; j++) {                         \
            double x = b ? zr[j] + b[j] : zr[j];                    \
            zr[j] = x;                                              \
            ar[j] = (body);                                         \
        }                                                           \
    }

#define ACT_BACK_LOOP(body)                                         \
    for (size_t i = 0; i < rows; i++) {                             \
        double *gr = g + i * ldg;                                   \
        const double *ar = a + i * lda;                             \
        const double *zr = z ? z + i * ldz : NULL;                  \
        for (size_t j = 0; j < cols; j++) {                         \
            double y = ar[j];                                       \
            (void)zr;                                               \
            (void)y;                                                \
            gr[j] = (body);                                         \
        }                                                           \
    }

/* (x > 0 or NaN) ? x : +0, as nn__relu_ref. */
void nn__act_relu_ref(double *z, size_t ldz, double *a, size_t lda, size_t rows, size_t cols,
                      const double *b, double slope)
{
    (void)slope;
    ACT_LOOP((x > 0.0 || x != x) ? x : 0.0)
}

void nn__act_relu_backward_ref(double *g, size_t ldg, const double *a, size_t lda,
                               const double *z, size_t ldz, size_t rows, size_t cols,
                               double slope)
{
    (void)slope;
    (void)ldz;
    ACT_BACK_LOOP(y > 0.0 ? gr[j] : 0.0)
}

/* slope > 0, so the output has the sign of the input and the derivative
 * (1 or slope) can be read from the output; at 0 it is slope. */
void nn__act_leaky_ref(double *z, size_t ldz, double *a, size_t lda, size_t rows, size_t cols,
                       const double *b, double slope)
{
    ACT_LOOP(x > 0.0 ? x : slope * x)
}

void nn__act_leaky_backward_ref(double *g, size_t ldg, const double *a, size_t lda,
                                const double *z, size_t ldz, size_t rows, size_t cols,
                                double slope)
{
    (void)ldz;
    ACT_BACK_LOOP(y > 0.0 ? gr[j] : gr[j] * slope)
}

/* tanh' = 1 - tanh^2. */
void nn__act_tanh_ref(double *z, size_t ldz, double *a, size_t lda, size_t rows, size_t cols,
                      const double *b, double slope)
{
    (void)slope;
    ACT_LOOP(tanh(x))
}

void nn__act_tanh_backward_ref(double *g, size_t ldg, const double *a, size_t lda,
                               const double *z, size_t ldz, size_t rows, size_t cols,
                               double slope)
{
    (void)slope;
    (void)ldz;
    ACT_BACK_LOOP(gr[j] * (1.0 - y * y))
}

/* 1 / (1 + exp(-z)): for z < -709 exp overflows to +inf and the result is
 * +0, the correctly rounded value for z < -745. */
double nn__sigmoid(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

/* sigmoid' = s (1 - s). */
void nn__act_sigmoid_ref(double *z, size_t ldz, double *a, size_t lda, size_t rows,
                         size_t cols, const double *b, double slope)
{
    (void)slope;
    ACT_LOOP(nn__sigmoid(x))
}

void nn__act_sigmoid_backward_ref(double *g, size_t ldg, const double *a, size_t lda,
                                  const double *z, size_t ldz, size_t rows, size_t cols,
                                  double slope)
{
    (void)slope;
    (void)ldz;
    ACT_BACK_LOOP(gr[j] * (y * (1.0 - y)))
}

/* GELU, tanh form: 0.5 x (1 + tanh(u)) with u = c (x + k x^3), c = sqrt(2/pi),
 * k = 0.044715. Since 0.5 (1 + tanh(u)) = sigmoid(2u), it is computed as
 * x * sigmoid(2u), which has no cancellation for negative x. Derivative:
 *   d/dx = s + x s (1 - s) 2c (1 + 3k x^2),  s = sigmoid(2u);
 * the second term is skipped where s (1 - s) is 0, so that a huge |x| (where
 * x^2 overflows) gives 0 or 1 instead of 0 * inf. */
#define GELU_C 0.79788456080286535588 /* sqrt(2/pi) */
#define GELU_K 0.044715

static double gelu_s(double x)
{
    return nn__sigmoid(2.0 * GELU_C * (x + GELU_K * x * x * x));
}

void nn__act_gelu_ref(double *z, size_t ldz, double *a, size_t lda, size_t rows, size_t cols,
                      const double *b, double slope)
{
    (void)slope;
    ACT_LOOP(x * gelu_s(x))
}

static double gelu_grad(double x)
{
    double s = gelu_s(x), q = s * (1.0 - s);
    return q != 0.0 ? s + x * q * (2.0 * GELU_C) * (1.0 + 3.0 * GELU_K * x * x) : s;
}

void nn__act_gelu_backward_ref(double *g, size_t ldg, const double *a, size_t lda,
                               const double *z, size_t ldz, size_t rows, size_t cols,
                               double slope)
{
    (void)slope;
    ACT_BACK_LOOP(gr[j] * gelu_grad(zr[j]))
}

void nn__act_identity_ref(double *z, size_t ldz, double *a, size_t lda, size_t rows,
                          size_t cols, const double *b, double slope)
{
    (void)slope;
    ACT_LOOP(x)
}

void nn__act_identity_backward_ref(double *g, size_t ldg, const double *a, size_t lda,
                                   const double *z, size_t ldz, size_t rows, size_t cols,
                                   double slope)
{
    (void)g;
    (void)ldg;
    (void)a;
    (void)lda;
    (void)z;
    (void)ldz;
    (void)rows;
    (void)cols;
    (void)slope;
}

/* ---- multi-label and regression outputs ------------------------------------- */

/* Binary cross-entropy of target t against sigmoid(z), from the logit:
 *   -t log s - (1-t) log(1-s) = max(z,0) - z t + log1p(exp(-|z|)),
 * which never overflows and is exact to rounding for any z (z = +-1000
 * gives 0 or 1000 as it should). */
double nn__bce_logit(double z, double t)
{
    return (z > 0.0 ? z : 0.0) - z * t + log1p(exp(-fabs(z)));
}

/* One exp per element serves the loss and the gradient: with e = exp(-|z|),
 * sigmoid(z) = 1/(1+e) for z >= 0 and e/(1+e) for z < 0. */
double nn__bias_sigmoid_bce_ref(double *z, size_t rows, size_t cols, size_t ld, const double *b,
                                const double *t, size_t ldt, double scale)
{
    double loss = 0.0;
    for (size_t i = 0; i < rows; i++) {
        double *zr = z + i * ld;
        const double *tr = t + i * ldt;
        for (size_t j = 0; j < cols; j++) {
            double x = zr[j] + b[j], e = exp(-fabs(x));
            loss += (x > 0.0 ? x : 0.0) - x * tr[j] + log1p(e);
            double s = x >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
            zr[j] = (s - tr[j]) * scale;
        }
    }
    return loss;
}

double nn__bias_mse_ref(double *z, size_t rows, size_t cols, size_t ld, const double *b,
                        const double *t, size_t ldt, double scale)
{
    double loss = 0.0;
    for (size_t i = 0; i < rows; i++) {
        double *zr = z + i * ld;
        const double *tr = t + i * ldt;
        for (size_t j = 0; j < cols; j++) {
            double d = zr[j] + b[j] - tr[j];
            loss += d * d;
            zr[j] = 2.0 * d * scale;
        }
    }
    return loss;
}

const nn__kernels nn__kernels_scalar = {
    .name = "scalar",
    .gemm_small = nn__gemm_small_ref,
    .gemm_fused = NULL, /* the portable loops have no fused form */
    .tiles = NN__TILES_PORTABLE,
    .relu = nn__relu_ref,
    .relu_backward = nn__relu_backward_ref,
    .bias_add = nn__bias_add_ref,
    .bias_relu = nn__bias_relu_ref,
    .softmax_rows = nn__softmax_rows_ref,
    .xent_sum = nn__xent_sum_ref,
    .xent_grad = nn__xent_grad_ref,
    .bias_softmax_xent = nn__bias_softmax_xent_ref,
    .col_sums = nn__col_sums_ref,
    .argmax_rows = nn__argmax_rows_ref,
    .exp = nn__exp_ref,
    NN__ACT_REF_ENTRIES,
    .bias_sigmoid_bce = nn__bias_sigmoid_bce_ref,
    .bias_mse = nn__bias_mse_ref,
};
