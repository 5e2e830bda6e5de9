/* nn train --mpi: data-parallel training over the ranks of MPI_COMM_WORLD
 * (mpirun -np N nn train --mpi ...), through nn_net_fit_mpi.
 *
 * Data. Every rank parses only its own contiguous part of the file
 * (nn_load_csv_mpi: the rows whose lines start in the rank's byte range),
 * or keeps a contiguous block of the generated moons; rank order is file
 * order, so rank r's row i is row first + i of the file, first being the
 * rows of the ranks before it.
 *
 * Test rows: with --test FILE, each rank's part of that file, loaded the
 * same way (its string labels numbered as --data's, by name). Otherwise a split of
 * --data, the same rows as nn train without MPI and nn eval (the
 * stratified split of cli_load_split for a classification, the plain one
 * otherwise, with --test-fraction and --split-seed). Its permutation depends
 * only on the row count, the seed and, stratified, the labels; so every rank
 * runs the split on a stand-in data set of the global row numbers 0..n-1
 * (with every row's label, gathered: 4 bytes a row) and keeps its own rows
 * of each side. The test set is therefore the same for any number of ranks,
 * and a saved model scores the same under nn eval.
 *
 * Preprocessing: the feature scaler (and for regression the target scaler)
 * is fit on the training rows of all ranks (nn_scaler_fit_mpi), the same on
 * every rank, as nn_net_fit_mpi needs.
 *
 * Batch: --batch is the global batch, as without MPI: each rank takes
 * ceil(batch / size) rows a step. --validation-fraction (and so --patience
 * and --epochs auto) holds out that share of each rank's training rows.
 *
 * Agreement: before anything is split or trained, the ranks check that
 * they read the same kind of data (nn_dataset_agree_mpi: features, labels
 * or targets, class names) with the same task; a disagreement fails every
 * rank with one message, which rank 0 prints. Every rank takes part in
 * every collective, whatever its shard holds (an empty one included).
 *
 * Scores: the test score and loss are over the test rows of all ranks
 * (nn_net_evaluate_mpi), as one process computes them.
 *
 * Rank 0 prints, plots and writes --out. A failure on any rank is agreed on
 * (one reduction) before the next collective step, so no rank is left
 * waiting; each rank prints its own error, prefixed with its rank.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nn/mpi.h>

#include "cli.h"

static int g_rank, g_size;
static size_t g_first; /* the file's row number of this rank's first row of --data */

/* 1 on every rank when failed is non-zero on any (collective). */
static int any_failed(int failed)
{
    int any = failed != 0;
    if (MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS)
        return 1;
    return any;
}

/* cli_fail, prefixed with this rank. */
static int fail(const char *what, nn_status s)
{
    char where[64 + 4096];
    snprintf(where, sizeof where, "rank %d: %s", g_rank, what);
    return cli_fail(where, s);
}

/* A status every rank shares (from libnn_mpi's agreement): rank 0 prints
 * it, every rank fails. */
static int fail_agreed(const char *what, nn_status s)
{
    return g_rank == 0 ? cli_fail(what, s) : CLI_EXIT_FAIL;
}

static void sum_doubles(double *buf, int n)
{
    MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

/* ---- data ------------------------------------------------------------------ */

/* The file's row number of this rank's first row: the rows of the ranks
 * before it (collective). */
static size_t rows_before(size_t rows)
{
    unsigned long long mine = rows, before = 0;
    MPI_Exscan(&mine, &before, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    return g_rank == 0 ? 0 : (size_t)before;
}

/* Rows [first, first + n) of all as a new data set (its names copied). */
static nn_status copy_rows(const nn_dataset *all, size_t first, size_t n, nn_dataset *out)
{
    memset(out, 0, sizeof *out);
    out->n_classes = all->n_classes;
    out->x = (nn_mat){NULL, 0, all->x.cols, all->x.cols};
    nn_status s = n ? nn_mat_alloc(&out->x, n, all->x.cols) : NN_OK;
    if (s == NN_OK && n && !(out->y = malloc(n * sizeof *out->y)))
        s = NN_ENOMEM;
    for (size_t i = 0; s == NN_OK && i < n; i++) {
        memcpy(out->x.data + i * out->x.ld, all->x.data + (first + i) * all->x.ld,
               all->x.cols * sizeof(double));
        out->y[i] = all->y[first + i];
    }
    if (s != NN_OK)
        nn_dataset_free(out);
    return s;
}

/* This rank's part of path (--data or --test), contiguous rows in file
 * order; *first gets the file's row number of its first row. "moons" is
 * the generated set only as --data (a --test of that name is a file).
 * Collective; the status is the same on every rank, which rank 0 prints
 * (nn_load_csv_mpi's message names the rank that failed). */
static int load_shard(const cli_opts *o, const char *path, nn_dataset *shard, size_t *first)
{
    nn_status s;
    if (path == o->data && strcmp(path, "moons") == 0) {
        nn_dataset all;
        s = nn_make_moons(&all, 5000, o->noise, 42);
        if (s == NN_OK) {
            size_t n = all.x.rows / (size_t)g_size, m = all.x.rows % (size_t)g_size;
            size_t r = (size_t)g_rank, at = r * n + (r < m ? r : m);
            s = copy_rows(&all, at, n + (r < m), shard);
            nn_dataset_free(&all);
        }
        if (any_failed(s != NN_OK))
            return s != NN_OK ? fail(path, s) : CLI_EXIT_FAIL;
    } else {
        nn_csv_options c = cli_csv(o);
        s = nn_load_csv_mpi(shard, path, &c, MPI_COMM_WORLD);
        if (s != NN_OK)
            return fail_agreed(path, s);
    }
    *first = rows_before(shard->x.rows);
    return 0;
}

/* After every rank has loaded its shard of path: the same task and data
 * of the same kind on every rank (collective). */
static int agree_shard(const cli_opts *o, const char *path, nn_dataset *shard)
{
    int task[2] = {(int)o->csv.task, -(int)o->csv.task};
    if (MPI_Allreduce(MPI_IN_PLACE, task, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS)
        return CLI_EXIT_FAIL;
    if (task[0] != -task[1]) {
        if (g_rank == 0)
            fprintf(stderr, "nn: the ranks were given different --task options\n");
        return CLI_EXIT_FAIL;
    }
    nn_status s = nn_dataset_agree_mpi(shard, MPI_COMM_WORLD);
    return s == NN_OK ? 0 : fail_agreed(path, s);
}

/* Every row's label in file order (the ranks' rows in rank order),
 * gathered from the shards. NULL on failure. */
static int32_t *gather_labels(const nn_dataset *shard, size_t n)
{
    int *counts = malloc((size_t)g_size * sizeof *counts);
    int *displs = malloc((size_t)g_size * sizeof *displs);
    int32_t *labels = malloc((n ? n : 1) * sizeof *labels);
    int ok = counts && displs && labels && n <= (size_t)INT32_MAX;
    if (!any_failed(!ok)) {
        int mine = (int)shard->x.rows;
        MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, MPI_COMM_WORLD);
        for (int r = 0, at = 0; r < g_size; at += counts[r], r++)
            displs[r] = at;
        int32_t none = 0; /* an empty shard sends nothing, from a buffer of its own */
        MPI_Allgatherv(shard->y ? shard->y : &none, mine, MPI_INT32_T, labels, counts, displs,
                       MPI_INT32_T, MPI_COMM_WORLD);
    } else {
        free(labels);
        labels = NULL;
    }
    free(counts);
    free(displs);
    return labels;
}

/* cli_load_split's checks of a classification, on every row's label: two
 * classes at least, and labels that look like classes. */
static int check_classes(const cli_opts *o, const nn_dataset *shard, const int32_t *y, size_t n)
{
    size_t C = shard->n_classes, present = 0;
    char *seen = calloc(C ? C : 1, 1);
    if (!seen)
        return fail(o->data, NN_ENOMEM);
    for (size_t i = 0; i < n; i++)
        if (y[i] >= 0 && (size_t)y[i] < C && !seen[y[i]]) {
            seen[y[i]] = 1;
            present++;
        }
    free(seen);
    if (present < 2) {
        if (g_rank == 0)
            fprintf(stderr, "nn: %s: every row has the same class: nothing to learn\n", o->data);
        return CLI_EXIT_FAIL;
    }
    int looks_real = !shard->class_names && C > 20 && (present * 2 < C || present * 5 > n);
    if (!o->allow_many_classes && (C > 1000 || looks_real)) {
        if (g_rank == 0)
            fprintf(stderr,
                    "nn: %s: the label column gives %zu classes (%zu distinct values over %zu "
                    "rows): it looks like a real-valued target; use --task regress, or "
                    "--allow-many-classes to classify anyway\n",
                    o->data, C, present, n);
        return CLI_EXIT_FAIL;
    }
    return 0;
}

static void swap_rows(nn_dataset *d, size_t i, size_t j, double *tmp)
{
    nn_mat *m[2] = {&d->x, &d->t};
    for (int k = 0; k < 2; k++) {
        if (!m[k]->data)
            continue;
        size_t w = m[k]->cols * sizeof *tmp;
        double *a = m[k]->data + i * m[k]->ld, *b = m[k]->data + j * m[k]->ld;
        memcpy(tmp, a, w);
        memcpy(a, b, w);
        memcpy(b, tmp, w);
    }
    if (d->y) {
        int32_t y = d->y[i];
        d->y[i] = d->y[j];
        d->y[j] = y;
    }
}

/* Move this rank's test rows to the front of shard (see the file comment);
 * *n_test gets their count (0 with --test FILE: only the checks of the
 * labels are made). Collective. */
static int split_shard(const cli_opts *o, nn_dataset *shard, size_t *n_test)
{
    double total = (double)shard->x.rows;
    sum_doubles(&total, 1);
    size_t n = (size_t)total;
    nn_dataset idx, train, test;
    memset(&idx, 0, sizeof idx);
    /* Agreed on every rank (nn_dataset_agree_mpi), an empty shard included. */
    if (shard->n_classes > 0 && shard->t.cols == 0) {
        if (!(idx.y = gather_labels(shard, n)))
            return fail("splitting the data", NN_ENOMEM);
        idx.n_classes = shard->n_classes;
        if (any_failed(check_classes(o, shard, idx.y, n))) {
            free(idx.y);
            return CLI_EXIT_FAIL;
        }
    }
    if (o->test_data) {
        free(idx.y);
        *n_test = 0;
        return 0;
    }
    /* The same stand-in on every rank; a failure on one (out of memory)
     * fails every rank, before the next collective. */
    nn_status s = nn_mat_alloc(&idx.x, n ? n : 1, 1);
    for (size_t i = 0; s == NN_OK && i < n; i++)
        idx.x.data[i] = (double)i;
    idx.x.rows = n;
    if (s == NN_OK)
        s = idx.y ? nn_train_test_split_stratified(&idx, o->test_fraction, o->split_seed, &train,
                                                   &test)
                  : nn_train_test_split(&idx, o->test_fraction, o->split_seed, &train, &test);
    nn_mat_free(&idx.x);
    free(idx.y);
    if (any_failed(s != NN_OK)) {
        if (s != NN_OK)
            return fail("splitting the data", s);
        nn_dataset_free(&train);
        nn_dataset_free(&test);
        return CLI_EXIT_FAIL;
    }
    unsigned char *is_test = calloc(n ? n : 1, 1);
    size_t w = shard->x.cols > shard->t.cols ? shard->x.cols : shard->t.cols, k = 0;
    double *tmp = malloc((w ? w : 1) * sizeof *tmp);
    if (is_test && tmp) {
        for (size_t i = 0; i < test.x.rows; i++)
            is_test[(size_t)test.x.data[i]] = 1;
        for (size_t r = 0; r < shard->x.rows; r++)
            if (is_test[g_first + r])
                swap_rows(shard, k++, r, tmp);
    }
    int failed = !is_test || !tmp;
    free(is_test);
    free(tmp);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    *n_test = k;
    if (any_failed(failed))
        return failed ? fail("splitting the data", NN_ENOMEM) : CLI_EXIT_FAIL;
    return 0;
}

/* rows rows of d from row from, as a view (no copy). */
static nn_dataset view_rows(const nn_dataset *d, size_t from, size_t rows)
{
    nn_dataset v = *d;
    v.x.rows = rows;
    v.x.data = d->x.data ? d->x.data + from * d->x.ld : NULL;
    v.y = d->y ? d->y + from : NULL;
    if (d->t.data) {
        v.t.rows = rows;
        v.t.data = d->t.data + from * d->t.ld;
    }
    return v;
}

/* ---- the net ---------------------------------------------------------------- */

/* cli_make_net, with the scalers fit over every rank's training rows. */
static int make_net(const cli_opts *o, const nn_dataset *train, const nn_dataset *test,
                    uint64_t seed, nn_net **out)
{
    cli_opts local = *o;
    local.no_scale = true;
    nn_net *net = NULL;
    if (any_failed(cli_make_net(&local, train, test, o->n_hidden, o->hidden, seed, &net)))
        return CLI_EXIT_FAIL;
    /* Both fits first: their statuses are the same on every rank, so every
     * rank makes the same collectives; setting them is local. */
    nn_status s = NN_OK;
    nn_scaler sc, tsc;
    memset(&sc, 0, sizeof sc);
    memset(&tsc, 0, sizeof tsc);
    int scale = !o->no_scale, scale_t = scale && o->csv.task == NN_TASK_REGRESS;
    if (scale)
        s = nn_scaler_fit_mpi(&sc, train->x, MPI_COMM_WORLD);
    if (scale_t && s == NN_OK)
        s = nn_scaler_fit_mpi(&tsc, train->t, MPI_COMM_WORLD);
    if (scale && s == NN_OK)
        s = nn_net_set_scaler(net, &sc);
    if (scale_t && s == NN_OK)
        s = nn_net_set_target_scaler(net, &tsc);
    nn_scaler_free(&sc);
    nn_scaler_free(&tsc);
    if (any_failed(s != NN_OK)) {
        nn_net_free(net);
        return s != NN_OK ? fail("preparing the net", s) : CLI_EXIT_FAIL;
    }
    *out = net;
    return 0;
}

/* ---- nn train --mpi -------------------------------------------------------------- */

static int train_one(const cli_opts *o, const nn_dataset *train, const nn_dataset *test,
                     uint64_t seed, cli_progress *prog, nn_net **out, double *score, double *loss)
{
    nn_net *net = NULL;
    if (make_net(o, train, test, seed, &net))
        return CLI_EXIT_FAIL;
    nn_train_options opt = o->train;
    opt.batch_size = (o->train.batch_size + (size_t)g_size - 1) / (size_t)g_size;
    if (g_rank == 0) {
        prog->n_curve = 0;
        prog->started = cli_now();
        opt.on_epoch = cli_on_epoch;
        opt.user = prog;
    }
    /* The same status on every rank. */
    nn_status s = nn_net_fit_mpi(net, train, &opt, MPI_COMM_WORLD);
    if (g_rank == 0)
        cli_progress_end(prog);
    if (s != NN_OK) {
        nn_net_free(net);
        return fail("training", s);
    }
    if ((s = nn_net_evaluate_mpi(net, test, score, loss, MPI_COMM_WORLD)) != NN_OK) {
        nn_net_free(net);
        return fail_agreed("scoring the test rows", s);
    }
    if (out && g_rank == 0)
        *out = net;
    else
        nn_net_free(net);
    return 0;
}

static int run(const cli_opts *o)
{
    if (strcmp(o->data, "moons") == 0 && o->csv.task != NN_TASK_CLASSIFY) {
        if (g_rank == 0)
            fprintf(stderr, "nn: --data moons is a classification; --task %s needs --data FILE\n",
                    nn_task_name(o->csv.task));
        return CLI_EXIT_USAGE;
    }
    if (any_failed(g_rank == 0 && o->out && cli_check_writable(o->out, "--out")))
        return CLI_EXIT_FAIL;
    nn_dataset shard, test_file;
    memset(&shard, 0, sizeof shard);
    memset(&test_file, 0, sizeof test_file);
    size_t n_test = 0, test_first = 0;
    /* cli_match_test names a test row's line as header + rank + i * size
     * + 1: with contiguous parts, rank = the part's first row, size 1. */
    if (load_shard(o, o->data, &shard, &g_first) || agree_shard(o, o->data, &shard) ||
        split_shard(o, &shard, &n_test) ||
        (o->test_data &&
         (load_shard(o, o->test_data, &test_file, &test_first) ||
          agree_shard(o, o->test_data, &test_file) ||
          any_failed(cli_match_test(o, &shard, &test_file, test_first, 1))))) {
        nn_dataset_free(&shard);
        nn_dataset_free(&test_file);
        return CLI_EXIT_FAIL;
    }
    nn_dataset test = o->test_data ? test_file : view_rows(&shard, 0, n_test);
    nn_dataset train = view_rows(&shard, n_test, shard.x.rows - n_test);
    double rows[2] = {(double)train.x.rows, (double)test.x.rows};
    sum_doubles(rows, 2);
    if (g_rank == 0 && !o->quiet && o->train.batch_size % (size_t)g_size != 0)
        fprintf(stderr, "nn: --batch %zu over %d ranks: %zu rows a rank, %zu a step\n",
                o->train.batch_size, g_size,
                (o->train.batch_size + (size_t)g_size - 1) / (size_t)g_size,
                (o->train.batch_size + (size_t)g_size - 1) / (size_t)g_size * (size_t)g_size);
    cli_progress prog = {.o = o, .epochs = o->train.epochs, .tty = isatty(2)};
    /* epochs x 4 doubles, refused when the size does not fit in a size_t. */
    size_t curve_len = o->train.epochs ? o->train.epochs : 1;
    prog.curve = g_rank == 0 && curve_len <= SIZE_MAX / (4 * sizeof(double))
                     ? malloc(curve_len * 4 * sizeof(double))
                     : NULL;
    if (any_failed(g_rank == 0 && !prog.curve)) {
        if (g_rank == 0)
            fprintf(stderr, "nn: out of memory for a learning curve of %zu epochs\n",
                    o->train.epochs);
        nn_dataset_free(&shard);
        nn_dataset_free(&test_file);
        return CLI_EXIT_FAIL;
    }
    double sum = 0, sum2 = 0, t0 = cli_now(), loss = 0;
    size_t epochs_run = 0;
    int rc = 0;
    for (size_t r = 0; r < o->runs && !rc; r++) {
        nn_net *net = NULL;
        double score;
        rc = train_one(o, &train, &test, o->seed + r, &prog, o->out && r == 0 ? &net : NULL,
                       &score, &loss);
        if (rc)
            break;
        sum += score;
        sum2 += score * score;
        epochs_run += prog.n_curve;
        rc = cli_finish_run(o, &prog, r, score, net, g_rank == 0);
        /* Rank 0's plot or save failing stops every rank. */
        if (any_failed(rc) && !rc)
            rc = CLI_EXIT_FAIL;
    }
    if (!rc && g_rank == 0) {
        cli_print_score(o, sum, sum2, loss);
        double epochs = (double)epochs_run / (double)o->runs;
        printf("  [%.0f train / %.0f test rows, %d rank%s, ", rows[0], rows[1], g_size,
               g_size == 1 ? "" : "s");
        if (o->runs > 1)
            printf(epochs == floor(epochs) ? "%.0f epochs a run, " : "%.1f epochs a run, ",
                   epochs);
        else if (o->train.patience > 0 && prog.n_curve > 0)
            printf("%zu epochs (best validation loss at %zu), ", prog.n_curve,
                   cli_best_epoch(&prog));
        else
            printf("%zu epochs, ", prog.n_curve);
        printf("%.2f s]\n", cli_now() - t0);
    }
    free(prog.curve);
    nn_dataset_free(&shard);
    nn_dataset_free(&test_file);
    return rc;
}

int cmd_train_mpi(const cli_opts *o)
{
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized && MPI_Init(NULL, NULL) != MPI_SUCCESS) {
        fputs("nn train: --mpi: MPI_Init failed\n", stderr);
        return CLI_EXIT_FAIL;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    int rc = run(o);
    MPI_Finalize();
    return rc;
}
