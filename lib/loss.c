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

#include "real.h"

#include "loss_tasks.inc"

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
                          .run = &nn__loss_tasks[NN_TASK_CLASSIFY],
                          .run_f32 = &nn__loss_tasks_f32[NN_TASK_CLASSIFY],
                          .score = hit_rate},
    [NN_TASK_MULTILABEL] = {.task = NN_TASK_MULTILABEL,
                            .min_outputs = 1,
                            .per_element = 1,
                            .run = &nn__loss_tasks[NN_TASK_MULTILABEL],
                            .run_f32 = &nn__loss_tasks_f32[NN_TASK_MULTILABEL],
                            .score = hit_rate},
    [NN_TASK_REGRESS] = {.task = NN_TASK_REGRESS,
                         .min_outputs = 1,
                         .per_element = 1,
                         .run = &nn__loss_tasks[NN_TASK_REGRESS],
                         .run_f32 = &nn__loss_tasks_f32[NN_TASK_REGRESS],
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
