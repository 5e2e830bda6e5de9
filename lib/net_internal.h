#ifndef NN_NET_INTERNAL_H
#define NN_NET_INTERNAL_H

/* The nn_net struct and the pieces of the net shared by net.c, train.c and
 * io.c. Never installed. */

#include "internal.h"

#define NN__MAX_LAYERS 64    /* dense layers, hidden + output */
#define NN__INFER_CHUNK 256  /* rows per forward chunk at inference */
/* GEMMs with m*n*k at or below this go to the small gemm instead of
 * cblas_dgemm (measured by bench/epoch_bench; see README, Performance). */
#define NN__SMALL_GEMM_MAX 2048

struct nn_net {
    size_t n_layers;                     /* dense layers L */
    size_t units[NN__MAX_LAYERS + 1];    /* units[0] inputs ... units[L] classes */
    nn_init init;
    uint64_t seed;
    size_t n_params;
    double *params;                      /* [W_0 b_0 W_1 b_1 ...], owned */
    double *grads;                       /* same layout, owned */
    nn_mat W[NN__MAX_LAYERS], b[NN__MAX_LAYERS];   /* views into params */
    nn_mat dW[NN__MAX_LAYERS], db[NN__MAX_LAYERS]; /* views into grads */
    const nn__kernels *k;                /* kernel path, fixed at creation */
    nn__gemm_small_fn gemm_small;        /* its small gemm */
    size_t small_gemm_max;               /* m*n*k threshold; 0 = always cblas */
    /* Workspace for batches of up to cap rows (grown by nn__net_reserve). */
    size_t cap;
    double *ws_block;
    int32_t *ws_labels;                  /* cap predicted labels */
    nn_mat act[NN__MAX_LAYERS];          /* cap x units[l+1] activations */
    double *delta[2];                    /* cap x max hidden, backward ping-pong */
};

nn_status nn__net_alloc(nn_net **out, const size_t *units, size_t n_layers, nn_init init,
                        uint64_t seed);
nn_status nn__net_reserve(nn_net *net, size_t rows);
void nn__net_forward_rows(nn_net *net, const double *x, size_t ldx, size_t n, int train);
double nn__net_step_grads(nn_net *net, const double *x, size_t ldx, size_t n,
                          const int32_t *y);
/* For tests and benches: route GEMMs with m*n*k <= max to the small gemm
 * (0 sends every GEMM to cblas_dgemm). */
void nn__net_set_small_gemm(nn_net *net, size_t max);
void nn__net_score(nn_net *net, const nn_dataset *d, double *accuracy, double *mean_loss);
nn_status nn__net_check_batch(const nn_net *net, nn_mat x, const int32_t *y, const char *func,
                              const char *what);

#endif /* NN_NET_INTERNAL_H */
