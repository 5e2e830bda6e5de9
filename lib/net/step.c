/* One training step on one process: forward, loss gradient, and a backward
 * pass that updates each layer as soon as its gradient is complete.
 *
 * Layer l's backward needs its old weights once, for the input gradient
 * dA = dZ Wᵀ, so that product comes first; after it nothing reads W_l, and
 * the update can follow at once, while the layer's gradient is still in
 * cache. For SGD and momentum the update is linear in the gradient, and
 * the weight-gradient GEMM does it: on the cblas path C = beta C + alpha Aᵀ
 * dZ accumulates -lr dW straight into W (or into the velocity), so dW is
 * never written and no pass over the weights remains for the optimizer;
 * on the small-gemm path (SIMD builds) each tile of dW updates its part of
 * W as it is finished (an epilogue, kernels/gemm_blocked.inc), and so do a
 * hidden layer's bias and activation in the forward product and the
 * derivative of the layer below in dA. Adam's update is not linear; it
 * runs over the layer's fresh gradient. A bias (one row per layer) is
 * summed and updated in place; the small gemm's fused update takes it as
 * one more row of W (b follows W in the parameter block, with W's row
 * stride), summed from dZ's columns in the same tiles.
 *
 * Data-parallel training (and nn_net_gradients) needs the whole gradient
 * before any update (it is reduced over the participants first): that is
 * nn__net_step_grads, the same passes writing the gradient block, followed
 * by one optimizer pass (train.c). The gradients API (nn_net_gradients,
 * nn_net_gradients_targets) is that step without an update.
 */
#include <math.h>

#include <cblas.h>

#include "net/net_internal.h"

/* W_l's update from dZ (rows x out) and the layer's input A (rows x in);
 * returns 1 when it updated the layer's bias too (the small gemm's fused
 * update takes b as one more row of W), else 0. */
static int update_weights(nn_net *net, size_t l, const double *a, size_t lda, const double *dz,
                          size_t lddz, size_t n, const nn__optim *o, double decay)
{
    nn_mat w = net->W[l];
    size_t off = (size_t)(w.data - net->params), len = w.rows * w.cols;
    if (nn__optim_folds_into_gemm(o)) {
        /* The small gemm's tiles update W as they are finished; on the
         * cblas path beta and alpha do (see nn__optim_gemm_begin). */
        nn__gemm_epi e = {.kind = o->kind == NN_SGD ? NN__EPI_SGD : NN__EPI_MOMENTUM,
                          .lr = o->lr,
                          .decay = decay,
                          .mu = o->mu,
                          .vel = o->m ? o->m + off : NULL,
                          .bias_row = net->b[l].data == w.data + w.rows * w.ld};
        if (nn__net_gemm_fused(net, net->ws.scratch, l, NN__GEMM_DW, n, a, lda, dz, lddz, w.data,
                               w.ld, &e))
            return e.bias_row;
        if (!nn__net_gemm_is_small(net, l, NN__GEMM_DW, n)) {
            double alpha, beta;
            double *c = nn__optim_gemm_begin(o, w.data, off, len, decay, &alpha, &beta);
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)w.rows, (int)w.cols,
                        (int)n, alpha, a, (int)lda, dz, (int)lddz, beta, c, (int)w.ld);
            nn__optim_gemm_end(o, w.data, off, len);
            return 0;
        }
    }
    nn_mat g = net->dW[l];
    nn__net_gemm(net, net->ws.scratch, l, NN__GEMM_DW, n, a, lda, dz, lddz, g.data, g.ld);
    nn__optim_apply(o, w.data, g.data, off, len, decay);
    return 0;
}

/* dA_{l-1} = dZ_l W_lᵀ times f'_{l-1}, into the layer's delta buffer (which
 * it returns): fused into the small gemm's tiles where the path allows,
 * else f' right after the product, while dA is in cache. */
static double *input_grad(nn_net *net, size_t l, const double *dz, size_t lddz, const double *a,
                          size_t lda, size_t n)
{
    size_t in = net->units[l];
    double *da = net->ws.delta[l & 1];
    nn_activation f = net->spec.act[l - 1];
    nn__gemm_epi e = {
        .kind = NN__EPI_ACT_GRAD, .act = f, .slope = net->spec.slope, .out = a, .ldo = lda};
    double *scratch = net->ws.scratch;
    if (nn__net_gemm_fused(net, scratch, l, NN__GEMM_DA, n, dz, lddz, net->W[l].data,
                           net->W[l].ld, da, in, &e))
        return da;
    nn__net_gemm(net, scratch, l, NN__GEMM_DA, n, dz, lddz, net->W[l].data, net->W[l].ld, da,
                 in);
    nn_mat pre = net->ws.pre[l - 1];
    net->k->act_backward[f](da, in, a, lda, pre.data, pre.ld, n, in, net->spec.slope);
    return da;
}

/* Forward and backward over n rows. Backward, with dZ_{L-1} = scale *
 * dL/dZ from the task's fused kernel:
 *   dA_{l-1} = dZ_l W_lᵀ,  dW_l = A_{l-1}ᵀ dZ_l,  db_l = column sums of dZ_l,
 *   dZ_{l-1} = dA_{l-1} ⊙ f'_{l-1}(Z_{l-1}),
 * and no dA for the first layer (the input needs no gradient). With o,
 * dW_l and db_l go to the update of layer l (not computed when the loss is
 * not finite); without, to the gradient block. */
static double step(nn_net *net, const double *x, size_t ldx, size_t n, nn__targets t,
                   double scale, nn__optim *o, double weight_decay)
{
    size_t L = net->n_layers;
    nn__net_forward_rows(net, &net->ws, x, ldx, n, NN__FWD_TRAIN);
    nn_mat out = net->ws.act[L - 1];
    double loss = net->loss->grad(net->k, out.data, n, out.cols, out.ld, net->b[L - 1].data, t,
                                  scale);
    if (o) {
        if (!isfinite(loss))
            return loss;
        nn__optim_begin_step(o);
    }
    const double *dz = out.data;
    size_t lddz = out.ld;
    for (size_t l = L; l-- > 0;) {
        const double *a = l ? net->ws.act[l - 1].data : x;
        size_t lda = l ? net->ws.act[l - 1].ld : ldx;
        size_t width = net->units[l + 1];
        nn_mat b = net->b[l], db = net->db[l], dw = net->dW[l];
        /* Which comes first, dW or dA? Updating inside the weight GEMM
         * needs dA (which reads the old W) first, and then dA sits idle while
         * that GEMM streams A through the cache, to be read back from memory
         * by the next layer. That pays when W is the larger of the two,
         * width >= n; with a narrower layer (or no update) the gradient
         * goes first, as W's own update pass is then the smaller cost. */
        const int grad_first = !o || (l > 0 && width < n);
        if (grad_first) {
            net->k->col_sums(dz, n, width, lddz, db.data);
            nn__net_gemm(net, net->ws.scratch, l, NN__GEMM_DW, n, a, lda, dz, lddz, dw.data,
                         dw.ld);
        }
        double *da = l ? input_grad(net, l, dz, lddz, a, lda, n) : NULL;
        size_t boff = (size_t)(b.data - net->params);
        if (o && grad_first) {
            nn__optim_apply(o, b.data, db.data, boff, width, 0.0);
            nn__optim_apply(o, net->W[l].data, dw.data, (size_t)(net->W[l].data - net->params),
                            dw.rows * dw.cols, weight_decay);
        } else if (o && !update_weights(net, l, a, lda, dz, lddz, n, o, weight_decay)) {
            /* The bias gradient: dZ's column sums, or of one row, the row. */
            const double *g = dz;
            if (n > 1) {
                net->k->col_sums(dz, n, width, lddz, db.data);
                g = db.data;
            }
            nn__optim_apply(o, b.data, g, boff, width, 0.0);
        }
        if (l == 0)
            break;
        dz = da;
        lddz = net->units[l];
    }
    return loss;
}

double nn__net_step_grads(nn_net *net, const double *x, size_t ldx, size_t n, nn__targets t,
                          double scale)
{
    return step(net, x, ldx, n, t, scale, NULL, 0.0);
}

double nn__net_step_update(nn_net *net, const double *x, size_t ldx, size_t n, nn__targets t,
                           double scale, nn__optim *o, double weight_decay)
{
    return step(net, x, ldx, n, t, scale, o, weight_decay);
}

/* ---- the gradients API ---------------------------------------------------- */

static nn_status gradients(nn_net *net, nn_mat x, const int32_t *labels, nn_mat targets,
                           double *mean_loss, const char *func)
{
    NN_TRY(nn__net_check_input(net, x, func));
    NN_TRY(nn__net_check_task(net, labels != NULL || !targets.data, func));
    NN_TRY(nn__net_check_targets(net, x.rows, labels, targets, func, "x"));
    NN_TRY(nn__net_reserve(net, x.rows));
    size_t ld;
    const double *in = nn__net_input_rows(net, &net->ws, x, 0, x.rows, &ld);
    double scale = nn__net_mean_scale(net, x.rows);
    nn__targets t = nn__net_target_rows(net, &net->ws, labels, targets, 0, x.rows);
    double loss = nn__net_step_grads(net, in, ld, x.rows, t, scale);
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
