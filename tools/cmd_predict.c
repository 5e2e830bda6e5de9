/* nn predict: a saved model's predictions for every row of a file (CSV or
 * .npy), as CSV on stdout or in --out, or as .npy in --out FILE.npy (both
 * written atomically). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* How text from the files (class names, ids) is written: as it is to a
 * file or a pipe, escaped (cli_put_escaped) on a terminal. */
typedef struct sink {
    FILE *f;
    int tty;
} sink;

/* head (text of our own, nothing to quote) and s as one CSV field: quoted
 * as a whole when s needs it, so "p_" and a name "a,b" give "p_a,b" in
 * quotes. A blank at either end needs it too: a CSV reader (ours) trims
 * blanks around an unquoted field and keeps them inside quotes. */
static void put_field(const sink *k, const char *head, const char *s)
{
    FILE *f = k->f;
    size_t n = strlen(s);
    int edge = n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t');
    int quote = edge || strpbrk(s, ",\"\n\r") != NULL;
    if (quote)
        fputc('"', f);
    fputs(head, f);
    for (const char *c = s; *c; c++) {
        if (*c == '"')
            fputc('"', f);
        if (k->tty) {
            char one[2] = {*c, '\0'};
            cli_put_escaped(f, one);
        } else {
            fputc(*c, f);
        }
    }
    if (quote)
        fputc('"', f);
}

/* A comma, then one field: head and class c's name (or number). */
static void put_name(const sink *k, nn_net *net, const char *head, size_t c)
{
    const char *name = nn_net_class_name(net, c);
    char buf[32];
    if (!name) {
        snprintf(buf, sizeof buf, "%zu", c);
        name = buf;
    }
    fputc(',', k->f);
    put_field(k, head, name);
}

/* One CSV line per row: the id, then the prediction (a class, 0/1 per
 * label, or the values), then with --proba the probabilities. */
static void write_predictions(const cli_opts *o, const sink *k, nn_net *net, char **ids, size_t n,
                              const int32_t *labels, nn_mat out)
{
    FILE *f = k->f;
    nn_task task = nn_net_task(net);
    size_t C = nn_net_n_outputs(net);
    fputs(ids ? "id" : "row", f);
    if (task == NN_TASK_CLASSIFY) {
        fputs(",label", f);
        for (size_t c = 0; o->proba && c < C; c++)
            put_name(k, net, "p_", c);
    } else {
        for (size_t c = 0; c < C; c++) {
            if (nn_net_class_name(net, c))
                put_name(k, net, "", c);
            else if (task == NN_TASK_REGRESS)
                fprintf(f, C == 1 ? ",value" : ",value_%zu", c + 1);
            else
                fprintf(f, ",label_%zu", c + 1);
        }
        for (size_t c = 0; task == NN_TASK_MULTILABEL && o->proba && c < C; c++) {
            if (nn_net_class_name(net, c))
                put_name(k, net, "p_", c);
            else
                fprintf(f, ",p_%zu", c + 1);
        }
    }
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        if (ids)
            put_field(k, "", ids[i]);
        else
            fprintf(f, "%zu", i + 1);
        const double *r = out.data + i * out.ld;
        if (task == NN_TASK_CLASSIFY) {
            put_name(k, net, "", (size_t)labels[i]);
            for (size_t c = 0; o->proba && c < C; c++)
                fprintf(f, ",%.6g", r[c]);
        } else if (task == NN_TASK_REGRESS) {
            for (size_t c = 0; c < C; c++)
                fprintf(f, ",%.10g", r[c]);
        } else {
            for (size_t c = 0; c < C; c++)
                fprintf(f, ",%d", r[c] >= 0.5);
            for (size_t c = 0; o->proba && c < C; c++)
                fprintf(f, ",%.6g", r[c]);
        }
        fputc('\n', f);
    }
}

/* The CSV's columns without the first (row or id), as numbers: a class
 * index (not its name), 0/1 per label or the values, then with --proba
 * the probabilities; written by nn_save_npy (float64, atomically). */
static int write_npy(const cli_opts *o, nn_net *net, size_t n, const int32_t *labels,
                     nn_mat out)
{
    nn_task task = nn_net_task(net);
    size_t C = nn_net_n_outputs(net);
    size_t first = task == NN_TASK_CLASSIFY ? 1 : task == NN_TASK_MULTILABEL ? C : 0;
    size_t cols = task == NN_TASK_REGRESS ? C : first + (o->proba ? C : 0);
    nn_mat w = {NULL, 0, 0, 0};
    nn_status s = nn_mat_alloc(&w, n, cols);
    for (size_t i = 0; s == NN_OK && i < n; i++) {
        const double *r = out.data + i * out.ld;
        double *row = w.data + i * w.ld;
        if (task == NN_TASK_CLASSIFY)
            row[0] = labels[i];
        for (size_t c = 0; task == NN_TASK_MULTILABEL && c < C; c++)
            row[c] = r[c] >= 0.5;
        for (size_t c = first; c < cols; c++)
            row[c] = r[c - first];
    }
    if (s == NN_OK)
        s = nn_save_npy(o->out, w);
    nn_mat_free(&w);
    return s == NN_OK ? 0 : cli_fail_flag("--out", o->out, s);
}

/* The rows of a CSV --data: with or without its label column(s), besides
 * an --id-col; the ids into *ids. */
static int read_csv(const cli_opts *o, cli_opts *m, nn_net *net, nn_dataset *d, char ***ids)
{
    size_t n_in = nn_net_n_inputs(net);
    size_t n_lab = m->csv.task == NN_TASK_CLASSIFY ? 1 : nn_net_n_outputs(net);
    if (cli_is_stream(o->data)) {
        /* Its width decides how it is read: a stream would be read twice. */
        fprintf(stderr, "nn predict: --data %s is a pipe or a device, which can be read only "
                        "once, and nn predict reads a CSV file twice (its width, then its rows): "
                        "save it to a file first\n",
                o->data);
        return CLI_EXIT_FAIL;
    }
    size_t fields = cli_count_fields(m, o->data);
    size_t width = fields - (o->id_col > 0 && fields > 0);
    int rc = fields == 0 ? CLI_EXIT_FAIL : 0;
    if (!rc && o->id_col > 0 && (size_t)o->id_col > fields) {
        fprintf(stderr, "nn predict: --id-col %ld but %s has %zu columns\n", o->id_col, o->data,
                fields);
        rc = CLI_EXIT_USAGE;
    }
    if (!rc && width == n_in)
        m->csv.no_labels = true;
    else if (!rc && (m->csv.no_labels || width != n_in + n_lab))
        rc = cli_check_width(m, net, o->data, o->id_col > 0);
    /* A labelled file: its label columns are within its fields, and the
     * ids' column is not one of them. */
    size_t first = o->label_col > 0 ? (size_t)o->label_col : fields - n_lab + 1;
    if (!rc && !m->csv.no_labels && first - 1 + n_lab > fields) {
        fprintf(stderr, "nn predict: --label-col %ld%s, but %s has %zu columns\n", o->label_col,
                n_lab == 1 ? "" : " and the label columns after it", o->data, fields);
        rc = CLI_EXIT_USAGE;
    }
    if (!rc && !m->csv.no_labels && o->id_col > 0 && (size_t)o->id_col >= first &&
        (size_t)o->id_col < first + n_lab) {
        fprintf(stderr, "nn predict: --id-col %ld is also %s of %s (%s): the ids need a "
                        "column of their own\n",
                o->id_col, n_lab == 1 ? "the label column" : "a label column", o->data,
                o->label_col > 0 ? "--label-col" : "the last, as no --label-col is given");
        rc = CLI_EXIT_USAGE;
    }
    if (!rc) {
        nn_csv_options c = cli_csv(m);
        c.ignore_column = (size_t)(o->id_col > 0 ? o->id_col : 0);
        nn_status s = nn_load_csv(d, o->data, &c);
        if (s != NN_OK) {
            rc = cli_fail("reading data", s);
            if (s == NN_EFORMAT && !cli_hint_format(m, o->data) && !c.no_labels &&
                o->id_col == 0)
                fprintf(stderr, "nn predict: hint: %s was read as %zu features and %zu label "
                                "column%s; a column of row ids needs --id-col N\n",
                        o->data, n_in, n_lab, n_lab == 1 ? "" : "s");
        }
    }
    if (!rc && o->id_col > 0 &&
        !(*ids = cli_read_ids(m, o->data, (size_t)o->id_col, d->x.rows)))
        rc = CLI_EXIT_FAIL;
    return rc;
}

int cmd_predict(const cli_opts *o)
{
    nn_net *net;
    if (cli_load_model(o, &net))
        return CLI_EXIT_FAIL;
    cli_opts m = cli_as_model(o, net);
    nn_dataset d;
    memset(&d, 0, sizeof d);
    char **ids = NULL;
    int rc = cli_is_npy(o->data) ? cli_load_npy_features(net, o->data, &d)
                                 : read_csv(o, &m, net, &d, &ids);
    size_t n = d.x.rows, C = nn_net_n_outputs(net);
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
    cli_output w;
    if (!rc && cli_npy_name(o->out)) {
        rc = write_npy(o, net, n, labels, out);
        if (!rc && !o->quiet)
            fprintf(stderr, "nn predict: %zu rows written to %s\n", n, o->out);
    } else if (!rc && !(rc = cli_output_open(&w, o->out, "--out"))) {
        sink k = {w.f, !o->out && isatty(fileno(stdout))};
        write_predictions(o, &k, net, ids, n, labels, out);
        rc = cli_output_close(&w, 1);
        if (!rc && o->out && !o->quiet)
            fprintf(stderr, "nn predict: %zu rows written to %s\n", n, o->out);
    }
    free(labels);
    nn_mat_free(&out);
    cli_free_ids(ids, n);
    nn_dataset_free(&d);
    nn_net_free(net);
    return rc;
}
