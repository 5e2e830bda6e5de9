/* AVX-512F kernels: 8 doubles (avx512.c) or 16 floats (avx512_f32.c, which
 * defines NN_REAL_F32 and includes this file) per vector, row tails through
 * mask registers. Compiled with -mavx512f -mavx512dq; only reached when the
 * dispatcher has checked that the CPU and OS support AVX-512F and AVX-512DQ. */
#include "kernels/ref.h"

#include "real.h"

#if defined(NN_HAVE_AVX512_BUILD)
#include <immintrin.h>

/* VI_(op) is the intrinsic of op for this element type: _mm512_op_ps or
 * _mm512_op_pd (VK_ for the compares into a mask register); one mask bit
 * per lane. */
#if R_IS_F32
#define V __m512
#define W 16
#define M __mmask16
#define VI_(op) _mm512_##op##_ps
#define VK_(op) _mm512_##op##_ps_mask

/* The loss accumulator: the 16 lanes widened to double. */
typedef struct vacc {
    __m512d lo, hi;
} vacc;
#define VACC vacc

static inline vacc vacc_add(vacc a, V v)
{
    const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    a.lo = _mm512_add_pd(a.lo, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
    a.hi = _mm512_add_pd(a.hi, _mm512_cvtps_pd(hi));
    return a;
}
#define vacc0() ((vacc){_mm512_setzero_pd(), _mm512_setzero_pd()})
#define vacc_sum(a) _mm512_reduce_add_pd(_mm512_add_pd((a).lo, (a).hi))

#else /* double */
#define V __m512d
#define W 8
#define M __mmask8
#define VI_(op) _mm512_##op##_pd
#define VK_(op) _mm512_##op##_pd_mask
#endif

static inline M vmask(size_t n)
{
    return (M)((1u << n) - 1u);
}

/* The operations simd.inc is written in: one intrinsic each, the same for
 * both element types but for the suffix VI_ and VK_ add. */
#define vload(p) VI_(loadu)(p)
#define vstore(p, v) VI_(storeu)((p), (v))
#define vloadz(p, m) VI_(maskz_loadu)((m), (p))
#define vloadf(p, m, f) VI_(mask_loadu)((f), (m), (p))
#define vstorem(p, m, v) VI_(mask_storeu)((p), (m), (v))
#define vset1(x) VI_(set1)((real)(x))
#define vadd(a, b) VI_(add)((a), (b))
#define vsub(a, b) VI_(sub)((a), (b))
#define vmul(a, b) VI_(mul)((a), (b))
#define vmax(a, b) VI_(max)((a), (b))
#define vmin(a, b) VI_(min)((a), (b))
#define vfma(a, b, c) VI_(fmadd)((a), (b), (c))
#define vfnma(a, b, c) VI_(fnmadd)((a), (b), (c))
#define vround(v) VI_(roundscale)((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
/* scalef computes p * 2^floor(k) with one rounding, subnormals included. */
#define vscale2(p, k) VI_(scalef)((p), (k))
/* Not-less-or-equal, unordered: true for v > 0 and for NaN. */
#define vrelu(v) VI_(maskz_mov)(VK_(cmp)((v), VI_(setzero)(), _CMP_NLE_UQ), (v))
#define vkeep_pos(g, o) VI_(maskz_mov)(VK_(cmp)((o), VI_(setzero)(), _CMP_GT_OQ), (g))
#define vnan_from(r, x) VI_(mask_mov)((r), VK_(cmp)((x), (x), _CMP_UNORD_Q), (x))
#define vany_nan(v) (VK_(cmp)((v), (v), _CMP_UNORD_Q) != 0)
#define vhmax(v) VI_(reduce_max)(v)
#define vhsum(v) VI_(reduce_add)(v)
#define vdiv(a, b) VI_(div)((a), (b))
#define vfms(a, b, c) VI_(fmsub)((a), (b), (c))
/* The bit operations on doubles (and, andnot, or) are AVX-512DQ. */
#define vsignbit_() vset1(-0.0)
#define vnabs(v) VI_(or)((v), vsignbit_())
#define vcopysign(mag, sgn) VI_(or)(VI_(andnot)(vsignbit_(), (mag)), VI_(and)(vsignbit_(), (sgn)))
/* Ordered compares: false when x or y is NaN, so the NaN lane takes b.
 * mask_blend(k, b, a) takes a where k is set. */
#define vsel_gt(x, y, a, b) VI_(mask_blend)(VK_(cmp)((x), (y), _CMP_GT_OQ), (b), (a))
#define vsel_ge(x, y, a, b) VI_(mask_blend)(VK_(cmp)((x), (y), _CMP_GE_OQ), (b), (a))
#define vmaskz(m, v) VI_(maskz_mov)((m), (v))

#include "simd.inc"

SIMD_TABLE(avx512, NN__TILES_AVX512);
#else
typedef int nn__avx512_unused;
#endif
