/* Data for the nn tool: reading, splitting, the checks that stop a
 * meaningless training before it starts, and warnings. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* The library's message in the user's words: without the name of the
 * library function it starts with ("nn_net_load: "), and "d"/"x" (its
 * parameters) named as what they are. */
static const char *user_words(const char *msg, char *buf, size_t n)
{
    if (strncmp(msg, "nn_", 3) == 0) {
        const char *p = msg + 3;
        while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
            p++;
        if (p[0] == ':' && p[1] == ' ')
            msg = p + 2;
    }
    if (strncmp(msg, "d has ", 6) == 0 || strncmp(msg, "x has ", 6) == 0) {
        snprintf(buf, n, "the data has %s", msg + 6);
        msg = buf;
    }
    return msg;
}

/* cli_fail_flag with the library's message given. */
static int fail_msg(const char *flag, const char *what, nn_status s, const char *error)
{
    char buf[1024];
    const char *msg = s == NN_ENOMEM ? "out of memory" : user_words(error, buf, sizeof buf);
    /* A path the message names already is not printed twice. */
    if (what && *msg && strstr(msg, what))
        what = NULL;
    fputs("nn: ", stderr);
    if (flag)
        fprintf(stderr, "%s ", flag);
    if (what)
        fprintf(stderr, "%s: ", what);
    if (*msg)
        cli_put_escaped(stderr, msg); /* it may quote a file's text */
    else
        fputs(nn_status_str(s), stderr);
    fputc('\n', stderr);
    return CLI_EXIT_FAIL;
}

int cli_fail_flag(const char *flag, const char *what, nn_status s)
{
    return fail_msg(flag, what, s, nn_last_error());
}

int cli_fail(const char *what, nn_status s)
{
    return cli_fail_flag(NULL, what, s);
}

nn_csv_options cli_csv(const cli_opts *o)
{
    nn_csv_options c = o->csv;
    c.label_column = o->label_col > 0 ? o->label_col - 1 : -1;
    return c;
}

int cli_is_stream(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 &&
           (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode));
}

/* ---- what nn_load_csv does not give: widths, row ids, hints -------------------- */

static int is_number(const char *t)
{
    char *end;
    if (!t || !*t)
        return 0;
    (void)strtod(t, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    return *end == '\0';
}

int cli_hint_format(const cli_opts *o, const char *path)
{
    if (!path || strcmp(path, "moons") == 0 || cli_is_stream(path))
        return 0;
    nn_csv_options c = o->csv;
    c.has_header = false;
    size_t fields = 0, rows = 0;
    if (nn_csv_read_column(path, &c, 0, NULL, NULL, &fields) != NN_OK || fields == 0)
        return 0;
    /* The first line's fields (at most the first two columns looked at). */
    size_t col = o->label_col == 1 && fields > 1 ? 2 : 1;
    char **texts = NULL;
    if (nn_csv_read_column(path, &c, col, &texts, &rows, NULL) != NN_OK)
        return 0;
    char **second = NULL;
    size_t rows2 = 0;
    if (fields > 1 && col == 1 &&
        nn_csv_read_column(path, &c, 2, &second, &rows2, NULL) != NN_OK)
        second = NULL;
    int hinted = 0;
    const char *seps[] = {";", "\t", "|", ","};
    const char *names[] = {";", "tab", "|", ","};
    for (int k = 0; k < 4 && !hinted && rows > 0; k++) {
        if (seps[k][0] == c.delimiter)
            continue;
        if (strchr(texts[0], seps[k][0]) || (second && rows2 > 0 && strchr(second[0], seps[k][0]))) {
            fprintf(stderr, "nn: hint: %s seems to be '%s'-separated: add --delimiter '%s'\n",
                    path, names[k], names[k]);
            hinted = 1;
        }
    }
    if (!hinted && !o->csv.has_header && rows > 1 && !is_number(texts[0]) &&
        is_number(texts[1])) {
        fprintf(stderr, "nn: hint: the first line of %s looks like a header: add --header\n",
                path);
        hinted = 1;
    }
    nn_csv_column_free(texts, rows);
    nn_csv_column_free(second, rows2);
    return hinted;
}

size_t cli_count_fields(const cli_opts *o, const char *path)
{
    size_t fields = 0;
    nn_status s = nn_csv_read_column(path, &o->csv, 0, NULL, NULL, &fields);
    if (s != NN_OK)
        cli_fail("reading data", s);
    return s == NN_OK ? fields : 0;
}

char **cli_read_ids(const cli_opts *o, const char *path, size_t col, size_t n)
{
    char **ids = NULL;
    size_t rows = 0;
    nn_status s = nn_csv_read_column(path, &o->csv, col, &ids, &rows, NULL);
    if (s != NN_OK) {
        cli_fail("reading row ids", s);
        return NULL;
    }
    if (rows != n) { /* the file changed since it was read */
        fprintf(stderr, "nn: %s: %zu rows of ids for %zu rows of data\n", path, rows, n);
        nn_csv_column_free(ids, rows);
        return NULL;
    }
    return ids;
}

void cli_free_ids(char **ids, size_t n)
{
    nn_csv_column_free(ids, n);
}

int cli_check_width(const cli_opts *m, nn_net *net, const char *path, int id_col)
{
    size_t fields = cli_count_fields(m, path);
    if (fields == 0)
        return CLI_EXIT_FAIL;
    size_t width = fields - (id_col && fields > 0);
    size_t n_in = nn_net_n_inputs(net);
    size_t n_lab = m->csv.task == NN_TASK_CLASSIFY ? 1 : nn_net_n_outputs(net);
    if (m->cmd == CMD_EVAL ? width == n_in + n_lab
                           : (width == n_in || (!m->csv.no_labels && width == n_in + n_lab)))
        return 0;
    char buf[256];
    fprintf(stderr, "nn %s: %s has %zu column%s%s, the model takes %zu feature%s", cli_cmd_name(m->cmd),
            cli_escaped(path, buf, sizeof buf), width, width == 1 ? "" : "s",
            id_col ? " besides the id column" : "", n_in, n_in == 1 ? "" : "s");
    if (m->cmd == CMD_EVAL)
        fprintf(stderr, " (+%zu label column%s)\n", n_lab, n_lab == 1 ? "" : "s");
    else if (m->csv.no_labels)
        fputs(" (--no-labels)\n", stderr);
    else
        fprintf(stderr, " (+%zu label column%s when the file has labels)\n", n_lab,
                n_lab == 1 ? "" : "s");
    cli_hint_format(m, path);
    return CLI_EXIT_FAIL;
}

/* ---- models -------------------------------------------------------------------- */

int cli_load_model(const cli_opts *o, nn_net **net)
{
    nn_status s = nn_net_load(net, o->model);
    return s == NN_OK ? 0 : cli_fail(o->model, s);
}

cli_opts cli_as_model(const cli_opts *o, const nn_net *net)
{
    cli_opts m = *o;
    m.csv.task = nn_net_task(net);
    m.csv.n_targets = m.csv.task == NN_TASK_CLASSIFY ? 1 : nn_net_n_outputs(net);
    return m;
}

int cli_match_names(nn_dataset *d, const char *const *names, size_t n_names, const char *path,
                    const char *whose, bool header, size_t rank, size_t size)
{
    nn_status s = nn_dataset_match_classes(d, names, n_names);
    if (s != NN_EINVAL || !d->y || !d->class_names)
        return s == NN_OK ? 0 : cli_fail(path, s);
    /* Which row: its line in the file, for rows rank, rank + size, ... of it
     * (a part of the file from row r: rank r, size 1). */
    for (size_t i = 0; i < d->x.rows; i++) {
        const char *name = d->class_names[d->y[i]];
        size_t k = 0;
        while (k < n_names && strcmp(names[k], name) != 0)
            k++;
        if (k == n_names) {
            char buf[256];
            fprintf(stderr, "nn: %s: line %zu has the class '%s', which %s does not have\n",
                    path, (size_t)header + rank + i * size + 1, cli_escaped(name, buf, sizeof buf),
                    whose);
            return CLI_EXIT_FAIL;
        }
    }
    return cli_fail(path, s);
}

/* ---- reading and checking ---------------------------------------------------- */

/* nn_load_csv, with a hint where a classification label was not usable. */
/* Whether the label columns the options name fit rows of `fields` fields;
 * else a message in the options' words (the library's names its fields). */
static int check_label_cols(const cli_opts *o, const char *path, size_t fields)
{
    size_t n_t = o->csv.n_targets ? o->csv.n_targets : 1;
    char buf[256];
    const char *p = cli_escaped(path, buf, sizeof buf);
    if (o->csv.no_labels)
        return 0;
    if (o->label_col > 0 && (size_t)o->label_col > fields) {
        fprintf(stderr, "nn: --label-col %ld, but %s has %zu column%s\n", o->label_col, p,
                fields, fields == 1 ? "" : "s");
        return CLI_EXIT_FAIL;
    }
    if (o->label_col > 0 && n_t > fields - (size_t)o->label_col + 1) {
        fprintf(stderr, "nn: --label-col %ld with --targets %zu goes past the last of the %zu "
                        "columns of %s\n",
                o->label_col, n_t, fields, p);
        return CLI_EXIT_FAIL;
    }
    if (n_t >= fields) {
        fprintf(stderr, "nn: %s has %zu column%s: no feature is left beside %zu label "
                        "column%s\n",
                p, fields, fields == 1 ? "" : "s", n_t, n_t == 1 ? "" : "s");
        return CLI_EXIT_FAIL;
    }
    return 0;
}

/* ---- .npy data (cli_npy.c recognises it) ---- */

int cli_load_npy(const cli_opts *o, const char *x_path, const char *y_path, nn_dataset *d)
{
    nn_status s = nn_load_npy_dataset(d, x_path, y_path, o->csv.task);
    if (s == NN_OK)
        return 0;
    char error[1024];
    snprintf(error, sizeof error, "%s", nn_last_error());
    cli_fail(NULL, s); /* the library's message names the file */
    if (s == NN_EFORMAT && o->csv.task == NN_TASK_CLASSIFY && o->cmd != CMD_EVAL &&
        strstr(error, "label"))
        fprintf(stderr, "nn: hint: for real-valued targets use --task regress\n");
    return CLI_EXIT_FAIL;
}

int cli_load_npy_features(const nn_net *net, const char *path, nn_dataset *d)
{
    char buf[256];
    nn_status s = nn_load_npy(&d->x, path);
    if (s != NN_OK)
        return cli_fail(NULL, s);
    size_t n_in = nn_net_n_inputs(net);
    if (d->x.rows == 0) {
        fprintf(stderr, "nn predict: %s has no rows\n", cli_escaped(path, buf, sizeof buf));
        return CLI_EXIT_FAIL;
    }
    if (d->x.cols != n_in) {
        fprintf(stderr, "nn predict: %s has %zu column%s, the model takes %zu feature%s\n",
                cli_escaped(path, buf, sizeof buf), d->x.cols, d->x.cols == 1 ? "" : "s", n_in,
                n_in == 1 ? "" : "s");
        return CLI_EXIT_FAIL;
    }
    return 0;
}

int cli_npy_fits(nn_net *net, const nn_dataset *d, const char *path, const char *labels)
{
    char buf[256];
    size_t n_in = nn_net_n_inputs(net), n_out = nn_net_n_outputs(net);
    if (d->x.cols != n_in) {
        fprintf(stderr, "nn eval: %s has %zu column%s, the model takes %zu feature%s\n",
                cli_escaped(path, buf, sizeof buf), d->x.cols, d->x.cols == 1 ? "" : "s", n_in,
                n_in == 1 ? "" : "s");
        return CLI_EXIT_FAIL;
    }
    if (d->t.data && d->t.cols != n_out) {
        fprintf(stderr, "nn eval: %s has %zu column%s, the model has %zu output%s\n",
                cli_escaped(labels, buf, sizeof buf), d->t.cols, d->t.cols == 1 ? "" : "s",
                n_out, n_out == 1 ? "" : "s");
        return CLI_EXIT_FAIL;
    }
    return 0;
}

/* nn_load_csv, with a hint where the file was not read as meant; a .npy
 * file and its labels through cli_load_npy. */
static int load(const cli_opts *o, const char *path, const char *labels, nn_dataset *d)
{
    if (cli_is_npy(path))
        return cli_load_npy(o, path, labels, d);
    nn_csv_options c = cli_csv(o);
    nn_status s = nn_load_csv(d, path, &c);
    if (s == NN_OK)
        return 0;
    char error[1024];
    snprintf(error, sizeof error, "%s", nn_last_error());
    size_t fields = 0;
    int ours = s == NN_EFORMAT && !cli_is_stream(path) &&
               nn_csv_read_column(path, &o->csv, 0, NULL, NULL, &fields) == NN_OK &&
               check_label_cols(o, path, fields);
    if (!ours)
        fail_msg(NULL, NULL, s, error);
    if (s == NN_EFORMAT && !cli_hint_format(o, path) && !ours && c.task == NN_TASK_CLASSIFY &&
        strstr(error, "label"))
        fprintf(stderr, "nn: hint: for real-valued targets use --task regress\n");
    return CLI_EXIT_FAIL;
}

/* A classification must have something to learn: two classes or more
 * (not for nn eval: a test file may hold one class), and labels that look
 * like classes, not like measurements. */
static int check_classes(const cli_opts *o, const nn_dataset *d, const char *path)
{
    if (!d->y)
        return 0;
    size_t C = d->n_classes, rows = d->x.rows, present = 0;
    char *seen = calloc(C, 1);
    if (!seen)
        return cli_fail(path, NN_ENOMEM);
    for (size_t i = 0; i < rows; i++)
        if (!seen[d->y[i]]) {
            seen[d->y[i]] = 1;
            present++;
        }
    size_t only = 0;
    while (only < C && !seen[only])
        only++;
    free(seen);
    if (present < 2 && o->cmd != CMD_EVAL) {
        char buf[256];
        if (d->class_names)
            fprintf(stderr, "nn: %s: every row has the class '%s': nothing to learn\n", path,
                    cli_escaped(d->class_names[only], buf, sizeof buf));
        else
            fprintf(stderr, "nn: %s: every row has the label %zu: nothing to learn\n", path, only);
        return CLI_EXIT_FAIL;
    }
    if (o->allow_many_classes)
        return 0;
    int looks_real = !d->class_names && C > 20 && (present * 2 < C || present * 5 > rows);
    if (C > 1000 || looks_real) {
        fprintf(stderr,
                "nn: %s: the label column gives %zu classes (%zu distinct values over %zu rows)"
                ": it looks like a real-valued target; use --task regress, or "
                "--allow-many-classes to classify anyway\n",
                path, C, present, rows);
        return CLI_EXIT_FAIL;
    }
    return 0;
}

int cli_match_test(const cli_opts *o, const nn_dataset *train, nn_dataset *test, size_t rank,
                   size_t size)
{
    int rc = 0;
    if (!train->class_names != !test->class_names) {
        if (rank == 0)
            fprintf(stderr, "nn: %s: labels are %s here but %s in the training data\n",
                    o->test_data, test->class_names ? "names" : "numbers",
                    test->class_names ? "numbers" : "names");
        rc = CLI_EXIT_FAIL;
    } else if (train->class_names) {
        rc = cli_match_names(test, (const char *const *)train->class_names, train->n_classes,
                             o->test_data, "the training data", o->csv.has_header, rank, size);
    }
    if (!rc && test->x.cols != train->x.cols) {
        if (rank == 0)
            fprintf(stderr, "nn: %s has %zu features but %s has %zu\n", o->test_data,
                    test->x.cols, o->data, train->x.cols);
        rc = CLI_EXIT_FAIL;
    }
    if (!rc && test->t.data && train->t.data && test->t.cols != train->t.cols) {
        if (rank == 0) /* .npy targets: --test-labels against --labels */
            fprintf(stderr, "nn: %s has %zu target column%s but %s has %zu\n",
                    o->test_labels ? o->test_labels : o->test_data, test->t.cols,
                    test->t.cols == 1 ? "" : "s", o->labels ? o->labels : o->data,
                    train->t.cols);
        rc = CLI_EXIT_FAIL;
    }
    if (!rc && test->y && test->n_classes > train->n_classes) {
        if (rank == 0)
            fprintf(stderr, "nn: %s has label %zu, above the training data's largest (%zu)\n",
                    o->test_data, test->n_classes - 1, train->n_classes - 1);
        rc = CLI_EXIT_FAIL;
    }
    if (!rc)
        test->n_classes = train->n_classes;
    return rc;
}

int cli_load_split(const cli_opts *o, nn_dataset *train, nn_dataset *test)
{
    nn_dataset all;
    int moons = strcmp(o->data, "moons") == 0;
    if (moons && o->csv.task != NN_TASK_CLASSIFY) {
        fprintf(stderr, "nn: --data moons is a classification; --task %s needs --data FILE\n",
                nn_task_name(o->csv.task));
        return CLI_EXIT_USAGE;
    }
    if (moons) {
        nn_status s = nn_make_moons(&all, 5000, o->noise, 42);
        if (s != NN_OK)
            return cli_fail("moons", s);
    } else if (load(o, o->data, o->labels, &all)) {
        return CLI_EXIT_FAIL;
    }
    if (check_classes(o, &all, o->data)) {
        nn_dataset_free(&all);
        return CLI_EXIT_FAIL;
    }
    if (o->test_data) {
        nn_dataset t;
        if (load(o, o->test_data, o->test_labels, &t)) {
            nn_dataset_free(&all);
            return CLI_EXIT_FAIL;
        }
        int rc = cli_match_test(o, &all, &t, 0, 1);
        if (rc) {
            nn_dataset_free(&all);
            nn_dataset_free(&t);
            return rc;
        }
        *train = all;
        *test = t;
        return 0;
    }
    if (o->all_rows) {
        memset(train, 0, sizeof *train);
        *test = all;
        return 0;
    }
    if (o->test_fraction == 0) { /* nn train --test-fraction 0: no test rows */
        *train = all;
        memset(test, 0, sizeof *test);
        return 0;
    }
    nn_status s =
        all.y ? nn_train_test_split_stratified(&all, o->test_fraction, o->split_seed, train, test)
              : nn_train_test_split(&all, o->test_fraction, o->split_seed, train, test);
    nn_dataset_free(&all);
    return s == NN_OK ? 0 : cli_fail("splitting the data", s);
}

/* 1-based file column of feature j, given where the label columns are. */
static size_t file_column(const cli_opts *o, const nn_dataset *d, size_t j)
{
    size_t n_t = d->y ? 1 : d->t.data ? d->t.cols : 0;
    size_t total = d->x.cols + n_t;
    size_t first_label = o->label_col > 0 ? (size_t)o->label_col : total - n_t + 1;
    return j + 1 < first_label ? j + 1 : j + 1 + n_t;
}

/* The text of 1-based column col on the first line of path (its header),
 * allocated; NULL when it cannot be read (a stream: read once, by the load)
 * or is not a usable name. */
static char *header_field(const cli_opts *o, const char *path, size_t col)
{
    nn_csv_options c = o->csv;
    c.has_header = false;
    char **texts = NULL;
    size_t rows = 0;
    if (cli_is_stream(path) || nn_csv_read_column(path, &c, col, &texts, &rows, NULL) != NN_OK)
        return NULL;
    char *name = rows > 0 && texts[0][0] && strlen(texts[0]) <= 4096 ? strdup(texts[0]) : NULL;
    nn_csv_column_free(texts, rows);
    return name;
}

static char **target_names;
static size_t n_target_names;

static void free_target_names(void)
{
    for (size_t k = 0; k < n_target_names; k++)
        free(target_names[k]);
    free(target_names);
    target_names = NULL;
    n_target_names = 0;
}

const char *const *cli_target_names(const cli_opts *o, const nn_dataset *train)
{
    size_t n_t = train->t.data ? train->t.cols : 0;
    if (n_t == 0 || !o->csv.has_header || strcmp(o->data, "moons") == 0)
        return NULL;
    if (target_names && n_target_names == n_t)
        return (const char *const *)target_names;
    free_target_names();
    char **names = calloc(n_t, sizeof *names);
    if (!names)
        return NULL;
    size_t first = o->label_col > 0 ? (size_t)o->label_col : train->x.cols + 1;
    int ok = 1;
    for (size_t k = 0; k < n_t && ok; k++)
        ok = (names[k] = header_field(o, o->data, first + k)) != NULL;
    static int registered;
    if (!registered)
        registered = atexit(free_target_names) == 0;
    target_names = names;
    n_target_names = n_t;
    if (!ok) {
        free_target_names();
        return NULL;
    }
    return (const char *const *)target_names;
}

void cli_warn_data(const cli_opts *o, const nn_dataset *train)
{
    if (o->quiet)
        return;
    const nn_mat x = train->x;
    size_t n_const = 0;
    for (size_t j = 0; j < x.cols && x.rows > 1; j++) {
        int constant = 1;
        for (size_t i = 1; i < x.rows && constant; i++)
            constant = x.data[i * x.ld + j] == x.data[j];
        if (!constant)
            continue;
        if (n_const++ == 0)
            fprintf(stderr, "nn: warning: constant in the training rows of %s, so carrying no "
                            "information: column",
                    o->data);
        if (n_const > 8)
            continue;
        size_t col = file_column(o, train, j);
        char *name = o->csv.has_header ? header_field(o, o->data, col) : NULL;
        fprintf(stderr, "%s %zu", n_const > 1 ? "," : "", col);
        if (name) {
            char buf[256];
            fprintf(stderr, " (%s)", cli_escaped(name, buf, sizeof buf));
        }
        free(name);
    }
    if (n_const > 8)
        fprintf(stderr, " and %zu more", n_const - 8);
    if (n_const)
        fputc('\n', stderr);
    if (train->y && x.rows < train->n_classes)
        fprintf(stderr, "nn: warning: %zu training rows for %zu classes\n", x.rows,
                train->n_classes);
}
