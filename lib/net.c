/* The network: parameter layout, initialisation, forward and backward passes.
 *
 * Layer l (0-based, L = n_layers dense layers) maps units[l] inputs to
 * units[l+1] outputs:
 *
 *     Z_l = A_{l-1} W_l + b_l        W_l: units[l] x units[l+1], row-major
 *     A_l = f_l(Z_l)                 (l < L-1; f_l from the activation table)
 *     Y   = out(Z_{L-1})             (the task's loss module, loss.c)
 *
 * with A_{-1} = X (batch x n_inputs, standardized by the net's scaler). All
 * parameters live in one contiguous block, [W_0 b_0 W_1 b_1 ...], and all
 * gradients in a second block with the same layout, so an optimizer step is
 * one pass over two flat arrays. The layer loop calls activations and the
 * output task through tables and never asks which one it has.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>
#include <lapacke.h>

#include "net_internal.h"

/* ---- creation ------------------------------------------------------------ */

static nn_status check_config(const nn_net_config *cfg)
{
    const char *f = "nn_net_create";
    if (cfg->n_inputs == 0 || cfg->n_inputs > INT_MAX)
        return nn__fail(NN_EINVAL, "%s: n_inputs %zu is not in [1, %d]", f, cfg->n_inputs,
                        INT_MAX);
    if ((unsigned)cfg->task > (unsigned)NN_TASK_REGRESS)
        return nn__fail(NN_EINVAL, "%s: unknown task %d", f, (int)cfg->task);
    size_t min_out = nn__loss_for(cfg->task)->min_outputs;
    if (cfg->n_classes < min_out || cfg->n_classes > INT_MAX)
        return nn__fail(NN_EINVAL, "%s: n_classes (outputs) %zu is not in [%zu, %d] for task %s",
                        f, cfg->n_classes, min_out, INT_MAX, nn_task_name(cfg->task));
    if (cfg->n_hidden_layers > NN__MAX_LAYERS - 1)
        return nn__fail(NN_EINVAL, "%s: %zu hidden layers (at most %d)", f,
                        cfg->n_hidden_layers, NN__MAX_LAYERS - 1);
    if (cfg->n_hidden_layers > 0 && !cfg->hidden)
        return nn__fail(NN_EINVAL, "%s: hidden is NULL but n_hidden_layers is %zu", f,
                        cfg->n_hidden_layers);
    for (size_t i = 0; i < cfg->n_hidden_layers; i++) {
        if (cfg->hidden[i] == 0 || cfg->hidden[i] > INT_MAX)
            return nn__fail(NN_EINVAL, "%s: hidden[%zu] = %zu is not in [1, %d]", f, i,
                            cfg->hidden[i], INT_MAX);
        if (cfg->activations && (unsigned)cfg->activations[i] >= NN__N_ACT)
            return nn__fail(NN_EINVAL, "%s: activations[%zu] = %d is not an nn_activation", f,
                            i, (int)cfg->activations[i]);
    }
    if ((unsigned)cfg->init > (unsigned)NN_INIT_ORTHOGONAL)
        return nn__fail(NN_EINVAL, "%s: unknown init %d", f, (int)cfg->init);
    if (!(cfg->leaky_slope >= 0.0 && cfg->leaky_slope <= 1.0))
        return nn__fail(NN_EINVAL, "%s: leaky_slope %g is not in [0, 1] (0 = 0.01)", f,
                        cfg->leaky_slope);
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

/* The GEMM path named by the environment variable NN_GEMM (unset or empty:
 * auto). Read once per net, when it is created or loaded. */
static nn_status gemm_path_from_env(int *out)
{
    const char *v = getenv("NN_GEMM");
    *out = NN_GEMM_PATH_AUTO;
    if (!v || !*v)
        return NN_OK;
    for (int p = NN_GEMM_PATH_AUTO; p <= NN_GEMM_PATH_BLAS; p++)
        if (strcmp(v, nn_gemm_path_name((nn_gemm_path)p)) == 0) {
            *out = p;
            return NN_OK;
        }
    return nn__fail(NN_EINVAL, "libnn: the environment variable NN_GEMM is \"%.64s\"; "
                    "expected auto, small or blas", v);
}

/* Allocate a net of the given spec with zeroed parameters. */
nn_status nn__net_alloc(nn_net **out, const nn__net_spec *spec)
{
    size_t n_params = 0;
    nn_status s = count_params(spec->units, spec->n_layers, &n_params);
    if (s != NN_OK)
        return s;
    nn_net *net = calloc(1, sizeof *net);
    if (!net)
        return nn__fail(NN_ENOMEM, "nn_net_create: out of memory");
    net->spec = *spec;
    net->n_layers = spec->n_layers;
    net->units = net->spec.units;
    net->loss = nn__loss_for(spec->task);
    net->n_params = n_params;
    net->params = nn__alloc_doubles(n_params);
    /* Two spare slots after the gradients: a distributed step reduces
     * [gradients, rows, loss] as one flat buffer (train.c). */
    net->grads = nn__alloc_doubles(n_params + 2);
    net->gemm_scratch = nn__alloc_doubles(NN__GEMM_SCRATCH);
    if (!net->params || !net->grads || !net->gemm_scratch) {
        nn_net_free(net);
        return nn__fail(NN_ENOMEM, "nn_net_create: cannot allocate %zu parameters", n_params);
    }
    size_t off = 0;
    for (size_t l = 0; l < spec->n_layers; l++) {
        size_t in = spec->units[l], o = spec->units[l + 1];
        net->W[l] = nn_mat_view(net->params + off, in, o, o);
        net->dW[l] = nn_mat_view(net->grads + off, in, o, o);
        off += in * o;
        net->b[l] = nn_mat_view(net->params + off, 1, o, o);
        net->db[l] = nn_mat_view(net->grads + off, 1, o, o);
        off += o;
    }
    net->k = nn__kernels_get();
    net->gemm_small = nn__gemm_small_for(net->k->name);
    net->gemm_fused = nn__gemm_fused_for(net->k->name);
    if ((s = gemm_path_from_env(&net->gemm_path)) != NN_OK) {
        nn_net_free(net);
        return s;
    }
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
    nn__rng_seed(&r, net->spec.seed);
    for (size_t l = 0; l < net->n_layers; l++) {
        nn_mat w = net->W[l], b = net->b[l];
        size_t in = w.rows, out = w.cols, n = in * out;
        /* sqrt(2) is the gain that keeps ReLU activations' variance. */
        int relu_like = l + 1 < net->n_layers && (net->spec.act[l] == NN_ACT_RELU ||
                                                  net->spec.act[l] == NN_ACT_LEAKY_RELU);
        switch (net->spec.init) {
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
            nn_status s = init_orthogonal(w, &r, relu_like ? sqrt(2.0) : 1.0);
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
    nn__net_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.n_layers = cfg->n_hidden_layers + 1;
    spec.units[0] = cfg->n_inputs;
    for (size_t i = 0; i < cfg->n_hidden_layers; i++) {
        spec.units[i + 1] = cfg->hidden[i];
        spec.act[i] = cfg->activations ? cfg->activations[i] : NN_ACT_RELU;
    }
    spec.units[spec.n_layers] = cfg->n_classes;
    spec.slope = cfg->leaky_slope > 0.0 ? cfg->leaky_slope : 0.01;
    spec.task = cfg->task;
    spec.init = cfg->init;
    spec.seed = cfg->seed;
    nn_net *net;
    if ((s = nn__net_alloc(&net, &spec)) != NN_OK)
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
    nn__free(net->gemm_scratch);
    nn_scaler_free(&net->scaler);
    nn_scaler_free(&net->target_scaler);
    nn__strings_free(net->class_names, net->units[net->n_layers]);
    free(net);
}

nn_status nn_net_clone(nn_net **out, const nn_net *src)
{
    if (!out || !src)
        return nn__fail(NN_EINVAL, "nn_net_clone: %s is NULL", out ? "src" : "out");
    nn_net *net;
    nn_status s = nn__net_alloc(&net, &src->spec);
    if (s != NN_OK)
        return s;
    memcpy(net->params, src->params, src->n_params * sizeof(double));
    /* The clone computes as the original does, under auto too. */
    net->gemm_path = src->gemm_path;
    net->gemm_plan = src->gemm_plan;
    if ((s = nn_net_set_scaler(net, nn_net_scaler(src))) != NN_OK ||
        (s = nn_net_set_target_scaler(net, nn_net_target_scaler(src))) != NN_OK ||
        (s = nn_net_set_class_names(net, (const char *const *)src->class_names)) != NN_OK) {
        nn_net_free(net);
        return s;
    }
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
    return nn_net_n_outputs(net);
}

size_t nn_net_n_outputs(const nn_net *net)
{
    return net ? net->units[net->n_layers] : 0;
}

nn_task nn_net_task(const nn_net *net)
{
    return net ? net->spec.task : NN_TASK_CLASSIFY;
}

nn_activation nn_net_activation(const nn_net *net, size_t layer)
{
    return net && layer + 1 < net->n_layers ? net->spec.act[layer] : NN_ACT_RELU;
}

double nn_net_leaky_slope(const nn_net *net)
{
    return net ? net->spec.slope : 0.01;
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

/* ---- what travels with the model ------------------------------------------ */

/* A checked deep copy of src into *dst (which is replaced only on success). */
static nn_status set_scaler(nn_scaler *dst, const nn_scaler *src, size_t width,
                            const char *func, const char *width_name)
{
    if (!src) {
        nn_scaler_free(dst);
        return NN_OK;
    }
    if (!src->mean || !src->scale)
        return nn__fail(NN_EINVAL, "%s: the scaler is not fitted", func);
    if (src->n_features != width)
        return nn__fail(NN_ESHAPE, "%s: the scaler has %zu features but the net has %zu %s",
                        func, src->n_features, width, width_name);
    for (size_t j = 0; j < width; j++)
        if (!isfinite(src->mean[j]) || !(src->scale[j] > 0.0) || !isfinite(src->scale[j]))
            return nn__fail(NN_EINVAL,
                            "%s: feature %zu of the scaler has mean %g and scale %g (need a "
                            "finite mean and a positive finite scale)",
                            func, j, src->mean[j], src->scale[j]);
    nn_scaler c = {width, malloc(width * sizeof(double)), malloc(width * sizeof(double))};
    if (!c.mean || !c.scale) {
        nn_scaler_free(&c);
        return nn__fail(NN_ENOMEM, "%s: out of memory", func);
    }
    memcpy(c.mean, src->mean, width * sizeof(double));
    memcpy(c.scale, src->scale, width * sizeof(double));
    nn_scaler_free(dst);
    *dst = c;
    return NN_OK;
}

nn_status nn_net_set_scaler(nn_net *net, const nn_scaler *s)
{
    if (!net)
        return nn__fail(NN_EINVAL, "nn_net_set_scaler: net is NULL");
    return set_scaler(&net->scaler, s, net->units[0], "nn_net_set_scaler", "inputs");
}

const nn_scaler *nn_net_scaler(const nn_net *net)
{
    return net && net->scaler.mean ? &net->scaler : NULL;
}

nn_status nn_net_set_target_scaler(nn_net *net, const nn_scaler *s)
{
    if (!net)
        return nn__fail(NN_EINVAL, "nn_net_set_target_scaler: net is NULL");
    if (s && net->spec.task != NN_TASK_REGRESS)
        return nn__fail(NN_EINVAL, "nn_net_set_target_scaler: the net's task is %s (only "
                        "regress has a target scaler)", nn_task_name(net->spec.task));
    return set_scaler(&net->target_scaler, s, net->units[net->n_layers],
                      "nn_net_set_target_scaler", "outputs");
}

const nn_scaler *nn_net_target_scaler(const nn_net *net)
{
    return net && net->target_scaler.mean ? &net->target_scaler : NULL;
}

nn_status nn_net_set_class_names(nn_net *net, const char *const *names)
{
    if (!net)
        return nn__fail(NN_EINVAL, "nn_net_set_class_names: net is NULL");
    size_t C = net->units[net->n_layers];
    char **copy = NULL;
    if (names) {
        for (size_t k = 0; k < C; k++)
            if (!names[k] || !names[k][0] || strlen(names[k]) > NN__MAX_NAME)
                return nn__fail(NN_EINVAL, "nn_net_set_class_names: name %zu is %s", k,
                                !names[k] ? "NULL" : names[k][0] ? "longer than 4096 bytes"
                                                                : "empty");
        if (!(copy = nn__strings_dup(names, C)))
            return nn__fail(NN_ENOMEM, "nn_net_set_class_names: out of memory");
    }
    nn__strings_free(net->class_names, C);
    net->class_names = copy;
    return NN_OK;
}

const char *nn_net_class_name(const nn_net *net, size_t k)
{
    if (!net || !net->class_names || k >= net->units[net->n_layers])
        return NULL;
    return net->class_names[k];
}

void nn__scale_rows(const nn_scaler *s, const double *x, size_t ldx, size_t rows, double *dst,
                    size_t ldd)
{
    for (size_t i = 0; i < rows; i++) {
        const double *src = x + i * ldx;
        double *d = dst + i * ldd;
        for (size_t j = 0; j < s->n_features; j++)
            d[j] = (src[j] - s->mean[j]) / s->scale[j];
    }
}

/* ---- workspace ----------------------------------------------------------- */

/* Make the workspace hold batches of at least rows rows, in one block: one
 * activation matrix per layer (rows x units[l+1]), a pre-activation matrix
 * for each layer whose backward needs it, two rows x max_hidden buffers
 * for the backward pass, scaled inputs and targets, and the evaluation
 * sums. On failure the old workspace stays. */
nn_status nn__net_reserve(nn_net *net, size_t rows)
{
    if (rows <= net->cap)
        return NN_OK;
    size_t L = net->n_layers, C = net->units[L];
    size_t per_row = net->units[0] + C, max_hidden = 0;
    for (size_t l = 0; l < L; l++) {
        per_row += net->units[l + 1];
        if (l + 1 < L && nn__act_needs_pre(net->spec.act[l]))
            per_row += net->units[l + 1];
    }
    for (size_t l = 1; l < L; l++)
        if (net->units[l] > max_hidden)
            max_hidden = net->units[l];
    per_row += 2 * max_hidden;
    if (rows > INT_MAX || per_row > (SIZE_MAX / sizeof(double) - 4 * C) / rows)
        return nn__fail(NN_ENOMEM, "libnn: a workspace of %zu rows is too large", rows);
    double *block = nn__alloc_doubles(rows * per_row + 4 * C);
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
    nn_mat none = {NULL, 0, 0, 0};
    for (size_t l = 0; l < L; l++) {
        size_t o = net->units[l + 1];
        net->act[l] = nn_mat_view(p, rows, o, o);
        p += rows * o;
        net->pre[l] = none;
        if (l + 1 < L && nn__act_needs_pre(net->spec.act[l])) {
            net->pre[l] = nn_mat_view(p, rows, o, o);
            p += rows * o;
        }
    }
    net->delta[0] = p;
    net->delta[1] = p + rows * max_hidden;
    p += 2 * rows * max_hidden;
    net->ws_x = nn_mat_view(p, rows, net->units[0], net->units[0]);
    p += rows * net->units[0];
    net->ws_t = nn_mat_view(p, rows, C, C);
    p += rows * C;
    net->ws_eval = p;
    return NN_OK;
}

/* ---- GEMM dispatch and the plan ------------------------------------------ */

const char *nn_gemm_path_name(nn_gemm_path path)
{
    switch (path) {
    case NN_GEMM_PATH_AUTO:
        return "auto";
    case NN_GEMM_PATH_SMALL:
        return "small";
    case NN_GEMM_PATH_BLAS:
        return "blas";
    }
    return NULL;
}

nn_status nn_net_set_gemm_path(nn_net *net, nn_gemm_path path)
{
    if (!net)
        return nn__fail(NN_EINVAL, "nn_net_set_gemm_path: net is NULL");
    if (!nn_gemm_path_name(path))
        return nn__fail(NN_EINVAL, "nn_net_set_gemm_path: unknown path %d", (int)path);
    net->gemm_path = (int)path;
    memset(&net->gemm_plan, 0, sizeof net->gemm_plan);
    return NN_OK;
}

nn_gemm_path nn_net_gemm_path(const nn_net *net)
{
    return net ? (nn_gemm_path)net->gemm_path : NN_GEMM_PATH_AUTO;
}

nn_status nn_net_gemm_plan_info(const nn_net *net, nn_gemm_plan_info *out)
{
    if (!net || !out)
        return nn__fail(NN_EINVAL, "nn_net_gemm_plan_info: %s is NULL", net ? "out" : "net");
    const nn__gemm_plan *p = &net->gemm_plan;
    out->n_small = p->n_small;
    out->n_blas = p->n_blas;
    out->n_timed = p->n_timed;
    out->seconds = p->seconds;
    return NN_OK;
}

/* Whether an m x n x k product is small enough for the small gemm at all
 * (limit) or by the fixed rule (NN__SMALL_GEMM_MAX); m*n is tested first so
 * that m*n*k cannot overflow. */
static int within(size_t m, size_t n, size_t k, size_t limit)
{
    return m * n <= limit && m * n * k <= limit;
}

/* The path of a product that no plan covers. */
static int small_by_rule(const nn_net *net, size_t m, size_t n, size_t k)
{
    switch ((nn_gemm_path)net->gemm_path) {
    case NN_GEMM_PATH_SMALL:
        return within(m, n, k, NN__GEMM_SMALL_LIMIT);
    case NN_GEMM_PATH_BLAS:
        return 0;
    case NN_GEMM_PATH_AUTO:
        break;
    }
    /* The portable build of the small gemm does not beat OpenBLAS's own
     * SIMD code on most shapes; only a measured plan sends products there. */
    return strcmp(net->k->name, "scalar") != 0 && within(m, n, k, NN__SMALL_GEMM_MAX);
}

int nn__net_gemm_by_rule(const nn_net *net, size_t l, int q, size_t n)
{
    nn__gemm_shape sh = nn__net_gemm_shape(net, l, q, n);
    return small_by_rule(net, sh.m, sh.n, sh.k);
}

/* C = op(A)·op(B) (beta = 0) on validated, row-major operands: product
 * kind q of layer l with rows rows (see nn__net_gemm_shape), through the path that
 * the plan or the rule gives. The plan is found by row count, a compare or
 * two, which costs nothing next to the smallest product. */
void nn__net_gemm(const nn_net *net, size_t l, int q, size_t rows, const double *a, size_t lda,
                  const double *b, size_t ldb, double *c, size_t ldc)
{
    nn__gemm_shape s = nn__net_gemm_shape(net, l, q, rows);
    if (nn__net_gemm_is_small(net, l, q, rows)) {
        net->gemm_small(s.ta, s.tb, s.m, s.n, s.k, a, lda, b, ldb, c, ldc, net->gemm_scratch);
        return;
    }
    cblas_dgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans, s.tb ? CblasTrans : CblasNoTrans,
                (int)s.m, (int)s.n, (int)s.k, 1.0, a, (int)lda, b, (int)ldb, 0.0, c, (int)ldc);
}

/* ---- calibration ------------------------------------------------------------ */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return 1e9 * (double)ts.tv_sec + (double)ts.tv_nsec;
}

/* One product of the plan being made. */
typedef struct plan_item {
    nn__gemm_shape s;
    size_t slot, l;
    int q;
    int known;    /* decided by an earlier plan that had this row count */
    int small;    /* the decision */
    int timed;    /* decided by timing, now */
    size_t first; /* the first item with the same shape (itself if none) */
    /* Timing (candidates only): operands in the net's own buffers, and the
     * fastest call of each path in ns, index 0 cblas_dgemm, 1 small gemm. */
    const double *a, *b;
    double *c;
    size_t lda, ldb, ldc;
    double best[2];
} plan_item;

static int same_shape(nn__gemm_shape a, nn__gemm_shape b)
{
    return a.ta == b.ta && a.tb == b.tb && a.m == b.m && a.n == b.n && a.k == b.k;
}

/* Point x's operands at the buffers its product uses in a step, or stand-ins
 * of the same shape and stride: the scaled-input workspace for the input
 * rows, an activation for dZ. The outputs (an activation, a pre-activation,
 * a backward buffer, the weight gradient) are overwritten, which a step
 * does anyway. Needs rows <= cap. */
static void item_operands(const nn_net *net, plan_item *x)
{
    size_t l = x->l;
    const double *prev = l ? net->act[l - 1].data : net->ws_x.data;
    size_t ldprev = l ? net->act[l - 1].ld : net->ws_x.ld;
    nn_mat z = net->pre[l].data ? net->pre[l] : net->act[l];
    if (x->q == NN__GEMM_FWD) {
        x->a = prev, x->lda = ldprev;
        x->b = net->W[l].data, x->ldb = net->W[l].ld;
        x->c = z.data, x->ldc = z.ld;
    } else if (x->q == NN__GEMM_DW) {
        x->a = prev, x->lda = ldprev;
        x->b = net->act[l].data, x->ldb = net->act[l].ld;
        x->c = net->dW[l].data, x->ldc = net->dW[l].ld;
    } else {
        x->a = net->act[l].data, x->lda = net->act[l].ld;
        x->b = net->W[l].data, x->ldb = net->W[l].ld;
        x->c = net->delta[l & 1], x->ldc = net->units[l];
    }
}

/* Time one call of x on one path (1 = small gemm); keep the fastest. */
static double time_call(const nn_net *net, plan_item *x, int small)
{
    nn__gemm_shape s = x->s;
    double t0 = now_ns();
    if (small)
        net->gemm_small(s.ta, s.tb, s.m, s.n, s.k, x->a, x->lda, x->b, x->ldb, x->c, x->ldc,
                        net->gemm_scratch);
    else
        cblas_dgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans,
                    s.tb ? CblasTrans : CblasNoTrans, (int)s.m, (int)s.n, (int)s.k, 1.0, x->a,
                    (int)x->lda, x->b, (int)x->ldb, 0.0, x->c, (int)x->ldc);
    double t = now_ns() - t0;
    x->best[small] = t < x->best[small] ? t : x->best[small];
    return t;
}

/* The small gemm unless cblas_dgemm was faster by more than 5 %: the margin
 * keeps the choice from flipping with timing noise on near-ties. */
static void decide_timed(plan_item *x)
{
    x->small = !(x->best[0] < 0.95 * x->best[1]);
    x->timed = 1;
}

static size_t mnk(nn__gemm_shape s)
{
    return s.m * s.n * s.k;
}

static int cmp_by_size(const void *x, const void *y)
{
    const plan_item *a = *(const plan_item *const *)x, *b = *(const plan_item *const *)y;
    return mnk(a->s) < mnk(b->s) ? -1 : mnk(a->s) > mnk(b->s);
}

/* Products of at most this many multiply-adds (calls of ~20 µs or less
 * here) are timed in context, larger ones on their own. */
#define NN__GEMM_CTX_MNK ((size_t)1 << 15)

/* Time the candidates (distinct shapes within the small gemm's limit, cand
 * sorted smallest first, operands set) and decide each one timed; the
 * others keep the rule. Before deadline (CLOCK_MONOTONIC ns):
 * 1. The small ones in context, in step order (the items' order): rounds
 *    that call each once,
 *    alternating the path from shape to shape and round to round, every
 *    call timed; two warm-up rounds, then up to 16 (at least 4) as the
 *    budget allows. Back-to-back calls of one shape flatter cblas_dgemm,
 *    whose set-up is cheap while its code and branch history stay hot;
 *    between other products, as in a training step, it costs more.
 *    Measured on a 2-64-2 net at batch 10: two products that a loop of
 *    their own timed ~5 % faster in cblas_dgemm were ~15 % and ~5 % faster
 *    on the small gemm in context, and the net trained ~3 % faster with
 *    them there.
 * 2. The larger ones on their own, smallest first: a warm-up call of each
 *    path, then 3 calls of each, alternating, while a generous estimate
 *    (~1 ns per multiply-add) and then the warm-up times fit.
 * A path's time is its fastest call, the one least disturbed by the
 * machine's other work. */
static void time_candidates(const nn_net *net, plan_item **cand, size_t n_cand, double deadline)
{
    size_t n_ctx = 0;
    while (n_ctx < n_cand && mnk(cand[n_ctx]->s) <= NN__GEMM_CTX_MNK)
        n_ctx++;
    /* Step order: items were made in it, so their addresses are in it. */
    for (size_t i = 1; i < n_ctx; i++)
        for (size_t j = i; j > 0 && cand[j - 1] > cand[j]; j--) {
            plan_item *t = cand[j];
            cand[j] = cand[j - 1];
            cand[j - 1] = t;
        }
    double round = 0;
    for (int r = 0; r < 2; r++)
        for (size_t i = 0; i < n_ctx; i++)
            round += 0.5 * time_call(net, cand[i], (int)(((size_t)r + i) & 1));
    int rounds = 16;
    while (rounds > 4 && now_ns() + rounds * round > deadline)
        rounds /= 2;
    /* More rounds when the budget allows; else the two probe rounds are
     * the measurement (a very slow machine, or valgrind, still decides the
     * small products by timing them). */
    if (n_ctx && now_ns() + rounds * round <= deadline) {
        for (size_t i = 0; i < n_ctx; i++)
            cand[i]->best[0] = cand[i]->best[1] = INFINITY;
        for (int r = 0; r < rounds; r++)
            for (size_t i = 0; i < n_ctx; i++)
                time_call(net, cand[i], (int)(((size_t)r + i) & 1));
    }
    for (size_t i = 0; i < n_ctx; i++)
        decide_timed(cand[i]);
    for (size_t i = n_ctx; i < n_cand; i++) {
        plan_item *x = cand[i];
        if (now_ns() + 2.0 * ((double)mnk(x->s) + 500.0) > deadline)
            break;
        double once = time_call(net, x, 1) + time_call(net, x, 0);
        if (now_ns() + 3.0 * once > deadline)
            break;
        x->best[0] = x->best[1] = INFINITY;
        for (int r = 0; r < 3; r++) {
            time_call(net, x, 1);
            time_call(net, x, 0);
        }
        decide_timed(x);
    }
}

/* Fill the workspace that stands in for inputs (scaled inputs and the
 * activations, n rows) with ordinary numbers: left-over subnormals or
 * zeros could time differently. */
static void fill_inputs(nn_net *net, size_t n)
{
    for (size_t l = 0; l <= net->n_layers; l++) {
        nn_mat m = l ? net->act[l - 1] : net->ws_x;
        for (size_t i = 0; i < n * m.ld; i++)
            m.data[i] = 0.25 * (double)(i & 7) - 0.75;
    }
}

/* Decide every item that is the first of its shape and not known: by the
 * rule, then under auto by timing (time_candidates) within
 * NN__GEMM_CALIB_BUDGET_NS, on the net's own buffers (rows <= cap). Then
 * every later item of a shape takes its first item's decision. */
static void decide_items(nn_net *net, plan_item *it, size_t n_items)
{
    const double deadline = now_ns() + NN__GEMM_CALIB_BUDGET_NS;
    size_t n_cand = 0, max_rows = 0;
    plan_item **cand = NULL;
    if (net->gemm_path == NN_GEMM_PATH_AUTO)
        cand = malloc((n_items ? n_items : 1) * sizeof *cand);
    for (size_t i = 0; i < n_items; i++) {
        nn__gemm_shape s = it[i].s;
        if (it[i].first != i || it[i].known)
            continue;
        it[i].small = small_by_rule(net, s.m, s.n, s.k);
        size_t rows = net->gemm_plan.rows[it[i].slot];
        if (cand && rows <= net->cap && within(s.m, s.n, s.k, NN__GEMM_SMALL_LIMIT)) {
            item_operands(net, &it[i]);
            it[i].best[0] = it[i].best[1] = INFINITY;
            cand[n_cand++] = &it[i];
            max_rows = rows > max_rows ? rows : max_rows;
        }
    }
    if (n_cand) {
        fill_inputs(net, max_rows);
        qsort(cand, n_cand, sizeof *cand, cmp_by_size);
        time_candidates(net, cand, n_cand, deadline);
    }
    free(cand);
    for (size_t i = 0; i < n_items; i++)
        if (it[i].first != i && !it[i].known)
            it[i].small = it[it[i].first].small;
}

void nn__net_plan_gemms(nn_net *net, const size_t *rows, size_t n_rows)
{
    double t0 = now_ns();
    const nn__gemm_plan old = net->gemm_plan;
    nn__gemm_plan *p = &net->gemm_plan;
    memset(p, 0, sizeof *p);
    size_t n_slots = 0;
    for (size_t i = 0; i < n_rows && n_slots < NN__GEMM_PLAN_ROWS; i++) {
        int seen = rows[i] == 0;
        for (size_t s = 0; s < n_slots; s++)
            seen |= p->rows[s] == rows[i];
        if (!seen)
            p->rows[n_slots++] = rows[i];
    }
    /* Every product of a step for each row count, in step order (forward
     * layer by layer, then backward from the last layer, dW before dA, no
     * dA for the first layer): those of row counts the old plan had first
     * (they keep its decisions, so that a refit does not re-time), then the
     * new ones, which reuse the decision of any earlier product of the same
     * shape. */
    const size_t L = net->n_layers, per_slot = 3 * L - 1;
    plan_item *it = malloc(NN__GEMM_PLAN_ROWS * per_slot * sizeof *it);
    size_t n_items = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t s = 0; s < n_slots; s++) {
            size_t o = 0;
            while (o < NN__GEMM_PLAN_ROWS && old.rows[o] != p->rows[s])
                o++;
            const int known = o < NN__GEMM_PLAN_ROWS;
            if (known != (pass == 0))
                continue;
            for (size_t j = 0; j < per_slot; j++) {
                size_t l = j < L ? j : L - 1 - (j - L) / 2;
                int q = j < L ? NN__GEMM_FWD : (j - L) % 2 == 0 ? NN__GEMM_DW : NN__GEMM_DA;
                nn__gemm_shape sh = nn__net_gemm_shape(net, l, q, p->rows[s]);
                unsigned char small = known ? old.small[o][l][q]
                                            : (unsigned char)small_by_rule(net, sh.m, sh.n, sh.k);
                if (!it) {
                    p->small[s][l][q] = small; /* no memory for the bookkeeping */
                    continue;
                }
                plan_item *x = &it[n_items];
                memset(x, 0, sizeof *x);
                x->s = sh;
                x->slot = s;
                x->l = l;
                x->q = q;
                x->known = known;
                x->small = small;
                x->first = n_items;
                for (size_t i = 0; i < n_items; i++)
                    if (same_shape(it[i].s, sh)) {
                        x->first = i;
                        break;
                    }
                n_items++;
            }
        }
    if (it) {
        decide_items(net, it, n_items);
        for (size_t i = 0; i < n_items; i++) {
            p->small[it[i].slot][it[i].l][it[i].q] = (unsigned char)it[i].small;
            if (it[i].first == i) {
                p->n_small += it[i].small != 0;
                p->n_blas += it[i].small == 0;
                p->n_timed += it[i].timed;
            }
        }
        free(it);
    }
    p->seconds = (now_ns() - t0) * 1e-9;
}

/* ---- forward and backward ------------------------------------------------ */

/* Forward pass of n <= cap rows. Hidden layer l computes Z = A W into
 * pre[l] when its activation's backward needs Z (then act[l] = f(Z + b)),
 * else in place in act[l]. The output layer goes as far as mode says. */
void nn__net_forward_rows(nn_net *net, const double *x, size_t ldx, size_t n, nn__fwd_mode mode)
{
    const double *a = x;
    size_t lda = ldx;
    size_t L = net->n_layers;
    for (size_t l = 0; l < L; l++) {
        nn_mat out = net->act[l];
        nn_mat z = net->pre[l].data ? net->pre[l] : out;
        /* A hidden layer whose activation needs no pre-activation may get
         * its bias and activation inside the small gemm's tiles. */
        int done = 0;
        if (l + 1 < L && !net->pre[l].data) {
            nn__gemm_epi e = {.kind = NN__EPI_BIAS_ACT,
                              .act = net->spec.act[l],
                              .slope = net->spec.slope,
                              .bias = net->b[l].data};
            done = nn__net_gemm_fused(net, l, NN__GEMM_FWD, n, a, lda, net->W[l].data,
                                      net->W[l].ld, out.data, out.ld, &e);
        }
        if (!done) {
            nn__net_gemm(net, l, NN__GEMM_FWD, n, a, lda, net->W[l].data, net->W[l].ld, z.data,
                         z.ld);
            if (l + 1 < L)
                net->k->act_forward[net->spec.act[l]](z.data, z.ld, out.data, out.ld, n,
                                                      out.cols, net->b[l].data, net->spec.slope);
            else if (mode == NN__FWD_LOGITS)
                net->k->bias_add(z.data, n, z.cols, z.ld, net->b[l].data);
            else if (mode == NN__FWD_OUTPUT)
                net->loss->output(net->k, z.data, n, z.cols, z.ld, net->b[l].data);
        }
        a = out.data;
        lda = out.ld;
    }
}

double nn__net_mean_scale(const nn_net *net, size_t n)
{
    size_t per = net->loss->per_element ? net->units[net->n_layers] : 1;
    return 1.0 / ((double)n * (double)per);
}

/* ---- checks ----------------------------------------------------------------- */

/* NN_ENUMERIC naming the first element of m that is NaN or infinite. */
static nn_status check_finite(nn_mat m, const char *func, const char *what)
{
    for (size_t i = 0; i < m.rows; i++) {
        const double *r = m.data + i * m.ld;
        for (size_t j = 0; j < m.cols; j++)
            if (!isfinite(r[j]))
                return nn__fail(NN_ENUMERIC, "%s: %s[%zu][%zu] is %s (row %zu)", func, what, i,
                                j, isnan(r[j]) ? "NaN" : "infinite", i);
    }
    return NN_OK;
}

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
    return check_finite(x, func, "x");
}

static nn_status check_task(const nn_net *net, int classify, const char *func)
{
    int is_classify = net->spec.task == NN_TASK_CLASSIFY;
    if (is_classify != classify)
        return nn__fail(NN_EINVAL, "%s: the net's task is %s%s", func,
                        nn_task_name(net->spec.task),
                        classify ? " (it takes targets, not labels)"
                                 : " (it takes labels, not targets)");
    return NN_OK;
}

/* Labels in [0, C), or targets of width C that are finite (and 0/1 for
 * MULTILABEL). */
static nn_status check_targets(const nn_net *net, size_t rows, const int32_t *y, nn_mat t,
                               const char *func, const char *what)
{
    size_t C = net->units[net->n_layers];
    if (net->spec.task == NN_TASK_CLASSIFY) {
        if (!y)
            return nn__fail(NN_EINVAL, "%s: %s has no labels (y is NULL)%s", func, what,
                            t.data ? "; targets are for multilabel and regress nets" : "");
        for (size_t i = 0; i < rows; i++)
            if (y[i] < 0 || (size_t)y[i] >= C)
                return nn__fail(NN_EINVAL, "%s: %s row %zu has label %ld outside [0, %zu)",
                                func, what, i, (long)y[i], C);
        return NN_OK;
    }
    if (!t.data)
        return nn__fail(NN_EINVAL, "%s: %s has no targets (t is empty)%s; a %s net needs %zu "
                        "target columns", func, what, y ? " but labels" : "",
                        nn_task_name(net->spec.task), C);
    nn_status s = nn__check_view(t, func, "targets");
    if (s != NN_OK)
        return s;
    if (t.rows != rows || t.cols != C)
        return nn__fail(NN_ESHAPE, "%s: %s targets are %zux%zu but must be %zux%zu", func, what,
                        t.rows, t.cols, rows, C);
    if ((s = check_finite(t, func, "targets")) != NN_OK)
        return s;
    if (net->spec.task == NN_TASK_MULTILABEL)
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < C; j++) {
                double v = t.data[i * t.ld + j];
                if (v != 0.0 && v != 1.0)
                    return nn__fail(NN_EINVAL, "%s: %s target [%zu][%zu] is %g; multilabel "
                                    "targets are 0 or 1", func, what, i, j, v);
            }
    return NN_OK;
}

nn_status nn__net_check_data(const nn_net *net, const nn_dataset *d, const char *func,
                             const char *what)
{
    nn_status s = nn__check_view(d->x, func, what);
    if (s != NN_OK)
        return s;
    if (d->x.cols != net->units[0])
        return nn__fail(NN_ESHAPE, "%s: %s has %zu features but the net takes %zu", func, what,
                        d->x.cols, net->units[0]);
    if ((s = check_finite(d->x, func, what)) != NN_OK)
        return s;
    return check_targets(net, d->x.rows, d->y, d->t, func, what);
}

/* ---- public forward API ---------------------------------------------------- */

/* Chunk size for inference: big enough that gemm is efficient, small enough
 * that the workspace of a wide net stays modest. */
static size_t chunk_rows(const nn_net *net, size_t n)
{
    size_t want = n < NN__INFER_CHUNK ? n : NN__INFER_CHUNK;
    return net->cap > want ? net->cap : want;
}

/* Rows [i, i+n) of x as the net sees them: standardized into the workspace
 * when the net has a scaler, else x itself. */
static const double *input_rows(nn_net *net, nn_mat x, size_t i, size_t n, size_t *ld)
{
    const double *p = x.data + i * x.ld;
    if (!net->scaler.mean) {
        *ld = x.ld;
        return p;
    }
    nn__scale_rows(&net->scaler, p, x.ld, n, net->ws_x.data, net->ws_x.ld);
    *ld = net->ws_x.ld;
    return net->ws_x.data;
}

/* Targets as training sees them (standardized by the target scaler). */
static nn__targets target_rows(nn_net *net, const int32_t *y, nn_mat t, size_t i, size_t n)
{
    nn__targets r = {y ? y + i : NULL, NULL, t.ld};
    if (!t.data)
        return r;
    r.t = t.data + i * t.ld;
    if (net->target_scaler.mean) {
        nn__scale_rows(&net->target_scaler, r.t, t.ld, n, net->ws_t.data, net->ws_t.ld);
        r.t = net->ws_t.data;
        r.ldt = net->ws_t.ld;
    }
    return r;
}

/* Run the output mode over x chunk by chunk; each chunk's result (n rows in
 * act[L-1]) goes to emit. */
typedef void (*emit_fn)(nn_net *net, size_t i, size_t n, nn_mat out, void *ctx);

static nn_status run_chunks(nn_net *net, nn_mat x, nn__fwd_mode mode, emit_fn emit, void *ctx)
{
    nn_status s = nn__net_reserve(net, chunk_rows(net, x.rows));
    if (s != NN_OK)
        return s;
    for (size_t i = 0; i < x.rows; i += net->cap) {
        size_t n = x.rows - i < net->cap ? x.rows - i : net->cap, ld;
        const double *in = input_rows(net, x, i, n, &ld);
        nn__net_forward_rows(net, in, ld, n, mode);
        emit(net, i, n, net->act[net->n_layers - 1], ctx);
    }
    return NN_OK;
}

/* Copy the outputs out, mapping REGRESS values back to target units. */
static void emit_outputs(nn_net *net, size_t i, size_t n, nn_mat out, void *ctx)
{
    nn_mat *dst = ctx;
    const nn_scaler *ts = net->target_scaler.mean ? &net->target_scaler : NULL;
    for (size_t r = 0; r < n; r++) {
        const double *src = out.data + r * out.ld;
        double *d = dst->data + (i + r) * dst->ld;
        for (size_t j = 0; j < out.cols; j++)
            d[j] = ts ? src[j] * ts->scale[j] + ts->mean[j] : src[j];
    }
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
    return run_chunks(net, x, NN__FWD_OUTPUT, emit_outputs, &probs);
}

static void emit_labels(nn_net *net, size_t i, size_t n, nn_mat out, void *ctx)
{
    net->k->argmax_rows(out.data, n, out.cols, out.ld, (int32_t *)ctx + i);
}

nn_status nn_net_predict(nn_net *net, nn_mat x, int32_t *labels)
{
    nn_status s = check_input(net, x, "nn_net_predict");
    if (s != NN_OK)
        return s;
    if ((s = check_task(net, 1, "nn_net_predict")) != NN_OK)
        return s;
    if (!labels)
        return nn__fail(NN_EINVAL, "nn_net_predict: labels is NULL");
    /* The argmax of the logits is the argmax of the softmax. */
    return run_chunks(net, x, NN__FWD_LOGITS, emit_labels, labels);
}

static void emit_01(nn_net *net, size_t i, size_t n, nn_mat out, void *ctx)
{
    (void)net;
    nn_mat *dst = ctx;
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < out.cols; j++)
            dst->data[(i + r) * dst->ld + j] = out.data[r * out.ld + j] >= 0.0 ? 1.0 : 0.0;
}

nn_status nn_net_predict_multilabel(nn_net *net, nn_mat x, nn_mat out01)
{
    const char *f = "nn_net_predict_multilabel";
    nn_status s = check_input(net, x, f);
    if (s != NN_OK)
        return s;
    if (net->spec.task != NN_TASK_MULTILABEL)
        return nn__fail(NN_EINVAL, "%s: the net's task is %s, not multilabel", f,
                        nn_task_name(net->spec.task));
    if ((s = nn__check_view(out01, f, "out01")) != NN_OK)
        return s;
    size_t C = net->units[net->n_layers];
    if (out01.rows != x.rows || out01.cols != C)
        return nn__fail(NN_ESHAPE, "%s: out01 is %zux%zu but must be %zux%zu", f, out01.rows,
                        out01.cols, x.rows, C);
    /* sigmoid(z) >= 0.5 exactly when z >= 0: decide on the logits. */
    return run_chunks(net, x, NN__FWD_LOGITS, emit_01, &out01);
}

/* Score and mean loss over d, in chunks of the current workspace; the
 * caller has reserved it and validated d. Allocates nothing. */
void nn__net_score(nn_net *net, const nn_dataset *d, double *score, double *mean_loss)
{
    size_t rows = d->x.rows, C = net->units[net->n_layers];
    nn__eval e = {0, 0.0, 0, net->ws_eval, net->ws_labels};
    for (size_t i = 0; i < rows; i += net->cap) {
        size_t n = rows - i < net->cap ? rows - i : net->cap, ld;
        const double *in = input_rows(net, d->x, i, n, &ld);
        nn__net_forward_rows(net, in, ld, n, NN__FWD_LOGITS);
        nn_mat z = net->act[net->n_layers - 1];
        net->loss->eval(net->k, &e, z.data, n, C, z.ld, target_rows(net, d->y, d->t, i, n));
        e.rows += n;
    }
    nn__eval_finish(net->loss, &e, C, score, mean_loss);
}

nn_status nn_net_evaluate(nn_net *net, const nn_dataset *d, double *accuracy, double *mean_loss)
{
    if (!net)
        return nn__fail(NN_EINVAL, "nn_net_evaluate: net is NULL");
    if (!d)
        return nn__fail(NN_EINVAL, "nn_net_evaluate: d is NULL");
    nn_status s = nn__net_check_data(net, d, "nn_net_evaluate", "d");
    if (s != NN_OK)
        return s;
    if ((s = nn__net_reserve(net, chunk_rows(net, d->x.rows))) != NN_OK)
        return s;
    nn__net_score(net, d, accuracy, mean_loss);
    return NN_OK;
}

static nn_status gradients(nn_net *net, nn_mat x, const int32_t *labels, nn_mat targets,
                           double *mean_loss, const char *func)
{
    nn_status s = check_input(net, x, func);
    if (s != NN_OK)
        return s;
    if ((s = check_task(net, labels != NULL || !targets.data, func)) != NN_OK ||
        (s = check_targets(net, x.rows, labels, targets, func, "x")) != NN_OK)
        return s;
    if ((s = nn__net_reserve(net, x.rows)) != NN_OK)
        return s;
    size_t ld;
    const double *in = input_rows(net, x, 0, x.rows, &ld);
    double scale = nn__net_mean_scale(net, x.rows);
    double loss = nn__net_step_grads(net, in, ld, x.rows,
                                     target_rows(net, labels, targets, 0, x.rows), scale);
    if (mean_loss)
        *mean_loss = loss * scale;
    return NN_OK;
}

nn_status nn_net_gradients(nn_net *net, nn_mat x, const int32_t *labels, double *mean_loss)
{
    nn_mat none = {NULL, 0, 0, 0};
    if (net && !labels && net->spec.task == NN_TASK_CLASSIFY)
        return nn__fail(NN_EINVAL, "nn_net_gradients: labels is NULL");
    return gradients(net, x, labels, none, mean_loss, "nn_net_gradients");
}

nn_status nn_net_gradients_targets(nn_net *net, nn_mat x, nn_mat targets, double *mean_loss)
{
    if (net && net->spec.task != NN_TASK_CLASSIFY && !targets.data)
        return nn__fail(NN_EINVAL, "nn_net_gradients_targets: targets is empty");
    return gradients(net, x, NULL, targets, mean_loss, "nn_net_gradients_targets");
}
