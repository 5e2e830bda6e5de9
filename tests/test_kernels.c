/* Every SIMD path this CPU can run, against the scalar reference: all column
 * counts 1..67, several row counts, padded and odd ld, unaligned rows,
 * sentinel NaNs in the padding (which must stay untouched, bit for bit);
 * the error bounds of exp, tanh, sigmoid, GELU and the binary cross-entropy
 * against long-double libm; public API. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static const char *const PATHS[] = {"avx2", "avx512"};
static const size_t ROWS[] = {1, 2, 3, 7, 33};
static const size_t PADS[] = {0, 1, 3};

/* Padding sentinels: quiet NaNs with payloads that no arithmetic creates
 * (an invalid operation gives the default NaN, 0xfff8...), one for inputs
 * and one for outputs, checked bit for bit: a value stored past cols
 * changes them, and a padding value read into a result turns it into NaN. */
#define SENT_IN 0x7ff80000dead0001u
#define SENT_OUT 0x7ff80000dead0002u

static double bits_to_double(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* A rows x cols view with ld = cols + pad, one element past an aligned
 * allocation (so rows are unaligned), with one spare element after it; the
 * padding and the two spare elements hold the sentinel. */
typedef struct buf {
    double *mem;
    nn_mat m;
    uint64_t sent;
} buf;

static buf make_sent(nn__rng *r, size_t rows, size_t cols, size_t pad, double lo, double hi,
                     uint64_t sent)
{
    buf b;
    size_t ld = cols + pad, n = rows * ld + 1;
    b.mem = malloc((n + 1) * sizeof(double));
    for (size_t i = 0; i <= n; i++)
        b.mem[i] = bits_to_double(sent);
    b.m = nn_mat_view(b.mem + 1, rows, cols, ld);
    b.sent = sent;
    ts_fill_uniform(r, b.m, lo, hi, bits_to_double(sent));
    return b;
}

static buf make(nn__rng *r, size_t rows, size_t cols, size_t pad, double lo, double hi)
{
    return make_sent(r, rows, cols, pad, lo, hi, SENT_IN);
}

static buf copy(const buf *a)
{
    buf b = *a;
    size_t n = a->m.rows * a->m.ld + 2;
    b.mem = malloc(n * sizeof(double));
    memcpy(b.mem, a->mem, n * sizeof(double));
    b.m.data = b.mem + 1;
    return b;
}

static void assert_sentinel(double x, uint64_t sent)
{
    assert_memory_equal(&x, &sent, sizeof x);
}

/* The padding and the elements before and after the view are untouched. */
static void assert_padding_intact(const buf *b)
{
    assert_sentinel(b->mem[0], b->sent);
    assert_sentinel(b->mem[b->m.rows * b->m.ld + 1], b->sent);
    for (size_t i = 0; i < b->m.rows; i++)
        for (size_t j = b->m.cols; j < b->m.ld; j++)
            assert_sentinel(b->m.data[i * b->m.ld + j], b->sent);
}

static int bits_equal(nn_mat a, nn_mat b)
{
    for (size_t i = 0; i < a.rows; i++)
        if (memcmp(a.data + i * a.ld, b.data + i * b.ld, a.cols * sizeof(double)) != 0)
            return 0;
    return 1;
}

/* Run the body for every column count 1..67, each row count, and ld = cols,
 * cols + 1, cols + 3. (Variadic, because the body contains commas.) */
#define FOR_SHAPES(...)                                                                            \
    for (size_t cols = 1; cols <= 67; cols++)                                                      \
        for (size_t ri = 0; ri < sizeof ROWS / sizeof ROWS[0]; ri++)                               \
            for (size_t pi = 0; pi < sizeof PADS / sizeof PADS[0]; pi++) {                         \
                size_t rows = ROWS[ri], pad = PADS[pi];                                            \
                __VA_ARGS__                                                                        \
            }

/* A bias row of uniform values in [-0.5, 0.5). */
static void random_bias(nn__rng *r, double *b, size_t cols)
{
    for (size_t j = 0; j < cols; j++)
        b[j] = nn__rng_uniform(r) - 0.5;
}

static void check_elementwise(const nn__kernels *k)
{
    const nn__kernels *ref = &nn__kernels_scalar;
    nn__rng r;
    nn__rng_seed(&r, 1);
    double bias[67];
    FOR_SHAPES({
        buf a = make(&r, rows, cols, pad, -2, 2), b = copy(&a);
        /* a few exact zeros, negative zeros and NaNs among the data */
        a.m.data[0] = -0.0;
        if (cols > 2)
            a.m.data[2] = NAN;
        memcpy(b.mem, a.mem, (rows * a.m.ld + 2) * sizeof(double));
        ref->relu(a.m.data, rows, cols, a.m.ld);
        k->relu(b.m.data, rows, cols, b.m.ld);
        assert_true(bits_equal(a.m, b.m));
        assert_padding_intact(&b);

        random_bias(&r, bias, cols);
        buf c = make(&r, rows, cols, pad, -2, 2), d = copy(&c);
        ref->bias_relu(c.m.data, rows, cols, c.m.ld, bias);
        k->bias_relu(d.m.data, rows, cols, d.m.ld, bias);
        assert_true(bits_equal(c.m, d.m));
        assert_padding_intact(&d);
        ref->bias_add(c.m.data, rows, cols, c.m.ld, bias);
        k->bias_add(d.m.data, rows, cols, d.m.ld, bias);
        assert_true(bits_equal(c.m, d.m));

        /* relu_backward: the mask comes from a (which has zeros and NaN). */
        buf g1 = make(&r, rows, cols, pad, -1, 1), g2 = copy(&g1);
        ref->relu_backward(g1.m.data, g1.m.ld, a.m.data, a.m.ld, rows, cols);
        k->relu_backward(g2.m.data, g2.m.ld, a.m.data, a.m.ld, rows, cols);
        assert_true(bits_equal(g1.m, g2.m));
        assert_padding_intact(&g2);

        /* column sums add rows in the same order: bit-exact */
        double s1[67], s2[68];
        s2[cols] = 12345.0;
        ref->col_sums(g1.m.data, rows, cols, g1.m.ld, s1);
        k->col_sums(g1.m.data, rows, cols, g1.m.ld, s2);
        assert_memory_equal(s1, s2, cols * sizeof(double));
        assert_true(s2[cols] == 12345.0);

        /* argmax and xent_sum on positive data */
        int32_t am1[33], am2[33];
        ref->argmax_rows(c.m.data, rows, cols, c.m.ld, am1);
        k->argmax_rows(c.m.data, rows, cols, c.m.ld, am2);
        assert_memory_equal(am1, am2, rows * sizeof(int32_t));
        free(a.mem);
        free(b.mem);
        free(c.mem);
        free(d.mem);
        free(g1.mem);
        free(g2.mem);
    })
}

static void check_softmax(const nn__kernels *k)
{
    const nn__kernels *ref = &nn__kernels_scalar;
    nn__rng r;
    nn__rng_seed(&r, 2);
    int32_t y[33];
    double bias[67];
    FOR_SHAPES({
        buf a = make(&r, rows, cols, pad, -30, 30), b = copy(&a);
        ref->softmax_rows(a.m.data, rows, cols, a.m.ld);
        k->softmax_rows(b.m.data, rows, cols, b.m.ld);
        assert_true(ts_max_err(a.m, b.m, 1e-300, 1e-12) <= 1.0);
        assert_padding_intact(&b);
        for (size_t i = 0; i < rows; i++) {
            double s = 0;
            for (size_t j = 0; j < cols; j++)
                s += b.m.data[i * b.m.ld + j];
            assert_true(fabs(s - 1.0) <= 1e-14);
        }
        for (size_t i = 0; i < rows; i++)
            y[i] = (int32_t)nn__rng_below(&r, cols);
        double l1 = ref->xent_sum(a.m.data, rows, cols, a.m.ld, y);
        double l2 = k->xent_sum(b.m.data, rows, cols, b.m.ld, y);
        assert_true(ts_close(l1, l2, 1e-12, 1e-12));
        double scale = 1.0 / (double)rows;
        buf g1 = copy(&b), g2 = copy(&b);
        ref->xent_grad(g1.m.data, rows, cols, g1.m.ld, y, scale);
        k->xent_grad(g2.m.data, rows, cols, g2.m.ld, y, scale);
        assert_true(bits_equal(g1.m, g2.m));
        assert_padding_intact(&g2);

        /* the fused output kernel */
        random_bias(&r, bias, cols);
        buf z1 = make(&r, rows, cols, pad, -20, 20), z2 = copy(&z1);
        l1 = ref->bias_softmax_xent(z1.m.data, rows, cols, z1.m.ld, bias, y, scale);
        l2 = k->bias_softmax_xent(z2.m.data, rows, cols, z2.m.ld, bias, y, scale);
        assert_true(ts_close(l1, l2, 1e-12, 1e-12));
        assert_true(ts_max_err(z1.m, z2.m, 1e-15, 1e-11) <= 1.0);
        assert_padding_intact(&z2);
        free(a.mem);
        free(b.mem);
        free(g1.mem);
        free(g2.mem);
        free(z1.mem);
        free(z2.mem);
    })
}

/* Rows holding NaN or +inf become all NaN on every path; -inf entries are
 * fine (probability 0); huge spreads do not overflow. */
static void check_softmax_special(const nn__kernels *k)
{
    double rows[5][5] = {{1, NAN, 2, 3, 4},
                         {1, 2, INFINITY, 3, 4},
                         {-INFINITY, 0, 1, -INFINITY, 2},
                         {1e308, -1e308, 0, 5, 1e308},
                         {-800, -801, -799, -1000, -800}};
    for (int i = 0; i < 5; i++) {
        double a[5], b[5];
        memcpy(a, rows[i], sizeof a);
        memcpy(b, rows[i], sizeof b);
        nn__kernels_scalar.softmax_rows(a, 1, 5, 5);
        k->softmax_rows(b, 1, 5, 5);
        for (int j = 0; j < 5; j++) {
            assert_true(ts_close(a[j], b[j], 1e-300, 1e-12));
            if (i < 2)
                assert_true(isnan(b[j]));
            else
                assert_true(b[j] >= 0 && b[j] <= 1);
        }
    }
}

/* The fused output kernel on confident wrong answers (the probability of
 * the label underflows: the DBL_MIN clamp must give ~708.4, not inf), on a
 * NaN row, and on many rows (its loss is accumulated as a product). */
static void check_fused_special(const nn__kernels *k)
{
    for (size_t cols = 2; cols <= 11; cols += 9) {
        enum { R = 300 };
        static double z1[R * 11], z2[R * 11];
        int32_t y[R];
        double b[11] = {0};
        for (size_t i = 0; i < R; i++) {
            y[i] = (int32_t)(i % cols);
            for (size_t j = 0; j < cols; j++)
                z1[i * cols + j] = (double)((i * 7 + j * 3) % 11) - 5.0;
            if (i % 50 == 1)
                z1[i * cols + (size_t)y[i]] = -2000.0; /* p underflows to 0 */
            if (i % 50 == 2)
                z1[i * cols + (size_t)y[i]] = -740.0; /* p is subnormal */
        }
        memcpy(z2, z1, sizeof z1);
        double l1 = nn__kernels_scalar.bias_softmax_xent(z1, R, cols, cols, b, y, 0.5);
        double l2 = k->bias_softmax_xent(z2, R, cols, cols, b, y, 0.5);
        assert_true(isfinite(l2));
        assert_true(ts_close(l1, l2, 1e-10, 1e-12));
        assert_true(l2 > 6 * 708.0);
        z2[5 * cols + 1] = NAN;
        assert_true(isnan(k->bias_softmax_xent(z2, R, cols, cols, b, y, 0.5)));
    }
}

/* |got - v| in units in the last place of the exact value v: the spacing
 * of doubles in v's binade, and 2^-1074 in the subnormal range, so that
 * ulps there are absolute. NaN matches NaN, an infinity only itself. */
static double ulp_err(double got, long double v)
{
    if (isnan(got) || isnan(v))
        return isnan(got) && isnan(v) ? 0 : INFINITY;
    if (isinf(got) || isinf(v))
        return (long double)got == v ? 0 : INFINITY;
    int e = -1074;
    if (v != 0) {
        frexpl(v, &e); /* |v| in [2^(e-1), 2^e): spacing 2^(e-53) */
        e = e - 53 < -1074 ? -1074 : e - 53;
    }
    return (double)(fabsl((long double)got - v) / ldexpl(1.0L, e));
}

static void check_exp(const nn__kernels *k)
{
    enum { N = 1000000 };
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    nn__rng r;
    nn__rng_seed(&r, 3);
    for (size_t i = 0; i < N; i++)
        x[i] = -745.0 + 1455.0 * nn__rng_uniform(&r);
    /* a tenth near 0 and near the subnormal boundary, where errors hide */
    for (size_t i = 0; i < N / 10; i++) {
        x[i] = (nn__rng_uniform(&r) - 0.5) * 2.0;
        x[N / 10 + i] = -708.5 - 36.5 * nn__rng_uniform(&r);
    }
    k->exp(x, y, N);
    double worst = 0;
    for (size_t i = 0; i < N; i++) {
        double e = ulp_err(y[i], exp(x[i]));
        if (e > worst)
            worst = e;
    }
    print_message("%s exp: worst error %.3f ulp over %d inputs\n", k->name, worst, N);
    assert_true(worst <= 2.0);
    const double edge[] = {
        0.0,     -0.0,   1e-300, -1e-300, 1.0,      -1.0,      709.78, 709.782712893383973,
        709.79,  710.0,  1000.0, -708.39, -708.4,   -744.4,    -745.0, -745.13,
        -745.14, -745.2, -746.0, -1000.0, INFINITY, -INFINITY, NAN,    DBL_MAX,
        -DBL_MAX};
    const size_t ne = sizeof edge / sizeof edge[0];
    double out[sizeof edge / sizeof edge[0]];
    k->exp(edge, out, ne);
    for (size_t i = 0; i < ne; i++) {
        double want = exp(edge[i]);
        if (isnan(want))
            assert_true(isnan(out[i]));
        else if (isinf(want) || want == 0.0)
            assert_true(out[i] == want);
        else
            assert_true(ulp_err(out[i], want) <= 2.0);
    }
    /* in place, and lengths 0..W+1 never touch beyond n */
    for (size_t n = 0; n <= 9; n++) {
        double v[10];
        for (int i = 0; i < 10; i++)
            v[i] = -1.0;
        k->exp(v, v, n);
        for (size_t i = 0; i < 10; i++)
            assert_true(v[i] == (i < n ? exp(-1.0) : -1.0) || ulp_err(v[i], exp(-1.0)) <= 2.0);
        assert_true(v[9] == -1.0);
    }
    free(x);
    free(y);
}

/* ---- activations ------------------------------------------------------------ */

#define GELU_C 0.79788456080286535588 /* sqrt(2/pi), the library's constants */
#define GELU_K 0.044715

/* |w| for GELU's sigmoid argument w = 2c (x + k x^3), capped where the
 * sigmoid is 0 or 1 in double on every path (|x| >= 30). */
static double gelu_abs_w(double x)
{
    double xc = fmin(fmax(x, -30.0), 30.0);
    return fabs(2.0 * GELU_C * (xc + GELU_K * xc * xc * xc));
}

/* Error of a SIMD activation output y against the reference's yr at input
 * x, in units of the allowed bound (<= 1 passes). ReLU, leaky ReLU and
 * identity: bit for bit. The others are bounds measured over these tests
 * and 10^7 random inputs, rounded up:
 *   tanh     5 ulp: ours is within 3 ulp of the exact value (measured 2.54),
 *            glibc's tanh within 2.1 (measured).
 *   sigmoid  5 ulp, or DBL_MIN absolute where the reference's exp(-x)
 *            overflows (x < -709.78) and it gives 0 for a subnormal.
 *   GELU     4 ulp times 1 + |w|, or 1e-300 absolute: the reference rounds
 *            w naively and its exp turns a relative error d of w into |w| d
 *            (ours carries w in double-double; measured 3.02), and it gives
 *            0 where its exp overflows (x < -21.1). */
static double act_fwd_err(int act, double x, double y, double yr)
{
    const double e = ulp_err(y, yr);
    switch (act) {
    case NN_ACT_TANH:
        return e / 5.0;
    case NN_ACT_SIGMOID:
        return fabs(y - yr) <= DBL_MIN ? 0.0 : e / 5.0;
    case NN_ACT_GELU:
        return fabs(y - yr) <= 1e-300 || e == 0.0 ? 0.0 : e / (4.0 * (1.0 + gelu_abs_w(x)));
    default:
        return memcmp(&y, &yr, sizeof y) == 0 ? 0.0 : INFINITY;
    }
}

/* GELU's backward against the reference, in units of the bound:
 *   |g' - g'r| <= 3 eps (1 + |w|) |g| (|s| + |x s (1 - s) w'|) + 1e-300,
 * w' = 2c (1 + 3k x^2): each of the derivative's two terms carries the
 * reference's 1 + |w| amplification, and they cancel where the derivative
 * crosses zero (x near -0.75), so the bound is on their magnitudes rather
 * than on the result (measured 1.66). The absolute part covers the
 * reference's 0 where its exp overflows. */
static double gelu_grad_err(double x, double g, double got, double want)
{
    if (isnan(got) || isnan(want) || isinf(got) || isinf(want))
        return ulp_err(got, want);
    const double xc = fmin(fmax(x, -30.0), 30.0);
    const double s = nn__sigmoid(2.0 * GELU_C * (xc + GELU_K * xc * xc * xc)), q = s * (1.0 - s);
    const double dw = 2.0 * GELU_C * (1.0 + 3.0 * GELU_K * xc * xc);
    const double terms = fabs(g) * (s + fabs(xc * q * dw));
    return fabs(got - want) / (3.0 * DBL_EPSILON * (1.0 + gelu_abs_w(x)) * terms + 1e-300);
}

/* Largest act_fwd_err over a view; x holds the inputs. */
static double act_fwd_max_err(int act, nn_mat x, nn_mat y, nn_mat yr)
{
    double worst = 0.0;
    for (size_t i = 0; i < x.rows; i++)
        for (size_t j = 0; j < x.cols; j++) {
            double e = act_fwd_err(act, x.data[i * x.ld + j], y.data[i * y.ld + j],
                                   yr.data[i * yr.ld + j]);
            worst = e > worst ? e : worst;
        }
    return worst;
}

static double gelu_grad_max_err(nn_mat x, nn_mat g0, nn_mat g, nn_mat gr)
{
    double worst = 0.0;
    for (size_t i = 0; i < x.rows; i++)
        for (size_t j = 0; j < x.cols; j++) {
            double e = gelu_grad_err(x.data[i * x.ld + j], g0.data[i * g0.ld + j],
                                     g.data[i * g.ld + j], gr.data[i * gr.ld + j]);
            worst = e > worst ? e : worst;
        }
    return worst;
}

/* Inputs every activation must handle: NaN, signed zeros, infinities,
 * values where exp overflows or the result is subnormal (GELU near -21),
 * subnormal inputs, and huge ones (GELU's x^3 overflows). */
static const double SPECIALS[] = {NAN,    -0.0,    0.0,  INFINITY, -INFINITY, 1000.0, -1000.0,
                                  1e-310, -1e-310, 25.0, -25.0,    -21.2,     1e300,  -1e300};

/* Put the specials at scattered places, at most one in every two elements. */
static void put_specials(nn_mat m, size_t salt)
{
    size_t n = m.rows * m.cols, n_special = sizeof SPECIALS / sizeof SPECIALS[0];
    for (size_t s = 0; s < n_special && s < n / 2; s++) {
        size_t p = (s * 7 + salt) % n;
        m.data[(p / m.cols) * m.ld + p % m.cols] = SPECIALS[s];
    }
}

static void check_activations(const nn__kernels *k)
{
    const nn__kernels *ref = &nn__kernels_scalar;
    const double slope = 0.1;
    nn__rng r;
    nn__rng_seed(&r, 4);
    double bias[67];
    FOR_SHAPES({
        for (int act = 0; act < NN__N_ACT; act++) {
            /* the output and the gradient get their own ld */
            const size_t pad_a = (pad + 1) % 4, pad_g = (pad + 2) % 4;
            random_bias(&r, bias, cols);
            buf z1 = make(&r, rows, cols, pad, -8, 8);
            put_specials(z1.m, (size_t)act + rows);
            buf x = copy(&z1), z2 = copy(&z1);
            buf a1 = make_sent(&r, rows, cols, pad_a, -1, 1, SENT_OUT), a2 = copy(&a1);

            /* Out of place with a bias: z becomes z + b, the same on every
             * path, and a = f(z + b). */
            ref->act_forward[act](z1.m.data, z1.m.ld, a1.m.data, a1.m.ld, rows, cols, bias, slope);
            k->act_forward[act](z2.m.data, z2.m.ld, a2.m.data, a2.m.ld, rows, cols, bias, slope);
            assert_true(bits_equal(z1.m, z2.m));
            assert_true(act_fwd_max_err(act, z1.m, a2.m, a1.m) <= 1.0);
            assert_padding_intact(&z2);
            assert_padding_intact(&a2);

            /* In place, no bias. */
            buf y1 = copy(&x), y2 = copy(&x);
            ref->act_forward[act](y1.m.data, y1.m.ld, y1.m.data, y1.m.ld, rows, cols, NULL, slope);
            k->act_forward[act](y2.m.data, y2.m.ld, y2.m.data, y2.m.ld, rows, cols, NULL, slope);
            assert_true(act_fwd_max_err(act, x.m, y2.m, y1.m) <= 1.0);
            assert_padding_intact(&y2);

            /* Out of place, no bias: z is left as it was. */
            buf x2 = copy(&x);
            k->act_forward[act](x2.m.data, x2.m.ld, a2.m.data, a2.m.ld, rows, cols, NULL, slope);
            assert_memory_equal(x2.mem, x.mem, (rows * x.m.ld + 2) * sizeof(double));
            assert_true(act_fwd_max_err(act, x.m, a2.m, y1.m) <= 1.0);
            assert_padding_intact(&a2);

            /* Backward from the reference's forward on z + b, with z
             * passed only to the activations that need it. */
            buf g0 = make_sent(&r, rows, cols, pad_g, -1, 1, SENT_OUT);
            buf g1 = copy(&g0), g2 = copy(&g0);
            const double *zp = nn__act_needs_pre((nn_activation)act) ? z1.m.data : NULL;
            ref->act_backward[act](g1.m.data, g1.m.ld, a1.m.data, a1.m.ld, zp, z1.m.ld, rows, cols,
                                   slope);
            k->act_backward[act](g2.m.data, g2.m.ld, a1.m.data, a1.m.ld, zp, z1.m.ld, rows, cols,
                                 slope);
            if (act == NN_ACT_GELU)
                assert_true(gelu_grad_max_err(z1.m, g0.m, g2.m, g1.m) <= 1.0);
            else
                assert_true(bits_equal(g1.m, g2.m));
            assert_padding_intact(&g2);
            buf *all[] = {&z1, &x, &x2, &z2, &a1, &a2, &y1, &y2, &g0, &g1, &g2};
            for (size_t q = 0; q < sizeof all / sizeof all[0]; q++)
                free(all[q]->mem);
        }
    })
}

/* ---- multi-label and regression outputs ------------------------------------- */

/* The fused output kernels against the reference. The losses are sums of
 * rows * cols non-negative terms added in another order (per lane), each
 * within a few ulp: they agree within (2 rows cols + 8) eps relative
 * (measured: 16 eps). The MSE gradient is the reference's arithmetic, bit
 * for bit; the BCE gradient (s - t) scale is within
 * 4 eps (|s| + |t|) |scale| (measured 1.8): s itself within a few ulp,
 * absolute after the subtraction. */
static void check_output_losses(const nn__kernels *k)
{
    const nn__kernels *ref = &nn__kernels_scalar;
    nn__rng r;
    nn__rng_seed(&r, 5);
    double bias[67];
    FOR_SHAPES({
        const size_t pad_t = (pad + 1) % 4;
        const double scale = 1.0 / (double)(rows * cols);
        const double rtol = (double)(2 * rows * cols + 8) * DBL_EPSILON;
        random_bias(&r, bias, cols);
        /* targets in [0, 1], or 0/1 labels for every other shape */
        buf t = make(&r, rows, cols, pad_t, 0, 1);
        if ((cols + rows) % 2)
            for (size_t i = 0; i < rows; i++)
                for (size_t j = 0; j < cols; j++)
                    t.m.data[i * t.m.ld + j] = round(t.m.data[i * t.m.ld + j]);
        buf z0 = make(&r, rows, cols, pad, -30, 30), z1 = copy(&z0), z2 = copy(&z0);
        double l1 =
            ref->bias_sigmoid_bce(z1.m.data, rows, cols, z1.m.ld, bias, t.m.data, t.m.ld, scale);
        double l2 =
            k->bias_sigmoid_bce(z2.m.data, rows, cols, z2.m.ld, bias, t.m.data, t.m.ld, scale);
        assert_true(ts_close(l1, l2, 0.0, rtol));
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < cols; j++) {
                double x = z0.m.data[i * z0.m.ld + j] + bias[j], tt = t.m.data[i * t.m.ld + j];
                double tol = 4.0 * DBL_EPSILON * (nn__sigmoid(x) + fabs(tt)) * scale;
                assert_true(fabs(z1.m.data[i * z1.m.ld + j] - z2.m.data[i * z2.m.ld + j]) <= tol);
            }
        assert_padding_intact(&z2);

        buf m1 = copy(&z0), m2 = copy(&z0);
        l1 = ref->bias_mse(m1.m.data, rows, cols, m1.m.ld, bias, t.m.data, t.m.ld, scale);
        l2 = k->bias_mse(m2.m.data, rows, cols, m2.m.ld, bias, t.m.data, t.m.ld, scale);
        assert_true(ts_close(l1, l2, 0.0, rtol));
        assert_true(bits_equal(m1.m, m2.m));
        assert_padding_intact(&m2);
        buf *all[] = {&t, &z0, &z1, &z2, &m1, &m2};
        for (size_t q = 0; q < sizeof all / sizeof all[0]; q++)
            free(all[q]->mem);
    })
}

/* Confident logits: +-1000 with targets 0 and 1 cost exactly 0 or 1000 and
 * have gradients exactly 0 or +-scale, never inf or NaN; NaN stays NaN. Also
 * run with 9 columns, so that both a full vector and a tail see them. */
static void check_bce_extremes(const nn__kernels *k)
{
    const double zs[4] = {1000.0, 1000.0, -1000.0, -1000.0}, ts[4] = {1.0, 0.0, 0.0, 1.0};
    const double loss[4] = {0.0, 1000.0, 0.0, 1000.0}, grad[4] = {0.0, 0.5, 0.0, -0.5};
    double b[9] = {0}, z[9], t[9];
    for (size_t e = 0; e < 4; e++) {
        z[0] = zs[e];
        t[0] = ts[e];
        double l = k->bias_sigmoid_bce(z, 1, 1, 1, b, t, 1, 0.5);
        assert_true(l == loss[e]);
        assert_true(z[0] == grad[e]);
    }
    for (size_t j = 0; j < 9; j++) {
        z[j] = zs[j % 4];
        t[j] = ts[j % 4];
    }
    assert_true(k->bias_sigmoid_bce(z, 1, 9, 9, b, t, 9, 0.5) == 4000.0);
    for (size_t j = 0; j < 9; j++)
        assert_true(z[j] == grad[j % 4]);
    z[3] = NAN;
    assert_true(isnan(k->bias_sigmoid_bce(z, 1, 9, 9, b, t, 9, 0.5)));
    assert_true(isnan(z[3]) && !isnan(z[2]) && !isnan(z[4]));
    z[3] = NAN;
    assert_true(isnan(k->bias_mse(z, 1, 9, 9, b, t, 9, 0.5)));
    assert_true(isnan(z[3]) && !isnan(z[2]));
}

/* ---- accuracy against long-double libm ----------------------------------------- */

/* GELU in long double, as the library defines it (its double constants c
 * and k). w = 2c x + 2ck x^3 is carried as a double-long-double: fmal gives
 * each product's rounding residual exactly, TwoSum the sum's, so w is good
 * to about 2^-120 relative and exp does not amplify its rounding (|w| up to
 * 745 would cost a long-double w about one double ulp). Infinite x gets the
 * library's values: +inf, and NaN for -inf (the reference's -inf * 0). */
static long double gelu_ld(double x)
{
    if (isinf(x))
        return x > 0 ? x : NAN;
    const long double a = 2.0L * GELU_C;
    const long double x2 = (long double)x * x, x2_lo = fmal(x, x, -x2);
    const long double x3 = x2 * x, x3_lo = fmal(x2, x, -x3) + x2_lo * x;
    const long double b_hi = a * GELU_K, b_lo = fmal(a, GELU_K, -b_hi);
    const long double t1 = a * x, t1_lo = fmal(a, x, -t1);
    const long double t2 = b_hi * x3, t2_lo = fmal(b_hi, x3, -t2) + b_hi * x3_lo + b_lo * x3;
    const long double w = t1 + t2, bb = w - t1;
    const long double w_lo = (t1 - (w - bb)) + (t2 - bb) + t1_lo + t2_lo;
    /* exp(-w - w_lo) = exp(-w) (1 - w_lo) while w_lo is tiny; past |w| =
     * 1000 the result is x, or far below the double range, and w_lo (huge
     * in absolute terms for a huge x) is dropped. */
    const long double corr = fabsl(w) < 1000.0L ? 1.0L - w_lo : 1.0L;
    return x / (1.0L + expl(-w) * corr);
}

static long double act_exact(int act, double x)
{
    switch (act) {
    case NN_ACT_TANH:
        return tanhl(x);
    case NN_ACT_SIGMOID:
        return 1.0L / (1.0L + expl(-(long double)x));
    default:
        return gelu_ld(x);
    }
}

/* tanh, sigmoid and GELU forward over 10^6 inputs against the exact value:
 * a tenth log-uniform in magnitude from 1e-320 to 40 (relative precision
 * near 0, subnormals included), a fifth in [-22, 0] (where GELU's sigmoid
 * is tiny and its result goes subnormal), the rest uniform in [-40, 40],
 * then the extremes. The error is in ulps of the exact value, with ulps of
 * 2^-1074 in the subnormal range and no other absolute slack. Bounds
 * (measured over 10^7 inputs: 2.54, 2.43, 3.61 ulp): 3, 3 and 4 ulp. */
static void check_act_accuracy(const nn__kernels *k)
{
    enum { N = 1000000 };
    const double extremes[] = {1000.0,    -1000.0,    1e300,   -1e300,   DBL_MAX,   -DBL_MAX,
                               0.0,       -0.0,       DBL_MIN, -DBL_MIN, 1e-310,    -1e-310,
                               0x1p-1074, -0x1p-1074, NAN,     INFINITY, -INFINITY, 709.78,
                               -709.79,   -745.2,     19.1,    -19.1,    -21.1,     -21.6};
    const size_t n_ext = sizeof extremes / sizeof extremes[0];
    const int acts[3] = {NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_GELU};
    const double bound[3] = {3.0, 3.0, 4.0};
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    nn__rng r;
    nn__rng_seed(&r, 6);
    for (size_t i = 0; i < N; i++) {
        double u = nn__rng_uniform(&r);
        if (i < n_ext)
            x[i] = extremes[i];
        else if (i % 10 == 0)
            x[i] = (u < 0.5 ? -1.0 : 1.0) * pow(10.0, -320.0 + 321.6 * nn__rng_uniform(&r));
        else if (i % 5 == 1)
            x[i] = -22.0 * u;
        else
            x[i] = -40.0 + 80.0 * u;
    }
    for (size_t q = 0; q < 3; q++) {
        k->act_forward[acts[q]](x, N, y, N, 1, N, NULL, 0.0);
        double worst = 0.0, at = 0.0;
        for (size_t i = 0; i < N; i++) {
            long double want = act_exact(acts[q], x[i]);
            double e = ulp_err(y[i], want);
            if (e > worst) {
                worst = e;
                at = x[i];
            }
            if (want == 0.0L) /* signed zeros: tanh(-0) = -0, GELU(-0) = -0 */
                assert_true(signbit(y[i]) == signbit((double)want));
        }
        print_message("%s %s: worst error %.3f ulp (at x = %.17g) over %d inputs\n", k->name,
                      nn_activation_name((nn_activation)acts[q]), worst, at, N);
        assert_true(worst <= bound[q]);
    }
    free(x);
    free(y);
}

/* The binary cross-entropy of one element where the linear part cancels
 * exactly (t = 1 for x > 0, t = 0 for x < 0) is log1p(exp(-|x|)): exp and
 * the vectorized log1p together, against long double. Bound 3 ulp
 * (measured 2.42). */
static void check_bce_accuracy(const nn__kernels *k)
{
    nn__rng r;
    nn__rng_seed(&r, 7);
    double worst = 0.0, b = 0.0;
    for (int i = 0; i < 100000; i++) {
        double u = nn__rng_uniform(&r);
        double x = i % 2 ? -40.0 + 80.0 * u
                         : (u < 0.5 ? -1.0 : 1.0) * pow(10.0, -300.0 + 301.6 * nn__rng_uniform(&r));
        double t = x > 0 ? 1.0 : 0.0, z = x;
        double l = k->bias_sigmoid_bce(&z, 1, 1, 1, &b, &t, 1, 1.0);
        double e = ulp_err(l, log1pl(expl(-fabsl((long double)x))));
        worst = e > worst ? e : worst;
    }
    print_message("%s bce: worst error %.3f ulp of log1p(exp(-|x|)) over 100000 inputs\n", k->name,
                  worst);
    assert_true(worst <= 3.0);
}

static void test_paths(void **state)
{
    (void)state;
    int ran = 0;
    for (size_t p = 0; p < 2; p++) {
        const nn__kernels *k = nn__kernels_by_name(PATHS[p]);
        if (!k) {
            print_message("%s: not available on this CPU or build, skipped\n", PATHS[p]);
            continue;
        }
        assert_string_equal(k->name, PATHS[p]);
        check_elementwise(k);
        check_softmax(k);
        check_softmax_special(k);
        check_fused_special(k);
        check_exp(k);
        check_activations(k);
        check_output_losses(k);
        check_bce_extremes(k);
        check_act_accuracy(k);
        check_bce_accuracy(k);
        ran++;
    }
    /* The scalar path is always there, and its exp is libm's. */
    const nn__kernels *s = nn__kernels_by_name("scalar");
    assert_non_null(s);
    check_softmax_special(s);
    check_bce_extremes(s);
    assert_null(nn__kernels_by_name("sse9"));
    assert_null(nn__kernels_by_name(NULL));
    print_message("SIMD paths checked: %d\n", ran);
}

static void test_public_api(void **state)
{
    (void)state;
    const char *path = nn_simd_path();
    assert_true(strcmp(path, "scalar") == 0 || strcmp(path, "avx2") == 0 ||
                strcmp(path, "avx512") == 0);
    double x[6] = {-1, 2, NAN, 0, -0.0, 3};
    ts_ok(nn_relu(nn_mat_view(x, 2, 3, 3)));
    assert_true(x[0] == 0 && x[1] == 2 && isnan(x[2]) && x[3] == 0 && !signbit(x[4]));
    double p[6] = {1, 2, 3, 1, 1, 1};
    ts_ok(nn_softmax_rows(nn_mat_view(p, 2, 3, 3)));
    assert_true(fabs(p[3] - 1.0 / 3) < 1e-15);
    int32_t y[2] = {2, 0};
    double loss;
    ts_ok(nn_cross_entropy(nn_mat_view(p, 2, 3, 3), y, &loss));
    assert_true(ts_close(loss, (-log(p[2]) - log(p[3])) / 2, 0, 1e-14));
    /* a confident wrong answer: large, finite */
    double q[2] = {1.0, 0.0};
    int32_t one = 1;
    ts_ok(nn_cross_entropy(nn_mat_view(q, 1, 2, 2), &one, &loss));
    assert_true(isfinite(loss) && loss > 700);
    ts_ok(nn_softmax_xent_grad(nn_mat_view(p, 2, 3, 3), y, 0.5));
    assert_true(ts_close(p[3], (1.0 / 3 - 1) * 0.5, 0, 1e-14));
    /* NaN propagates, never crashes */
    double n[3] = {NAN, 1, 2};
    ts_ok(nn_softmax_rows(nn_mat_view(n, 1, 3, 3)));
    assert_true(isnan(n[0]) && isnan(n[1]) && isnan(n[2]));
    int32_t z = 0;
    ts_ok(nn_cross_entropy(nn_mat_view(n, 1, 3, 3), &z, &loss));
    assert_true(isnan(loss));
    double g[2] = {1, 1}, o[2] = {0, 1};
    ts_ok(nn_relu_backward(nn_mat_view(g, 1, 2, 2), nn_mat_view(o, 1, 2, 2)));
    assert_true(g[0] == 0 && g[1] == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_public_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
