/* mpi_bench: what data-parallel training over MPI costs per step.
 *
 * Run it under the launcher once per process count, e.g.
 *     for np in 1 2 4; do
 *         OPENBLAS_NUM_THREADS=1 mpirun -np $np bench/mpi_bench
 *     done
 *
 * Part 1, epochs. For each cell, nn_net_fit_distributed (the function under
 * nn_net_fit_mpi) runs over MPI_COMM_WORLD with hooks that time every
 * gradient all-reduce (the one MPI_Allreduce of P + 2 doubles per step).
 * Reported per epoch, median over the timed epochs after one warm-up epoch,
 * as rank 0 sees them: the epoch time (fit's own clock), the time inside
 * the gradient all-reduces and its share of the epoch. Time inside
 * MPI_Allreduce includes waiting for the slowest rank, so the share is the
 * whole price of synchronous data parallelism, not only the transfer.
 * Cells (SGD, lr 1e-3, He init, as epoch_bench):
 *   deep      784-1024-1024-10 on 3750 rows of N(0, 1) with random labels
 *             (1 863 690 parameters: a 14.9 MB all-reduce per step)
 *   tutorial  2-64-2 on the tutorial's moons train split (3750 rows)
 * Batch: --batch-mode global (default) keeps the global batch (deep 128,
 * tutorial 10) and gives each rank ceil(batch / np) rows: the same training
 * as one process, split (strong scaling). --batch-mode rank gives each rank
 * the whole batch (weak scaling: np times the rows per step).
 *
 * Part 2, MPI_Allreduce (MPI_SUM, MPI_DOUBLE, in place) against message
 * size, 8 B to the deep cell's 14.9 MB: OSU-style, a barrier, then reps
 * back-to-back calls timed together, the slowest rank's mean; median of 5
 * samples. Then a least-squares fit t(n) = alpha + beta * bytes, weighted
 * by 1/t^2 (relative residuals, so the small sizes fix alpha and the large
 * ones beta).
 *
 * Each cell runs twice in one run: with the reduction blocking (one
 * MPI_Allreduce after the backward pass) and overlapped (nn_net_fit_mpi's
 * way: an MPI_Iallreduce per bucket of layers as the backward pass produces
 * them, MPI_Testall between its products, MPI_Waitall before the update).
 * For the overlapped run the reported reduction time is the time inside
 * those calls, the part the backward pass did not hide; hidden% = 1 -
 * overlapped / blocking. --dtype f32 trains F32 nets (float gradients).
 *
 * Usage: mpi_bench [--cells deep,tutorial] [--batch-mode global|rank]
 *                  [--epochs N (3 timed)] [--max-bytes B] [--quick] [--csv FILE]
 *                  [--dtype f64|f32]
 * --quick: the tutorial cell, 1 timed epoch, sizes up to 64 KiB (smoke test).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#define NN_EXPERIMENTAL
#include <nn.h>
#include <nn/mpi.h>

#include "bench_util.h"

static int g_rank, g_size;

/* ---- helpers --------------------------------------------------------------- */

static void print_header(void)
{
    char cpu[256], date[64], mpi[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    cpu_model(cpu, sizeof cpu);
    MPI_Get_library_version(mpi, &len);
    mpi[strcspn(mpi, "\n,")] = '\0';
    bench_date(date, sizeof date);
    const char *ob = getenv("OPENBLAS_NUM_THREADS");
    printf("# mpi_bench: libnn %s (commit %s), kernels %s, %d ranks\n", nn_version_string(),
           NN_GIT_COMMIT, nn_simd_path(), g_size);
    printf("# cpu: %s, %ld cores online\n", cpu, sysconf(_SC_NPROCESSORS_ONLN));
    printf("# blas: %s, core %s, %d threads per rank (OPENBLAS_NUM_THREADS=%s)\n",
           openblas_get_config(), openblas_get_corename(), openblas_get_num_threads(),
           ob ? ob : "unset");
    printf("# mpi: %s; date: %s\n", mpi, date);
}

/* ---- part 1: epochs with timed gradient all-reduces ----------------------- */

#define MAX_EPOCHS 64

typedef struct timing {
    size_t grad_len;        /* P + 2: the length of a gradient all-reduce */
    double t_reduce;        /* seconds in gradient reductions this epoch (overlapped:
                               inside start, progress and finish: what is not hidden) */
    size_t n_reduce;        /* steps reduced this epoch */
    double epoch[MAX_EPOCHS], reduce[MAX_EPOCHS];
    size_t steps, n_epochs;
    int n_req;              /* overlapped: the sums in flight */
    MPI_Request req[64];
} timing;

static int hook_any(void *buf, size_t n, void *ctx, MPI_Datatype type, MPI_Op op)
{
    timing *t = ctx;
    double t0 = MPI_Wtime();
    int rc = MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, type, op, MPI_COMM_WORLD);
    if (n == t->grad_len) {
        t->t_reduce += MPI_Wtime() - t0;
        t->n_reduce++;
    }
    return rc != MPI_SUCCESS;
}

static int hook(double *buf, size_t n, void *ctx, MPI_Op op)
{
    return hook_any(buf, n, ctx, MPI_DOUBLE, op);
}

static int hook_sum_f32(float *buf, size_t n, void *ctx)
{
    return hook_any(buf, n, ctx, MPI_FLOAT, MPI_SUM);
}

/* The overlapped reduction's hooks (as libnn_mpi's), timed: what a rank
 * spends in them is the part of the reduction the backward pass did not
 * hide. */
static int hook_start(void *buf, size_t n, nn_dtype dtype, void *ctx)
{
    timing *t = ctx;
    double t0 = MPI_Wtime();
    int rc = t->n_req < 64 ? MPI_Iallreduce(MPI_IN_PLACE, buf, (int)n,
                                            dtype == NN_F32 ? MPI_FLOAT : MPI_DOUBLE, MPI_SUM,
                                            MPI_COMM_WORLD, &t->req[t->n_req++])
                           : MPI_ERR_COUNT;
    t->t_reduce += MPI_Wtime() - t0;
    return rc != MPI_SUCCESS;
}

static int hook_progress(void *ctx)
{
    timing *t = ctx;
    double t0 = MPI_Wtime();
    int done, rc = MPI_Testall(t->n_req, t->req, &done, MPI_STATUSES_IGNORE);
    t->t_reduce += MPI_Wtime() - t0;
    return rc != MPI_SUCCESS;
}

static int hook_finish(void *ctx)
{
    timing *t = ctx;
    double t0 = MPI_Wtime();
    int rc = MPI_Waitall(t->n_req, t->req, MPI_STATUSES_IGNORE);
    t->n_req = 0;
    t->t_reduce += MPI_Wtime() - t0;
    t->n_reduce++;
    return rc != MPI_SUCCESS;
}

static int hook_sum(double *buf, size_t n, void *ctx)
{
    return hook(buf, n, ctx, MPI_SUM);
}

static int hook_max(double *buf, size_t n, void *ctx)
{
    return hook(buf, n, ctx, MPI_MAX);
}

static int on_epoch(const nn_epoch_stats *s, void *user)
{
    timing *t = user;
    if (t->n_epochs < MAX_EPOCHS) {
        t->epoch[t->n_epochs] = s->seconds;
        t->reduce[t->n_epochs] = t->t_reduce;
        t->n_epochs++;
    }
    t->steps = t->n_reduce;
    t->t_reduce = 0.0;
    t->n_reduce = 0;
    return 0;
}

static FILE *g_csv;

/* One cell, its reduction blocking (overlap 0) or overlapped (1); the
 * median epoch and reduction seconds go to *ep and *red. */
static int run_cell(const char *name, const size_t *units, size_t L, const nn_dataset *all,
                    size_t batch, int per_rank, size_t epochs, nn_dtype dtype, int overlap,
                    double *ep_out, double *red_out, double hidden_ref)
{
    nn_dataset shard;
    if (nn_dataset_shard(all, (size_t)g_rank, (size_t)g_size, &shard) != NN_OK)
        return 0;
    nn_net_config cfg = {.n_inputs = units[0], .n_classes = units[L], .n_hidden_layers = L - 1,
                         .hidden = units + 1, .init = NN_INIT_HE, .seed = 1,
                         .dtype = dtype};
    nn_net *net = NULL;
    if (nn_net_create(&net, &cfg) != NN_OK) {
        nn_dataset_free(&shard);
        return 0;
    }
    size_t rank_batch = per_rank ? batch : (batch + (size_t)g_size - 1) / (size_t)g_size;
    timing t;
    memset(&t, 0, sizeof t);
    t.grad_len = nn_net_n_params(net) + 2;
    nn_train_options o = nn_train_defaults();
    o.optimizer = NN_SGD;
    o.learning_rate = 1e-3;
    o.batch_size = rank_batch;
    o.epochs = epochs + 1;
    o.on_epoch = on_epoch;
    o.user = &t;
    nn_fit_hooks h = {.allreduce_sum = hook_sum, .allreduce_max = hook_max, .ctx = &t,
                      .rank = g_rank, .allreduce_sum_f32 = hook_sum_f32};
    if (overlap) {
        h.reduce_start = hook_start;
        h.reduce_progress = hook_progress;
        h.reduce_finish = hook_finish;
    }
    nn_status s = nn_net_fit_distributed(net, &shard, &o, &h);
    if (s != NN_OK) {
        fprintf(stderr, "mpi_bench: rank %d: %s: %s\n", g_rank, nn_status_str(s),
                nn_last_error());
        nn_net_free(net);
        nn_dataset_free(&shard);
        return 0;
    }
    /* Drop the warm-up epoch. */
    double ep = bench_median(t.epoch + 1, t.n_epochs - 1);
    double red = bench_median(t.reduce + 1, t.n_epochs - 1);
    *ep_out = ep;
    *red_out = red;
    /* The share of the blocking reduction's time that overlapping hid. */
    char hidden[16] = "-";
    if (overlap && hidden_ref > 0)
        snprintf(hidden, sizeof hidden, "%.1f", 100.0 * (1.0 - red / hidden_ref));
    if (g_rank == 0) {
        char arch[64];
        int k = 0;
        for (size_t l = 0; l <= L; l++)
            k += snprintf(arch + k, sizeof arch - (size_t)k, l ? "-%zu" : "%zu", units[l]);
        const char *mode = overlap ? "overlap" : "block", *dt = dtype == NN_F32 ? "f32" : "f64";
        printf("%-8s %-18s %3d %6zu %6zu %9zu %6zu %-4s %-8s %11.3f %12.3f %7.1f %9.2f %7s\n",
               name, arch, g_size, rank_batch * (size_t)g_size, rank_batch, t.grad_len - 2,
               t.steps, dt, mode, ep * 1e3, red * 1e3, 100.0 * red / ep,
               red / (double)t.steps * 1e6, hidden);
        if (g_csv)
            fprintf(g_csv, "epoch,%s,%s,%d,%zu,%zu,%zu,%zu,%.6f,%.6f,%.4f,%.3f,%s,%s,%s\n", name,
                    arch, g_size, rank_batch * (size_t)g_size, rank_batch, t.grad_len - 2,
                    t.steps, ep * 1e3, red * 1e3, red / ep, red / (double)t.steps * 1e6, dt,
                    mode, hidden);
        fflush(stdout);
    }
    nn_net_free(net);
    nn_dataset_free(&shard);
    return 1;
}

/* A cell with the blocking reduction, then overlapped, in one run. */
static int run_modes(const char *name, const size_t *units, size_t L, const nn_dataset *all,
                     size_t batch, int per_rank, size_t epochs, nn_dtype dtype)
{
    double ep, red, ep2, red2;
    return run_cell(name, units, L, all, batch, per_rank, epochs, dtype, 0, &ep, &red, 0.0) &&
           run_cell(name, units, L, all, batch, per_rank, epochs, dtype, 1, &ep2, &red2, red);
}

/* ---- part 2: MPI_Allreduce against message size --------------------------- */

/* Mean seconds of one in-place MPI_SUM all-reduce of n doubles, the slowest
 * rank's, median of 5 samples of reps calls each. */
static double time_allreduce(double *buf, size_t n)
{
    size_t reps = n <= 1024 ? 2000 : n <= 65536 ? 200 : n <= 524288 ? 20 : 5;
    if (n > 2000000)
        reps = 3;
    double sample[5];
    MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD); /* warm-up */
    for (int k = 0; k < 5; k++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        for (size_t r = 0; r < reps; r++)
            MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        double t = (MPI_Wtime() - t0) / (double)reps;
        MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        sample[k] = t;
    }
    return bench_median(sample, 5);
}

static void allreduce_sizes(size_t max_bytes)
{
    size_t max_n = max_bytes / 8, m = 0;
    double bytes[32], secs[32];
    double *buf = calloc(max_n, sizeof *buf);
    if (!buf)
        return;
    if (g_rank == 0)
        printf("\n%-12s %12s %10s\n", "bytes", "us", "GB/s");
    for (size_t n = 1; n <= max_n && m < 32; n = n * 8 > max_n && n < max_n ? max_n : n * 8) {
        double t = time_allreduce(buf, n);
        bytes[m] = 8.0 * (double)n;
        secs[m++] = t;
        if (g_rank == 0) {
            printf("%-12.0f %12.2f %10.3f\n", 8.0 * (double)n, t * 1e6, 8.0 * (double)n / t * 1e-9);
            if (g_csv)
                fprintf(g_csv, "allreduce,%d,%.0f,%.4f\n", g_size, 8.0 * (double)n, t * 1e6);
        }
    }
    free(buf);
    /* Weighted least squares for t = alpha + beta * b, weights 1/t^2. */
    double sw = 0, sb = 0, st = 0, sbb = 0, sbt = 0;
    for (size_t i = 0; i < m; i++) {
        double w = 1.0 / (secs[i] * secs[i]);
        sw += w;
        sb += w * bytes[i];
        st += w * secs[i];
        sbb += w * bytes[i] * bytes[i];
        sbt += w * bytes[i] * secs[i];
    }
    double det = sw * sbb - sb * sb;
    double beta = det != 0 ? (sw * sbt - sb * st) / det : NAN;
    double alpha = (st - beta * sb) / sw;
    if (g_rank == 0) {
        printf("# fit t = alpha + beta * bytes: alpha %.2f us, beta %.4f ns/byte "
               "(%.2f GB/s) on %d ranks\n", alpha * 1e6, beta * 1e9, 1e-9 / beta, g_size);
        if (g_csv)
            fprintf(g_csv, "fit,%d,%.4f,%.6f\n", g_size, alpha * 1e6, beta * 1e9);
    }
}

/* ---- main ---------------------------------------------------------------- */

static void usage(void)
{
    if (g_rank == 0)
        fputs("usage: mpi_bench [--cells deep,tutorial] [--batch-mode global|rank]"
              " [--epochs N] [--max-bytes B] [--quick] [--csv FILE] [--dtype f64|f32]\n",
          stderr);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    int deep = 1, tutorial = 1, per_rank = 0, ok = 1;
    size_t epochs = 3, max_bytes = 1863692 * 8;
    const char *csv = NULL;
    nn_dtype dtype = NN_F64;
    for (int i = 1; i < argc && ok; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(k, "--quick") == 0) {
            deep = 0;
            epochs = 1;
            max_bytes = 65536;
            continue;
        }
        if (!v) {
            ok = 0;
            break;
        }
        i++;
        if (strcmp(k, "--cells") == 0) {
            deep = strstr(v, "deep") != NULL;
            tutorial = strstr(v, "tutorial") != NULL;
            ok = deep || tutorial;
        } else if (strcmp(k, "--batch-mode") == 0) {
            per_rank = strcmp(v, "rank") == 0;
            ok = per_rank || strcmp(v, "global") == 0;
        } else if (strcmp(k, "--epochs") == 0) {
            epochs = strtoul(v, NULL, 10);
            ok = epochs > 0 && epochs < MAX_EPOCHS;
        } else if (strcmp(k, "--max-bytes") == 0) {
            max_bytes = strtoul(v, NULL, 10);
            ok = max_bytes >= 8 && max_bytes / 8 <= 0x7fffffff;
        } else if (strcmp(k, "--csv") == 0) {
            csv = v;
        } else if (strcmp(k, "--dtype") == 0) {
            dtype = strcmp(v, "f32") == 0 ? NN_F32 : NN_F64;
            ok = dtype == NN_F32 || strcmp(v, "f64") == 0;
        } else {
            ok = 0;
        }
    }
    if (!ok) {
        usage();
        MPI_Finalize();
        return 2;
    }
    if (g_rank == 0 && csv) {
        g_csv = fopen(csv, "w");
        if (g_csv)
            fputs("kind,cell,arch,np,batch_global,batch_rank,params,steps,epoch_ms,"
                  "allreduce_ms,allreduce_share,allreduce_us,dtype,mode,hidden_pct\n", g_csv);
    }
    if (g_rank == 0) {
        print_header();
        printf("# epochs: median of %zu after 1 warm-up; SGD lr 1e-3; batch %s\n", epochs,
               per_rank ? "per rank (weak scaling)" : "global, split over the ranks (strong)");
        printf("# block: one MPI_Allreduce after the backward pass; overlap: MPI_Iallreduce per\n"
               "# layer bucket during it (nn_net_fit_mpi's way); allreduce_ms: time in the\n"
               "# reduction calls (overlap: not hidden); hidden%%: 1 - overlap's / block's\n");
        printf("\n%-8s %-18s %3s %6s %6s %9s %6s %-4s %-8s %11s %12s %7s %9s %7s\n", "cell",
               "arch", "np", "batch", "/rank", "params", "steps", "type", "mode", "epoch_ms",
               "allreduce_ms", "share%", "us/reduce", "hidden%");
    }
    int rc = 0;
    if (deep) {
        nn_dataset d;
        memset(&d, 0, sizeof d);
        size_t units[4] = {784, 1024, 1024, 10};
        rc |= !(make_deep_data(&d, 3750, 784, 10, 42) &&
                run_modes("deep", units, 3, &d, 128, per_rank, epochs, dtype));
        nn_dataset_free(&d);
    }
    if (tutorial) {
        nn_dataset all, train, test;
        size_t units[3] = {2, 64, 2};
        rc |= nn_make_moons(&all, 5000, 0.1, 42) != NN_OK ||
              nn_train_test_split(&all, 0.25, 42, &train, &test) != NN_OK ||
              !run_modes("tutorial", units, 2, &train, 10, per_rank, epochs, dtype);
        nn_dataset_free(&all);
        nn_dataset_free(&train);
        nn_dataset_free(&test);
    }
    allreduce_sizes(max_bytes);
    if (g_csv)
        fclose(g_csv);
    MPI_Finalize();
    return rc;
}
