/* The network: parameter layout, initialisation, forward and backward passes.
 *
 * Layer l (0-based, L = n_layers dense layers) maps units[l] inputs to
 * units[l+1] outputs:
 *
 *     Z_l = A_{l-1} W_l + b_l        W_l: units[l] x units[l+1], row-major
 *     A_l = relu(Z_l)                (l < L-1)
 *     P   = softmax(Z_{L-1})         (the output layer)
 *
 * with A_{-1} = X (batch x n_inputs). All parameters live in one contiguous
 * block, [W_0 b_0 W_1 b_1 ...], and all gradients in a second block with the
 * same layout, so an optimizer step is one pass over two flat arrays.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "net_internal.h"

/* ---- creation ------------------------------------------------------------ */

static nn_status check_config(const nn_net_config *cfg)
{
    if (cfg->n_inputs == 0 || cfg->n_inputs > INT_MAX)
        return nn__fail(NN_EINVAL, "nn_net_create: n_inputs %zu is not in [1, %d]",
                        cfg->n_inputs, INT_MAX);
    if (cfg->n_classes < 2 || cfg->n_classes > INT_MAX)
        return nn__fail(NN_EINVAL, "nn_net_create: n_classes %zu is not in [2, %d]",
                        cfg->n_classes, INT_MAX);
    if (cfg->n_hidden_layers > NN__MAX_LAYERS - 1)
        return nn__fail(NN_EINVAL, "nn_net_create: %zu hidden layers (at most %d)",
                        cfg->n_hidden_layers, NN__MAX_LAYERS - 1);
    if (cfg->n_hidden_layers > 0 && !cfg->hidden)
        return nn__fail(NN_EINVAL, "nn_net_create: hidden is NULL but n_hidden_layers is %zu",
                        cfg->n_hidden_layers);
    for (size_t i = 0; i < cfg->n_hidden_layers; i++)
        if (cfg->hidden[i] == 0 || cfg->hidden[i] > INT_MAX)
            return nn__fail(NN_EINVAL, "nn_net_create: hidden[%zu] = %zu is not in [1, %d]", i,
                            cfg->hidden[i], INT_MAX);
    if ((unsigned)cfg->init > (unsigned)NN_INIT_ORTHOGONAL)
        return nn__fail(NN_EINVAL, "nn_net_create: unknown init %d", (int)cfg->init);
    return NN_OK;
}

/* Count the parameters, refusing a net whose parameter block would not fit
 * in memory (each term is at most INT_MAX^2, so check as we add). */
static nn_status count_params(const size_t *units, size_t n_layers, size_t *out)
{
    size_t total = 0;
    for (size_t l = 0; l < n_layers; l++) {
        size_t in = units[l], o = units[l + 1];
        if (in > (SIZE_MAX / sizeof(double)) / o)
            return nn__fail(NN_ENOMEM, "nn_net_create: layer %zu (%zux%zu) is too large", l,
                            in, o);
        size_t n = in * o + o;
        if (n > SIZE_MAX / sizeof(double) - total)
            return nn__fail(NN_ENOMEM, "nn_net_create: too many parameters");
        total += n;
    }
    *out = total;
    return NN_OK;
}

/* Allocate a net of the given architecture with zeroed parameters. */
nn_status nn__net_alloc(nn_net **out, const size_t *units, size_t n_layers, nn_init init,
                        uint64_t seed)
{
    size_t n_params = 0;
    nn_status s = count_params(units, n_layers, &n_params);
    if (s != NN_OK)
        return s;
    nn_net *net = calloc(1, sizeof *net);
    if (!net)
        return nn__fail(NN_ENOMEM, "nn_net_create: out of memory");
    net->n_layers = n_layers;
    net->init = init;
    net->seed = seed;
    net->n_params = n_params;
    memcpy(net->units, units, (n_layers + 1) * sizeof *units);
    net->params = nn__alloc_doubles(n_params);
    net->grads = nn__alloc_doubles(n_params);
    if (!net->params || !net->grads) {
        nn_net_free(net);
        return nn__fail(NN_ENOMEM, "nn_net_create: cannot allocate %zu parameters", n_params);
    }
    size_t off = 0;
    for (size_t l = 0; l < n_layers; l++) {
        size_t in = units[l], o = units[l + 1];
        net->W[l] = nn_mat_view(net->params + off, in, o, o);
        net->dW[l] = nn_mat_view(net->grads + off, in, o, o);
        off += in * o;
        net->b[l] = nn_mat_view(net->params + off, 1, o, o);
        net->db[l] = nn_mat_view(net->grads + off, 1, o, o);
        off += o;
    }
    net->k = nn__kernels_get();
    net->gemm_small = nn__gemm_small_for(net->k->name);
    /* The portable build of the small gemm does not beat OpenBLAS's own
     * SIMD code; it stays for tests and for non-x86 machines. */
    net->small_gemm_max = strcmp(net->k->name, "scalar") == 0 ? 0 : NN__SMALL_GEMM_MAX;
    *out = net;
    return NN_OK;
}

/* Orthogonal initialisation: draw a Gaussian matrix G, take the Q of its QR
 * factorisation, and fix the signs by sign(diag(R)) so that Q is uniformly
 * distributed over orthogonal matrices (Mezzadri, 2007). For a tall W
 * (in >= out) Q has orthonormal columns; for a wide one we factor Gᵀ and
 * store Qᵀ, giving orthonormal rows. */
static nn_status init_orthogonal(nn_mat w, nn__rng *r, double gain)
{
    size_t in = w.rows, out = w.cols;
    int tall = in >= out;
    size_t m = tall ? in : out, n = tall ? out : in; /* factor an m x n, m >= n */
    double *a = malloc(m * n * sizeof *a), *tau = malloc(n * sizeof *tau);
    if (!a || !tau) {
        free(a);
        free(tau);
        return nn__fail(NN_ENOMEM, "nn_net_create: out of memory (orthogonal init)");
    }
    for (size_t i = 0; i < m * n; i++)
        a[i] = nn__rng_normal(r);
    lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)n, a,
                                     (lapack_int)n, tau);
    double *sign = NULL;
    if (info == 0) {
        sign = malloc(n * sizeof *sign);
        if (sign)
            for (size_t j = 0; j < n; j++)
                sign[j] = a[j * n + j] < 0.0 ? -1.0 : 1.0;
        info = sign ? LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)n,
                                     (lapack_int)n, a, (lapack_int)n, tau)
                    : -1000;
    }
    if (info == 0)
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) {
                double q = gain * sign[j] * a[i * n + j];
                if (tall)
                    w.data[i * w.ld + j] = q;
                else
                    w.data[j * w.ld + i] = q;
            }
    free(a);
    free(tau);
    free(sign);
    if (info == -1000)
        return nn__fail(NN_ENOMEM, "nn_net_create: out of memory (orthogonal init)");
    if (info != 0)
        return nn__fail(NN_ENUMERIC, "nn_net_create: QR factorisation failed (info %d)",
                        (int)info);
    return NN_OK;
}

/* Fill the parameters from the net's init scheme and seed. Layers are drawn
 * in order, weights row by row, then biases, so the same seed always gives
 * the same net. */
static nn_status init_params(nn_net *net)
{
    nn__rng r;
    nn__rng_seed(&r, net->seed);
    for (size_t l = 0; l < net->n_layers; l++) {
        nn_mat w = net->W[l], b = net->b[l];
        size_t in = w.rows, out = w.cols, n = in * out;
        int hidden = l + 1 < net->n_layers;
        switch (net->init) {
        case NN_INIT_HE: {
            double sd = sqrt(2.0 / (double)in);
            for (size_t i = 0; i < n; i++)
                w.data[i] = sd * nn__rng_normal(&r);
            break;
        }
        case NN_INIT_XAVIER: {
            double a = sqrt(6.0 / (double)(in + out));
            for (size_t i = 0; i < n; i++)
                w.data[i] = a * (2.0 * nn__rng_uniform(&r) - 1.0);
            break;
        }
        case NN_INIT_NORMAL:
            for (size_t i = 0; i < n; i++)
                w.data[i] = nn__rng_normal(&r);
            for (size_t j = 0; j < out; j++)
                b.data[j] = nn__rng_normal(&r);
            break;
        case NN_INIT_ORTHOGONAL: {
            nn_status s = init_orthogonal(w, &r, hidden ? sqrt(2.0) : 1.0);
            if (s != NN_OK)
                return s;
            break;
        }
        }
    }
    return NN_OK;
}

nn_status nn_net_create(nn_net **out, const nn_net_config *cfg)
{
    if (!out || !cfg)
        return nn__fail(NN_EINVAL, "nn_net_create: %s is NULL", out ? "cfg" : "out");
    nn_status s = check_config(cfg);
    if (s != NN_OK)
        return s;
    size_t units[NN__MAX_LAYERS + 1];
    size_t n_layers = cfg->n_hidden_layers + 1;
    units[0] = cfg->n_inputs;
    for (size_t i = 0; i < cfg->n_hidden_layers; i++)
        units[i + 1] = cfg->hidden[i];
    units[n_layers] = cfg->n_classes;
    nn_net *net;
    if ((s = nn__net_alloc(&net, units, n_layers, cfg->init, cfg->seed)) != NN_OK)
        return s;
    if ((s = init_params(net)) != NN_OK) {
        nn_net_free(net);
        return s;
    }
    *out = net;
    return NN_OK;
}

static void free_workspace(nn_net *net)
{
    nn__free(net->ws_block);
    free(net->ws_labels);
    net->ws_block = NULL;
    net->ws_labels = NULL;
    net->cap = 0;
}

void nn_net_free(nn_net *net)
{
    if (!net)
        return;
    free_workspace(net);
    nn__free(net->params);
    nn__free(net->grads);
    free(net);
}

nn_status nn_net_clone(nn_net **out, const nn_net *src)
{
    if (!out || !src)
        return nn__fail(NN_EINVAL, "nn_net_clone: %s is NULL", out ? "src" : "out");
    nn_net *net;
    nn_status s = nn__net_alloc(&net, src->units, src->n_layers, src->init, src->seed);
    if (s != NN_OK)
        return s;
    memcpy(net->params, src->params, src->n_params * sizeof(double));
    *out = net;
    return NN_OK;
}

/* ---- accessors ----------------------------------------------------------- */

size_t nn_net_n_inputs(const nn_net *net)
{
    return net ? net->units[0] : 0;
}

size_t nn_net_n_classes(const nn_net *net)
{
    return net ? net->units[net->n_layers] : 0;
}

size_t nn_net_n_layers(const nn_net *net)
{
    return net ? net->n_layers : 0;
}

size_t nn_net_n_params(const nn_net *net)
{
    return net ? net->n_params : 0;
}

static nn_mat layer_view(const nn_net *net, size_t layer, const nn_mat *views)
{
    nn_mat empty = {NULL, 0, 0, 0};
    if (!net || layer >= net->n_layers)
        return empty;
    return views[layer];
}

nn_mat nn_net_weights(nn_net *net, size_t layer)
{
    return layer_view(net, layer, net ? net->W : NULL);
}

nn_mat nn_net_bias(nn_net *net, size_t layer)
{
    return layer_view(net, layer, net ? net->b : NULL);
}

nn_mat nn_net_weight_grad(nn_net *net, size_t layer)
{
    return layer_view(net, layer, net ? net->dW : NULL);
}

nn_mat nn_net_bias_grad(nn_net *net, size_t layer)
{
    return layer_view(net, layer, net ? net->db : NULL);
}

/* ---- workspace ----------------------------------------------------------- */

/* Make the workspace hold batches of at least rows rows: one activation
 * matrix per layer (rows x units[l+1]) and two rows x max_hidden buffers
 * for the backward pass, in one block. On failure the old workspace stays. */
nn_status nn__net_reserve(nn_net *net, size_t rows)
{
    if (rows <= net->cap)
        return NN_OK;
    size_t per_row = 0, max_hidden = 0;
    for (size_t l = 0; l < net->n_layers; l++)
        per_row += net->units[l + 1];
    for (size_t l = 1; l < net->n_layers; l++)
        if (net->units[l] > max_hidden)
            max_hidden = net->units[l];
    per_row += 2 * max_hidden;
    if (rows > INT_MAX || per_row > SIZE_MAX / sizeof(double) / rows)
        return nn__fail(NN_ENOMEM, "libnn: a workspace of %zu rows is too large", rows);
    double *block = nn__alloc_doubles(rows * per_row);
    int32_t *labels = malloc(rows * sizeof *labels);
    if (!block || !labels) {
        nn__free(block);
        free(labels);
        return nn__fail(NN_ENOMEM, "libnn: cannot allocate a workspace of %zu rows", rows);
    }
    free_workspace(net);
    net->ws_block = block;
    net->ws_labels = labels;
    net->cap = rows;
    double *p = block;
    for (size_t l = 0; l < net->n_layers; l++) {
        size_t o = net->units[l + 1];
        net->act[l] = nn_mat_view(p, rows, o, o);
        p += rows * o;
    }
    net->delta[0] = p;
    net->delta[1] = p + rows * max_hidden;
    return NN_OK;
}

/* ---- forward and backward ------------------------------------------------ */

/* C = op(A)·op(B) (beta = 0) on validated, row-major operands. The three
 * shapes of a training step:
 *   forward   Z  = A_prev · W        (n x in)(in x out)
 *   weights   dW = A_prevᵀ · dZ      (in x n)(n x out), A_prev stored n x in
 *   inputs    dA = dZ · Wᵀ           (n x out)(out x in), W stored in x out
 * Small products skip cblas_dgemm's fixed per-call cost (see gemm_small.inc). */
static void gemm(const nn_net *net, int trans_a, int trans_b, size_t m, size_t n, size_t k,
                 const double *a, size_t lda, const double *b, size_t ldb, double *c,
                 size_t ldc)
{
    if (m * n <= net->small_gemm_max && m * n * k <= net->small_gemm_max) {
        net->gemm_small(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc);
        return;
    }
    cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0, a, (int)lda,
                b, (int)ldb, 0.0, c, (int)ldc);
}

void nn__net_set_small_gemm(nn_net *net, size_t max)
{
    net->small_gemm_max = max;
}

/* Forward pass of n <= cap rows. Leaves the hidden activations in act[l].
 * For training (train != 0) act[L-1] holds X·W without the bias, which the
 * fused output kernel adds; otherwise it holds the probabilities. */
void nn__net_forward_rows(nn_net *net, const double *x, size_t ldx, size_t n, int train)
{
    const double *a = x;
    size_t lda = ldx;
    size_t L = net->n_layers;
    for (size_t l = 0; l < L; l++) {
        nn_mat z = net->act[l];
        gemm(net, 0, 0, n, z.cols, net->units[l], a, lda, net->W[l].data, net->W[l].ld, z.data,
             z.ld);
        if (l + 1 < L)
            net->k->bias_relu(z.data, n, z.cols, z.ld, net->b[l].data);
        else if (!train) {
            net->k->bias_add(z.data, n, z.cols, z.ld, net->b[l].data);
            net->k->softmax_rows(z.data, n, z.cols, z.ld);
        }
        a = z.data;
        lda = z.ld;
    }
}

/* Forward and backward pass over n <= cap rows with labels y, filling the
 * gradient block with the gradient of the mean loss. Returns the summed
 * (not mean) cross-entropy. Allocates nothing.
 *
 * Backward, with dZ_{L-1} = (P - onehot(y)) / n from the fused kernel:
 *   dW_l = A_{l-1}ᵀ dZ_l,  db_l = column sums of dZ_l,
 *   dA_{l-1} = dZ_l W_lᵀ,  dZ_{l-1} = dA_{l-1} ⊙ [A_{l-1} > 0],
 * and no dA for the first layer (the input needs no gradient). */
double nn__net_step_grads(nn_net *net, const double *x, size_t ldx, size_t n, const int32_t *y)
{
    size_t L = net->n_layers;
    nn__net_forward_rows(net, x, ldx, n, 1);
    nn_mat out = net->act[L - 1];
    double loss = net->k->bias_softmax_xent(out.data, n, out.cols, out.ld, net->b[L - 1].data,
                                            y, 1.0 / (double)n);
    const double *dz = out.data;
    size_t lddz = out.ld;
    for (size_t l = L; l-- > 0;) {
        const double *a = l ? net->act[l - 1].data : x;
        size_t lda = l ? net->act[l - 1].ld : ldx;
        size_t in = net->units[l], o = net->units[l + 1];
        gemm(net, 1, 0, in, o, n, a, lda, dz, lddz, net->dW[l].data, net->dW[l].ld);
        net->k->col_sums(dz, n, o, lddz, net->db[l].data);
        if (l == 0)
            break;
        double *da = net->delta[l & 1];
        gemm(net, 0, 1, n, in, o, dz, lddz, net->W[l].data, net->W[l].ld, da, in);
        net->k->relu_backward(da, in, a, lda, n, in);
        dz = da;
        lddz = in;
    }
    return loss;
}

/* ---- public forward API ---------------------------------------------------- */

static nn_status check_input(const nn_net *net, nn_mat x, const char *func)
{
    if (!net)
        return nn__fail(NN_EINVAL, "%s: net is NULL", func);
    nn_status s = nn__check_view(x, func, "x");
    if (s != NN_OK)
        return s;
    if (x.cols != net->units[0])
        return nn__fail(NN_ESHAPE, "%s: x has %zu columns but the net takes %zu inputs", func,
                        x.cols, net->units[0]);
    return NN_OK;
}

/* Chunk size for inference: big enough that gemm is efficient, small enough
 * that the workspace of a wide net stays modest. */
static size_t chunk_rows(const nn_net *net, size_t n)
{
    size_t want = n < NN__INFER_CHUNK ? n : NN__INFER_CHUNK;
    return net->cap > want ? net->cap : want;
}

nn_status nn_net_forward(nn_net *net, nn_mat x, nn_mat probs)
{
    nn_status s = check_input(net, x, "nn_net_forward");
    if (s != NN_OK)
        return s;
    if ((s = nn__check_view(probs, "nn_net_forward", "probs")) != NN_OK)
        return s;
    size_t C = net->units[net->n_layers];
    if (probs.rows != x.rows || probs.cols != C)
        return nn__fail(NN_ESHAPE, "nn_net_forward: probs is %zux%zu but must be %zux%zu",
                        probs.rows, probs.cols, x.rows, C);
    if ((s = nn__net_reserve(net, chunk_rows(net, x.rows))) != NN_OK)
        return s;
    for (size_t i = 0; i < x.rows; i += net->cap) {
        size_t n = x.rows - i < net->cap ? x.rows - i : net->cap;
        nn__net_forward_rows(net, x.data + i * x.ld, x.ld, n, 0);
        nn_mat p = net->act[net->n_layers - 1];
        for (size_t r = 0; r < n; r++)
            memcpy(probs.data + (i + r) * probs.ld, p.data + r * p.ld, C * sizeof(double));
    }
    return NN_OK;
}

nn_status nn_net_predict(nn_net *net, nn_mat x, int32_t *labels)
{
    nn_status s = check_input(net, x, "nn_net_predict");
    if (s != NN_OK)
        return s;
    if (!labels)
        return nn__fail(NN_EINVAL, "nn_net_predict: labels is NULL");
    if ((s = nn__net_reserve(net, chunk_rows(net, x.rows))) != NN_OK)
        return s;
    for (size_t i = 0; i < x.rows; i += net->cap) {
        size_t n = x.rows - i < net->cap ? x.rows - i : net->cap;
        nn__net_forward_rows(net, x.data + i * x.ld, x.ld, n, 0);
        nn_mat p = net->act[net->n_layers - 1];
        net->k->argmax_rows(p.data, n, p.cols, p.ld, labels + i);
    }
    return NN_OK;
}

/* Accuracy and summed loss over d, in chunks of the current workspace; the
 * caller has reserved it and validated d. Allocates nothing. */
void nn__net_score(nn_net *net, const nn_dataset *d, double *accuracy, double *mean_loss)
{
    size_t rows = d->x.rows, correct = 0;
    double loss = 0.0;
    for (size_t i = 0; i < rows; i += net->cap) {
        size_t n = rows - i < net->cap ? rows - i : net->cap;
        nn__net_forward_rows(net, d->x.data + i * d->x.ld, d->x.ld, n, 0);
        nn_mat p = net->act[net->n_layers - 1];
        loss += net->k->xent_sum(p.data, n, p.cols, p.ld, d->y + i);
        net->k->argmax_rows(p.data, n, p.cols, p.ld, net->ws_labels);
        for (size_t r = 0; r < n; r++)
            correct += net->ws_labels[r] == d->y[i + r];
    }
    if (accuracy)
        *accuracy = (double)correct / (double)rows;
    if (mean_loss)
        *mean_loss = loss / (double)rows;
}

/* Check a batch or data set against the net: a valid view with the net's
 * input width, and every label in [0, n_classes). */
nn_status nn__net_check_batch(const nn_net *net, nn_mat x, const int32_t *y, const char *func,
                              const char *what)
{
    nn_status s = nn__check_view(x, func, what);
    if (s != NN_OK)
        return s;
    if (!y)
        return nn__fail(NN_EINVAL, "%s: %s has no labels (NULL)", func, what);
    if (x.cols != net->units[0])
        return nn__fail(NN_ESHAPE, "%s: %s has %zu features but the net takes %zu", func, what,
                        x.cols, net->units[0]);
    size_t C = net->units[net->n_layers];
    for (size_t i = 0; i < x.rows; i++)
        if (y[i] < 0 || (size_t)y[i] >= C)
            return nn__fail(NN_EINVAL, "%s: %s row %zu has label %ld outside [0, %zu)", func,
                            what, i, (long)y[i], C);
    return NN_OK;
}

nn_status nn_net_evaluate(nn_net *net, const nn_dataset *d, double *accuracy, double *mean_loss)
{
    if (!net)
        return nn__fail(NN_EINVAL, "nn_net_evaluate: net is NULL");
    if (!d)
        return nn__fail(NN_EINVAL, "nn_net_evaluate: d is NULL");
    nn_status s = nn__net_check_batch(net, d->x, d->y, "nn_net_evaluate", "d");
    if (s != NN_OK)
        return s;
    if ((s = nn__net_reserve(net, chunk_rows(net, d->x.rows))) != NN_OK)
        return s;
    nn__net_score(net, d, accuracy, mean_loss);
    return NN_OK;
}

nn_status nn_net_gradients(nn_net *net, nn_mat x, const int32_t *labels, double *mean_loss)
{
    nn_status s = check_input(net, x, "nn_net_gradients");
    if (s != NN_OK)
        return s;
    if ((s = nn__net_check_batch(net, x, labels, "nn_net_gradients", "x")) != NN_OK)
        return s;
    if ((s = nn__net_reserve(net, x.rows)) != NN_OK)
        return s;
    double loss = nn__net_step_grads(net, x.data, x.ld, x.rows, labels);
    if (mean_loss)
        *mean_loss = loss / (double)x.rows;
    return NN_OK;
}
