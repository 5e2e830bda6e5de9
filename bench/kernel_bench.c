/* kernel_bench: elements per nanosecond of each kernel, on each kernel path
 * this CPU can run (scalar is the reference, with libm's exp), on the
 * shapes a training step uses.
 *
 * Each sample runs the kernel enough times to last at least 1 ms (the
 * count is calibrated first, after a warm-up); 15 samples; the median is
 * reported with min and p90.
 *
 * Usage: kernel_bench [--csv FILE] [--quick]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#ifndef NN_GIT_COMMIT
#define NN_GIT_COMMIT "unknown"
#endif
#ifndef NN_BENCH_CFLAGS
#define NN_BENCH_CFLAGS "unknown"
#endif

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

enum { K_RELU, K_RELU_BACKWARD, K_BIAS_RELU, K_SOFTMAX, K_FUSED_OUTPUT, K_COL_SUMS, K_EXP, K_N };
static const char *const KNAMES[K_N] = {"relu",           "relu_backward", "bias_relu",
                                        "softmax_rows",   "bias_softmax_xent",
                                        "col_sums",       "exp"};

typedef struct work {
    size_t rows, cols;
    double *a, *b, *bias, *out;
    int32_t *y;
} work;

static void run(const nn__kernels *k, int kernel, work *w)
{
    size_t r = w->rows, c = w->cols;
    switch (kernel) {
    case K_RELU:
        k->relu(w->a, r, c, c);
        break;
    case K_RELU_BACKWARD:
        k->relu_backward(w->b, c, w->a, c, r, c);
        break;
    case K_BIAS_RELU:
        k->bias_relu(w->a, r, c, c, w->bias);
        break;
    case K_SOFTMAX:
        k->softmax_rows(w->b, r, c, c);
        break;
    case K_FUSED_OUTPUT:
        k->bias_softmax_xent(w->b, r, c, c, w->bias, w->y, 1.0);
        break;
    case K_COL_SUMS:
        k->col_sums(w->a, r, c, c, w->out);
        break;
    case K_EXP:
        k->exp(w->a, w->out, r * c);
        break;
    }
}

int main(int argc, char **argv)
{
    const char *csv_path = NULL;
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc)
            csv_path = argv[++i];
        else if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else {
            fprintf(stderr, "usage: kernel_bench [--csv FILE] [--quick]\n");
            return 2;
        }
    }
    FILE *csv = csv_path ? fopen(csv_path, "w") : NULL;
    if (csv_path && !csv) {
        fprintf(stderr, "kernel_bench: cannot open %s\n", csv_path);
        return 1;
    }
    const size_t shapes[][2] = {{10, 64}, {1024, 2}, {1024, 64}, {128, 256}, {1024, 4096}};
    const size_t n_shapes = quick ? 2 : 5, n_samples = quick ? 5 : 15;
    const double min_sample = quick ? 2e-4 : 1e-3;
    const char *paths[] = {"scalar", "avx2", "avx512"};

    time_t t = time(NULL);
    char date[64];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
    printf("# kernel_bench: libnn %s (commit %s), default path %s\n# compiler: %s, flags: %s\n"
           "# date: %s\n",
           nn_version_string(), NN_GIT_COMMIT, nn_simd_path(), __VERSION__, NN_BENCH_CFLAGS,
           date);
    printf("%-18s %-7s %6s %6s %12s %12s %12s %10s\n", "kernel", "impl", "rows", "cols",
           "median ns", "min ns", "p90 ns", "elem/ns");
    if (csv)
        fprintf(csv, "kernel,impl,rows,cols,ns_median,ns_min,ns_p90,elems_per_ns,n_runs\n");

    nn__rng rng;
    nn__rng_seed(&rng, 1);
    for (size_t s = 0; s < n_shapes; s++) {
        work w = {shapes[s][0], shapes[s][1], NULL, NULL, NULL, NULL, NULL};
        size_t n = w.rows * w.cols;
        w.a = malloc(n * sizeof(double));
        w.b = malloc(n * sizeof(double));
        w.out = malloc(n * sizeof(double));
        w.bias = malloc(w.cols * sizeof(double));
        w.y = malloc(w.rows * sizeof(int32_t));
        for (size_t i = 0; i < w.cols; i++)
            w.bias[i] = nn__rng_uniform(&rng) - 0.5;
        for (size_t i = 0; i < w.rows; i++)
            w.y[i] = (int32_t)nn__rng_below(&rng, w.cols);
        for (int kernel = 0; kernel < K_N; kernel++)
            for (size_t p = 0; p < 3; p++) {
                const nn__kernels *k = nn__kernels_by_name(paths[p]);
                if (!k)
                    continue;
                for (size_t i = 0; i < n; i++) {
                    w.a[i] = 4.0 * nn__rng_uniform(&rng) - 2.0;
                    w.b[i] = 4.0 * nn__rng_uniform(&rng) - 2.0;
                }
                /* Warm up, then calibrate: repeat until a sample lasts >= min_sample. */
                run(k, kernel, &w);
                size_t reps = 1;
                for (;;) {
                    double t0 = now();
                    for (size_t r = 0; r < reps; r++)
                        run(k, kernel, &w);
                    if (now() - t0 >= min_sample || reps > (1u << 24))
                        break;
                    reps *= 2;
                }
                double samples[15];
                for (size_t q = 0; q < n_samples; q++) {
                    double t0 = now();
                    for (size_t r = 0; r < reps; r++)
                        run(k, kernel, &w);
                    samples[q] = (now() - t0) / (double)reps * 1e9;
                }
                qsort(samples, n_samples, sizeof(double), cmp_double);
                double med = samples[n_samples / 2], lo = samples[0];
                double p90 = samples[(n_samples * 9) / 10 < n_samples ? (n_samples * 9) / 10
                                                                      : n_samples - 1];
                printf("%-18s %-7s %6zu %6zu %12.1f %12.1f %12.1f %10.3f\n", KNAMES[kernel],
                       paths[p], w.rows, w.cols, med, lo, p90, (double)n / med);
                if (csv)
                    fprintf(csv, "%s,%s,%zu,%zu,%.2f,%.2f,%.2f,%.5f,%zu\n", KNAMES[kernel],
                            paths[p], w.rows, w.cols, med, lo, p90, (double)n / med,
                            n_samples);
            }
        free(w.a);
        free(w.b);
        free(w.out);
        free(w.bias);
        free(w.y);
    }
    if (csv)
        fclose(csv);
    return 0;
}
