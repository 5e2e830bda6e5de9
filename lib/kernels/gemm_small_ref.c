/* The portable small gemm, and the choice of variant for a kernel path. */
#include <string.h>

#include "internal.h"

#define NN_GEMM_SMALL_NAME nn__gemm_small_ref
#define NN_GEMM_SMALL_CORE gemm_small_core_ref
#include "gemm_small.inc"

nn__gemm_small_fn nn__gemm_small_for(const char *path)
{
#if defined(NN_HAVE_AVX512_BUILD)
    if (path && strcmp(path, "avx512") == 0)
        return nn__gemm_small_avx512;
#endif
#if defined(NN_HAVE_AVX2_BUILD)
    if (path && (strcmp(path, "avx2") == 0 || strcmp(path, "avx512") == 0))
        return nn__gemm_small_avx2;
#endif
    (void)path;
    return nn__gemm_small_ref;
}
