#ifndef NN_NET_H
#define NN_NET_H

#include <stdint.h>

#include "nn/data.h"
#include "nn/export.h"
#include "nn/matrix.h"
#include "nn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A multilayer perceptron: n_hidden_layers dense layers, each followed by
 * its activation, then an output dense layer whose output function and loss
 * depend on the task. Layer l computes
 *     Z_l = A_{l-1} W_l + b_l,   A_l = act_l(Z_l)   (the task's output for the last),
 * with A_0 = x (rows are samples), W_l of shape in x out and b_l of 1 x out.
 * Opaque; create with nn_net_create, release with nn_net_free.
 * Threads: the calls that take a const nn_net * and only read it -- forward,
 * predict, predict_multilabel, evaluate, the getters, save and export -- may
 * run on one net from any number of threads at once (each inference call
 * works in a workspace of its own: one of a few kept by the net, reused
 * without allocating, or one allocated for the call when all are busy).
 * Calls that change a net (fit, gradients, the setters, and free) must not
 * overlap any other call on the same net. Distinct nets are independent. */
typedef struct nn_net nn_net;

/* Hidden-layer activations. Derivatives at kinks: ReLU'(0) = 0, leaky'(0) =
 * slope. The vectorized tanh, sigmoid and GELU use libnn's own exp; their
 * error against the exact value (glibc's long-double tanhl and expl) is at
 * most 3 ulp for tanh and sigmoid and 4 ulp for GELU, subnormal results
 * included, with no absolute slack (bound checked by test_kernels over 10^6
 * inputs; measured 2.5, 2.4 and 3.6 ulp).
 *   RELU        max(z, 0)
 *   LEAKY_RELU  z > 0 ? z : slope * z      (slope = nn_net_config.leaky_slope)
 *   TANH        tanh(z)
 *   SIGMOID     1 / (1 + exp(-z))
 *   GELU        the tanh form (PyTorch's approximate="tanh"):
 *               0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))), computed as
 *               z * sigmoid(2 sqrt(2/pi) (z + 0.044715 z^3)) (no cancellation)
 *   IDENTITY    z                                                          */
typedef enum nn_activation {
    NN_ACT_RELU = 0,
    NN_ACT_LEAKY_RELU,
    NN_ACT_TANH,
    NN_ACT_SIGMOID,
    NN_ACT_GELU,
    NN_ACT_IDENTITY
} nn_activation;


/* Name of an activation ("relu", "leaky_relu", "tanh", "sigmoid", "gelu",
 * "identity"); NULL for a value out of range. */
NN_API const char *nn_activation_name(nn_activation a);
/* The activation with that name; NN_EINVAL for an unknown name. */
NN_API nn_status nn_activation_parse(const char *name, nn_activation *out);

/* The element type of a net's parameters, activations and gradients. Data in
 * and out stay double (nn_mat, nn_dataset) whatever the net's dtype: an F32
 * net converts each chunk of rows into its float workspace as it scales
 * them, and writes its outputs back as double. F32 halves the memory and
 * model size and runs the large products on cblas_sgemm; F64 is the
 * default and gives the tutorial's numbers. */
typedef enum nn_dtype { NN_F64 = 0, NN_F32 } nn_dtype;

typedef enum nn_init {
    NN_INIT_HE = 0,     /* W ~ N(0, 2/in), b = 0 (the default; suits ReLU) */
    NN_INIT_XAVIER,     /* W ~ U(-a, a), a = sqrt(6/(in+out)), b = 0 */
    NN_INIT_NORMAL,     /* W and b ~ N(0, 1): the tutorial's initialisation */
    NN_INIT_ORTHOGONAL  /* W = orthonormal rows or columns (QR of a Gaussian
                           matrix) scaled by sqrt(2) for ReLU layers, b = 0 */
} nn_init;

/* A zeroed field means v1 behaviour: ReLU hidden layers, classification. */
typedef struct nn_net_config {
    size_t n_inputs;
    size_t n_classes;     /* width of the output layer: classes (CLASSIFY, >= 2),
                             labels (MULTILABEL) or values (REGRESS), >= 1 */
    size_t n_hidden_layers;
    const size_t *hidden; /* n_hidden_layers sizes; may be NULL when that is 0 */
    nn_init init;
    uint64_t seed;        /* initialisation; the same seed gives the same net */
    /* v2 */
    const nn_activation *activations; /* n_hidden_layers entries; NULL = all ReLU */
    double leaky_slope;   /* NN_ACT_LEAKY_RELU slope, in (0, 1]; 0 means 0.01 */
    nn_task task;
    /* v3 */
    nn_dtype dtype;       /* 0 = NN_F64 */
} nn_net_config;

/* Create a net with freshly initialised parameters.
 * @return NN_OK; NN_EINVAL for NULL pointers, n_inputs 0, too few outputs
 *         (see n_classes), a hidden size of 0, a size above INT_MAX, an unknown
 *         init, task or activation, or a leaky_slope outside [0, 1] or not
 *         finite; NN_ENOMEM. *out is written only on success. */
NN_API nn_status nn_net_create(nn_net **out, const nn_net_config *cfg);

/* Release a net and everything it owns. Accepts NULL. Views obtained from
 * the net become invalid. */
NN_API void nn_net_free(nn_net *net);

/* A deep copy of src: architecture, activations, task, parameters, scalers
 * and class names (not optimizer state).
 * @return NN_OK; NN_EINVAL for NULL pointers; NN_ENOMEM. */
NN_API nn_status nn_net_clone(nn_net **out, const nn_net *src);

NN_API size_t nn_net_n_inputs(const nn_net *net);   /* 0 for NULL */
NN_API size_t nn_net_n_classes(const nn_net *net);  /* = nn_net_n_outputs; 0 for NULL */
NN_API size_t nn_net_n_outputs(const nn_net *net);  /* output width, any task; 0 for NULL */
NN_API nn_task nn_net_task(const nn_net *net);      /* NN_TASK_CLASSIFY for NULL */
/* Activation of hidden layer l (0-based); NN_ACT_RELU for NULL or l out of
 * range. nn_net_leaky_slope: the slope in use (0.01 by default). */
NN_API nn_activation nn_net_activation(const nn_net *net, size_t layer);
NN_API double nn_net_leaky_slope(const nn_net *net);
NN_API size_t nn_net_n_layers(const nn_net *net);   /* dense layers = hidden + 1; 0 for NULL */
NN_API size_t nn_net_n_params(const nn_net *net);   /* weights and biases; 0 for NULL */

/* The output for each row of x, which holds raw features (the net applies
 * its scaler, if any): CLASSIFY softmax probabilities, MULTILABEL the sigmoid
 * of each output, REGRESS the values (mapped back through the target scaler,
 * if any). x is n x n_inputs, out is n x n_outputs (caller-owned; its padding
 * is not touched). Rows are processed in chunks of up to 256 through a
 * workspace of the call's (see the thread note at nn_net); safe to call on
 * one net from many threads at once.
 * @return NN_OK; NN_EINVAL for NULL net or an invalid view; NN_ESHAPE when a
 *         dimension disagrees; NN_ENUMERIC when x holds NaN or +-inf (the
 *         message names the row and column) or when a weight or bias of the
 *         net is (the message names the layer); out is then unchanged;
 *         NN_ENOMEM. */
NN_API nn_status nn_net_forward(const nn_net *net, nn_mat x, nn_mat probs);

/* CLASSIFY: labels[i] = the most probable class of row i (the first on ties).
 * Errors as nn_net_forward, and NN_EINVAL for NULL labels or a net of another
 * task (use nn_net_predict_multilabel or nn_net_forward). */
NN_API nn_status nn_net_predict(const nn_net *net, nn_mat x, int32_t *labels);

/* MULTILABEL: out01[i, j] = 1 where output j of row i is >= 0.5 (its logit
 * >= 0), else 0. out01 is n x n_outputs. Errors as nn_net_forward, and
 * NN_EINVAL for a net of another task. */
NN_API nn_status nn_net_predict_multilabel(const nn_net *net, nn_mat x, nn_mat out01);

/* scikit-learn's score() of the net on d, and the task's mean loss (as
 * minimized by training: with a target scaler, on standardized targets).
 * Either output may be NULL.
 *   CLASSIFY    accuracy; mean cross-entropy (clamped as nn_cross_entropy)
 *   MULTILABEL  subset accuracy (rows whose every output is right); mean BCE
 *   REGRESS     R^2 averaged over outputs (an output whose targets are
 *               constant scores 1 if predicted exactly, else 0); mean MSE
 * d must carry labels y (CLASSIFY) or targets t, n x n_outputs (other tasks).
 * @return NN_OK; NN_EINVAL for NULL net or d, an invalid data set, a label
 *         outside [0, n_classes), labels given to a MULTILABEL/REGRESS net
 *         (or targets to a CLASSIFY one), a MULTILABEL target other than 0/1;
 *         NN_ESHAPE if d has the wrong feature or target count; NN_ENUMERIC
 *         for NaN or +-inf in d (the message names the row) or in the net's
 *         parameters (the message names the layer); NN_ENOMEM. Safe to call
 *         on one net from many threads at once. */
NN_API nn_status nn_net_evaluate(const nn_net *net, const nn_dataset *d, double *accuracy,
                                 double *mean_loss);

/* Forward and backward pass on the batch (x, labels) of a CLASSIFY net:
 * fills the gradient views below with the gradient of the MEAN cross-entropy
 * over the rows of x and writes the mean loss to *mean_loss (which may be
 * NULL). Parameters are not changed. May grow the net's workspace to x.rows
 * rows.
 * @return as nn_net_evaluate; NN_ENOMEM. */
NN_API nn_status nn_net_gradients(nn_net *net, nn_mat x, const int32_t *labels,
                                  double *mean_loss);

/* As nn_net_gradients for a MULTILABEL or REGRESS net: targets is
 * rows(x) x n_outputs (0/1 for MULTILABEL; raw values for REGRESS, which the
 * target scaler, if any, standardizes). The loss is the mean over all
 * elements (see nn_task). */
NN_API nn_status nn_net_gradients_targets(nn_net *net, nn_mat x, nn_mat targets,
                                          double *mean_loss);

/* ---- what travels with a model (saved and loaded with it) ---------------- */

/* Input standardization applied by the net to every input it is given (fit,
 * forward, predict, evaluate, gradients): callers pass raw features. A copy
 * of *s is kept; NULL clears it.
 * @return NN_OK; NN_EINVAL for a NULL net, an unfitted scaler, or a scale
 *         that is not positive and finite; NN_ESHAPE if s->n_features is not
 *         n_inputs; NN_ENOMEM (the old scaler then stays). */
NN_API nn_status nn_net_set_scaler(nn_net *net, const nn_scaler *s);
/* The net's input scaler, NULL when none. Valid until it is set again or the
 * net is freed; do not free it. */
NN_API const nn_scaler *nn_net_scaler(const nn_net *net);
/* REGRESS only: training standardizes the targets with it, and forward maps
 * the outputs back (out = out_std * scale + mean). NULL clears. Errors as
 * nn_net_set_scaler (n_features must be n_outputs), and NN_EINVAL for a net
 * of another task. */
NN_API nn_status nn_net_set_target_scaler(nn_net *net, const nn_scaler *s);
NN_API const nn_scaler *nn_net_target_scaler(const nn_net *net);
/* Names of the n_outputs classes (or labels), copied; NULL clears.
 * @return NN_OK; NN_EINVAL for a NULL net or a NULL, empty or longer than
 *         4096 bytes name; NN_ENOMEM (the old names then stay). */
NN_API nn_status nn_net_set_class_names(nn_net *net, const char *const *names);
/* Name of class k, NULL when the net has none or k is out of range. Valid
 * until the names are set again or the net is freed. */
NN_API const char *nn_net_class_name(const nn_net *net, size_t k);

/* Views into the net, valid until nn_net_free. Writing through them changes
 * the net. Layer l is 0-based; l >= nn_net_n_layers(net) or a NULL net gives
 * an empty view (data NULL). Weights are in x out, biases 1 x out; the
 * gradient views hold the result of the last nn_net_gradients. A net gets
 * its gradient block with its first nn_net_gradients or nn_net_fit (so a
 * net used only for inference never holds one): before that the gradient
 * views are empty. After
 * nn_net_fit their contents are unspecified: a fit on one process updates
 * each layer inside its backward pass (for SGD and momentum inside the
 * weight-gradient product) and may never write the full gradient. */
NN_API nn_mat nn_net_weights(nn_net *net, size_t layer);
NN_API nn_mat nn_net_bias(nn_net *net, size_t layer);
NN_API nn_mat nn_net_weight_grad(nn_net *net, size_t layer);
NN_API nn_mat nn_net_bias_grad(nn_net *net, size_t layer);

/* The net's element type (NN_F64 for NULL). */
NN_API nn_dtype nn_net_dtype(const nn_net *net);
/* A new net with src's layers, task, activations, scalers and class names,
 * its parameters rounded to float (NN_F32) or widened to double (NN_F64);
 * converting to src's own dtype is a clone. Float to double is exact.
 * @return NN_OK; NN_EINVAL for NULL pointers or an unknown dtype;
 *         NN_ENUMERIC when a parameter does not fit in a float (its
 *         magnitude is above FLT_MAX); NN_ENOMEM. *out is written only on
 *         success. */
NN_API nn_status nn_net_convert(nn_net **out, const nn_net *src, nn_dtype dtype);
/* The views of an NN_F32 net, as nn_net_weights & co. above give them for
 * an NN_F64 net; an empty view ({NULL, 0, 0, 0}) on an F64 net, as
 * nn_net_weights & co. give on an F32 net. */
NN_API nn_matf nn_net_weights_f32(nn_net *net, size_t layer);
NN_API nn_matf nn_net_bias_f32(nn_net *net, size_t layer);
NN_API nn_matf nn_net_weight_grad_f32(nn_net *net, size_t layer);
NN_API nn_matf nn_net_bias_grad_f32(nn_net *net, size_t layer);

typedef enum nn_optimizer { NN_SGD = 0, NN_MOMENTUM, NN_ADAM } nn_optimizer;

typedef struct nn_epoch_stats {
    size_t epoch;        /* 1-based */
    double train_loss;   /* mean over the epoch's minibatches, before each update */
    double val_loss;     /* NaN without a validation set */
    double val_accuracy; /* the task's score (see nn_net_evaluate): accuracy,
                            subset accuracy or R^2; NaN without a validation set */
    double seconds;      /* wall time of the epoch's training */
} nn_epoch_stats;

typedef struct nn_train_options {
    size_t epochs, batch_size;
    nn_optimizer optimizer;
    double learning_rate;  /* applied to the MEAN gradient over the minibatch */
    double momentum;       /* NN_MOMENTUM: v = momentum*v - lr*g; p += v */
    double beta1, beta2, epsilon; /* NN_ADAM */
    double weight_decay;   /* L2: adds weight_decay * W to the gradient of W
                              (not of the biases) */
    uint64_t seed;         /* shuffling of the rows each epoch */
    const nn_dataset *validation; /* optional; evaluated after each epoch */
    size_t patience;       /* early stopping: stop after this many epochs
                              without a lower validation loss and restore the
                              best weights; 0 = off; needs a validation set
                              (validation or validation_fraction) */
    int (*on_epoch)(const nn_epoch_stats *s, void *user); /* non-zero stops */
    void *user;
    /* v2 */
    double validation_fraction; /* in [0, 1): when validation is NULL, hold
                              out this share of train (stratified by class
                              for CLASSIFY, drawn with seed) as the validation
                              set; 0 = none. Never a test set. */
} nn_train_options;

/* Good defaults: Adam, learning rate 0.003, beta1 0.9, beta2 0.999, epsilon
 * 1e-8, batch 32, 40 epochs, no weight decay, momentum 0.9 (used only by
 * NN_MOMENTUM), seed 0, no validation, no callback. With He init they train
 * the tutorial's 2-64-2 moons net to >= 99.8 % test accuracy for each of
 * 100 seeds tried (mean 99.9 %: examples/seed_replication). */
NN_API nn_train_options nn_train_defaults(void);

/* Minibatch training: each epoch shuffles the rows of train, walks them in
 * batches of batch_size (the last may be smaller), and after each batch
 * updates every parameter with the optimizer. train carries labels y
 * (CLASSIFY) or targets t (MULTILABEL, REGRESS), as for nn_net_evaluate.
 * All buffers are allocated before the first step; a step allocates nothing.
 * Each layer is updated inside the backward pass, once its gradient is
 * complete (for SGD and momentum inside the weight-gradient product), so the
 * gradient views are not a full gradient afterwards.
 * The environment variable NN_THREADS (a count, the calling thread
 * included, or "auto" for OpenBLAS's thread count; unset = 1) lets a fit
 * start that many - 1 worker threads for its optimizer passes over weight
 * matrices of 65536 or more parameters; results are the same bit for bit.
 * Off by default: on a 2-core machine it did not pay (README, Performance).
 * @return NN_OK (also when on_epoch or early stopping ends training early);
 *         NN_EINVAL / NN_ESHAPE for bad data or options (or NN_THREADS),
 *         before any weight changes; NN_ENUMERIC for NaN or +-inf in the
 *         data (naming the row of train), or if the loss becomes NaN or
 *         infinite, with the weights of the end of the last finite epoch
 *         restored; NN_ENOMEM. */
NN_API nn_status nn_net_fit(nn_net *net, const nn_dataset *train, const nn_train_options *opt);

#if defined(NN_EXPERIMENTAL)
/* ---- experimental: data-parallel training over any all-reduce -------------
 * Not yet part of the stable ABI. nn/mpi.h builds nn_net_fit_mpi on it; a
 * program can plug in another transport. */

/* Collective operations over the participants of a distributed fit. Each
 * reduces buf[0..n) element-wise over every participant, in place, so all
 * end with the same values; returns 0 on success. */
typedef struct nn_fit_hooks {
    int (*allreduce_sum)(double *buf, size_t n, void *ctx);
    int (*allreduce_max)(double *buf, size_t n, void *ctx);
    void *ctx;
    int rank; /* this participant; rank 0's parameters are broadcast first */
    /* v3: the sum over floats, for F32 nets (their parameters and
     * gradients travel as float); may be NULL for F64 nets only. */
    int (*allreduce_sum_f32)(float *buf, size_t n, void *ctx);
    /* v3, optional (all three or none): the gradient reduction overlapped
     * with the backward pass. start begins a non-blocking sum of n elements
     * at buf (doubles, or floats for an F32 net) in place and keeps its
     * request; progress (may be NULL) lets started sums advance; finish
     * completes every started sum. Each returns 0 on success. A step starts
     * its sums in the same order and sizes on every participant (buckets of
     * whole layers, from the last layer down, the first also holding the row
     * count and loss), so any collective transport may implement them.
     * Without them, one allreduce_sum runs after the backward pass. */
    int (*reduce_start)(void *buf, size_t n, nn_dtype dtype, void *ctx);
    int (*reduce_progress)(void *ctx);
    int (*reduce_finish)(void *ctx);
} nn_fit_hooks;

/* nn_net_fit over shards of the data held by several participants, each
 * calling it with its own shard and the same options. Rank 0's parameters
 * are broadcast first (a sum where the others contribute zeros). Each step
 * every participant takes batch_size rows of its shard, and one
 * allreduce_sum over [gradients, row count, summed loss] (P + 2 doubles;
 * allreduce_sum_f32 over P + 2 floats for an F32 net) gives each the mean
 * gradient over all rows of the step, exactly what one process computes on
 * the concatenated batch, up to rounding. With the reduce_* hooks the same
 * sums run in buckets of layers during the backward pass instead (when the
 * gradient makes more than one bucket of 64 KiB). Steps per
 * epoch = ceil(largest shard / batch_size); a participant whose shard is
 * used up (or empty) contributes no rows. Validation: every participant
 * scores its own validation set (validation, or validation_fraction of its
 * shard) and the losses and scores are averaged weighted by rows (for R^2
 * an approximation); either every participant has a validation set or
 * none. Early stopping, on_epoch stops and failures are agreed on by a
 * reduction, so all participants return the same status and end with
 * identical parameters. The scaler, if any, must be the same everywhere.
 * @return as nn_net_fit, the same on every participant: a participant that
 *         cannot start (NULL or invalid arguments, a bad shard, NaN in its
 *         shard, no memory) makes every one return its status (the largest
 *         status when several fail); NN_EINVAL for NULL or incomplete hooks
 *         (an F32 net without allreduce_sum_f32, reduce_start without
 *         reduce_finish or the reverse),
 *         when every shard is empty, or when only some participants have a
 *         validation set; NN_EIO when a reduction fails. */
NN_API nn_status nn_net_fit_distributed(nn_net *net, const nn_dataset *shard,
                                        const nn_train_options *opt, const nn_fit_hooks *hooks);

/* nn_scaler_fit over the rows of x of every participant: each calls it
 * with its own rows (0 rows allowed: x.data NULL, x.cols the width) and
 * gets the same scaler, the one nn_scaler_fit fits on the concatenated rows
 * (up to rounding): the mean over all rows first, then the standard
 * deviation about it. Three reductions whatever the participant's x (a
 * failure, the width, then the sums), so a failure anywhere fails every
 * participant. nn/mpi.h's nn_scaler_fit_mpi is this over MPI.
 * @return NN_OK everywhere, or on every participant an error: NN_EINVAL
 *         (NULL arguments, hooks or an x that is not finite on some
 *         participant, no rows anywhere), NN_ESHAPE (widths differ),
 *         NN_ENOMEM, NN_EIO (a reduction failed). */
NN_API nn_status nn_scaler_fit_distributed(nn_scaler *s, nn_mat x, const nn_fit_hooks *hooks);

/* ---- experimental: which GEMM computes the dense layers --------------------
 * A training step makes three products per layer (forward Z = A W, weight
 * gradient dW = Aᵀ dZ, input gradient dA = dZ Wᵀ). Each goes either to
 * cblas_dgemm or to libnn's own small GEMM, which skips cblas_dgemm's fixed
 * per-call cost and wins on tiny products, or on ones with a dimension of 1
 * or 2, by a margin that depends on the CPU and the OpenBLAS kernels. The
 * two paths round differently (in the last bits; results agree to ~1e-15
 * relative per product).
 *
 * Under NN_GEMM_PATH_AUTO, nn_net_fit (and nn_net_fit_distributed, on
 * each participant) first times both paths, in the net's workspace, on each
 * product shape of a step, for the batch size and for the last, partial
 * batch, that the small GEMM can take (m*n*k <= 2^20), and keeps the faster
 * per shape: the small GEMM unless cblas_dgemm is 5 % faster. Smallest
 * shapes first, for about 4 ms per fit at most (more on a busy machine);
 * shapes left untimed follow the rule for products with other row counts
 * (inference chunks, nn_net_gradients): the small GEMM when m*n and m*n*k
 * are at most 2048, on an AVX2 or AVX-512 kernel path, else cblas_dgemm.
 * A later fit with the same batch sizes reuses the plan, untimed.
 *
 * Reproducibility: with a forced path, training is bit-for-bit
 * reproducible per seed (one BLAS thread). Under auto the choice comes from
 * timing, so two nets (or two processes) on one machine may choose
 * differently on a shape where the paths are close, and their results then
 * differ in rounding; a net keeps its plan for later fits with the same
 * batch sizes, and nn_net_clone copies it, so a clone trains exactly as the
 * original. Force a path where bit-equality between separately created
 * nets matters. */
typedef enum nn_gemm_path {
    NN_GEMM_PATH_AUTO = 0, /* the default: per shape, timed at the start of a fit */
    NN_GEMM_PATH_SMALL,    /* the small GEMM for every product of at most 2^20
                              multiply-adds (m*n*k), cblas_dgemm above */
    NN_GEMM_PATH_BLAS      /* cblas_dgemm for every product */
} nn_gemm_path;

/* A new net's path comes from the environment variable NN_GEMM ("auto",
 * "small" or "blas"; unset or empty = auto), read when the net is created
 * or loaded; nn_net_create and nn_net_load fail with NN_EINVAL for any
 * other value. nn_net_set_gemm_path overrides it for one net and discards
 * its plan. @return NN_OK; NN_EINVAL for a NULL net or an unknown path. */
NN_API nn_status nn_net_set_gemm_path(nn_net *net, nn_gemm_path path);
NN_API nn_gemm_path nn_net_gemm_path(const nn_net *net); /* AUTO for NULL */
/* "auto", "small", "blas"; NULL for a value out of range. */
NN_API const char *nn_gemm_path_name(nn_gemm_path path);

/* The plan of the net's last fit: how many distinct product shapes
 * (transposes, m, n, k) of its steps go to each path, how many of them
 * that fit timed (auto; 0 when it reused the plan of an earlier fit), and
 * how long its planning took. All zero before the first fit and after
 * nn_net_set_gemm_path. */
typedef struct nn_gemm_plan_info {
    size_t n_small, n_blas, n_timed;
    double seconds;
} nn_gemm_plan_info;
/* @return NN_OK; NN_EINVAL for NULL arguments. */
NN_API nn_status nn_net_gemm_plan_info(const nn_net *net, nn_gemm_plan_info *out);
#endif /* NN_EXPERIMENTAL */

#ifdef __cplusplus
}
#endif

#endif /* NN_NET_H */
