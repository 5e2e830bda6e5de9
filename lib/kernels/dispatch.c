/* Run-time choice of the kernel path: NN_SIMD=scalar|avx2|avx512 when that
 * path can run here, else the widest the CPU supports. Chosen once. */
#include <pthread.h>
#include <string.h>

#include "env.h"
#include "kernels/ref.h"

/* __builtin_cpu_supports reads CPUID and also checks that the OS saves the
 * wider registers (XGETBV), so a path it approves can run. The checks live
 * here, not in the ISA's files, which are compiled with its target flags. */
#if defined(NN_HAVE_AVX512_BUILD)
static int cpu_has_avx512(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
}
#endif

#if defined(NN_HAVE_AVX2_BUILD)
static int cpu_has_avx2(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif

static int runs_anywhere(void)
{
    return 1;
}

/* Every kernel path of this build, widest first, with whether this CPU can
 * run it. */
typedef struct path_entry {
    const nn__kernels *k;
    const nn__kernels_f32 *kf; /* the same path's float table */
    int (*runs_here)(void);
} path_entry;

static const path_entry PATHS[] = {
#if defined(NN_HAVE_AVX512_BUILD)
    {.k = &nn__kernels_avx512, .kf = &nn__kernels_avx512_f32, .runs_here = cpu_has_avx512},
#endif
#if defined(NN_HAVE_AVX2_BUILD)
    {.k = &nn__kernels_avx2, .kf = &nn__kernels_avx2_f32, .runs_here = cpu_has_avx2},
#endif
    {.k = &nn__kernels_scalar, .kf = &nn__kernels_scalar_f32, .runs_here = runs_anywhere},
};
#define N_PATHS (sizeof PATHS / sizeof PATHS[0])

const nn__kernels *nn__kernels_by_name(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < N_PATHS; i++)
        if (strcmp(name, PATHS[i].k->name) == 0)
            return PATHS[i].runs_here() ? PATHS[i].k : NULL;
    return NULL;
}

const nn__kernels_f32 *nn__kernels_f32_of(const nn__kernels *k)
{
    for (size_t i = 0; i < N_PATHS; i++)
        if (PATHS[i].k == k)
            return PATHS[i].kf;
    return &nn__kernels_scalar_f32;
}

static const nn__kernels *chosen;
static pthread_once_t chosen_once = PTHREAD_ONCE_INIT;

/* NN_SIMD's path when it names one this CPU can run, else the widest. */
static void choose(void)
{
    const nn__kernels *k = NULL;
    nn__env env;
    if (nn__env_read(&env, NN__ENV_SIMD) == NN_OK && env.simd)
        k = nn__kernels_by_name(env.simd);
    for (size_t i = 0; !k && i < N_PATHS; i++)
        if (PATHS[i].runs_here())
            k = PATHS[i].k;
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
