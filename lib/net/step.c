/* The training step's entry points, on the instance of the net's dtype
 * (backprop.inc has the step itself), and the gradients API: the step
 * without an update. */
#include <math.h>

#include "net/net_internal.h"

/* The instance of the net's dtype. */
static double step(nn_net *net, const double *x, size_t ldx, size_t n, nn__targets t,
                   double scale, nn__optim *o, double wd, const nn__grad_hook *hook)
{
    if (net->spec.dtype == NN_F32)
        return nn__layers_step_f32(net, x, ldx, n, t, scale, o, wd, hook);
    return nn__layers_step_f64(net, x, ldx, n, t, scale, o, wd, hook);
}

double nn__net_step_grads(nn_net *net, const double *x, size_t ldx, size_t n, nn__targets t,
                          double scale)
{
    return step(net, x, ldx, n, t, scale, NULL, 0.0, NULL);
}

double nn__net_step_grads_hooked(nn_net *net, const double *x, size_t ldx, size_t n,
                                 nn__targets t, double scale, const nn__grad_hook *hook)
{
    return step(net, x, ldx, n, t, scale, NULL, 0.0, hook);
}

double nn__net_step_update(nn_net *net, const double *x, size_t ldx, size_t n, nn__targets t,
                           double scale, nn__optim *o, double weight_decay)
{
    return step(net, x, ldx, n, t, scale, o, weight_decay, NULL);
}

void nn__net_update_all(nn_net *net, nn__optim *o, double weight_decay, double grad_scale)
{
    if (net->spec.dtype == NN_F32)
        nn__layers_update_all_f32(net, o, weight_decay, grad_scale);
    else
        nn__layers_update_all_f64(net, o, weight_decay, grad_scale);
}

/* ---- the gradients API ---------------------------------------------------- */

static nn_status gradients(nn_net *net, nn_mat x, const int32_t *labels, nn_mat targets,
                           double *mean_loss, const char *func)
{
    NN_TRY(nn__net_check_input(net, x, func));
    NN_TRY(nn__net_check_task(net, labels != NULL || !targets.data, func));
    NN_TRY(nn__net_check_targets(net, x.rows, labels, targets, func, "x"));
    NN_TRY(nn__net_reserve(net, x.rows));
    double scale = nn__net_mean_scale(net, x.rows);
    double loss = net->spec.dtype == NN_F32
                      ? nn__layers_gradients_f32(net, x, labels, targets, scale)
                      : nn__layers_gradients_f64(net, x, labels, targets, scale);
    if (mean_loss)
        *mean_loss = loss * scale;
    return NN_OK;
}

nn_status nn_net_gradients(nn_net *net, nn_mat x, const int32_t *labels, double *mean_loss)
{
    nn_mat none = {NULL, 0, 0, 0};
    if (net && !labels && net->spec.task == NN_TASK_CLASSIFY)
        return nn__fail(NN_EINVAL, "nn_net_gradients: labels is NULL");
    return gradients(net, x, labels, none, mean_loss, "nn_net_gradients");
}

nn_status nn_net_gradients_targets(nn_net *net, nn_mat x, nn_mat targets, double *mean_loss)
{
    if (net && net->spec.task != NN_TASK_CLASSIFY && !targets.data)
        return nn__fail(NN_EINVAL, "nn_net_gradients_targets: targets is empty");
    return gradients(net, x, NULL, targets, mean_loss, "nn_net_gradients_targets");
}
