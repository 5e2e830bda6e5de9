#ifndef NN_MATRIX_H
#define NN_MATRIX_H

#include <stdbool.h>
#include <stddef.h>

#include "nn/export.h"
#include "nn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A row-major matrix view. Element (i, j) is data[i*ld + j], with ld >= cols;
 * ld counts elements, as BLAS's lda does. A view never owns its memory: only
 * storage from nn_mat_alloc is released, with nn_mat_free. The struct is
 * transparent and its fields are fixed for the lifetime of ABI version 0. */
typedef struct nn_mat {
    double *data;
    size_t rows, cols, ld;
} nn_mat;

/* The same view over floats: the parameters and gradients of a single
 * precision (NN_F32) net, see nn_net_weights_f32. */
typedef struct nn_matf {
    float *data;
    size_t rows, cols, ld;
} nn_matf;

/* Allocate a zeroed rows x cols matrix, 64-byte aligned, with ld = cols.
 * Callers must still index through ld. On failure *m is left unchanged.
 * @return NN_OK; NN_EINVAL if m is NULL or rows or cols is 0;
 *         NN_ENOMEM if rows*cols overflows or malloc fails. */
NN_API nn_status nn_mat_alloc(nn_mat *m, size_t rows, size_t cols);

/* Free storage from nn_mat_alloc and reset *m to an empty matrix. Accepts NULL
 * and an already freed (zeroed) matrix. Never call it on a view. */
NN_API void nn_mat_free(nn_mat *m);

/* A view of caller-owned memory; no check is made (nn_gemm and the kernels
 * validate views when they are used). */
NN_API nn_mat nn_mat_view(double *data, size_t rows, size_t cols, size_t ld);

/* View of rows [first, first+count) of m, sharing m's memory. A range that
 * does not fit inside m gives an empty view (data NULL, rows 0), which every
 * function taking an nn_mat rejects with NN_EINVAL. */
NN_API nn_mat nn_mat_rows(nn_mat m, size_t first, size_t count);

/* c = alpha * op(a) * op(b) + beta * c, where op(x) is x transposed when its
 * flag is set. op(a) is M x K, op(b) is K x N and c is M x N. Calls
 * cblas_dgemm (row-major, transposition passed as a flag, never a copy).
 * With beta == 0, c is overwritten and its old content is never read (a NaN
 * in c does not propagate). Every view must be non-empty.
 * @return NN_OK; NN_EINVAL for a NULL data pointer, a zero dimension, ld < cols,
 *         a dimension or ld above INT_MAX, non-finite alpha or beta, or c overlapping a or b;
 *         NN_ESHAPE when the dimensions do not agree. c is unchanged on error. */
NN_API nn_status nn_gemm(bool trans_a, bool trans_b, double alpha, nn_mat a, nn_mat b,
                         double beta, nn_mat c);

#ifdef __cplusplus
}
#endif

#endif /* NN_MATRIX_H */
