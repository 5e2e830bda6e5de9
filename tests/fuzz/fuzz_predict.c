/* Fuzz target: load a net, then run it. The input is a u16 little-endian
 * length, a model file of that length (its checksum is made right, see
 * fuzz_load.c for the raw bytes), then bytes from which a few rows of
 * features and labels are drawn: raw doubles, so NaN, inf, subnormals and
 * huge values all occur, labels sometimes out of range, multi-label targets
 * sometimes not 0/1. Whatever the task of the net, every call (forward,
 * predict, predict_multilabel, evaluate, gradients of its task) must succeed
 * or fail cleanly, with outputs untouched on failure. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#define MAX_ROWS 4

/* Labels drawn from bytes: mostly valid, one in 16 out of range. */
static int32_t label_of(uint8_t b, size_t n_classes)
{
    if ((b & 0xf) == 0xf)
        return (b & 0x10) ? -1 : (int32_t)n_classes;
    return (int32_t)(b % n_classes);
}

/* The v2 things that travel with a model: read all of them (ASan checks). */
static void check_extras(const nn_net *net)
{
    size_t in = nn_net_n_inputs(net), C = nn_net_n_outputs(net);
    const nn_scaler *sc = nn_net_scaler(net), *ts = nn_net_target_scaler(net);
    double sum = 0;
    if (sc) {
        FUZZ_CHECK(sc->n_features == in);
        for (size_t j = 0; j < in; j++)
            sum += sc->mean[j] + sc->scale[j];
    }
    if (ts) {
        FUZZ_CHECK(ts->n_features == C && nn_net_task(net) == NN_TASK_REGRESS);
        for (size_t j = 0; j < C; j++)
            sum += ts->mean[j] + ts->scale[j];
    }
    (void)sum;
    for (size_t k = 0; k < C; k++) {
        const char *name = nn_net_class_name(net, k);
        FUZZ_CHECK(!name || strlen(name) <= 4096);
    }
    FUZZ_CHECK(nn_net_class_name(net, C) == NULL);
    for (size_t l = 0; l + 1 < nn_net_n_layers(net); l++)
        FUZZ_CHECK(nn_activation_name(nn_net_activation(net, l)) != NULL);
    FUZZ_CHECK(nn_task_name(nn_net_task(net)) != NULL);
}

static void run_net(nn_net *net, const uint8_t *data, size_t size)
{
    size_t in = nn_net_n_inputs(net), C = nn_net_n_outputs(net);
    nn_task task = nn_net_task(net);
    size_t rows = 1 + (size ? data[0] % MAX_ROWS : 0);
    double *x = malloc(rows * in * sizeof *x), *probs = malloc(rows * C * sizeof *probs);
    double *t = malloc(rows * C * sizeof *t);
    int32_t labels[MAX_ROWS], pred[MAX_ROWS];
    FUZZ_CHECK(x && probs && t);
    /* Features: consecutive 8-byte doubles from the data, cycling; small
     * values from single bytes when there are fewer than 8 bytes. */
    for (size_t i = 0; i < rows * in; i++) {
        if (size >= 9) {
            size_t at = 1 + (i * 8) % (size - 8);
            memcpy(&x[i], data + at, sizeof x[i]);
        } else {
            x[i] = size ? (double)(int8_t)data[i % size] / 16.0 : 0.0;
        }
    }
    for (size_t i = 0; i < rows; i++)
        labels[i] = label_of(size ? data[(i * 7) % size] : 0, C);
    /* Targets: MULTILABEL mostly 0/1 (sometimes 0.5, which must be refused),
     * REGRESS small reals. */
    for (size_t i = 0; i < rows * C; i++) {
        uint8_t b = size ? data[(i * 5 + 3) % size] : 0;
        t[i] = task == NN_TASK_MULTILABEL ? ((b & 0x3f) == 0x3f ? 0.5 : (double)(b & 1))
                                          : (double)(int8_t)b / 8.0;
    }
    int any_bad_label = 0;
    for (size_t i = 0; i < rows; i++)
        any_bad_label |= labels[i] < 0 || (size_t)labels[i] >= C;
    nn_mat X = nn_mat_view(x, rows, in, in), P = nn_mat_view(probs, rows, C, C);
    nn_mat T = nn_mat_view(t, rows, C, C);

    for (size_t i = 0; i < rows * C; i++)
        probs[i] = -7.0;
    nn_status s = nn_net_forward(net, X, P);
    if (s != NN_OK) {
        fuzz_check_failure(s);
        for (size_t i = 0; i < rows * C; i++)
            FUZZ_CHECK(probs[i] == -7.0);
    }
    for (size_t i = 0; i < rows; i++)
        pred[i] = -99;
    s = nn_net_predict(net, X, pred);
    if (s == NN_OK) {
        FUZZ_CHECK(task == NN_TASK_CLASSIFY);
        for (size_t i = 0; i < rows; i++)
            FUZZ_CHECK(pred[i] >= 0 && (size_t)pred[i] < C);
    } else {
        fuzz_check_failure(s);
        for (size_t i = 0; i < rows; i++)
            FUZZ_CHECK(pred[i] == -99);
    }
    for (size_t i = 0; i < rows * C; i++)
        probs[i] = -7.0;
    s = nn_net_predict_multilabel(net, X, P);
    if (s == NN_OK) {
        FUZZ_CHECK(task == NN_TASK_MULTILABEL);
        for (size_t i = 0; i < rows * C; i++)
            FUZZ_CHECK(probs[i] == 0.0 || probs[i] == 1.0);
    } else {
        fuzz_check_failure(s);
        for (size_t i = 0; i < rows * C; i++)
            FUZZ_CHECK(probs[i] == -7.0);
    }

    nn_dataset d = {.x = X, .n_classes = C};
    if (task == NN_TASK_CLASSIFY)
        d.y = labels;
    else
        d.t = T;
    double acc = -1.0, loss = -1.0;
    s = nn_net_evaluate(net, &d, &acc, &loss);
    if (s == NN_OK) {
        FUZZ_CHECK(!(task == NN_TASK_CLASSIFY && any_bad_label));
        /* Accuracy for CLASSIFY and MULTILABEL is a share; R^2 is not. */
        FUZZ_CHECK(task == NN_TASK_REGRESS || (acc >= 0.0 && acc <= 1.0) || isnan(acc));
    } else {
        fuzz_check_failure(s);
        FUZZ_CHECK(acc == -1.0 && loss == -1.0);
    }
    loss = -1.0;
    s = task == NN_TASK_CLASSIFY ? nn_net_gradients(net, X, labels, &loss)
                                 : nn_net_gradients_targets(net, X, T, &loss);
    if (s == NN_OK) {
        FUZZ_CHECK(!(task == NN_TASK_CLASSIFY && any_bad_label));
    } else {
        fuzz_check_failure(s);
        FUZZ_CHECK(loss == -1.0);
    }
    free(x);
    free(probs);
    free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < FUZZ_PREDICT_HEADER)
        return 0;
    size_t len = (size_t)data[0] | (size_t)data[1] << 8;
    data += FUZZ_PREDICT_HEADER;
    size -= FUZZ_PREDICT_HEADER;
    if (len > size)
        len = size;
    nn_net *net = fuzz_load_fixed(data, len, NULL);
    if (!net)
        return 0;
    check_extras(net);
    run_net(net, data + len, size - len);
    nn_net_free(net);
    return 0;
}
