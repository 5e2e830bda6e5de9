/* epoch_bench: how long one training epoch of nn_net_fit takes, and how
 * close that is to the time its GEMMs alone take through cblas_dgemm.
 *
 * A cell is (shape, batch, hidden). An epoch is everything nn_net_fit does
 * for one pass over the training rows: shuffle, every minibatch (the last
 * one partial), forward, backward, SGD update. Epoch times come from fit's
 * own per-epoch clock (nn_epoch_stats.seconds), after one warm-up epoch.
 * The GEMM-only floor replays, in the same run, the exact cblas_dgemm calls
 * one epoch needs (same shapes, transposes, batch sizes, threads) on
 * preallocated buffers; epoch / floor says how much the rest costs.
 *
 * Shapes: tutorial = 2-H-2 on the tutorial's moons split (3750 rows);
 * deep = 784-H-H-10 on 3750 synthetic rows (MNIST-sized layers).
 *
 * Usage: epoch_bench [--shape tutorial|deep|all] [--batch 10,32] [--hidden 64]
 *                    [--epochs N] [--threads T] [--csv FILE] [--json FILE] [--quick]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#include <nn.h>

#ifndef NN_GIT_COMMIT
#define NN_GIT_COMMIT "unknown"
#endif
#ifndef NN_BENCH_CFLAGS
#define NN_BENCH_CFLAGS "unknown"
#endif

#define MAX_LIST 16

typedef struct list {
    size_t v[MAX_LIST], n;
} list;

typedef struct opts {
    int tutorial, deep;
    list batch, hidden;
    size_t epochs;
    int threads;
    const char *csv, *json;
} opts;

typedef struct stats {
    double median, min, max;
} stats;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static stats summarize(double *t, size_t n)
{
    qsort(t, n, sizeof *t, cmp_double);
    stats s = {n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]), t[0], t[n - 1]};
    return s;
}

static int parse_list(const char *s, list *l)
{
    l->n = 0;
    char buf[256];
    if (!s || strlen(s) >= sizeof buf)
        return 0;
    strcpy(buf, s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *end;
        unsigned long v = strtoul(tok, &end, 10);
        if (*end || v == 0 || l->n == MAX_LIST)
            return 0;
        l->v[l->n++] = v;
    }
    return l->n > 0;
}

/* ---- the header ------------------------------------------------------------ */

static void cpu_model(char *out, size_t n)
{
    snprintf(out, n, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c) {
                snprintf(out, n, "%s", c + 2);
                out[strcspn(out, "\n")] = '\0';
            }
            break;
        }
    fclose(f);
}

static void print_header(FILE *f)
{
    char cpu[256], date[64];
    cpu_model(cpu, sizeof cpu);
    time_t t = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
    const char *ob = getenv("OPENBLAS_NUM_THREADS"), *omp = getenv("OMP_NUM_THREADS");
    fprintf(f, "# epoch_bench: libnn %s (commit %s), kernels %s\n", nn_version_string(),
            NN_GIT_COMMIT, nn_simd_path());
    fprintf(f, "# cpu: %s, %ld cores online\n", cpu, sysconf(_SC_NPROCESSORS_ONLN));
    fprintf(f, "# blas: %s, core %s, %d threads (OPENBLAS_NUM_THREADS=%s OMP_NUM_THREADS=%s)\n",
            openblas_get_config(), openblas_get_corename(), openblas_get_num_threads(),
            ob ? ob : "unset", omp ? omp : "unset");
    fprintf(f, "# compiler: %s, flags: %s\n", __VERSION__, NN_BENCH_CFLAGS);
    fprintf(f, "# date: %s\n", date);
}

/* ---- the GEMM-only floor ----------------------------------------------------- */

/* Replay one epoch's cblas_dgemm calls: per minibatch and layer, the
 * forward product, the weight gradient, and (except for the first layer)
 * the input gradient, exactly as the training step issues them. */
typedef struct floor_bufs {
    double *x, *w[4], *act[4], *dact, *dw;
} floor_bufs;

static void floor_epoch(const size_t *units, size_t L, size_t rows, size_t batch,
                        const floor_bufs *b)
{
    for (size_t i = 0; i < rows; i += batch) {
        int n = (int)(rows - i < batch ? rows - i : batch);
        const double *a = b->x + i * units[0];
        for (size_t l = 0; l < L; l++) {
            int in = (int)units[l], out = (int)units[l + 1];
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, out, in, 1.0, a, in,
                        b->w[l], out, 0.0, b->act[l], out);
            a = b->act[l];
        }
        for (size_t l = L; l-- > 0;) {
            int in = (int)units[l], out = (int)units[l + 1];
            const double *aprev = l ? b->act[l - 1] : b->x + i * units[0];
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, out, n, 1.0, aprev, in,
                        b->act[l], out, 0.0, b->dw, out);
            if (l > 0)
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, in, out, 1.0,
                            b->act[l], out, b->w[l], out, 0.0, b->dact, in);
        }
    }
}

static double epoch_flops(const size_t *units, size_t L, size_t rows)
{
    double f = 0;
    for (size_t l = 0; l < L; l++)
        f += 2.0 * (double)rows * (double)units[l] * (double)units[l + 1] * (l ? 3.0 : 2.0);
    return f;
}

static stats measure_floor(const size_t *units, size_t L, const nn_dataset *train,
                           size_t batch, size_t samples)
{
    floor_bufs b;
    size_t maxu = 0;
    memset(&b, 0, sizeof b);
    for (size_t l = 0; l <= L; l++)
        maxu = units[l] > maxu ? units[l] : maxu;
    b.x = train->x.data;
    for (size_t l = 0; l < L; l++) {
        b.w[l] = calloc(units[l] * units[l + 1], sizeof(double));
        b.act[l] = calloc(batch * units[l + 1], sizeof(double));
        for (size_t k = 0; k < units[l] * units[l + 1]; k++)
            b.w[l][k] = 0.01 * (double)(k % 7);
    }
    b.dact = calloc(batch * maxu, sizeof(double));
    b.dw = calloc(maxu * maxu, sizeof(double));
    double *t = malloc(samples * sizeof *t);
    floor_epoch(units, L, train->x.rows, batch, &b); /* warm-up */
    for (size_t s = 0; s < samples; s++) {
        double t0 = now();
        floor_epoch(units, L, train->x.rows, batch, &b);
        t[s] = now() - t0;
    }
    stats st = summarize(t, samples);
    free(t);
    for (size_t l = 0; l < L; l++) {
        free(b.w[l]);
        free(b.act[l]);
    }
    free(b.dact);
    free(b.dw);
    return st;
}

/* ---- the epochs ------------------------------------------------------------ */

typedef struct epoch_log {
    double *t;
    size_t n, cap;
} epoch_log;

static int log_epoch(const nn_epoch_stats *s, void *user)
{
    epoch_log *lg = user;
    if (lg->n < lg->cap)
        lg->t[lg->n++] = s->seconds;
    return 0;
}

/* One warm-up epoch first (its time decides how many to time), then the
 * timed ones, all in one fit so the buffers are allocated once. */
static int measure_epochs(const size_t *units, size_t L, const nn_dataset *train, size_t batch,
                          size_t want, stats *out, size_t *timed)
{
    nn_net_config cfg = {units[0], units[L], L - 1, units + 1, NN_INIT_HE, 1};
    nn_net *net;
    nn_status s = nn_net_create(&net, &cfg);
    if (s != NN_OK) {
        fprintf(stderr, "epoch_bench: %s\n", nn_last_error());
        return 0;
    }
    nn_train_options o = nn_train_defaults();
    o.optimizer = NN_SGD;
    o.learning_rate = 1e-3;
    o.batch_size = batch;
    o.epochs = 1;
    double t0 = now();
    s = nn_net_fit(net, train, &o);
    double warm = now() - t0;
    size_t n = warm > 1.0 && want > 3 ? 3 : want;
    epoch_log lg = {malloc(n * sizeof(double)), 0, n};
    o.epochs = n;
    o.on_epoch = log_epoch;
    o.user = &lg;
    if (s == NN_OK)
        s = nn_net_fit(net, train, &o);
    nn_net_free(net);
    if (s != NN_OK || lg.n != n) {
        fprintf(stderr, "epoch_bench: fit failed: %s\n", nn_last_error());
        free(lg.t);
        return 0;
    }
    *out = summarize(lg.t, n);
    *timed = n;
    free(lg.t);
    return 1;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int make_deep_data(nn_dataset *d)
{
    d->n_classes = 10;
    d->y = malloc(3750 * sizeof(int32_t));
    if (!d->y || nn_mat_alloc(&d->x, 3750, 784) != NN_OK)
        return 0;
    uint64_t s = 12345;
    for (size_t i = 0; i < 3750 * 784; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        d->x.data[i] = (double)(s >> 11) * 0x1.0p-53 - 0.5;
    }
    for (size_t i = 0; i < 3750; i++)
        d->y[i] = (int32_t)(i % 10);
    return 1;
}

static void run_cell(const char *shape, const size_t *units, size_t L, const nn_dataset *train,
                     size_t batch, const opts *o, FILE *csv, FILE *json)
{
    stats ep, fl;
    size_t n;
    if (!measure_epochs(units, L, train, batch, o->epochs, &ep, &n))
        return;
    fl = measure_floor(units, L, train, batch, n);
    double flops = epoch_flops(units, L, train->x.rows);
    double sps = (double)train->x.rows / ep.median;
    long rss = peak_rss_kib();
    char arch[64];
    if (L == 2)
        snprintf(arch, sizeof arch, "%zu-%zu-%zu", units[0], units[1], units[2]);
    else
        snprintf(arch, sizeof arch, "%zu-%zu-%zu-%zu", units[0], units[1], units[2], units[3]);
    printf("%-8s %-16s %6zu %6zu %10.3f %10.3f %10.3f %10.3f %7.2f %12.0f %8.2f %8ld %3zu\n",
           shape, arch, batch, units[1], ep.median * 1e3, ep.min * 1e3, ep.max * 1e3,
           fl.median * 1e3, ep.median / fl.median, sps, flops / ep.median * 1e-9, rss / 1024, n);
    fflush(stdout);
    if (csv)
        fprintf(csv, "%s,%s,%zu,%zu,%.6f,%.6f,%.6f,%.6f,%.4f,%.1f,%.4f,%ld,%zu,%d,%s\n", shape,
                arch, batch, units[1], ep.median * 1e3, ep.min * 1e3, ep.max * 1e3,
                fl.median * 1e3, ep.median / fl.median, sps, flops / ep.median * 1e-9, rss,
                n, openblas_get_num_threads(), nn_simd_path());
    if (json)
        fprintf(json,
                "{\"shape\":\"%s\",\"arch\":\"%s\",\"batch\":%zu,\"hidden\":%zu,"
                "\"epoch_ms_median\":%.6f,\"epoch_ms_min\":%.6f,\"epoch_ms_max\":%.6f,"
                "\"floor_ms_median\":%.6f,\"ratio\":%.4f,\"samples_per_s\":%.1f,"
                "\"gflops\":%.4f,\"peak_rss_kib\":%ld,\"n_epochs\":%zu,\"threads\":%d,"
                "\"simd\":\"%s\",\"commit\":\"%s\"}\n",
                shape, arch, batch, units[1], ep.median * 1e3, ep.min * 1e3, ep.max * 1e3,
                fl.median * 1e3, ep.median / fl.median, sps, flops / ep.median * 1e-9, rss, n,
                openblas_get_num_threads(), nn_simd_path(), NN_GIT_COMMIT);
}

static void usage(void)
{
    fprintf(stderr, "usage: epoch_bench [--shape tutorial|deep|all] [--batch 10,32]"
                    " [--hidden 64] [--epochs N] [--threads T] [--csv FILE] [--json FILE]"
                    " [--quick]\n");
}

int main(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    o.tutorial = o.deep = 1;
    o.epochs = 5;
    int quick = 0, have_batch = 0, have_hidden = 0;
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = 1;
        if (strcmp(k, "--quick") == 0) {
            quick = 1;
            continue;
        }
        if (!v) {
            usage();
            return 2;
        }
        if (strcmp(k, "--shape") == 0) {
            o.tutorial = strcmp(v, "tutorial") == 0 || strcmp(v, "all") == 0;
            o.deep = strcmp(v, "deep") == 0 || strcmp(v, "all") == 0;
            ok = o.tutorial || o.deep;
        } else if (strcmp(k, "--batch") == 0)
            ok = have_batch = parse_list(v, &o.batch);
        else if (strcmp(k, "--hidden") == 0)
            ok = have_hidden = parse_list(v, &o.hidden);
        else if (strcmp(k, "--epochs") == 0)
            ok = (o.epochs = strtoul(v, NULL, 10)) > 0;
        else if (strcmp(k, "--threads") == 0)
            ok = (o.threads = atoi(v)) > 0;
        else if (strcmp(k, "--csv") == 0)
            o.csv = v;
        else if (strcmp(k, "--json") == 0)
            o.json = v;
        else
            ok = 0;
        if (!ok) {
            fprintf(stderr, "epoch_bench: bad option %s %s\n", k, v);
            usage();
            return 2;
        }
        i++;
    }
    if (quick) {
        o.deep = 0;
        o.tutorial = 1;
        if (!have_batch)
            parse_list("10,32,128", &o.batch);
        if (!have_hidden)
            parse_list("64", &o.hidden);
    }
    if (o.threads)
        openblas_set_num_threads(o.threads); /* a bench may; the library never does */
    FILE *csv = o.csv ? fopen(o.csv, "w") : NULL, *json = o.json ? fopen(o.json, "w") : NULL;
    if ((o.csv && !csv) || (o.json && !json)) {
        fprintf(stderr, "epoch_bench: cannot open an output file\n");
        return 1;
    }
    if (csv)
        fprintf(csv, "shape,arch,batch,hidden,epoch_ms_median,epoch_ms_min,epoch_ms_max,"
                     "floor_ms_median,ratio,samples_per_s,gflops,peak_rss_kib,n_epochs,"
                     "threads,simd\n");
    print_header(stdout);
    printf("%-8s %-16s %6s %6s %10s %10s %10s %10s %7s %12s %8s %8s %3s\n", "shape", "net",
           "batch", "hidden", "epoch ms", "min ms", "max ms", "floor ms", "ratio", "samples/s",
           "GFLOP/s", "RSS MiB", "n");

    if (o.tutorial) {
        nn_dataset all, train, test;
        if (nn_make_moons(&all, 5000, 0.1, 42) != NN_OK ||
            nn_train_test_split(&all, 0.25, 42, &train, &test) != NN_OK) {
            fprintf(stderr, "epoch_bench: %s\n", nn_last_error());
            return 1;
        }
        list b = o.batch, h = o.hidden;
        if (!have_batch && !quick)
            parse_list("1,10,32,128,1024", &b);
        if (!have_hidden && !quick)
            parse_list("16,64,256,1024,4096", &h);
        for (size_t i = 0; i < h.n; i++)
            for (size_t j = 0; j < b.n; j++) {
                size_t units[3] = {2, h.v[i], 2};
                run_cell("tutorial", units, 2, &train, b.v[j], &o, csv, json);
            }
        nn_dataset_free(&all);
        nn_dataset_free(&train);
        nn_dataset_free(&test);
    }
    if (o.deep) {
        nn_dataset d = {{0}, NULL, 0};
        if (!make_deep_data(&d)) {
            fprintf(stderr, "epoch_bench: out of memory\n");
            return 1;
        }
        list b = o.batch, h = o.hidden;
        if (!have_batch)
            parse_list("32,128,1024", &b);
        if (!have_hidden)
            parse_list("256,1024,4096", &h);
        for (size_t i = 0; i < h.n; i++)
            for (size_t j = 0; j < b.n; j++) {
                size_t units[4] = {784, h.v[i], h.v[i], 10};
                run_cell("deep", units, 3, &d, b.v[j], &o, csv, json);
            }
        nn_dataset_free(&d);
    }
    if (csv)
        fclose(csv);
    if (json)
        fclose(json);
    return 0;
}
