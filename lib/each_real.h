/* For private headers that declare one set of types or functions per
 * element type: include this with NN__EACH_REAL naming the template of the
 * declarations, which is then read twice, with real and R_ as real.h sets
 * them for double and then for float. No include guard: once per template.
 *
 *     #define NN__EACH_REAL "kernels/table.inc"
 *     #include "each_real.h"
 */
#ifdef real
#error "include the headers that use each_real.h before real.h"
#endif
#define real double
#define R_(name) name
#include NN__EACH_REAL
#undef real
#undef R_
#define real float
#define R_(name) name##_f32
#include NN__EACH_REAL
#undef real
#undef R_
#undef NN__EACH_REAL
