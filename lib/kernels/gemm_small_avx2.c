/* The small gemm compiled for avx2 (see gemm_small.inc and gemm_blocked.inc), in
 * double; gemm_small_avx2_f32.c is the float instance. Only called
 * when the dispatcher has chosen the avx2 path, which checks CPUID. */
#include "kernels/ref.h"

#include "real.h"

#if defined(NN_HAVE_AVX2_BUILD)
#define NN_GEMM_SMALL_NAME R_(nn__gemm_small_avx2)
#define NN_GEMM_FUSED_NAME R_(nn__gemm_fused_avx2)
#define NN_GEMM_SMALL_CORE gemm_small_core_avx2
#define NN_GEMM_SMALL_LOOPS gemm_small_loops_avx2
#include "gemm_small.inc"
#define NN_GB_VBYTES 32
#include "gemm_blocked.inc"
#else
typedef int nn__gemm_small_avx2_unused;
#endif
