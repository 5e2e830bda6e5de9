/* epoch_bench: how long one training epoch of nn_net_fit takes, and how
 * close that is to the time its GEMMs alone take through cblas_dgemm.
 *
 * A cell is (shape, batch, hidden). An epoch is everything nn_net_fit does
 * for one pass over the training rows: shuffle, every minibatch (the last
 * one partial), forward, backward, SGD update. Epoch times come from fit's
 * own per-epoch clock (nn_epoch_stats.seconds) in one fit call whose first
 * epoch is the warm-up; our own CLOCK_MONOTONIC around that call gives
 * fit_call_ms (the whole call: setup, warm-up, timed epochs and the floor
 * replays) and fit_overhead_ms (the call's time outside its epochs and our
 * callback, i.e. fit's setup and checks). Timed epochs: --epochs N, or by default 15 when
 * the warm-up epoch took under 0.1 s, 5 up to 1 s, and 3 above.
 * The GEMM-only floor replays the exact cblas_dgemm calls one epoch needs
 * (same shapes, transposes, batch sizes, threads) on preallocated buffers,
 * once after each epoch of the same fit (from its on_epoch callback, so
 * epochs and floor samples alternate); ratio = median epoch / median floor,
 * paired = median over k of epoch_k / floor_k. libnn sends its tiniest
 * products to its own small gemm instead of cblas_dgemm, so there the
 * "floor" is what cblas alone would cost and the ratio can be below 1.
 *
 * Which products go to the small gemm is the net's GEMM path (nn/net.h,
 * nn_gemm_path): NN_GEMM from the environment, or --gemm small,blas,auto,
 * which measures each cell once per path listed, one after the other, so
 * that the paths are compared under the same machine conditions. Each row
 * reports how many distinct product shapes of the cell's steps went to
 * each path and how long the plan took (inside fit_overhead_ms).
 *
 * --compare also times the tutorial's network in vectorized numpy on each
 * tutorial cell, right after libnn's epochs of that cell (compare_numpy.py
 * --one-cell, through /usr/bin/python3 when it has numpy), so that the
 * numpy/libnn and libnn/floor ratios come from one run.
 *
 * Shapes: tutorial = 2-H-2 on the tutorial's moons split (3750 rows);
 * deep = 784-H-H-10 on 3750 synthetic rows (MNIST-sized layers).
 *
 * --dtype f64,f32 runs each cell once per dtype in the same run (default
 * f64), each against its own floor: cblas_dgemm for F64, cblas_sgemm for
 * F32.
 *
 * Usage: epoch_bench [--shape tutorial|deep|all] [--batch 10,32] [--hidden 64]
 *                    [--epochs N] [--threads T] [--gemm auto,small,blas] [--dtype f64,f32]
 *                    [--compare] [--python PATH] [--numpy-script PATH]
 *                    [--numpy-epochs N] [--csv FILE] [--json FILE] [--quick]
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#define NN_EXPERIMENTAL /* nn_net_set_gemm_path, nn_net_gemm_plan_info */
#include <nn.h>

#include "bench_util.h"

#define MAX_LIST 16
#define MAX_EPOCHS 1000
#define MAX_PATHS 3

typedef struct list {
    size_t v[MAX_LIST], n;
} list;

typedef struct opts {
    int tutorial, deep;
    nn_activation act; /* of every hidden layer (--activation) */
    nn_task task;      /* --task; other tasks train on one-hot targets */
    list batch, hidden;
    size_t epochs;
    int threads;
    const char *csv, *json;
    nn_gemm_path paths[MAX_PATHS]; /* --gemm, or the one NN_GEMM gives */
    size_t n_paths;
    nn_dtype dtypes[2];            /* --dtype f64,f32 (f64) */
    size_t n_dtypes;
    int paths_flag;                /* the paths came from --gemm */
    /* --compare: numpy beside each tutorial cell. */
    int compare;
    const char *python, *numpy_script;
    size_t numpy_epochs;
    int numpy_ok; /* the probe found numpy */
} opts;

typedef struct stats {
    double median, min, max;
} stats;

static stats summarize(double *t, size_t n)
{
    double median = bench_median(t, n); /* sorts t */
    stats s = {median, t[0], t[n - 1]};
    return s;
}

static const char *dtype_name(nn_dtype d)
{
    return d == NN_F32 ? "f32" : "f64";
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

#if defined(__clang__)
#define COMPILER_NAME "clang"
#elif defined(__GNUC__)
#define COMPILER_NAME "gcc"
#else
#define COMPILER_NAME "cc"
#endif

static void print_header(FILE *f, int threads_flag, const opts *o, const char *numpy)
{
    char cpu[256], date[64];
    cpu_model(cpu, sizeof cpu);
    bench_date(date, sizeof date);
    const char *ob = getenv("OPENBLAS_NUM_THREADS"), *omp = getenv("OMP_NUM_THREADS");
    fprintf(f, "# epoch_bench: libnn %s (commit %s), kernels %s\n", nn_version_string(),
            NN_GIT_COMMIT, nn_simd_path());
    fprintf(f, "# cpu: %s, %ld cores online\n", cpu, sysconf(_SC_NPROCESSORS_ONLN));
    fprintf(f, "# blas: %s, core %s, %d threads (%s; OPENBLAS_NUM_THREADS=%s OMP_NUM_THREADS=%s)\n",
            openblas_get_config(), openblas_get_corename(), openblas_get_num_threads(),
            threads_flag ? "set by --threads" : "OpenBLAS default", ob ? ob : "unset",
            omp ? omp : "unset");
    fprintf(f, "# compiler: %s %s, flags: %s\n", COMPILER_NAME, __VERSION__, NN_BENCH_CFLAGS);
    fprintf(f, "# date: %s\n", date);
    const char *env = getenv("NN_GEMM");
    char paths[64] = "";
    for (size_t i = 0; i < o->n_paths; i++)
        snprintf(paths + strlen(paths), sizeof paths - strlen(paths), "%s%s", i ? "," : "",
                 nn_gemm_path_name(o->paths[i]));
    const char *how = o->paths_flag                        ? "each cell once per path, by --gemm"
                      : o->paths[0] == NN_GEMM_PATH_AUTO ? "the default"
                                                         : "forced";
    fprintf(f, "# gemm path: %s (%s; NN_GEMM=%s); auto = per product shape, the faster of libnn's"
               " small gemm and cblas_dgemm, timed when each fit starts; small/blas = forced\n",
            paths, how, env && *env ? env : "unset");
    if (o->compare)
        fprintf(f, "# numpy: %s\n", numpy);
    fprintf(f, "# times: median/min/max ms per epoch of nn_net_fit (SGD, lr 1e-3, He init)"
               " after 1 warm-up epoch; floor = the same epoch's BLAS calls alone (cblas_dgemm;"
               " cblas_sgemm for f32)\n");
}

/* ---- the GEMM-only floor ----------------------------------------------------- */

/* Replay one epoch's BLAS calls: per minibatch and layer, the forward
 * product, the weight gradient, and (except for the first layer) the input
 * gradient, with the shapes, transposes and leading dimensions the training
 * step uses (lib/net/layers.inc), through cblas_dgemm for an F64 net and
 * cblas_sgemm for an F32 net: each dtype's own floor. Each layer has its
 * own weight and weight-gradient buffers, as in the net; the input
 * gradients ping-pong between two buffers. Buffers hold elements of the
 * dtype (x: the training rows, converted for F32). */
typedef struct floor_bufs {
    int f32;
    void *x;
    void *w[3], *dw[3], *act[3], *delta[2];
} floor_bufs;

static const void *elem(const floor_bufs *b, const void *p, size_t i)
{
    return (const char *)p + i * (b->f32 ? sizeof(float) : sizeof(double));
}

/* C = op(A) op(B) in the buffers' type. */
static void floor_gemm(const floor_bufs *b, int ta, int tb, int m, int n, int k, const void *a,
                       int lda, const void *bm, int ldb, void *c, int ldc)
{
    const CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans, TB = tb ? CblasTrans : CblasNoTrans;
    if (b->f32)
        cblas_sgemm(CblasRowMajor, TA, TB, m, n, k, 1.0f, a, lda, bm, ldb, 0.0f, c, ldc);
    else
        cblas_dgemm(CblasRowMajor, TA, TB, m, n, k, 1.0, a, lda, bm, ldb, 0.0, c, ldc);
}

static void floor_epoch(const size_t *units, size_t L, size_t rows, size_t batch,
                        const floor_bufs *b)
{
    for (size_t i = 0; i < rows; i += batch) {
        int n = (int)(rows - i < batch ? rows - i : batch);
        const void *x = elem(b, b->x, i * units[0]), *a = x;
        for (size_t l = 0; l < L; l++) {
            int in = (int)units[l], out = (int)units[l + 1];
            floor_gemm(b, 0, 0, n, out, in, a, in, b->w[l], out, b->act[l], out);
            a = b->act[l];
        }
        const void *dz = b->act[L - 1];
        for (size_t l = L; l-- > 0;) {
            int in = (int)units[l], out = (int)units[l + 1];
            const void *aprev = l ? b->act[l - 1] : x;
            floor_gemm(b, 1, 0, in, out, n, aprev, in, dz, out, b->dw[l], out);
            if (l == 0)
                break;
            void *da = b->delta[l & 1];
            floor_gemm(b, 0, 1, n, in, out, dz, out, b->w[l], out, da, in);
            dz = da;
        }
    }
}

/* GEMM flops of one epoch: forward and weight gradient for every layer, the
 * input gradient for every layer but the first. */
static double epoch_flops(const size_t *units, size_t L, size_t rows)
{
    double f = 0;
    for (size_t l = 0; l < L; l++)
        f += 2.0 * (double)rows * (double)units[l] * (double)units[l + 1] * (l ? 3.0 : 2.0);
    return f;
}

/* n elements of the floor's type: scale * ((k % 13) - 6), or src[k]. */
static void *alloc_filled(int f32, size_t n, double scale, const double *src)
{
    void *p = malloc(n * (f32 ? sizeof(float) : sizeof(double)));
    for (size_t k = 0; p && k < n; k++) {
        double v = src ? src[k] : scale * ((double)(k % 13) - 6.0);
        if (f32)
            ((float *)p)[k] = (float)v;
        else
            ((double *)p)[k] = v;
    }
    return p;
}

static void floor_free(floor_bufs *b)
{
    for (size_t l = 0; l < 3; l++) {
        free(b->w[l]);
        free(b->dw[l]);
        free(b->act[l]);
    }
    free(b->delta[0]);
    free(b->delta[1]);
    free(b->x);
    memset(b, 0, sizeof *b);
}

static int floor_alloc(floor_bufs *b, const size_t *units, size_t L, const nn_dataset *train,
                       size_t batch, nn_dtype dtype)
{
    memset(b, 0, sizeof *b);
    const int f = b->f32 = dtype == NN_F32;
    size_t maxh = 1;
    for (size_t l = 1; l < L; l++)
        maxh = units[l] > maxh ? units[l] : maxh;
    int ok = (b->x = alloc_filled(f, train->x.rows * units[0], 0.0, train->x.data)) != NULL;
    for (size_t l = 0; l < L; l++) {
        ok = ok && (b->w[l] = alloc_filled(f, units[l] * units[l + 1], 0.01, NULL));
        ok = ok && (b->dw[l] = alloc_filled(f, units[l] * units[l + 1], 0.0, NULL));
        ok = ok && (b->act[l] = alloc_filled(f, batch * units[l + 1], 0.0, NULL));
    }
    ok = ok && (b->delta[0] = alloc_filled(f, batch * maxh, 0.0, NULL));
    ok = ok && (b->delta[1] = alloc_filled(f, batch * maxh, 0.0, NULL));
    if (!ok) {
        floor_free(b);
        fprintf(stderr, "epoch_bench: out of memory for the floor buffers\n");
    }
    return ok;
}

/* ---- the epochs and the floor, interleaved -------------------------------- */

/* One nn_net_fit call runs every epoch of a cell. Epoch 1 is the warm-up;
 * its time decides how many epochs are timed (unless --epochs fixed the
 * count). After each epoch the on_epoch callback (outside fit's epoch
 * clock) replays that epoch's GEMMs once: a warm-up replay after epoch 1,
 * a timed one after each timed epoch. Interleaving pairs every epoch with
 * a floor sample taken under the same machine conditions, so a busy
 * neighbour slows both rather than skewing the ratio. The callback stops
 * the fit once the samples are in. */
typedef struct cell_log {
    const size_t *units;
    size_t L, rows, batch;
    const floor_bufs *fb;
    double ep[MAX_EPOCHS], fl[MAX_EPOCHS];
    double ep_sum, cb_sum; /* fit's epoch times; our time inside the callback */
    size_t n, want;
    int fixed;
} cell_log;

static int on_epoch(const nn_epoch_stats *s, void *user)
{
    double t0 = bench_now();
    cell_log *lg = user;
    lg->ep_sum += s->seconds;
    if (s->epoch == 1) {
        if (!lg->fixed)
            lg->want = s->seconds > 1.0 ? 3 : s->seconds > 0.1 ? 5 : 15;
        floor_epoch(lg->units, lg->L, lg->rows, lg->batch, lg->fb); /* warm-up */
    } else {
        double t1 = bench_now();
        floor_epoch(lg->units, lg->L, lg->rows, lg->batch, lg->fb);
        lg->fl[lg->n] = bench_now() - t1;
        lg->ep[lg->n++] = s->seconds;
    }
    lg->cb_sum += bench_now() - t0;
    return lg->n >= lg->want;
}

typedef struct cell_result {
    stats ep, fl;    /* ms per epoch: fit's own clock; the floor replay */
    double paired;   /* median of epoch_k / floor_k */
    size_t n;        /* timed epochs (and floor samples) */
    double wall;     /* our CLOCK_MONOTONIC around the whole fit call */
    double overhead; /* wall minus fit's epochs and our callback: fit's setup */
    nn_gemm_plan_info plan; /* the fit's GEMM plan */
} cell_result;

static int measure_cell(const size_t *units, size_t L, const nn_dataset *train, size_t batch,
                        const opts *op, nn_gemm_path path, nn_dtype dtype, cell_result *r)
{
    const size_t fixed_epochs = op->epochs;
    nn_activation acts[4] = {op->act, op->act, op->act, op->act};
    size_t rows = train->x.rows;
    batch = batch < rows ? batch : rows;
    floor_bufs fb;
    if (!floor_alloc(&fb, units, L, train, batch, dtype))
        return 0;
    nn_net_config cfg = {.n_inputs = units[0],
                         .n_classes = units[L],
                         .n_hidden_layers = L - 1,
                         .hidden = units + 1,
                         .init = NN_INIT_HE,
                         .seed = 1,
                         .activations = acts,
                         .task = op->task,
                         .dtype = dtype};
    nn_net *net;
    nn_status s = nn_net_create(&net, &cfg);
    if (s == NN_OK)
        s = nn_net_set_gemm_path(net, path);
    if (s != NN_OK) {
        fprintf(stderr, "epoch_bench: %s\n", nn_last_error());
        floor_free(&fb);
        return 0;
    }
    cell_log *lg = calloc(1, sizeof *lg);
    if (!lg) {
        nn_net_free(net);
        floor_free(&fb);
        return 0;
    }
    lg->units = units;
    lg->L = L;
    lg->rows = rows;
    lg->batch = batch;
    lg->fb = &fb;
    lg->fixed = fixed_epochs > 0;
    lg->want = fixed_epochs;
    nn_train_options o = nn_train_defaults();
    o.optimizer = NN_SGD;
    o.learning_rate = 1e-3;
    o.batch_size = batch;
    o.epochs = 1 + (lg->fixed ? fixed_epochs : 15);
    o.on_epoch = on_epoch;
    o.user = lg;
    double t0 = bench_now();
    s = nn_net_fit(net, train, &o);
    r->wall = bench_now() - t0;
    nn_net_gemm_plan_info(net, &r->plan);
    nn_net_free(net);
    floor_free(&fb);
    int ok = s == NN_OK && lg->n > 0 && lg->n == lg->want;
    if (!ok) {
        fprintf(stderr, "epoch_bench: fit failed: %s\n", s != NN_OK ? nn_last_error() : "");
    } else {
        double ratios[MAX_EPOCHS];
        for (size_t k = 0; k < lg->n; k++)
            ratios[k] = lg->ep[k] / lg->fl[k];
        r->n = lg->n;
        r->overhead = r->wall - lg->ep_sum - lg->cb_sum;
        r->paired = summarize(ratios, lg->n).median;
        r->ep = summarize(lg->ep, lg->n);
        r->fl = summarize(lg->fl, lg->n);
    }
    free(lg);
    return ok;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

#define CSV_HEADER                                                                                 \
    "shape,arch,batch,hidden,epoch_ms_median,epoch_ms_min,epoch_ms_max,floor_ms_median,"           \
    "floor_ms_min,floor_ms_max,ratio,ratio_paired,samples_per_s,gflops,floor_gflops,"              \
    "fit_call_ms,fit_overhead_ms,peak_rss_kib,n_epochs,threads,simd,activation,task,"           \
    "gemm_path,gemm_small_shapes,gemm_blas_shapes,gemm_timed_shapes,gemm_plan_ms,numpy_ms,dtype"

/* ---- numpy (--compare) ------------------------------------------------------ */

/* Run compare_numpy.py through the chosen python with args, and read the
 * value after key= from the first line of its stdout that starts with key.
 * Returns 0 when the program fails or prints no such line. */
static int run_python(const opts *o, const char *args, const char *key, char *out, size_t n)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' '%s' %s", o->python, o->numpy_script, args);
    FILE *p = popen(cmd, "r");
    if (!p)
        return 0;
    char line[512];
    size_t klen = strlen(key);
    int found = 0;
    while (fgets(line, sizeof line, p))
        if (!found && strncmp(line, key, klen) == 0 && line[klen] == '=') {
            snprintf(out, n, "%s", line + klen + 1);
            out[strcspn(out, "\n")] = '\0';
            found = 1;
        }
    return pclose(p) == 0 && found;
}

/* Median ms per epoch of the numpy network on one tutorial cell, or NAN. */
static double numpy_epoch_ms(const opts *o, size_t batch, size_t hidden)
{
    char args[256], val[64];
    snprintf(args, sizeof args, "--one-cell --batch %zu --hidden %zu --epochs %zu --threads %d",
             batch, hidden, o->numpy_epochs, o->threads > 0 ? o->threads : 0);
    fprintf(stderr, "epoch_bench: numpy batch %zu hidden %zu ...\n", batch, hidden);
    if (!run_python(o, args, "numpy_ms", val, sizeof val))
        return NAN;
    return strtod(val, NULL);
}

/* ---- one cell ----------------------------------------------------------------- */

static void run_cell(const char *shape, const size_t *units, size_t L, const nn_dataset *train,
                     size_t batch, const opts *o, FILE *csv, FILE *json)
{
    /* Every (dtype, path) of the cell, in one run: index d * n_paths + p. */
    cell_result res[2 * MAX_PATHS];
    int ok[2 * MAX_PATHS];
    const size_t n_runs = o->n_dtypes * o->n_paths;
    for (size_t q = 0; q < n_runs; q++) {
        nn_dtype dt = o->dtypes[q / o->n_paths];
        nn_gemm_path gp = o->paths[q % o->n_paths];
        fprintf(stderr, "epoch_bench: %s batch %zu hidden %zu %s gemm %s ...\n", shape, batch,
                units[1], dtype_name(dt), nn_gemm_path_name(gp));
        ok[q] = measure_cell(units, L, train, batch, o, gp, dt, &res[q]);
    }
    /* numpy right after libnn's epochs of the cell (tutorial cells only). */
    double np_ms = NAN;
    if (o->compare && o->numpy_ok && strcmp(shape, "tutorial") == 0)
        np_ms = numpy_epoch_ms(o, batch < train->x.rows ? batch : train->x.rows, units[1]);
    for (size_t q = 0; q < n_runs; q++) {
        if (!ok[q])
            continue;
        const cell_result r = res[q];
        const char *dt = dtype_name(o->dtypes[q / o->n_paths]);
        stats ep = r.ep, fl = r.fl;
        double flops = epoch_flops(units, L, train->x.rows);
        double sps = (double)train->x.rows / ep.median;
        double ratio = ep.median / fl.median;
        double gf = flops / ep.median * 1e-9, fgf = flops / fl.median * 1e-9;
        long rss = peak_rss_kib();
        char arch[64], npcol[32] = "-", npratio[32] = "-", npcsv[32] = "nan";
        if (L == 2)
            snprintf(arch, sizeof arch, "%zu-%zu-%zu", units[0], units[1], units[2]);
        else
            snprintf(arch, sizeof arch, "%zu-%zu-%zu-%zu", units[0], units[1], units[2], units[3]);
        if (!isnan(np_ms)) {
            snprintf(npcol, sizeof npcol, "%.3f", np_ms);
            snprintf(npratio, sizeof npratio, "%.1f", np_ms / (ep.median * 1e3));
            snprintf(npcsv, sizeof npcsv, "%.6f", np_ms);
        }
        const char *path = nn_gemm_path_name(o->paths[q % o->n_paths]);
        char split[32];
        snprintf(split, sizeof split, "%zu/%zu", r.plan.n_small, r.plan.n_blas);
        printf("%-8s %-16s %5zu %6zu %-5s %10.3f %10.3f %10.3f %10.3f %6.2f %6.2f %10.0f %7.2f "
               "%7.2f %7ld %3zu %-5s %7s %7.2f",
               shape, arch, batch, units[1], dt, ep.median * 1e3, ep.min * 1e3, ep.max * 1e3,
               fl.median * 1e3, ratio, r.paired, sps, gf, fgf, rss / 1024, r.n, path, split,
               r.plan.seconds * 1e3);
        if (o->compare)
            printf(" %10s %8s", npcol, npratio);
        printf("\n");
        fflush(stdout);
        int threads = openblas_get_num_threads();
        if (csv) {
            fprintf(csv,
                    "%s,%s,%zu,%zu,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.4f,%.4f,%.1f,%.4f,%.4f,%.6f,"
                    "%.6f,%ld,%zu,%d,%s,%s,%s,%s,%zu,%zu,%zu,%.6f,%s,%s\n",
                    shape, arch, batch, units[1], ep.median * 1e3, ep.min * 1e3, ep.max * 1e3,
                    fl.median * 1e3, fl.min * 1e3, fl.max * 1e3, ratio, r.paired, sps, gf, fgf,
                    r.wall * 1e3, r.overhead * 1e3, rss, r.n, threads, nn_simd_path(),
                    nn_activation_name(o->act), nn_task_name(o->task), path, r.plan.n_small,
                    r.plan.n_blas, r.plan.n_timed, r.plan.seconds * 1e3, npcsv, dt);
            fflush(csv);
        }
        if (json) {
            char npjson[32] = "null";
            if (!isnan(np_ms))
                snprintf(npjson, sizeof npjson, "%.6f", np_ms);
            fprintf(json,
                    "{\"shape\":\"%s\",\"arch\":\"%s\",\"batch\":%zu,\"hidden\":%zu,"
                    "\"epoch_ms_median\":%.6f,\"epoch_ms_min\":%.6f,\"epoch_ms_max\":%.6f,"
                    "\"floor_ms_median\":%.6f,\"floor_ms_min\":%.6f,\"floor_ms_max\":%.6f,"
                    "\"ratio\":%.4f,\"ratio_paired\":%.4f,\"samples_per_s\":%.1f,"
                    "\"gflops\":%.4f,\"floor_gflops\":%.4f,"
                    "\"fit_call_ms\":%.6f,\"fit_overhead_ms\":%.6f,\"peak_rss_kib\":%ld,"
                    "\"n_epochs\":%zu,\"threads\":%d,\"simd\":\"%s\",\"version\":\"%s\","
                    "\"commit\":\"%s\",\"activation\":\"%s\",\"task\":\"%s\","
                    "\"gemm_path\":\"%s\",\"gemm_small_shapes\":%zu,\"gemm_blas_shapes\":%zu,"
                    "\"gemm_timed_shapes\":%zu,\"gemm_plan_ms\":%.6f,\"numpy_ms\":%s,"
                    "\"dtype\":\"%s\"}\n",
                    shape, arch, batch, units[1], ep.median * 1e3, ep.min * 1e3, ep.max * 1e3,
                    fl.median * 1e3, fl.min * 1e3, fl.max * 1e3, ratio, r.paired, sps, gf, fgf,
                    r.wall * 1e3, r.overhead * 1e3, rss, r.n, threads, nn_simd_path(),
                    nn_version_string(), NN_GIT_COMMIT, nn_activation_name(o->act),
                    nn_task_name(o->task), path, r.plan.n_small, r.plan.n_blas, r.plan.n_timed,
                    r.plan.seconds * 1e3, npjson, dt);
            fflush(json);
        }
    }
}

/* Other tasks train on one-hot targets of the labels: 0/1 for multilabel,
 * the same numbers as real values for regression. */
static int add_targets(nn_dataset *d, const opts *o)
{
    if (o->task == NN_TASK_CLASSIFY)
        return 1;
    return nn_one_hot(d->y, d->x.rows, d->n_classes, &d->t) == NN_OK;
}

static void usage(void)
{
    fprintf(stderr, "usage: epoch_bench [--shape tutorial|deep|all] [--batch 10,32]"
                    " [--hidden 64] [--epochs N] [--threads T] [--csv FILE] [--json FILE]"
                    " [--activation relu|leaky_relu|tanh|sigmoid|gelu|identity]"
                    " [--task classify|multilabel|regress] [--gemm auto,small,blas]"
                    " [--dtype f64,f32]"
                    " [--compare] [--python PATH] [--numpy-script PATH] [--numpy-epochs N]"
                    " [--quick]\n");
}

/* A comma-separated list of dtypes, f64 and f32 (each at most once). */
static int parse_dtypes(const char *s, opts *o)
{
    o->n_dtypes = 0;
    for (const char *p = s; *p;) {
        size_t len = strcspn(p, ",");
        nn_dtype d = len == 3 && !strncmp(p, "f64", 3) ? NN_F64 : NN_F32;
        if (len != 3 || (strncmp(p, "f64", 3) && strncmp(p, "f32", 3)) || o->n_dtypes == 2 ||
            (o->n_dtypes == 1 && o->dtypes[0] == d))
            return 0;
        o->dtypes[o->n_dtypes++] = d;
        p += len + (p[len] == ',');
    }
    return o->n_dtypes > 0;
}

/* A comma-separated list of GEMM paths (at most MAX_PATHS). */
static int parse_paths(const char *s, opts *o)
{
    char buf[64];
    if (strlen(s) >= sizeof buf)
        return 0;
    strcpy(buf, s);
    o->n_paths = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int found = 0;
        for (int p = NN_GEMM_PATH_AUTO; p <= NN_GEMM_PATH_BLAS && !found; p++)
            if (strcmp(tok, nn_gemm_path_name((nn_gemm_path)p)) == 0 && o->n_paths < MAX_PATHS) {
                o->paths[o->n_paths++] = (nn_gemm_path)p;
                found = 1;
            }
        if (!found)
            return 0;
    }
    return o->n_paths > 0;
}

/* The path NN_GEMM gives a new net (a bad value fails, with the reason). */
static int path_from_env(opts *o)
{
    size_t hidden[1] = {1};
    nn_net_config cfg = {.n_inputs = 1, .n_classes = 2, .n_hidden_layers = 1, .hidden = hidden};
    nn_net *net;
    if (nn_net_create(&net, &cfg) != NN_OK) {
        fprintf(stderr, "epoch_bench: %s\n", nn_last_error());
        return 0;
    }
    o->paths[0] = nn_net_gemm_path(net);
    o->n_paths = 1;
    nn_net_free(net);
    return 1;
}

/* compare_numpy.py next to this source file, unless --numpy-script. */
static const char *default_numpy_script(void)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s", __FILE__);
    char *slash = strrchr(path, '/');
    if (slash)
        slash[1] = '\0';
    else
        path[0] = '\0';
    snprintf(path + strlen(path), sizeof path - strlen(path), "compare_numpy.py");
    return path;
}

int main(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    o.tutorial = o.deep = 1;
    o.n_dtypes = 1; /* NN_F64 */
    int quick = 0, have_batch = 0, have_hidden = 0;
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = 1;
        if (strcmp(k, "--quick") == 0) {
            quick = 1;
            continue;
        }
        if (strcmp(k, "--compare") == 0) {
            o.compare = 1;
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
            ok = (o.epochs = strtoul(v, NULL, 10)) > 0 && o.epochs <= MAX_EPOCHS;
        else if (strcmp(k, "--threads") == 0)
            ok = (o.threads = atoi(v)) > 0;
        else if (strcmp(k, "--activation") == 0)
            ok = nn_activation_parse(v, &o.act) == NN_OK;
        else if (strcmp(k, "--task") == 0)
            ok = nn_task_parse(v, &o.task) == NN_OK;
        else if (strcmp(k, "--gemm") == 0)
            ok = o.paths_flag = parse_paths(v, &o);
        else if (strcmp(k, "--dtype") == 0)
            ok = parse_dtypes(v, &o);
        else if (strcmp(k, "--python") == 0)
            o.python = v;
        else if (strcmp(k, "--numpy-script") == 0)
            o.numpy_script = v;
        else if (strcmp(k, "--numpy-epochs") == 0)
            ok = (o.numpy_epochs = strtoul(v, NULL, 10)) > 0 && o.numpy_epochs <= MAX_EPOCHS;
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
    if (!o.paths_flag && !path_from_env(&o))
        return 1;
    char numpy[512] = "not asked for (--compare)";
    if (o.compare) {
        o.python = o.python ? o.python : "/usr/bin/python3";
        o.numpy_script = o.numpy_script ? o.numpy_script : default_numpy_script();
        o.numpy_epochs = o.numpy_epochs ? o.numpy_epochs : 5;
        char ver[64];
        o.numpy_ok = run_python(&o, "--probe", "numpy", ver, sizeof ver);
        if (o.numpy_ok)
            snprintf(numpy, sizeof numpy,
                     "numpy %s through %s %s --one-cell, median of %zu epochs after 1 warm-up, "
                     "same cell right after libnn's", ver, o.python, o.numpy_script,
                     o.numpy_epochs);
        else
            snprintf(numpy, sizeof numpy, "unavailable (%s %s --probe failed: no python3-numpy?)",
                     o.python, o.numpy_script);
    }
    FILE *csv = o.csv ? fopen(o.csv, "w") : NULL, *json = o.json ? fopen(o.json, "w") : NULL;
    if ((o.csv && !csv) || (o.json && !json)) {
        fprintf(stderr, "epoch_bench: cannot open an output file\n");
        return 1;
    }
    if (csv)
        fprintf(csv, "%s\n", CSV_HEADER);
    print_header(stdout, o.threads, &o, numpy);
    printf("%-8s %-16s %5s %6s %-5s %10s %10s %10s %10s %6s %6s %10s %7s %7s %7s %3s %-5s %7s %7s",
           "shape", "net", "batch", "hidden", "dtype", "epoch ms", "min ms", "max ms", "floor ms",
           "ratio", "paired", "samples/s", "GFLOP/s", "floorGF", "RSS MiB", "n", "gemm",
           "sm/blas", "plan ms");
    if (o.compare)
        printf(" %10s %8s", "numpy ms", "np/libnn");
    printf("\n");

    if (o.tutorial) {
        nn_dataset all, train, test;
        if (nn_make_moons(&all, 5000, 0.1, 42) != NN_OK ||
            nn_train_test_split(&all, 0.25, 42, &train, &test) != NN_OK) {
            fprintf(stderr, "epoch_bench: %s\n", nn_last_error());
            return 1;
        }
        if (!add_targets(&train, &o)) {
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
        nn_dataset d = {.x = {0}, .y = NULL, .n_classes = 0};
        if (!make_deep_data(&d, 3750, 784, 10, 42) || !add_targets(&d, &o)) {
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
