/* What a net takes: inputs of its width, finite; labels or targets of its
 * task; data sets for training and evaluation. Each check names the public
 * function (func) and the argument in its message. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "net/net_internal.h"

/* NN_ENUMERIC naming the first element of m that is NaN or infinite. */
static nn_status check_finite(nn_mat m, const char *func, const char *what)
{
    for (size_t i = 0; i < m.rows; i++) {
        const double *r = m.data + i * m.ld;
        for (size_t j = 0; j < m.cols; j++)
            if (!isfinite(r[j]))
                return nn__fail(NN_ENUMERIC, "%s: %s[%zu][%zu] is %s (row %zu)", func, what, i,
                                j, isnan(r[j]) ? "NaN" : "infinite", i);
    }
    return NN_OK;
}

nn_status nn__net_check_input(const nn_net *net, nn_mat x, const char *func)
{
    if (!net)
        return nn__fail(NN_EINVAL, "%s: net is NULL", func);
    NN_TRY(nn__check_view(x, func, "x"));
    if (x.cols != net->units[0])
        return nn__fail(NN_ESHAPE, "%s: x has %zu columns but the net takes %zu inputs", func,
                        x.cols, net->units[0]);
    return check_finite(x, func, "x");
}

nn_status nn__net_check_task(const nn_net *net, int classify, const char *func)
{
    int is_classify = net->spec.task == NN_TASK_CLASSIFY;
    if (is_classify != classify)
        return nn__fail(NN_EINVAL, "%s: the net's task is %s%s", func,
                        nn_task_name(net->spec.task),
                        classify ? " (it takes targets, not labels)"
                                 : " (it takes labels, not targets)");
    return NN_OK;
}

/* Labels in [0, C), or targets of width C that are finite (and 0/1 for
 * MULTILABEL). */
nn_status nn__net_check_targets(const nn_net *net, size_t rows, const int32_t *y, nn_mat t,
                               const char *func, const char *what)
{
    size_t C = net->units[net->n_layers];
    if (net->spec.task == NN_TASK_CLASSIFY) {
        if (!y)
            return nn__fail(NN_EINVAL, "%s: %s has no labels (y is NULL)%s", func, what,
                            t.data ? "; targets are for multilabel and regress nets" : "");
        for (size_t i = 0; i < rows; i++)
            if (y[i] < 0 || (size_t)y[i] >= C)
                return nn__fail(NN_EINVAL, "%s: %s row %zu has label %ld outside [0, %zu)",
                                func, what, i, (long)y[i], C);
        return NN_OK;
    }
    if (!t.data)
        return nn__fail(NN_EINVAL, "%s: %s has no targets (t is empty)%s; a %s net needs %zu "
                        "target columns", func, what, y ? " but labels" : "",
                        nn_task_name(net->spec.task), C);
    NN_TRY(nn__check_view(t, func, "targets"));
    if (t.rows != rows || t.cols != C)
        return nn__fail(NN_ESHAPE, "%s: %s targets are %zux%zu but must be %zux%zu", func, what,
                        t.rows, t.cols, rows, C);
    NN_TRY(check_finite(t, func, "targets"));
    if (net->spec.task == NN_TASK_MULTILABEL)
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < C; j++) {
                double v = t.data[i * t.ld + j];
                if (v != 0.0 && v != 1.0)
                    return nn__fail(NN_EINVAL, "%s: %s target [%zu][%zu] is %g; multilabel "
                                    "targets are 0 or 1", func, what, i, j, v);
            }
    return NN_OK;
}

nn_status nn__net_check_data(const nn_net *net, const nn_dataset *d, const char *func,
                             const char *what)
{
    NN_TRY(nn__check_view(d->x, func, what));
    if (d->x.cols != net->units[0])
        return nn__fail(NN_ESHAPE, "%s: %s has %zu features but the net takes %zu", func, what,
                        d->x.cols, net->units[0]);
    NN_TRY(check_finite(d->x, func, what));
    return nn__net_check_targets(net, d->x.rows, d->y, d->t, func, what);
}

/* 1 when no element of p[0..n) is NaN or infinite: an exponent of all ones
 * marks both. Integer operations only, so the loop vectorizes without
 * reassociating floating-point sums; it costs about one pass over the
 * parameters, which the forward pass makes anyway. */
int nn__net_params_finite(const nn_net *net)
{
    uint64_t bad = 0;
    for (size_t i = 0; net->params && i < net->n_params; i++) {
        uint64_t bits;
        memcpy(&bits, &net->params[i], sizeof bits);
        bad |= (((bits >> 52) & 0x7ff) + 1) >> 11;
    }
    for (size_t i = 0; net->params_f32 && i < net->n_params; i++) {
        uint32_t bits;
        memcpy(&bits, &net->params_f32[i], sizeof bits);
        bad |= (((bits >> 23) & 0xff) + 1) >> 8;
    }
    return bad == 0;
}

/* Parameter i of layer l's weights (bias 0) or bias (bias 1) as a double. */
static double param(const nn_net *net, size_t l, int bias, size_t i)
{
    if (net->spec.dtype == NN_F32)
        return (double)(bias ? net->b_f32[l] : net->W_f32[l]).data[i];
    return (bias ? net->b[l] : net->W[l]).data[i];
}

nn_status nn__net_check_params(const nn_net *net, const char *func)
{
    if (nn__net_params_finite(net))
        return NN_OK;
    for (size_t l = 0; l < net->n_layers; l++)
        for (int bias = 0; bias < 2; bias++) {
            size_t rows = bias ? 1 : net->units[l], cols = net->units[l + 1];
            for (size_t i = 0; i < rows * cols; i++) {
                double v = param(net, l, bias, i);
                if (!isfinite(v))
                    return nn__fail(NN_ENUMERIC, "%s: layer %zu's %s[%zu][%zu] is %s; a net "
                                    "with non-finite parameters cannot be used", func, l,
                                    bias ? "bias" : "weight", i / cols, i % cols,
                                    isnan(v) ? "NaN" : "infinite");
            }
        }
    return NN_OK;
}
