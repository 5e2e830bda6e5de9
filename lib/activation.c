/* The hidden-layer activations as a table: name, and whether the backward
 * pass needs the pre-activation. The kernels themselves live in each path's
 * nn__kernels (act_forward / act_backward, indexed by nn_activation), so
 * the layer loop (lib/net/forward.c) calls through the table without knowing which
 * activation it has. */
#include <string.h>

#include "kernels/kernels.h"

typedef struct act_info {
    const char *name;
    int needs_pre; /* backward reads z, not only a = f(z) */
} act_info;

static const act_info ACTS[NN__N_ACT] = {
    [NN_ACT_RELU] = {.name = "relu", .needs_pre = 0},
    [NN_ACT_LEAKY_RELU] = {.name = "leaky_relu", .needs_pre = 0},
    [NN_ACT_TANH] = {.name = "tanh", .needs_pre = 0},
    [NN_ACT_SIGMOID] = {.name = "sigmoid", .needs_pre = 0},
    [NN_ACT_GELU] = {.name = "gelu", .needs_pre = 1},
    [NN_ACT_IDENTITY] = {.name = "identity", .needs_pre = 0},
};

const char *nn_activation_name(nn_activation a)
{
    return (unsigned)a < NN__N_ACT ? ACTS[a].name : NULL;
}

nn_status nn_activation_parse(const char *name, nn_activation *out)
{
    if (!name || !out)
        return nn__fail(NN_EINVAL, "nn_activation_parse: %s is NULL", !name ? "name" : "out");
    for (int a = 0; a < NN__N_ACT; a++)
        if (strcmp(name, ACTS[a].name) == 0) {
            *out = (nn_activation)a;
            return NN_OK;
        }
    return nn__fail(NN_EINVAL,
                    "unknown activation '%s' (relu, leaky_relu, tanh, sigmoid, gelu, identity)",
                    name);
}

int nn__act_needs_pre(nn_activation a)
{
    return ACTS[a].needs_pre;
}
