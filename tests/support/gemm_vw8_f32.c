/* The AVX-512 build's blocked small gemm in float (16-float vectors),
 * runnable on any machine: see gemm_vw8.c. */
#define NN_REAL_F32
#include "gemm_vw8.c"
