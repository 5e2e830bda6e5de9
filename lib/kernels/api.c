/* The public kernel functions: validate, then call the dispatched path. */
#include <math.h>

#include "kernels/kernels.h"

static nn_status check_labels(nn_mat p, const int32_t *labels, const char *func)
{
    if (!labels)
        return nn__fail(NN_EINVAL, "%s: labels is NULL", func);
    for (size_t i = 0; i < p.rows; i++)
        if (labels[i] < 0 || (size_t)labels[i] >= p.cols)
            return nn__fail(NN_EINVAL, "%s: label %ld of row %zu is outside [0, %zu)", func,
                            (long)labels[i], i, p.cols);
    return NN_OK;
}

nn_status nn_relu(nn_mat x)
{
    NN_TRY(nn__check_view(x, "nn_relu", "x"));
    nn__kernels_get()->relu(x.data, x.rows, x.cols, x.ld);
    return NN_OK;
}

nn_status nn_relu_backward(nn_mat grad, nn_mat out)
{
    NN_TRY(nn__check_view(grad, "nn_relu_backward", "grad"));
    NN_TRY(nn__check_view(out, "nn_relu_backward", "out"));
    if (grad.rows != out.rows || grad.cols != out.cols)
        return nn__fail(NN_ESHAPE, "nn_relu_backward: grad is %zux%zu but out is %zux%zu",
                        grad.rows, grad.cols, out.rows, out.cols);
    nn__kernels_get()->relu_backward(grad.data, grad.ld, out.data, out.ld, grad.rows,
                                     grad.cols);
    return NN_OK;
}

nn_status nn_softmax_rows(nn_mat x)
{
    NN_TRY(nn__check_view(x, "nn_softmax_rows", "x"));
    nn__kernels_get()->softmax_rows(x.data, x.rows, x.cols, x.ld);
    return NN_OK;
}

nn_status nn_cross_entropy(nn_mat probs, const int32_t *labels, double *mean_loss)
{
    NN_TRY(nn__check_view(probs, "nn_cross_entropy", "probs"));
    NN_TRY(check_labels(probs, labels, "nn_cross_entropy"));
    if (!mean_loss)
        return nn__fail(NN_EINVAL, "nn_cross_entropy: mean_loss is NULL");
    double sum = nn__kernels_get()->xent_sum(probs.data, probs.rows, probs.cols, probs.ld,
                                             labels);
    *mean_loss = sum / (double)probs.rows;
    return NN_OK;
}

nn_status nn_softmax_xent_grad(nn_mat probs, const int32_t *labels, double scale)
{
    NN_TRY(nn__check_view(probs, "nn_softmax_xent_grad", "probs"));
    NN_TRY(check_labels(probs, labels, "nn_softmax_xent_grad"));
    if (!isfinite(scale))
        return nn__fail(NN_EINVAL, "nn_softmax_xent_grad: scale is not finite");
    nn__kernels_get()->xent_grad(probs.data, probs.rows, probs.cols, probs.ld, labels, scale);
    return NN_OK;
}
