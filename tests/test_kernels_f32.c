/* The float SIMD kernel tables (avx2 and avx512 in float, every path this
 * CPU can run) against the float scalar reference, and the float small
 * gemm's tiles (both vector widths: the 64-byte ones also emulated, see
 * support/gemm_vw8_f32.c) against a naive product, each fused epilogue
 * against the product and then the pass.
 *
 * Bounds, in ulps of float (subnormal results: of the subnormal spacing):
 *   element-wise kernels (ReLU, leaky ReLU, identity, their backwards and
 *   tanh's and sigmoid's, bias add, column sums, the cross-entropy and MSE
 *   gradients' scaling): bit for bit equal to the reference;
 *   exp                      <= EXP_ULPS of the correctly rounded exp, on a
 *                            dense sweep of [-104, 90];
 *   tanh, sigmoid, GELU      <= 2, 2, 3 ulp (ACT_ULPS) of the correctly
 *                            rounded value (the double reference rounded
 *                            to float), and <= 3, 3, 64 ulp (REF_ULPS) of
 *                            the float reference where the
 *                            value is above 2^-100 (below, the reference
 *                            flushes to 0 what should be subnormal);
 *   GELU's backward       <= 32 FLT_EPSILON |g| of the exact value (its
 *                            s (1 - s) from a float s: see below);
 *   softmax, the losses   8 FLT_EPSILON relative (outputs: exp's ulp and
 *                            the row sum's order), 1e-5 (loss).
 * Every row tail length (cols 1..40 reaches each tail of 8 and 16 lanes),
 * ld > cols with the padding checked untouched, and NaN, +-inf, +-0,
 * subnormal and huge inputs. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/ref.h"
#include "support.h"

#define EXP_ULPS 1
/* tanh, sigmoid, GELU: against the exact value, and the float reference
 * (whose GELU rounds w = 2c (x + k x^3) to float before its exp: a relative
 * error of |w| 2^-24 in s, up to ~60 ulp near x = -9). */
static const double ACT_ULPS[3] = {2, 2, 3};
static const double REF_ULPS[3] = {3, 3, 64};

static const char *const PATHS[] = {"avx2", "avx512"};
static const size_t ROWS[] = {1, 2, 3, 7};
static const size_t PADS[] = {0, 1, 3};
#define MAX_COLS 40

/* A quiet NaN with a payload no arithmetic makes: the padding sentinel. */
#define SENT 0x7fc0dea1u

static float sent(void)
{
    uint32_t u = SENT;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* rows x cols floats with ld = cols + pad, one past the allocation's start
 * (unaligned rows), with the sentinel before, after and in the padding. */
typedef struct fbuf {
    float *mem, *d;
    size_t rows, cols, ld;
} fbuf;

static fbuf fmake(nn__rng *r, size_t rows, size_t cols, size_t pad, double lo, double hi)
{
    fbuf b = {NULL, NULL, rows, cols, cols + pad};
    size_t n = rows * b.ld + 2;
    b.mem = malloc(n * sizeof(float));
    assert_non_null(b.mem);
    for (size_t i = 0; i < n; i++)
        b.mem[i] = sent();
    b.d = b.mem + 1;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            b.d[i * b.ld + j] = (float)(lo + (hi - lo) * nn__rng_uniform(r));
    return b;
}

static fbuf fcopy(const fbuf *a)
{
    fbuf b = *a;
    size_t n = a->rows * a->ld + 2;
    b.mem = malloc(n * sizeof(float));
    assert_non_null(b.mem);
    memcpy(b.mem, a->mem, n * sizeof(float));
    b.d = b.mem + 1;
    return b;
}

static void assert_sent(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    assert_int_equal(u, SENT);
}

static void assert_pad(const fbuf *b)
{
    assert_sent(b->mem[0]);
    assert_sent(b->mem[b->rows * b->ld + 1]);
    for (size_t i = 0; i < b->rows; i++)
        for (size_t j = b->cols; j < b->ld; j++)
            assert_sent(b->d[i * b->ld + j]);
}

static void assert_bits_equal(const fbuf *a, const fbuf *b)
{
    for (size_t i = 0; i < a->rows; i++)
        assert_memory_equal(a->d + i * a->ld, b->d + i * b->ld, a->cols * sizeof(float));
}

static const float SPECIALS[] = {NAN,    -0.0f,   0.0f,     INFINITY, -INFINITY, 1e30f,
                                 -1e30f, 3e38f,   -3e38f,   1e-40f,   -1e-40f,   88.5f,
                                 -90.0f, 105.0f,  -110.0f,  15.0f,    -15.0f,    1e-20f};
#define N_SPECIALS (sizeof SPECIALS / sizeof SPECIALS[0])

static void put_specials(fbuf *b, size_t salt)
{
    for (size_t i = 0; i < b->rows; i++)
        for (size_t j = (i + salt) % 3; j < b->cols; j += 3)
            b->d[i * b->ld + j] = SPECIALS[(i * 7 + j + salt) % N_SPECIALS];
}

/* Distance in representable floats (0 for two NaNs). */
static double ulps(float a, float b)
{
    if (a != a || b != b)
        return (a != a && b != b) ? 0.0 : 1e30;
    int32_t ia, ib;
    memcpy(&ia, &a, sizeof ia);
    memcpy(&ib, &b, sizeof ib);
    int64_t oa = ia < 0 ? -(int64_t)(ia & 0x7fffffff) : ia;
    int64_t ob = ib < 0 ? -(int64_t)(ib & 0x7fffffff) : ib;
    return (double)(oa > ob ? oa - ob : ob - oa);
}

/* |a - b| <= rel * |b| + abs; NaN equals NaN, inf its own sign. */
static int close_to(double a, double b, double rel, double abs_tol)
{
    if (a != a || b != b)
        return a != a && b != b;
    if (isinf(a) || isinf(b))
        return a == b;
    return fabs(a - b) <= rel * fabs(b) + abs_tol;
}

static void random_bias(nn__rng *r, float *b, size_t cols)
{
    for (size_t j = 0; j < cols; j++)
        b[j] = (float)(nn__rng_uniform(r) - 0.5);
}

#define FOR_SHAPES(...)                                                                  \
    for (size_t cols = 1; cols <= MAX_COLS; cols++)                                      \
        for (size_t ri = 0; ri < sizeof ROWS / sizeof ROWS[0]; ri++)                     \
            for (size_t pi = 0; pi < sizeof PADS / sizeof PADS[0]; pi++) {               \
                size_t rows = ROWS[ri], pad = PADS[pi];                                  \
                __VA_ARGS__                                                              \
            }

static const nn__kernels_f32 *const REF = &nn__kernels_scalar_f32;

/* ---- element-wise: bit for bit ----------------------------------------------- */

/* Run the same kernel on s and on q, then compare them. */
#define SAME(call_s, call_r)                                                             \
    do {                                                                                 \
        call_s;                                                                          \
        call_r;                                                                          \
        assert_bits_equal(&s, &q);                                                       \
        assert_pad(&s);                                                                  \
    } while (0)

static void check_elementwise(const nn__kernels_f32 *k)
{
    nn__rng r;
    nn__rng_seed(&r, 41);
    float b[MAX_COLS], ks[MAX_COLS], kr[MAX_COLS];
    int32_t y[8];
    FOR_SHAPES({
        fbuf x = fmake(&r, rows, cols, pad, -2, 2);
        put_specials(&x, cols);
        random_bias(&r, b, cols);
        for (size_t i = 0; i < rows; i++)
            y[i] = (int32_t)nn__rng_below(&r, cols);
        fbuf s = fcopy(&x), q = fcopy(&x);
        SAME(k->relu(s.d, rows, cols, s.ld), REF->relu(q.d, rows, cols, q.ld));
        SAME(k->bias_add(s.d, rows, cols, s.ld, b), REF->bias_add(q.d, rows, cols, q.ld, b));
        SAME(k->bias_relu(s.d, rows, cols, s.ld, b), REF->bias_relu(q.d, rows, cols, q.ld, b));
        SAME(k->relu_backward(s.d, s.ld, x.d, x.ld, rows, cols),
             REF->relu_backward(q.d, q.ld, x.d, x.ld, rows, cols));
        SAME(k->xent_grad(s.d, rows, cols, s.ld, y, 0.3),
             REF->xent_grad(q.d, rows, cols, q.ld, y, 0.3));
        k->col_sums(x.d, rows, cols, x.ld, ks);
        REF->col_sums(x.d, rows, cols, x.ld, kr);
        assert_memory_equal(ks, kr, cols * sizeof(float));
        const int acts[] = {NN_ACT_RELU, NN_ACT_LEAKY_RELU, NN_ACT_IDENTITY};
        for (size_t a = 0; a < 3; a++)
            for (int with_b = 0; with_b < 2; with_b++) {
                /* In place, then into a separate output (z keeps z + b). */
                fbuf zs = fcopy(&x), zq = fcopy(&x);
                k->act_forward[acts[a]](zs.d, zs.ld, zs.d, zs.ld, rows, cols, with_b ? b : NULL,
                                        0.01);
                REF->act_forward[acts[a]](zq.d, zq.ld, zq.d, zq.ld, rows, cols,
                                          with_b ? b : NULL, 0.01);
                assert_bits_equal(&zs, &zq);
                assert_pad(&zs);
                fbuf z2s = fcopy(&x), z2q = fcopy(&x), as = fcopy(&x), aq = fcopy(&x);
                k->act_forward[acts[a]](z2s.d, z2s.ld, as.d, as.ld, rows, cols,
                                        with_b ? b : NULL, 0.01);
                REF->act_forward[acts[a]](z2q.d, z2q.ld, aq.d, aq.ld, rows, cols,
                                          with_b ? b : NULL, 0.01);
                assert_bits_equal(&z2s, &z2q);
                assert_bits_equal(&as, &aq);
                assert_pad(&z2s);
                assert_pad(&as);
                free(zs.mem);
                free(zq.mem);
                free(z2s.mem);
                free(z2q.mem);
                free(as.mem);
                free(aq.mem);
            }
        /* The backwards read the forward's output a (here x, in (-2, 2) with
         * specials: any values will do for bit equality). */
        const int backs[] = {NN_ACT_RELU, NN_ACT_LEAKY_RELU, NN_ACT_TANH, NN_ACT_SIGMOID,
                             NN_ACT_IDENTITY};
        for (size_t a = 0; a < 5; a++) {
            fbuf g = fmake(&r, rows, cols, pad, -1, 1);
            fbuf gs = fcopy(&g);
            k->act_backward[backs[a]](g.d, g.ld, x.d, x.ld, NULL, 0, rows, cols, 0.01);
            REF->act_backward[backs[a]](gs.d, gs.ld, x.d, x.ld, NULL, 0, rows, cols, 0.01);
            assert_bits_equal(&g, &gs);
            assert_pad(&g);
            free(g.mem);
            free(gs.mem);
        }
        free(x.mem);
        free(s.mem);
        free(q.mem);
    })
}

/* ---- exp ---------------------------------------------------------------------- */

static void check_exp(const nn__kernels_f32 *k)
{
    const size_t n = (size_t)1 << 21;
    float *x = malloc((n + 1) * sizeof(float)), *y = malloc((n + 1) * sizeof(float));
    assert_true(x && y);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(-104.0 + 194.0 * (double)i / (double)n);
    y[n] = sent();
    k->exp(x, y, n);
    assert_sent(y[n]);
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = ulps(y[i], (float)exp((double)x[i]));
        worst = e > worst ? e : worst;
    }
    print_message("    %s float exp: max %.0f ulp on [-104, 90]\n", k->name, worst);
    assert_true(worst <= EXP_ULPS);
    /* Every tail length, in place, and the specials. */
    for (size_t len = 1; len <= MAX_COLS; len++) {
        for (size_t i = 0; i < len; i++)
            x[i] = SPECIALS[i % N_SPECIALS];
        x[len] = sent();
        k->exp(x, x, len);
        assert_sent(x[len]);
        for (size_t i = 0; i < len; i++)
            assert_true(ulps(x[i], (float)exp((double)SPECIALS[i % N_SPECIALS])) <= EXP_ULPS);
    }
    free(x);
    free(y);
}

/* ---- tanh, sigmoid, GELU -------------------------------------------------------- */

/* The double reference's value of activation a at each float x. */
static void exact_act(int a, const float *x, float *out, size_t n, int backward, const float *g)
{
    for (size_t i = 0; i < n; i++) {
        double z = x[i], v;
        nn__kernels_scalar.act_forward[a](&z, 1, &v, 1, 1, 1, NULL, 0.0);
        if (backward) {
            double gd = g[i];
            nn__kernels_scalar.act_backward[a](&gd, 1, &v, 1, &z, 1, 1, 1, 0.0);
            v = gd;
        }
        out[i] = (float)v;
    }
}

static void check_transcendental(const nn__kernels_f32 *k)
{
    nn__rng r;
    nn__rng_seed(&r, 43);
    const int acts[] = {NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_GELU};
    const char *names[] = {"tanh", "sigmoid", "gelu"};
    double worst[3] = {0}, worst_ref[3] = {0}, worst_gb = 0.0;
    float b[MAX_COLS];
    FOR_SHAPES({
        fbuf x = fmake(&r, rows, cols, pad, -12, 12);
        if (cols % 2)
            put_specials(&x, cols);
        random_bias(&r, b, cols);
        for (size_t a = 0; a < 3; a++) {
            fbuf zs = fcopy(&x), zq = fcopy(&x), as = fcopy(&x), aq = fcopy(&x);
            k->act_forward[acts[a]](zs.d, zs.ld, as.d, as.ld, rows, cols, b, 0.0);
            REF->act_forward[acts[a]](zq.d, zq.ld, aq.d, aq.ld, rows, cols, b, 0.0);
            assert_bits_equal(&zs, &zq); /* z + b */
            assert_pad(&zs);
            assert_pad(&as);
            for (size_t i = 0; i < rows; i++) {
                float want[MAX_COLS];
                exact_act(acts[a], zq.d + i * zq.ld, want, cols, 0, NULL);
                for (size_t j = 0; j < cols; j++) {
                    double e = ulps(as.d[i * as.ld + j], want[j]);
                    /* The float reference's sigmoid and GELU flush to 0
                     * what should be subnormal or just normal (exp(-w)
                     * overflows first; s has few bits left before):
                     * compared where the exact value is above 2^-100. */
                    const float ref = aq.d[i * aq.ld + j];
                    double er = fabsf(want[j]) >= 0x1p-100f || want[j] != want[j]
                                    ? ulps(as.d[i * as.ld + j], ref)
                                    : 0.0;
                    worst[a] = e > worst[a] ? e : worst[a];
                    worst_ref[a] = er > worst_ref[a] ? er : worst_ref[a];
                }
            }
            free(zs.mem);
            free(zq.mem);
            free(as.mem);
            free(aq.mem);
        }
        /* GELU's backward, from z: against the double reference, relative
         * to |g| (its derivative crosses zero near z = -0.75, where an ulp
         * bound means nothing). */
        fbuf g = fmake(&r, rows, cols, pad, -1, 1), gs = fcopy(&g);
        k->act_backward[NN_ACT_GELU](gs.d, gs.ld, NULL, 0, x.d, x.ld, rows, cols, 0.0);
        assert_pad(&gs);
        for (size_t i = 0; i < rows; i++) {
            float want[MAX_COLS];
            exact_act(NN_ACT_GELU, x.d + i * x.ld, want, cols, 1, g.d + i * g.ld);
            for (size_t j = 0; j < cols; j++) {
                float got = gs.d[i * gs.ld + j], gi = g.d[i * g.ld + j];
                if (got != got || want[j] != want[j]) {
                    assert_true(got != got && want[j] != want[j]);
                    continue;
                }
                double e = fabs((double)got - (double)want[j]) / (FLT_EPSILON * fabs(gi) + 1e-37);
                worst_gb = e > worst_gb ? e : worst_gb;
            }
        }
        free(g.mem);
        free(gs.mem);
        free(x.mem);
    })
    for (size_t a = 0; a < 3; a++) {
        print_message("    %s float %s: max %.0f ulp (exact), %.0f ulp (float reference)\n",
                      k->name, names[a], worst[a], worst_ref[a]);
        assert_true(worst[a] <= ACT_ULPS[a]);
        assert_true(worst_ref[a] <= REF_ULPS[a]);
    }
    print_message("    %s float gelu backward: max %.2f eps |g|\n", k->name, worst_gb);
    /* s (1 - s) comes from a float s, as in the reference: where s is near 1
     * (x > 3) 1 - s keeps only ulp(1) / (1 - s) of its precision, an
     * absolute error of a few eps times x w'(x) in the derivative. */
    assert_true(worst_gb <= 32.0);
}

/* ---- softmax and the fused output kernels ----------------------------------------- */

/* A fused output kernel's loss (1e-5 relative) and gradient (rel, abs_tol)
 * on s against the reference's on q; frees both. */
static void assert_loss_pair(double ls, double lq, fbuf *s, fbuf *q, double rel, double abs_tol)
{
    assert_true(close_to(ls, lq, 1e-5, 1e-6));
    assert_pad(s);
    for (size_t i = 0; i < s->rows; i++)
        for (size_t j = 0; j < s->cols; j++)
            assert_true(close_to(s->d[i * s->ld + j], q->d[i * q->ld + j], rel, abs_tol));
    free(s->mem);
    free(q->mem);
}

static void check_outputs(const nn__kernels_f32 *k)
{
    nn__rng r;
    nn__rng_seed(&r, 47);
    float b[MAX_COLS];
    int32_t y[8];
    FOR_SHAPES({
        fbuf x = fmake(&r, rows, cols, pad, -8, 8);
        random_bias(&r, b, cols);
        for (size_t i = 0; i < rows; i++)
            y[i] = (int32_t)nn__rng_below(&r, cols);
        fbuf t = fmake(&r, rows, cols, pad, 0, 1);
        const double tol = 8 * FLT_EPSILON, scale = 1.0 / (double)rows;
        /* softmax (the narrow path at ld == cols, cols < W) */
        fbuf s = fcopy(&x), q = fcopy(&x);
        k->softmax_rows(s.d, rows, cols, s.ld);
        REF->softmax_rows(q.d, rows, cols, q.ld);
        assert_pad(&s);
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < cols; j++)
                assert_true(close_to(s.d[i * s.ld + j], q.d[i * q.ld + j], tol, 1e-37));
        free(s.mem);
        free(q.mem);
        /* bias + softmax + cross-entropy */
        s = fcopy(&x);
        q = fcopy(&x);
        double ls = k->bias_softmax_xent(s.d, rows, cols, s.ld, b, y, scale);
        double lq = REF->bias_softmax_xent(q.d, rows, cols, q.ld, b, y, scale);
        assert_loss_pair(ls, lq, &s, &q, tol, tol * scale);
        /* bias + sigmoid + binary cross-entropy */
        s = fcopy(&x);
        q = fcopy(&x);
        ls = k->bias_sigmoid_bce(s.d, rows, cols, s.ld, b, t.d, t.ld, scale);
        lq = REF->bias_sigmoid_bce(q.d, rows, cols, q.ld, b, t.d, t.ld, scale);
        assert_loss_pair(ls, lq, &s, &q, tol, tol * scale);
        /* bias + MSE: the gradient bit for bit, the loss summed in double */
        s = fcopy(&x);
        q = fcopy(&x);
        ls = k->bias_mse(s.d, rows, cols, s.ld, b, t.d, t.ld, scale);
        lq = REF->bias_mse(q.d, rows, cols, q.ld, b, t.d, t.ld, scale);
        assert_true(close_to(ls, lq, 1e-12, 0.0));
        assert_bits_equal(&s, &q);
        assert_pad(&s);
        free(s.mem);
        free(q.mem);
        free(t.mem);
        free(x.mem);
    })
}

/* ---- small gemm and its epilogues ------------------------------------------------- */

typedef struct gemm_pair {
    const char *name;
    nn__gemm_small_fn_f32 small;
    nn__gemm_fused_fn_f32 fused;
} gemm_pair;

static size_t gemm_pairs(gemm_pair *p)
{
    size_t n = 0;
    for (size_t i = 0; i < 2; i++) {
        const nn__kernels *k = nn__kernels_by_name(PATHS[i]);
        if (k) {
            const nn__kernels_f32 *kf = nn__kernels_f32_of(k);
            p[n++] = (gemm_pair){kf->name, kf->gemm_small, kf->gemm_fused};
        }
    }
    p[n++] = (gemm_pair){"vw8 (emulated)", ts_gemm_small_vw8_f32, ts_gemm_fused_vw8_f32};
    return n;
}

static const size_t SHAPES[][3] = {{32, 64, 64}, {16, 2, 32}, {24, 3, 17}, {32, 2, 16},{1, 1, 1},   {10, 64, 2},   {10, 2, 64}, {64, 2, 10},
                                   {2, 64, 10}, {7, 13, 5},    {3, 2, 9},   {5, 17, 2},
                                   {33, 31, 3}, {9, 37, 70},   {130, 23, 41}, {6, 8, 1},
                                   {4, 16, 3},  {2, 1, 300},   {17, 64, 64}, {64, 15, 128},
                                   {19, 2, 1},  {40, 3, 2},    {17, 1, 3},  {5, 63, 7},
                                   {9, 47, 33}, {12, 31, 16}};
#define N_SHAPES (sizeof SHAPES / sizeof SHAPES[0])

/* op(A) (m x k) and op(B) (k x n) element (i, p) / (p, j). */
static float op_at(const fbuf *x, int t, size_t i, size_t j)
{
    return t ? x->d[j * x->ld + i] : x->d[i * x->ld + j];
}

static void check_gemm_small(void **state)
{
    (void)state;
    gemm_pair pairs[3];
    size_t np = gemm_pairs(pairs);
    nn__rng r;
    nn__rng_seed(&r, 53);
    static float scratch[2 * NN__GEMM_SCRATCH]; /* NN__GEMM_SCRATCH doubles' bytes */
    for (size_t q = 0; q < np; q++)
        for (size_t s = 0; s < N_SHAPES; s++)
            for (int ta = 0; ta < 2; ta++)
                for (int tb = 0; tb < 2; tb++)
                    for (int with = 0; with < 2; with++) {
                        size_t m = SHAPES[s][0], n = SHAPES[s][1], k = SHAPES[s][2];
                        fbuf a = fmake(&r, ta ? k : m, ta ? m : k, 1, -1, 1);
                        fbuf b = fmake(&r, tb ? n : k, tb ? k : n, 2, -1, 1);
                        fbuf c = fmake(&r, m, n, 3, 5, 6);
                        pairs[q].small(ta, tb, m, n, k, a.d, a.ld, b.d, b.ld, c.d, c.ld,
                                       with ? scratch : NULL);
                        assert_pad(&c);
                        for (size_t i = 0; i < m; i++)
                            for (size_t j = 0; j < n; j++) {
                                double want = 0.0, mag = 0.0;
                                for (size_t p = 0; p < k; p++) {
                                    double v = (double)op_at(&a, ta, i, p) * op_at(&b, tb, p, j);
                                    want += v;
                                    mag += fabs(v);
                                }
                                assert_true(fabs(c.d[i * c.ld + j] - want) <=
                                            (double)k * FLT_EPSILON * mag + 1e-30);
                            }
                        free(a.mem);
                        free(b.mem);
                        free(c.mem);
                    }
}

/* The fused product against the plain one followed by the pass, for each
 * epilogue on the products the net fuses it into: the sums are the same
 * tiles', so only the epilogue's rounding (FMA contraction) may differ. */
static void check_epilogue(const gemm_pair *g, nn__rng *r, size_t m, size_t n, size_t k,
                           nn__epi_kind kind, int act, double decay, int bias_row)
{
    static float scratch[2 * NN__GEMM_SCRATCH]; /* NN__GEMM_SCRATCH doubles' bytes */
    const int ta = kind == NN__EPI_SGD || kind == NN__EPI_MOMENTUM;
    const int tb = kind == NN__EPI_ACT_GRAD;
    fbuf a = fmake(r, ta ? k : m, ta ? m : k, 1, -1, 1);
    fbuf b = fmake(r, tb ? n : k, tb ? k : n, 2, -1, 1);
    /* C (and the velocity) with one more row for the bias, as the net lays
     * them out; out: the layer's outputs for ACT_GRAD. */
    fbuf c = fmake(r, m + 1, n, 3, -1, 1), v = fmake(r, m + 1, n, 3, -0.1, 0.1);
    fbuf out = fmake(r, m, n, 1, act == NN_ACT_SIGMOID ? 0 : -1, 1);
    float bias[200];
    random_bias(r, bias, n);
    fbuf cf = fcopy(&c), vf = fcopy(&v), p = fmake(r, m, n, 0, 0, 0);
    nn__gemm_epi_f32 e = {.kind = kind, .act = act, .slope = 0.01, .bias = bias, .out = out.d,
                          .ldo = out.ld, .lr = 0.05, .decay = decay, .mu = 0.9,
                          .vel = vf.d, .bias_row = bias_row};
    assert_int_equal(g->fused(ta, tb, m, n, k, a.d, a.ld, b.d, b.ld, cf.d, cf.ld, scratch, &e), 1);
    g->small(ta, tb, m, n, k, a.d, a.ld, b.d, b.ld, p.d, p.ld, scratch);
    const float lr = 0.05f, mu = 0.9f, dec = (float)decay;
    float db[200];
    if (bias_row)
        REF->col_sums(b.d, k, n, b.ld, db);
    for (size_t i = 0; i < m + (size_t)bias_row; i++)
        for (size_t j = 0; j < n; j++) {
            const int brow = i == m;
            if (brow && !ta)
                continue;
            const float x = brow ? db[j] : p.d[i * p.ld + j], dd = brow ? 0.0f : dec;
            float want, w = c.d[i * c.ld + j];
            double mag;
            switch (kind) {
            case NN__EPI_BIAS_ACT: {
                float z = x + bias[j];
                REF->act_forward[act](&z, 1, &want, 1, 1, 1, NULL, 0.01);
                mag = fabs(z);
                break;
            }
            case NN__EPI_ACT_GRAD:
                want = x;
                REF->act_backward[act](&want, 1, out.d + i * out.ld + j, 1, NULL, 0, 1, 1, 0.01);
                mag = fabs(x);
                break;
            case NN__EPI_SGD:
                want = w - lr * (x + dd * w);
                mag = fabs(w) + lr * (fabs(x) + dd * fabs(w));
                break;
            default: {
                float vel = mu * v.d[i * v.ld + j] - lr * (x + dd * w);
                const double vm = mu * fabs(v.d[i * v.ld + j]) + lr * (fabs(x) + dd * fabs(w));
                assert_true(close_to(vf.d[i * vf.ld + j], vel, 0.0, 4 * FLT_EPSILON * vm + 1e-37));
                want = w + vel;
                mag = fabs(w) + vm;
                break;
            }
            }
            assert_true(close_to(cf.d[i * cf.ld + j], want, 0.0, 4 * FLT_EPSILON * mag + 1e-37));
        }
    if (!bias_row) /* the row past C is not C's */
        for (size_t j = 0; j < n; j++)
            assert_true(cf.d[m * cf.ld + j] == c.d[m * c.ld + j]);
    assert_pad(&cf);
    assert_pad(&vf);
    free(a.mem);
    free(b.mem);
    free(c.mem);
    free(v.mem);
    free(out.mem);
    free(cf.mem);
    free(vf.mem);
    free(p.mem);
}

static void check_epilogues(void **state)
{
    (void)state;
    gemm_pair pairs[3];
    size_t np = gemm_pairs(pairs);
    nn__rng r;
    nn__rng_seed(&r, 59);
    const int fwd[] = {NN_ACT_RELU, NN_ACT_LEAKY_RELU, NN_ACT_IDENTITY};
    const int bwd[] = {NN_ACT_RELU, NN_ACT_LEAKY_RELU, NN_ACT_TANH, NN_ACT_SIGMOID,
                       NN_ACT_IDENTITY};
    for (size_t q = 0; q < np; q++)
        for (size_t s = 0; s < N_SHAPES; s++) {
            size_t m = SHAPES[s][0], n = SHAPES[s][1], k = SHAPES[s][2];
            for (size_t a = 0; a < 3; a++)
                check_epilogue(&pairs[q], &r, m, n, k, NN__EPI_BIAS_ACT, fwd[a], 0.0, 0);
            for (size_t a = 0; a < 5; a++)
                check_epilogue(&pairs[q], &r, m, n, k, NN__EPI_ACT_GRAD, bwd[a], 0.0, 0);
            for (int br = 0; br < 2; br++)
                for (int d = 0; d < 2; d++) {
                    check_epilogue(&pairs[q], &r, m, n, k, NN__EPI_SGD, 0, d ? 0.01 : 0.0, br);
                    check_epilogue(&pairs[q], &r, m, n, k, NN__EPI_MOMENTUM, 0, d ? 0.01 : 0.0,
                                   br);
                }
        }
}

/* ---- per path ------------------------------------------------------------------- */

static void test_paths_f32(void **state)
{
    (void)state;
    for (size_t p = 0; p < 2; p++) {
        const nn__kernels *k = nn__kernels_by_name(PATHS[p]);
        if (!k) {
            print_message("    %s: not runnable here, skipped\n", PATHS[p]);
            continue;
        }
        const nn__kernels_f32 *kf = nn__kernels_f32_of(k);
        assert_string_equal(kf->name, PATHS[p]);
        assert_int_equal(kf->tiles, p ? NN__TILES_AVX512 : NN__TILES_AVX2);
        assert_non_null(kf->gemm_fused);
        check_elementwise(kf);
        check_exp(kf);
        check_transcendental(kf);
        check_outputs(kf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths_f32),
        cmocka_unit_test(check_gemm_small),
        cmocka_unit_test(check_epilogues),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
