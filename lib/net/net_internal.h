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
    double *block;               /* of the net's element type, then eval */
    int32_t *labels;             /* cap predicted labels */
    double *eval;                /* 4 x outputs: evaluation sums (double) */
    double *scratch;             /* NN__GEMM_SCRATCH doubles */
    /* The views, of the net's element type: an F64 net's in nn_mat, an F32
     * net's in nn_matf (the _f32 fields); the others stay empty. */
    nn_mat act[NN__MAX_LAYERS];  /* cap x units[l+1] activations */
    nn_mat pre[NN__MAX_LAYERS];  /* pre-activations the backward needs, else empty */
    double *delta[2];            /* cap x max hidden, backward ping-pong */
    nn_mat x;                    /* cap x n_inputs: scaled inputs */
    nn_mat t;                    /* cap x outputs: scaled targets */
    nn_matf act_f32[NN__MAX_LAYERS], pre_f32[NN__MAX_LAYERS];
    float *delta_f32[2];
    nn_matf x_f32, t_f32;
    float *scratch_f32;          /* = scratch */
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
    nn_dtype dtype;
} nn__net_spec;

struct nn_net {
    nn__net_spec spec;
    size_t n_layers;                     /* = spec.n_layers */
    const size_t *units;                 /* = spec.units */
    const nn__loss *loss;                /* the task's loss module */
    size_t n_params;
    /* Parameters and gradients of the net's element type (spec.dtype): an
     * F64 net's in the double fields, an F32 net's in the _f32 ones; the
     * others stay NULL and empty. */
    double *params;                      /* [W_0 b_0 W_1 b_1 ...], owned */
    double *grads;                       /* same layout, owned (+2 spare) */
    nn_mat W[NN__MAX_LAYERS], b[NN__MAX_LAYERS];   /* views into params */
    nn_mat dW[NN__MAX_LAYERS], db[NN__MAX_LAYERS]; /* views into grads */
    float *params_f32, *grads_f32;
    nn_matf W_f32[NN__MAX_LAYERS], b_f32[NN__MAX_LAYERS];
    nn_matf dW_f32[NN__MAX_LAYERS], db_f32[NN__MAX_LAYERS];
    const nn__kernels *k;                /* kernel path, fixed at creation */
    const nn__kernels_f32 *k_f32;        /* the same path's float table */
    nn__gemm_small_fn gemm_small;        /* k's small gemm (tests may swap it) */
    nn__gemm_fused_fn gemm_fused;        /* and k's with epilogues, or NULL */
    nn__gemm_small_fn_f32 gemm_small_f32;
    nn__gemm_fused_fn_f32 gemm_fused_f32;
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
/* The parameter block (of the net's element type) and its size in bytes. */
void *nn__net_params(const nn_net *net);
size_t nn__net_param_bytes(const nn_net *net);
/* The gradient block (n_params + 2 elements of the net's type), or NULL
 * before the first nn__net_reserve. */
void *nn__net_grads(const nn_net *net);

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

/* Whether every parameter is finite (one pass, no branch per element). */
int nn__net_params_finite(const nn_net *net);
/* NN_ENUMERIC naming the layer when a weight or bias is NaN or infinite. */
nn_status nn__net_check_params(const nn_net *net, const char *func);

/* ---- layers.inc: the layer loop, once per element type ----------------------
 * layers.c compiles lib/net/layers.inc for double (F64 nets), layers_f32.c
 * for float (F32 nets); the entry points below take the net's dtype and
 * call the instance. Data in and out are double: an F32 instance converts
 * rows into its float workspace and writes outputs back as double. */

/* Forward pass of n <= ws->cap rows x, already scaled by the net's scaler
 * (an F64 net: x itself is the first layer's input). */
void nn__net_forward_rows(const nn_net *net, nn__ws *ws, const double *x, size_t ldx, size_t n,
                          nn__fwd_mode mode);
/* What an inference chunk loop writes: the outputs (mapped back through
 * the target scaler), the argmax labels, or 0/1 from the logits' signs. */
typedef enum nn__emit { NN__EMIT_OUTPUTS, NN__EMIT_LABELS, NN__EMIT_01 } nn__emit;
/* Rows of x (raw features) chunk by chunk through ws (which holds
 * nn__net_chunk_rows(x.rows) rows) in mode, written to out (OUTPUTS, 01)
 * or labels (LABELS). Allocates nothing. */
void nn__net_infer(const nn_net *net, nn__ws *ws, nn_mat x, nn__fwd_mode mode, nn__emit what,
                   nn_mat out, int32_t *labels);
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
/* One update of every parameter by o from the whole gradient block times
 * grad_scale (the data-parallel step, after the reduction). */
void nn__net_update_all(nn_net *net, nn__optim *o, double weight_decay, double grad_scale);
#include "net/layers.h" /* the instances, and nn__net_step_grads_hooked */

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

#endif /* NN_NET_INTERNAL_H */
