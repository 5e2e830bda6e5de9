#define _DEFAULT_SOURCE /* madvise */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cblas.h>

#include "internal.h"

/* ---- allocation ---------------------------------------------------------- */

/* n doubles, 64-byte aligned, not zeroed, in *bytes bytes (a multiple of
 * the alignment, as aligned_alloc wants); NULL on overflow or failure. */
static double *alloc_doubles(size_t n, size_t *bytes)
{
    if (n == 0 || n > SIZE_MAX / sizeof(double) - 64)
        return NULL;
    *bytes = (n * sizeof(double) + 63) & ~(size_t)63;
    return aligned_alloc(64, *bytes);
}

double *nn__alloc_doubles(size_t n)
{
    size_t bytes;
    double *p = alloc_doubles(n, &bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

double *nn__alloc_doubles_uninit(size_t n)
{
    size_t bytes;
    double *p = alloc_doubles(n, &bytes);
#ifdef MADV_HUGEPAGE
    /* The writer's first touch of each page is a page fault: for a block of
     * 4 MiB or more, advise transparent huge pages (where the system leaves
     * them to madvise), one fault per 2 MiB instead of per 4 KiB, as numpy
     * does for its arrays (numpy/core/src/multiarray/alloc.c). Only the
     * whole pages inside the block; a refusal changes nothing. */
    long page = sysconf(_SC_PAGESIZE);
    if (p && bytes >= ((size_t)4 << 20) && page > 0) {
        uintptr_t mask = (uintptr_t)page - 1;
        uintptr_t a = ((uintptr_t)p + mask) & ~mask, b = ((uintptr_t)p + bytes) & ~mask;
        (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
    }
#endif
    return p;
}

void nn__free(void *p)
{
    free(p);
}

/* nn_mat_alloc, zeroed or not. */
static nn_status mat_alloc(nn_mat *m, size_t rows, size_t cols, int zero)
{
    if (!m)
        return nn__fail(NN_EINVAL, "nn_mat_alloc: m is NULL");
    if (rows == 0 || cols == 0)
        return nn__fail(NN_EINVAL, "nn_mat_alloc: zero size (%zux%zu)", rows, cols);
    if (rows > SIZE_MAX / cols)
        return nn__fail(NN_ENOMEM, "nn_mat_alloc: %zux%zu overflows size_t", rows, cols);
    double *p = zero ? nn__alloc_doubles(rows * cols) : nn__alloc_doubles_uninit(rows * cols);
    if (!p)
        return nn__fail(NN_ENOMEM, "nn_mat_alloc: cannot allocate %zux%zu doubles", rows,
                        cols);
    m->data = p;
    m->rows = rows;
    m->cols = cols;
    m->ld = cols;
    return NN_OK;
}

nn_status nn_mat_alloc(nn_mat *m, size_t rows, size_t cols)
{
    return mat_alloc(m, rows, cols, 1);
}

nn_status nn__mat_alloc_uninit(nn_mat *m, size_t rows, size_t cols)
{
    return mat_alloc(m, rows, cols, 0);
}

void nn_mat_free(nn_mat *m)
{
    if (!m)
        return;
    nn__free(m->data);
    m->data = NULL;
    m->rows = m->cols = m->ld = 0;
}

/* ---- views --------------------------------------------------------------- */

nn_mat nn_mat_view(double *data, size_t rows, size_t cols, size_t ld)
{
    nn_mat m = {data, rows, cols, ld};
    return m;
}

nn_mat nn_mat_rows(nn_mat m, size_t first, size_t count)
{
    nn_mat empty = {NULL, 0, 0, 0};
    if (!m.data || first > m.rows || count > m.rows - first)
        return empty;
    nn_mat v = {m.data + first * m.ld, count, m.cols, m.ld};
    return v;
}

nn_status nn__check_view(nn_mat m, const char *func, const char *what)
{
    if (!m.data)
        return nn__fail(NN_EINVAL, "%s: %s has no data (NULL)", func, what);
    if (m.rows == 0 || m.cols == 0)
        return nn__fail(NN_EINVAL, "%s: %s is empty (%zux%zu)", func, what, m.rows, m.cols);
    if (m.ld < m.cols)
        return nn__fail(NN_EINVAL, "%s: %s has ld %zu < cols %zu", func, what, m.ld, m.cols);
    if (m.rows > INT_MAX || m.cols > INT_MAX || m.ld > INT_MAX)
        return nn__fail(NN_EINVAL, "%s: %s is %zux%zu (ld %zu), above the BLAS limit %d", func,
                        what, m.rows, m.cols, m.ld, INT_MAX);
    if (m.rows - 1 > (SIZE_MAX / sizeof(double) - m.cols) / m.ld)
        return nn__fail(NN_EINVAL, "%s: %s spans more memory than can exist", func, what);
    return NN_OK;
}

/* ---- gemm ---------------------------------------------------------------- */

/* Address range [lo, hi) of the elements a view can touch. */
static void view_span(nn_mat m, uintptr_t *lo, uintptr_t *hi)
{
    *lo = (uintptr_t)m.data;
    *hi = (uintptr_t)(m.data + (m.rows - 1) * m.ld + m.cols);
}

static int views_overlap(nn_mat a, nn_mat b)
{
    uintptr_t alo, ahi, blo, bhi;
    view_span(a, &alo, &ahi);
    view_span(b, &blo, &bhi);
    return alo < bhi && blo < ahi;
}

/* The one place where sizes are narrowed to BLAS's int: every value has
 * been checked against INT_MAX by nn__check_view before we get here.
 *
 * Row-major cblas_dgemm(M, N, K): op(A) is M x K, op(B) is K x N, C is M x N;
 * lda is A's row stride as stored (so >= K untransposed, >= M transposed),
 * likewise ldb, and ldc >= N. Storing a transposed operand is never needed:
 * the flag tells BLAS to read the stored matrix by columns. */
nn_status nn_gemm(bool trans_a, bool trans_b, double alpha, nn_mat a, nn_mat b, double beta,
                  nn_mat c)
{
    NN_TRY(nn__check_view(a, "nn_gemm", "a"));
    NN_TRY(nn__check_view(b, "nn_gemm", "b"));
    NN_TRY(nn__check_view(c, "nn_gemm", "c"));
    if (!isfinite(alpha) || !isfinite(beta))
        return nn__fail(NN_EINVAL, "nn_gemm: alpha and beta must be finite");
    size_t m = trans_a ? a.cols : a.rows;
    size_t k = trans_a ? a.rows : a.cols;
    size_t kb = trans_b ? b.cols : b.rows;
    size_t n = trans_b ? b.rows : b.cols;
    if (k != kb)
        return nn__fail(NN_ESHAPE, "nn_gemm: op(a) is %zux%zu but op(b) is %zux%zu", m, k, kb,
                        n);
    if (c.rows != m || c.cols != n)
        return nn__fail(NN_ESHAPE, "nn_gemm: op(a)*op(b) is %zux%zu but c is %zux%zu", m, n,
                        c.rows, c.cols);
    if (views_overlap(c, a) || views_overlap(c, b))
        return nn__fail(NN_EINVAL, "nn_gemm: c overlaps an input");
    cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, alpha, a.data,
                (int)a.ld, b.data, (int)b.ld, beta, c.data, (int)c.ld);
    return NN_OK;
}
