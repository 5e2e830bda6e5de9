/* Data sets: make_moons, train/test splits, one-hot, standardization. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "rng.h"

#define NN_PI 3.14159265358979323846

/* ---- data set helpers ---------------------------------------------------- */

nn_status nn__dataset_check(const nn_dataset *d, const char *func)
{
    if (!d)
        return nn__fail(NN_EINVAL, "%s: data set is NULL", func);
    nn_status s = nn__check_view(d->x, func, "the data set's x");
    if (s != NN_OK)
        return s;
    if (d->t.data) {
        if ((s = nn__check_view(d->t, func, "the data set's targets t")) != NN_OK)
            return s;
        if (d->t.rows != d->x.rows)
            return nn__fail(NN_ESHAPE, "%s: the data set has %zu rows of x but %zu of targets",
                            func, d->x.rows, d->t.rows);
    }
    if (!d->y)
        return NN_OK; /* targets or features only */
    if (d->n_classes == 0 || d->n_classes > INT32_MAX)
        return nn__fail(NN_EINVAL, "%s: n_classes %zu is invalid", func, d->n_classes);
    for (size_t i = 0; i < d->x.rows; i++)
        if (d->y[i] < 0 || (size_t)d->y[i] >= d->n_classes)
            return nn__fail(NN_EINVAL, "%s: row %zu has label %ld outside [0, %zu)", func, i,
                            (long)d->y[i], d->n_classes);
    return NN_OK;
}

nn_status nn__dataset_alloc(nn_dataset *d, size_t rows, size_t cols, size_t n_classes)
{
    nn_dataset t;
    memset(&t, 0, sizeof t);
    t.n_classes = n_classes;
    nn_status s = nn_mat_alloc(&t.x, rows, cols);
    if (s != NN_OK)
        return s;
    t.y = calloc(rows, sizeof *t.y);
    if (!t.y) {
        nn_mat_free(&t.x);
        return nn__fail(NN_ENOMEM, "cannot allocate %zu labels", rows);
    }
    *d = t;
    return NN_OK;
}

char **nn__strings_dup(const char *const *names, size_t n)
{
    char **out = calloc(n, sizeof *out);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]) + 1;
        out[i] = malloc(len);
        if (!out[i]) {
            nn__strings_free(out, i);
            return NULL;
        }
        memcpy(out[i], names[i], len);
    }
    return out;
}

void nn__strings_free(char **names, size_t n)
{
    if (!names)
        return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* A data set of rows rows shaped like src: the same feature count, labels
 * if src has them, targets if src has them, a copy of its class names. */
static nn_status dataset_alloc_like(nn_dataset *d, size_t rows, const nn_dataset *src)
{
    nn_dataset t;
    memset(&t, 0, sizeof t);
    t.n_classes = src->n_classes;
    nn_status s = nn_mat_alloc(&t.x, rows, src->x.cols);
    if (s != NN_OK)
        return s;
    int ok = 1;
    if (src->y)
        ok = (t.y = calloc(rows, sizeof *t.y)) != NULL;
    if (ok && src->t.data)
        ok = nn_mat_alloc(&t.t, rows, src->t.cols) == NN_OK;
    if (ok && src->class_names)
        ok = (t.class_names = nn__strings_dup((const char *const *)src->class_names,
                                              src->n_classes)) != NULL;
    if (!ok) {
        nn_dataset_free(&t);
        return nn__fail(NN_ENOMEM, "cannot allocate a data set of %zu rows", rows);
    }
    *d = t;
    return NN_OK;
}

void nn_dataset_free(nn_dataset *d)
{
    if (!d)
        return;
    nn_mat_free(&d->x);
    nn_mat_free(&d->t);
    free(d->y);
    nn__strings_free(d->class_names, d->n_classes);
    d->y = NULL;
    d->class_names = NULL;
    d->n_classes = 0;
}

/* ---- make_moons ---------------------------------------------------------- */

/* scikit-learn's algorithm: n_out = n/2 points on the upper half circle
 * (cos t, sin t) and n_in = n - n_out on the lower one (1 - cos t,
 * 0.5 - sin t), each with t = linspace(0, pi, count); shuffle; add noise. */
nn_status nn_make_moons(nn_dataset *out, size_t n_samples, double noise, uint64_t seed)
{
    if (!out)
        return nn__fail(NN_EINVAL, "nn_make_moons: out is NULL");
    if (n_samples < 2 || n_samples > INT32_MAX)
        return nn__fail(NN_EINVAL, "nn_make_moons: n_samples %zu is not in [2, %ld]", n_samples,
                        (long)INT32_MAX);
    if (!(noise >= 0.0) || !isfinite(noise))
        return nn__fail(NN_EINVAL, "nn_make_moons: noise %g must be >= 0 and finite", noise);
    nn_dataset d;
    nn_status s = nn__dataset_alloc(&d, n_samples, 2, 2);
    if (s != NN_OK)
        return s;
    size_t *perm = malloc(n_samples * sizeof *perm);
    double *tmp = malloc(2 * n_samples * sizeof *tmp);
    if (!perm || !tmp) {
        free(perm);
        free(tmp);
        nn_dataset_free(&d);
        return nn__fail(NN_ENOMEM, "nn_make_moons: out of memory");
    }
    size_t n_out = n_samples / 2, n_in = n_samples - n_out;
    for (size_t i = 0; i < n_samples; i++) {
        int inner = i >= n_out;
        size_t j = inner ? i - n_out : i, cnt = inner ? n_in : n_out;
        double t = cnt > 1 ? NN_PI * (double)j / (double)(cnt - 1) : 0.0;
        tmp[2 * i] = inner ? 1.0 - cos(t) : cos(t);
        tmp[2 * i + 1] = inner ? 0.5 - sin(t) : sin(t);
    }
    nn__rng r;
    nn__rng_seed(&r, seed);
    nn__rng_permutation(&r, perm, n_samples);
    for (size_t i = 0; i < n_samples; i++) {
        size_t src = perm[i];
        double *row = d.x.data + i * d.x.ld;
        row[0] = tmp[2 * src];
        row[1] = tmp[2 * src + 1];
        d.y[i] = src >= n_out;
    }
    /* A finite noise can still overflow a point (1e308 times a normal
     * draw): refused, rather than features no later step can use. */
    size_t bad = n_samples;
    if (noise > 0.0)
        for (size_t i = 0; i < n_samples; i++) {
            double *row = d.x.data + i * d.x.ld;
            row[0] += noise * nn__rng_normal(&r);
            row[1] += noise * nn__rng_normal(&r);
            if (bad == n_samples && !(isfinite(row[0]) && isfinite(row[1])))
                bad = i;
        }
    free(perm);
    free(tmp);
    if (bad < n_samples) {
        nn_dataset_free(&d);
        return nn__fail(NN_EINVAL, "nn_make_moons: noise %g is too large: row %zu is not finite",
                        noise, bad);
    }
    *out = d;
    return NN_OK;
}

/* ---- splits -------------------------------------------------------------- */

static void copy_row(nn_dataset *dst, size_t i, const nn_dataset *src, size_t j)
{
    memcpy(dst->x.data + i * dst->x.ld, src->x.data + j * src->x.ld,
           src->x.cols * sizeof(double));
    if (src->y)
        dst->y[i] = src->y[j];
    if (src->t.data)
        memcpy(dst->t.data + i * dst->t.ld, src->t.data + j * src->t.ld,
               src->t.cols * sizeof(double));
}

static nn_status check_split(const nn_dataset *all, double test_fraction, nn_dataset *train,
                             nn_dataset *test, const char *func)
{
    if (!train || !test)
        return nn__fail(NN_EINVAL, "%s: train and test must not be NULL", func);
    if (train == test)
        return nn__fail(NN_EINVAL, "%s: train and test are the same object", func);
    nn_status s = nn__dataset_check(all, func);
    if (s != NN_OK)
        return s;
    if (all->x.rows < 2)
        return nn__fail(NN_EINVAL, "%s: %zu rows cannot be split", func, all->x.rows);
    if (!(test_fraction > 0.0 && test_fraction < 1.0))
        return nn__fail(NN_EINVAL, "%s: test_fraction %g is outside (0, 1)", func,
                        test_fraction);
    return NN_OK;
}

/* Build train and test from an ordering of all's rows: order[0..n_test) go
 * to test, the rest to train. */
static nn_status split_by_order(const nn_dataset *all, const size_t *order, size_t n_test,
                                nn_dataset *train, nn_dataset *test)
{
    size_t n = all->x.rows;
    nn_dataset tr, te;
    nn_status s = dataset_alloc_like(&te, n_test, all);
    if (s != NN_OK)
        return s;
    if ((s = dataset_alloc_like(&tr, n - n_test, all)) != NN_OK) {
        nn_dataset_free(&te);
        return s;
    }
    for (size_t i = 0; i < n_test; i++)
        copy_row(&te, i, all, order[i]);
    for (size_t i = n_test; i < n; i++)
        copy_row(&tr, i - n_test, all, order[i]);
    *train = tr;
    *test = te;
    return NN_OK;
}

static size_t test_count(size_t n, double fraction)
{
    size_t k = (size_t)llround(fraction * (double)n);
    return k < 1 ? 1 : k > n - 1 ? n - 1 : k;
}

nn_status nn_train_test_split(const nn_dataset *all, double test_fraction, uint64_t seed,
                              nn_dataset *train, nn_dataset *test)
{
    nn_status s = check_split(all, test_fraction, train, test, "nn_train_test_split");
    if (s != NN_OK)
        return s;
    size_t n = all->x.rows;
    size_t *order = malloc(n * sizeof *order);
    if (!order)
        return nn__fail(NN_ENOMEM, "nn_train_test_split: out of memory");
    nn__rng r;
    nn__rng_seed(&r, seed);
    nn__rng_permutation(&r, order, n);
    s = split_by_order(all, order, test_count(n, test_fraction), train, test);
    free(order);
    return s;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* cls[i] = the rank of y[i] among the distinct labels of y (0 .. *k-1), so
 * that per-class counts take memory in proportion to the rows, whatever
 * n_classes is. */
static int compact_classes(const int32_t *y, size_t n, size_t *cls, size_t *k)
{
    int32_t *d = malloc(n * sizeof *d);
    if (!d)
        return 0;
    memcpy(d, y, n * sizeof *d);
    qsort(d, n, sizeof *d, cmp_i32);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || d[m - 1] != d[i])
            d[m++] = d[i];
    for (size_t i = 0; i < n; i++)
        cls[i] = (size_t)((const int32_t *)bsearch(&y[i], d, m, sizeof *d, cmp_i32) - d);
    free(d);
    *k = m;
    return 1;
}

/* Each class is split in the given proportion on its own (a class with two
 * or more rows puts at least one on each side; a class with one row goes
 * to train). Rows are picked from one seeded permutation. */
nn_status nn_train_test_split_stratified(const nn_dataset *all, double test_fraction,
                                         uint64_t seed, nn_dataset *train, nn_dataset *test)
{
    const char *f = "nn_train_test_split_stratified";
    nn_status s = check_split(all, test_fraction, train, test, f);
    if (s != NN_OK)
        return s;
    if (!all->y) /* targets only: no classes to stratify by */
        return nn_train_test_split(all, test_fraction, seed, train, test);
    size_t n = all->x.rows, C = 0;
    size_t *perm = malloc(n * sizeof *perm), *order = malloc(n * sizeof *order);
    size_t *cls = malloc(n * sizeof *cls);
    size_t *count = NULL, *taken = NULL;
    if (perm && order && cls && compact_classes(all->y, n, cls, &C)) {
        count = calloc(C, sizeof *count);
        taken = calloc(C, sizeof *taken);
    }
    if (!count || !taken) {
        free(perm);
        free(order);
        free(cls);
        free(count);
        free(taken);
        return nn__fail(NN_ENOMEM, "%s: out of memory", f);
    }
    nn__rng r;
    nn__rng_seed(&r, seed);
    nn__rng_permutation(&r, perm, n);
    for (size_t i = 0; i < n; i++)
        count[cls[i]]++;
    for (size_t c = 0; c < C; c++)
        taken[c] = count[c] >= 2 ? test_count(count[c], test_fraction) : 0;
    /* In permuted order, the first taken[c] rows of class c go to test. */
    size_t n_test = 0;
    for (size_t c = 0; c < C; c++)
        n_test += taken[c];
    if (n_test == 0 || n_test == n) {
        s = nn__fail(NN_EINVAL, "%s: no class has two rows to split", f);
    } else {
        /* Test rows first (the first taken[c] of each class in permuted
         * order), then the rest; both keep the permuted order, so classes
         * interleave. */
        size_t *seen = count; /* reused: rows of each class met so far */
        size_t t = 0;
        memset(seen, 0, C * sizeof *seen);
        for (size_t i = 0; i < n; i++)
            if (seen[cls[perm[i]]]++ < taken[cls[perm[i]]])
                order[t++] = perm[i];
        memset(seen, 0, C * sizeof *seen);
        for (size_t i = 0; i < n; i++)
            if (seen[cls[perm[i]]]++ >= taken[cls[perm[i]]])
                order[t++] = perm[i];
        s = split_by_order(all, order, n_test, train, test);
    }
    free(perm);
    free(order);
    free(cls);
    free(count);
    free(taken);
    return s;
}

/* ---- one-hot ------------------------------------------------------------- */

nn_status nn_one_hot(const int32_t *labels, size_t n, size_t n_classes, nn_mat *out)
{
    if (!labels || !out)
        return nn__fail(NN_EINVAL, "nn_one_hot: %s is NULL", !labels ? "labels" : "out");
    if (n == 0 || n_classes == 0)
        return nn__fail(NN_EINVAL, "nn_one_hot: zero size (%zu labels, %zu classes)", n,
                        n_classes);
    for (size_t i = 0; i < n; i++)
        if (labels[i] < 0 || (size_t)labels[i] >= n_classes)
            return nn__fail(NN_EINVAL, "nn_one_hot: label %ld at %zu is outside [0, %zu)",
                            (long)labels[i], i, n_classes);
    nn_mat m;
    nn_status s = nn_mat_alloc(&m, n, n_classes);
    if (s != NN_OK)
        return s;
    for (size_t i = 0; i < n; i++)
        m.data[i * m.ld + (size_t)labels[i]] = 1.0;
    *out = m;
    return NN_OK;
}

/* ---- standardization ----------------------------------------------------- */

/* One reduction of the scaler's fit over the participants (none without
 * hooks). */
static nn_status scaler_reduce(const nn_fit_hooks *h, int max, double *buf, size_t n,
                               const char *func)
{
    if (h && (max ? h->allreduce_max : h->allreduce_sum)(buf, n, h->ctx) != 0)
        return nn__fail(NN_EIO, "%s: a reduction failed", func);
    return NN_OK;
}

/* nn_scaler_fit over the rows of every participant (h NULL: this process
 * alone). Every participant makes the same reductions whatever its x: the
 * first agrees on failures and the width, then the sums (and the row
 * count), then the squared deviations about the global mean. */
static nn_status scaler_fit(nn_scaler *s, nn_mat x, const nn_fit_hooks *h, const char *func)
{
    nn_status st = !s ? nn__fail(NN_EINVAL, "%s: s is NULL", func)
                   : h && x.rows == 0 && x.cols > 0 ? NN_OK /* a participant without rows */
                   : nn__check_view(x, func, "x");
    if (st == NN_OK && h && (!h->allreduce_sum || !h->allreduce_max))
        st = nn__fail(NN_EINVAL, "%s: incomplete hooks", func);
    size_t d = x.cols;
    double *mean = NULL, *scale = NULL;
    if (st == NN_OK) {
        mean = calloc(d + 1, sizeof *mean);
        scale = calloc(d ? d : 1, sizeof *scale);
        if (!mean || !scale)
            st = nn__fail(NN_ENOMEM, "%s: out of memory", func);
    }
    /* Two passes (mean, then squared deviations) for accuracy. */
    for (size_t i = 0; st == NN_OK && i < x.rows; i++)
        for (size_t j = 0; j < d; j++) {
            double v = x.data[i * x.ld + j];
            if (!isfinite(v)) {
                st = nn__fail(NN_EINVAL, "%s: x[%zu][%zu] is not finite", func, i, j);
                break;
            }
            mean[j] += v;
        }
    if (h) {
        double agree[3] = {st != NN_OK, (double)d, -(double)d};
        nn_status r = scaler_reduce(h, 1, agree, 3, func);
        if (st == NN_OK && r != NN_OK)
            st = r;
        else if (st == NN_OK && agree[0] > 0.0)
            st = nn__fail(NN_EINVAL, "%s: another participant failed", func);
        else if (st == NN_OK && agree[1] != -agree[2])
            st = nn__fail(NN_ESHAPE, "%s: the participants' x have %g to %g columns", func,
                          -agree[2], agree[1]);
    }
    if (st == NN_OK) {
        mean[d] = (double)x.rows;
        st = scaler_reduce(h, 0, mean, d + 1, func);
    }
    if (st == NN_OK && !(mean[d] > 0.0))
        st = nn__fail(NN_EINVAL, "%s: x has no rows%s", func, h ? " on any participant" : "");
    if (st == NN_OK) {
        for (size_t j = 0; j < d; j++)
            mean[j] /= mean[d];
        for (size_t i = 0; i < x.rows; i++)
            for (size_t j = 0; j < d; j++) {
                double dev = x.data[i * x.ld + j] - mean[j];
                scale[j] += dev * dev;
            }
        st = scaler_reduce(h, 0, scale, d, func);
    }
    if (st != NN_OK) {
        free(mean);
        free(scale);
        return st;
    }
    for (size_t j = 0; j < d; j++) {
        double sd = sqrt(scale[j] / mean[d]);
        /* A constant column is left as it is, only centred. */
        scale[j] = sd > 1e-12 * (fabs(mean[j]) + 1.0) ? sd : 1.0;
    }
    s->n_features = d; /* *s is output only: its old content is not read */
    s->mean = mean;
    s->scale = scale;
    return NN_OK;
}

nn_status nn_scaler_fit(nn_scaler *s, nn_mat x)
{
    return scaler_fit(s, x, NULL, "nn_scaler_fit");
}

nn_status nn_scaler_fit_distributed(nn_scaler *s, nn_mat x, const nn_fit_hooks *hooks)
{
    if (!hooks)
        return nn__fail(NN_EINVAL, "nn_scaler_fit_distributed: hooks is NULL");
    return scaler_fit(s, x, hooks, "nn_scaler_fit_distributed");
}

nn_status nn_scaler_apply(const nn_scaler *s, nn_mat x)
{
    if (!s || !s->mean || !s->scale)
        return nn__fail(NN_EINVAL, "nn_scaler_apply: the scaler is %s", s ? "not fitted" : "NULL");
    nn_status st = nn__check_view(x, "nn_scaler_apply", "x");
    if (st != NN_OK)
        return st;
    if (x.cols != s->n_features)
        return nn__fail(NN_ESHAPE, "nn_scaler_apply: x has %zu columns, the scaler %zu", x.cols,
                        s->n_features);
    for (size_t i = 0; i < x.rows; i++)
        for (size_t j = 0; j < x.cols; j++)
            x.data[i * x.ld + j] = (x.data[i * x.ld + j] - s->mean[j]) / s->scale[j];
    return NN_OK;
}

void nn_scaler_free(nn_scaler *s)
{
    if (!s)
        return;
    free(s->mean);
    free(s->scale);
    s->mean = s->scale = NULL;
    s->n_features = 0;
}

/* ---- renumbering classes by name ----------------------------------------- */

nn_status nn_dataset_match_classes(nn_dataset *d, const char *const *names, size_t n_names)
{
    static const char func[] = "nn_dataset_match_classes";
    if (!d || !names)
        return nn__fail(NN_EINVAL, "%s: %s is NULL", func, !d ? "d" : "names");
    if (n_names == 0 || n_names > INT32_MAX)
        return nn__fail(NN_EINVAL, "%s: n_names %zu is invalid", func, n_names);
    for (size_t k = 0; k < n_names; k++)
        if (!names[k])
            return nn__fail(NN_EINVAL, "%s: names[%zu] is NULL", func, k);
    /* An empty data set (an empty shard) has no labels to check. */
    nn_status s = d->x.rows == 0 ? NN_OK : nn__dataset_check(d, func);
    if (s != NN_OK)
        return s;
    if ((!d->y && d->x.rows > 0) || !d->class_names)
        return nn__fail(NN_EINVAL, "%s: the data set has %s, not named classes", func,
                        d->y || d->x.rows == 0 ? "numeric labels" : "no labels");
    /* map[c]: the index in names of d's class c, n_names when absent. */
    size_t *map = malloc((d->n_classes ? d->n_classes : 1) * sizeof *map);
    char **copy = nn__strings_dup(names, n_names);
    if (!map || !copy) {
        free(map);
        nn__strings_free(copy, copy ? n_names : 0);
        return nn__fail(NN_ENOMEM, "%s: out of memory", func);
    }
    for (size_t c = 0; c < d->n_classes; c++) {
        map[c] = n_names;
        for (size_t k = 0; k < n_names && map[c] == n_names; k++)
            if (strcmp(d->class_names[c], names[k]) == 0)
                map[c] = k;
    }
    for (size_t i = 0; d->y && i < d->x.rows; i++)
        if (map[d->y[i]] == n_names) {
            s = nn__fail(NN_EINVAL, "%s: row %zu has the class '%s', which names lacks", func,
                         i + 1, d->class_names[d->y[i]]);
            free(map);
            nn__strings_free(copy, n_names);
            return s;
        }
    for (size_t i = 0; d->y && i < d->x.rows; i++)
        d->y[i] = (int32_t)map[d->y[i]];
    free(map);
    nn__strings_free(d->class_names, d->n_classes);
    d->class_names = copy;
    d->n_classes = n_names;
    return NN_OK;
}
