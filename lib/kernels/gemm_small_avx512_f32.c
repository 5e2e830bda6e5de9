/* The small gemm compiled for avx512 in float (gemm_small_avx512.c). */
#define NN_REAL_F32
#include "gemm_small_avx512.c"
