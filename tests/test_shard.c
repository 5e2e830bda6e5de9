/* nn_dataset_shard and nn_load_csv_shard: rows rank::size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

/* Every row of all lands in exactly one shard, at row i / size of shard
 * i % size, with its label; shard sizes differ by at most one. */
static void shards_partition_rows(void **state)
{
    (void)state;
    nn_dataset all;
    ts_ok(nn_make_moons(&all, 10, 0.1, 3));
    size_t total = 0;
    for (size_t r = 0; r < 3; r++) {
        nn_dataset sh;
        ts_ok(nn_dataset_shard(&all, r, 3, &sh));
        assert_int_equal(sh.x.rows, r == 0 ? 4 : 3);
        assert_int_equal(sh.x.cols, 2);
        assert_int_equal(sh.n_classes, all.n_classes);
        for (size_t i = 0; i < sh.x.rows; i++) {
            size_t j = r + 3 * i;
            assert_memory_equal(sh.x.data + i * sh.x.ld, all.x.data + j * all.x.ld,
                                2 * sizeof(double));
            assert_int_equal(sh.y[i], all.y[j]);
        }
        total += sh.x.rows;
        nn_dataset_free(&sh);
    }
    assert_int_equal(total, 10);
    nn_dataset_free(&all);
}

/* More participants than rows: the extra shards are empty, with the
 * columns kept and no storage; size 1 is a copy. */
static void empty_and_whole_shards(void **state)
{
    (void)state;
    nn_dataset all, sh;
    ts_ok(nn_make_moons(&all, 3, 0.0, 1));
    ts_ok(nn_dataset_shard(&all, 4, 5, &sh));
    assert_int_equal(sh.x.rows, 0);
    assert_int_equal(sh.x.cols, 2);
    assert_null(sh.x.data);
    assert_null(sh.y);
    nn_dataset_free(&sh);
    ts_ok(nn_dataset_shard(&all, 0, 1, &sh));
    assert_int_equal(sh.x.rows, 3);
    assert_memory_equal(sh.y, all.y, 3 * sizeof(int32_t));
    nn_dataset_free(&sh);
    nn_dataset_free(&all);
}

static void bad_arguments(void **state)
{
    (void)state;
    nn_dataset all, sh;
    memset(&sh, 0x5a, sizeof sh);
    ts_ok(nn_make_moons(&all, 4, 0.0, 1));
    ts_assert_status(nn_dataset_shard(&all, 0, 0, &sh), NN_EINVAL);
    ts_assert_status(nn_dataset_shard(&all, 2, 2, &sh), NN_EINVAL);
    ts_assert_status(nn_dataset_shard(NULL, 0, 1, &sh), NN_EINVAL);
    ts_assert_status(nn_dataset_shard(&all, 0, 1, NULL), NN_EINVAL);
    ts_assert_status(nn_load_csv_shard(&sh, "/nonexistent.csv", NULL, 0, 2), NN_EIO);
    ts_assert_status(nn_load_csv_shard(&sh, "/nonexistent.csv", NULL, 3, 2), NN_EINVAL);
    assert_int_equal(sh.x.rows, (size_t)0x5a5a5a5a5a5a5a5au); /* untouched */
    nn_dataset_free(&all);
}

/* Classes are counted over the whole file: a shard that only sees label 1
 * still has the file's 3 classes (string labels, numbered over the whole
 * file too, get the same numbers in every shard). Regression targets are
 * sharded like features. */
static void csv_shards_share_classes(void **state)
{
    (void)state;
    char path[] = "/tmp/nn_test_shard.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("0.5,1\n1.5,0\n2.5,1\n3.5,2\n", f);
    fclose(f);
    nn_dataset sh;
    ts_ok(nn_load_csv_shard(&sh, path, NULL, 0, 2)); /* rows 0 and 2: 1, 1 */
    assert_int_equal(sh.x.rows, 2);
    assert_int_equal(sh.n_classes, 3);
    assert_int_equal(sh.y[0], 1);
    assert_int_equal(sh.y[1], 1);
    assert_true(sh.x.data[sh.x.ld] == 2.5);
    nn_dataset_free(&sh);

    remove(path);

    nn_dataset reg;
    memset(&reg, 0, sizeof reg);
    ts_ok(nn_mat_alloc(&reg.x, 3, 1));
    ts_ok(nn_mat_alloc(&reg.t, 3, 1));
    for (size_t i = 0; i < 3; i++) {
        reg.x.data[i] = 0.5 + (double)i;
        reg.t.data[i] = 1.0 + (double)i;
    }
    reg.n_classes = 1;
    ts_ok(nn_dataset_shard(&reg, 1, 2, &sh)); /* row 1 */
    assert_int_equal(sh.x.rows, 1);
    assert_null(sh.y);
    assert_int_equal(sh.t.rows, 1);
    assert_true(sh.t.data[0] == 2.0 && sh.x.data[0] == 1.5);
    nn_dataset_free(&sh);
    nn_dataset_free(&reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shards_partition_rows),
        cmocka_unit_test(empty_and_whole_shards),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(csv_shards_share_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
