/* The portable small gemm in float: the float tables' small gemm where no
 * blocked float tiles exist. */
#define NN_REAL_F32
#include "gemm_small_ref.c"
