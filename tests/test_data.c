/* Data: make_moons, splits, one-hot, scaler, and the CSV loader with every
 * malformed case it must report by file, line and column. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/nn_test_data.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Write content to dir/name and return the path (static buffer). */
static const char *write_file(const char *name, const char *content)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(content, 1, strlen(content), f);
    fclose(f);
    return path;
}

/* ---- make_moons ---------------------------------------------------------- */

static void test_moons_shape_and_balance(void **state)
{
    (void)state;
    nn_dataset d;
    ts_ok(nn_make_moons(&d, 5000, 0.1, 42));
    assert_int_equal(d.x.rows, 5000);
    assert_int_equal(d.x.cols, 2);
    assert_int_equal(d.n_classes, 2);
    size_t ones = 0;
    for (size_t i = 0; i < 5000; i++) {
        assert_true(d.y[i] == 0 || d.y[i] == 1);
        ones += (size_t)d.y[i];
    }
    assert_int_equal(ones, 2500);
    /* Rows are shuffled: the first 100 are not all one class. */
    size_t first = 0;
    for (size_t i = 0; i < 100; i++)
        first += (size_t)d.y[i];
    assert_true(first > 20 && first < 80);
    nn_dataset_free(&d);
    ts_ok(nn_make_moons(&d, 7, 0.0, 1));
    ones = 0;
    for (size_t i = 0; i < 7; i++)
        ones += (size_t)d.y[i];
    assert_int_equal(ones, 4); /* n_out = 3 upper, n_in = 4 lower, as scikit-learn */
    nn_dataset_free(&d);
    nn_dataset_free(&d); /* twice is harmless */
    nn_dataset_free(NULL);
}

/* Without noise every point lies exactly on its half circle: class 0 on the
 * unit circle about (0, 0) with y >= 0, class 1 about (1, 0.5) with
 * y <= 0.5. */
static void test_moons_noise_free_geometry(void **state)
{
    (void)state;
    nn_dataset d;
    ts_ok(nn_make_moons(&d, 1001, 0.0, 3));
    for (size_t i = 0; i < d.x.rows; i++) {
        double x = d.x.data[i * d.x.ld], y = d.x.data[i * d.x.ld + 1];
        double cx = d.y[i] ? 1.0 : 0.0, cy = d.y[i] ? 0.5 : 0.0;
        assert_true(fabs(hypot(x - cx, y - cy) - 1.0) < 1e-12);
        assert_true(d.y[i] ? y <= 0.5 + 1e-12 : y >= -1e-12);
    }
    nn_dataset_free(&d);
}

static void test_moons_determinism_and_noise(void **state)
{
    (void)state;
    nn_dataset a, b, c, clean;
    ts_ok(nn_make_moons(&a, 2000, 0.2, 9));
    ts_ok(nn_make_moons(&b, 2000, 0.2, 9));
    ts_ok(nn_make_moons(&c, 2000, 0.2, 10));
    assert_memory_equal(a.x.data, b.x.data, 4000 * sizeof(double));
    assert_memory_equal(a.y, b.y, 2000 * sizeof(int32_t));
    assert_true(memcmp(a.x.data, c.x.data, 4000 * sizeof(double)) != 0);
    /* The noise is N(0, 0.2^2): the distance to the circle has RMS near
     * 0.2 (radial component of a 2-D Gaussian). */
    ts_ok(nn_make_moons(&clean, 2000, 0.0, 9));
    double ss = 0;
    for (size_t i = 0; i < 2000; i++) {
        double x = a.x.data[2 * i], y = a.x.data[2 * i + 1];
        double cx = a.y[i] ? 1.0 : 0.0, cy = a.y[i] ? 0.5 : 0.0;
        double r = hypot(x - cx, y - cy) - 1.0;
        ss += r * r;
    }
    double rms = sqrt(ss / 2000);
    assert_true(rms > 0.17 && rms < 0.23);
    nn_dataset_free(&a);
    nn_dataset_free(&b);
    nn_dataset_free(&c);
    nn_dataset_free(&clean);
}

/* ---- splits -------------------------------------------------------------- */

/* Every row of all appears exactly once across train and test. */
static void assert_partition(const nn_dataset *all, const nn_dataset *tr, const nn_dataset *te)
{
    size_t n = all->x.rows, d = all->x.cols;
    assert_int_equal(tr->x.rows + te->x.rows, n);
    char *used = calloc(n, 1);
    for (int part = 0; part < 2; part++) {
        const nn_dataset *p = part ? te : tr;
        for (size_t i = 0; i < p->x.rows; i++) {
            size_t hit = n;
            for (size_t j = 0; j < n && hit == n; j++)
                if (!used[j] &&
                    memcmp(p->x.data + i * p->x.ld, all->x.data + j * all->x.ld,
                           d * sizeof(double)) == 0 &&
                    p->y[i] == all->y[j])
                    hit = j;
            assert_true(hit < n);
            used[hit] = 1;
        }
    }
    free(used);
}

static void test_split(void **state)
{
    (void)state;
    nn_dataset all, tr, te, tr2, te2;
    ts_ok(nn_make_moons(&all, 5000, 0.1, 42));
    ts_ok(nn_train_test_split(&all, 0.25, 42, &tr, &te));
    assert_int_equal(tr.x.rows, 3750);
    assert_int_equal(te.x.rows, 1250);
    assert_int_equal(tr.n_classes, 2);
    ts_ok(nn_train_test_split(&all, 0.25, 42, &tr2, &te2));
    assert_memory_equal(te.x.data, te2.x.data, 1250 * 2 * sizeof(double));
    nn_dataset_free(&tr2);
    nn_dataset_free(&te2);
    nn_dataset small;
    ts_ok(nn_make_moons(&small, 301, 0.1, 1));
    ts_ok(nn_train_test_split(&small, 0.3, 5, &tr2, &te2));
    assert_int_equal(te2.x.rows, 90);
    assert_partition(&small, &tr2, &te2);
    nn_dataset_free(&tr2);
    nn_dataset_free(&te2);
    /* Extreme fractions still leave a row on each side. */
    ts_ok(nn_train_test_split(&small, 1e-9, 5, &tr2, &te2));
    assert_int_equal(te2.x.rows, 1);
    nn_dataset_free(&tr2);
    nn_dataset_free(&te2);
    ts_ok(nn_train_test_split(&small, 0.9999999, 5, &tr2, &te2));
    assert_int_equal(tr2.x.rows, 1);
    nn_dataset_free(&tr2);
    nn_dataset_free(&te2);
    nn_dataset_free(&small);
    nn_dataset_free(&all);
    nn_dataset_free(&tr);
    nn_dataset_free(&te);
}

static void test_split_stratified(void **state)
{
    (void)state;
    /* 3 classes of 100, 40 and 10 rows. */
    nn_dataset all = {.x = {0}, .y = NULL, .n_classes = 3}, tr, te;
    ts_ok(nn_mat_alloc(&all.x, 150, 2));
    all.y = malloc(150 * sizeof(int32_t));
    for (size_t i = 0; i < 150; i++) {
        all.y[i] = i < 100 ? 0 : i < 140 ? 1 : 2;
        all.x.data[2 * i] = (double)i;
        all.x.data[2 * i + 1] = -(double)i;
    }
    ts_ok(nn_train_test_split_stratified(&all, 0.2, 3, &tr, &te));
    size_t cnt[3] = {0};
    for (size_t i = 0; i < te.x.rows; i++)
        cnt[te.y[i]]++;
    assert_int_equal(cnt[0], 20);
    assert_int_equal(cnt[1], 8);
    assert_int_equal(cnt[2], 2);
    assert_partition(&all, &tr, &te);
    nn_dataset_free(&tr);
    nn_dataset_free(&te);
    nn_dataset_free(&all);
}

static void test_split_errors(void **state)
{
    (void)state;
    nn_dataset all, tr = {.n_classes = 7}, te = tr;
    ts_ok(nn_make_moons(&all, 10, 0.1, 1));
    ts_assert_status(nn_train_test_split(&all, 0.0, 1, &tr, &te), NN_EINVAL);
    ts_assert_status(nn_train_test_split(&all, 1.0, 1, &tr, &te), NN_EINVAL);
    ts_assert_status(nn_train_test_split(&all, NAN, 1, &tr, &te), NN_EINVAL);
    ts_assert_status(nn_train_test_split(NULL, 0.5, 1, &tr, &te), NN_EINVAL);
    ts_assert_status(nn_train_test_split(&all, 0.5, 1, NULL, &te), NN_EINVAL);
    ts_assert_status(nn_train_test_split(&all, 0.5, 1, &tr, &tr), NN_EINVAL);
    ts_assert_status(nn_train_test_split_stratified(&all, 1.5, 1, &tr, &te), NN_EINVAL);
    all.y[3] = 5; /* label outside n_classes */
    ts_assert_status(nn_train_test_split(&all, 0.5, 1, &tr, &te), NN_EINVAL);
    assert_true(tr.n_classes == 7 && tr.y == NULL); /* outputs untouched */
    ts_assert_status(nn_make_moons(NULL, 10, 0.1, 1), NN_EINVAL);
    ts_assert_status(nn_make_moons(&tr, 1, 0.1, 1), NN_EINVAL);
    ts_assert_status(nn_make_moons(&tr, 10, -0.1, 1), NN_EINVAL);
    ts_assert_status(nn_make_moons(&tr, 10, INFINITY, 1), NN_EINVAL);
    assert_true(tr.n_classes == 7 && tr.y == NULL);
    nn_dataset_free(&all);
}

/* ---- one-hot and scaler -------------------------------------------------- */

static void test_one_hot(void **state)
{
    (void)state;
    int32_t y[4] = {0, 2, 1, 2};
    nn_mat m;
    ts_ok(nn_one_hot(y, 4, 3, &m));
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 3; j++)
            assert_true(m.data[i * m.ld + j] == ((size_t)y[i] == j ? 1.0 : 0.0));
    nn_mat_free(&m);
    int32_t bad[2] = {0, 3};
    ts_assert_status(nn_one_hot(bad, 2, 3, &m), NN_EINVAL);
    ts_assert_status(nn_one_hot(y, 0, 3, &m), NN_EINVAL);
    ts_assert_status(nn_one_hot(y, 4, 0, &m), NN_EINVAL);
    ts_assert_status(nn_one_hot(NULL, 4, 3, &m), NN_EINVAL);
    ts_assert_status(nn_one_hot(y, 4, 3, NULL), NN_EINVAL);
}

static void test_scaler(void **state)
{
    (void)state;
    double x[4 * 3] = {1, 5, 10, 2, 5, 20, 3, 5, 30, 4, 5, 40};
    nn_mat m = nn_mat_view(x, 4, 3, 3);
    nn_scaler s;
    ts_ok(nn_scaler_fit(&s, m));
    assert_int_equal(s.n_features, 3);
    ts_ok(nn_scaler_apply(&s, m));
    for (size_t j = 0; j < 3; j++) {
        double mean = 0, var = 0;
        for (size_t i = 0; i < 4; i++)
            mean += x[i * 3 + j] / 4;
        for (size_t i = 0; i < 4; i++)
            var += (x[i * 3 + j] - mean) * (x[i * 3 + j] - mean) / 4;
        assert_true(fabs(mean) < 1e-15);
        /* the constant column stays 0, the others have unit variance */
        assert_true(fabs(var - (j == 1 ? 0.0 : 1.0)) < 1e-12);
    }
    ts_assert_status(nn_scaler_apply(&s, nn_mat_view(x, 4, 2, 3)), NN_ESHAPE);
    nn_scaler_free(&s);
    nn_scaler_free(&s);
    nn_scaler_free(NULL);
    ts_assert_status(nn_scaler_apply(&s, m), NN_EINVAL);
    x[5] = NAN;
    ts_assert_status(nn_scaler_fit(&s, m), NN_EINVAL);
    ts_assert_status(nn_scaler_fit(NULL, m), NN_EINVAL);
}

/* ---- CSV ----------------------------------------------------------------- */

static void test_csv_good(void **state)
{
    (void)state;
    nn_dataset d;
    const char *p = write_file("good.csv", "a,b,label\n1.5,-2,0\n3e2, 4 ,2\r\n\n  \n5,6,1");
    nn_csv_options o = nn_csv_defaults();
    o.has_header = true;
    ts_ok(nn_load_csv(&d, p, &o));
    assert_int_equal(d.x.rows, 3);
    assert_int_equal(d.x.cols, 2);
    assert_int_equal(d.n_classes, 3);
    assert_true(d.x.data[0] == 1.5 && d.x.data[1] == -2.0);
    assert_true(d.x.data[2] == 300.0 && d.x.data[3] == 4.0);
    assert_int_equal(d.y[1], 2);
    assert_int_equal(d.y[2], 1);
    nn_dataset_free(&d);
    /* Label in the first column, ';' as delimiter, no header, "1.0" label. */
    p = write_file("semi.csv", "1.0;0.5;0.25\n0;7;8\n");
    o = nn_csv_defaults();
    o.label_column = 0;
    o.delimiter = ';';
    ts_ok(nn_load_csv(&d, p, &o));
    assert_int_equal(d.x.rows, 2);
    assert_int_equal(d.y[0], 1);
    assert_true(d.x.data[0] == 0.5 && d.x.data[1] == 0.25);
    assert_true(d.x.data[2] == 7.0);
    nn_dataset_free(&d);
    /* NULL options mean the defaults; labels all 0 still give 2 classes. */
    p = write_file("zeros.csv", "1,0\n2,0\n");
    ts_ok(nn_load_csv(&d, p, NULL));
    assert_int_equal(d.n_classes, 2);
    nn_dataset_free(&d);
}

typedef struct bad_csv {
    const char *content, *where;
} bad_csv;

static void test_csv_malformed(void **state)
{
    (void)state;
    const bad_csv cases[] = {
        {"", "1:1"},                 /* empty */
        {"\n\n  \n", "3:1"},         /* only blank lines */
        {"1,2,0\n3,4\n", "2:4"},     /* ragged: too few */
        {"1,2,0\n3,4,1,9\n", "2:7"}, /* ragged: too many */
        {"1,2,0\n3,x,1\n", "2:3"},   /* not a number */
        {"1,2,0\n3,,1\n", "2:3"},    /* empty field */
        {"1,nan,0\n", "1:3"},        /* nan */
        {"1,inf,0\n", "1:3"},        /* inf */
        {"1,0x10,0\n", "1:3"},       /* hex */
        {"1,2,0\n3,4,-1\n", "2:5"},  /* negative label */
        {"1,2,0\n3,4,1.5\n", "2:5"}, /* fractional label */
        {"1,2,70000\n", "1:5"},      /* label too large */
        {"1\n2\n", "1:1"},           /* one column */
        {"1,2,0\n3,4,1 2\n", "2:5"}, /* two numbers in one field */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32], want[160];
        snprintf(name, sizeof name, "bad%zu.csv", i);
        const char *p = write_file(name, cases[i].content);
        nn_dataset d = {.x = {0}, .y = NULL, .n_classes = 99};
        nn_status s = nn_load_csv(&d, p, NULL);
        if (s != NN_EFORMAT)
            print_error("case %zu: status %d (%s)\n", i, (int)s, nn_last_error());
        assert_int_equal(s, NN_EFORMAT);
        snprintf(want, sizeof want, "%s:%s:", p, cases[i].where);
        if (!strstr(nn_last_error(), want))
            print_error("case %zu: '%s' lacks '%s'\n", i, nn_last_error(), want);
        assert_non_null(strstr(nn_last_error(), want));
        assert_true(d.n_classes == 99 && d.y == NULL); /* untouched */
    }
    /* A label column beyond the row. */
    const char *p = write_file("labelcol.csv", "1,2\n");
    nn_csv_options o = nn_csv_defaults();
    o.label_column = 5;
    nn_dataset d;
    ts_assert_status(nn_load_csv(&d, p, &o), NN_EFORMAT);
    o.label_column = -2;
    ts_assert_status(nn_load_csv(&d, p, &o), NN_EINVAL);
    o = nn_csv_defaults();
    o.delimiter = '.';
    ts_assert_status(nn_load_csv(&d, p, &o), NN_EINVAL);
    ts_assert_status(nn_load_csv(&d, "/nonexistent/x.csv", NULL), NN_EIO);
    assert_non_null(strstr(nn_last_error(), "/nonexistent/x.csv"));
    ts_assert_status(nn_load_csv(NULL, p, NULL), NN_EINVAL);
    ts_assert_status(nn_load_csv(&d, NULL, NULL), NN_EINVAL);
    ts_assert_status(nn_load_csv(&d, dir, NULL), NN_EIO); /* a directory */
}

/* A file larger than the loader's first buffer, with long lines. */
static void test_csv_large(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/large.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    const size_t rows = 3000, cols = 40;
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < cols; j++)
            fprintf(f, "%zu.25,", i * cols + j);
        fprintf(f, "%zu\n", i % 4);
    }
    fclose(f);
    nn_dataset d;
    ts_ok(nn_load_csv(&d, path, NULL));
    assert_int_equal(d.x.rows, rows);
    assert_int_equal(d.x.cols, cols);
    assert_int_equal(d.n_classes, 4);
    assert_true(d.x.data[(rows - 1) * d.x.ld + cols - 1] == (double)(rows * cols - 1) + 0.25);
    assert_int_equal(d.y[rows - 1], (rows - 1) % 4);
    nn_dataset_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moons_shape_and_balance),
        cmocka_unit_test(test_moons_noise_free_geometry),
        cmocka_unit_test(test_moons_determinism_and_noise),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_split_stratified),
        cmocka_unit_test(test_split_errors),
        cmocka_unit_test(test_one_hot),
        cmocka_unit_test(test_scaler),
        cmocka_unit_test(test_csv_good),
        cmocka_unit_test(test_csv_malformed),
        cmocka_unit_test(test_csv_large),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
