/* Every SIMD path this CPU can run, against the scalar reference: all column
 * counts 1..67, several row counts, padded ld, unaligned rows, NaN in the
 * padding (which must stay untouched); the exp error bound; public API. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static const char *const PATHS[] = {"avx2", "avx512"};
static const size_t ROWS[] = {1, 2, 3, 7, 33};

/* A rows x cols view with ld = cols + pad, one element past an aligned
 * allocation (so rows are unaligned), padding filled with NaN. */
typedef struct buf {
    double *mem;
    nn_mat m;
} buf;

static buf make(nn__rng *r, size_t rows, size_t cols, size_t pad, double lo, double hi)
{
    buf b;
    size_t ld = cols + pad, n = rows * ld + 1;
    b.mem = malloc((n + 1) * sizeof(double));
    for (size_t i = 0; i <= n; i++)
        b.mem[i] = NAN;
    b.m = nn_mat_view(b.mem + 1, rows, cols, ld);
    ts_fill_uniform(r, b.m, lo, hi, NAN);
    return b;
}

static buf copy(const buf *a)
{
    buf b;
    size_t n = a->m.rows * a->m.ld + 2;
    b.mem = malloc(n * sizeof(double));
    memcpy(b.mem, a->mem, n * sizeof(double));
    b.m = a->m;
    b.m.data = b.mem + 1;
    return b;
}

/* The padding (and the element before the view) still holds NaN. */
static void assert_padding_nan(const buf *b)
{
    assert_true(isnan(b->mem[0]));
    for (size_t i = 0; i < b->m.rows; i++)
        for (size_t j = b->m.cols; j < b->m.ld; j++)
            assert_true(isnan(b->m.data[i * b->m.ld + j]));
}

static int bits_equal(nn_mat a, nn_mat b)
{
    for (size_t i = 0; i < a.rows; i++)
        if (memcmp(a.data + i * a.ld, b.data + i * b.ld, a.cols * sizeof(double)) != 0)
            return 0;
    return 1;
}

/* Run the body for every column count 1..67, each row count, ld = cols and
 * ld = cols + 3. (Variadic, because the body contains commas.) */
#define FOR_SHAPES(...)                                                                            \
    for (size_t cols = 1; cols <= 67; cols++)                                                      \
        for (size_t ri = 0; ri < sizeof ROWS / sizeof ROWS[0]; ri++)                               \
            for (size_t pad = 0; pad <= 3; pad += 3) {                                             \
                size_t rows = ROWS[ri];                                                            \
                __VA_ARGS__                                                                        \
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
        assert_padding_nan(&b);

        for (size_t j = 0; j < cols; j++)
            bias[j] = nn__rng_uniform(&r) - 0.5;
        buf c = make(&r, rows, cols, pad, -2, 2), d = copy(&c);
        ref->bias_relu(c.m.data, rows, cols, c.m.ld, bias);
        k->bias_relu(d.m.data, rows, cols, d.m.ld, bias);
        assert_true(bits_equal(c.m, d.m));
        assert_padding_nan(&d);
        ref->bias_add(c.m.data, rows, cols, c.m.ld, bias);
        k->bias_add(d.m.data, rows, cols, d.m.ld, bias);
        assert_true(bits_equal(c.m, d.m));

        /* relu_backward: the mask comes from a (which has zeros and NaN). */
        buf g1 = make(&r, rows, cols, pad, -1, 1), g2 = copy(&g1);
        ref->relu_backward(g1.m.data, g1.m.ld, a.m.data, a.m.ld, rows, cols);
        k->relu_backward(g2.m.data, g2.m.ld, a.m.data, a.m.ld, rows, cols);
        assert_true(bits_equal(g1.m, g2.m));
        assert_padding_nan(&g2);

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
        assert_padding_nan(&b);
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
        assert_padding_nan(&g2);

        /* the fused output kernel */
        for (size_t j = 0; j < cols; j++)
            bias[j] = nn__rng_uniform(&r) - 0.5;
        buf z1 = make(&r, rows, cols, pad, -20, 20), z2 = copy(&z1);
        l1 = ref->bias_softmax_xent(z1.m.data, rows, cols, z1.m.ld, bias, y, scale);
        l2 = k->bias_softmax_xent(z2.m.data, rows, cols, z2.m.ld, bias, y, scale);
        assert_true(ts_close(l1, l2, 1e-12, 1e-12));
        assert_true(ts_max_err(z1.m, z2.m, 1e-15, 1e-11) <= 1.0);
        assert_padding_nan(&z2);
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

/* Units in the last place between a and the exact b (b from libm, which
 * glibc rounds correctly to within 1 ulp). */
static double ulps(double a, double b)
{
    if (a == b)
        return 0;
    if (isnan(a) || isnan(b) || isinf(a) || isinf(b))
        return INFINITY;
    double u = nextafter(fabs(b), INFINITY) - fabs(b);
    return fabs(a - b) / u;
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
        double e = ulps(y[i], exp(x[i]));
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
            assert_true(ulps(out[i], want) <= 2.0);
    }
    /* in place, and lengths 0..W+1 never touch beyond n */
    for (size_t n = 0; n <= 9; n++) {
        double v[10];
        for (int i = 0; i < 10; i++)
            v[i] = -1.0;
        k->exp(v, v, n);
        for (size_t i = 0; i < 10; i++)
            assert_true(v[i] == (i < n ? exp(-1.0) : -1.0) || ulps(v[i], exp(-1.0)) <= 2.0);
        assert_true(v[9] == -1.0);
    }
    free(x);
    free(y);
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
        ran++;
    }
    /* The scalar path is always there, and its exp is libm's. */
    const nn__kernels *s = nn__kernels_by_name("scalar");
    assert_non_null(s);
    check_softmax_special(s);
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
