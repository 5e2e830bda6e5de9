/* nn eval and nn predict: a saved model on data. The model decides how the
 * file is read: its task, its number of inputs and outputs, its class
 * names; its scaler is applied by the library. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int load_model(const cli_opts *o, nn_net **net)
{
    nn_status s = nn_net_load(net, o->model);
    return s == NN_OK ? 0 : cli_fail(o->model, s);
}

/* The options, with the file read as the model's task. */
static cli_opts as_model(const cli_opts *o, const nn_net *net)
{
    cli_opts m = *o;
    m.csv.task = nn_net_task(net);
    m.csv.n_targets = m.csv.task == NN_TASK_CLASSIFY ? 1 : nn_net_n_outputs(net);
    return m;
}

/* Renumber d's string labels to the model's classes, matched by name. */
static int labels_to_model(nn_net *net, nn_dataset *d, const char *path)
{
    if (!d->y || !d->class_names)
        return 0;
    size_t C = nn_net_n_outputs(net);
    if (!nn_net_class_name(net, 0)) {
        fprintf(stderr, "nn: %s has class names but %s was trained on numeric labels\n", path,
                "the model");
        return CLI_EXIT_FAIL;
    }
    for (size_t i = 0; i < d->x.rows; i++) {
        const char *name = d->class_names[d->y[i]];
        size_t k = 0;
        while (k < C && strcmp(nn_net_class_name(net, k), name) != 0)
            k++;
        if (k == C) {
            fprintf(stderr, "nn: %s: row %zu has the class '%s', which the model does not know\n",
                    path, i + 1, name);
            return CLI_EXIT_FAIL;
        }
        d->y[i] = (int32_t)k;
    }
    for (size_t k = 0; k < d->n_classes; k++)
        free(d->class_names[k]);
    free(d->class_names);
    d->class_names = NULL;
    d->n_classes = C;
    return 0;
}

int cmd_eval(const cli_opts *o)
{
    nn_net *net;
    if (load_model(o, &net))
        return CLI_EXIT_FAIL;
    cli_opts m = as_model(o, net);
    m.allow_many_classes = true; /* the model decides the classes */
    nn_dataset train, test;
    int rc = cli_load_split(&m, &train, &test);
    if (!rc) {
        rc = labels_to_model(net, &test, o->data);
        if (!rc && test.y && test.n_classes > nn_net_n_outputs(net)) {
            fprintf(stderr, "nn: %s has labels up to %zu but the model has %zu classes\n", o->data,
                    test.n_classes - 1, nn_net_n_outputs(net));
            rc = CLI_EXIT_FAIL;
        }
        if (!rc)
            rc = cli_report_eval(net, &test,
                                 o->all_rows    ? o->data
                                 : o->test_data ? o->test_data
                                                : "the test split");
        nn_dataset_free(&train);
        nn_dataset_free(&test);
    }
    nn_net_free(net);
    return rc;
}

/* ---- predict ------------------------------------------------------------------ */

static void put_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void put_name(FILE *f, nn_net *net, const char *prefix, size_t k)
{
    const char *name = nn_net_class_name(net, k);
    char buf[32];
    if (!name) {
        snprintf(buf, sizeof buf, "%zu", k);
        name = buf;
    }
    fputs(prefix, f);
    put_field(f, name);
}

/* One CSV line per row: the id, then the prediction (a class, 0/1 per
 * label, or the values), then with --proba the probabilities. */
static void write_predictions(const cli_opts *o, FILE *f, nn_net *net, char **ids, size_t n,
                              const int32_t *labels, nn_mat out)
{
    nn_task task = nn_net_task(net);
    size_t C = nn_net_n_outputs(net);
    fputs(ids ? "id" : "row", f);
    if (task == NN_TASK_CLASSIFY) {
        fputs(",label", f);
        for (size_t k = 0; o->proba && k < C; k++)
            put_name(f, net, ",p_", k);
    } else {
        for (size_t k = 0; k < C; k++) {
            if (task == NN_TASK_REGRESS)
                fprintf(f, C == 1 ? ",value" : ",value_%zu", k + 1);
            else if (nn_net_class_name(net, k))
                put_name(f, net, ",", k);
            else
                fprintf(f, ",label_%zu", k + 1);
        }
        for (size_t k = 0; task == NN_TASK_MULTILABEL && o->proba && k < C; k++)
            fprintf(f, ",p_%zu", k + 1);
    }
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        if (ids)
            put_field(f, ids[i]);
        else
            fprintf(f, "%zu", i + 1);
        const double *r = out.data + i * out.ld;
        if (task == NN_TASK_CLASSIFY) {
            put_name(f, net, ",", (size_t)labels[i]);
            for (size_t k = 0; o->proba && k < C; k++)
                fprintf(f, ",%.6g", r[k]);
        } else if (task == NN_TASK_REGRESS) {
            for (size_t k = 0; k < C; k++)
                fprintf(f, ",%.10g", r[k]);
        } else {
            for (size_t k = 0; k < C; k++)
                fprintf(f, ",%d", r[k] >= 0.5);
            for (size_t k = 0; o->proba && k < C; k++)
                fprintf(f, ",%.6g", r[k]);
        }
        fputc('\n', f);
    }
}

int cmd_predict(const cli_opts *o)
{
    if (o->out && cli_check_writable(o->out, "--out"))
        return CLI_EXIT_FAIL;
    nn_net *net;
    if (load_model(o, &net))
        return CLI_EXIT_FAIL;
    cli_opts m = as_model(o, net);
    size_t n_in = nn_net_n_inputs(net);
    size_t n_lab = m.csv.task == NN_TASK_CLASSIFY ? 1 : nn_net_n_outputs(net);
    size_t fields = cli_count_fields(&m, o->data);
    size_t width = fields - (o->id_col > 0 && fields > 0);
    int rc = fields == 0 ? CLI_EXIT_FAIL : 0;
    if (!rc && o->id_col > 0 && (size_t)o->id_col > fields) {
        fprintf(stderr, "nn predict: --id-col %ld but %s has %zu columns\n", o->id_col, o->data,
                fields);
        rc = CLI_EXIT_USAGE;
    }
    if (!rc && width == n_in)
        m.csv.no_labels = true;
    else if (!rc && (m.csv.no_labels || width != n_in + n_lab)) {
        fprintf(stderr,
                "nn predict: %s has %zu columns%s, but the model takes %zu features (plus %zu "
                "label column%s when the file has labels)\n",
                o->data, width, o->id_col > 0 ? " besides the id column" : "", n_in, n_lab,
                n_lab == 1 ? "" : "s");
        rc = CLI_EXIT_FAIL;
    }
    nn_dataset d;
    memset(&d, 0, sizeof d);
    if (!rc) {
        nn_csv_options c = cli_csv(&m);
        c.ignore_column = (size_t)(o->id_col > 0 ? o->id_col : 0);
        nn_status s = nn_load_csv(&d, o->data, &c);
        if (s != NN_OK) {
            rc = cli_fail("reading data", s);
            if (!c.no_labels && o->id_col == 0)
                fprintf(stderr, "nn predict: hint: %s was read as %zu features and %zu label "
                                "column%s; a column of row ids needs --id-col N\n",
                        o->data, n_in, n_lab, n_lab == 1 ? "" : "s");
        }
    }
    size_t n = d.x.rows, C = nn_net_n_outputs(net);
    char **ids = NULL;
    if (!rc && o->id_col > 0 && !(ids = cli_read_ids(&m, o->data, (size_t)o->id_col, n)))
        rc = cli_fail("reading row ids", NN_ENOMEM);
    nn_mat out = {NULL, 0, 0, 0};
    int32_t *labels = NULL;
    if (!rc) {
        nn_status s = nn_mat_alloc(&out, n, C);
        if (s == NN_OK && m.csv.task == NN_TASK_CLASSIFY)
            s = (labels = malloc(n * sizeof *labels)) ? nn_net_predict(net, d.x, labels)
                                                      : NN_ENOMEM;
        if (s == NN_OK)
            s = nn_net_forward(net, d.x, out);
        if (s != NN_OK)
            rc = cli_fail("predicting", s);
    }
    if (!rc) {
        FILE *f = o->out ? fopen(o->out, "w") : stdout;
        if (!f) {
            fprintf(stderr, "nn predict: --out %s: cannot write\n", o->out);
            rc = CLI_EXIT_FAIL;
        } else {
            write_predictions(o, f, net, ids, n, labels, out);
            if (ferror(f) || (o->out && fclose(f) != 0)) {
                fprintf(stderr, "nn predict: writing %s failed\n", o->out ? o->out : "stdout");
                rc = CLI_EXIT_FAIL;
            } else if (o->out && !o->quiet)
                fprintf(stderr, "nn predict: %zu rows written to %s\n", n, o->out);
        }
    }
    free(labels);
    nn_mat_free(&out);
    cli_free_ids(ids, n);
    nn_dataset_free(&d);
    nn_net_free(net);
    return rc;
}
