/* The portable small gemm, and the choice of variant for a kernel path. */
#include <string.h>

#include "internal.h"

#define NN_GEMM_SMALL_NAME nn__gemm_small_ref
#define NN_GEMM_SMALL_CORE gemm_small_core_ref
#include "gemm_small.inc"

/* The best variant built for a kernel path: 2 avx512, 1 avx2, 0 portable
 * (the avx512 path falls back to the avx2 build when only that exists). */
static int variant_for(const char *path)
{
#if defined(NN_HAVE_AVX512_BUILD)
    if (path && strcmp(path, "avx512") == 0)
        return 2;
#endif
#if defined(NN_HAVE_AVX2_BUILD)
    if (path && (strcmp(path, "avx2") == 0 || strcmp(path, "avx512") == 0))
        return 1;
#endif
    (void)path;
    return 0;
}

nn__gemm_small_fn nn__gemm_small_for(const char *path)
{
    switch (variant_for(path)) {
#if defined(NN_HAVE_AVX512_BUILD)
    case 2:
        return nn__gemm_small_avx512;
#endif
#if defined(NN_HAVE_AVX2_BUILD)
    case 1:
        return nn__gemm_small_avx2;
#endif
    default:
        return nn__gemm_small_ref;
    }
}

nn__gemm_fused_fn nn__gemm_fused_for(const char *path)
{
    switch (variant_for(path)) {
#if defined(NN_HAVE_AVX512_BUILD)
    case 2:
        return nn__gemm_fused_avx512;
#endif
#if defined(NN_HAVE_AVX2_BUILD)
    case 1:
        return nn__gemm_fused_avx2;
#endif
    default:
        return NULL;
    }
}
