/* Data: make_moons, splits, one-hot, scaler, and the CSV loader for every
 * task, with every malformed case it must report by file, line and field. */
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csv_internal.h"
#include "support.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    return ts_temp_dir(dir, sizeof dir, "data");
}

static int teardown(void **state)
{
    (void)state;
    return ts_remove_dir(dir);
}

/* Write len bytes of content to dir/name and return the path (static
 * buffer). */
static const char *write_bytes(const char *name, const char *content, size_t len)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    fclose(f);
    return path;
}

static const char *write_file(const char *name, const char *content)
{
    return write_bytes(name, content, strlen(content));
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
    /* Memory follows the rows, not n_classes: 4 rows of a 2^28-class set. */
    double x4[4] = {1, 2, 3, 4};
    int32_t y4[4] = {0, 268435455, 0, 268435455};
    nn_dataset big = {.x = nn_mat_view(x4, 4, 1, 1), .y = y4, .n_classes = 268435456};
    ts_ok(nn_train_test_split_stratified(&big, 0.5, 3, &tr, &te));
    assert_int_equal(te.x.rows, 2);
    assert_true(te.y[0] != te.y[1]); /* one row of each class on each side */
    nn_dataset_free(&tr);
    nn_dataset_free(&te);
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

/* The defaults with a header line. */
static nn_csv_options csv_header(void)
{
    nn_csv_options o = nn_csv_defaults();
    o.has_header = true;
    return o;
}

/* Options for task with n_targets target columns ending the row. */
static nn_csv_options csv_task(nn_task task, size_t n_targets)
{
    nn_csv_options o = nn_csv_defaults();
    o.task = task;
    o.n_targets = n_targets;
    return o;
}

/* Assert that row i of m holds the values want[0..m.cols). */
static void assert_row(nn_mat m, size_t i, const double *want)
{
    for (size_t j = 0; j < m.cols; j++)
        if (m.data[i * m.ld + j] != want[j]) {
            print_error("row %zu col %zu: %g, want %g\n", i, j, m.data[i * m.ld + j], want[j]);
            fail();
        }
}

static void test_csv_good(void **state)
{
    (void)state;
    nn_dataset d;
    const char *p = write_file("good.csv", "a,b,label\n1.5,-2,0\n3e2, 4 ,2\r\n\n  \n5,6,1");
    nn_csv_options o = csv_header();
    ts_ok(nn_load_csv(&d, p, &o));
    assert_int_equal(d.x.rows, 3);
    assert_int_equal(d.x.cols, 2);
    assert_int_equal(d.n_classes, 3);
    assert_true(d.x.data[0] == 1.5 && d.x.data[1] == -2.0);
    assert_true(d.x.data[2] == 300.0 && d.x.data[3] == 4.0);
    assert_int_equal(d.y[1], 2);
    assert_int_equal(d.y[2], 1);
    assert_null(d.t.data);
    assert_null(d.class_names);
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
    /* A label column in the middle; a tab delimiter with blanks around fields;
     * a quoted number is a number. */
    p = write_file("mid.csv", "1\t2\t3\n4\t 0\t\"6\"\n");
    o = nn_csv_defaults();
    o.label_column = 1;
    o.delimiter = '\t';
    ts_ok(nn_load_csv(&d, p, &o));
    assert_int_equal(d.n_classes, 3);
    assert_int_equal(d.y[0], 2);
    assert_int_equal(d.y[1], 0);
    assert_row(d.x, 0, (const double[]){1, 3});
    assert_row(d.x, 1, (const double[]){4, 6});
    nn_dataset_free(&d);
}

/* Assert that d's class names are want[0..n) and its labels are y[]. */
static void assert_classes(const nn_dataset *d, const char *const *want, size_t n,
                           const int32_t *y)
{
    assert_int_equal(d->n_classes, n);
    assert_non_null(d->class_names);
    for (size_t k = 0; k < n; k++)
        assert_string_equal(d->class_names[k], want[k]);
    for (size_t i = 0; i < d->x.rows; i++)
        assert_int_equal(d->y[i], y[i]);
    assert_null(d->t.data);
}

static void test_csv_string_labels(void **state)
{
    (void)state;
    nn_dataset d;
    /* An iris-like file: quoted header fields (one with the delimiter in it),
     * blanks and quotes around labels, CRLF. */
    const char *p = write_file("iris.csv",
                               "\"sepal, length\",\"sepal width\",species\r\n"
                               "5.1,3.5,Iris-setosa\r\n"
                               "7.0,3.2,Iris-versicolor\r\n"
                               "6.3,3.3,Iris-virginica\r\n"
                               "4.9,3.0, Iris-setosa \r\n"
                               "\"6.4\", 3.2 ,\"Iris-versicolor\"\r\n"
                               "5.8,2.7,Iris-virginica\r\n");
    nn_csv_options o = csv_header();
    ts_ok(nn_load_csv(&d, p, &o));
    assert_int_equal(d.x.rows, 6);
    assert_int_equal(d.x.cols, 2);
    assert_classes(&d, (const char *const[]){"Iris-setosa", "Iris-versicolor", "Iris-virginica"},
                   3, (const int32_t[]){0, 1, 2, 0, 1, 2});
    assert_row(d.x, 0, (const double[]){5.1, 3.5});
    assert_row(d.x, 4, (const double[]){6.4, 3.2});
    nn_dataset_free(&d);
    assert_null(d.class_names);
    /* Labels first, ';' delimiter: a quoted field holding the delimiter is one
     * field, "" is an escaped quote, and blanks inside quotes are kept. */
    p = write_file("quoted.csv", "\"b;x\";1;2\na;3;4\n\"say \"\"hi\"\"\";5;6\nb ;7;8\n\" b\";9;0\n");
    o = nn_csv_defaults();
    o.label_column = 0;
    o.delimiter = ';';
    ts_ok(nn_load_csv(&d, p, &o));
    assert_classes(&d, (const char *const[]){" b", "a", "b", "b;x", "say \"hi\""}, 5,
                   (const int32_t[]){3, 1, 4, 2, 0});
    assert_row(d.x, 2, (const double[]){5, 6});
    nn_dataset_free(&d);
    /* One string makes the whole column strings, numbers included, in strcmp
     * order ("10" < "3.0" < "9" < "x"). */
    p = write_file("mixed.csv", "1,10\n2,9\n3,x\n4,10\n5,3.0\n");
    ts_ok(nn_load_csv(&d, p, NULL));
    assert_classes(&d, (const char *const[]){"10", "3.0", "9", "x"}, 4,
                   (const int32_t[]){0, 2, 3, 0, 1});
    nn_dataset_free(&d);
    /* A single class loads: whether one class is enough is the caller's call. */
    p = write_file("one.csv", "1,a\n2,a\n");
    ts_ok(nn_load_csv(&d, p, NULL));
    assert_classes(&d, (const char *const[]){"a"}, 1, (const int32_t[]){0, 0});
    nn_dataset_free(&d);
}

/* Many distinct strings, seen in scrambled order: the class table grows
 * several times and every row still gets its string's rank. */
static void test_csv_many_classes(void **state)
{
    (void)state;
    const size_t n_classes = 1000, rows = 3000;
    size_t len = rows * 16, at = 0;
    char *text = malloc(len);
    assert_non_null(text);
    for (size_t i = 0; i < rows; i++)
        at += (size_t)snprintf(text + at, len - at, "%zu,c%04zu\n", i, (i * 337) % n_classes);
    const char *p = write_file("many.csv", text);
    free(text);
    nn_dataset d;
    ts_ok(nn_load_csv(&d, p, NULL));
    assert_int_equal(d.n_classes, n_classes);
    for (size_t k = 0; k < n_classes; k++) {
        char want[16];
        snprintf(want, sizeof want, "c%04zu", k);
        assert_string_equal(d.class_names[k], want);
    }
    for (size_t i = 0; i < rows; i++) {
        assert_int_equal(d.y[i], (i * 337) % n_classes);
        assert_true(d.x.data[i] == (double)i);
    }
    nn_dataset_free(&d);
}

/* Assert the shape of a data set with targets: rows x n_features features,
 * rows x n_targets targets, n_classes = n_targets, no labels, no names. */
static void assert_targets(const nn_dataset *d, size_t rows, size_t n_features, size_t n_targets)
{
    assert_int_equal(d->x.rows, rows);
    assert_int_equal(d->x.cols, n_features);
    assert_non_null(d->t.data);
    assert_int_equal(d->t.rows, rows);
    assert_int_equal(d->t.cols, n_targets);
    assert_int_equal(d->n_classes, n_targets);
    assert_null(d->y);
    assert_null(d->class_names);
}

static void test_csv_multilabel(void **state)
{
    (void)state;
    nn_dataset d;
    /* label_column -1: the last n_targets columns; "1.0" is 1. */
    const char *p = write_file("ml.csv", "a,b,l1,l2,l3\n0.5,1,1,0,1\n-1,2,0,0,0\n3,4,1.0,1,0\n");
    nn_csv_options o = csv_task(NN_TASK_MULTILABEL, 3);
    o.has_header = true;
    ts_ok(nn_load_csv(&d, p, &o));
    assert_targets(&d, 3, 2, 3);
    assert_row(d.x, 1, (const double[]){-1, 2});
    assert_row(d.t, 0, (const double[]){1, 0, 1});
    assert_row(d.t, 2, (const double[]){1, 1, 0});
    nn_dataset_free(&d);
    assert_null(d.t.data);
    /* Targets first, and targets in the middle of the row. */
    p = write_file("ml0.csv", "1,0,5,6\n0,1,7,8\n");
    o = csv_task(NN_TASK_MULTILABEL, 2);
    o.label_column = 0;
    ts_ok(nn_load_csv(&d, p, &o));
    assert_targets(&d, 2, 2, 2);
    assert_row(d.t, 0, (const double[]){1, 0});
    assert_row(d.t, 1, (const double[]){0, 1});
    assert_row(d.x, 1, (const double[]){7, 8});
    nn_dataset_free(&d);
    p = write_file("ml1.csv", "5,1,0,6\n7,0,1,8\n");
    o.label_column = 1;
    ts_ok(nn_load_csv(&d, p, &o));
    assert_targets(&d, 2, 2, 2);
    assert_row(d.x, 0, (const double[]){5, 6});
    assert_row(d.x, 1, (const double[]){7, 8});
    assert_row(d.t, 1, (const double[]){0, 1});
    nn_dataset_free(&d);
}

static void test_csv_regress(void **state)
{
    (void)state;
    nn_dataset d;
    const char *p = write_file("reg.csv", "1,2,3.5,-4\n5,6,7e1,0.25\n");
    nn_csv_options o = csv_task(NN_TASK_REGRESS, 2);
    ts_ok(nn_load_csv(&d, p, &o));
    assert_targets(&d, 2, 2, 2);
    assert_row(d.x, 1, (const double[]){5, 6});
    assert_row(d.t, 0, (const double[]){3.5, -4});
    assert_row(d.t, 1, (const double[]){70, 0.25});
    nn_dataset_free(&d);
    /* n_targets 0 means 1; the target first, after a header. */
    p = write_file("reg1.csv", "y,a,b\n-0.5,1,2\n");
    o = csv_task(NN_TASK_REGRESS, 0);
    o.label_column = 0;
    o.has_header = true;
    ts_ok(nn_load_csv(&d, p, &o));
    assert_targets(&d, 1, 2, 1);
    assert_true(d.t.data[0] == -0.5);
    assert_row(d.x, 0, (const double[]){1, 2});
    nn_dataset_free(&d);
}

/* ignore_column skips a column of any text (row ids); label_column counts it. */
static void test_csv_ignore_column(void **state)
{
    (void)state;
    nn_dataset d;
    const char *p = write_file("ids.csv", "id,a,b,y\nrow-7,1,2,cat\n\"x,9\",3,4,dog\n");
    nn_csv_options o = csv_header();
    o.ignore_column = 1;
    ts_ok(nn_load_csv(&d, p, &o));
    assert_int_equal(d.x.cols, 2);
    assert_row(d.x, 1, (const double[]){3, 4});
    assert_string_equal(d.class_names[d.y[1]], "dog");
    nn_dataset_free(&d);
    o.label_column = 2; /* column b (0-based 2, counting the id column) */
    o.task = NN_TASK_REGRESS;
    ts_ok(nn_load_csv(&d, write_file("ids1.csv", "id,a,b,c\nr1,1,2,3\nr2,3,4,5\n"), &o));
    assert_true(d.t.data[1] == 4.0);
    assert_row(d.x, 1, (const double[]){3, 5});
    nn_dataset_free(&d);
    o = csv_header();
    o.no_labels = true;
    o.ignore_column = 4;
    ts_ok(nn_load_csv(&d, write_file("ids2.csv", "a,b,c,id\n1,2,3,x\n"), &o));
    assert_int_equal(d.x.cols, 3);
    nn_dataset_free(&d);
    /* Out of range, a label column, or nothing left to learn from. */
    nn_dataset keep = {.n_classes = 77};
    d = keep;
    o = csv_header();
    o.ignore_column = 5;
    ts_assert_status(nn_load_csv(&d, p, &o), NN_EFORMAT);
    assert_non_null(strstr(nn_last_error(), "ignore_column 5 is out of range"));
    o.ignore_column = 4;
    ts_assert_status(nn_load_csv(&d, p, &o), NN_EFORMAT);
    assert_non_null(strstr(nn_last_error(), "also a label column"));
    o.ignore_column = 1;
    ts_assert_status(nn_load_csv(&d, write_file("ids3.csv", "id,y\nq,1\n"), &o), NN_EFORMAT);
    assert_int_equal(d.n_classes, 77);
}

static void test_csv_no_labels(void **state)
{
    (void)state;
    nn_dataset d;
    const char *p = write_file("feat.csv", "a,b,c\n1,2,3\n4,5,6\n");
    nn_csv_options o = csv_header();
    o.no_labels = true;
    ts_ok(nn_load_csv(&d, p, &o));
    assert_int_equal(d.x.rows, 2);
    assert_int_equal(d.x.cols, 3);
    assert_int_equal(d.n_classes, 0);
    assert_null(d.y);
    assert_null(d.t.data);
    assert_null(d.class_names);
    assert_row(d.x, 1, (const double[]){4, 5, 6});
    nn_dataset_free(&d);
    /* One column is enough, and the target options are ignored. */
    p = write_file("feat1.csv", "7\n8\n");
    o = csv_task(NN_TASK_MULTILABEL, 2);
    o.no_labels = true;
    ts_ok(nn_load_csv(&d, p, &o));
    assert_int_equal(d.x.cols, 1);
    assert_null(d.t.data);
    assert_true(d.x.data[1] == 8.0);
    nn_dataset_free(&d);
}

/* Every number loads as the double strtod gives for its text, bit for bit
 * (the loader has a faster path for short decimals): random values in many
 * formats, plus edge cases on both sides of that path's limits. */
static void test_csv_numbers_exact(void **state)
{
    (void)state;
    static const char *const fixed[] = {
        "0", "-0", "+0.0", "1.", ".5", "-.5", "007", "0.1", "0.3", "1e22", "1e23", "-1e-22",
        "1e-23", "9007199254740992", "9007199254740993", "123456789012345678", "4.9e-324",
        "2.2250738585072014e-308", "1.7976931348623157e308", "1e-400", "0.000001234",
        "1E5", "1e+05", "123.456e-3", "0.1e1", "100000000000000000000000e-20",
        "3.141592653589793238462643383279"};
    static const char *const formats[] = {"%.17g", "%.6f", "%.3e", "%.15g", "%.0f", "%g"};
    const size_t n_fixed = sizeof fixed / sizeof fixed[0], n_random = 6000;
    size_t rows = n_fixed + n_random, cap = rows * 40, at = 0;
    char *text = malloc(cap);
    char(*num)[40] = malloc(rows * sizeof *num);
    assert_true(text && num);
    nn__rng r;
    nn__rng_seed(&r, 7);
    for (size_t i = 0; i < rows; i++) {
        if (i < n_fixed) {
            snprintf(num[i], sizeof num[i], "%s", fixed[i]);
        } else {
            double mag = pow(10.0, (double)nn__rng_below(&r, 40) - 20.0);
            double v = (nn__rng_uniform(&r) - 0.5) * mag;
            snprintf(num[i], sizeof num[i], formats[i % 6], v);
        }
        at += (size_t)snprintf(text + at, cap - at, "%s\n", num[i]);
    }
    const char *p = write_file("numbers.csv", text);
    nn_csv_options o = nn_csv_defaults();
    o.no_labels = true;
    nn_dataset d;
    ts_ok(nn_load_csv(&d, p, &o));
    assert_int_equal(d.x.rows, rows);
    for (size_t i = 0; i < rows; i++) {
        double want = strtod(num[i], NULL);
        if (memcmp(&d.x.data[i], &want, sizeof want) != 0) {
            print_error("'%s' loaded as %.17g, strtod gives %.17g\n", num[i], d.x.data[i], want);
            fail();
        }
    }
    nn_dataset_free(&d);
    free(num);
    free(text);
}

/* Which options a malformed case is read with. */
typedef enum csv_kind { K_DEFAULT, K_HEADER, K_MULTI2, K_REGRESS2, K_NO_LABELS } csv_kind;

static nn_csv_options csv_kind_options(csv_kind k)
{
    switch (k) {
    case K_HEADER:
        return csv_header();
    case K_MULTI2:
        return csv_task(NN_TASK_MULTILABEL, 2);
    case K_REGRESS2:
        return csv_task(NN_TASK_REGRESS, 2);
    case K_NO_LABELS: {
        nn_csv_options o = nn_csv_defaults();
        o.no_labels = true;
        return o;
    }
    default:
        return nn_csv_defaults();
    }
}

/* Load content (len bytes, or strlen when 0) with o and assert status want,
 * a message that starts with exactly "path:where: reason", and an untouched
 * *out. */
static void expect_csv_error(size_t i, const char *content, size_t len, nn_csv_options o,
                             nn_status want, const char *where, const char *reason)
{
    char name[32], prefix[256];
    snprintf(name, sizeof name, "bad%zu.csv", i);
    const char *p = write_bytes(name, content, len ? len : strlen(content));
    nn_dataset d = {.x = {0}, .y = NULL, .n_classes = 99};
    nn_status s = nn_load_csv(&d, p, &o);
    if (s != want)
        print_error("case %zu: status %d (%s)\n", i, (int)s, nn_last_error());
    ts_assert_status(s, want);
    snprintf(prefix, sizeof prefix, "%s:%s: %s", p, where, reason);
    if (strncmp(nn_last_error(), prefix, strlen(prefix)) != 0) {
        print_error("case %zu: '%s'\n   does not start with '%s'\n", i, nn_last_error(), prefix);
        fail();
    }
    assert_true(d.n_classes == 99 && d.y == NULL && d.x.data == NULL); /* untouched */
}

typedef struct bad_csv {
    const char *content;
    size_t len; /* 0: strlen(content) */
    csv_kind kind;
    const char *where, *reason;
} bad_csv;

static void test_csv_malformed(void **state)
{
    (void)state;
    const bad_csv cases[] = {
        {"", 0, K_DEFAULT, "1:1", "no data rows"},
        {"\n\n  \n", 0, K_DEFAULT, "3:1", "no data rows"},
        {"a,b\n", 0, K_HEADER, "1:1", "no data rows after the header"},
        {"1,2,0\n3,4\n", 0, K_DEFAULT, "2:3", "expected 3 fields, found 2"},
        {"1,2,0\n3,4,1,9\n", 0, K_DEFAULT, "2:4", "expected 3 fields, found 4"},
        {"1,2,0\n3,4,1,9,9,9\n", 0, K_DEFAULT, "2:4", "expected 3 fields, found 6"},
        {"1,2,0\n\"a,b\",2\n", 0, K_DEFAULT, "2:3", "expected 3 fields, found 2"},
        {"1,2,0\n3,x,1\n", 0, K_DEFAULT, "2:2", "expected a number, found 'x'"},
        {"1,2,0\n3,,1\n", 0, K_DEFAULT, "2:2", "expected a number, found an empty field"},
        {"1,2,0\n3, 4 5 ,1\n", 0, K_DEFAULT, "2:2", "expected a number, found '4 5'"},
        {"1,nan,0\n", 0, K_DEFAULT, "1:2", "expected a number, found 'nan'"},
        {"1,inf,0\n", 0, K_DEFAULT, "1:2", "expected a number, found 'inf'"},
        {"1,0x10,0\n", 0, K_DEFAULT, "1:2", "expected a number, found '0x10'"},
        {"1,1e999,0\n", 0, K_DEFAULT, "1:2", "expected a number, found '1e999'"},
        {"1,\"2,3\",0\n", 0, K_DEFAULT, "1:2", "expected a number, found '2,3'"},
        {"1,abcdefghijklmnopqrstuvwxyz,0\n", 0, K_DEFAULT, "1:2",
         "expected a number, found 'abcdefghijklmnopqrst...'"},
        {"1,\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
         "x\xc3\xa9\xc3\xa9,0\n",
         0, K_DEFAULT, "1:2",
         "expected a number, found '\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
         "\xc3\xa9\xc3\xa9x...'"}, /* cut at a character boundary */
        {"\n1,2,0\n\n3,x,1\n", 0, K_DEFAULT, "4:2", "expected a number"}, /* blank lines count */
        {"1,2,0\r\n3,x,1\r\n", 0, K_DEFAULT, "2:2", "expected a number, found 'x'"},
        {"a,b,c\n1,2,0\n3,x,1\n", 0, K_HEADER, "3:2", "expected a number"},
        {"1,2,0\n3,4,-1\n", 0, K_DEFAULT, "2:3",
         "a label must be an integer in [0, 65535], found '-1'"},
        {"1,2,0\n3,4,1.5\n5,6,1\n", 0, K_DEFAULT, "2:3",
         "a label must be an integer in [0, 65535], found '1.5'"},
        {"1,2,70000\n", 0, K_DEFAULT, "1:3", "a label must be an integer in [0, 65535]"},
        {"1,2,a\n3,4,\n", 0, K_DEFAULT, "2:3", "empty label"},
        {"1,2,\"\"\n", 0, K_DEFAULT, "1:3", "empty label"},
        {"1\n2\n", 0, K_DEFAULT, "1:1", "rows have 1 field, which leaves no feature column"},
        {"1,\"2,0\n", 0, K_DEFAULT, "1:2", "unterminated quoted field"},
        {"1,\"2\" x,0\n", 0, K_DEFAULT, "1:2", "unexpected text after the closing quote: 'x'"},
        {"1,2,0\n3,4,1\n5,\0,1\n", 18, K_DEFAULT, "3:2", "binary content (a NUL byte)"},
        {"\"a,\"\"b\",\0", 10, K_DEFAULT, "1:2", "binary content (a NUL byte)"},
        {"1,0,1\n2,2,0\n", 0, K_MULTI2, "2:2", "expected 0 or 1 (a multilabel target), found '2'"},
        {"1,0,0.5\n", 0, K_MULTI2, "1:3", "expected 0 or 1 (a multilabel target), found '0.5'"},
        {"1,y,1\n", 0, K_MULTI2, "1:2", "expected 0 or 1 (a multilabel target), found 'y'"},
        {"1,1,\n", 0, K_MULTI2, "1:3", "expected 0 or 1 (a multilabel target), found an empty"},
        {"1,2,x\n", 0, K_REGRESS2, "1:3", "expected a number (a regression target), found 'x'"},
        {"1,2,3\n4,inf,6\n", 0, K_REGRESS2, "2:2",
         "expected a number (a regression target), found 'inf'"},
        {"1,2\n3,a\n", 0, K_NO_LABELS, "2:2", "expected a number, found 'a'"},
        {"1,2\n3\n", 0, K_NO_LABELS, "2:2", "expected 2 fields, found 1"},
        {"1,2\n", 0, K_MULTI2, "1:1", "rows have 2 fields, which leaves no feature column"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_csv_error(i, cases[i].content, cases[i].len, csv_kind_options(cases[i].kind),
                         NN_EFORMAT, cases[i].where, cases[i].reason);
}

/* Options that are wrong for any file give NN_EINVAL before the file is read;
 * options that do not fit this file's rows give NN_EFORMAT at its first data
 * row. */
static void test_csv_bad_options(void **state)
{
    (void)state;
    const char *content = "h1,h2,h3\n1,2,3\n";
    nn_csv_options o = csv_header();
    o.label_column = 3;
    expect_csv_error(100, content, 0, o, NN_EFORMAT, "2:1",
                     "label_column 3 is out of range: rows have 3 fields");
    o = csv_task(NN_TASK_MULTILABEL, 3);
    o.has_header = true;
    expect_csv_error(101, content, 0, o, NN_EFORMAT, "2:1",
                     "rows have 3 fields, which leaves no feature column beside 3 label columns");
    o = csv_task(NN_TASK_REGRESS, 3);
    o.label_column = 1;
    o.has_header = true;
    expect_csv_error(102, content, 0, o, NN_EFORMAT, "2:1",
                     "label_column 1 + n_targets 3 is past the last field: rows have 3 fields");
    o = csv_task(NN_TASK_REGRESS, SIZE_MAX);
    o.label_column = 1;
    expect_csv_error(103, "1,2,3\n", 0, o, NN_EFORMAT, "1:1", "label_column 1 + n_targets");
    o.label_column = -1;
    expect_csv_error(104, "1,2,3\n", 0, o, NN_EFORMAT, "1:1", "rows have 3 fields");
    o = csv_task(NN_TASK_REGRESS, 2);
    o.label_column = 0;
    expect_csv_error(105, "1,2\n", 0, o, NN_EFORMAT, "1:1",
                     "rows have 2 fields, which leaves no feature column");

    const char *p = write_file("opts.csv", content);
    struct {
        nn_csv_options o;
        const char *text;
    } inval[] = {
        {nn_csv_defaults(), "nn_load_csv: label_column -2 is invalid"},
        {csv_task((nn_task)3, 1), "nn_load_csv: task 3 is not an nn_task"},
        {csv_task((nn_task)-1, 1), "nn_load_csv: task -1 is not an nn_task"},
        {csv_task(NN_TASK_CLASSIFY, 2), "nn_load_csv: n_targets 2 with the classify task"},
        {nn_csv_defaults(), "nn_load_csv: delimiter '.' is not usable"},
        {nn_csv_defaults(), "nn_load_csv: delimiter '\"' is not usable"},
        {nn_csv_defaults(), "nn_load_csv: delimiter '7' is not usable"},
        {nn_csv_defaults(), "nn_load_csv: delimiter 10 (a line end) is not usable"},
    };
    inval[0].o.label_column = -2;
    inval[4].o.delimiter = '.';
    inval[5].o.delimiter = '"';
    inval[6].o.delimiter = '7';
    inval[7].o.delimiter = '\n';
    for (size_t i = 0; i < sizeof inval / sizeof inval[0]; i++) {
        nn_dataset d = {.x = {0}, .y = NULL, .n_classes = 99};
        ts_assert_status(nn_load_csv(&d, p, &inval[i].o), NN_EINVAL);
        if (strncmp(nn_last_error(), inval[i].text, strlen(inval[i].text)) != 0) {
            print_error("option %zu: '%s' lacks '%s'\n", i, nn_last_error(), inval[i].text);
            fail();
        }
        assert_true(d.n_classes == 99 && d.x.data == NULL);
    }
    nn_dataset d;
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

/* ---- nn_dataset_match_classes -------------------------------------------- */

static void test_match_classes(void **state)
{
    (void)state;
    nn_dataset d;
    ts_ok(nn_load_csv(&d, write_file("m.csv", "1,b\n2,a\n3,b\n"), NULL));
    assert_int_equal(d.n_classes, 2); /* a = 0, b = 1: each file's own order */
    const char *names[] = {"c", "b", "a"};
    ts_ok(nn_dataset_match_classes(&d, names, 3));
    assert_int_equal(d.n_classes, 3);
    assert_int_equal(d.y[0], 1);
    assert_int_equal(d.y[1], 2);
    assert_int_equal(d.y[2], 1);
    for (size_t k = 0; k < 3; k++)
        assert_string_equal(d.class_names[k], names[k]);
    /* a shard without rows (rank >= rows) takes the names */
    nn_dataset empty;
    ts_ok(nn_dataset_shard(&d, 5, 6, &empty));
    const char *two[] = {"a", "b"};
    ts_ok(nn_dataset_match_classes(&empty, two, 2));
    assert_int_equal(empty.n_classes, 2);
    assert_string_equal(empty.class_names[1], "b");
    nn_dataset_free(&empty);
    /* a class no row has ("c" after a shard of rows 0 and 2) may be missing */
    nn_dataset shard;
    ts_ok(nn_dataset_shard(&d, 0, 2, &shard));
    ts_ok(nn_dataset_match_classes(&shard, (const char *const[]){"b"}, 1));
    assert_int_equal(shard.y[0], 0);
    assert_int_equal(shard.y[1], 0);
    nn_dataset_free(&shard);
    nn_dataset_free(&d);
}

static void test_match_classes_unknown(void **state)
{
    (void)state;
    nn_dataset d;
    ts_ok(nn_load_csv(&d, write_file("m.csv", "1,b\n2,\"\x1b[31mred\"\n"), NULL));
    const char *names[] = {"b"};
    int32_t y0 = d.y[0], y1 = d.y[1];
    assert_int_equal(nn_dataset_match_classes(&d, names, 1), NN_EINVAL);
    assert_non_null(strstr(nn_last_error(), "row 2 has the class '\x1b[31mred'"));
    /* unchanged */
    assert_int_equal(d.n_classes, 2);
    assert_int_equal(d.y[0], y0);
    assert_int_equal(d.y[1], y1);
    assert_string_equal(d.class_names[1], "b");
    /* bad arguments, and labels that are numbers */
    assert_int_equal(nn_dataset_match_classes(NULL, names, 1), NN_EINVAL);
    assert_int_equal(nn_dataset_match_classes(&d, NULL, 1), NN_EINVAL);
    assert_int_equal(nn_dataset_match_classes(&d, names, 0), NN_EINVAL);
    const char *null_name[] = {NULL};
    assert_int_equal(nn_dataset_match_classes(&d, null_name, 1), NN_EINVAL);
    nn_dataset_free(&d);
    ts_ok(nn_load_csv(&d, write_file("n.csv", "1,0\n2,1\n"), NULL));
    assert_int_equal(nn_dataset_match_classes(&d, names, 1), NN_EINVAL);
    assert_non_null(strstr(nn_last_error(), "numeric labels"));
    nn_dataset_free(&d);
}

/* ---- nn_csv_read_column -------------------------------------------------- */

static void test_csv_read_column(void **state)
{
    (void)state;
    char big[400];
    memset(big, 'x', 300);
    big[300] = '\0';
    char text[600];
    snprintf(text, sizeof text,
             "id,a,y\n\"q,\"\"1\"\" \",1,0\n\n  %s ,2,1\r\nplain,3,0\n", big);
    const char *path = write_file("ids.csv", text);
    nn_csv_options o = nn_csv_defaults();
    o.has_header = true;
    char **ids = NULL;
    size_t n = 0, w = 0;
    ts_ok(nn_csv_read_column(path, &o, 1, &ids, &n, &w));
    assert_int_equal(n, 3);
    assert_int_equal(w, 3);
    assert_string_equal(ids[0], "q,\"1\" "); /* quotes as nn_load_csv reads them */
    assert_string_equal(ids[1], big);        /* no length cut, blanks dropped */
    assert_string_equal(ids[2], "plain");
    nn_csv_column_free(ids, n);
    /* column 0: the counts only */
    ts_ok(nn_csv_read_column(path, &o, 0, NULL, &n, &w));
    assert_int_equal(n, 3);
    assert_int_equal(w, 3);
    /* a column beyond the rows, a ragged row, a quote error, NUL, no file */
    assert_int_equal(nn_csv_read_column(path, &o, 4, &ids, &n, &w), NN_EFORMAT);
    assert_int_equal(nn_csv_read_column(write_file("r.csv", "a,b\nc\n"), NULL, 1, &ids, &n, &w),
                     NN_EFORMAT);
    assert_non_null(strstr(nn_last_error(), "r.csv:2:2: expected 2 fields, found 1"));
    assert_int_equal(nn_csv_read_column(write_file("q.csv", "\"a,b\n"), NULL, 1, &ids, &n, &w),
                     NN_EFORMAT);
    assert_int_equal(nn_csv_read_column(write_bytes("z.csv", "a\0b\n", 4), NULL, 1, &ids, &n, &w),
                     NN_EFORMAT);
    assert_int_equal(nn_csv_read_column(write_file("e.csv", "\n"), NULL, 1, &ids, &n, &w),
                     NN_EFORMAT);
    assert_int_equal(nn_csv_read_column("/nonexistent/x.csv", NULL, 1, &ids, &n, &w), NN_EIO);
    assert_int_equal(nn_csv_read_column(path, &o, 1, NULL, &n, &w), NN_EINVAL);
    o.delimiter = '"';
    assert_int_equal(nn_csv_read_column(path, &o, 1, &ids, &n, &w), NN_EINVAL);
}

/* ---- hostile input ------------------------------------------------------------ */

/* n distinct 7-character labels whose unseeded 64-bit FNV-1a hashes agree in
 * their low 20 bits, so that they all fall in one slot of a table indexed
 * by the hash's low bits, as the loader's was: with such labels its probes
 * grew as n^2 / 2. FNV-1a's low k bits depend only on the low k bits of its
 * state, so it is a 20-bit problem: the set of states after 5 characters
 * from which two more characters reach the target is built backwards (the
 * prime is odd, so invertible), then 5-character prefixes are enumerated
 * until n land in it. Returns one buffer of n strings of 8 bytes. */
static char *fnv_colliding_labels(size_t n)
{
    const uint64_t prime = 1099511628211ull, mask = (1u << 20) - 1;
    uint64_t inv = prime; /* Newton: inv = prime^-1 mod 2^64 */
    for (int i = 0; i < 6; i++)
        inv *= 2 - prime * inv;
    static const char alpha[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const size_t A = sizeof alpha - 1;
    uint16_t *ends = calloc(mask + 1, sizeof *ends); /* state -> 1 + c6 * A + c7 */
    assert_non_null(ends);
    for (size_t c7 = 0; c7 < A; c7++)
        for (size_t c6 = 0; c6 < A; c6++) {
            uint64_t s6 = (unsigned char)alpha[c7]; /* the target: low bits 0 */
            uint64_t s5 = ((s6 * inv) ^ (unsigned char)alpha[c6]) & mask;
            ends[s5] = (uint16_t)(1 + c6 * A + c7);
        }
    char *out = malloc(8 * n);
    assert_non_null(out);
    size_t found = 0;
    for (uint64_t code = 0; found < n; code++) {
        char s[8];
        uint64_t h = 14695981039346656037ull, c = code;
        for (int i = 0; i < 5; i++, c /= A) {
            s[i] = alpha[c % A];
            h = (h ^ (unsigned char)s[i]) * prime;
        }
        assert_true(c == 0); /* 62^5 prefixes are more than enough */
        uint16_t e = ends[h & mask];
        if (!e)
            continue;
        s[5] = alpha[(e - 1) / A];
        s[6] = alpha[(e - 1) % A];
        s[7] = '\0';
        memcpy(out + 8 * found++, s, 8);
    }
    free(ends);
    return out;
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 14695981039346656037ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Labels crafted against FNV-1a cost the keyed hash nothing: the probes
 * stay a few per label (the old table took n^2 / 2 = 2e8 of them here),
 * and the loader numbers them as ever (by sorted name). */
static void test_csv_colliding_labels(void **state)
{
    (void)state;
    const size_t n = 20000;
    char *labels = fnv_colliding_labels(n);
    char **text = malloc(n * sizeof *text);
    assert_non_null(text);
    for (size_t i = 0; i < n; i++) {
        text[i] = labels + 8 * i;
        assert_true((fnv1a(text[i]) & 0xFFFFF) == (fnv1a(text[0]) & 0xFFFFF));
    }
    int32_t *y = malloc(n * sizeof *y);
    char **names = NULL;
    size_t n_names = 0, probes = 0;
    ts_ok(nn__csv_string_classes("labels", text, n, y, &names, &n_names, &probes));
    assert_int_equal(n_names, n); /* distinct */
    assert_true(probes < 8 * n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(names[y[i]], text[i]);
    for (size_t k = 0; k + 1 < n_names; k++)
        assert_true(strcmp(names[k], names[k + 1]) < 0);
    for (size_t k = 0; k < n_names; k++)
        free(names[k]);
    free(names);
    /* The same labels through nn_load_csv. */
    char path[128];
    snprintf(path, sizeof path, "%s/collide.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%zu,%s\n", i, text[i]);
    fclose(f);
    nn_dataset d;
    ts_ok(nn_load_csv(&d, path, NULL));
    assert_int_equal(d.n_classes, n);
    assert_string_equal(d.class_names[d.y[n - 1]], text[n - 1]);
    nn_dataset_free(&d);
    free(y);
    free(text);
    free(labels);
}

/* A first line of 20,000 fields then 20,000 short rows (80 KB): the loader
 * used to allocate and zero 20,000 x 20,000 doubles (3.2 GB) before it read
 * row 2; now the widths are checked first and the error names the line and
 * both widths at once. */
static void test_csv_wide_first_line(void **state)
{
    (void)state;
    const size_t w = 20000, rows = 20000;
    char *text = malloc(2 * w + 2 * rows + 1), *p = text;
    assert_non_null(text);
    for (size_t j = 0; j < w; j++) {
        *p++ = '1';
        *p++ = j + 1 < w ? ',' : '\n';
    }
    for (size_t i = 0; i < rows; i++) {
        *p++ = '1';
        *p++ = '\n';
    }
    expect_csv_error(900, text, (size_t)(p - text), nn_csv_defaults(), NN_EFORMAT, "2:2",
                     "expected 20000 fields, found 1");
    free(text);
}

/* What is not a file of bounded size: /dev/zero fails at its first chunk (a
 * NUL byte), a regular file larger than the budget before any reading (a
 * sparse one here), an endless FIFO once it has sent the budget. */
static void test_csv_budget(void **state)
{
    (void)state;
    nn_dataset d;
    ts_assert_status(nn_load_csv(&d, "/dev/zero", NULL), NN_EFORMAT);
    assert_non_null(strstr(nn_last_error(), "/dev/zero:1:1: binary content"));

    char path[128];
    snprintf(path, sizeof path, "%s/sparse.csv", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    size_t budget = nn__csv_budget();
    assert_int_equal(ftruncate(fd, (off_t)budget + 1), 0);
    close(fd);
    ts_assert_status(nn_load_csv(&d, path, NULL), NN_ENOMEM);
    assert_non_null(strstr(nn_last_error(), "the most a CSV file may have"));
    unlink(path);

    snprintf(path, sizeof path, "%s/endless", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* writes rows until the reader goes away */
        signal(SIGPIPE, SIG_DFL);
        int w = open(path, O_WRONLY);
        static const char row[] = "1,2,0\n3,4,1\n";
        while (w >= 0 && write(w, row, sizeof row - 1) > 0)
            ;
        _exit(0);
    }
    char *buf = NULL;
    size_t len = 0;
    nn_status s = nn__csv_read(path, (size_t)1 << 20, ',', &buf, &len);
    int status;
    waitpid(pid, &status, 0);
    ts_assert_status(s, NN_ENOMEM);
    assert_non_null(strstr(nn_last_error(), "sends more than 1048576 bytes"));
    assert_null(buf);
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
        cmocka_unit_test(test_csv_string_labels),
        cmocka_unit_test(test_csv_many_classes),
        cmocka_unit_test(test_csv_multilabel),
        cmocka_unit_test(test_csv_regress),
        cmocka_unit_test(test_csv_no_labels),
        cmocka_unit_test(test_csv_ignore_column),
        cmocka_unit_test(test_csv_numbers_exact),
        cmocka_unit_test(test_csv_malformed),
        cmocka_unit_test(test_csv_bad_options),
        cmocka_unit_test(test_csv_large),
        cmocka_unit_test(test_match_classes),
        cmocka_unit_test(test_match_classes_unknown),
        cmocka_unit_test(test_csv_read_column),
        cmocka_unit_test(test_csv_colliding_labels),
        cmocka_unit_test(test_csv_wide_first_line),
        cmocka_unit_test(test_csv_budget),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
