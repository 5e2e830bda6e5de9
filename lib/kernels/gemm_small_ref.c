/* The portable small gemm (the scalar path's, in its kernel table). */
#include "kernels/ref.h"

#define NN_GEMM_SMALL_NAME nn__gemm_small_ref
#define NN_GEMM_SMALL_CORE gemm_small_core_ref
#include "gemm_small.inc"
