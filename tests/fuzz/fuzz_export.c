/* Fuzz target: load a model, then export it as a C header (double and
 * float) and as ONNX. The input is one option byte, then the model file (its
 * checksum made right, as fuzz_predict does, so mutations reach the
 * writers). Bits 0-2 of the option byte pick the header's prefix from a few
 * valid and invalid C identifiers.
 *
 * The contract checked: each writer succeeds or fails with a known status
 * and a message; a success leaves a non-empty file; a failure leaves the
 * file as it was (here: absent); a net with a NaN or infinite parameter is
 * refused by the C writer with NN_ENUMERIC (a C literal cannot hold it). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"

static const char *const PREFIXES[8] = {
    NULL, "model", "m_1", "_x", "1bad", "has space", "",
    "a_very_long_prefix_that_is_longer_than_sixty_four_characters_in_all_x"};

static int params_finite(const nn_net *net)
{
    nn_net *n = (nn_net *)(uintptr_t)net; /* the getters take a mutable net */
    for (size_t l = 0; l < nn_net_n_layers(n); l++) {
        nn_mat w = nn_net_weights(n, l), b = nn_net_bias(n, l);
        for (size_t i = 0; i < w.rows; i++)
            for (size_t j = 0; j < w.cols; j++)
                if (!isfinite(w.data[i * w.ld + j]))
                    return 0;
        for (size_t j = 0; j < b.cols; j++)
            if (!isfinite(b.data[j]))
                return 0;
    }
    return 1;
}

/* A path beside the model's scratch file, unique to this process. */
static const char *out_path(const char *model_path, const char *suffix)
{
    static char p[300];
    snprintf(p, sizeof p, "%s.%s", model_path, suffix);
    return p;
}

static void check_written(nn_status s, const char *path)
{
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (s == NN_OK) {
        FUZZ_CHECK(exists && st.st_size > 0);
    } else {
        fuzz_check_failure(s);
        FUZZ_CHECK(!exists);
    }
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t opt = data[0];
    data++;
    size--;
    const char *path;
    nn_net *net = fuzz_load_fixed(data, size, &path);
    if (!net)
        return 0;
    nn_status s;
    int finite = params_finite(net);
    const char *prefix = PREFIXES[opt & 7];
    for (int single = 0; single < 2; single++) {
        nn_export_c_options o = {.prefix = prefix, .single_precision = single != 0};
        const char *h = out_path(path, "h");
        s = nn_net_export_c(net, h, (opt & 8) ? NULL : &o);
        if (!finite)
            FUZZ_CHECK(s != NN_OK);
        check_written(s, h);
    }
    const char *onnx = out_path(path, "onnx");
    s = nn_net_export_onnx(net, onnx);
    check_written(s, onnx);
    nn_net_free(net);
    return 0;
}
