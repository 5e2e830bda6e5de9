/* What the export writers share (see writer.h): the check that every value
 * fits the exported type. (Files are written through lib/atomic_file.c.) */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"

/* ---- values a writer can hold --------------------------------------------- */

/* Whether v can be written as a value of the export's type: finite, and
 * for float within float's range (a nonzero scale must stay nonzero). */
static int representable(double v, int single, int is_scale)
{
    if (!isfinite(v))
        return 0;
    if (!single)
        return 1;
    if (fabs(v) > FLT_MAX)
        return 0;
    return !is_scale || (float)v != 0.0f;
}

static nn_status bad_value(const char *func, size_t l, const char *what, size_t i, size_t j,
                           double v)
{
    return nn__fail(NN_ENUMERIC, "%s: layer %zu %s (%zu, %zu) is %g, which %s", func, l, what, i,
                    j, v, isfinite(v) ? "does not fit in a float" : "is not a finite number");
}

nn_status nn__export_check_values(const nn_net *net, int single, const char *func)
{
    nn_net *view = nn__export_net(net);
    for (size_t l = 0; l < nn_net_n_layers(net); l++) {
        nn_mat w = nn_net_weights(view, l), b = nn_net_bias(view, l);
        for (size_t i = 0; i < w.rows; i++)
            for (size_t j = 0; j < w.cols; j++)
                if (!representable(w.data[i * w.ld + j], single, 0))
                    return bad_value(func, l, "weight", i, j, w.data[i * w.ld + j]);
        for (size_t j = 0; j < b.cols; j++)
            if (!representable(b.data[j], single, 0))
                return bad_value(func, l, "bias", 0, j, b.data[j]);
    }
    const nn_scaler *sc[2] = {nn_net_scaler(net), nn_net_target_scaler(net)};
    for (int k = 0; k < 2; k++)
        for (size_t j = 0; sc[k] && j < sc[k]->n_features; j++)
            if (!representable(sc[k]->mean[j], single, 0) ||
                !representable(sc[k]->scale[j], single, 1))
                return nn__fail(NN_ENUMERIC,
                                "%s: the %s scaler's mean %g / scale %g of feature %zu does not "
                                "fit in a %s",
                                func, k ? "target" : "input", sc[k]->mean[j], sc[k]->scale[j], j,
                                single ? "float" : "double");
    return NN_OK;
}

const nn_net *nn__export_source(const nn_net *net, nn_net **wide, const char *func)
{
    *wide = NULL;
    if (nn_net_dtype(net) != NN_F32)
        return net;
    if (nn_net_convert(wide, net, NN_F64) != NN_OK) {
        nn__fail(NN_ENOMEM, "%s: %s", func, nn_last_error());
        return NULL;
    }
    return *wide;
}
