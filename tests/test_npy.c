/* NumPy .npy files: every dtype, byte order and format version as numpy
 * writes them (tests/data/npy/, made by make_npy.py with numpy), row
 * ranges, nn_save_npy's output against numpy's byte for byte, data sets,
 * and every malformed file refused with the file and the reason named and
 * the output untouched; files of every dtype over several of the reader's
 * 1 MiB chunks, whose boundaries fall inside a row, read element for
 * element, and labels over several of its blocks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

static char dir[64];
static char data_dir[512];

static int setup(void **state)
{
    (void)state;
    const char *d = getenv("NN_TEST_DATA");
    snprintf(data_dir, sizeof data_dir, "%s/npy", d ? d : "tests/data");
    return ts_temp_dir(dir, sizeof dir, "npy");
}

static int teardown(void **state)
{
    (void)state;
    return ts_remove_dir(dir);
}

/* base/name, in the next of 8 static buffers (so a few may be used at
 * once): data() for a committed file, tmp() for one in the test's folder. */
static const char *join(const char *base, const char *name)
{
    static char buf[8][600];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", base, name);
    return buf[k];
}

static const char *data(const char *name)
{
    return join(data_dir, name);
}

static const char *tmp(const char *name)
{
    return join(dir, name);
}

/* All of a file (for byte comparisons and for making broken copies). */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *b = malloc(1 << 16);
    assert_non_null(b);
    *len = fread(b, 1, 1 << 16, f);
    fclose(f);
    return b;
}

static void spit(const char *path, const void *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* A file made of a format 1.0 preamble and the header text h (padded as
 * numpy pads), then the n_data bytes at data, or zeros when data is NULL. */
static const char *with_data(const char *name, const char *h, const void *data, size_t n_data)
{
    unsigned char b[512];
    size_t hl = strlen(h), total = 10 + hl;
    size_t pad = (64 - (total + 1) % 64) % 64;
    assert_true(total + pad + 1 <= sizeof b);
    memcpy(b, "\x93NUMPY\x01\x00", 8);
    b[8] = (unsigned char)((hl + pad + 1) & 0xff);
    b[9] = (unsigned char)((hl + pad + 1) >> 8);
    memcpy(b + 10, h, hl);
    memset(b + total, ' ', pad);
    b[total + pad] = '\n';
    const char *p = tmp(name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, total + pad + 1, f), total + pad + 1);
    if (data)
        assert_int_equal(fwrite(data, 1, n_data, f), n_data);
    for (size_t i = 0; !data && i < n_data; i++)
        assert_int_equal(fputc(0, f), 0);
    assert_int_equal(fclose(f), 0);
    return p;
}

static const char *with_header(const char *name, const char *h, size_t n_data)
{
    return with_data(name, h, NULL, n_data);
}

static const double BASE[3][2] = {{0, 1}, {-2, 3}, {4, -5}};

static void expect_base(nn_mat m, double (*f)(double))
{
    assert_int_equal(m.rows, 3);
    assert_int_equal(m.cols, 2);
    assert_int_equal(m.ld, 2);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++)
            assert_true(m.data[i * 2 + j] == (f ? f(BASE[i][j]) : BASE[i][j]));
}

/* Every failure: the status, the file and the reason in the message, and
 * *out as it was. */
static void expect_fail(const char *path, nn_status want, const char *reason)
{
    double sentinel_data = 42;
    nn_mat out = {&sentinel_data, 7, 7, 7};
    nn_status s = nn_load_npy(&out, path);
    if (s != want || !strstr(nn_last_error(), path) || !strstr(nn_last_error(), reason))
        print_error("%s: status %d, message \"%s\"; wanted %d and \"%s\"\n", path, s,
                    nn_last_error(), want, reason);
    assert_int_equal(s, want);
    assert_non_null(strstr(nn_last_error(), path));
    assert_non_null(strstr(nn_last_error(), reason));
    assert_ptr_equal(out.data, &sentinel_data);
    assert_int_equal(out.rows, 7);
    assert_int_equal(out.cols, 7);
    assert_int_equal(out.ld, 7);
}

/* ---- files numpy wrote ----------------------------------------------------- */

static double absolute(double v)
{
    return v < 0 ? -v : v;
}

static double positive(double v)
{
    return v > 0;
}

static void test_every_dtype(void **state)
{
    (void)state;
    const char *names[] = {"le_f8.npy", "be_f8.npy", "le_f4.npy", "be_f4.npy", "le_i8.npy",
                           "be_i8.npy", "le_i4.npy", "be_i4.npy", "le_i2.npy", "be_i2.npy",
                           "le_i1.npy", "v1.npy",    "v2.npy",    "v3.npy"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        nn_mat m = {NULL, 0, 0, 0};
        nn_status s = nn_load_npy(&m, data(names[k]));
        if (s != NN_OK)
            print_error("%s: %s\n", names[k], nn_last_error());
        assert_int_equal(s, NN_OK);
        expect_base(m, NULL);
        nn_mat_free(&m);
    }
    nn_mat m;
    assert_int_equal(nn_load_npy(&m, data("u1.npy")), NN_OK);
    expect_base(m, absolute);
    nn_mat_free(&m);
    assert_int_equal(nn_load_npy(&m, data("b1.npy")), NN_OK);
    expect_base(m, positive);
    nn_mat_free(&m);
}

static void test_one_dimensional(void **state)
{
    (void)state;
    nn_mat m;
    assert_int_equal(nn_load_npy(&m, data("vec.npy")), NN_OK);
    assert_int_equal(m.rows, 5);
    assert_int_equal(m.cols, 1);
    for (int i = 0; i < 5; i++)
        assert_true(m.data[i] == i);
    nn_mat_free(&m);
}

/* ---- row ranges ------------------------------------------------------------ */

static void test_rows(void **state)
{
    (void)state;
    const char *p = data("be_i4.npy");
    for (size_t first = 0; first <= 3; first++)
        for (size_t n = 0; first + n <= 3; n++) {
            nn_mat m = {NULL, 9, 9, 9};
            assert_int_equal(nn_load_npy_rows(&m, p, first, n), NN_OK);
            assert_int_equal(m.rows, n);
            assert_int_equal(m.cols, 2);
            assert_int_equal(m.ld, 2);
            if (n == 0)
                assert_null(m.data);
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < 2; j++)
                    assert_true(m.data[i * 2 + j] == BASE[first + i][j]);
            nn_mat_free(&m);
        }
    /* Out of range: a clear error, the output untouched. */
    size_t bad[][2] = {{4, 0}, {3, 1}, {0, 4}, {2, 2}, {1, SIZE_MAX - 1}};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        double x = 1;
        nn_mat m = {&x, 1, 1, 1};
        assert_int_equal(nn_load_npy_rows(&m, p, bad[k][0], bad[k][1]), NN_EINVAL);
        assert_non_null(strstr(nn_last_error(), "out of range"));
        assert_non_null(strstr(nn_last_error(), p));
        assert_ptr_equal(m.data, &x);
    }
    double x = 1;
    nn_mat m = {&x, 1, 1, 1};
    assert_int_equal(nn_load_npy_rows(&m, p, 0, SIZE_MAX), NN_EINVAL);
    assert_ptr_equal(m.data, &x);
}

/* A range reads only its own rows: a NaN elsewhere is not seen. */
static void test_rows_read_only_their_bytes(void **state)
{
    (void)state;
    nn_mat m;
    assert_int_equal(nn_load_npy_rows(&m, data("nan.npy"), 0, 1), NN_OK);
    assert_true(m.data[0] == 1 && m.data[1] == 2);
    nn_mat_free(&m);
    expect_fail(data("nan.npy"), NN_ENUMERIC, "row 1, column 1");
}

/* ---- saving ---------------------------------------------------------------- */

static void test_save_matches_numpy(void **state)
{
    (void)state;
    double v[6] = {0, 1, -2, 3, 4, -5};
    const char *p = tmp("saved.npy");
    assert_int_equal(nn_save_npy(p, nn_mat_view(v, 3, 2, 2)), NN_OK);
    size_t na, nb;
    unsigned char *a = slurp(p, &na), *b = slurp(data("save_ref.npy"), &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    free(a);
    free(b);
}

static void test_save_round_trip(void **state)
{
    (void)state;
    /* A 5 x 3 view of a 5 x 4 block: only the 3 columns are written. */
    double v[20];
    for (int i = 0; i < 20; i++)
        v[i] = (i % 4 == 3) ? 1e300 : (i - 7) * 0.1 + 1e-17 * i;
    const char *p = tmp("view.npy");
    assert_int_equal(nn_save_npy(p, nn_mat_view(v, 5, 3, 4)), NN_OK);
    nn_mat m;
    assert_int_equal(nn_load_npy(&m, p), NN_OK);
    assert_int_equal(m.rows, 5);
    assert_int_equal(m.cols, 3);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 3; j++)
            assert_true(m.data[i * 3 + j] == v[i * 4 + j]);
    nn_mat_free(&m);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_size, 128 + 5 * 3 * 8);
    /* A big one, over the writer's chunk. */
    nn_mat big;
    assert_int_equal(nn_mat_alloc(&big, 3001, 7), NN_OK);
    for (size_t i = 0; i < 3001 * 7; i++)
        big.data[i] = (double)i / 3.0;
    assert_int_equal(nn_save_npy(p, big), NN_OK);
    assert_int_equal(nn_load_npy_rows(&m, p, 2999, 2), NN_OK);
    assert_memory_equal(m.data, big.data + 2999 * 7, 14 * sizeof(double));
    nn_mat_free(&m);
    assert_int_equal(nn_load_npy(&m, p), NN_OK);
    assert_memory_equal(m.data, big.data, 3001 * 7 * sizeof(double));
    nn_mat_free(&m);
    nn_mat_free(&big);
}

static void test_save_refuses(void **state)
{
    (void)state;
    double v[4] = {1, 2, 3, 4};
    const char *p = tmp("keep.npy");
    assert_int_equal(nn_save_npy(p, nn_mat_view(v, 2, 2, 2)), NN_OK);
    assert_int_equal(nn_save_npy(NULL, nn_mat_view(v, 2, 2, 2)), NN_EINVAL);
    assert_int_equal(nn_save_npy("", nn_mat_view(v, 2, 2, 2)), NN_EINVAL);
    assert_int_equal(nn_save_npy(p, nn_mat_view(NULL, 2, 2, 2)), NN_EINVAL);
    assert_int_equal(nn_save_npy(p, nn_mat_view(v, 2, 2, 1)), NN_EINVAL);
    v[3] = 0.0 / 0.0;
    assert_int_equal(nn_save_npy(p, nn_mat_view(v, 2, 2, 2)), NN_ENUMERIC);
    assert_non_null(strstr(nn_last_error(), "m[1, 1] is NaN"));
    assert_int_equal(nn_save_npy(tmp("no/such/dir.npy"), nn_mat_view(v, 1, 2, 2)), NN_EIO);
    /* The old file is intact. */
    nn_mat m;
    assert_int_equal(nn_load_npy(&m, p), NN_OK);
    assert_true(m.data[3] == 4);
    nn_mat_free(&m);
}

/* ---- malformed files ----------------------------------------------------- */

static void test_malformed(void **state)
{
    (void)state;
    size_t n;
    unsigned char *b = slurp(data("le_f8.npy"), &n);
    assert_int_equal(n, 128 + 48);
    unsigned char c[512];

    memcpy(c, b, n);
    c[1] = 'X';
    spit(tmp("magic.npy"), c, n);
    expect_fail(tmp("magic.npy"), NN_EFORMAT, "magic");
    spit(tmp("short.npy"), b, 5);
    expect_fail(tmp("short.npy"), NN_EFORMAT, "too short");

    memcpy(c, b, n);
    c[6] = 4;
    spit(tmp("ver.npy"), c, n);
    expect_fail(tmp("ver.npy"), NN_EFORMAT, "version 4.0");
    c[6] = 1, c[7] = 1;
    spit(tmp("ver.npy"), c, n);
    expect_fail(tmp("ver.npy"), NN_EFORMAT, "version 1.1");

    /* Format 2.0 with a header length over the limit. */
    memcpy(c, "\x93NUMPY\x02\x00\x01\x00\x01\x00", 12);
    memset(c + 12, ' ', 100);
    spit(tmp("long.npy"), c, 112);
    expect_fail(tmp("long.npy"), NN_EFORMAT, "header of 65537 bytes is over the limit");

    spit(tmp("trunc_h.npy"), b, 60);
    expect_fail(tmp("trunc_h.npy"), NN_EFORMAT, "header is truncated");
    spit(tmp("trunc_d.npy"), b, n - 3);
    expect_fail(tmp("trunc_d.npy"), NN_EFORMAT,
                "truncated data: shape 3 x 2 of '<f8' is 48 "
                "data bytes, the file has 45");
    memcpy(c, b, n);
    memset(c + n, 0, 8);
    spit(tmp("trail.npy"), c, n + 8);
    expect_fail(tmp("trail.npy"), NN_EFORMAT,
                "trailing bytes: shape 3 x 2 of '<f8' is 48 "
                "data bytes, the file has 56");
    free(b);

    expect_fail(with_header("nokey.npy", "{'descr': '<f8', 'shape': (3, 2), }", 48), NN_EFORMAT,
                "lacks the key 'fortran_order'");
    expect_fail(with_header("unk.npy", "{'descr': '<f8', 'x': 1, }", 48), NN_EFORMAT,
                "unknown key 'x'");
    expect_fail(with_header("dup.npy", "{'shape': (1,), 'shape': (1,)}", 8), NN_EFORMAT,
                "repeated key 'shape'");
    expect_fail(with_header("notdict.npy", "[1, 2]", 8), NN_EFORMAT, "not a dict");
    expect_fail(with_header("badshape.npy",
                            "{'descr': '<f8', 'fortran_order': False, 'shape': (3, x), }", 48),
                NN_EFORMAT, "'shape' is not a tuple of sizes");
    expect_fail(
        with_header("after.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} x", 8),
        NN_EFORMAT, "text after");
    expect_fail(with_header("half.npy",
                            "{'descr': '<f2', 'fortran_order': False, "
                            "'shape': (1,)}",
                            2),
                NN_EFORMAT, "dtype is not supported (f8 f4 i8 i4 i2 i1 u1 b1 are) (dtype '<f2')");
    expect_fail(with_header("struct.npy",
                            "{'descr': [('a', '<f8')], 'fortran_order': False, "
                            "'shape': (1,)}",
                            8),
                NN_EFORMAT, "structured dtypes");
    expect_fail(with_header("nocols.npy",
                            "{'descr': '<f8', 'fortran_order': False, "
                            "'shape': (3, 0)}",
                            0),
                NN_EFORMAT, "no columns");
    expect_fail(with_header("huge.npy",
                            "{'descr': '<f8', 'fortran_order': False, "
                            "'shape': (4294967296, 1)}",
                            8),
                NN_EFORMAT, "over the limit of 2147483647 rows and columns");
    expect_fail(with_header("ovf.npy",
                            "{'descr': '<f8', 'fortran_order': False, "
                            "'shape': (99999999999999999999999, 1)}",
                            8),
                NN_EFORMAT, "'shape' is not a tuple of sizes");
    /* Spaces, double quotes, no trailing comma, keys in any order, 'L'. */
    const char *ok = with_header("odd.npy",
                                 "{ \"shape\" : ( 2L , ) ,'fortran_order':False,"
                                 "'descr':'>i2'}",
                                 4);
    nn_mat m;
    assert_int_equal(nn_load_npy(&m, ok), NN_OK);
    assert_int_equal(m.rows, 2);
    assert_int_equal(m.cols, 1);
    nn_mat_free(&m);
    /* '<u1', the other spelling of an unsigned byte. */
    ok = with_header("lt_u1.npy", "{'descr': '<u1', 'fortran_order': False, 'shape': (2,)}", 2);
    assert_int_equal(nn_load_npy(&m, ok), NN_OK);
    assert_true(m.rows == 2 && m.cols == 1 && m.data[0] == 0);
    nn_mat_free(&m);
    /* 0 rows: the empty matrix. */
    ok = with_header("empty.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4)}", 0);
    assert_int_equal(nn_load_npy(&m, ok), NN_OK);
    assert_null(m.data);
    assert_int_equal(m.rows, 0);
    assert_int_equal(m.cols, 4);
    nn_mat_free(&m);

    expect_fail(data("fortran.npy"), NN_EFORMAT, "Fortran order is not supported");
    expect_fail(data("object.npy"), NN_EFORMAT, "object arrays are not supported");
    expect_fail(data("str.npy"), NN_EFORMAT, "string arrays are not supported");
    expect_fail(data("complex.npy"), NN_EFORMAT, "complex numbers are not supported");
    expect_fail(data("d3.npy"), NN_EFORMAT, "a 3-D array is not supported");
    expect_fail(data("d0.npy"), NN_EFORMAT, "a 0-D array is not supported");
    expect_fail(data("nan.npy"), NN_ENUMERIC, "row 1, column 1 (0-based) is NaN");
    expect_fail(data("big_i8.npy"), NN_ENUMERIC,
                "row 1, column 0 (0-based) is 9007199254740993, "
                "beyond 2^53");
    expect_fail(tmp("missing.npy"), NN_EIO, "cannot open");
    expect_fail(dir, NN_EIO, "not a regular file");
    nn_mat out = {NULL, 0, 0, 0};
    assert_int_equal(nn_load_npy(NULL, data("v1.npy")), NN_EINVAL);
    assert_int_equal(nn_load_npy(&out, NULL), NN_EINVAL);
    assert_null(out.data);
}

/* ---- data sets ------------------------------------------------------------- */

static void test_dataset(void **state)
{
    (void)state;
    nn_dataset d;
    assert_int_equal(
        nn_load_npy_dataset(&d, data("le_f4.npy"), data("labels.npy"), NN_TASK_CLASSIFY), NN_OK);
    expect_base(d.x, NULL);
    assert_int_equal(d.n_classes, 3);
    assert_int_equal(d.y[0], 0);
    assert_int_equal(d.y[1], 2);
    assert_int_equal(d.y[2], 1);
    assert_null(d.t.data);
    assert_null(d.class_names);
    nn_dataset_free(&d);

    assert_int_equal(
        nn_load_npy_dataset(&d, data("be_i2.npy"), data("multi.npy"), NN_TASK_MULTILABEL), NN_OK);
    assert_null(d.y);
    assert_int_equal(d.n_classes, 2);
    assert_int_equal(d.t.rows, 3);
    assert_true(d.t.data[1] == 1 && d.t.data[2] == 1 && d.t.data[5] == 0);
    nn_dataset_free(&d);

    assert_int_equal(
        nn_load_npy_dataset(&d, data("le_i8.npy"), data("labels_f.npy"), NN_TASK_REGRESS), NN_OK);
    assert_int_equal(d.n_classes, 1);
    assert_true(d.t.data[2] == 0.5);
    nn_dataset_free(&d);

    /* A single class still gives n_classes 2, as nn_load_csv. */
    double z[3] = {0, 0, 0};
    assert_int_equal(nn_save_npy(tmp("zeros.npy"), nn_mat_view(z, 3, 1, 1)), NN_OK);
    assert_int_equal(nn_load_npy_dataset(&d, data("v2.npy"), tmp("zeros.npy"), NN_TASK_CLASSIFY),
                     NN_OK);
    assert_int_equal(d.n_classes, 2);
    nn_dataset_free(&d);
}

static void expect_dataset_fail(const char *x, const char *y, nn_task task, nn_status want,
                                const char *file, const char *reason)
{
    nn_dataset d;
    memset(&d, 0x5a, sizeof d);
    nn_dataset before = d;
    nn_status s = nn_load_npy_dataset(&d, x, y, task);
    if (s != want || !strstr(nn_last_error(), reason))
        print_error("status %d, message \"%s\"\n", s, nn_last_error());
    assert_int_equal(s, want);
    assert_non_null(strstr(nn_last_error(), file));
    assert_non_null(strstr(nn_last_error(), reason));
    assert_memory_equal(&d, &before, sizeof d);
}

static void test_dataset_refuses(void **state)
{
    (void)state;
    char msg[1400];
    snprintf(msg, sizeof msg, "%s has 3 rows but %s has 4", data("v1.npy"), data("labels4.npy"));
    expect_dataset_fail(data("v1.npy"), data("labels4.npy"), NN_TASK_CLASSIFY, NN_ESHAPE,
                        "nn_load_npy_dataset", msg);
    expect_dataset_fail(data("v1.npy"), data("labels_f.npy"), NN_TASK_CLASSIFY, NN_EFORMAT,
                        data("labels_f.npy"),
                        "row 2 (0-based): a label must be an integer in [0, 65535], found 0.5");
    expect_dataset_fail(data("v1.npy"), data("le_i4.npy"), NN_TASK_CLASSIFY, NN_EFORMAT,
                        data("le_i4.npy"), "labels must be 1-D or n x 1, found 3 x 2");
    expect_dataset_fail(data("v1.npy"), data("vec.npy"), NN_TASK_CLASSIFY, NN_ESHAPE,
                        data("vec.npy"), "has 5");
    expect_dataset_fail(data("v1.npy"), data("labels_f.npy"), NN_TASK_MULTILABEL, NN_EFORMAT,
                        data("labels_f.npy"), "row 2, column 0 (0-based): expected 0 or 1");
    expect_dataset_fail(data("nan.npy"), data("labels.npy"), NN_TASK_CLASSIFY, NN_ENUMERIC,
                        data("nan.npy"), "is NaN");
    expect_dataset_fail(data("v1.npy"), data("d3.npy"), NN_TASK_REGRESS, NN_EFORMAT, data("d3.npy"),
                        "3-D");
    double neg[3] = {0, -1, 2};
    assert_int_equal(nn_save_npy(tmp("neg.npy"), nn_mat_view(neg, 3, 1, 1)), NN_OK);
    expect_dataset_fail(data("v1.npy"), tmp("neg.npy"), NN_TASK_CLASSIFY, NN_EFORMAT,
                        tmp("neg.npy"), "found -1");
    const char *e = with_header("x0.npy",
                                "{'descr': '<f8', 'fortran_order': False, "
                                "'shape': (0, 2)}",
                                0);
    const char *e1 = with_header("y0.npy",
                                 "{'descr': '<f8', 'fortran_order': False, "
                                 "'shape': (0,)}",
                                 0);
    expect_dataset_fail(e, e1, NN_TASK_REGRESS, NN_EFORMAT, e, "no rows");
    expect_dataset_fail(NULL, e1, NN_TASK_REGRESS, NN_EINVAL, "nn_load_npy_dataset", "x_path");
    expect_dataset_fail(e, e1, (nn_task)7, NN_EINVAL, "nn_load_npy_dataset", "task 7");
}

/* ---- files over several chunks ------------------------------------------- */

/* 174763 x 3 = 524289 elements: one past 4 MiB of doubles (from where the
 * loader's matrix is advised huge pages) and over four of the reader's
 * chunks of 131072 elements (1 MiB of doubles); 131072 is not a multiple
 * of 3, so every chunk boundary falls inside a row. Labels files have
 * BIG_ROWS rows, over 21 of the label reader's blocks of 8192. */
#define BIG_ROWS 174763
#define BIG_COLS 3
#define BIG_N ((size_t)BIG_ROWS * BIG_COLS)
#define CHUNK 131072
#define NO_POKE SIZE_MAX

static size_t dsize(const char *descr)
{
    return (size_t)(descr[2] - '0');
}

/* Element e of a features file of dtype descr: values that fill every byte
 * of the type and that it (and a double) holds exactly. */
static double big_value(const char *descr, size_t e)
{
    uint64_t h = (uint64_t)e * UINT64_C(0x9E3779B97F4A7C15);
    size_t n = dsize(descr);
    if (descr[1] == 'f')
        return n == 8 ? ((double)(h >> 11) - 0x1p52) * 0x1p-20
                      : ((double)(h >> 40) - 0x1p23) * 0x1p-8;
    if (descr[1] == 'b')
        return (double)(h >> 63);
    if (descr[1] == 'u')
        return (double)(h >> 56);
    if (n == 8)
        return (double)((int64_t)(h >> 10) - (INT64_C(1) << 53));
    /* The top n bytes of h as a signed n-byte integer. */
    int64_t top = (int64_t)(h >> (64 - 8 * n));
    return (double)(top >= (INT64_C(1) << (8 * n - 1)) ? top - (INT64_C(1) << (8 * n)) : top);
}

/* Element e of a labels file: 0 to 6, 0 or 1 for booleans. */
static double label_value(const char *descr, size_t e)
{
    return (double)(e % (descr[1] == 'b' ? 2 : 7));
}

/* The bits of v in descr's kind and size (two's complement for integers),
 * in the low bytes. */
static uint64_t to_bits(const char *descr, double v)
{
    uint64_t bits;
    if (descr[1] == 'f' && dsize(descr) == 4) {
        float f = (float)v;
        uint32_t u;
        memcpy(&u, &f, 4);
        return u;
    }
    if (descr[1] == 'f') {
        memcpy(&bits, &v, 8);
        return bits;
    }
    return (uint64_t)(int64_t)v;
}

/* name: rows x cols elements (1-D when cols is 0) of dtype descr, element
 * e value(descr, e), but element `at` (NO_POKE: none) the bits poke. */
static const char *write_big(const char *name, const char *descr, size_t rows, size_t cols,
                             double (*value)(const char *, size_t), size_t at, uint64_t poke)
{
    size_t n = rows * (cols ? cols : 1), w = dsize(descr);
    unsigned char *b = malloc(n * w);
    assert_non_null(b);
    for (size_t e = 0; e < n; e++) {
        uint64_t bits = e == at ? poke : to_bits(descr, value(descr, e));
        for (size_t i = 0; i < w; i++)
            b[e * w + (descr[0] == '>' ? w - 1 - i : i)] = (unsigned char)(bits >> (8 * i));
    }
    char h[128];
    if (cols)
        snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (%zu, %zu), }",
                 descr, rows, cols);
    else
        snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (%zu,), }", descr,
                 rows);
    const char *p = with_data(name, h, b, n * w);
    free(b);
    return p;
}

static const char *const DTYPES[] = {"<f8", ">f8", "<f4", ">f4", "<i8", ">i8", "<i4",
                                     ">i4", "<i2", ">i2", "|i1", "|u1", "|b1"};

/* m holds rows [first, first + m.rows) of a big features file of descr. */
static void expect_big(nn_mat m, const char *descr, size_t first)
{
    assert_int_equal(m.cols, BIG_COLS);
    assert_int_equal(m.ld, BIG_COLS);
    for (size_t e = 0; e < m.rows * BIG_COLS; e++)
        if (m.data[e] != big_value(descr, first * BIG_COLS + e))
            fail_msg("%s: element %zu is %.17g, expected %.17g", descr, first * BIG_COLS + e,
                     m.data[e], big_value(descr, first * BIG_COLS + e));
}

static void test_big_every_dtype(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof DTYPES / sizeof *DTYPES; k++) {
        const char *p = write_big("big.npy", DTYPES[k], BIG_ROWS, BIG_COLS, big_value, NO_POKE, 0);
        nn_mat m;
        assert_int_equal(nn_load_npy(&m, p), NN_OK);
        assert_int_equal(m.rows, BIG_ROWS);
        expect_big(m, DTYPES[k], 0);
        nn_mat_free(&m);
        /* A range whose own chunks start at element 3: boundaries inside rows. */
        assert_int_equal(nn_load_npy_rows(&m, p, 1, BIG_ROWS - 2), NN_OK);
        assert_int_equal(m.rows, BIG_ROWS - 2);
        expect_big(m, DTYPES[k], 1);
        nn_mat_free(&m);
        /* The row across the file's first chunk boundary (elements 131070-2). */
        assert_int_equal(nn_load_npy_rows(&m, p, CHUNK / BIG_COLS, 1), NN_OK);
        expect_big(m, DTYPES[k], CHUNK / BIG_COLS);
        nn_mat_free(&m);
    }
}

/* A bad element in a later chunk (or at a chunk's edge) is named by its row
 * and column, with the output untouched. */
static void test_big_refused(void **state)
{
    (void)state;
    const uint64_t nan8 = UINT64_C(0x7ff8000000000001), ninf4 = 0xff800000u, nan4 = 0x7fc00000u,
                   over = (UINT64_C(1) << 53) + 1;
    const struct {
        const char *descr;
        size_t at;
        uint64_t bits;
        const char *what;
    } bad[] = {
        {"<f8", 2 * CHUNK + 1, nan8, "NaN"},
        {">f8", CHUNK, UINT64_C(0x7ff0000000000000), "infinite"},
        {">f4", CHUNK - 1, ninf4, "infinite"},
        {"<f4", BIG_N - 1, nan4, "NaN"},
        {">i8", CHUNK, over, "9007199254740993, beyond 2^53"},
        {"<i8", 3 * CHUNK - 1, UINT64_C(0) - (over + 2), "-9007199254740995, beyond 2^53"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        const char *p = write_big("bad.npy", bad[k].descr, BIG_ROWS, BIG_COLS, big_value, bad[k].at,
                                  bad[k].bits);
        char reason[128];
        snprintf(reason, sizeof reason, "row %zu, column %zu (0-based) is %s", bad[k].at / BIG_COLS,
                 bad[k].at % BIG_COLS, bad[k].what);
        expect_fail(p, NN_ENUMERIC, reason);
        /* The rows before it read. */
        nn_mat m;
        assert_int_equal(nn_load_npy_rows(&m, p, 0, bad[k].at / BIG_COLS), NN_OK);
        expect_big(m, bad[k].descr, 0);
        nn_mat_free(&m);
    }
}

/* Labels over many of the label reader's blocks, of every integer dtype and
 * float; a bad one in a later block named by its row, the output untouched;
 * a rows mismatch named before the bad element it also has. */
static void test_big_labels(void **state)
{
    (void)state;
    char x[600]; /* tmp()'s buffers are reused */
    snprintf(x, sizeof x, "%s",
             write_big("bx.npy", "<f4", BIG_ROWS, BIG_COLS, big_value, NO_POKE, 0));
    const char *types[] = {"<i4", ">i4", ">i2", "|i1", "|u1", "|b1", "<f8", ">f4", ">i8"};
    for (size_t k = 0; k < sizeof types / sizeof *types; k++) {
        const char *y = write_big("by.npy", types[k], BIG_ROWS, 0, label_value, NO_POKE, 0);
        nn_dataset d;
        assert_int_equal(nn_load_npy_dataset(&d, x, y, NN_TASK_CLASSIFY), NN_OK);
        expect_big(d.x, "<f4", 0);
        assert_int_equal(d.n_classes, types[k][1] == 'b' ? 2 : 7);
        for (size_t i = 0; i < BIG_ROWS; i++)
            if (d.y[i] != (int32_t)label_value(types[k], i))
                fail_msg("%s: label %zu is %d", types[k], i, (int)d.y[i]);
        nn_dataset_free(&d);
        /* The same file as targets. */
        assert_int_equal(nn_load_npy_dataset(&d, x, y, NN_TASK_REGRESS), NN_OK);
        assert_int_equal(d.t.rows, BIG_ROWS);
        assert_int_equal(d.t.cols, 1);
        for (size_t i = 0; i < BIG_ROWS; i++)
            assert_true(d.t.data[i] == label_value(types[k], i));
        nn_dataset_free(&d);
    }
    double half = 0.5;
    uint64_t half_bits;
    memcpy(&half_bits, &half, 8);
    const struct {
        const char *descr;
        size_t at;
        uint64_t bits;
        nn_status want;
        const char *what;
    } bad[] = {
        {"<i4", 100000, 0xffffffffu, NN_EFORMAT,
         "row 100000 (0-based): a label must be an integer in [0, 65535], found -1"},
        {"<f8", 8192, half_bits, NN_EFORMAT, "row 8192 (0-based): a label must be an integer"},
        {"<f8", BIG_ROWS - 1, UINT64_C(0x7ff8000000000000), NN_ENUMERIC,
         "row 174762, column 0 (0-based) is NaN"},
        {">i8", 8191, (UINT64_C(1) << 53) + 1, NN_ENUMERIC,
         "row 8191, column 0 (0-based) is 9007199254740993"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        const char *y =
            write_big("bad_y.npy", bad[k].descr, BIG_ROWS, 0, label_value, bad[k].at, bad[k].bits);
        expect_dataset_fail(x, y, NN_TASK_CLASSIFY, bad[k].want, y, bad[k].what);
    }
    const char *y = write_big("short_y.npy", "<f8", BIG_ROWS - 1, 0, label_value, 5,
                              UINT64_C(0x7ff8000000000000));
    char msg[1400];
    snprintf(msg, sizeof msg, "%s has %d rows but %s has %d", x, BIG_ROWS, y, BIG_ROWS - 1);
    expect_dataset_fail(x, y, NN_TASK_CLASSIFY, NN_ESHAPE, "nn_load_npy_dataset", msg);
    expect_dataset_fail(x, y, NN_TASK_REGRESS, NN_ESHAPE, "nn_load_npy_dataset", msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_dtype),
        cmocka_unit_test(test_one_dimensional),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_rows_read_only_their_bytes),
        cmocka_unit_test(test_save_matches_numpy),
        cmocka_unit_test(test_save_round_trip),
        cmocka_unit_test(test_save_refuses),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_dataset),
        cmocka_unit_test(test_dataset_refuses),
        cmocka_unit_test(test_big_every_dtype),
        cmocka_unit_test(test_big_refused),
        cmocka_unit_test(test_big_labels),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
