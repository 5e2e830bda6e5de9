/* Output tasks as loss modules.
 *
 * Each task is one table entry: the output function used at inference, the
 * fused loss-and-gradient of a training step, and the evaluation of a chunk
 * of rows (summed loss and what the score needs). lib/net/ calls through the
 * entry of its task and never switches on the task itself.
 *
 *   task        output        loss (mean over)              dL/dz (of the sum)
 *   CLASSIFY    softmax(z)    -log p_y          (rows)      p - onehot(y)
 *   MULTILABEL  sigmoid(z)    BCE(z, t)         (rows*C)    sigmoid(z) - t
 *   REGRESS     z             (z - t)^2         (rows*C)    2 (z - t)
 *
 * The fused kernels (nn__kernels) take the scale that turns the gradient of
 * the summed loss into that of the mean: 1/rows or 1/(rows*C).
 */
#include <math.h>
#include <string.h>

#include "loss.h"

static const char *const TASKS[] = {"classify", "multilabel", "regress"};

const char *nn_task_name(nn_task t)
{
    return (unsigned)t <= NN_TASK_REGRESS ? TASKS[t] : NULL;
}

nn_status nn_task_parse(const char *name, nn_task *out)
{
    if (!name || !out)
        return nn__fail(NN_EINVAL, "nn_task_parse: %s is NULL", !name ? "name" : "out");
    for (int t = 0; t <= NN_TASK_REGRESS; t++)
        if (strcmp(name, TASKS[t]) == 0) {
            *out = (nn_task)t;
            return NN_OK;
        }
    return nn__fail(NN_EINVAL, "unknown task '%s' (classify, multilabel, regress)", name);
}

/* ---- CLASSIFY: softmax + cross-entropy ------------------------------------ */

static void classify_output(const nn__kernels *k, double *z, size_t rows, size_t cols, size_t ld,
                            const double *b)
{
    k->bias_add(z, rows, cols, ld, b);
    k->softmax_rows(z, rows, cols, ld);
}

static double classify_grad(const nn__kernels *k, double *z, size_t rows, size_t cols,
                            size_t ld, const double *b, nn__targets t, double scale)
{
    return k->bias_softmax_xent(z, rows, cols, ld, b, t.y, scale);
}

/* The clamped cross-entropy of v1 (from the probabilities), and hits =
 * rows whose argmax is the label. */
static void classify_eval(const nn__kernels *k, nn__eval *e, double *z, size_t rows, size_t cols,
                          size_t ld, nn__targets t)
{
    k->softmax_rows(z, rows, cols, ld);
    e->loss += k->xent_sum(z, rows, cols, ld, t.y);
    k->argmax_rows(z, rows, cols, ld, e->labels);
    for (size_t i = 0; i < rows; i++)
        e->hits += e->labels[i] == t.y[i];
}

/* ---- MULTILABEL: sigmoid + binary cross-entropy ---------------------------- */

static void multilabel_output(const nn__kernels *k, double *z, size_t rows, size_t cols,
                              size_t ld, const double *b)
{
    k->act_forward[NN_ACT_SIGMOID](z, ld, z, ld, rows, cols, b, 0.0);
}

static double multilabel_grad(const nn__kernels *k, double *z, size_t rows, size_t cols,
                              size_t ld, const double *b, nn__targets t, double scale)
{
    return k->bias_sigmoid_bce(z, rows, cols, ld, b, t.t, t.ldt, scale);
}

/* BCE from the logits, and hits = rows whose every output is on the right
 * side of 0.5 (logit >= 0 predicts 1). */
static void multilabel_eval(const nn__kernels *k, nn__eval *e, double *z, size_t rows,
                            size_t cols, size_t ld, nn__targets t)
{
    (void)k;
    for (size_t i = 0; i < rows; i++) {
        const double *zr = z + i * ld, *tr = t.t + i * t.ldt;
        int all = 1;
        for (size_t j = 0; j < cols; j++) {
            e->loss += nn__bce_logit(zr[j], tr[j]);
            all &= (zr[j] >= 0.0) == (tr[j] > 0.5);
        }
        e->hits += (size_t)all;
    }
}

/* ---- REGRESS: identity + squared error -------------------------------------- */

static void regress_output(const nn__kernels *k, double *z, size_t rows, size_t cols, size_t ld,
                           const double *b)
{
    k->bias_add(z, rows, cols, ld, b);
}

static double regress_grad(const nn__kernels *k, double *z, size_t rows, size_t cols, size_t ld,
                           const double *b, nn__targets t, double scale)
{
    return k->bias_mse(z, rows, cols, ld, b, t.t, t.ldt, scale);
}

/* R^2 needs, per output j, SS_res = sum (t - z)^2 and SS_tot = sum (t - mean)^2
 * in one pass over chunks. SS_tot comes from sums shifted by the first
 * target K_j (Welford's shifted-data form), which avoids the cancellation
 * of sum t^2 - n mean^2 when |mean| >> sd:
 *   SS_tot = sum (t-K)^2 - (sum (t-K))^2 / n.
 * e->ss holds 4 arrays of C: K, sum (t-K), sum (t-K)^2, SS_res. */
static void regress_eval(const nn__kernels *k, nn__eval *e, double *z, size_t rows, size_t cols,
                         size_t ld, nn__targets t)
{
    (void)k;
    double *K = e->ss, *s1 = K + cols, *s2 = s1 + cols, *res = s2 + cols;
    if (e->rows == 0)
        for (size_t j = 0; j < cols; j++) {
            K[j] = t.t[j];
            s1[j] = s2[j] = res[j] = 0.0;
        }
    for (size_t i = 0; i < rows; i++) {
        const double *zr = z + i * ld, *tr = t.t + i * t.ldt;
        for (size_t j = 0; j < cols; j++) {
            double d = zr[j] - tr[j], c = tr[j] - K[j];
            e->loss += d * d;
            res[j] += d * d;
            s1[j] += c;
            s2[j] += c * c;
        }
    }
}

/* scikit-learn's r2_score, multioutput="uniform_average", with its
 * force_finite rule: an output with constant targets scores 1 when
 * predicted exactly, else 0. */
static double regress_score(const nn__eval *e, size_t cols)
{
    const double *s1 = e->ss + cols, *s2 = s1 + cols, *res = s2 + cols;
    double n = (double)e->rows, sum = 0.0;
    for (size_t j = 0; j < cols; j++) {
        double tot = s2[j] - s1[j] * s1[j] / n;
        if (tot > 0.0)
            sum += 1.0 - res[j] / tot;
        else
            sum += res[j] == 0.0 ? 1.0 : 0.0;
    }
    return sum / (double)cols;
}

static double hit_rate(const nn__eval *e, size_t cols)
{
    (void)cols;
    return (double)e->hits / (double)e->rows;
}

static const nn__loss LOSSES[] = {
    [NN_TASK_CLASSIFY] = {.task = NN_TASK_CLASSIFY,
                          .min_outputs = 2,
                          .per_element = 0,
                          .output = classify_output,
                          .grad = classify_grad,
                          .eval = classify_eval,
                          .score = hit_rate},
    [NN_TASK_MULTILABEL] = {.task = NN_TASK_MULTILABEL,
                            .min_outputs = 1,
                            .per_element = 1,
                            .output = multilabel_output,
                            .grad = multilabel_grad,
                            .eval = multilabel_eval,
                            .score = hit_rate},
    [NN_TASK_REGRESS] = {.task = NN_TASK_REGRESS,
                         .min_outputs = 1,
                         .per_element = 1,
                         .output = regress_output,
                         .grad = regress_grad,
                         .eval = regress_eval,
                         .score = regress_score},
};

const nn__loss *nn__loss_for(nn_task task)
{
    return &LOSSES[task];
}

/* Score and mean loss once every chunk has been added (rows counted by the
 * caller in e->rows). */
void nn__eval_finish(const nn__loss *loss, const nn__eval *e, size_t cols, double *score,
                     double *mean_loss)
{
    if (score)
        *score = loss->score(e, cols);
    if (mean_loss)
        *mean_loss = e->loss / ((double)e->rows * (loss->per_element ? (double)cols : 1.0));
}
