/* Scalar reference kernels: plain C, one loop per formula. They are the
 * oracle the SIMD paths are tested against, and the portable fallback. */
#include <float.h>
#include <math.h>

#include "internal.h"

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

const nn__kernels nn__kernels_scalar = {
    .name = "scalar",
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
};
