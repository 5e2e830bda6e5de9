#ifndef NN_EXPORT_WRITER_H
#define NN_EXPORT_WRITER_H

/* Private to lib/export/: what the C-header and ONNX writers share. */

#include <stdint.h>
#include <stdio.h>

#include "internal.h"

/* A file being written to replace path atomically: the content goes to a
 * temporary file beside path, which is flushed, synced and renamed over it,
 * so path holds either its old content or the complete new one.
 *
 * This is a small stand-in for lib/atomic_file.c (branch robust, not yet in
 * main when export was written), with the same shape of API: when that file
 * lands, nn__export_open/commit/abort become nn__atomic_open/commit/abort
 * and this helper goes (its refusals of special files and keeping of modes
 * then apply to exports too). Usage:
 *     nn__export_file ef;
 *     if ((s = nn__export_open(&ef, path, "nn_net_export_c")) != NN_OK) return s;
 *     fprintf(ef.f, ...);
 *     return nn__export_commit(&ef);   (or nn__export_abort(&ef)) */
typedef struct nn__export_file {
    FILE *f;          /* write the new content here */
    const char *func; /* the caller's name, for messages */
    const char *path; /* the destination (borrowed until commit/abort) */
    char *tmp;        /* the temporary file */
} nn__export_file;

/* @return NN_OK with ef->f open; NN_EINVAL for a NULL or empty path; NN_EIO
 *         when the temporary file cannot be created (the message names path
 *         and the reason); NN_ENOMEM. On failure ef holds nothing. */
nn_status nn__export_open(nn__export_file *ef, const char *path, const char *func);
/* Flush, fsync, close, rename over the destination. ef is released either
 * way. @return NN_OK; NN_EIO (old destination intact, temporary removed). */
nn_status nn__export_commit(nn__export_file *ef);
/* Close and remove the temporary file; accepts a released handle. */
void nn__export_abort(nn__export_file *ef);

/* Every parameter and scaler value of net is finite and, when single, fits
 * in a float (a scale stays nonzero): what both writers can hold.
 * @return NN_OK; NN_ENUMERIC naming the first value that does not. */
nn_status nn__export_check_values(const nn_net *net, int single, const char *func);

/* The getters that hand out views (nn_net_weights, nn_net_bias) take a
 * non-const net because the views may be written through. The writers only
 * read through them, so a const net is passed on through this one cast
 * (via uintptr_t, which -Wcast-qual accepts as deliberate). */
static inline nn_net *nn__export_net(const nn_net *net)
{
    return (nn_net *)(uintptr_t)net;
}

#endif /* NN_EXPORT_WRITER_H */
