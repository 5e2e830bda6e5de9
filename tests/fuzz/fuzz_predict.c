/* Fuzz target: load a net, then run it. The input is a u16 little-endian
 * length, a model file of that length (its checksum is made right, see
 * fuzz_load.c for the raw bytes), then bytes from which a few rows of
 * features and labels are drawn: raw doubles, so NaN, inf, subnormals and
 * huge values all occur, and labels sometimes out of range. Every call must
 * succeed or fail cleanly, with outputs untouched on failure. */
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

static void run_net(nn_net *net, const uint8_t *data, size_t size)
{
    size_t in = nn_net_n_inputs(net), C = nn_net_n_classes(net);
    size_t rows = 1 + (size ? data[0] % MAX_ROWS : 0);
    double *x = malloc(rows * in * sizeof *x), *probs = malloc(rows * C * sizeof *probs);
    int32_t labels[MAX_ROWS], pred[MAX_ROWS];
    FUZZ_CHECK(x && probs);
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
    int any_bad_label = 0;
    for (size_t i = 0; i < rows; i++)
        any_bad_label |= labels[i] < 0 || (size_t)labels[i] >= C;
    nn_mat X = nn_mat_view(x, rows, in, in), P = nn_mat_view(probs, rows, C, C);

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
    if (s == NN_OK)
        for (size_t i = 0; i < rows; i++)
            FUZZ_CHECK(pred[i] >= 0 && (size_t)pred[i] < C);
    else
        fuzz_check_failure(s);

    nn_dataset d = {.x = X, .y = labels, .n_classes = C};
    double acc = -1.0, loss = -1.0;
    s = nn_net_evaluate(net, &d, &acc, &loss);
    if (s == NN_OK) {
        FUZZ_CHECK(!any_bad_label);
        FUZZ_CHECK(acc >= 0.0 && acc <= 1.0);
    } else {
        fuzz_check_failure(s);
        FUZZ_CHECK(acc == -1.0 && loss == -1.0);
    }
    loss = -1.0;
    s = nn_net_gradients(net, X, labels, &loss);
    if (s == NN_OK) {
        FUZZ_CHECK(!any_bad_label);
    } else {
        fuzz_check_failure(s);
        FUZZ_CHECK(loss == -1.0);
    }
    free(x);
    free(probs);
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
    uint8_t *model = malloc(len ? len : 1);
    FUZZ_CHECK(model != NULL);
    memcpy(model, data, len);
    fuzz_fix_checksum(model, len);
    const char *path = fuzz_write_temp(model, len);
    free(model);
    nn_net *net = NULL;
    nn_status s = nn_net_load(&net, path);
    if (s != NN_OK) {
        fuzz_check_failure(s);
        return 0;
    }
    run_net(net, data + len, size - len);
    nn_net_free(net);
    return 0;
}
