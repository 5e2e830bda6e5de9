/* The float instance of the scalar reference kernels (ref.inc) and the
 * float scalar path's table. */
#define NN_REAL_F32
#include "kernels/ref.h"

#include "real.h"

#include "ref.inc"
