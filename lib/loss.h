#ifndef NN_LIB_LOSS_H
#define NN_LIB_LOSS_H

/* For the net (lib/net/, and io.c through it) and loss.c: the output tasks
 * as loss modules. */

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"

/* What a batch is trained or scored against: labels (CLASSIFY) or a
 * rows x C target matrix (the other tasks). */
typedef struct nn__targets {
    const int32_t *y;
    const double *t;
    size_t ldt;
} nn__targets;

/* Evaluation statistics summed over chunks of rows. */
typedef struct nn__eval {
    size_t rows;     /* rows added so far (the caller counts) */
    double loss;     /* summed loss */
    size_t hits;     /* rows predicted right (CLASSIFY, MULTILABEL) */
    double *ss;      /* REGRESS: 4 x C sums for R^2 (workspace) */
    int32_t *labels; /* CLASSIFY: chunk-sized scratch (workspace) */
} nn__eval;

/* One output task: see loss.c for the formulas. */
typedef struct nn__loss {
    nn_task task;
    size_t min_outputs;
    int per_element; /* the mean loss is over rows * C (1) or over rows (0) */
    /* Inference: z += b, then the output function, in place. */
    void (*output)(const nn__kernels *k, double *z, size_t rows, size_t cols, size_t ld,
                   const double *b);
    /* Training: z (no bias yet) becomes scale * dL/dz of the summed loss;
     * returns the summed loss. */
    double (*grad)(const nn__kernels *k, double *z, size_t rows, size_t cols, size_t ld,
                   const double *b, nn__targets t, double scale);
    /* Evaluation of a chunk whose logits z (bias added) may be overwritten. */
    void (*eval)(const nn__kernels *k, nn__eval *e, double *z, size_t rows, size_t cols,
                 size_t ld, nn__targets t);
    double (*score)(const nn__eval *e, size_t cols);
} nn__loss;

const nn__loss *nn__loss_for(nn_task task);
void nn__eval_finish(const nn__loss *loss, const nn__eval *e, size_t cols, double *score,
                     double *mean_loss);

#endif /* NN_LIB_LOSS_H */
