/* Fuzz target: nn_load_npy on any bytes, then, when it loads, a range of
 * rows picked by the last input byte through nn_load_npy_rows, which must
 * agree with the whole. A failure leaves *out as it was and explains
 * itself; a loaded matrix has ld = cols, finite values, and data exactly
 * when it has rows. */
#include <math.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_temp(data, size);
    double sentinel = 0;
    nn_mat m = {&sentinel, 3, 3, 3};
    nn_status s = nn_load_npy(&m, path);
    if (s != NN_OK) {
        fuzz_check_failure(s);
        FUZZ_CHECK(m.data == &sentinel && m.rows == 3 && m.cols == 3 && m.ld == 3);
        return 0;
    }
    FUZZ_CHECK(m.cols >= 1 && m.ld == m.cols && (m.rows == 0) == (m.data == NULL));
    for (size_t i = 0; i < m.rows * m.cols; i++)
        FUZZ_CHECK(isfinite(m.data[i]));
    size_t first = size ? data[size - 1] % (m.rows + 1) : 0;
    nn_mat r = {&sentinel, 3, 3, 3};
    s = nn_load_npy_rows(&r, path, first, m.rows - first);
    FUZZ_CHECK(s == NN_OK || s == NN_ENOMEM);
    if (s == NN_OK) {
        FUZZ_CHECK(r.rows == m.rows - first && r.cols == m.cols);
        if (r.rows)
            FUZZ_CHECK(!memcmp(r.data, m.data + first * m.cols, r.rows * r.cols * sizeof(double)));
        nn_mat_free(&r);
    }
    r = (nn_mat){&sentinel, 3, 3, 3};
    s = nn_load_npy_rows(&r, path, first, m.rows - first + 1);
    FUZZ_CHECK(s == NN_EINVAL && r.data == &sentinel);
    nn_mat_free(&m);
    return 0;
}
