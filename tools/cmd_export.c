/* nn export: a saved model for use without libnn, as a self-contained C
 * header (--c, nn_net_export_c) and/or an ONNX model (--onnx,
 * nn_net_export_onnx). docs/export.md shows both in use. */
#include <ctype.h>
#include <string.h>

#include "cli.h"

/* The header's macro prefix: the prefix in upper case. */
static void upper(char *dst, size_t cap, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        dst[i] = (char)toupper((unsigned char)s[i]);
    dst[i] = '\0';
}

static int export_c(const cli_opts *o, const nn_net *net)
{
    nn_export_c_options opt = {o->prefix, o->single};
    nn_status s = nn_net_export_c(net, o->export_c, &opt);
    if (s == NN_EINVAL && o->prefix) {
        /* The only invalid argument left is the prefix: a usage error. */
        fprintf(stderr, "nn export: bad value '%s' for --prefix: %s\n", o->prefix,
                nn_last_error());
        return CLI_EXIT_USAGE;
    }
    if (s != NN_OK)
        return cli_fail(o->export_c, s);
    if (!o->quiet) {
        const char *p = o->prefix ? o->prefix : "model";
        char up[80];
        upper(up, sizeof up, p);
        fprintf(stderr,
                "nn export: %s: C header, %s precision: %s_predict(x, out) maps %zu inputs "
                "(%s_N_INPUTS) to %zu outputs (%s_N_OUTPUTS)\n",
                o->export_c, o->single ? "single" : "double", p, nn_net_n_inputs(net), up,
                nn_net_n_outputs(net), up);
    }
    return 0;
}

static int export_onnx(const cli_opts *o, const nn_net *net)
{
    nn_status s = nn_net_export_onnx(net, o->export_onnx);
    if (s != NN_OK)
        return cli_fail(o->export_onnx, s);
    if (!o->quiet)
        fprintf(stderr,
                "nn export: %s: ONNX model (opset 13, float32), input \"x\" [N, %zu], output "
                "\"y\" [N, %zu]\n",
                o->export_onnx, nn_net_n_inputs(net), nn_net_n_outputs(net));
    return 0;
}

int cmd_export(const cli_opts *o)
{
    nn_net *net;
    nn_status s = nn_net_load(&net, o->model);
    if (s != NN_OK)
        return cli_fail(o->model, s);
    int rc = o->export_c ? export_c(o, net) : 0;
    if (!rc && o->export_onnx)
        rc = export_onnx(o, net);
    nn_net_free(net);
    return rc;
}
