/* nn train --mpi: data-parallel training over the ranks of MPI_COMM_WORLD.
 *
 * Data. Every rank reads the rows i % size == rank of the file (or of the
 * generated moons) with nn_load_csv_shard. The test split is the one that
 * `nn train` and `nn eval` take without MPI: nn_train_test_split with the
 * same --test-fraction and --split-seed over the global row numbers. Each
 * rank runs that split on a one-column data set holding 0..n-1 (n = rows
 * over all ranks; the split's permutation depends only on n and the seed),
 * so it knows which of its rows are test rows without seeing the others'.
 * The test set is therefore the same for any number of ranks, and a model
 * written here scores the same under `nn eval MODEL --data FILE`.
 *
 * Batch. --batch is the global batch, as without MPI: each rank takes
 * ceil(batch / size) rows per step (so the global batch rounds up to a
 * multiple of the rank count).
 *
 * Failures are agreed on (one reduction) before every collective step, so
 * no rank is left waiting; every rank prints its own error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_mpi.h"

#include <nn/mpi.h>

static int g_rank, g_size;

/* 1 on every rank if failed is non-zero on any (collective). */
static int any_failed(int failed)
{
    int any = failed != 0;
    if (MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS)
        return 1;
    return any;
}

static int fail(const char *what, nn_status s)
{
    fprintf(stderr, "nn: rank %d: %s: %s: %s\n", g_rank, what, nn_status_str(s),
            nn_last_error());
    return 1;
}

/* This rank's rows of the data: rows rank::size. */
static int load_shard(const nn_mpi_train_args *a, nn_dataset *shard)
{
    nn_status s;
    if (strcmp(a->data, "moons") == 0) {
        nn_dataset all;
        s = nn_make_moons(&all, 5000, a->noise, 42);
        if (s == NN_OK) {
            s = nn_dataset_shard(&all, (size_t)g_rank, (size_t)g_size, shard);
            nn_dataset_free(&all);
        }
    } else {
        s = nn_load_csv_shard(shard, a->data, &a->csv, (size_t)g_rank, (size_t)g_size);
    }
    return s == NN_OK ? 0 : fail(a->data, s);
}

static void swap_rows(nn_dataset *d, size_t i, size_t j, double *tmp)
{
    size_t dx = d->x.cols, dt = d->t.cols;
    memcpy(tmp, d->x.data + i * d->x.ld, dx * sizeof *tmp);
    memcpy(d->x.data + i * d->x.ld, d->x.data + j * d->x.ld, dx * sizeof *tmp);
    memcpy(d->x.data + j * d->x.ld, tmp, dx * sizeof *tmp);
    if (d->y) {
        int32_t y = d->y[i];
        d->y[i] = d->y[j];
        d->y[j] = y;
    }
    if (d->t.data) {
        memcpy(tmp, d->t.data + i * d->t.ld, dt * sizeof *tmp);
        memcpy(d->t.data + i * d->t.ld, d->t.data + j * d->t.ld, dt * sizeof *tmp);
        memcpy(d->t.data + j * d->t.ld, tmp, dt * sizeof *tmp);
    }
}

/* Move this rank's test rows to the front of shard; *n_test gets their
 * count. Global row g is test when the global split puts it there (see the
 * file comment); this rank's row k is global row rank + k * size. */
static int split_shard(const nn_mpi_train_args *a, nn_dataset *shard, size_t *n_test)
{
    double n_all = (double)shard->x.rows;
    MPI_Allreduce(MPI_IN_PLACE, &n_all, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    size_t n = (size_t)n_all, k = 0;
    nn_dataset idx, train, test;
    memset(&idx, 0, sizeof idx);
    nn_status s = nn_mat_alloc(&idx.x, n ? n : 1, 1);
    for (size_t i = 0; s == NN_OK && i < n; i++)
        idx.x.data[i] = (double)i;
    idx.x.rows = n;
    if (s == NN_OK)
        s = nn_train_test_split(&idx, a->test_fraction, a->split_seed, &train, &test);
    nn_mat_free(&idx.x);
    /* The same n and seed everywhere: every rank fails or none. */
    if (s != NN_OK)
        return fail("split", s);
    unsigned char *is_test = calloc(n, 1);
    size_t w = shard->x.cols > shard->t.cols ? shard->x.cols : shard->t.cols;
    double *tmp = malloc((w ? w : 1) * sizeof *tmp);
    if (is_test && tmp) {
        for (size_t i = 0; i < test.x.rows; i++)
            is_test[(size_t)test.x.data[i]] = 1;
        for (size_t r = 0; r < shard->x.rows; r++)
            if (is_test[(size_t)g_rank + r * (size_t)g_size])
                swap_rows(shard, k++, r, tmp);
    }
    int failed = !is_test || !tmp;
    free(is_test);
    free(tmp);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    if (failed)
        fail("split", NN_ENOMEM);
    *n_test = k;
    return failed;
}

/* Views of the first k rows and of the rest of d (no copy). */
static void view_rows(const nn_dataset *d, size_t from, size_t rows, nn_dataset *v)
{
    *v = *d;
    v->x.rows = rows;
    v->x.data = d->x.data ? d->x.data + from * d->x.ld : NULL;
    if (d->y)
        v->y = d->y + from;
    if (d->t.data) {
        v->t.rows = rows;
        v->t.data = d->t.data + from * d->t.ld;
    }
}

/* One distributed fit; *acc is the test accuracy over every rank's test
 * rows. The net is kept in *out on rank 0 when out is given. */
static int train_one(const nn_mpi_train_args *a, uint64_t seed, const nn_dataset *train,
                     const nn_dataset *test, size_t n_classes, nn_net **out, double *acc)
{
    nn_net_config cfg = {.n_inputs = train->x.cols,
                         .n_classes = n_classes < 2 ? 2 : n_classes,
                         .n_hidden_layers = a->n_hidden,
                         .hidden = a->hidden,
                         .init = a->init,
                         .seed = seed};
    nn_net *net = NULL;
    nn_status s = nn_net_create(&net, &cfg);
    if (any_failed(s != NN_OK))
        return s != NN_OK ? fail("create", s) : 1;
    nn_train_options opt = a->train;
    opt.batch_size = (a->train.batch_size + (size_t)g_size - 1) / (size_t)g_size;
    if (opt.patience)
        opt.validation = test->x.rows > 0 ? test : NULL;
    if (g_rank != 0)
        opt.on_epoch = NULL; /* rank 0 reports */
    s = nn_net_fit_mpi(net, train, &opt, MPI_COMM_WORLD);
    /* Every rank returns the same status from the fit. */
    double v[3] = {0.0, (double)test->x.rows, 0.0}, local = 0.0;
    if (s == NN_OK && test->x.rows > 0) {
        nn_status e = nn_net_evaluate(net, test, &local, NULL);
        if (e != NN_OK)
            v[2] = fail("eval", e);
        v[0] = local * (double)test->x.rows;
    }
    if (s == NN_OK)
        MPI_Allreduce(MPI_IN_PLACE, v, 3, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    if (s != NN_OK || v[2] > 0.0) {
        nn_net_free(net);
        return s != NN_OK ? fail("train", s) : 1;
    }
    *acc = v[1] > 0.0 ? v[0] / v[1] : NAN;
    if (out && g_rank == 0)
        *out = net;
    else
        nn_net_free(net);
    return 0;
}

static int run(const nn_mpi_train_args *a)
{
    nn_dataset shard;
    memset(&shard, 0, sizeof shard);
    size_t n_test = 0;
    if (any_failed(load_shard(a, &shard)) || split_shard(a, &shard, &n_test)) {
        nn_dataset_free(&shard);
        return 1;
    }
    nn_dataset train, test;
    view_rows(&shard, 0, n_test, &test);
    view_rows(&shard, n_test, shard.x.rows - n_test, &train);
    double rows[3] = {(double)train.x.rows, (double)test.x.rows, (double)shard.n_classes};
    MPI_Allreduce(MPI_IN_PLACE, rows, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, rows + 2, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (g_rank == 0 && a->train.batch_size % (size_t)g_size != 0)
        fprintf(stderr, "nn: global batch %zu is not a multiple of %d ranks: %zu rows per rank\n",
                a->train.batch_size, g_size,
                (a->train.batch_size + (size_t)g_size - 1) / (size_t)g_size);
    double sum = 0, sum2 = 0, t0 = MPI_Wtime();
    int rc = 0;
    for (size_t r = 0; r < a->runs && !rc; r++) {
        nn_net *net = NULL;
        double acc;
        rc = train_one(a, a->seed + r, &train, &test, (size_t)rows[2],
                       a->out && r == 0 ? &net : NULL, &acc);
        if (rc)
            break;
        sum += acc;
        sum2 += acc * acc;
        if (a->runs > 1 && g_rank == 0)
            printf("run %zu: test accuracy %.4f\n", r + 1, acc);
        if (net) {
            nn_status s = nn_net_save(net, a->out);
            nn_net_free(net);
            if (s != NN_OK)
                rc = fail("save", s);
            else
                printf("saved %s\n", a->out);
        }
    }
    if (!rc && g_rank == 0) {
        double mean = sum / (double)a->runs;
        double sd = sqrt(fmax(0, sum2 / (double)a->runs - mean * mean));
        printf("test accuracy %.5f", mean);
        if (a->runs > 1)
            printf(" (std %.5f over %zu runs)", sd, a->runs);
        printf("  [%.0f train / %.0f test rows, %d ranks, %.2f s]\n", rows[0], rows[1], g_size,
               MPI_Wtime() - t0);
    }
    nn_dataset_free(&shard);
    return rc;
}

int nn_mpi_train(const nn_mpi_train_args *a)
{
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized && MPI_Init(NULL, NULL) != MPI_SUCCESS) {
        fputs("nn: --mpi: MPI_Init failed\n", stderr);
        return 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    int rc = run(a);
    MPI_Finalize();
    return rc;
}
