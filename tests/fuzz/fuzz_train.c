/* Fuzz target: create a small net and train it on fuzzed data with fuzzed
 * options. The input is FUZZ_TRAIN_HEADER option bytes, then the bytes the
 * rows are drawn from (raw doubles, so NaN, inf, subnormals and huge values
 * all occur); F32 and F64 nets alike. Sizes stay tiny (at most 12 rows, 3 inputs, two hidden layers
 * of 6, 3 epochs) so each input costs well under a millisecond.
 *
 * The contract checked: nn_net_create and nn_net_fit succeed or fail with a
 * known status and a message; a refused argument (NN_EINVAL, NN_ESHAPE)
 * leaves the net's parameters untouched; after a success every parameter is
 * finite and the net still evaluates its training data. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#define FUZZ_TRAIN_HEADER 16
#define MAX_ROWS 12
#define MAX_IN 3
#define MAX_HIDDEN 6
#define MAX_OUT 3

/* A double from 8 data bytes at *at (cycling), or a small value from one
 * byte when fewer than 8 are left. */
static double next_double(const uint8_t *data, size_t size, size_t *at)
{
    double v = 0.0;
    if (size >= 8) {
        memcpy(&v, data + (*at % (size - 7)), sizeof v);
        *at += 8;
    } else if (size) {
        v = (double)(int8_t)data[*at % size] / 16.0;
        *at += 1;
    }
    return v;
}

/* An option value from a byte: mostly ordinary, sometimes extreme. */
static double option_value(uint8_t b, double ordinary)
{
    switch (b & 7) {
    case 0: return -ordinary;
    case 1: return 0.0;
    case 2: return NAN;
    case 3: return INFINITY;
    case 4: return 1e300;
    default: return ordinary * (double)(1 + (b >> 3)) / 8.0;
    }
}

/* Every parameter of the net, of either dtype, as doubles, into out. */
static void snapshot(nn_net *net, double *out)
{
    size_t at = 0;
    const int f32 = nn_net_dtype(net) == NN_F32;
    for (size_t l = 0; l < nn_net_n_layers(net); l++)
        for (int part = 0; part < 2; part++) {
            nn_mat m = part ? nn_net_bias(net, l) : nn_net_weights(net, l);
            nn_matf f = part ? nn_net_bias_f32(net, l) : nn_net_weights_f32(net, l);
            size_t rows = f32 ? f.rows : m.rows, cols = f32 ? f.cols : m.cols;
            for (size_t i = 0; i < rows; i++)
                for (size_t j = 0; j < cols; j++)
                    out[at++] = f32 ? (double)f.data[i * f.ld + j] : m.data[i * m.ld + j];
        }
}

static int all_finite(const double *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(p[i]))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < FUZZ_TRAIN_HEADER)
        return 0;
    const uint8_t *h = data;
    data += FUZZ_TRAIN_HEADER;
    size -= FUZZ_TRAIN_HEADER;

    nn_task task = (nn_task)(h[0] % 3);
    size_t rows = h[1] % (MAX_ROWS + 1); /* 0 rows must be refused */
    size_t in = 1 + h[2] % MAX_IN, out = 1 + h[3] % MAX_OUT;
    if (task == NN_TASK_CLASSIFY && out < 2)
        out = 2;
    size_t hidden[2] = {1 + h[4] % MAX_HIDDEN, 1 + (h[4] >> 4) % MAX_HIDDEN};
    nn_activation acts[2] = {(nn_activation)(h[5] % 6), (nn_activation)((h[5] >> 3) % 6)};
    nn_net_config cfg = {.n_inputs = in,
                         .n_classes = out,
                         .n_hidden_layers = h[6] % 3,
                         .hidden = hidden,
                         .init = (nn_init)(h[6] >> 2 & 3),
                         .seed = h[7],
                         .activations = acts,
                         .task = task,
                         .dtype = (h[6] >> 4) & 1 ? NN_F32 : NN_F64};
    nn_net *net = NULL;
    nn_status s = nn_net_create(&net, &cfg);
    if (s != NN_OK) {
        fuzz_check_failure(s);
        FUZZ_CHECK(net == NULL);
        return 0;
    }

    /* The data: features, labels (one in 16 out of range) or targets
     * (multi-label ones sometimes not 0/1). */
    double x[MAX_ROWS * MAX_IN], t[MAX_ROWS * MAX_OUT];
    int32_t y[MAX_ROWS];
    size_t at = 0;
    for (size_t i = 0; i < rows * in; i++)
        x[i] = next_double(data, size, &at);
    for (size_t i = 0; i < rows; i++) {
        uint8_t b = size ? data[(i * 7 + 1) % size] : 0;
        y[i] = (b & 0xf) == 0xf ? (int32_t)out : (int32_t)(b % out);
    }
    for (size_t i = 0; i < rows * out; i++) {
        uint8_t b = size ? data[(i * 5 + 3) % size] : 0;
        t[i] = task == NN_TASK_MULTILABEL ? ((b & 0x3f) == 0x3f ? 0.5 : (double)(b & 1))
                                          : (double)(int8_t)b / 8.0;
    }
    nn_dataset d = {.x = nn_mat_view(x, rows, in, in), .n_classes = out};
    if (task == NN_TASK_CLASSIFY)
        d.y = y;
    else
        d.t = nn_mat_view(t, rows, out, out);

    nn_train_options o = nn_train_defaults();
    o.epochs = 1 + h[8] % 3;
    o.batch_size = h[9] % (MAX_ROWS + 2); /* 0 must be refused */
    o.optimizer = (nn_optimizer)(h[10] % 4); /* 3 is not an optimizer */
    o.learning_rate = option_value(h[11], 0.01);
    o.momentum = (h[12] & 1) ? option_value(h[12] >> 1, 0.9) : o.momentum;
    o.weight_decay = (h[13] & 1) ? option_value(h[13] >> 1, 1e-3) : 0.0;
    o.validation_fraction = (h[14] & 1) ? option_value(h[14] >> 1, 0.25) : 0.0;
    o.patience = h[15] % 3;
    o.seed = h[15];

    size_t n_params = nn_net_n_params(net);
    double *before = malloc(n_params * sizeof *before);
    double *after = malloc(n_params * sizeof *after);
    FUZZ_CHECK(before && after);
    snapshot(net, before);
    s = nn_net_fit(net, &d, &o);
    snapshot(net, after);
    if (s != NN_OK) {
        fuzz_check_failure(s);
        /* A refused argument changes nothing; a diverged fit (NN_ENUMERIC)
         * restores finite weights. */
        if (s == NN_EINVAL || s == NN_ESHAPE)
            FUZZ_CHECK(memcmp(before, after, n_params * sizeof *after) == 0);
        if (s == NN_ENUMERIC)
            FUZZ_CHECK(all_finite(after, n_params));
    } else {
        FUZZ_CHECK(rows > 0 && all_finite(after, n_params));
        double score = -1.0, loss = -1.0;
        s = nn_net_evaluate(net, &d, &score, &loss);
        if (s != NN_OK)
            fuzz_check_failure(s);
    }
    free(before);
    free(after);
    nn_net_free(net);
    return 0;
}
