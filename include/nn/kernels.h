#ifndef NN_KERNELS_H
#define NN_KERNELS_H

#include <stdint.h>

#include "nn/export.h"
#include "nn/matrix.h"
#include "nn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Hand-vectorized kernels. The implementation (AVX-512F, AVX2+FMA or portable
 * C) is chosen once, at first use, from CPUID; the environment variable
 * NN_SIMD=scalar|avx2|avx512 forces one (an unavailable choice falls back to
 * the best available path). Each works on views: only the first cols elements
 * of each row are read or written, never the padding up to ld. All are
 * reentrant. Every function leaves its matrices unchanged on error. */

/* Name of the path in use: "avx512", "avx2" or "scalar". Never NULL. */
NN_API const char *nn_simd_path(void);

/* x = max(x, 0), in place. NaN stays NaN.
 * @return NN_OK; NN_EINVAL for an invalid view. */
NN_API nn_status nn_relu(nn_mat x);

/* grad[i,j] = 0 where out[i,j] <= 0 (so the derivative of ReLU at 0 is 0),
 * unchanged elsewhere; out is the ReLU output of the forward pass.
 * @return NN_OK; NN_EINVAL for an invalid view; NN_ESHAPE if the shapes differ. */
NN_API nn_status nn_relu_backward(nn_mat grad, nn_mat out);

/* Each row becomes softmax(row): exp(x - max(row)) / sum, in place, so rows
 * sum to 1. A row holding NaN becomes all NaN.
 * @return NN_OK; NN_EINVAL for an invalid view. */
NN_API nn_status nn_softmax_rows(nn_mat x);

/* *mean_loss = -(1/rows) * sum_i log(max(probs[i, labels[i]], DBL_MIN)): mean
 * cross-entropy of row-wise probabilities against integer labels. The clamp
 * makes a confident wrong answer a large finite loss (at most ~708.4).
 * @return NN_OK; NN_EINVAL for an invalid view, NULL labels or mean_loss, or a
 *         label outside [0, cols) (*mean_loss then unchanged). */
NN_API nn_status nn_cross_entropy(nn_mat probs, const int32_t *labels, double *mean_loss);

/* probs = (probs - onehot(labels)) * scale: the gradient of the cross-entropy
 * with respect to the logits of a softmax. Use scale = 1/rows for the mean loss.
 * @return NN_OK; NN_EINVAL as for nn_cross_entropy, or non-finite scale. */
NN_API nn_status nn_softmax_xent_grad(nn_mat probs, const int32_t *labels, double scale);

#ifdef __cplusplus
}
#endif

#endif /* NN_KERNELS_H */
