#define _DEFAULT_SOURCE /* mkdtemp */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "support.h"

void ts_fill_uniform(nn__rng *r, nn_mat m, double lo, double hi, double pad)
{
    for (size_t i = 0; i < m.rows; i++)
        for (size_t j = 0; j < m.ld; j++) {
            if (i == m.rows - 1 && j >= m.cols)
                break; /* the last row's padding may not exist */
            m.data[i * m.ld + j] = j < m.cols ? lo + (hi - lo) * nn__rng_uniform(r) : pad;
        }
}

int ts_close(double a, double b, double atol, double rtol)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    if (a == b)
        return 1;
    return fabs(a - b) <= atol + rtol * fmax(fabs(a), fabs(b));
}

double ts_max_err(nn_mat a, nn_mat b, double atol, double rtol)
{
    double worst = 0.0;
    for (size_t i = 0; i < a.rows; i++)
        for (size_t j = 0; j < a.cols; j++) {
            double x = a.data[i * a.ld + j], y = b.data[i * b.ld + j];
            if (isnan(x) != isnan(y))
                return INFINITY;
            if (isnan(x) || x == y)
                continue;
            double e = fabs(x - y) / (atol + rtol * fmax(fabs(x), fabs(y)));
            if (e > worst)
                worst = e;
        }
    return worst;
}

void ts_naive_gemm(int trans_a, int trans_b, double alpha, nn_mat a, nn_mat b, double beta,
                   nn_mat c)
{
    size_t k = trans_a ? a.rows : a.cols;
    for (size_t i = 0; i < c.rows; i++)
        for (size_t j = 0; j < c.cols; j++) {
            double s = 0.0;
            for (size_t p = 0; p < k; p++) {
                double x = trans_a ? a.data[p * a.ld + i] : a.data[i * a.ld + p];
                double y = trans_b ? b.data[j * b.ld + p] : b.data[p * b.ld + j];
                s += x * y;
            }
            double *cij = &c.data[i * c.ld + j];
            *cij = alpha * s + (beta == 0.0 ? 0.0 : beta * *cij);
        }
}

size_t ts_repeats(size_t n)
{
    const char *q = getenv("NN_TEST_QUICK");
    return q && *q && *q != '0' ? 1 : n;
}

int ts_temp_dir(char *dir, size_t size, const char *tag)
{
    if (snprintf(dir, size, "/tmp/nn_test_%s.XXXXXX", tag) >= (int)size)
        return -1;
    return mkdtemp(dir) ? 0 : -1;
}

int ts_remove_dir(const char *dir)
{
    char cmd[256];
    if (snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir) >= (int)sizeof cmd)
        return -1;
    return system(cmd) == 0 ? 0 : -1;
}
