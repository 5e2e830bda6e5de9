#ifndef NN_EXPORT_WRITER_H
#define NN_EXPORT_WRITER_H

/* Private to lib/export/: what the C-header and ONNX writers share. */

#include <stdint.h>
#include <stdio.h>

#include "atomic_file.h"
#include "internal.h"

/* Both writers write through lib/atomic_file.c (nn__atomic_open/commit):
 * the destination holds its old content or the whole new file, keeps its
 * mode, and must be absent, a regular file or a link to one. */

/* Every parameter and scaler value of net is finite and, when single, fits
 * in a float (a scale stays nonzero): what both writers can hold.
 * @return NN_OK; NN_ENUMERIC naming the first value that does not. */
nn_status nn__export_check_values(const nn_net *net, int single, const char *func);

/* The writers read parameters through the double views. For an F32 net
 * this makes *wide an F64 copy (widened exactly; the caller frees it) and
 * returns it; for an F64 net it sets *wide = NULL and returns net. NULL
 * when the copy fails (nn_last_error says why). */
const nn_net *nn__export_source(const nn_net *net, nn_net **wide, const char *func);

/* The getters that hand out views (nn_net_weights, nn_net_bias) take a
 * non-const net because the views may be written through. The writers only
 * read through them, so a const net is passed on through this one cast
 * (via uintptr_t, which -Wcast-qual accepts as deliberate). */
static inline nn_net *nn__export_net(const nn_net *net)
{
    return (nn_net *)(uintptr_t)net;
}

#endif /* NN_EXPORT_WRITER_H */
