#ifndef NN_NET_INTERNAL_H
#define NN_NET_INTERNAL_H

/* The nn_net struct and the pieces of the net shared by net.c, loss.c,
 * train.c and io.c. Never installed. */

#include "internal.h"

#define NN__MAX_LAYERS 64    /* dense layers, hidden + output */
#define NN__INFER_CHUNK 256  /* rows per forward chunk at inference */
/* Without a measured plan (see nn__gemm_plan), GEMMs with m*n and m*n*k
 * at or below this go to the small gemm instead of cblas_dgemm on a SIMD
 * kernel path (the rule before run-time calibration; bench/epoch_bench). */
#define NN__SMALL_GEMM_MAX 2048
/* The largest product (m*n*k) the small gemm takes at all: NN_GEMM=small
 * sends everything up to it there, and auto times everything up to it. The
 * small gemm has no cache blocking, but with a dimension of 1 or 2 (batch 1,
 * two inputs or outputs) it still beats cblas_dgemm's kernels near here. */
#define NN__GEMM_SMALL_LIMIT ((size_t)1 << 20)
/* Wall-time cap of one calibration (nn__net_plan_gemms), in nanoseconds. */
#define NN__GEMM_CALIB_BUDGET_NS 4000000.0
/* Row counts a plan covers: a fit's batch and its last, partial batch. */
#define NN__GEMM_PLAN_ROWS 2
#define NN__MAX_NAME 4096  /* bytes in a class name (the model format's limit) */

/* ---- output tasks (loss.c) ------------------------------------------------ */

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

/* ---- the GEMM plan ---------------------------------------------------------- */

/* The three products of a training step for layer l with n rows. */
enum { NN__GEMM_FWD = 0, /* Z = A_prev W:       n x out x in           */
       NN__GEMM_DW,      /* dW = A_prevᵀ dZ:    in x out x n, trans_a  */
       NN__GEMM_DA,      /* dA = dZ Wᵀ:         n x in x out, trans_b  */
       NN__GEMM_KINDS };

/* Which path each product of a training step takes, for the row counts of
 * the current fit. A product of layer l, kind q, with n rows is looked up
 * as small[s][l][q] where rows[s] == n (the layer and kind fix the rest of
 * the shape); a product with any other row count follows the path's rule
 * (small_by_rule in net.c). Filled by nn__net_plan_gemms: under
 * NN_GEMM_PATH_AUTO by timing both paths on each shape, else by the forced
 * path's rule. */
typedef struct nn__gemm_plan {
    size_t rows[NN__GEMM_PLAN_ROWS]; /* 0 = unused slot */
    unsigned char small[NN__GEMM_PLAN_ROWS][NN__MAX_LAYERS][NN__GEMM_KINDS];
    size_t n_small, n_blas; /* distinct shapes (trans_a, trans_b, m, n, k) on each path */
    size_t n_timed;         /* of those, decided by timing in this plan (0 for a
                               forced path, or when every row count was kept) */
    double seconds;         /* wall time of making this plan */
} nn__gemm_plan;

/* ---- optimizers (optim.c) ------------------------------------------------- */

/* An optimizer's settings and state for one fit; the state blocks m and v
 * (momentum: velocity in m; Adam: moments) have the layout of the
 * parameter block, and off below is an offset into them. */
typedef struct nn__optim {
    nn_optimizer kind;
    double lr, mu, b1, b2, eps;
    double *m, *v;
    double beta1_t, beta2_t; /* Adam: b1^t and b2^t after step t (1 before the first) */
    double c1, c2;           /* Adam: 1/(1-b1^t), 1/(1-b2^t) for the current step */
    nn__pool *pool;          /* splits the passes over runs of NN__POOL_MIN_LEN or
                                more (the fit's pool); NULL = all on the caller */
} nn__optim;

/* Advance the step count (Adam's bias corrections); once per step. */
void nn__optim_begin_step(nn__optim *o);
/* Update len parameters p at offset off of the block from their gradient
 * g, with weight decay decay (0 for biases). */
void nn__optim_apply(const nn__optim *o, double *p, const double *g, size_t off, size_t len,
                     double decay);
/* Whether the update is linear in the gradient (SGD, momentum), so that the
 * weight-gradient GEMM can apply it: C = beta C + alpha Aᵀ dZ on the C that
 * nn__optim_gemm_begin returns (W or its velocity; it may first update the
 * velocity for weight decay), followed by nn__optim_gemm_end. */
static inline int nn__optim_folds_into_gemm(const nn__optim *o)
{
    return o->kind == NN_SGD || o->kind == NN_MOMENTUM;
}
double *nn__optim_gemm_begin(const nn__optim *o, double *w, size_t off, size_t len, double decay,
                             double *alpha, double *beta);
void nn__optim_gemm_end(const nn__optim *o, double *w, size_t off, size_t len);

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
    nn__gemm_small_fn gemm_small;        /* its small gemm */
    nn__gemm_fused_fn gemm_fused;        /* and that with epilogues, or NULL */
    double *gemm_scratch;                /* NN__GEMM_SCRATCH doubles for both */
    int gemm_path;                       /* an nn_gemm_path: NN_GEMM, or nn_net_set_gemm_path */
    nn__gemm_plan gemm_plan;             /* per-shape choice for the fit's batches */
    /* What travels with the model. */
    nn_scaler scaler;                    /* inputs; mean NULL = none */
    nn_scaler target_scaler;             /* REGRESS targets; mean NULL = none */
    char **class_names;                  /* units[L] names, or NULL */
    /* Workspace for batches of up to cap rows (grown by nn__net_reserve). */
    size_t cap;
    double *ws_block;
    int32_t *ws_labels;                  /* cap predicted labels */
    nn_mat act[NN__MAX_LAYERS];          /* cap x units[l+1] activations */
    nn_mat pre[NN__MAX_LAYERS];          /* pre-activations of the layers whose
                                            backward needs them, else empty */
    double *delta[2];                    /* cap x max hidden, backward ping-pong */
    nn_mat ws_x;                         /* cap x n_inputs: scaled inputs */
    nn_mat ws_t;                         /* cap x outputs: scaled targets */
    double *ws_eval;                     /* 4 x outputs: evaluation sums */
};

/* How far nn__net_forward_rows takes the output layer. */
typedef enum nn__fwd_mode {
    NN__FWD_TRAIN,  /* act[L-1] = A W (no bias: the fused loss kernel adds it) */
    NN__FWD_LOGITS, /* act[L-1] = A W + b */
    NN__FWD_OUTPUT  /* act[L-1] = the task's output function of the logits */
} nn__fwd_mode;

nn_status nn__net_alloc(nn_net **out, const nn__net_spec *spec);
nn_status nn__net_reserve(nn_net *net, size_t rows);
/* x holds inputs already scaled by the net's scaler. */
void nn__net_forward_rows(nn_net *net, const double *x, size_t ldx, size_t n, nn__fwd_mode mode);
/* Forward and backward pass over n <= cap rows of scaled inputs x against
 * t (targets already scaled), filling the gradient block with scale times
 * the gradient of the summed loss; returns the summed loss. Allocates
 * nothing. scale = 1/n (or 1/(n*C)) gives the mean's gradient. */
double nn__net_step_grads(nn_net *net, const double *x, size_t ldx, size_t n, nn__targets t,
                          double scale);
/* One training step on one process (step.c): the forward pass, the loss
 * gradient, and a backward pass that updates each layer with o as soon as
 * its gradient is complete (dA of a layer is taken before its weights
 * change). Returns the summed loss; when it is not finite, nothing is
 * updated. The gradient block is scratch: its contents afterwards are
 * unspecified. Allocates nothing. */
double nn__net_step_update(nn_net *net, const double *x, size_t ldx, size_t n, nn__targets t,
                           double scale, nn__optim *o, double weight_decay);
/* The shape of product kind q of layer l with n rows (row-major, beta 0):
 *   forward   Z  = A_prev · W        (n x in)(in x out)
 *   weights   dW = A_prevᵀ · dZ      (in x n)(n x out), A_prev stored n x in
 *   inputs    dA = dZ · Wᵀ           (n x out)(out x in), W stored in x out
 * This and the two lookups below are inline: a small net's step makes a
 * handful of products of a few hundred flops each, and a call's set-up
 * would cost about as much as the lookup. */
typedef struct nn__gemm_shape {
    int ta, tb;
    size_t m, n, k;
} nn__gemm_shape;

static inline nn__gemm_shape nn__net_gemm_shape(const nn_net *net, size_t l, int q, size_t rows)
{
    size_t in = net->units[l], out = net->units[l + 1];
    nn__gemm_shape s = {0, 0, rows, out, in};
    if (q == NN__GEMM_DW)
        s = (nn__gemm_shape){1, 0, in, out, rows};
    else if (q == NN__GEMM_DA)
        s = (nn__gemm_shape){0, 1, rows, in, out};
    return s;
}

/* The path's rule for a product that no plan covers (net.c). */
int nn__net_gemm_by_rule(const nn_net *net, size_t l, int q, size_t n);

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
static inline int nn__net_gemm_fused(const nn_net *net, size_t l, int q, size_t rows,
                                     const double *a, size_t lda, const double *b, size_t ldb,
                                     double *c, size_t ldc, const nn__gemm_epi *e)
{
    if (!net->gemm_fused || !nn__net_gemm_is_small(net, l, q, rows))
        return 0;
    nn__gemm_shape s = nn__net_gemm_shape(net, l, q, rows);
    return net->gemm_fused(s.ta, s.tb, s.m, s.n, s.k, a, lda, b, ldb, c, ldc, net->gemm_scratch,
                           e);
}

/* C = op(A) op(B) (beta 0) for product kind q of layer l with rows rows,
 * on the path the GEMM plan gives (net.c). */
void nn__net_gemm(const nn_net *net, size_t l, int q, size_t rows, const double *a, size_t lda,
                  const double *b, size_t ldb, double *c, size_t ldc);
/* The scale that turns summed into mean gradients for a batch of n rows. */
double nn__net_mean_scale(const nn_net *net, size_t n);
/* Plan the GEMM path of every product of a training step with each of the
 * n_rows row counts in rows (zeros and repeats are skipped; at most
 * NN__GEMM_PLAN_ROWS), replacing the plan of other row counts; row counts
 * already planned keep their decisions. Under NN_GEMM_PATH_AUTO each new
 * shape within NN__GEMM_SMALL_LIMIT whose row count fits the reserved
 * workspace (cap) is timed on both paths, in the net's own buffers: the
 * workspace and the gradient block are overwritten (a step overwrites them
 * anyway). Smallest shapes first, until NN__GEMM_CALIB_BUDGET_NS is spent;
 * the rest follow the rule. Never fails: without memory for its
 * bookkeeping, every product follows the rule. */
void nn__net_plan_gemms(nn_net *net, const size_t *rows, size_t n_rows);
/* Score and mean loss of the net on d (validated by nn__net_check_data; raw
 * features and targets), in chunks of the reserved workspace. Allocates
 * nothing. */
void nn__net_score(nn_net *net, const nn_dataset *d, double *score, double *mean_loss);
/* Check that d is what this net trains or scores on: a valid x of the net's
 * width, finite; labels in range (CLASSIFY) or finite targets of the
 * output width, 0/1 for MULTILABEL. what names d in messages. */
nn_status nn__net_check_data(const nn_net *net, const nn_dataset *d, const char *func,
                             const char *what);
/* x = (x - mean) / scale into dst (rows x cols, row stride ldd). */
void nn__scale_rows(const nn_scaler *s, const double *x, size_t ldx, size_t rows, double *dst,
                    size_t ldd);

#endif /* NN_NET_INTERNAL_H */
