/* Run-time choice of the kernel path. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const nn__kernels *nn__kernels_by_name(const char *name)
{
    if (!name)
        return NULL;
    if (strcmp(name, "scalar") == 0)
        return &nn__kernels_scalar;
    return NULL;
}

static const nn__kernels *chosen;
static pthread_once_t chosen_once = PTHREAD_ONCE_INIT;

static void choose(void)
{
    const nn__kernels *k = NULL;
    const char *env = getenv("NN_SIMD");
    if (env && *env)
        k = nn__kernels_by_name(env);
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
