/* The nn tool end to end, on files this test writes: train -> save ->
 * predict on an unlabelled copy with row ids -> the CSV it writes equals
 * what the library predicts for the same rows (nn_net_predict on the raw
 * rows, and on rows standardized by hand with the model's own scaler), for
 * string-label classification, regression and multi-label. The tool's path
 * comes in NN_CLI. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    return getenv("NN_CLI") ? ts_temp_dir(dir, sizeof dir, "cli") : -1;
}

static int teardown(void **state)
{
    (void)state;
    return ts_remove_dir(dir);
}

static const char *path(const char *name)
{
    static char buf[4][160];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* Run the tool with args; returns its exit status. */
static int nn(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s > %s 2>&1", getenv("NN_CLI"), args, path("nn.log"));
    int rc = system(cmd);
    rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    if (rc != 0) {
        FILE *f = fopen(path("nn.log"), "r");
        char line[512];
        while (f && fgets(line, sizeof line, f))
            print_message("nn: %s", line);
        if (f)
            fclose(f);
    }
    return rc;
}

/* Row i's 4 features, around the centre of its class i % 3, into x and
 * onto f (without a line end). The features are on very different scales
 * (so standardization matters). */
static void put_features(FILE *f, nn__rng *r, size_t i, double *x)
{
    static const double scale[4] = {1000, 1, 0.01, 50};
    for (int j = 0; j < 4; j++)
        x[j] = scale[j] * ((double)((i % 3 + (size_t)j) % 3) + 0.4 * nn__rng_normal(r));
    fprintf(f, "%.17g,%.17g,%.17g,%.17g", x[0], x[1], x[2], x[3]);
}

/* A new CSV file at p, its header line written (none for NULL). */
static FILE *create_csv(const char *p, const char *header)
{
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    if (header)
        fputs(header, f);
    return f;
}

/* The unlabelled copy: an id column first, then the features. */
static void write_unlabelled(const char *p, nn__rng *r, size_t n)
{
    FILE *f = create_csv(p, "id,a,b,c,d\n");
    for (size_t i = 0; i < n; i++) {
        double x[4];
        fprintf(f, "\"r,%03zu\",", i);
        put_features(f, r, i, x);
        fputc('\n', f);
    }
    fclose(f);
}

/* The predictions CSV: its header line and a matrix of its fields as text. */
typedef struct table {
    char header[512];
    char cell[64][8][64];
    size_t rows, cols;
} table;

static void read_table(const char *p, table *t)
{
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    memset(t, 0, sizeof *t);
    assert_non_null(fgets(t->header, sizeof t->header, f));
    char line[512];
    while (fgets(line, sizeof line, f) && t->rows < 64) {
        size_t c = 0, len = 0;
        int quoted = 0;
        for (char *s = line; *s && *s != '\n'; s++) {
            if (*s == '"') {
                quoted = !quoted;
                continue;
            }
            if (*s == ',' && !quoted) {
                t->cell[t->rows][c++][len] = '\0';
                len = 0;
                continue;
            }
            if (len < 63)
                t->cell[t->rows][c][len++] = *s;
        }
        t->cell[t->rows][c][len] = '\0';
        t->cols = c + 1;
        t->rows++;
    }
    fclose(f);
}

/* The unlabelled file as the library reads it (id column skipped). */
static void load_unlabelled(const char *p, nn_dataset *d)
{
    nn_csv_options o = nn_csv_defaults();
    o.has_header = true;
    o.no_labels = true;
    o.ignore_column = 1;
    ts_ok(nn_load_csv(d, p, &o));
}

/* x standardized by the net's own scaler, predicted by a copy of the net
 * without it: the same classes as nn_net_predict on the raw rows. */
static void assert_scaler_applied(nn_net *net, nn_mat x, const int32_t *want)
{
    const nn_scaler *s = nn_net_scaler(net);
    assert_non_null(s);
    nn_mat xs;
    ts_ok(nn_mat_alloc(&xs, x.rows, x.cols));
    memcpy(xs.data, x.data, x.rows * x.cols * sizeof(double));
    ts_ok(nn_scaler_apply(s, xs));
    nn_net *bare;
    ts_ok(nn_net_clone(&bare, net));
    ts_ok(nn_net_set_scaler(bare, NULL));
    int32_t got[64];
    ts_ok(nn_net_predict(bare, xs, got));
    assert_memory_equal(got, want, x.rows * sizeof(int32_t));
    nn_net_free(bare);
    nn_mat_free(&xs);
}

/* What a train-then-predict round trip leaves for a test to check: the
 * predictions file, the saved model and the new rows it predicted. */
typedef struct round_trip {
    table t;
    nn_net *net;
    nn_dataset d;
} round_trip;

/* Run `nn train_args` (which saves the model to the file model), write rows
 * fresh unlabelled rows to new_csv, run `nn predict` on them with
 * predict_opts into pred_csv, and load the three (file names in dir). */
static void train_then_predict(const char *train_args, const char *model, const char *new_csv,
                               size_t rows, const char *predict_opts, const char *pred_csv,
                               nn__rng *r, round_trip *rt)
{
    char m[160], in[160], out[160], args[1024];
    snprintf(m, sizeof m, "%s", path(model));
    snprintf(in, sizeof in, "%s", path(new_csv));
    snprintf(out, sizeof out, "%s", path(pred_csv));
    assert_int_equal(nn(train_args), 0);
    write_unlabelled(in, r, rows);
    snprintf(args, sizeof args, "predict %s --data %s --header --id-col 1%s --out %s", m, in,
             predict_opts, out);
    assert_int_equal(nn(args), 0);
    read_table(out, &rt->t);
    ts_ok(nn_net_load(&rt->net, m));
    load_unlabelled(in, &rt->d);
}

static void round_trip_free(round_trip *rt)
{
    nn_dataset_free(&rt->d);
    nn_net_free(rt->net);
}

static void test_classify_string_labels(void **state)
{
    (void)state;
    static const char *const names[3] = {"Iris setosa", "versicolor", "virginica"};
    nn__rng r;
    nn__rng_seed(&r, 1);
    FILE *f = create_csv(path("train.csv"), "a,b,c,d,species\n");
    for (size_t i = 0; i < 300; i++) {
        double x[4];
        put_features(f, &r, i, x);
        fprintf(f, ",%s\n", names[i % 3]);
    }
    fclose(f);
    char args[1024];
    snprintf(args, sizeof args, "train --data %s --header --out %s --quiet", path("train.csv"),
             path("m.nnet"));
    round_trip rt;
    train_then_predict(args, "m.nnet", "new.csv", 40, " --proba", "pred.csv", &r, &rt);
    const table *t = &rt.t;
    nn_net *net = rt.net;
    const nn_dataset *d = &rt.d;
    assert_string_equal(t->header, "id,label,p_Iris setosa,p_versicolor,p_virginica\n");
    assert_int_equal(t->rows, 40);
    assert_int_equal(t->cols, 5);

    int32_t want[64];
    ts_ok(nn_net_predict(net, d->x, want));
    nn_mat p;
    ts_ok(nn_mat_alloc(&p, 40, 3));
    ts_ok(nn_net_forward(net, d->x, p));
    size_t right = 0;
    for (size_t i = 0; i < 40; i++) {
        char id[16];
        snprintf(id, sizeof id, "r,%03zu", i);
        assert_string_equal(t->cell[i][0], id);
        assert_string_equal(t->cell[i][1], nn_net_class_name(net, (size_t)want[i]));
        for (size_t k = 0; k < 3; k++)
            assert_true(fabs(atof(t->cell[i][2 + k]) - p.data[i * 3 + k]) <= 1e-5);
        right += want[i] == (int32_t)(i % 3);
    }
    assert_true(right >= 36); /* and the model learned something */
    assert_scaler_applied(net, d->x, want);

    /* The labelled training file predicts too (its label column is seen);
     * a file of the wrong width is refused with both numbers. */
    snprintf(args, sizeof args, "predict %s --data %s --header --out %s --quiet", path("m.nnet"),
             path("train.csv"), path("pred2.csv"));
    assert_int_equal(nn(args), 0);
    f = fopen(path("narrow.csv"), "w");
    assert_non_null(f);
    fputs("1,2,3\n4,5,6\n", f);
    fclose(f);
    snprintf(args, sizeof args, "predict %s --data %s", path("m.nnet"), path("narrow.csv"));
    assert_int_equal(nn(args), 1);
    snprintf(args, sizeof args, "grep -q 'has 3 columns, the model takes 4 features' %s",
             path("nn.log"));
    assert_int_equal(system(args), 0);
    nn_mat_free(&p);
    round_trip_free(&rt);
}

static void test_regression(void **state)
{
    (void)state;
    nn__rng r;
    nn__rng_seed(&r, 2);
    FILE *f = create_csv(path("reg.csv"), "a,b,c,d,y1,y2\n");
    for (size_t i = 0; i < 400; i++) {
        double x[4];
        put_features(f, &r, i, x);
        fprintf(f, ",%.17g,%.17g\n", 1e4 + x[0] + 3 * x[1], -x[3] / 50);
    }
    fclose(f);
    char args[1024];
    snprintf(args, sizeof args,
             "train --data %s --header --task regress --targets 2 --activation tanh --out %s "
             "--quiet",
             path("reg.csv"), path("r.nnet"));
    round_trip rt;
    train_then_predict(args, "r.nnet", "newr.csv", 30, "", "predr.csv", &r, &rt);
    assert_string_equal(rt.t.header, "id,y1,y2\n"); /* the header's target names */
    nn_net *net = rt.net;
    assert_int_equal(nn_net_task(net), NN_TASK_REGRESS);
    assert_int_equal(nn_net_activation(net, 0), NN_ACT_TANH);
    assert_non_null(nn_net_target_scaler(net));
    nn_mat out;
    ts_ok(nn_mat_alloc(&out, 30, 2));
    ts_ok(nn_net_forward(net, rt.d.x, out));
    for (size_t i = 0; i < 30; i++)
        for (size_t k = 0; k < 2; k++)
            assert_true(ts_close(atof(rt.t.cell[i][1 + k]), out.data[i * 2 + k], 1e-12, 1e-9));
    /* In target units: y1 is around 1e4 (the target scaler mapped it back). */
    assert_true(fabs(out.data[0] - 1e4) < 3000);
    nn_mat_free(&out);
    round_trip_free(&rt);
}

static void test_multilabel(void **state)
{
    (void)state;
    nn__rng r;
    nn__rng_seed(&r, 3);
    FILE *f = create_csv(path("ml.csv"), NULL);
    for (size_t i = 0; i < 300; i++) {
        double x[4];
        put_features(f, &r, i, x);
        fprintf(f, ",%d,%d,%d\n", x[0] > 1000, x[1] > 1, i % 3 == 2);
    }
    fclose(f);
    char args[1024];
    snprintf(args, sizeof args,
             "train --data %s --task multilabel --targets 3 --hidden 16,16 --out %s --quiet",
             path("ml.csv"), path("ml.nnet"));
    round_trip rt;
    train_then_predict(args, "ml.nnet", "newm.csv", 30, "", "predm.csv", &r, &rt);
    assert_string_equal(rt.t.header, "id,label_1,label_2,label_3\n");
    nn_mat out01;
    ts_ok(nn_mat_alloc(&out01, 30, 3));
    ts_ok(nn_net_predict_multilabel(rt.net, rt.d.x, out01));
    for (size_t i = 0; i < 30; i++)
        for (size_t k = 0; k < 3; k++)
            assert_int_equal(atoi(rt.t.cell[i][1 + k]), (int)out01.data[i * 3 + k]);
    /* nn eval on the training file reports the subset accuracy. */
    snprintf(args, sizeof args, "eval %s --data %s --all", path("ml.nnet"), path("ml.csv"));
    assert_int_equal(nn(args), 0);
    snprintf(args, sizeof args, "grep -q '^subset accuracy 0\\.9' %s", path("nn.log"));
    assert_int_equal(system(args), 0);
    nn_mat_free(&out01);
    round_trip_free(&rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_string_labels),
        cmocka_unit_test(test_regression),
        cmocka_unit_test(test_multilabel),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
