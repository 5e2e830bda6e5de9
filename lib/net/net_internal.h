#ifndef NN_NET_INTERNAL_H
#define NN_NET_INTERNAL_H

/* For lib/net/, and the files above the net that need its struct: train.c,
 * io.c, lib/export/ (and tests). The nn_net struct, the layer loop's entry
 * points and the inline GEMM dispatch of a step. Never installed. */

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "kernels/kernels.h"
#include "loss.h"
#include "optim.h"

#define NN__MAX_LAYERS 64    /* dense layers, hidden + output */
#define NN__INFER_CHUNK 256  /* rows per forward chunk at inference */
#define NN__MAX_NAME 4096  /* bytes in a class name (the model format's limit) */

#include "net/gemm_plan.h"

/* ---- workspaces ------------------------------------------------------------ */

/* The buffers of the layer loop for up to cap rows, in one block: one
 * activation matrix per layer (cap x units[l+1]), scaled inputs, predicted
 * labels, scaled targets and evaluation sums; a training workspace also
 * holds the pre-activations of the layers whose backward needs them and two
 * cap x max-hidden buffers for the backward pass. scratch is
 * the small gemm's (NN__GEMM_SCRATCH doubles). */
typedef struct nn__ws {
    size_t cap;
    int train;                   /* holds pre and delta */
    double *block;
    int32_t *labels;             /* cap predicted labels */
    nn_mat act[NN__MAX_LAYERS];  /* cap x units[l+1] activations */
    nn_mat pre[NN__MAX_LAYERS];  /* pre-activations the backward needs, else empty */
    double *delta[2];            /* cap x max hidden, backward ping-pong */
    nn_mat x;                    /* cap x n_inputs: scaled inputs */
    nn_mat t;                    /* cap x outputs: scaled targets */
    double *eval;                /* 4 x outputs: evaluation sums */
    double *scratch;
} nn__ws;

/* Inference on a const net from many threads at once: each call takes a
 * free slot (an atomic flag, no lock) and its workspace, grown when a call
 * needs more rows and kept for the next call; when every slot is busy, the
 * call works in a workspace of its own, freed on return. */
#define NN__INFER_SLOTS 4
typedef struct nn__ws_slot {
    atomic_flag busy;
    nn__ws ws;
} nn__ws_slot;

/* ---- the net --------------------------------------------------------------- */

/* Everything that fixes a net's shape and behaviour, as create, clone and
 * load know it. */
typedef struct nn__net_spec {
    size_t n_layers;                  /* dense layers L */
    size_t units[NN__MAX_LAYERS + 1]; /* units[0] inputs ... units[L] outputs */
    nn_activation act[NN__MAX_LAYERS]; /* hidden layers 0..L-2 */
    double slope;                     /* leaky ReLU slope, > 0 */
    nn_task task;
    nn_init init;
    uint64_t seed;
} nn__net_spec;

struct nn_net {
    nn__net_spec spec;
    size_t n_layers;                     /* = spec.n_layers */
    const size_t *units;                 /* = spec.units */
    const nn__loss *loss;                /* the task's loss module */
    size_t n_params;
    double *params;                      /* [W_0 b_0 W_1 b_1 ...], owned */
    double *grads;                       /* same layout, owned */
    nn_mat W[NN__MAX_LAYERS], b[NN__MAX_LAYERS];   /* views into params */
    nn_mat dW[NN__MAX_LAYERS], db[NN__MAX_LAYERS]; /* views into grads */
    const nn__kernels *k;                /* kernel path, fixed at creation */
    nn__gemm_small_fn gemm_small;        /* k's small gemm (tests may swap it) */
    nn__gemm_fused_fn gemm_fused;        /* and k's with epilogues, or NULL */
    int gemm_path;                       /* an nn_gemm_path: NN_GEMM, or nn_net_set_gemm_path */
    nn__gemm_plan gemm_plan;             /* per-shape choice for the fit's batches */
    /* What travels with the model. */
    nn_scaler scaler;                    /* inputs; mean NULL = none */
    nn_scaler target_scaler;             /* REGRESS targets; mean NULL = none */
    char **class_names;                  /* units[L] names, or NULL */
    nn__ws ws;                           /* the training workspace: fit, gradients */
    nn__ws_slot *slots;                  /* NN__INFER_SLOTS inference workspaces */
};

/* How far nn__net_forward_rows takes the output layer. */
typedef enum nn__fwd_mode {
    NN__FWD_TRAIN,  /* act[L-1] = A W (no bias: the fused loss kernel adds it) */
    NN__FWD_LOGITS, /* act[L-1] = A W + b */
    NN__FWD_OUTPUT  /* act[L-1] = the task's output function of the logits */
} nn__fwd_mode;

/* ---- net.c: allocation, workspace, scalers ---------------------------------- */

/* A net of spec with zeroed parameters; func names the caller in messages. */
nn_status nn__net_alloc(nn_net **out, const nn__net_spec *spec, const char *func);
/* Make the training workspace hold batches of at least rows rows. */
nn_status nn__net_reserve(nn_net *net, size_t rows);

/* ---- workspace.c: workspaces and the inference slots ------------------------ */

/* Make ws hold at least rows rows (a training workspace when train); on
 * failure ws stays as it was. func names the caller in the message. */
nn_status nn__ws_reserve(const nn_net *net, nn__ws *ws, size_t rows, int train,
                         const char *func);
void nn__ws_free(nn__ws *ws);
/* NN__INFER_SLOTS empty slots, or NULL. */
nn__ws_slot *nn__ws_slots_new(void);
void nn__ws_slots_free(nn__ws_slot *slots);
/* An inference workspace of at least rows rows for this call, or NULL
 * (nn_last_error says why); give it back with nn__ws_release. */
nn__ws *nn__ws_acquire(const nn_net *net, size_t rows, const char *func);
void nn__ws_release(const nn_net *net, nn__ws *ws);
/* The scale that turns summed into mean gradients for a batch of n rows. */
double nn__net_mean_scale(const nn_net *net, size_t n);
void nn__scale_rows(const nn_scaler *s, const double *x, size_t ldx, size_t rows, double *dst,
                    size_t ldd);

/* ---- check.c: what a net takes ----------------------------------------------- */

/* A non-NULL net and a valid, finite x of the net's input width. */
nn_status nn__net_check_input(const nn_net *net, nn_mat x, const char *func);
/* The net's task takes labels (classify 1) or targets (classify 0). */
nn_status nn__net_check_task(const nn_net *net, int classify, const char *func);
/* Labels in [0, C), or targets of width C that are finite (and 0/1 for
 * MULTILABEL), for rows rows; what names their data set in messages. */
nn_status nn__net_check_targets(const nn_net *net, size_t rows, const int32_t *y, nn_mat t,
                                const char *func, const char *what);
/* Check that d is what this net trains or scores on: a valid x of the net's
 * width, finite; labels in range (CLASSIFY) or finite targets of the
 * output width, 0/1 for MULTILABEL. what names d in messages. */
nn_status nn__net_check_data(const nn_net *net, const nn_dataset *d, const char *func,
                             const char *what);

/* NN_ENUMERIC naming the layer when a weight or bias is NaN or infinite. */
nn_status nn__net_check_params(const nn_net *net, const char *func);

/* ---- forward.c: the layer loop and inference -------------------------------- */

/* Forward pass of n <= ws->cap rows x, already scaled by the net's scaler,
 * in ws. */
void nn__net_forward_rows(const nn_net *net, nn__ws *ws, const double *x, size_t ldx, size_t n,
                          nn__fwd_mode mode);
/* Rows [i, i+n) of x as the net sees them: standardized into the workspace
 * when the net has a scaler, else x itself (row stride in *ld). */
const double *nn__net_input_rows(const nn_net *net, nn__ws *ws, nn_mat x, size_t i, size_t n,
                                size_t *ld);
/* Targets rows [i, i+n) as training sees them (standardized by the target
 * scaler into the workspace). */
nn__targets nn__net_target_rows(const nn_net *net, nn__ws *ws, const int32_t *y, nn_mat t,
                                size_t i, size_t n);
/* Score and mean loss of the net on d (validated by nn__net_check_data; raw
 * features and targets), in chunks of min(rows, NN__INFER_CHUNK) rows, which
 * ws must hold. Allocates nothing. */
void nn__net_score(const nn_net *net, nn__ws *ws, const nn_dataset *d, double *score,
                   double *mean_loss);
/* The rows of each chunk of an n-row inference or evaluation. */
static inline size_t nn__net_chunk_rows(size_t n)
{
    return n < NN__INFER_CHUNK ? n : NN__INFER_CHUNK;
}

/* ---- step.c: the training step ----------------------------------------------- */

/* Forward and backward pass over n <= cap rows of scaled inputs x against
 * t (targets already scaled), filling the gradient block with scale times
 * the gradient of the summed loss; returns the summed loss. Allocates
 * nothing. scale = 1/n (or 1/(n*C)) gives the mean's gradient. */
double nn__net_step_grads(nn_net *net, const double *x, size_t ldx, size_t n, nn__targets t,
                          double scale);
/* One training step on one process: the forward pass, the loss
 * gradient, and a backward pass that updates each layer with o as soon as
 * its gradient is complete (dA of a layer is taken before its weights
 * change). Returns the summed loss; when it is not finite, nothing is
 * updated. The gradient block is scratch: its contents afterwards are
 * unspecified. Allocates nothing. */
double nn__net_step_update(nn_net *net, const double *x, size_t ldx, size_t n, nn__targets t,
                           double scale, nn__optim *o, double weight_decay);

/* ---- the GEMM dispatch of a step (gemm_plan.c makes the plan) ------------- */

/* The shape of product kind q of layer l with rows rows (see nn__gemm_shape).
 * This and the two lookups below are inline: a small net's step makes a
 * handful of products of a few hundred flops each, and a call's set-up
 * would cost about as much as the lookup. */
static inline nn__gemm_shape nn__net_gemm_shape(const nn_net *net, size_t l, int q, size_t rows)
{
    size_t in = net->units[l], out = net->units[l + 1];
    nn__gemm_shape s = {.ta = 0, .tb = 0, .m = rows, .n = out, .k = in};
    if (q == NN__GEMM_DW)
        s = (nn__gemm_shape){.ta = 1, .tb = 0, .m = in, .n = out, .k = rows};
    else if (q == NN__GEMM_DA)
        s = (nn__gemm_shape){.ta = 0, .tb = 1, .m = rows, .n = in, .k = out};
    return s;
}

/* Whether the plan (or, for a shape it does not cover, the path's rule)
 * sends product kind q of layer l with n rows to the small gemm. The plan
 * is found by row count, a compare or two. */
static inline int nn__net_gemm_is_small(const nn_net *net, size_t l, int q, size_t n)
{
    const nn__gemm_plan *p = &net->gemm_plan;
    for (size_t s = 0; s < NN__GEMM_PLAN_ROWS; s++)
        if (p->rows[s] == n)
            return p->small[s][l][q];
    return nn__net_gemm_by_rule(net, l, q, n);
}

/* As nn__net_gemm with epilogue e fused into the small gemm's tiles, when
 * the plan sends the product to the small gemm and the kernel path fuses
 * e; returns 0, having done nothing, otherwise. */
static inline int nn__net_gemm_fused(const nn_net *net, double *scratch, size_t l, int q,
                                     size_t rows, const double *a, size_t lda, const double *b,
                                     size_t ldb, double *c, size_t ldc, const nn__gemm_epi *e)
{
    if (!net->gemm_fused || !nn__net_gemm_is_small(net, l, q, rows))
        return 0;
    nn__gemm_shape s = nn__net_gemm_shape(net, l, q, rows);
    return net->gemm_fused(s.ta, s.tb, s.m, s.n, s.k, a, lda, b, ldb, c, ldc, scratch, e);
}

#endif /* NN_NET_INTERNAL_H */
