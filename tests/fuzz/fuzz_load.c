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
    size_t L = nn_net_n_layers(net), params = 0;
    FUZZ_CHECK(L >= 1 && nn_net_n_inputs(net) >= 1 && nn_net_n_classes(net) >= 1);
    for (size_t l = 0; l < L; l++) {
        nn_mat w = nn_net_weights(net, l), b = nn_net_bias(net, l);
        FUZZ_CHECK(w.data && b.data && b.cols == w.cols && b.rows == 1);
        FUZZ_CHECK(l == 0 ? w.rows == nn_net_n_inputs(net)
                          : w.rows == nn_net_weights(net, l - 1).cols);
        params += w.rows * w.cols + b.cols;
    }
    FUZZ_CHECK(nn_net_weights(net, L - 1).cols == nn_net_n_classes(net));
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
