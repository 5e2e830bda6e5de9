/* The small gemm compiled for avx2 in float (gemm_small_avx2.c). */
#define NN_REAL_F32
#include "gemm_small_avx2.c"
