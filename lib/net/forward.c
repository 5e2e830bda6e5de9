/* The layer loop (nn__net_forward_rows) and everything that runs it without
 * training: the chunked inference API (nn_net_forward, nn_net_predict,
 * nn_net_predict_multilabel) and evaluation (nn_net_evaluate, nn__net_score).
 * Layers call activations and the output task through tables and never ask
 * which one they have. */
#include <stdint.h>

#include "net/net_internal.h"


/* Forward pass of n <= ws->cap rows. Hidden layer l computes Z = A W into
 * pre[l] when its activation's backward needs Z (a training workspace; then
 * act[l] = f(Z + b)), else in place in act[l]. The output layer goes as far
 * as mode says. */
void nn__net_forward_rows(const nn_net *net, nn__ws *ws, const double *x, size_t ldx, size_t n,
                          nn__fwd_mode mode)
{
    const double *a = x;
    size_t lda = ldx;
    size_t L = net->n_layers;
    for (size_t l = 0; l < L; l++) {
        nn_mat out = ws->act[l];
        nn_mat z = ws->pre[l].data ? ws->pre[l] : out;
        /* A hidden layer whose activation needs no pre-activation may get
         * its bias and activation inside the small gemm's tiles. */
        int done = 0;
        if (l + 1 < L && !ws->pre[l].data) {
            nn__gemm_epi e = {.kind = NN__EPI_BIAS_ACT,
                              .act = net->spec.act[l],
                              .slope = net->spec.slope,
                              .bias = net->b[l].data};
            done = nn__net_gemm_fused(net, ws->scratch, l, NN__GEMM_FWD, n, a, lda,
                                      net->W[l].data, net->W[l].ld, out.data, out.ld, &e);
        }
        if (!done) {
            nn__net_gemm(net, ws->scratch, l, NN__GEMM_FWD, n, a, lda, net->W[l].data,
                         net->W[l].ld, z.data, z.ld);
            if (l + 1 < L)
                net->k->act_forward[net->spec.act[l]](z.data, z.ld, out.data, out.ld, n,
                                                      out.cols, net->b[l].data, net->spec.slope);
            else if (mode == NN__FWD_LOGITS)
                net->k->bias_add(z.data, n, z.cols, z.ld, net->b[l].data);
            else if (mode == NN__FWD_OUTPUT)
                net->loss->output(net->k, z.data, n, z.cols, z.ld, net->b[l].data);
        }
        a = out.data;
        lda = out.ld;
    }
}

/* Rows [i, i+n) of x as the net sees them: standardized into the workspace
 * when the net has a scaler, else x itself. */
const double *nn__net_input_rows(const nn_net *net, nn__ws *ws, nn_mat x, size_t i, size_t n,
                                size_t *ld)
{
    const double *p = x.data + i * x.ld;
    if (!net->scaler.mean) {
        *ld = x.ld;
        return p;
    }
    nn__scale_rows(&net->scaler, p, x.ld, n, ws->x.data, ws->x.ld);
    *ld = ws->x.ld;
    return ws->x.data;
}

/* Targets as training sees them (standardized by the target scaler). */
nn__targets nn__net_target_rows(const nn_net *net, nn__ws *ws, const int32_t *y, nn_mat t,
                                size_t i, size_t n)
{
    nn__targets r = {.y = y ? y + i : NULL, .t = NULL, .ldt = t.ld};
    if (!t.data)
        return r;
    r.t = t.data + i * t.ld;
    if (net->target_scaler.mean) {
        nn__scale_rows(&net->target_scaler, r.t, t.ld, n, ws->t.data, ws->t.ld);
        r.t = ws->t.data;
        r.ldt = ws->t.ld;
    }
    return r;
}

/* Run the output mode over x chunk by chunk in a workspace of this call's;
 * each chunk's result (n rows in act[L-1]) goes to emit. */
typedef void (*emit_fn)(const nn_net *net, size_t i, size_t n, nn_mat out, void *ctx);

static nn_status run_chunks(const nn_net *net, nn_mat x, nn__fwd_mode mode, emit_fn emit,
                            void *ctx, const char *func)
{
    nn_status s = nn__net_check_params(net, func);
    if (s != NN_OK)
        return s;
    size_t chunk = nn__net_chunk_rows(x.rows);
    nn__ws *ws = nn__ws_acquire(net, chunk, func);
    if (!ws)
        return NN_ENOMEM;
    for (size_t i = 0; i < x.rows; i += chunk) {
        size_t n = x.rows - i < chunk ? x.rows - i : chunk, ld;
        const double *in = nn__net_input_rows(net, ws, x, i, n, &ld);
        nn__net_forward_rows(net, ws, in, ld, n, mode);
        emit(net, i, n, ws->act[net->n_layers - 1], ctx);
    }
    nn__ws_release(net, ws);
    return NN_OK;
}

/* Copy the outputs out, mapping REGRESS values back to target units. */
static void emit_outputs(const nn_net *net, size_t i, size_t n, nn_mat out, void *ctx)
{
    nn_mat *dst = ctx;
    const nn_scaler *ts = net->target_scaler.mean ? &net->target_scaler : NULL;
    for (size_t r = 0; r < n; r++) {
        const double *src = out.data + r * out.ld;
        double *d = dst->data + (i + r) * dst->ld;
        for (size_t j = 0; j < out.cols; j++)
            d[j] = ts ? src[j] * ts->scale[j] + ts->mean[j] : src[j];
    }
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
    return run_chunks(net, x, NN__FWD_OUTPUT, emit_outputs, &probs, f);
}

static void emit_labels(const nn_net *net, size_t i, size_t n, nn_mat out, void *ctx)
{
    net->k->argmax_rows(out.data, n, out.cols, out.ld, (int32_t *)ctx + i);
}

nn_status nn_net_predict(const nn_net *net, nn_mat x, int32_t *labels)
{
    const char *f = "nn_net_predict";
    NN_TRY(nn__net_check_input(net, x, f));
    NN_TRY(nn__net_check_task(net, 1, f));
    if (!labels)
        return nn__fail(NN_EINVAL, "%s: labels is NULL", f);
    /* The argmax of the logits is the argmax of the softmax. */
    return run_chunks(net, x, NN__FWD_LOGITS, emit_labels, labels, f);
}

static void emit_01(const nn_net *net, size_t i, size_t n, nn_mat out, void *ctx)
{
    (void)net;
    nn_mat *dst = ctx;
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < out.cols; j++)
            dst->data[(i + r) * dst->ld + j] = out.data[r * out.ld + j] >= 0.0 ? 1.0 : 0.0;
}

nn_status nn_net_predict_multilabel(const nn_net *net, nn_mat x, nn_mat out01)
{
    const char *f = "nn_net_predict_multilabel";
    NN_TRY(nn__net_check_input(net, x, f));
    if (net->spec.task != NN_TASK_MULTILABEL)
        return nn__fail(NN_EINVAL, "%s: the net's task is %s, not multilabel", f,
                        nn_task_name(net->spec.task));
    NN_TRY(check_output(net, x, out01, f, "out01"));
    /* sigmoid(z) >= 0.5 exactly when z >= 0: decide on the logits. */
    return run_chunks(net, x, NN__FWD_LOGITS, emit_01, &out01, f);
}

void nn__net_score(const nn_net *net, nn__ws *ws, const nn_dataset *d, double *score,
                   double *mean_loss)
{
    size_t rows = d->x.rows, C = net->units[net->n_layers];
    size_t chunk = nn__net_chunk_rows(rows);
    nn__eval e = {.ss = ws->eval, .labels = ws->labels};
    for (size_t i = 0; i < rows; i += chunk) {
        size_t n = rows - i < chunk ? rows - i : chunk, ld;
        const double *in = nn__net_input_rows(net, ws, d->x, i, n, &ld);
        nn__net_forward_rows(net, ws, in, ld, n, NN__FWD_LOGITS);
        nn_mat z = ws->act[net->n_layers - 1];
        net->loss->eval(net->k, &e, z.data, n, C, z.ld,
                        nn__net_target_rows(net, ws, d->y, d->t, i, n));
        e.rows += n;
    }
    nn__eval_finish(net->loss, &e, C, score, mean_loss);
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
