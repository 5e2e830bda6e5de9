/* load_bench: how fast and in how much memory libnn loads a data set.
 *
 *   load_bench --csv FILE [--header] [--npy X.npy Y.npy] [--runs N] [--format text|csv]
 *   mpirun -np 2 load_bench --mpi --csv FILE [--header]
 *
 * Each load runs in a child process of its own (fork), so its peak
 * resident memory is the child's own ru_maxrss (getrusage at its end) and
 * no load inherits another's heap; an idle child gives the baseline (the program and its
 * libraries). Reported per loader: the median time of --runs loads
 * (min, max), MB/s of the file's bytes, the peak RSS, and the peak over the
 * loaded data set's bytes (x as doubles plus the labels). Loaders:
 * nn_load_csv, and with --npy nn_load_npy_dataset on X.npy and Y.npy.
 *
 * --mpi (when built with libnn_mpi): every rank loads its part with
 * nn_load_csv_mpi and prints its rows, the time and its own peak RSS
 * (getrusage); rank 0 checks that the rows add up and that every rank has
 * the same class names, and prints a checksum of the rows (the sum of a
 * hash of each row) that the single-process run prints too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#include <nn.h>
#ifdef NN_LOAD_BENCH_MPI
#include <nn/mpi.h>
#endif

#include "bench_util.h"

typedef struct opts {
    const char *csv, *npy_x, *npy_y;
    int header, runs, csv_format, mpi;
} opts;

/* An order-free checksum of the rows: the sum of an FNV-1a hash of each
 * row's bytes (features, then label or targets). */
static uint64_t rows_checksum(const nn_dataset *d)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < d->x.rows; i++) {
        uint64_t h = 14695981039346656037u;
        const unsigned char *b = (const unsigned char *)(d->x.data + i * d->x.ld);
        for (size_t k = 0; k < d->x.cols * sizeof(double); k++)
            h = (h ^ b[k]) * 1099511628211u;
        if (d->y) {
            const char *name = d->class_names ? d->class_names[d->y[i]] : NULL;
            uint64_t v = name ? 0 : (uint64_t)d->y[i];
            for (const char *c = name; c && *c; c++)
                v = (v ^ (unsigned char)*c) * 1099511628211u;
            h = (h ^ v) * 1099511628211u;
        }
        sum += h;
    }
    return sum;
}

static size_t dataset_bytes(const nn_dataset *d)
{
    return d->x.rows * d->x.cols * sizeof(double) + (d->y ? d->x.rows * sizeof(int32_t) : 0) +
           d->t.rows * d->t.cols * sizeof(double);
}

/* What a child reports through its pipe. */
typedef struct result {
    int ok;
    double seconds;
    size_t rows, cols, bytes, peak;
    uint64_t checksum;
    char error[256];
} result;

static void load_in_child(const opts *o, int which, result *r)
{
    nn_dataset d;
    nn_csv_options c = nn_csv_defaults();
    c.has_header = o->header;
    double t0 = bench_now();
    nn_status s = NN_OK;
    if (which == 1)
        s = nn_load_csv(&d, o->csv, &c);
    else if (which == 2)
        s = nn_load_npy_dataset(&d, o->npy_x, o->npy_y, NN_TASK_CLASSIFY);
    r->seconds = bench_now() - t0;
    r->ok = s == NN_OK;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    r->peak = (size_t)ru.ru_maxrss * 1024;
    if (which == 0 || s != NN_OK) {
        snprintf(r->error, sizeof r->error, "%s", which ? nn_last_error() : "");
        return;
    }
    r->rows = d.x.rows;
    r->cols = d.x.cols;
    r->bytes = dataset_bytes(&d);
    r->checksum = rows_checksum(&d);
    nn_dataset_free(&d);
}

/* One load in a child: its result and its peak RSS in bytes. */
static int run_child(const opts *o, int which, result *r, size_t *peak)
{
    int fd[2];
    if (pipe(fd) != 0)
        return 0;
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        close(fd[0]);
        result mine;
        memset(&mine, 0, sizeof mine);
        load_in_child(o, which, &mine);
        ssize_t w = write(fd[1], &mine, sizeof mine);
        _exit(w == (ssize_t)sizeof mine ? 0 : 1);
    }
    close(fd[1]);
    memset(r, 0, sizeof *r);
    ssize_t got = read(fd[0], r, sizeof *r);
    close(fd[0]);
    int status;
    if (waitpid(pid, &status, 0) != pid || got != (ssize_t)sizeof *r)
        return 0;
    *peak = r->peak;
    return 1;
}

static size_t file_bytes(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

static int bench(const opts *o)
{
    result base;
    size_t base_peak = 0;
    if (!run_child(o, 0, &base, &base_peak))
        return 1;
    if (o->csv_format)
        printf("loader,file_mb,runs,median_s,min_s,max_s,mb_per_s,rows,cols,data_mb,peak_mb,"
               "baseline_mb,peak_over_data,checksum\n");
    else
        printf("baseline (an idle child): peak RSS %.1f MB\n", (double)base_peak / 1e6);
    for (int which = 1; which <= 2; which++) {
        if (which == 2 && !o->npy_x)
            continue;
        size_t in = which == 1 ? file_bytes(o->csv) : file_bytes(o->npy_x) + file_bytes(o->npy_y);
        double t[64];
        size_t peak = 0;
        result r;
        int n = o->runs;
        for (int k = 0; k < n; k++) {
            size_t p = 0;
            if (!run_child(o, which, &r, &p) || !r.ok) {
                fprintf(stderr, "load_bench: %s\n", r.error[0] ? r.error : "the child failed");
                return 1;
            }
            t[k] = r.seconds;
            peak = p > peak ? p : peak;
        }
        double med = bench_median(t, (size_t)n); /* t sorted: t[0] min, t[n - 1] max */
        const char *name = which == 1 ? "nn_load_csv" : "nn_load_npy_dataset";
        double mbps = (double)in / 1e6 / med, ratio = (double)peak / (double)r.bytes;
        if (o->csv_format)
            printf("%s,%.1f,%d,%.3f,%.3f,%.3f,%.1f,%zu,%zu,%.1f,%.1f,%.1f,%.3f,%016llx\n", name,
                   (double)in / 1e6, n, med, t[0], t[n - 1], mbps, r.rows, r.cols,
                   (double)r.bytes / 1e6, (double)peak / 1e6, (double)base_peak / 1e6, ratio,
                   (unsigned long long)r.checksum);
        else
            printf("%-20s %8.1f MB  %d runs: median %.3f s (min %.3f, max %.3f) = %7.1f MB/s  "
                   "%zu x %zu, data %.1f MB, peak RSS %.1f MB = %.2fx data  rows %016llx\n",
                   name, (double)in / 1e6, n, med, t[0], t[n - 1], mbps, r.rows, r.cols,
                   (double)r.bytes / 1e6, (double)peak / 1e6, ratio,
                   (unsigned long long)r.checksum);
    }
    return 0;
}

#ifdef NN_LOAD_BENCH_MPI
/* Every rank loads its part; rank 0 prints each rank's line. */
static int bench_mpi(const opts *o)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    nn_csv_options c = nn_csv_defaults();
    c.has_header = o->header;
    nn_dataset d;
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = bench_now();
    nn_status s = nn_load_csv_mpi(&d, o->csv, &c, MPI_COMM_WORLD);
    double sec = bench_now() - t0;
    if (s != NN_OK) {
        if (rank == 0)
            fprintf(stderr, "load_bench: %s\n", nn_last_error());
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    /* rows, data bytes, peak RSS, checksum, names hash */
    uint64_t names = 1469598103934665603u;
    for (size_t k = 0; d.class_names && k < d.n_classes; k++)
        for (const char *p = d.class_names[k]; *p; p++)
            names = (names ^ (unsigned char)*p) * 1099511628211u;
    unsigned long long mine[5] = {d.x.rows, dataset_bytes(&d), (unsigned long long)ru.ru_maxrss *
                                  1024, rows_checksum(&d), names};
    unsigned long long *all = malloc((size_t)size * sizeof mine);
    MPI_Gather(mine, 5, MPI_UNSIGNED_LONG_LONG, all, 5, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    double slowest = sec;
    MPI_Reduce(&sec, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        unsigned long long rows = 0, sum = 0;
        int same_names = 1;
        for (int r = 0; r < size; r++) {
            unsigned long long *m = all + 5 * r;
            printf("rank %d: %llu rows, data %.1f MB, peak RSS %.1f MB\n", r, m[0],
                   (double)m[1] / 1e6, (double)m[2] / 1e6);
            rows += m[0];
            sum += m[3];
            same_names &= m[4] == all[4];
        }
        printf("nn_load_csv_mpi on %d ranks: %.3f s (slowest rank), %.1f MB/s; %llu rows, "
               "rows %016llx, class names %s on every rank (%zu classes)\n",
               size, slowest, (double)file_bytes(o->csv) / 1e6 / slowest, rows, sum,
               same_names ? "the same" : "NOT the same", d.n_classes);
    }
    free(all);
    nn_dataset_free(&d);
    return 0;
}
#endif

static void header(const opts *o)
{
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    char date[64];
    bench_date(date, sizeof date);
    const char *ct = getenv("OPENBLAS_CORETYPE");
    fprintf(o->csv_format ? stderr : stdout,
            "# load_bench: libnn %s (%s), %s, cpu %s, OpenBLAS core %s (OPENBLAS_CORETYPE=%s), "
            "%s\n",
            nn_version_string(), NN_GIT_COMMIT, __VERSION__, cpu, openblas_get_corename(),
            ct ? ct : "unset", date);
}

int main(int argc, char **argv)
{
    opts o = {NULL, NULL, NULL, 0, 3, 0, 0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--csv") && i + 1 < argc)
            o.csv = argv[++i];
        else if (!strcmp(argv[i], "--npy") && i + 2 < argc) {
            o.npy_x = argv[++i];
            o.npy_y = argv[++i];
        } else if (!strcmp(argv[i], "--header"))
            o.header = 1;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            o.runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--format") && i + 1 < argc)
            o.csv_format = !strcmp(argv[++i], "csv");
        else if (!strcmp(argv[i], "--mpi"))
            o.mpi = 1;
        else {
            fprintf(stderr, "usage: load_bench --csv FILE [--header] [--npy X Y] [--runs N] "
                            "[--format text|csv] [--mpi]\n");
            return 2;
        }
    }
    if (!o.csv || o.runs < 1 || o.runs > 64) {
        fprintf(stderr, "load_bench: --csv FILE is required; --runs is 1 to 64\n");
        return 2;
    }
    if (o.mpi) {
#ifdef NN_LOAD_BENCH_MPI
        MPI_Init(&argc, &argv);
        int rank;
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        if (rank == 0)
            header(&o);
        int rc = bench_mpi(&o);
        MPI_Finalize();
        return rc;
#else
        fprintf(stderr, "load_bench: built without MPI\n");
        return 2;
#endif
    }
    header(&o);
    return bench(&o);
}
