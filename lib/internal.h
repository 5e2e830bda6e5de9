#ifndef NN_INTERNAL_H
#define NN_INTERNAL_H

/* For every file under lib/: errors, the view check, aligned allocation. Never
 * installed. Each subsystem has its own private header (see docs/design.md). */

#include <stddef.h>
#include <stdint.h>

#include "nn.h"

#if defined(__GNUC__) || defined(__clang__)
#define NN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define NN_PRINTF(f, a)
#endif

/* ---- errors (status.c) -------------------------------------------------- */

/* Record the detail text for this thread's last failure and return s, so
 * that `return nn__fail(NN_EINVAL, "...", ...);` reads naturally. */
nn_status nn__fail(nn_status s, const char *fmt, ...) NN_PRINTF(2, 3);

/* Evaluate expr, an nn_status; return it from the calling function unless it
 * is NN_OK (its detail text is already recorded). For checked calls:
 *     NN_TRY(nn__check_view(x, func, "x"));                                 */
#define NN_TRY(expr)                                                                     \
    do {                                                                                 \
        nn_status nn__try_s = (expr);                                                    \
        if (nn__try_s != NN_OK)                                                          \
            return nn__try_s;                                                            \
    } while (0)

/* ---- matrices (matrix.c) ------------------------------------------------ */

/* Check a view used as an argument: non-NULL data when it has elements,
 * ld >= cols, and no dimension or ld above INT_MAX (BLAS takes int).
 * what names the argument in the error message. */
nn_status nn__check_view(nn_mat m, const char *func, const char *what);

/* Aligned allocation (64 bytes) of n doubles, zeroed; NULL on overflow or
 * failure. Release with nn__free. */
double *nn__alloc_doubles(size_t n);
void nn__free(void *p);
/* The same, not zeroed (and a large block advised for huge pages), for a
 * caller that writes every element before anything reads one, such as a
 * loader filling a new matrix; it frees the block, unread, if it fails. */
double *nn__alloc_doubles_uninit(size_t n);
/* nn_mat_alloc on the terms of nn__alloc_doubles_uninit; nn_mat_free frees it. */
nn_status nn__mat_alloc_uninit(nn_mat *m, size_t rows, size_t cols);

#endif /* NN_INTERNAL_H */
