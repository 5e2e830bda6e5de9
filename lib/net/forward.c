/* Everything that runs the layer loop without training: the chunked
 * inference API (nn_net_forward, nn_net_predict, nn_net_predict_multilabel)
 * and evaluation (nn_net_evaluate), each on the instance of the net's
 * dtype (layers.inc). */
#include <stdint.h>

#include "net/net_internal.h"


/* ---- the dtype's instance ---------------------------------------------------- */

void nn__net_forward_rows(const nn_net *net, nn__ws *ws, const double *x, size_t ldx, size_t n,
                          nn__fwd_mode mode)
{
    if (net->spec.dtype == NN_F32)
        nn__layers_forward_f32(net, ws, x, ldx, n, mode);
    else
        nn__layers_forward_f64(net, ws, x, ldx, n, mode);
}

void nn__net_infer(const nn_net *net, nn__ws *ws, nn_mat x, nn__fwd_mode mode, nn__emit what,
                   nn_mat out, int32_t *labels)
{
    if (net->spec.dtype == NN_F32)
        nn__layers_infer_f32(net, ws, x, mode, what, out, labels);
    else
        nn__layers_infer_f64(net, ws, x, mode, what, out, labels);
}

void nn__net_score(const nn_net *net, nn__ws *ws, const nn_dataset *d, double *score,
                   double *mean_loss)
{
    if (net->spec.dtype == NN_F32)
        nn__layers_score_f32(net, ws, d, score, mean_loss);
    else
        nn__layers_score_f64(net, ws, d, score, mean_loss);
}

/* ---- inference -------------------------------------------------------------------- */

/* Run mode over x chunk by chunk in a workspace of this call's, writing
 * what to out or labels. */
static nn_status run_chunks(const nn_net *net, nn_mat x, nn__fwd_mode mode, nn__emit what,
                            nn_mat out, int32_t *labels, const char *func)
{
    nn_status s = nn__net_check_params(net, func);
    if (s != NN_OK)
        return s;
    nn__ws *ws = nn__ws_acquire(net, nn__net_chunk_rows(x.rows), func);
    if (!ws)
        return NN_ENOMEM;
    nn__net_infer(net, ws, x, mode, what, out, labels);
    nn__ws_release(net, ws);
    return NN_OK;
}

/* An output matrix of rows(x) x n_outputs, named what in messages. */
static nn_status check_output(const nn_net *net, nn_mat x, nn_mat out, const char *f,
                              const char *what)
{
    NN_TRY(nn__check_view(out, f, what));
    size_t C = net->units[net->n_layers];
    if (out.rows != x.rows || out.cols != C)
        return nn__fail(NN_ESHAPE, "%s: %s is %zux%zu but must be %zux%zu", f, what, out.rows,
                        out.cols, x.rows, C);
    return NN_OK;
}

nn_status nn_net_forward(const nn_net *net, nn_mat x, nn_mat probs)
{
    const char *f = "nn_net_forward";
    NN_TRY(nn__net_check_input(net, x, f));
    NN_TRY(check_output(net, x, probs, f, "probs"));
    return run_chunks(net, x, NN__FWD_OUTPUT, NN__EMIT_OUTPUTS, probs, NULL, f);
}

nn_status nn_net_predict(const nn_net *net, nn_mat x, int32_t *labels)
{
    const char *f = "nn_net_predict";
    NN_TRY(nn__net_check_input(net, x, f));
    NN_TRY(nn__net_check_task(net, 1, f));
    if (!labels)
        return nn__fail(NN_EINVAL, "%s: labels is NULL", f);
    nn_mat none = {NULL, 0, 0, 0};
    return run_chunks(net, x, NN__FWD_LOGITS, NN__EMIT_LABELS, none, labels, f);
}

nn_status nn_net_predict_multilabel(const nn_net *net, nn_mat x, nn_mat out01)
{
    const char *f = "nn_net_predict_multilabel";
    NN_TRY(nn__net_check_input(net, x, f));
    if (net->spec.task != NN_TASK_MULTILABEL)
        return nn__fail(NN_EINVAL, "%s: the net's task is %s, not multilabel", f,
                        nn_task_name(net->spec.task));
    NN_TRY(check_output(net, x, out01, f, "out01"));
    return run_chunks(net, x, NN__FWD_LOGITS, NN__EMIT_01, out01, NULL, f);
}

nn_status nn_net_evaluate(const nn_net *net, const nn_dataset *d, double *accuracy,
                          double *mean_loss)
{
    const char *f = "nn_net_evaluate";
    if (!net)
        return nn__fail(NN_EINVAL, "%s: net is NULL", f);
    if (!d)
        return nn__fail(NN_EINVAL, "%s: d is NULL", f);
    NN_TRY(nn__net_check_data(net, d, f, "d"));
    NN_TRY(nn__net_check_params(net, f));
    nn__ws *ws = nn__ws_acquire(net, nn__net_chunk_rows(d->x.rows), f);
    if (!ws)
        return NN_ENOMEM;
    nn__net_score(net, ws, d, accuracy, mean_loss);
    nn__ws_release(net, ws);
    return NN_OK;
}
