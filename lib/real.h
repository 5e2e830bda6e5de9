#ifndef NN_LIB_REAL_H
#define NN_LIB_REAL_H

/* For the template bodies (*.inc) that are compiled once per element type,
 * as BLAS compiles one body as sgemm and dgemm. A .c file defines
 * NN_REAL_F32 for the float instance (else it is the double one), includes
 * its headers, then this one (last: the kernel and loss headers spell out
 * both types themselves), then the body. In a body:
 *
 *   real        double or float
 *   R_(name)    name for double, name_f32 for float: the instance's own
 *               functions, and the net's and workspace's views of its type
 *               (net->R_(W)[l] is net->W[l] or net->W_f32[l])
 *   RX_(name)   name_f64 or name_f32: entry points that a dispatcher of
 *               the plain name calls by the net's dtype
 *   RMAT        nn_mat or nn_matf
 *   R_IS_F32    0 or 1, for the few places that differ (a constant: the
 *               dead branch costs nothing)
 *   rexp & co.  the math library's function of the type
 *   rgemm       cblas_dgemm or cblas_sgemm
 */

#ifdef real
#error "real.h defines real: include it once, after every other header"
#endif

#include <float.h>
#include <math.h>

#ifdef NN_REAL_F32
#define real float
#define R_(name) name##_f32
#define RX_(name) name##_f32
#define RMAT nn_matf
#define R_IS_F32 1
#define R_DTYPE NN_F32
#define R_MIN FLT_MIN
#define R_MAX FLT_MAX
#define rexp expf
#define rlog logf
#define rlog1p log1pf
#define rtanh tanhf
#define rsqrt sqrtf
#define rfabs fabsf
#define rerfc erfcf
#define rgemm cblas_sgemm
#else
#define real double
#define R_(name) name
#define RX_(name) name##_f64
#define RMAT nn_mat
#define R_IS_F32 0
#define R_DTYPE NN_F64
#define R_MIN DBL_MIN
#define R_MAX DBL_MAX
#define rexp exp
#define rlog log
#define rlog1p log1p
#define rtanh tanh
#define rsqrt sqrt
#define rfabs fabs
#define rerfc erfc
#define rgemm cblas_dgemm
#endif

#endif /* NN_LIB_REAL_H */
