/* kernel_bench: elements per nanosecond of each kernel, on each kernel path
 * this CPU can run (scalar is the reference, with libm's exp), on the
 * shapes a training step uses.
 *
 * Each sample runs the kernel enough times to last at least 1 ms (the
 * count is calibrated first, after a warm-up); 15 samples; the median is
 * reported with min and p90, and the bandwidth in GB/s from the bytes
 * each kernel reads and writes per element (text output only: the CSV
 * header is fixed by bench/check_csv.cmake).
 *
 * --dtype f64 (the default), f32 or both: which element type's tables
 * (nn__kernels, nn__kernels_f32) are timed; a float row's impl is the
 * path's name with ".f32" (and its GB/s counts 4-byte elements).
 *
 * Usage: kernel_bench [--csv FILE] [--quick] [--only SUBSTRING] [--dtype f64|f32|both]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "kernels/kernels.h"
#include "rng.h"

/* What each bench row runs. The v2 activations are timed as the layer loop
 * uses them: forward out of place with a bias (a zero bias, so that
 * repeated runs see the same z: it is stored back unchanged), backward
 * from a (or z for GELU) on a zero gradient, so that repeated runs
 * neither change g nor decay it into subnormals, which some CPUs handle
 * slowly; these kernels are branch-free, so their time does not depend on
 * the values otherwise. The output kernels overwrite z with the gradient,
 * which stays in (-1, 1) from run to run (MSE's scale 1/4 halves it). */
enum {
    K_RELU,
    K_RELU_BACKWARD,
    K_BIAS_RELU,
    K_SOFTMAX,
    K_FUSED_OUTPUT,
    K_COL_SUMS,
    K_EXP,
    K_ACT,
    K_ACT_BACKWARD,
    K_BCE,
    K_MSE
};

static const size_t SHAPES[][2] = {{10, 64},   {1024, 2},    {1024, 64},
                                   {128, 256}, {1024, 4096}, {1024, 16}};
#define N_SHAPES (sizeof SHAPES / sizeof SHAPES[0])
/* Shape masks: bit s selects SHAPES[s]. */
#define V1_SHAPES 0x1fu /* the v1 kernels: every training shape up to 1024x4096 */
#define V1_QUICK 0x03u
#define ACT_SHAPES 0x0cu /* 1024x64, 128x256: hidden layers */
#define OUT_SHAPES 0x20u /* 1024x16: a multi-label or regression output */
#define V2_QUICK 0x01u

typedef struct kernel_row {
    const char *name;
    int kind, act;
    double bytes; /* bytes read plus written per element, for GB/s */
    unsigned shapes, quick_shapes;
} kernel_row;

static const kernel_row KERNELS[] = {
    {"relu", K_RELU, 0, 16, V1_SHAPES, V1_QUICK},
    {"relu_backward", K_RELU_BACKWARD, 0, 24, V1_SHAPES, V1_QUICK},
    {"bias_relu", K_BIAS_RELU, 0, 16, V1_SHAPES, V1_QUICK},
    {"softmax_rows", K_SOFTMAX, 0, 16, V1_SHAPES, V1_QUICK},
    {"bias_softmax_xent", K_FUSED_OUTPUT, 0, 16, V1_SHAPES, V1_QUICK},
    {"col_sums", K_COL_SUMS, 0, 8, V1_SHAPES, V1_QUICK},
    {"exp", K_EXP, 0, 16, V1_SHAPES, V1_QUICK},
    /* forward: read z, write z and a; backward: read g and a (or z), write g */
    {"act_relu", K_ACT, NN_ACT_RELU, 24, ACT_SHAPES, V2_QUICK},
    {"act_relu_backward", K_ACT_BACKWARD, NN_ACT_RELU, 24, ACT_SHAPES, V2_QUICK},
    {"act_leaky_relu", K_ACT, NN_ACT_LEAKY_RELU, 24, ACT_SHAPES, V2_QUICK},
    {"act_leaky_relu_backward", K_ACT_BACKWARD, NN_ACT_LEAKY_RELU, 24, ACT_SHAPES, V2_QUICK},
    {"act_tanh", K_ACT, NN_ACT_TANH, 24, ACT_SHAPES, V2_QUICK},
    {"act_tanh_backward", K_ACT_BACKWARD, NN_ACT_TANH, 24, ACT_SHAPES, V2_QUICK},
    {"act_sigmoid", K_ACT, NN_ACT_SIGMOID, 24, ACT_SHAPES, V2_QUICK},
    {"act_sigmoid_backward", K_ACT_BACKWARD, NN_ACT_SIGMOID, 24, ACT_SHAPES, V2_QUICK},
    {"act_gelu", K_ACT, NN_ACT_GELU, 24, ACT_SHAPES, V2_QUICK},
    {"act_gelu_backward", K_ACT_BACKWARD, NN_ACT_GELU, 24, ACT_SHAPES, V2_QUICK},
    {"act_identity", K_ACT, NN_ACT_IDENTITY, 24, ACT_SHAPES, V2_QUICK}, /* backward: no-op */
    /* read z and t, write z */
    {"bias_sigmoid_bce", K_BCE, 0, 24, OUT_SHAPES, V2_QUICK},
    {"bias_mse", K_MSE, 0, 24, OUT_SHAPES, V2_QUICK},
};
#define N_KERNELS (sizeof KERNELS / sizeof KERNELS[0])

/* The buffers, in double, and their float copies (af ...) for the float
 * tables. */
typedef struct work {
    size_t rows, cols;
    double *a, *b, *bias, *out, *zero, *t;
    float *af, *bf, *biasf, *outf, *zerof, *tf;
    int32_t *y;
} work;

/* One kernel call on table k, written once for both element types: k
 * and the buffers' element type are the only difference. */
#define RUN_BODY(a, b, bias, out, zero, t)                                                 \
    size_t r = w->rows, c = w->cols;                                                       \
    switch (kr->kind) {                                                                    \
    case K_RELU:                                                                            \
        k->relu((a), r, c, c);                                                              \
        break;                                                                              \
    case K_RELU_BACKWARD:                                                                   \
        k->relu_backward((b), c, (a), c, r, c);                                             \
        break;                                                                              \
    case K_BIAS_RELU:                                                                       \
        k->bias_relu((a), r, c, c, (bias));                                                 \
        break;                                                                              \
    case K_SOFTMAX:                                                                         \
        k->softmax_rows((b), r, c, c);                                                      \
        break;                                                                              \
    case K_FUSED_OUTPUT:                                                                    \
        k->bias_softmax_xent((b), r, c, c, (bias), w->y, 1.0);                              \
        break;                                                                              \
    case K_COL_SUMS:                                                                        \
        k->col_sums((a), r, c, c, (out));                                                   \
        break;                                                                              \
    case K_EXP:                                                                             \
        k->exp((a), (out), r * c);                                                          \
        break;                                                                              \
    case K_ACT:                                                                             \
        k->act_forward[kr->act]((a), c, (out), c, r, c, (zero), 0.01);                      \
        break;                                                                              \
    case K_ACT_BACKWARD:                                                                    \
        k->act_backward[kr->act]((b), c, (out), c, (a), c, r, c, 0.01);                     \
        break;                                                                              \
    case K_BCE:                                                                             \
        k->bias_sigmoid_bce((b), r, c, c, (bias), (t), c, 1.0);                             \
        break;                                                                              \
    case K_MSE:                                                                             \
        k->bias_mse((b), r, c, c, (bias), (t), c, 0.25);                                    \
        break;                                                                              \
    }

static void run(const nn__kernels *k, const kernel_row *kr, work *w)
{
    RUN_BODY(w->a, w->b, w->bias, w->out, w->zero, w->t)
}

static void run_f32(const nn__kernels_f32 *k, const kernel_row *kr, work *w)
{
    RUN_BODY(w->af, w->bf, w->biasf, w->outf, w->zerof, w->tf)
}

/* The float table kf when not NULL, else the double table k. */
static void run_any(const nn__kernels *k, const nn__kernels_f32 *kf, const kernel_row *kr,
                    work *w)
{
    if (kf)
        run_f32(kf, kr, w);
    else
        run(k, kr, w);
}

static void to_float(float *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)src[i];
}

/* Fill the inputs of one bench row (see the comment above KERNELS). */
static void fill(const kernel_row *kr, work *w, nn__rng *rng)
{
    size_t r = w->rows, c = w->cols, n = r * c;
    for (size_t i = 0; i < n; i++) {
        w->a[i] = 4.0 * nn__rng_uniform(rng) - 2.0;
        w->b[i] = 4.0 * nn__rng_uniform(rng) - 2.0;
        w->t[i] = nn__rng_uniform(rng);
    }
    if (kr->kind == K_ACT_BACKWARD) {
        for (size_t i = 0; i < n; i++)
            w->b[i] = 0.0;
        nn__kernels_scalar.act_forward[kr->act](w->a, c, w->out, c, r, c, NULL, 0.01);
    }
    to_float(w->af, w->a, n);
    to_float(w->bf, w->b, n);
    to_float(w->tf, w->t, n);
    to_float(w->outf, w->out, n);
}

int main(int argc, char **argv)
{
    const char *csv_path = NULL, *only = NULL;
    int quick = 0, dtypes = 1; /* bit 0: f64, bit 1: f32 */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc)
            csv_path = argv[++i];
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--dtype") == 0 && i + 1 < argc) {
            const char *d = argv[++i];
            dtypes = strcmp(d, "f64") == 0    ? 1
                     : strcmp(d, "f32") == 0  ? 2
                     : strcmp(d, "both") == 0 ? 3
                                              : 0;
            if (!dtypes) {
                fprintf(stderr, "kernel_bench: --dtype takes f64, f32 or both\n");
                return 2;
            }
        } else {
            fprintf(stderr, "usage: kernel_bench [--csv FILE] [--quick] [--only SUBSTRING]"
                            " [--dtype f64|f32|both]\n");
            return 2;
        }
    }
    FILE *csv = csv_path ? fopen(csv_path, "w") : NULL;
    if (csv_path && !csv) {
        fprintf(stderr, "kernel_bench: cannot open %s\n", csv_path);
        return 1;
    }
    const size_t n_samples = quick ? 5 : 15;
    const double min_sample = quick ? 2e-4 : 1e-3;
    const char *paths[] = {"scalar", "avx2", "avx512"};

    char date[64];
    bench_date(date, sizeof date);
    printf("# kernel_bench: libnn %s (commit %s), default path %s\n# compiler: %s, flags: %s\n"
           "# date: %s\n",
           nn_version_string(), NN_GIT_COMMIT, nn_simd_path(), __VERSION__, NN_BENCH_CFLAGS, date);
    printf("%-24s %-10s %6s %6s %12s %12s %12s %10s %8s\n", "kernel", "impl", "rows", "cols",
           "median ns", "min ns", "p90 ns", "elem/ns", "GB/s");
    if (csv)
        fprintf(csv, "kernel,impl,rows,cols,ns_median,ns_min,ns_p90,elems_per_ns,n_runs\n");

    nn__rng rng;
    nn__rng_seed(&rng, 1);
    for (size_t s = 0; s < N_SHAPES; s++) {
        work w = {.rows = SHAPES[s][0], .cols = SHAPES[s][1]};
        size_t n = w.rows * w.cols;
        /* The float copies in one block; zerof (its last cols) stays 0. */
        w.af = calloc(4 * n + 2 * w.cols, sizeof(float));
        w.bf = w.af + n;
        w.outf = w.af + 2 * n;
        w.tf = w.af + 3 * n;
        w.biasf = w.af + 4 * n;
        w.zerof = w.biasf + w.cols;
        w.a = malloc(n * sizeof(double));
        w.b = malloc(n * sizeof(double));
        w.out = malloc(n * sizeof(double));
        w.t = malloc(n * sizeof(double));
        w.bias = malloc(w.cols * sizeof(double));
        w.zero = calloc(w.cols, sizeof(double));
        w.y = malloc(w.rows * sizeof(int32_t));
        for (size_t i = 0; i < w.cols; i++)
            w.bias[i] = nn__rng_uniform(&rng) - 0.5;
        for (size_t i = 0; i < w.rows; i++)
            w.y[i] = (int32_t)nn__rng_below(&rng, w.cols);
        to_float(w.biasf, w.bias, w.cols);
        for (size_t kernel = 0; kernel < N_KERNELS; kernel++) {
            const kernel_row *kr = &KERNELS[kernel];
            if (!((quick ? kr->quick_shapes : kr->shapes) >> s & 1u) ||
                (only && !strstr(kr->name, only)))
                continue;
            for (size_t pd = 0; pd < 6; pd++) {
                const size_t p = pd % 3, f32 = pd / 3;
                const nn__kernels *k = nn__kernels_by_name(paths[p]);
                if (!k || !(dtypes >> f32 & 1))
                    continue;
                const nn__kernels_f32 *kf = f32 ? nn__kernels_f32_of(k) : NULL;
                char impl[16];
                snprintf(impl, sizeof impl, "%s%s", paths[p], f32 ? ".f32" : "");
                fill(kr, &w, &rng);
                /* Warm up, then calibrate: repeat until a sample lasts >= min_sample. */
                run_any(k, kf, kr, &w);
                size_t reps = 1;
                for (;;) {
                    double t0 = bench_now();
                    for (size_t r = 0; r < reps; r++)
                        run_any(k, kf, kr, &w);
                    if (bench_now() - t0 >= min_sample || reps > (1u << 24))
                        break;
                    reps *= 2;
                }
                double samples[15];
                for (size_t q = 0; q < n_samples; q++) {
                    double t0 = bench_now();
                    for (size_t r = 0; r < reps; r++)
                        run_any(k, kf, kr, &w);
                    samples[q] = (bench_now() - t0) / (double)reps * 1e9;
                }
                double med = bench_median(samples, n_samples); /* sorts the samples */
                double lo = samples[0];
                double p90 = samples[(n_samples * 9) / 10 < n_samples ? (n_samples * 9) / 10
                                                                      : n_samples - 1];
                /* bytes per ns is GB/s */
                printf("%-24s %-10s %6zu %6zu %12.1f %12.1f %12.1f %10.3f %8.2f\n", kr->name,
                       impl, w.rows, w.cols, med, lo, p90, (double)n / med,
                       kr->bytes * (f32 ? 0.5 : 1.0) * (double)n / med);
                if (csv)
                    fprintf(csv, "%s,%s,%zu,%zu,%.2f,%.2f,%.2f,%.5f,%zu\n", kr->name, impl,
                            w.rows, w.cols, med, lo, p90, (double)n / med, n_samples);
            }
        }
        free(w.a);
        free(w.b);
        free(w.out);
        free(w.t);
        free(w.bias);
        free(w.zero);
        free(w.y);
        free(w.af);
    }
    if (csv)
        fclose(csv);
    return 0;
}
