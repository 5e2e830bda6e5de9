/* nn_net_create: the config's check, and the initial weights of each init
 * scheme (He, Xavier, normal, orthogonal), drawn from the net's seed. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "net/net_internal.h"
#include "rng.h"

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
    if (cfg->dtype != NN_F64 && cfg->dtype != NN_F32)
        return nn__fail(NN_EINVAL, "%s: unknown dtype %d (NN_F64 or NN_F32)", f,
                        (int)cfg->dtype);
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
            NN_TRY(init_orthogonal(w, &r, relu_like ? sqrt(2.0) : 1.0));
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
    NN_TRY(check_config(cfg));
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
    /* The parameters are drawn in double; an F32 net gets them rounded, so
     * that one seed gives the same net in both types up to that rounding. */
    nn_net *net, *conv = NULL;
    NN_TRY(nn__net_alloc(&net, &spec, "nn_net_create"));
    nn_status s = init_params(net);
    if (s == NN_OK && cfg->dtype == NN_F32)
        s = nn_net_convert(&conv, net, NN_F32);
    if (s != NN_OK || conv) {
        nn_net_free(net);
        net = conv;
    }
    if (s != NN_OK)
        return s;
    *out = net;
    return NN_OK;
}
