/* Fuzz target: nn_net_load on any bytes, as they are and again with the
 * trailing checksum made right (so mutations reach the code behind the
 * checksum check). A failure leaves *out as it was and explains itself; a
 * loaded net is consistent and usable. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static void load_one(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_temp(data, size);
    nn_net *sentinel = (nn_net *)(uintptr_t)0x5a5a, *net = sentinel;
    nn_status s = nn_net_load(&net, path);
    if (s != NN_OK) {
        fuzz_check_failure(s);
        FUZZ_CHECK(net == sentinel);
        return;
    }
    size_t L = nn_net_n_layers(net), params = 0, prev = nn_net_n_inputs(net);
    FUZZ_CHECK(L >= 1 && nn_net_n_inputs(net) >= 1 && nn_net_n_classes(net) >= 1);
    const int f32 = nn_net_dtype(net) == NN_F32;
    FUZZ_CHECK(f32 || nn_net_dtype(net) == NN_F64);
    for (size_t l = 0; l < L; l++) {
        /* The views of the net's type (of the other: empty). */
        nn_mat w = nn_net_weights(net, l), b = nn_net_bias(net, l);
        nn_matf wf = nn_net_weights_f32(net, l), bf = nn_net_bias_f32(net, l);
        FUZZ_CHECK(f32 ? !w.data && !b.data : !wf.data && !bf.data);
        size_t rows = f32 ? wf.rows : w.rows, cols = f32 ? wf.cols : w.cols;
        FUZZ_CHECK(f32 ? wf.data && bf.data && bf.cols == cols && bf.rows == 1
                       : w.data && b.data && b.cols == cols && b.rows == 1);
        FUZZ_CHECK(rows == prev);
        prev = cols;
        params += rows * cols + cols;
    }
    FUZZ_CHECK(prev == nn_net_n_classes(net));
    FUZZ_CHECK(params == nn_net_n_params(net));
    nn_net *copy = NULL;
    s = nn_net_clone(&copy, net);
    FUZZ_CHECK(s == NN_OK || s == NN_ENOMEM);
    nn_net_free(copy);
    nn_net_free(net);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_one(data, size);
    if (size < 8)
        return 0;
    uint8_t *fixed = malloc(size);
    FUZZ_CHECK(fixed != NULL);
    memcpy(fixed, data, size);
    fuzz_fix_checksum(fixed, size);
    if (memcmp(fixed, data, size) != 0)
        load_one(fixed, size);
    free(fixed);
    return 0;
}
