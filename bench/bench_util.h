/* Helpers shared by the bench programs: the clock, the median of samples,
 * the CPU model and date for the header, and the deep cells' synthetic
 * data. Header-only (static inline functions). */
#ifndef NN_BENCH_UTIL_H
#define NN_BENCH_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nn.h>

/* The build passes both; these are for a compile by hand. */
#ifndef NN_GIT_COMMIT
#define NN_GIT_COMMIT "unknown"
#endif
#ifndef NN_BENCH_CFLAGS
#define NN_BENCH_CFLAGS "unknown"
#endif

/* Seconds on the monotonic clock: differences time a run. */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of t[0..n), n > 0 (the mean of the middle two for an even n);
 * t is left sorted, so t[0] is the minimum and t[n-1] the maximum. */
static inline double bench_median(double *t, size_t n)
{
    qsort(t, n, sizeof *t, bench_cmp_double);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

/* The current date and time in UTC, for the header: "2025-01-31 12:00:00 UTC". */
static inline void bench_date(char *out, size_t n)
{
    time_t t = time(NULL);
    strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
}

/* The CPU's model name from /proc/cpuinfo, or "unknown". */
static inline void cpu_model(char *out, size_t n)
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

/* splitmix64: the seeded stream behind the synthetic data. */
static inline uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static inline double uniform01(uint64_t *s)
{
    return ((double)(splitmix64(s) >> 11) + 0.5) * 0x1.0p-53; /* (0, 1) */
}

/* rows x cols of N(0, 1) inputs with uniformly random labels in
 * [0, classes), seeded (splitmix64, Box-Muller): the deep cells' data
 * (MNIST-sized layers). Returns 0 when out of memory. */
static inline int make_deep_data(nn_dataset *d, size_t rows, size_t cols, size_t classes, uint64_t seed)
{
    const double two_pi = 6.283185307179586;
    d->n_classes = classes;
    d->y = malloc(rows * sizeof(int32_t));
    if (!d->y || nn_mat_alloc(&d->x, rows, cols) != NN_OK)
        return 0;
    uint64_t s = seed;
    for (size_t i = 0; i < rows * cols; i += 2) {
        double r = sqrt(-2.0 * log(uniform01(&s))), th = two_pi * uniform01(&s);
        d->x.data[i] = r * cos(th);
        if (i + 1 < rows * cols)
            d->x.data[i + 1] = r * sin(th);
    }
    for (size_t i = 0; i < rows; i++)
        d->y[i] = (int32_t)(splitmix64(&s) % classes);
    return 1;
}

#endif
