/* The environment knobs, read here and nowhere else (see env.h and the
 * table in docs/design.md):
 *
 *   NN_SIMD     scalar | avx2 | avx512   the kernel path, when this CPU and
 *                                        build can run it (else the widest)
 *   NN_GEMM     auto | small | blas      the GEMM path of a new or loaded net
 *   NN_THREADS  a count | auto           threads for a fit's elementwise
 *                                        passes (auto: OpenBLAS's count)
 *
 * Unset or empty means the default (the widest path, auto, one thread).
 */
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "env.h"

const char *nn_gemm_path_name(nn_gemm_path path)
{
    switch (path) {
    case NN_GEMM_PATH_AUTO:
        return "auto";
    case NN_GEMM_PATH_SMALL:
        return "small";
    case NN_GEMM_PATH_BLAS:
        return "blas";
    }
    return NULL;
}

/* The value of a variable, or NULL when it is unset or empty. */
static const char *knob(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* NN_GEMM: auto, small or blas. */
static nn_status read_gemm_path(int *out)
{
    const char *v = knob("NN_GEMM");
    *out = NN_GEMM_PATH_AUTO;
    if (!v)
        return NN_OK;
    for (int p = NN_GEMM_PATH_AUTO; p <= NN_GEMM_PATH_BLAS; p++)
        if (strcmp(v, nn_gemm_path_name((nn_gemm_path)p)) == 0) {
            *out = p;
            return NN_OK;
        }
    return nn__fail(NN_EINVAL, "libnn: the environment variable NN_GEMM is \"%.64s\"; "
                    "expected auto, small or blas", v);
}

/* NN_THREADS: the threads a fit's elementwise passes may use, the caller
 * included: a count, or "auto" for as many as OpenBLAS uses for the GEMMs
 * around those passes. 0 or 1: one, no pool. Off unless asked: right after
 * a GEMM, OpenBLAS's own workers may still hold the other cores. libnn
 * reads the BLAS thread count and never sets it: that is the application's
 * choice. */
static nn_status read_threads(size_t *out)
{
    const char *v = knob("NN_THREADS");
    *out = 1;
    if (!v)
        return NN_OK;
    if (strcmp(v, "auto") == 0) {
        int t = openblas_get_num_threads();
        *out = t > 1 ? (size_t)t : 1;
        return NN_OK;
    }
    char *end;
    long t = strtol(v, &end, 10);
    if (*end != '\0' || t < 0)
        return nn__fail(NN_EINVAL, "libnn: the environment variable NN_THREADS is \"%.64s\"; "
                        "expected a count of threads or auto", v);
    *out = t > 1 ? (size_t)t : 1;
    return NN_OK;
}

nn_status nn__env_read(nn__env *e, unsigned which)
{
    *e = (nn__env){.simd = NULL, .gemm_path = NN_GEMM_PATH_AUTO, .threads = 1};
    if (which & NN__ENV_SIMD)
        e->simd = knob("NN_SIMD");
    if (which & NN__ENV_GEMM)
        NN_TRY(read_gemm_path(&e->gemm_path));
    if (which & NN__ENV_THREADS)
        NN_TRY(read_threads(&e->threads));
    return NN_OK;
}
