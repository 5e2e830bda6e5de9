/* Shards of a data set for data-parallel training: rows rank::size.
 *
 * Participant rank of size keeps the rows i with i % size == rank, so the
 * shards partition the rows, differ in size by at most one, and each keeps
 * the file's order. The whole set is read first (nn_load_csv), so that
 * labels given as strings get the same class indices, n_classes and names
 * in every shard: a per-shard reading would number the classes of each
 * shard on its own.
 */
#include <stdlib.h>
#include <string.h>

#include "dataset.h"

nn_status nn_dataset_shard(const nn_dataset *all, size_t rank, size_t size, nn_dataset *out)
{
    const char *f = "nn_dataset_shard";
    if (!out)
        return nn__fail(NN_EINVAL, "%s: out is NULL", f);
    NN_TRY(nn__dataset_check(all, f));
    if (size == 0 || rank >= size)
        return nn__fail(NN_EINVAL, "%s: rank %zu is not in [0, size %zu)", f, rank, size);
    size_t n = all->x.rows, rows = rank < n ? (n - rank + size - 1) / size : 0;
    size_t d = all->x.cols, C = all->t.cols;
    nn_dataset t;
    memset(&t, 0, sizeof t);
    t.n_classes = all->n_classes;
    /* An empty shard: no rows, the same columns, no storage. */
    t.x.cols = t.x.ld = d;
    t.t.cols = t.t.ld = all->t.data ? C : 0;
    int ok = 1;
    if (rows > 0) {
        ok = nn_mat_alloc(&t.x, rows, d) == NN_OK;
        if (ok && all->y)
            ok = (t.y = malloc(rows * sizeof *t.y)) != NULL;
        if (ok && all->t.data)
            ok = nn_mat_alloc(&t.t, rows, C) == NN_OK;
    }
    if (ok && all->class_names)
        ok = (t.class_names = nn__strings_dup((const char *const *)all->class_names,
                                              all->n_classes)) != NULL;
    if (!ok) {
        nn_dataset_free(&t);
        return nn__fail(NN_ENOMEM, "%s: cannot allocate a shard of %zu rows", f, rows);
    }
    for (size_t i = 0; i < rows; i++) {
        size_t j = rank + i * size;
        memcpy(t.x.data + i * t.x.ld, all->x.data + j * all->x.ld, d * sizeof(double));
        if (t.y)
            t.y[i] = all->y[j];
        if (t.t.data)
            memcpy(t.t.data + i * t.t.ld, all->t.data + j * all->t.ld, C * sizeof(double));
    }
    *out = t;
    return NN_OK;
}

nn_status nn_load_csv_shard(nn_dataset *out, const char *path, const nn_csv_options *opt,
                            size_t rank, size_t size)
{
    if (!out)
        return nn__fail(NN_EINVAL, "nn_load_csv_shard: out is NULL");
    if (size == 0 || rank >= size)
        return nn__fail(NN_EINVAL, "nn_load_csv_shard: rank %zu is not in [0, size %zu)", rank,
                        size);
    nn_dataset all;
    NN_TRY(nn_load_csv(&all, path, opt));
    nn_status s = nn_dataset_shard(&all, rank, size, out);
    nn_dataset_free(&all);
    return s;
}
