/* The atomic writer of nn_net_save (atomic_file.c) for any file a program
 * writes: nn_atomic_file_open / _commit / _abort (nn/io.h). */
#include <stdlib.h>

#include "atomic_file.h"
#include "internal.h"

struct nn_atomic_file {
    nn__atomic_file af;
};

nn_status nn_atomic_file_open(nn_atomic_file **out, const char *path, FILE **f)
{
    if (!out || !f)
        return nn__fail(NN_EINVAL, "nn_atomic_file_open: %s is NULL", !out ? "out" : "f");
    nn_atomic_file *h = malloc(sizeof *h);
    if (!h)
        return nn__fail(NN_ENOMEM, "nn_atomic_file_open: out of memory");
    nn_status s = nn__atomic_open(&h->af, path, "nn_atomic_file_open");
    if (s != NN_OK) {
        free(h);
        return s;
    }
    *out = h;
    *f = h->af.f;
    return NN_OK;
}

nn_status nn_atomic_file_commit(nn_atomic_file *af)
{
    if (!af)
        return nn__fail(NN_EINVAL, "nn_atomic_file_commit: af is NULL");
    nn_status s = nn__atomic_commit(&af->af);
    free(af);
    return s;
}

void nn_atomic_file_abort(nn_atomic_file *af)
{
    if (!af)
        return;
    nn__atomic_abort(&af->af);
    free(af);
}
