/* AVX-512F kernels: 8 doubles (avx512.c) or 16 floats (avx512_f32.c, which
 * defines NN_REAL_F32 and includes this file) per vector, row tails through
 * mask registers. Compiled with -mavx512f -mavx512dq; only reached when the
 * dispatcher has checked that the CPU and OS support AVX-512F and AVX-512DQ. */
#include "kernels/ref.h"

#include "real.h"

#if defined(NN_HAVE_AVX512_BUILD)
#include <immintrin.h>

#if R_IS_F32
#define V __m512
#define W 16
#define M __mmask16

static inline M vmask(size_t n)
{
    return (M)((1u << n) - 1u);
}

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

#define vload(p) _mm512_loadu_ps(p)
#define vstore(p, v) _mm512_storeu_ps((p), (v))
#define vloadz(p, m) _mm512_maskz_loadu_ps((m), (p))
#define vloadf(p, m, f) _mm512_mask_loadu_ps((f), (m), (p))
#define vstorem(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
#define vset1(x) _mm512_set1_ps((float)(x))
#define vadd(a, b) _mm512_add_ps((a), (b))
#define vsub(a, b) _mm512_sub_ps((a), (b))
#define vmul(a, b) _mm512_mul_ps((a), (b))
#define vmax(a, b) _mm512_max_ps((a), (b))
#define vmin(a, b) _mm512_min_ps((a), (b))
#define vfma(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define vfnma(a, b, c) _mm512_fnmadd_ps((a), (b), (c))
#define vround(v) _mm512_roundscale_ps((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define vscale2(p, k) _mm512_scalef_ps((p), (k))
#define vrelu(v) _mm512_maskz_mov_ps(_mm512_cmp_ps_mask((v), _mm512_setzero_ps(), _CMP_NLE_UQ), (v))
#define vkeep_pos(g, o) _mm512_maskz_mov_ps(_mm512_cmp_ps_mask((o), _mm512_setzero_ps(), _CMP_GT_OQ), (g))
#define vnan_from(r, x) _mm512_mask_mov_ps((r), _mm512_cmp_ps_mask((x), (x), _CMP_UNORD_Q), (x))
#define vany_nan(v) (_mm512_cmp_ps_mask((v), (v), _CMP_UNORD_Q) != 0)
#define vhmax(v) _mm512_reduce_max_ps(v)
#define vhsum(v) _mm512_reduce_add_ps(v)
#define vdiv(a, b) _mm512_div_ps((a), (b))
#define vfms(a, b, c) _mm512_fmsub_ps((a), (b), (c))
#define vsignbit_() _mm512_set1_ps(-0.0f)
#define vnabs(v) _mm512_or_ps((v), vsignbit_())
#define vcopysign(mag, sgn)                                                                        \
    _mm512_or_ps(_mm512_andnot_ps(vsignbit_(), (mag)), _mm512_and_ps(vsignbit_(), (sgn)))
#define vsel_gt(x, y, a, b) _mm512_mask_blend_ps(_mm512_cmp_ps_mask((x), (y), _CMP_GT_OQ), (b), (a))
#define vsel_ge(x, y, a, b) _mm512_mask_blend_ps(_mm512_cmp_ps_mask((x), (y), _CMP_GE_OQ), (b), (a))
#define vmaskz(m, v) _mm512_maskz_mov_ps((m), (v))

#else /* double */
#define V __m512d
#define W 8
#define M __mmask8

static inline M vmask(size_t n)
{
    return (M)((1u << n) - 1u);
}

#define vload(p) _mm512_loadu_pd(p)
#define vstore(p, v) _mm512_storeu_pd((p), (v))
#define vloadz(p, m) _mm512_maskz_loadu_pd((m), (p))
#define vloadf(p, m, f) _mm512_mask_loadu_pd((f), (m), (p))
#define vstorem(p, m, v) _mm512_mask_storeu_pd((p), (m), (v))
#define vset1(x) _mm512_set1_pd(x)
#define vadd(a, b) _mm512_add_pd((a), (b))
#define vsub(a, b) _mm512_sub_pd((a), (b))
#define vmul(a, b) _mm512_mul_pd((a), (b))
#define vmax(a, b) _mm512_max_pd((a), (b))
#define vmin(a, b) _mm512_min_pd((a), (b))
#define vfma(a, b, c) _mm512_fmadd_pd((a), (b), (c))
#define vfnma(a, b, c) _mm512_fnmadd_pd((a), (b), (c))
#define vround(v) _mm512_roundscale_pd((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
/* scalef computes p * 2^floor(k) with one rounding, subnormals included. */
#define vscale2(p, k) _mm512_scalef_pd((p), (k))
/* Not-less-or-equal, unordered: true for v > 0 and for NaN. */
#define vrelu(v) _mm512_maskz_mov_pd(_mm512_cmp_pd_mask((v), _mm512_setzero_pd(), _CMP_NLE_UQ), (v))
#define vkeep_pos(g, o) _mm512_maskz_mov_pd(_mm512_cmp_pd_mask((o), _mm512_setzero_pd(), _CMP_GT_OQ), (g))
#define vnan_from(r, x) _mm512_mask_mov_pd((r), _mm512_cmp_pd_mask((x), (x), _CMP_UNORD_Q), (x))
#define vany_nan(v) (_mm512_cmp_pd_mask((v), (v), _CMP_UNORD_Q) != 0)
#define vhmax(v) _mm512_reduce_max_pd(v)
#define vhsum(v) _mm512_reduce_add_pd(v)
#define vdiv(a, b) _mm512_div_pd((a), (b))
#define vfms(a, b, c) _mm512_fmsub_pd((a), (b), (c))
/* The bit operations on doubles (and, andnot, or) are AVX-512DQ. */
#define vsignbit_() _mm512_set1_pd(-0.0)
#define vnabs(v) _mm512_or_pd((v), vsignbit_())
#define vcopysign(mag, sgn)                                                                        \
    _mm512_or_pd(_mm512_andnot_pd(vsignbit_(), (mag)), _mm512_and_pd(vsignbit_(), (sgn)))
/* Ordered compares: false when x or y is NaN, so the NaN lane takes b.
 * mask_blend(k, b, a) takes a where k is set. */
#define vsel_gt(x, y, a, b) _mm512_mask_blend_pd(_mm512_cmp_pd_mask((x), (y), _CMP_GT_OQ), (b), (a))
#define vsel_ge(x, y, a, b) _mm512_mask_blend_pd(_mm512_cmp_pd_mask((x), (y), _CMP_GE_OQ), (b), (a))
#define vmaskz(m, v) _mm512_maskz_mov_pd((m), (v))

#endif

#include "simd.inc"

SIMD_TABLE(avx512, NN__TILES_AVX512);
#else
typedef int nn__avx512_unused;
#endif
