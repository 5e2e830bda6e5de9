/* AVX2+FMA kernels: 4 doubles (avx2.c) or 8 floats (avx2_f32.c, which
 * defines NN_REAL_F32 and includes this file) per vector, row tails through
 * maskload and maskstore. Compiled with -mavx2 -mfma; only reached when the
 * dispatcher has checked that the CPU and OS support AVX2 and FMA. */
#include "kernels/ref.h"

#include "real.h"

#if defined(NN_HAVE_AVX2_BUILD)
#include <immintrin.h>

/* VI_(op) is the intrinsic of op for this element type: _mm256_op_ps or
 * _mm256_op_pd. Lane masks are 32-bit words for floats, 64-bit for doubles;
 * a lane is selected when the sign bit of its word is set. */
#define M __m256i

#if R_IS_F32
#define V __m256
#define W 8
#define VI_(op) _mm256_##op##_ps

static inline M vmask(size_t n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* p * 2^k for integral k in [-252, 254] (exp uses [-150, 128], GELU down
 * to -217), as the double version below: two powers of two, each normal,
 * built in the exponent field (n + 127) by adding 2^23. */
static inline V pow2i(V n)
{
    const V big = _mm256_set1_ps(8388608.0f); /* 2^23 */
    __m256i bits = _mm256_sub_epi32(_mm256_castps_si256(_mm256_add_ps(_mm256_add_ps(n, _mm256_set1_ps(127.0f)), big)),
                                    _mm256_castps_si256(big));
    return _mm256_castsi256_ps(_mm256_slli_epi32(bits, 23));
}

static inline float hmax_(V v)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    return _mm_cvtss_f32(_mm_max_ss(m, _mm_shuffle_ps(m, m, 1)));
}

static inline float hsum_(V v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

/* The loss accumulator: the 8 lanes widened to double. */
typedef struct vacc {
    __m256d lo, hi;
} vacc;
#define VACC vacc

static inline vacc vacc_add(vacc a, V v)
{
    a.lo = _mm256_add_pd(a.lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    a.hi = _mm256_add_pd(a.hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    return a;
}

static inline double vacc_sum(vacc a)
{
    __m256d t = _mm256_add_pd(a.lo, a.hi);
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(t), _mm256_extractf128_pd(t, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}
#define vacc0() ((vacc){_mm256_setzero_pd(), _mm256_setzero_pd()})

#else /* double */
#define V __m256d
#define W 4
#define VI_(op) _mm256_##op##_pd

static inline M vmask(size_t n)
{
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)n), _mm256_setr_epi64x(0, 1, 2, 3));
}

/* p * 2^k for integral k in [-2044, 2046] (exp uses [-1076, 1024], GELU
 * down to -1155): 2^k is built as two powers of two, floor(k/2) and
 * ceil(k/2), each inside the normal range, so that a result in the subnormal
 * range is rounded once (by the last multiply) and one near the top
 * overflows to +inf as it should. A power 2^n is the double whose exponent
 * field is n + 1023: adding 2^52 to the integer-valued double n + 1023 puts
 * that integer in the low mantissa bits, from where a shift moves it. */
static inline V pow2i(V n)
{
    const V big = _mm256_set1_pd(4503599627370496.0); /* 2^52 */
    __m256i bits = _mm256_sub_epi64(_mm256_castpd_si256(_mm256_add_pd(_mm256_add_pd(n, _mm256_set1_pd(1023.0)), big)),
                                    _mm256_castpd_si256(big));
    return _mm256_castsi256_pd(_mm256_slli_epi64(bits, 52));
}

static inline double hmax_(V v)
{
    __m128d m = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_max_sd(m, _mm_unpackhi_pd(m, m)));
}

static inline double hsum_(V v)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

#endif

/* The operations simd.inc is written in: one intrinsic each, the same for
 * both element types but for the suffix VI_ adds. */
static inline V vloadf_(const real *p, M m, V f)
{
    return VI_(blendv)(f, VI_(maskload)(p, m), VI_(castsi256)(m));
}

#define vload(p) VI_(loadu)(p)
#define vstore(p, v) VI_(storeu)((p), (v))
#define vloadz(p, m) VI_(maskload)((p), (m))
#define vloadf(p, m, f) vloadf_((p), (m), (f))
#define vstorem(p, m, v) VI_(maskstore)((p), (m), (v))
#define vset1(x) VI_(set1)((real)(x))
#define vadd(a, b) VI_(add)((a), (b))
#define vsub(a, b) VI_(sub)((a), (b))
#define vmul(a, b) VI_(mul)((a), (b))
#define vmax(a, b) VI_(max)((a), (b))
#define vmin(a, b) VI_(min)((a), (b))
#define vfma(a, b, c) VI_(fmadd)((a), (b), (c))
#define vfnma(a, b, c) VI_(fnmadd)((a), (b), (c))
#define vround(v) VI_(round)((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define vfloor(v) VI_(round)((v), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)
#define vscale2(p, k) vscale2_((p), (k))
#define vrelu(v) VI_(and)(VI_(cmp)((v), VI_(setzero)(), _CMP_NLE_UQ), (v))
#define vkeep_pos(g, o) VI_(and)(VI_(cmp)((o), VI_(setzero)(), _CMP_GT_OQ), (g))
#define vnan_from(r, x) VI_(blendv)((r), (x), VI_(cmp)((x), (x), _CMP_UNORD_Q))
#define vany_nan(v) (VI_(movemask)(VI_(cmp)((v), (v), _CMP_UNORD_Q)) != 0)
#define vhmax(v) hmax_(v)
#define vhsum(v) hsum_(v)
#define vdiv(a, b) VI_(div)((a), (b))
#define vfms(a, b, c) VI_(fmsub)((a), (b), (c))
/* The sign bit alone, for the bit operations below. */
#define vsignbit_() vset1(-0.0)
#define vnabs(v) VI_(or)((v), vsignbit_())
#define vcopysign(mag, sgn) VI_(or)(VI_(andnot)(vsignbit_(), (mag)), VI_(and)(vsignbit_(), (sgn)))
/* Ordered compares: false when x or y is NaN, so the NaN lane takes b. */
#define vsel_gt(x, y, a, b) VI_(blendv)((b), (a), VI_(cmp)((x), (y), _CMP_GT_OQ))
#define vsel_ge(x, y, a, b) VI_(blendv)((b), (a), VI_(cmp)((x), (y), _CMP_GE_OQ))
#define vmaskz(m, v) VI_(and)(VI_(castsi256)(m), (v))

/* p * 2^k in two steps, 2^floor(k/2) then 2^(k - floor(k/2)) (see pow2i). */
static inline V vscale2_(V p, V k)
{
    V k1 = vfloor(vmul(k, vset1(0.5)));
    V k2 = vsub(k, k1);
    return vmul(vmul(p, pow2i(k1)), pow2i(k2));
}

#include "simd.inc"

SIMD_TABLE(avx2, NN__TILES_AVX2);
#else
typedef int nn__avx2_unused;
#endif
