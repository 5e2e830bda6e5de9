/* For private headers that declare one set of types or functions per
 * element type, and for a .c file that defines a few small functions for
 * both: include this with NN__EACH_REAL naming the template, which is then
 * read twice, with real, R_ and RMAT as real.h sets them for double and
 * then for float. No include guard: once per template.
 *
 *     #define NN__EACH_REAL "kernels/table.inc"
 *     #include "each_real.h"
 */
#ifdef real
#error "include the headers that use each_real.h before real.h"
#endif
#define real double
#define R_(name) name
#define RMAT nn_mat
#include NN__EACH_REAL
#undef real
#undef R_
#undef RMAT
#define real float
#define R_(name) name##_f32
#define RMAT nn_matf
#include NN__EACH_REAL
#undef real
#undef R_
#undef RMAT
#undef NN__EACH_REAL
