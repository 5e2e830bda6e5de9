/* The float instance of the layer loop (layers.inc, backprop.inc): the
 * computation of F32 nets, on cblas_sgemm and the float kernel tables. */
#define NN_REAL_F32
#include "layers.c"
