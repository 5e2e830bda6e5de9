/* Run-time choice of the kernel path: NN_SIMD=scalar|avx2|avx512 when that
 * path can run here, else the widest the CPU supports. Chosen once. */
#include <pthread.h>
#include <string.h>

#include "env.h"
#include "kernels/ref.h"

/* __builtin_cpu_supports reads CPUID and also checks that the OS saves the
 * wider registers (XGETBV), so a path it approves can run. */
static int cpu_has_avx512(void)
{
#if defined(NN_HAVE_AVX512_BUILD)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
#else
    return 0;
#endif
}

static int cpu_has_avx2(void)
{
#if defined(NN_HAVE_AVX2_BUILD)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

const nn__kernels *nn__kernels_by_name(const char *name)
{
    if (!name)
        return NULL;
    if (strcmp(name, "scalar") == 0)
        return &nn__kernels_scalar;
#if defined(NN_HAVE_AVX2_BUILD)
    if (strcmp(name, "avx2") == 0 && cpu_has_avx2())
        return &nn__kernels_avx2;
#endif
#if defined(NN_HAVE_AVX512_BUILD)
    if (strcmp(name, "avx512") == 0 && cpu_has_avx512())
        return &nn__kernels_avx512;
#endif
    return NULL;
}

static const nn__kernels *chosen;
static pthread_once_t chosen_once = PTHREAD_ONCE_INIT;

static void choose(void)
{
    const nn__kernels *k = NULL;
    nn__env env;
    if (nn__env_read(&env, NN__ENV_SIMD) == NN_OK && env.simd)
        k = nn__kernels_by_name(env.simd);
    if (!k)
        k = nn__kernels_by_name("avx512");
    if (!k)
        k = nn__kernels_by_name("avx2");
    if (!k)
        k = &nn__kernels_scalar;
    chosen = k;
}

const nn__kernels *nn__kernels_get(void)
{
    pthread_once(&chosen_once, choose);
    return chosen;
}

const char *nn_simd_path(void)
{
    return nn__kernels_get()->name;
}
