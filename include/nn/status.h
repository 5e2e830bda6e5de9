#ifndef NN_STATUS_H
#define NN_STATUS_H

#include "nn/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every fallible libnn call returns an nn_status. NN_OK is 0; the error values
 * are stable and new ones are only ever appended. One list generates both the
 * enum and nn_status_str(). */
#define NN_STATUS_MAP(X)                                                        \
    X(NN_OK, "ok")                                                              \
    X(NN_EINVAL, "invalid argument")                                            \
    X(NN_ESHAPE, "shape mismatch")                                              \
    X(NN_ENOMEM, "out of memory")                                               \
    X(NN_EIO, "input/output error")                                             \
    X(NN_EFORMAT, "malformed content")                                          \
    X(NN_ENUMERIC, "numeric error")

typedef enum nn_status {
#define NN_STATUS_ENUM_(name, text) name,
    NN_STATUS_MAP(NN_STATUS_ENUM_)
#undef NN_STATUS_ENUM_
} nn_status;

/* Short English text for a status, e.g. "invalid argument". Never NULL; an
 * unknown value gives "unknown status". */
NN_API const char *nn_status_str(nn_status s);

/* Detail of the calling thread's most recent failure, e.g.
 * "iris.csv:17:3: expected a number" or "nn_gemm: a is 2x3 but b is 4x5".
 * Successful calls do not clear it (like errno). Never NULL; "" if no call
 * on this thread has failed. The text stays valid until the next libnn call
 * on the same thread. */
NN_API const char *nn_last_error(void);

#if defined(NN_EXPERIMENTAL)
/* For libnn's optional components (libnn_mpi) and other layers built on
 * libnn: record the calling thread's nn_last_error() text (printf format,
 * cut at 511 bytes), as libnn's own failures do, and return s. */
NN_API nn_status nn_set_last_error(nn_status s, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
#endif /* NN_EXPERIMENTAL */

#ifdef __cplusplus
}
#endif

#endif /* NN_STATUS_H */
