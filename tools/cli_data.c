/* Data for the nn tool: reading, splitting, the checks that stop a
 * meaningless training before it starts, and warnings. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int cli_fail(const char *what, nn_status s)
{
    fprintf(stderr, "nn: %s: %s: %s\n", what, nn_status_str(s), nn_last_error());
    return CLI_EXIT_FAIL;
}

nn_csv_options cli_csv(const cli_opts *o)
{
    nn_csv_options c = o->csv;
    c.label_column = o->label_col > 0 ? o->label_col - 1 : -1;
    return c;
}

/* ---- CSV lines, as the tool needs them beside nn_load_csv ------------------ */

/* The next data line of text (blank lines skipped, the header too when
 * asked), as [*start, *end) without its line break; NULL at the end. */
static const char *next_line(const char *p, const char **end, int *skip_header)
{
    while (*p) {
        const char *e = strchr(p, '\n'), *next = e ? e + 1 : p + strlen(p);
        e = e ? e : next;
        const char *stop = e > p && e[-1] == '\r' ? e - 1 : e;
        const char *q = p;
        while (q < stop && (*q == ' ' || *q == '\t'))
            q++;
        if (q == stop) {
            p = next;
            continue;
        }
        if (*skip_header) {
            *skip_header = 0;
            p = next;
            continue;
        }
        *end = stop;
        return p;
    }
    return NULL;
}

/* Field k (0-based) of the line [p, end): copies its text, without blanks
 * around it and without double quotes ("" is a quote), into buf; returns the
 * number of fields of the line. */
static size_t split_field(const char *p, const char *end, char delim, size_t k, char *buf, size_t n)
{
    size_t field = 0, len = 0;
    int quoted = 0;
    if (n)
        buf[0] = '\0';
    for (const char *c = p; c <= end; c++) {
        if (c == end || (*c == delim && !quoted)) {
            if (field == k && n) {
                while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\t'))
                    len--;
                buf[len] = '\0';
            }
            field++;
            continue;
        }
        if (*c == '"') {
            if (quoted && c + 1 < end && c[1] == '"')
                c++;
            else {
                quoted = !quoted;
                continue;
            }
        }
        if (field == k && len + 1 < n && !(len == 0 && (*c == ' ' || *c == '\t')))
            buf[len++] = *c;
    }
    return field;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "nn: %s: cannot open: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    if (!buf)
        fprintf(stderr, "nn: %s: out of memory\n", path);
    else
        buf[n] = '\0';
    return buf;
}

size_t cli_count_fields(const cli_opts *o, const char *path)
{
    char *text = slurp(path);
    if (!text)
        return 0;
    int skip = o->csv.has_header;
    const char *end, *line = next_line(text, &end, &skip);
    size_t n =
        line ? split_field(line, end, o->csv.delimiter ? o->csv.delimiter : ',', 0, NULL, 0) : 0;
    if (!line)
        fprintf(stderr, "nn: %s: no data rows\n", path);
    free(text);
    return n;
}

char **cli_read_ids(const cli_opts *o, const char *path, size_t col, size_t n)
{
    char *text = slurp(path);
    char **ids = text ? calloc(n ? n : 1, sizeof *ids) : NULL;
    int skip = o->csv.has_header;
    const char *p = text, *end;
    size_t i = 0;
    char buf[256];
    while (ids && (p = next_line(p, &end, &skip)) != NULL && i < n) {
        split_field(p, end, o->csv.delimiter ? o->csv.delimiter : ',', col - 1, buf, sizeof buf);
        if (!(ids[i++] = strdup(buf))) {
            cli_free_ids(ids, n);
            ids = NULL;
        }
        p = *end ? end + 1 : end;
    }
    free(text);
    return ids;
}

void cli_free_ids(char **ids, size_t n)
{
    for (size_t i = 0; ids && i < n; i++)
        free(ids[i]);
    free(ids);
}

/* ---- reading and checking ---------------------------------------------------- */

/* nn_load_csv, with a hint where a classification label was not usable. */
static int load(const cli_opts *o, const char *path, nn_dataset *d)
{
    nn_csv_options c = cli_csv(o);
    nn_status s = nn_load_csv(d, path, &c);
    if (s == NN_OK)
        return 0;
    cli_fail("reading data", s);
    if (s == NN_EFORMAT && c.task == NN_TASK_CLASSIFY && strstr(nn_last_error(), "label"))
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
        if (d->class_names)
            fprintf(stderr, "nn: %s: every row has the class '%s': nothing to learn\n", path,
                    d->class_names[only]);
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

/* Give test the class indices of train, matched by name (string labels are
 * numbered by sorting each file's own set). test's rows are rows rank::size
 * of its file (see cli_match_test). */
static int match_class_names(const nn_dataset *train, nn_dataset *test, const char *path,
                             size_t rank, size_t size)
{
    if (!train->class_names && !test->class_names)
        return 0;
    if (!train->class_names || !test->class_names) {
        if (rank == 0)
            fprintf(stderr, "nn: %s: labels are %s here but %s in the training data\n", path,
                    test->class_names ? "names" : "numbers",
                    test->class_names ? "numbers" : "names");
        return CLI_EXIT_FAIL;
    }
    size_t *map = malloc(test->n_classes * sizeof *map);
    if (!map)
        return cli_fail(path, NN_ENOMEM);
    for (size_t k = 0; k < test->n_classes; k++) {
        map[k] = train->n_classes;
        for (size_t j = 0; j < train->n_classes; j++)
            if (strcmp(test->class_names[k], train->class_names[j]) == 0)
                map[k] = j;
    }
    for (size_t i = 0; i < test->x.rows; i++)
        if (map[test->y[i]] == train->n_classes) {
            fprintf(stderr,
                    "nn: %s: row %zu has the class '%s', which the training data "
                    "does not have\n",
                    path, rank + i * size + 1, test->class_names[test->y[i]]);
            free(map);
            return CLI_EXIT_FAIL;
        }
    for (size_t i = 0; i < test->x.rows; i++)
        test->y[i] = (int32_t)map[test->y[i]];
    free(map);
    for (size_t k = 0; k < test->n_classes; k++)
        free(test->class_names[k]);
    free(test->class_names);
    test->class_names = NULL;
    test->n_classes = train->n_classes;
    /* The test set carries the training set's names (for reports). */
    char **names = malloc(train->n_classes * sizeof *names);
    for (size_t k = 0; names && k < train->n_classes; k++)
        names[k] = strdup(train->class_names[k]);
    test->class_names = names;
    return 0;
}

int cli_match_test(const cli_opts *o, const nn_dataset *train, nn_dataset *test, size_t rank,
                   size_t size)
{
    int rc = match_class_names(train, test, o->test_data, rank, size);
    if (!rc && test->x.cols != train->x.cols) {
        if (rank == 0)
            fprintf(stderr, "nn: %s has %zu features but %s has %zu\n", o->test_data,
                    test->x.cols, o->data, train->x.cols);
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
    } else if (load(o, o->data, &all)) {
        return CLI_EXIT_FAIL;
    }
    if (check_classes(o, &all, o->data)) {
        nn_dataset_free(&all);
        return CLI_EXIT_FAIL;
    }
    if (o->test_data) {
        nn_dataset t;
        if (load(o, o->test_data, &t)) {
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
        if (n_const <= 8)
            fprintf(stderr, "%s %zu", n_const > 1 ? "," : "", file_column(o, train, j));
    }
    if (n_const > 8)
        fprintf(stderr, " and %zu more", n_const - 8);
    if (n_const)
        fputc('\n', stderr);
    if (train->y && x.rows < train->n_classes)
        fprintf(stderr, "nn: warning: %zu training rows for %zu classes\n", x.rows,
                train->n_classes);
}

int cli_check_writable(const char *path, const char *flag)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        fprintf(stderr, "nn: %s %s: not a regular file\n", flag, path);
        return CLI_EXIT_USAGE;
    }
    size_t len = strlen(path);
    char *tmp = malloc(len + 16);
    if (!tmp)
        return CLI_EXIT_FAIL;
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".check.XXXXXX", 14);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "nn: %s %s: cannot write there: %s\n", flag, path, strerror(errno));
        free(tmp);
        return CLI_EXIT_FAIL;
    }
    close(fd);
    unlink(tmp);
    free(tmp);
    return 0;
}
