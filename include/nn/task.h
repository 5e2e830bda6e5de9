#ifndef NN_TASK_H
#define NN_TASK_H

#include "nn/export.h"
#include "nn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the output layer computes and which loss training minimizes. The
 * output layer has nn_net_config.n_classes units for every task.
 *   CLASSIFY    softmax over the outputs; mean cross-entropy over rows
 *               against int32 labels (v1)
 *   MULTILABEL  one sigmoid per output; binary cross-entropy against 0/1
 *               targets, computed from the logits (stable for any logit),
 *               averaged over all rows x outputs
 *   REGRESS     identity output; mean squared error (out - t)^2 averaged
 *               over all rows x outputs                                     */
typedef enum nn_task {
    NN_TASK_CLASSIFY = 0,
    NN_TASK_MULTILABEL,
    NN_TASK_REGRESS
} nn_task;

/* Name of a task ("classify", "multilabel", "regress"); NULL for a value out
 * of range. */
NN_API const char *nn_task_name(nn_task t);
/* The task with that name; NN_EINVAL for an unknown name. */
NN_API nn_status nn_task_parse(const char *name, nn_task *out);

#ifdef __cplusplus
}
#endif

#endif /* NN_TASK_H */
