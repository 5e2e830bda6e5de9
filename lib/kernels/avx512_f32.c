/* The float instance of the AVX-512 kernels (avx512.c): 16 floats per
 * vector. */
#define NN_REAL_F32
#include "avx512.c"
