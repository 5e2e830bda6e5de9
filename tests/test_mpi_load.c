/* nn_load_csv_mpi on any number of ranks (ctest runs it on 1, 2, 3 and 4):
 * the ranks' rows, in rank order, are exactly nn_load_csv's rows of the
 * same file, each once; class names and n_classes are the same on every
 * rank; splits inside quoted fields, a header, CRLF, a file smaller than
 * the rank count; a parse error on one rank fails every rank alike and
 * names the file's real line. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <nn.h>
#include <nn/mpi.h>

static int g_rank, g_size;
static char g_dir[64];

/* Rank 0 writes dir/name; every rank returns its path (static buffer). */
static const char *shared_file(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    if (g_rank == 0) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fwrite(text, 1, strlen(text), f);
        fclose(f);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    return path;
}

/* This rank's first row in the file: the rows of the ranks before it. */
static size_t first_row(size_t rows)
{
    unsigned long long mine = rows, before = 0;
    MPI_Exscan(&mine, &before, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    return g_rank == 0 ? 0 : (size_t)before;
}

/* nn_load_csv_mpi's rows against nn_load_csv's: this rank's are rows
 * [first, first + n) of the whole file and the ranks' rows add up to it. */
static void check_against_whole(const char *path, const nn_csv_options *o)
{
    nn_dataset whole, part;
    assert_int_equal(nn_load_csv(&whole, path, o), NN_OK);
    nn_status s = nn_load_csv_mpi(&part, path, o, MPI_COMM_WORLD);
    if (s != NN_OK)
        fail_msg("rank %d: %s", g_rank, nn_last_error());
    size_t n = part.x.rows, at = first_row(n);
    unsigned long long total = n;
    MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    assert_int_equal(total, whole.x.rows);
    assert_int_equal(part.x.cols, whole.x.cols);
    assert_int_equal(part.n_classes, whole.n_classes);
    assert_int_equal(part.t.cols, whole.t.cols);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < part.x.cols; j++)
            assert_true(part.x.data[i * part.x.ld + j] == whole.x.data[(at + i) * whole.x.ld + j]);
        for (size_t j = 0; j < part.t.cols; j++)
            assert_true(part.t.data[i * part.t.ld + j] == whole.t.data[(at + i) * whole.t.ld + j]);
        if (whole.y)
            assert_int_equal(part.y[i], whole.y[at + i]);
    }
    assert_int_equal(!part.class_names, !whole.class_names);
    for (size_t k = 0; whole.class_names && k < whole.n_classes; k++)
        assert_string_equal(part.class_names[k], whole.class_names[k]);
    nn_dataset_free(&part);
    nn_dataset_free(&whole);
}

/* Rows whose last field is a long quoted label holding the delimiter, so
 * most bytes of the file (and so the split points) are inside quotes; a
 * header, CRLF line ends, a blank line, an escaped quote. */
static void test_quoted_splits(void **state)
{
    (void)state;
    /* The padding (varied by row and seed) is chosen so that the split points of 2..4 ranks all
     * fall inside quoted fields (an odd count of quotes before them on
     * their line). */
    char text[8192];
    int inside = 0;
    for (int seed = 0; seed < 200 && !inside; seed++) {
        char *w = text;
        w += sprintf(w, "x,\"y, the second\",label\r\n");
        for (int i = 0; i < 24; i++) {
            int pad = 10 + (i * 37 + seed * 11) % 29;
            w += sprintf(w, "%d,%d.5,\"class %c, with a comma, \"\"quotes\"\" and %*s\"%s", i, -i,
                         'a' + i % 5, pad, "padding", i % 2 ? "\r\n" : "\n");
            if (i == 7)
                w += sprintf(w, "\n");
        }
        size_t len = strlen(text);
        inside = 1;
        for (size_t n = 2; n <= 4; n++)
            for (size_t r = 1; r < n; r++) {
                size_t at = r * (len / n) + (r < len % n ? r : len % n), quotes = 0;
                for (size_t k = at; k > 0 && text[k - 1] != '\n'; k--)
                    quotes += text[k - 1] == '"';
                inside &= quotes % 2 == 1;
            }
    }
    assert_true(inside);
    const char *p = shared_file("quoted.csv", text);
    nn_csv_options o = nn_csv_defaults();
    o.has_header = true;
    check_against_whole(p, &o);
}

/* Integer labels whose largest is on the last rank only: n_classes is the
 * same everywhere. A regression with two targets. */
static void test_numbers(void **state)
{
    (void)state;
    char text[4096], *w = text;
    for (int i = 0; i < 40; i++)
        w += sprintf(w, "%d,%d,%d\n", i, 2 * i, i == 39 ? 9 : i % 3);
    const char *p = shared_file("ints.csv", text);
    check_against_whole(p, NULL);
    nn_csv_options o = nn_csv_defaults();
    o.task = NN_TASK_REGRESS;
    o.n_targets = 2;
    check_against_whole(p, &o);
    /* Labels that are numbers on some ranks and names on others are names
     * on every rank, as nn_load_csv reads them. */
    w = text;
    for (int i = 0; i < 40; i++)
        w += sprintf(w, "%d,%d,%s\n", i, i, i < 38 ? "1" : "two");
    check_against_whole(shared_file("mixed.csv", text), NULL);
}

/* A file of fewer bytes than ranks (one row), and one whose only data row
 * comes after a header: the other ranks are empty but agree. */
static void test_tiny(void **state)
{
    (void)state;
    check_against_whole(shared_file("tiny.csv", "1,a"), NULL);
    nn_csv_options o = nn_csv_defaults();
    o.has_header = true;
    check_against_whole(shared_file("tiny_header.csv", "f,label\n2.5,b\n"), &o);
}

/* A bad field near the end (the last rank's part): every rank fails with
 * NN_EFORMAT; the failing rank says what nn_load_csv says (the file's real
 * line), the others name that rank and the same line. */
static void test_error_on_one_rank(void **state)
{
    (void)state;
    char text[4096], *w = text;
    w += sprintf(w, "a,b,c\n");
    for (int i = 0; i < 60; i++)
        w += sprintf(w, i == 57 ? "%d,x,%d\n" : "%d,1,%d\n", i, i % 2);
    const char *p = shared_file("bad.csv", text);
    nn_csv_options o = nn_csv_defaults();
    o.has_header = true;
    nn_dataset d;
    assert_int_equal(nn_load_csv(&d, p, &o), NN_EFORMAT);
    char want[512];
    snprintf(want, sizeof want, "%s", nn_last_error());
    assert_non_null(strstr(want, "bad.csv:59:2: expected a number, found 'x'"));
    assert_int_equal(nn_load_csv_mpi(&d, p, &o, MPI_COMM_WORLD), NN_EFORMAT);
    const char *got = nn_last_error();
    if (g_rank == g_size - 1)
        assert_string_equal(got, want);
    else if (!strstr(got, want) || !strstr(got, "failed"))
        fail_msg("rank %d: '%s'", g_rank, got);
    /* A quoted field with a line feed inside: refused as nn_load_csv
     * refuses it, at the same line, on every rank. */
    p = shared_file("newline.csv", "1,2,\"a\nb\",3\n4,5,6,7\n");
    assert_int_equal(nn_load_csv(&d, p, NULL), NN_EFORMAT);
    snprintf(want, sizeof want, "%s", nn_last_error());
    assert_non_null(strstr(want, "newline.csv:1:3: unterminated quoted field"));
    assert_int_equal(nn_load_csv_mpi(&d, p, NULL, MPI_COMM_WORLD), NN_EFORMAT);
    assert_non_null(strstr(nn_last_error(), want));
    /* Not a regular file, a NULL path on one rank: the same status. */
    assert_int_equal(nn_load_csv_mpi(&d, g_rank == g_size - 1 ? NULL : p, NULL, MPI_COMM_WORLD),
                     NN_EINVAL);
    assert_non_null(strstr(nn_last_error(), "path is NULL"));
    assert_int_equal(nn_load_csv_mpi(&d, "/dev/null", NULL, MPI_COMM_WORLD), NN_EIO);
    assert_non_null(strstr(nn_last_error(), "not a regular file"));
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    if (g_rank == 0) {
        strcpy(g_dir, "/tmp/nn_test_mpi_load.XXXXXX");
        if (!mkdtemp(g_dir))
            g_dir[0] = '\0';
    }
    MPI_Bcast(g_dir, sizeof g_dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoted_splits),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_tiny),
        cmocka_unit_test(test_error_on_one_rank),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0 && g_dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
        if (system(cmd) != 0)
            failed = 1;
    }
    MPI_Finalize();
    return failed ? 1 : 0;
}
