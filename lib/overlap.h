#ifndef NN_LIB_OVERLAP_H
#define NN_LIB_OVERLAP_H

/* For train.c only: the gradient reduction of a data-parallel step,
 * overlapped with the backward pass (overlap.c). */

#include "net/net_internal.h"

/* One gradient step of rows rows (0: this participant has none left, and
 * contributes zeros) whose reduction runs through h's reduce_start,
 * reduce_progress and reduce_finish: each bucket of whole layers, from the
 * last layer down, is started as soon as the backward pass has produced it
 * (a bucket holds at least NN__BUCKET_BYTES, or ends at layer 0; the first
 * also holds the two spare elements, rows and the summed loss), and every
 * sum is finished before this returns. The buckets depend only on the
 * net's shape, so every participant starts the same sums in the same
 * order. Returns 0, or -1 when a hook failed (every bucket is still
 * started and finish still called, so that no participant is left waiting).
 * *loss: this participant's summed loss. */
int nn__overlap_step(nn_net *net, const nn_fit_hooks *h, const double *x, size_t ldx,
                     size_t rows, nn__targets t, double *loss);

#define NN__BUCKET_BYTES ((size_t)64 * 1024)

/* Whether the reduction of net's gradient makes more than one bucket: with
 * one, nothing can overlap (the gradient is complete only at the end of the
 * backward pass), and the blocking all-reduce is the cheaper call. Depends
 * on the net's shape only, so every participant decides the same. */
int nn__overlap_pays(const nn_net *net);

#endif /* NN_LIB_OVERLAP_H */
