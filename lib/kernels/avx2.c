/* AVX2+FMA kernels: 4 doubles per vector, row tails through maskload and
 * maskstore. Compiled with -mavx2 -mfma; only reached when the dispatcher
 * has checked that the CPU and OS support AVX2 and FMA. */
#include "kernels/ref.h"

#if defined(NN_HAVE_AVX2_BUILD)
#include <immintrin.h>

#define V __m256d
#define W 4
#define M __m256i

/* Lane i is selected when its 64-bit mask word has the sign bit set. */
static inline M vmask(size_t n)
{
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)n), _mm256_setr_epi64x(0, 1, 2, 3));
}

static inline V vloadf_(const double *p, M m, V f)
{
    return _mm256_blendv_pd(f, _mm256_maskload_pd(p, m), _mm256_castsi256_pd(m));
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

static inline V vscale2_(V p, V k)
{
    V k1 = _mm256_round_pd(_mm256_mul_pd(k, _mm256_set1_pd(0.5)), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    V k2 = _mm256_sub_pd(k, k1);
    return _mm256_mul_pd(_mm256_mul_pd(p, pow2i(k1)), pow2i(k2));
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

#define vload(p) _mm256_loadu_pd(p)
#define vstore(p, v) _mm256_storeu_pd((p), (v))
#define vloadz(p, m) _mm256_maskload_pd((p), (m))
#define vloadf(p, m, f) vloadf_((p), (m), (f))
#define vstorem(p, m, v) _mm256_maskstore_pd((p), (m), (v))
#define vset1(x) _mm256_set1_pd(x)
#define vadd(a, b) _mm256_add_pd((a), (b))
#define vsub(a, b) _mm256_sub_pd((a), (b))
#define vmul(a, b) _mm256_mul_pd((a), (b))
#define vmax(a, b) _mm256_max_pd((a), (b))
#define vmin(a, b) _mm256_min_pd((a), (b))
#define vfma(a, b, c) _mm256_fmadd_pd((a), (b), (c))
#define vfnma(a, b, c) _mm256_fnmadd_pd((a), (b), (c))
#define vround(v) _mm256_round_pd((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define vscale2(p, k) vscale2_((p), (k))
#define vrelu(v) _mm256_and_pd(_mm256_cmp_pd((v), _mm256_setzero_pd(), _CMP_NLE_UQ), (v))
#define vkeep_pos(g, o) _mm256_and_pd(_mm256_cmp_pd((o), _mm256_setzero_pd(), _CMP_GT_OQ), (g))
#define vnan_from(r, x) _mm256_blendv_pd((r), (x), _mm256_cmp_pd((x), (x), _CMP_UNORD_Q))
#define vany_nan(v) (_mm256_movemask_pd(_mm256_cmp_pd((v), (v), _CMP_UNORD_Q)) != 0)
#define vhmax(v) hmax_(v)
#define vhsum(v) hsum_(v)
#define vdiv(a, b) _mm256_div_pd((a), (b))
#define vfms(a, b, c) _mm256_fmsub_pd((a), (b), (c))
/* The sign bit alone, for the bit operations below. */
#define vsignbit_() _mm256_set1_pd(-0.0)
#define vnabs(v) _mm256_or_pd((v), vsignbit_())
#define vcopysign(mag, sgn)                                                                        \
    _mm256_or_pd(_mm256_andnot_pd(vsignbit_(), (mag)), _mm256_and_pd(vsignbit_(), (sgn)))
/* Ordered compares: false when x or y is NaN, so the NaN lane takes b. */
#define vsel_gt(x, y, a, b) _mm256_blendv_pd((b), (a), _mm256_cmp_pd((x), (y), _CMP_GT_OQ))
#define vsel_ge(x, y, a, b) _mm256_blendv_pd((b), (a), _mm256_cmp_pd((x), (y), _CMP_GE_OQ))
#define vmaskz(m, v) _mm256_and_pd(_mm256_castsi256_pd(m), (v))

#include "simd.inc"

const nn__kernels nn__kernels_avx2 = {
    .name = "avx2",
    .gemm_small = nn__gemm_small_avx2,
    .gemm_fused = nn__gemm_fused_avx2,
    .tiles = NN__TILES_AVX2,
    .relu = k_relu,
    .relu_backward = k_relu_backward,
    .bias_add = k_bias_add,
    .bias_relu = k_bias_relu,
    .softmax_rows = k_softmax_rows,
    .xent_sum = nn__xent_sum_ref,
    .xent_grad = k_xent_grad,
    .bias_softmax_xent = k_bias_softmax_xent,
    .col_sums = k_col_sums,
    .argmax_rows = nn__argmax_rows_ref,
    .exp = k_exp,
    ACT_SIMD_ENTRIES,
    .bias_sigmoid_bce = k_bias_sigmoid_bce,
    .bias_mse = k_bias_mse,
};
#else
typedef int nn__avx2_unused;
#endif
