/* The net as an object: allocation, clone and free, accessors, what travels
 * with the model (scalers and class names), and the workspace.
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
 * one pass over two flat arrays. nn_net_create (the config and the initial
 * weights) is in init.c, the layer loop in forward.c, the training step in
 * step.c, the GEMM plan in gemm_plan.c.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "env.h"
#include "net/net_internal.h"

/* ---- allocation ------------------------------------------------------------ */

/* Count the parameters, refusing a net whose parameter block would not fit
 * in memory (each term is at most INT_MAX^2, so check as we add). */
static nn_status count_params(const size_t *units, size_t n_layers, size_t *out,
                              const char *func)
{
    size_t total = 0;
    for (size_t l = 0; l < n_layers; l++) {
        size_t in = units[l], o = units[l + 1];
        if (in > (SIZE_MAX / sizeof(double)) / o)
            return nn__fail(NN_ENOMEM, "%s: layer %zu (%zux%zu) is too large", func, l,
                            in, o);
        size_t n = in * o + o;
        if (n > SIZE_MAX / sizeof(double) - total)
            return nn__fail(NN_ENOMEM, "%s: too many parameters", func);
        total += n;
    }
    *out = total;
    return NN_OK;
}

/* n zeroed elements of dtype's type, 64-byte aligned (nn__alloc_doubles:
 * an F32 block takes half as many doubles, rounded up); NULL on failure. */
static void *alloc_elems(size_t n, nn_dtype dtype)
{
    return nn__alloc_doubles(dtype == NN_F32 ? n / 2 + 1 : n);
}

/* Point the net's parameter views (grad 0) or gradient views (grad 1) of
 * its dtype into block, [W_0 b_0 W_1 b_1 ...]. */
static void set_views(nn_net *net, void *block, int grad)
{
    const int f32 = net->spec.dtype == NN_F32;
    if (f32)
        *(grad ? &net->grads_f32 : &net->params_f32) = block;
    else
        *(grad ? &net->grads : &net->params) = block;
    size_t off = 0;
    for (size_t l = 0; l < net->n_layers; l++) {
        size_t in = net->units[l], o = net->units[l + 1];
        if (f32) {
            float *p = (float *)block + off;
            (grad ? net->dW_f32 : net->W_f32)[l] = (nn_matf){p, in, o, o};
            (grad ? net->db_f32 : net->b_f32)[l] = (nn_matf){p + in * o, 1, o, o};
        } else {
            double *p = (double *)block + off;
            (grad ? net->dW : net->W)[l] = nn_mat_view(p, in, o, o);
            (grad ? net->db : net->b)[l] = nn_mat_view(p + in * o, 1, o, o);
        }
        off += in * o + o;
    }
}

/* Allocate a net of the given spec with zeroed parameters. */
nn_status nn__net_alloc(nn_net **out, const nn__net_spec *spec, const char *func)
{
    size_t n_params = 0;
    NN_TRY(count_params(spec->units, spec->n_layers, &n_params, func));
    nn__env env; /* NN_GEMM, read once per net: created, loaded or cloned */
    NN_TRY(nn__env_read(&env, NN__ENV_GEMM));
    nn_net *net = calloc(1, sizeof *net);
    if (!net)
        return nn__fail(NN_ENOMEM, "%s: out of memory", func);
    net->spec = *spec;
    net->n_layers = spec->n_layers;
    net->units = net->spec.units;
    net->loss = nn__loss_for(spec->task);
    net->n_params = n_params;
    net->ws.scratch = nn__alloc_doubles(NN__GEMM_SCRATCH);
    net->slots = nn__ws_slots_new();
    void *params = alloc_elems(n_params, spec->dtype);
    if (!params || !net->ws.scratch || !net->slots) {
        nn__free(params);
        nn_net_free(net);
        return nn__fail(NN_ENOMEM, "%s: cannot allocate %zu parameters", func, n_params);
    }
    set_views(net, params, 0);
    net->k = nn__kernels_get();
    net->k_f32 = nn__kernels_f32_of(net->k);
    net->gemm_small = net->k->gemm_small;
    net->gemm_fused = net->k->gemm_fused;
    net->gemm_small_f32 = net->k_f32->gemm_small;
    net->gemm_fused_f32 = net->k_f32->gemm_fused;
    net->gemm_path = env.gemm_path;
    *out = net;
    return NN_OK;
}

void nn_net_free(nn_net *net)
{
    if (!net)
        return;
    nn__ws_free(&net->ws);
    nn__ws_slots_free(net->slots);
    nn__free(net->params);
    nn__free(net->grads);
    nn__free(net->params_f32);
    nn__free(net->grads_f32);
    nn_scaler_free(&net->scaler);
    nn_scaler_free(&net->target_scaler);
    nn__strings_free(net->class_names, net->units[net->n_layers]);
    free(net);
}

/* Copy src's parameters into dst of dtype's type: exact between equal
 * types and from float to double; rounded to nearest from double to float,
 * NN_ENUMERIC naming the parameter when its magnitude is above FLT_MAX. */
static nn_status copy_params(nn_net *dst, const nn_net *src, const char *func)
{
    const size_t P = src->n_params;
    if (dst->spec.dtype == src->spec.dtype) {
        memcpy(nn__net_params(dst), nn__net_params(src), nn__net_param_bytes(src));
    } else if (dst->spec.dtype == NN_F64) {
        for (size_t i = 0; i < P; i++)
            dst->params[i] = (double)src->params_f32[i];
    } else {
        for (size_t i = 0; i < P; i++) {
            if (fabs(src->params[i]) > (double)FLT_MAX)
                return nn__fail(NN_ENUMERIC, "%s: parameter %zu (%g) does not fit in a float",
                                func, i, src->params[i]);
            dst->params_f32[i] = (float)src->params[i];
        }
    }
    return NN_OK;
}

/* A net like src, of element type dtype (clone and convert). */
static nn_status copy_net(nn_net **out, const nn_net *src, nn_dtype dtype, const char *func)
{
    nn_net *net;
    nn__net_spec spec = src->spec;
    spec.dtype = dtype;
    NN_TRY(nn__net_alloc(&net, &spec, func));
    nn_status s = copy_params(net, src, func);
    /* The copy computes as the original does, under auto too (a plan is
     * made for one dtype's products). */
    net->gemm_path = src->gemm_path;
    if (dtype == src->spec.dtype)
        net->gemm_plan = src->gemm_plan;
    if (s != NN_OK || (s = nn_net_set_scaler(net, nn_net_scaler(src))) != NN_OK ||
        (s = nn_net_set_target_scaler(net, nn_net_target_scaler(src))) != NN_OK ||
        (s = nn_net_set_class_names(net, (const char *const *)src->class_names)) != NN_OK) {
        nn_net_free(net);
        return s;
    }
    *out = net;
    return NN_OK;
}

nn_status nn_net_clone(nn_net **out, const nn_net *src)
{
    if (!out || !src)
        return nn__fail(NN_EINVAL, "nn_net_clone: %s is NULL", out ? "src" : "out");
    return copy_net(out, src, src->spec.dtype, "nn_net_clone");
}

nn_status nn_net_convert(nn_net **out, const nn_net *src, nn_dtype dtype)
{
    if (!out || !src)
        return nn__fail(NN_EINVAL, "nn_net_convert: %s is NULL", out ? "src" : "out");
    if (dtype != NN_F64 && dtype != NN_F32)
        return nn__fail(NN_EINVAL, "nn_net_convert: unknown dtype %d (NN_F64 or NN_F32)",
                        (int)dtype);
    return copy_net(out, src, dtype, "nn_net_convert");
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

nn_dtype nn_net_dtype(const nn_net *net)
{
    return net ? net->spec.dtype : NN_F64;
}

/* nn_net_weights, nn_net_bias, nn_net_weight_grad, nn_net_bias_grad and
 * their _f32 twins: one body (views.inc) for both element types. */
#define NN__EACH_REAL "net/views.inc"
#include "each_real.h"

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
    nn_scaler c = {.n_features = width,
                   .mean = malloc(width * sizeof(double)),
                   .scale = malloc(width * sizeof(double))};
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

/* The gradient block is allocated with the training workspace, so that a
 * net loaded or made only for inference never holds one. Two spare slots
 * follow the gradients: a distributed step reduces [gradients, rows, loss]
 * as one flat buffer (train.c). */
nn_status nn__net_reserve(nn_net *net, size_t rows)
{
    if (!nn__net_grads(net)) {
        void *grads = alloc_elems(net->n_params + 2, net->spec.dtype);
        if (!grads)
            return nn__fail(NN_ENOMEM, "libnn: cannot allocate the gradients of %zu parameters",
                            net->n_params);
        set_views(net, grads, 1);
    }
    return nn__ws_reserve(net, &net->ws, rows, 1, "libnn");
}

void *nn__net_params(const nn_net *net)
{
    return net->spec.dtype == NN_F32 ? (void *)net->params_f32 : (void *)net->params;
}

size_t nn__net_param_bytes(const nn_net *net)
{
    return net->n_params * (net->spec.dtype == NN_F32 ? sizeof(float) : sizeof(double));
}

void *nn__net_grads(const nn_net *net)
{
    return net->spec.dtype == NN_F32 ? (void *)net->grads_f32 : (void *)net->grads;
}

double nn__net_mean_scale(const nn_net *net, size_t n)
{
    size_t per = net->loss->per_element ? net->units[net->n_layers] : 1;
    return 1.0 / ((double)n * (double)per);
}
