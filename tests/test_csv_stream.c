/* The CSV loader's bounded window and its byte-range reader: nn_load_csv
 * reading a few bytes at a time (lines spanning many chunks, a window
 * smaller than a line) gives what the default window gives, errors
 * included; and the parts of a file cut at any byte offsets hold, in order,
 * exactly the rows of the whole file, with errors at the file's real line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv_internal.h"
#include "support.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    return ts_temp_dir(dir, sizeof dir, "csv_stream");
}

static int teardown(void **state)
{
    (void)state;
    return ts_remove_dir(dir);
}

static const char *write_file(const char *name, const char *content)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, strlen(content), f), strlen(content));
    fclose(f);
    return path;
}

/* A header with a quoted name holding the delimiter, CRLF and LF lines,
 * blank lines, quoted fields with delimiters and escaped quotes, string
 * labels (one that looks like a number) and a long line. */
static const char *const mixed =
    "\"f,1\",f2,label\r\n"
    "\n"
    "1.5,2,cat\r\n"
    "  3 , \"4\" ,\"dog, big\"\n"
    "5,6,\"say \"\"hi\"\"\"\n"
    "   \n"
    "7,8,10\n"
    "9,1e3,cat\n"
    "0.000000000000000000000000000001,-2,\"dog, big\"\n"
    "11,12,cat";

static void assert_same(const nn_dataset *a, const nn_dataset *b)
{
    assert_int_equal(a->x.rows, b->x.rows);
    assert_int_equal(a->x.cols, b->x.cols);
    assert_int_equal(a->n_classes, b->n_classes);
    for (size_t i = 0; i < a->x.rows; i++) {
        for (size_t j = 0; j < a->x.cols; j++)
            assert_true(a->x.data[i * a->x.ld + j] == b->x.data[i * b->x.ld + j]);
        if (a->y)
            assert_int_equal(a->y[i], b->y[i]);
    }
    for (size_t k = 0; a->class_names && k < a->n_classes; k++)
        assert_string_equal(a->class_names[k], b->class_names[k]);
}

static void test_small_windows(void **state)
{
    (void)state;
    nn_csv_options o = nn_csv_defaults();
    o.has_header = true;
    const char *p = write_file("mixed.csv", mixed);
    nn_dataset whole, d;
    ts_ok(nn_load_csv(&whole, p, &o));
    assert_int_equal(whole.x.rows, 7);
    assert_int_equal(whole.n_classes, 4); /* 10, cat, dog, big, say "hi" */
    assert_string_equal(whole.class_names[0], "10");
    for (size_t chunk = 1; chunk <= 70; chunk++) {
        ts_ok(nn__csv_load_chunked(&d, p, &o, chunk));
        assert_same(&whole, &d);
        nn_dataset_free(&d);
    }
    nn_dataset_free(&whole);

    /* Errors name the same line and field whatever the window. */
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"1,2,0\n3,4,1\n5,x,0\n", "bad.csv:3:2: expected a number, found 'x'"},
        {"1,2,0\n3,4,1\n5,6,0,7\n", "bad.csv:3:4: expected 3 fields, found 4"},
        {"1,2,0\n\n3,\"4,1\n", "bad.csv:3:2: unterminated quoted field"},
        {"1,2,0\n3,4,1.5\n5,6,1\n", "bad.csv:2:3: a label must be an integer in [0, 65535]"},
        {"1,2,0\n3,4,1\n5,6\0,1\n", "bad.csv:3:2: binary content (a NUL byte)"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char path[128];
        snprintf(path, sizeof path, "%s/bad.csv", dir);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        size_t len = strlen(bad[k].text);
        if (k == 4)
            len = 18;
        fwrite(bad[k].text, 1, len, f);
        fclose(f);
        for (size_t chunk = 1; chunk <= 20; chunk += 3) {
            ts_assert_status(nn__csv_load_chunked(&d, path, NULL, chunk), NN_EFORMAT);
            if (!strstr(nn_last_error(), bad[k].want))
                fail_msg("chunk %zu: '%s', want '%s'", chunk, nn_last_error(), bad[k].want);
        }
    }
}

/* A label of 3 MiB (a line of three default windows, and of 768 small
 * ones): the window grows to hold it, and the rows are read as ever. */
static void test_long_line(void **state)
{
    (void)state;
    size_t n = (size_t)3 << 20;
    char *text = malloc(n + 64);
    assert_non_null(text);
    strcpy(text, "1,2,short\n3,4,\"");
    size_t at = strlen(text);
    memset(text + at, 'z', n);
    strcpy(text + at + n, "\"\n5,6,short\n");
    const char *p = write_file("long.csv", text);
    for (size_t chunk = 0; chunk <= 4096; chunk += 4096) {
        nn_dataset d;
        ts_ok(nn__csv_load_chunked(&d, p, NULL, chunk));
        assert_int_equal(d.x.rows, 3);
        assert_int_equal(d.n_classes, 2);
        assert_int_equal(strlen(d.class_names[d.y[1]]), n);
        assert_true(d.x.data[2 * d.x.ld + 1] == 6.0);
        nn_dataset_free(&d);
    }
    free(text);
}

/* The rows of the parts [cut_k, cut_k+1) of path, concatenated, against
 * the whole file's (labels by name). */
static void check_parts(const char *path, const nn_csv_options *o, const uint64_t *cut,
                        size_t n_cuts, size_t chunk, const nn_dataset *whole)
{
    size_t row = 0;
    for (size_t k = 0; k + 1 < n_cuts; k++) {
        nn__csv_part part;
        ts_ok(nn__csv_load_range(&part, path, o, cut[k], cut[k + 1], chunk));
        assert_int_equal(part.d.x.cols, whole->x.cols);
        for (size_t i = 0; i < part.d.x.rows; i++, row++) {
            assert_true(row < whole->x.rows);
            for (size_t j = 0; j < whole->x.cols; j++)
                assert_true(part.d.x.data[i * part.d.x.ld + j] ==
                            whole->x.data[row * whole->x.ld + j]);
            if (whole->class_names)
                assert_string_equal(part.names[part.d.y[i]],
                                    whole->class_names[whole->y[row]]);
        }
        nn__csv_part_free(&part);
    }
    assert_int_equal(row, whole->x.rows);
}

static void test_ranges(void **state)
{
    (void)state;
    nn_csv_options o = nn_csv_defaults();
    o.has_header = true;
    const char *p = write_file("mixed.csv", mixed);
    uint64_t len = strlen(mixed);
    nn_dataset whole;
    ts_ok(nn_load_csv(&whole, p, &o));
    /* Two parts cut at every byte, three at many pairs of bytes. */
    for (uint64_t a = 0; a <= len; a++) {
        uint64_t cut2[3] = {0, a, UINT64_MAX};
        check_parts(p, &o, cut2, 3, 0, &whole);
        check_parts(p, &o, cut2, 3, 5, &whole);
        for (uint64_t b = a; b <= len; b += 7) {
            uint64_t cut3[4] = {0, a, b, len};
            check_parts(p, &o, cut3, 4, 3, &whole);
        }
    }
    nn_dataset_free(&whole);

    /* A part past the header with no rows is empty, not an error, and has
     * the file's shape. */
    nn__csv_part part;
    ts_ok(nn__csv_load_range(&part, p, &o, len, UINT64_MAX, 0));
    assert_int_equal(part.d.x.rows, 0);
    assert_int_equal(part.d.x.cols, 2);
    assert_true(part.pending);
    nn__csv_part_free(&part);

    /* An error in a part names the file's line. */
    p = write_file("bad.csv", "a,b,c\n1,2,0\n\n3,4,1\n5,6,0\n7,x,1\n9,9,0\n");
    ts_assert_status(nn__csv_load_range(&part, p, &o, 20, UINT64_MAX, 4), NN_EFORMAT);
    assert_non_null(strstr(nn_last_error(), "bad.csv:6:2: expected a number, found 'x'"));
    /* The width comes from the file's first data line. */
    p = write_file("ragged.csv", "a,b,c\n1,2,0\n3,4,1,5\n");
    ts_assert_status(nn__csv_load_range(&part, p, &o, 7, UINT64_MAX, 0), NN_EFORMAT);
    assert_non_null(strstr(nn_last_error(), "ragged.csv:3:4: expected 3 fields, found 4"));
    /* No data row anywhere: the same message as nn_load_csv's. */
    p = write_file("empty.csv", "a,b,c\n\n");
    ts_assert_status(nn__csv_load_range(&part, p, &o, 3, UINT64_MAX, 0), NN_EFORMAT);
    assert_non_null(strstr(nn_last_error(), "no data rows after the header"));
}

/* A UTF-8 byte order mark before the first line is not data: the header's
 * first name, or the first row's first number, is read as without it,
 * through the file window, through a stream's text and through MPI's
 * byte ranges, and a mark anywhere else is still a field's text. */
static void test_bom(void **state)
{
    (void)state;
    nn_csv_options o = nn_csv_defaults();
    nn_dataset plain, bom;
    const char *p = write_file("plain.csv", "1.5,2,0\n3,4,1\n");
    assert_int_equal(nn_load_csv(&plain, p, &o), NN_OK);
    p = write_file("bom.csv", "\xEF\xBB\xBF" "1.5,2,0\n3,4,1\n");
    assert_int_equal(nn_load_csv(&bom, p, &o), NN_OK);
    assert_same(&plain, &bom);
    nn_dataset_free(&bom);
    /* Cut anywhere, the first part included: the rows are the plain ones. */
    for (uint64_t k = 1; k <= 16; k++) {
        const uint64_t cut[] = {0, k, UINT64_MAX};
        check_parts(p, &o, cut, 3, 0, &plain);
        check_parts(p, &o, cut, 3, 2, &plain);
    }
    nn_dataset_free(&plain);

    o.has_header = true;
    p = write_file("bomh.csv", "\xEF\xBB\xBF" "sepal,petal,species\n1,2,a\n3,4,b\n");
    char **texts = NULL;
    size_t rows = 0, fields = 0;
    assert_int_equal(nn_csv_read_column(p, &o, 1, &texts, &rows, &fields), NN_OK);
    assert_int_equal(fields, 3);
    nn_csv_column_free(texts, rows);
    o.has_header = false;
    assert_int_equal(nn_csv_read_column(p, &o, 1, &texts, &rows, NULL), NN_OK);
    assert_int_equal(rows, 3);
    assert_string_equal(texts[0], "sepal");
    nn_csv_column_free(texts, rows);

    /* Not at the file's start: the mark is text, so not a number. */
    o = nn_csv_defaults();
    p = write_file("bom2.csv", "1,2,0\n\xEF\xBB\xBF" "3,4,1\n");
    assert_int_equal(nn_load_csv(&bom, p, &o), NN_EFORMAT);
    assert_non_null(strstr(nn_last_error(), ":2:1:"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_windows),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_bom),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
