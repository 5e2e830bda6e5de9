/* The float instance of the AVX2 kernels (avx2.c): 8 floats per vector. */
#define NN_REAL_F32
#include "avx2.c"
