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

/* A multilayer perceptron: n_hidden_layers dense layers with ReLU, then a
 * dense layer with softmax over n_classes. Layer l computes
 *     Z_l = A_{l-1} W_l + b_l,   A_l = relu(Z_l)   (softmax for the last),
 * with A_0 = x (rows are samples), W_l of shape in x out and b_l of 1 x out.
 * Opaque; create with nn_net_create, release with nn_net_free. One net must
 * not be used by two threads at once; distinct nets may be used concurrently. */
typedef struct nn_net nn_net;

typedef enum nn_init {
    NN_INIT_HE = 0,     /* W ~ N(0, 2/in), b = 0 (the default; suits ReLU) */
    NN_INIT_XAVIER,     /* W ~ U(-a, a), a = sqrt(6/(in+out)), b = 0 */
    NN_INIT_NORMAL,     /* W and b ~ N(0, 1): the tutorial's initialisation */
    NN_INIT_ORTHOGONAL  /* W = orthonormal rows or columns (QR of a Gaussian
                           matrix) scaled by sqrt(2) for ReLU layers, b = 0 */
} nn_init;

typedef struct nn_net_config {
    size_t n_inputs, n_classes;
    size_t n_hidden_layers;
    const size_t *hidden; /* n_hidden_layers sizes; may be NULL when that is 0 */
    nn_init init;
    uint64_t seed;        /* initialisation; the same seed gives the same net */
} nn_net_config;

/* Create a net with freshly initialised parameters.
 * @return NN_OK; NN_EINVAL for NULL pointers, n_inputs 0, n_classes < 2, a
 *         hidden size of 0, a size above INT_MAX, or an unknown init;
 *         NN_ENOMEM. *out is written only on success. */
NN_API nn_status nn_net_create(nn_net **out, const nn_net_config *cfg);

/* Release a net and everything it owns. Accepts NULL. Views obtained from
 * the net become invalid. */
NN_API void nn_net_free(nn_net *net);

/* A deep copy of src (parameters, not optimizer state).
 * @return NN_OK; NN_EINVAL for NULL pointers; NN_ENOMEM. */
NN_API nn_status nn_net_clone(nn_net **out, const nn_net *src);

NN_API size_t nn_net_n_inputs(const nn_net *net);   /* 0 for NULL */
NN_API size_t nn_net_n_classes(const nn_net *net);  /* 0 for NULL */
NN_API size_t nn_net_n_layers(const nn_net *net);   /* dense layers = hidden + 1; 0 for NULL */
NN_API size_t nn_net_n_params(const nn_net *net);   /* weights and biases; 0 for NULL */

/* probs = softmax output for each row of x; x is n x n_inputs, probs is
 * n x n_classes (caller-owned; its padding is not touched). Rows are
 * processed in chunks through the net's own workspace.
 * @return NN_OK; NN_EINVAL for NULL net or an invalid view; NN_ESHAPE when a
 *         dimension disagrees; NN_ENOMEM. */
NN_API nn_status nn_net_forward(nn_net *net, nn_mat x, nn_mat probs);

/* labels[i] = the most probable class of row i (the first on ties).
 * Errors as nn_net_forward, and NN_EINVAL for NULL labels. */
NN_API nn_status nn_net_predict(nn_net *net, nn_mat x, int32_t *labels);

/* Accuracy and mean cross-entropy of the net on d. Either output may be NULL.
 * @return NN_OK; NN_EINVAL for NULL net or d, an invalid data set or a label
 *         outside [0, n_classes); NN_ESHAPE if d has the wrong feature count. */
NN_API nn_status nn_net_evaluate(nn_net *net, const nn_dataset *d, double *accuracy,
                                 double *mean_loss);

/* Forward and backward pass on the batch (x, labels): fills the gradient
 * views below with the gradient of the MEAN cross-entropy over the rows of x
 * and writes the mean loss to *mean_loss (which may be NULL). Parameters are
 * not changed. May grow the net's workspace to x.rows rows.
 * @return as nn_net_evaluate; NN_ENOMEM. */
NN_API nn_status nn_net_gradients(nn_net *net, nn_mat x, const int32_t *labels,
                                  double *mean_loss);

/* Views into the net, valid until nn_net_free. Writing through them changes
 * the net. Layer l is 0-based; l >= nn_net_n_layers(net) or a NULL net gives
 * an empty view (data NULL). Weights are in x out, biases 1 x out; the
 * gradient views hold the result of the last nn_net_gradients (or of the
 * last training step). */
NN_API nn_mat nn_net_weights(nn_net *net, size_t layer);
NN_API nn_mat nn_net_bias(nn_net *net, size_t layer);
NN_API nn_mat nn_net_weight_grad(nn_net *net, size_t layer);
NN_API nn_mat nn_net_bias_grad(nn_net *net, size_t layer);

typedef enum nn_optimizer { NN_SGD = 0, NN_MOMENTUM, NN_ADAM } nn_optimizer;

typedef struct nn_epoch_stats {
    size_t epoch;        /* 1-based */
    double train_loss;   /* mean over the epoch's minibatches, before each update */
    double val_loss;     /* NaN without a validation set */
    double val_accuracy; /* NaN without a validation set */
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
                              best weights; 0 = off; needs validation */
    int (*on_epoch)(const nn_epoch_stats *s, void *user); /* non-zero stops */
    void *user;
} nn_train_options;

/* Good defaults: Adam, learning rate 0.003, beta1 0.9, beta2 0.999, epsilon
 * 1e-8, batch 32, 40 epochs, no weight decay, momentum 0.9 (used only by
 * NN_MOMENTUM), seed 0, no validation, no callback. With He init they train
 * the tutorial's 2-64-2 moons net to >= 99.8 % test accuracy for each of
 * 100 seeds tried (mean 99.98 %). */
NN_API nn_train_options nn_train_defaults(void);

/* Minibatch training: each epoch shuffles the rows of train, walks them in
 * batches of batch_size (the last may be smaller), and after each batch
 * updates every parameter with the optimizer. All buffers are allocated
 * before the first step; a step allocates nothing.
 * @return NN_OK (also when on_epoch or early stopping ends training early);
 *         NN_EINVAL / NN_ESHAPE for bad data or options, before any weight
 *         changes; NN_ENUMERIC if the loss becomes NaN or infinite, with the
 *         weights of the end of the last finite epoch restored; NN_ENOMEM. */
NN_API nn_status nn_net_fit(nn_net *net, const nn_dataset *train, const nn_train_options *opt);

#ifdef __cplusplus
}
#endif

#endif /* NN_NET_H */
