#ifndef NN_NET_INTERNAL_H
#define NN_NET_INTERNAL_H

/* The nn_net struct and the pieces of the net shared by net.c, loss.c,
 * train.c and io.c. Never installed. */

#include "internal.h"

#define NN__MAX_LAYERS 64    /* dense layers, hidden + output */
#define NN__INFER_CHUNK 256  /* rows per forward chunk at inference */
/* GEMMs with m*n*k at or below this go to the small gemm instead of
 * cblas_dgemm (measured by bench/epoch_bench; see README, Performance). */
#define NN__SMALL_GEMM_MAX 2048
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
    size_t small_gemm_max;               /* m*n*k threshold; 0 = always cblas */
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
/* The scale that turns summed into mean gradients for a batch of n rows. */
double nn__net_mean_scale(const nn_net *net, size_t n);
/* For tests and benches: route GEMMs with m*n*k <= max to the small gemm
 * (0 sends every GEMM to cblas_dgemm). */
void nn__net_set_small_gemm(nn_net *net, size_t max);
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
