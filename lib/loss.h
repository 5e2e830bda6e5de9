#ifndef NN_LIB_LOSS_H
#define NN_LIB_LOSS_H

/* For the net (lib/net/, and io.c through it) and loss.c: the output tasks
 * as loss modules. */

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"


/* Evaluation statistics summed over chunks of rows. */
typedef struct nn__eval {
    size_t rows;     /* rows added so far (the caller counts) */
    double loss;     /* summed loss */
    size_t hits;     /* rows predicted right (CLASSIFY, MULTILABEL) */
    double *ss;      /* REGRESS: 4 x C sums for R^2 (workspace) */
    int32_t *labels; /* CLASSIFY: chunk-sized scratch (workspace) */
} nn__eval;

#define NN__EACH_REAL "loss_fns.inc"
#include "each_real.h"

/* One output task: see loss.c for the formulas. The functions that run on
 * a net's numbers come in one set per element type (loss_tasks.inc). */
typedef struct nn__loss {
    nn_task task;
    size_t min_outputs;
    int per_element; /* the mean loss is over rows * C (1) or over rows (0) */
    const nn__loss_fns *run;
    const nn__loss_fns_f32 *run_f32;
    double (*score)(const nn__eval *e, size_t cols);
} nn__loss;

const nn__loss *nn__loss_for(nn_task task);
void nn__eval_finish(const nn__loss *loss, const nn__eval *e, size_t cols, double *score,
                     double *mean_loss);

#endif /* NN_LIB_LOSS_H */
