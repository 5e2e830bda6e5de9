#ifndef NN_LIB_ENV_H
#define NN_LIB_ENV_H

/* For the files that take a setting from the environment: kernels/dispatch.c
 * (NN_SIMD), lib/net/net.c (NN_GEMM) and train.c (NN_THREADS). env.c is the
 * only file that calls getenv; docs/design.md lists the variables. */

#include <stddef.h>

#include "internal.h"

/* libnn's environment knobs, as read by one call of nn__env_read. There is no
 * global copy: each caller reads what it needs when it needs it (the kernel
 * path once per process, NN_GEMM when a net is created or loaded,
 * NN_THREADS at each fit). */
typedef struct nn__env {
    const char *simd; /* NN_SIMD: a kernel path's name; NULL when unset or empty */
    int gemm_path;    /* NN_GEMM: an nn_gemm_path; auto when unset or empty */
    size_t threads;   /* NN_THREADS: threads for a fit's elementwise passes, >= 1 */
} nn__env;

/* Which knobs nn__env_read reads (a bit mask). */
enum { NN__ENV_SIMD = 1u, NN__ENV_GEMM = 2u, NN__ENV_THREADS = 4u };

/* Fill the fields of e that which asks for (the others get their defaults).
 * @return NN_OK; NN_EINVAL naming the variable when NN_GEMM or NN_THREADS
 *         holds something else than its documented values. */
nn_status nn__env_read(nn__env *e, unsigned which);

#endif /* NN_LIB_ENV_H */
