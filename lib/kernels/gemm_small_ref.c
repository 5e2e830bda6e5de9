/* The portable small gemm (the scalar path's, in its kernel table), in
 * double; gemm_small_ref_f32.c is the float instance. */
#include "kernels/ref.h"

#include "real.h"

#define NN_GEMM_SMALL_NAME R_(nn__gemm_small_ref)
#define NN_GEMM_SMALL_CORE R_(gemm_small_core_ref)
#include "gemm_small.inc"
