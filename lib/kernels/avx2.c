/* avx2 kernels: not yet written; the dispatcher does not offer this path. */
#include "internal.h"

typedef int nn__avx2_placeholder;
