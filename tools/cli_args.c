/* Options of the nn tool as one table: each entry names the flag, its
 * value, the commands that take it, how to parse it and its help line.
 * Parsing, the per-command help and docs/cli.md all follow this table. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define T (1u << CMD_TRAIN)
#define E (1u << CMD_EVAL)
#define P (1u << CMD_PREDICT)
#define S (1u << CMD_SWEEP)
#define X (1u << CMD_EXPORT)
#define DATA (T | E | P | S)

typedef int (*parse_fn)(cli_opts *o, const char *v);

typedef struct option {
    const char *flag;
    const char *value; /* NULL for a switch */
    unsigned cmds;
    parse_fn parse;
    const char *help;
    size_t max; /* the largest number the value (each of a list) may hold; 0: none */
} option;

/* ---- value parsers: 1 on success ------------------------------------------- */

/* Whether a number of v (a comma-separated list of them) is above max:
 * a run of digits too long for 64 bits counts, whatever the parser says. */
static int over_limit(const char *v, size_t max)
{
    for (const char *p = v; max && *p;) {
        if (*p < '0' || *p > '9') {
            p++;
            continue;
        }
        uint64_t u = 0;
        int wide = 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            wide |= u > (UINT64_MAX - 9) / 10;
            u = u * 10 + (uint64_t)(*p - '0');
        }
        if (wide || u > max)
            return 1;
    }
    return 0;
}

static int to_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-' || *s == '+')
        return 0;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return 0;
    *out = v;
    return 1;
}

static int to_size(const char *s, size_t *out)
{
    uint64_t v;
    if (!to_u64(s, &v) || v > SIZE_MAX)
        return 0;
    *out = (size_t)v;
    return 1;
}

static int to_positive(const char *s, size_t *out)
{
    return to_size(s, out) && *out > 0;
}

static int to_double(const char *s, double *out)
{
    char *end;
    if (!s || !*s)
        return 0;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

static int to_column(const char *s, long *out)
{
    size_t v;
    if (s && strcmp(s, "last") == 0) {
        *out = 0;
        return 1;
    }
    if (!to_positive(s, &v) || v > LONG_MAX)
        return 0;
    *out = (long)v;
    return 1;
}

static int to_name(const char *s, const char *const *names, int n, int *out)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return 1;
        }
    return 0;
}

/* "64", "64,32" or "none" (no hidden layer). */
static int p_hidden(cli_opts *o, const char *v)
{
    o->n_hidden = 0;
    if (strcmp(v, "none") == 0)
        return 1;
    for (const char *p = v;; p++) {
        char *end;
        errno = 0;
        if (*p < '0' || *p > '9' || o->n_hidden == CLI_MAX_HIDDEN)
            return 0;
        unsigned long long u = strtoull(p, &end, 10);
        if (errno || u == 0 || u > CLI_MAX_WIDTH || (*end && *end != ','))
            return 0;
        o->hidden[o->n_hidden++] = (size_t)u;
        if (!*end)
            return 1;
        p = end;
    }
}

/* One activation for every hidden layer, or one per layer. */
static int p_activation(cli_opts *o, const char *v)
{
    char buf[256];
    if (strlen(v) >= sizeof buf)
        return 0;
    strcpy(buf, v);
    o->n_act = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (o->n_act == CLI_MAX_HIDDEN || nn_activation_parse(tok, &o->act[o->n_act]) != NN_OK)
            return 0;
        o->n_act++;
    }
    return o->n_act > 0;
}

static int p_data(cli_opts *o, const char *v)
{
    return (o->data = v), 1;
}
static int p_test(cli_opts *o, const char *v)
{
    return (o->test_data = v), 1;
}
static int p_labels(cli_opts *o, const char *v)
{
    return (o->labels = v), 1;
}
static int p_test_labels(cli_opts *o, const char *v)
{
    return (o->test_labels = v), 1;
}
static int p_out(cli_opts *o, const char *v)
{
    return (o->out = v), 1;
}
static int p_plot(cli_opts *o, const char *v)
{
    return (o->plot = v), 1;
}
static int p_header(cli_opts *o, const char *v)
{
    (void)v;
    return (o->csv.has_header = true), 1;
}
static int p_no_labels(cli_opts *o, const char *v)
{
    (void)v;
    return (o->csv.no_labels = true), 1;
}
static int p_all(cli_opts *o, const char *v)
{
    (void)v;
    return (o->all_rows = true), 1;
}
static int p_split(cli_opts *o, const char *v)
{
    (void)v;
    return (o->all_rows = false), 1;
}
static int p_no_scale(cli_opts *o, const char *v)
{
    (void)v;
    return (o->no_scale = true), 1;
}
static int p_proba(cli_opts *o, const char *v)
{
    (void)v;
    return (o->proba = true), 1;
}
static int p_many(cli_opts *o, const char *v)
{
    (void)v;
    return (o->allow_many_classes = true), 1;
}
static int p_verbose(cli_opts *o, const char *v)
{
    (void)v;
    return (o->verbose = 1), 1;
}
static int p_mpi(cli_opts *o, const char *v)
{
    (void)v;
    return (o->mpi = true), 1;
}
static int p_quiet(cli_opts *o, const char *v)
{
    (void)v;
    return (o->quiet = 1), 1;
}
static int p_label_col(cli_opts *o, const char *v)
{
    return to_column(v, &o->label_col);
}
static int p_id_col(cli_opts *o, const char *v)
{
    return to_column(v, &o->id_col) && o->id_col > 0;
}
static int p_targets(cli_opts *o, const char *v)
{
    return to_positive(v, &o->csv.n_targets);
}
/* One character, but none that a number or a quoted field holds, nor a
 * line end (the CSV loader refuses them, nn_load_csv). */
static int p_delim(cli_opts *o, const char *v)
{
    if (strcmp(v, "tab") == 0 || strcmp(v, "\\t") == 0)
        return (o->csv.delimiter = '\t'), 1;
    if (strlen(v) != 1 || strchr("\"\r\n.+-0123456789", v[0]))
        return 0;
    o->csv.delimiter = v[0];
    return 1;
}
static int p_task(cli_opts *o, const char *v)
{
    return nn_task_parse(v, &o->csv.task) == NN_OK;
}
static int p_noise(cli_opts *o, const char *v)
{
    return to_double(v, &o->noise) && o->noise >= 0;
}
static int p_test_fraction(cli_opts *o, const char *v)
{
    return to_double(v, &o->test_fraction) && o->test_fraction >= 0 && o->test_fraction < 1;
}
static int p_split_seed(cli_opts *o, const char *v)
{
    return to_u64(v, &o->split_seed);
}
static int p_seed(cli_opts *o, const char *v)
{
    return to_u64(v, &o->seed);
}
static int p_shuffle_seed(cli_opts *o, const char *v)
{
    return to_u64(v, &o->train.seed);
}
static int p_slope(cli_opts *o, const char *v)
{
    return to_double(v, &o->leaky_slope) && o->leaky_slope > 0 && o->leaky_slope <= 1;
}
static int p_init(cli_opts *o, const char *v)
{
    static const char *const names[] = {"he", "xavier", "normal", "orthogonal"};
    int i;
    return to_name(v, names, 4, &i) && (o->init = (nn_init)i, 1);
}
static int p_dtype(cli_opts *o, const char *v)
{
    static const char *const names[] = {"f64", "f32"};
    int i;
    return to_name(v, names, 2, &i) && (o->dtype = (nn_dtype)i, 1);
}
static int p_optimizer(cli_opts *o, const char *v)
{
    static const char *const names[] = {"sgd", "momentum", "adam"};
    int i;
    return to_name(v, names, 3, &i) && (o->train.optimizer = (nn_optimizer)i, 1);
}
static int p_lr(cli_opts *o, const char *v)
{
    return to_double(v, &o->train.learning_rate) && o->train.learning_rate > 0;
}
static int p_momentum(cli_opts *o, const char *v)
{
    return to_double(v, &o->train.momentum) && o->train.momentum >= 0 && o->train.momentum < 1;
}
static int p_decay(cli_opts *o, const char *v)
{
    return to_double(v, &o->train.weight_decay) && o->train.weight_decay >= 0;
}
static int p_batch(cli_opts *o, const char *v)
{
    return to_positive(v, &o->train.batch_size);
}
static int p_epochs(cli_opts *o, const char *v)
{
    o->epochs_auto = strcmp(v, "auto") == 0;
    return o->epochs_auto || to_positive(v, &o->train.epochs);
}
static int p_max_epochs(cli_opts *o, const char *v)
{
    return to_positive(v, &o->max_epochs);
}
static int p_patience(cli_opts *o, const char *v)
{
    o->patience_set = true;
    return to_size(v, &o->train.patience);
}
static int p_val_fraction(cli_opts *o, const char *v)
{
    double f;
    if (!to_double(v, &f) || f < 0 || f >= 1)
        return 0;
    o->train.validation_fraction = f;
    o->val_set = true;
    return 1;
}
static int p_export_c(cli_opts *o, const char *v)
{
    return (o->export_c = v), 1;
}
static int p_export_onnx(cli_opts *o, const char *v)
{
    return (o->export_onnx = v), 1;
}
static int p_prefix(cli_opts *o, const char *v)
{
    return (o->prefix = v), 1;
}
static int p_float(cli_opts *o, const char *v)
{
    (void)v;
    return (o->single = true), 1;
}
static int p_runs(cli_opts *o, const char *v)
{
    return to_positive(v, &o->runs);
}
static int p_from(cli_opts *o, const char *v)
{
    return to_positive(v, &o->from);
}
static int p_to(cli_opts *o, const char *v)
{
    return to_positive(v, &o->to);
}
static int p_step(cli_opts *o, const char *v)
{
    return to_positive(v, &o->step);
}
static int p_trials(cli_opts *o, const char *v)
{
    return to_positive(v, &o->trials);
}

static const option OPTIONS[] = {
    /* data */
    {"--data", "moons|FILE", DATA, p_data,
     "data: the tutorial's moons (the default), a CSV file or a .npy file (with --labels)", 0},
    {"--labels", "FILE.npy", T | E | S, p_labels,
     "with .npy --data: its rows' labels (classify) or targets, a .npy file", 0},
    {"--test", "FILE", T | E, p_test, "a separate test set instead of splitting --data", 0},
    {"--test-labels", "FILE.npy", T, p_test_labels, "with a .npy --test: its labels or targets",
     0},
    {"--header", NULL, DATA, p_header, "the CSV's first line is a header", 0},
    {"--delimiter", "C", DATA, p_delim, "field separator, one character or 'tab' (',')", 0},
    {"--label-col", "N|last", DATA, p_label_col,
     "1-based column of the label, or of the first target (last)", 0},
    {"--task", "T", T | S, p_task, "classify, multilabel or regress (classify)", 0},
    {"--targets", "N", T | S, p_targets,
     "multilabel/regress: number of target columns from --label-col (1)", 0},
    {"--no-labels", NULL, P, p_no_labels, "every column is a feature", 0},
    {"--id-col", "N", P, p_id_col, "1-based column of row ids, echoed in the output", 0},
    {"--split", NULL, E, p_split,
     "score only the test split nn train made of --data (--test-fraction, --split-seed)", 0},
    {"--all", NULL, E, p_all, "score every row of --data (the default)", 0},
    {"--test-fraction", "F", T | E | S, p_test_fraction,
     "share of --data held out for testing (0.25)", 0},
    {"--split-seed", "N", T | E | S, p_split_seed, "seed of the train/test split (42)", 0},
    {"--noise", "X", T | E | S, p_noise, "moons noise (0.1)", 0},
    {"--allow-many-classes", NULL, T | S, p_many,
     "train a classifier even when the label column looks real-valued", 0},
    /* net */
    {"--hidden", "N[,N...]|none", T, p_hidden, "hidden layer sizes (64)", CLI_MAX_WIDTH},
    {"--activation", "A[,A...]", T | S, p_activation,
     "relu, leaky_relu, tanh, sigmoid, gelu, identity: one, or one per layer (relu)", 0},
    {"--leaky-slope", "X", T | S, p_slope, "slope of leaky_relu, in (0, 1] (0.01)", 0},
    {"--init", "I", T | S, p_init, "he, xavier, normal or orthogonal (xavier)", 0},
    {"--seed", "N", T | S, p_seed, "initialisation seed (1)", 0},
    {"--dtype", "T", T | S, p_dtype,
     "the net's numbers: f64 (double) or f32 (float: half the memory and model size, "
     "faster on wide layers) (f64)",
     0},
    {"--no-scale", NULL, T | S, p_no_scale,
     "do not standardize features (and regression targets) inside the model", 0},
    /* training */
    {"--optimizer", "O", T | S, p_optimizer, "sgd, momentum or adam (adam)", 0},
    {"--lr", "X", T | S, p_lr, "learning rate, on the mean gradient of a batch (0.001)", 0},
    {"--batch", "N", T | S, p_batch, "minibatch size (32)", CLI_MAX_BATCH},
    {"--epochs", "N|auto", T | S, p_epochs,
     "epochs; auto: early stopping on the validation split finds them (up to --max-epochs), "
     "then the net is refit on every training row (auto)",
     CLI_MAX_EPOCHS},
    {"--max-epochs", "N", T | S, p_max_epochs, "the cap of --epochs auto (500)", CLI_MAX_EPOCHS},
    {"--momentum", "X", T | S, p_momentum, "momentum of --optimizer momentum (0.9)", 0},
    {"--weight-decay", "X", T | S, p_decay, "L2 weight decay (0)", 0},
    {"--validation-fraction", "F", T | S, p_val_fraction,
     "share of the training split held out for validation (0.2 with auto or --patience)", 0},
    {"--patience", "N", T | S, p_patience,
     "stop after N epochs without a better validation loss and keep that net, no refit "
     "(20 with auto)",
     CLI_MAX_EPOCHS},
    {"--shuffle-seed", "N", T | S, p_shuffle_seed, "seed of the row shuffling (0)", 0},
    {"--runs", "N", T, p_runs,
     "train N nets (seeds seed..seed+N-1), report mean and std; --out saves the first",
     CLI_MAX_RUNS},
    {"--out", "FILE", T | P, p_out,
     "train: save the model; predict: write the predictions here (FILE.npy: float64 .npy, "
     "else CSV)",
     0},
    {"--plot", "FILE.png", T | S, p_plot, "plot the learning curve / the sweep (gnuplot)", 0},
    {"--proba", NULL, P, p_proba, "also write each class's probability", 0},
    /* sweep */
    {"--from", "N", S, p_from, "smallest hidden size (3)", CLI_MAX_WIDTH},
    {"--to", "N", S, p_to, "largest hidden size (39)", CLI_MAX_WIDTH},
    {"--step", "N", S, p_step, "hidden size step (3)", CLI_MAX_WIDTH},
    {"--trials", "N", S, p_trials, "nets per hidden size (3)", CLI_MAX_RUNS},
    /* export */
    {"--c", "FILE.h", X, p_export_c, "write a self-contained C99 header with PREFIX_predict()", 0},
    {"--prefix", "NAME", X, p_prefix, "--c: prefix of the header's names, a C identifier (model)", 0},
    {"--float", NULL, X, p_float, "--c: float weights and arithmetic instead of double (an f32 model is always float)", 0},
    {"--onnx", "FILE.onnx", X, p_export_onnx, "write an ONNX model (opset 13, float32)", 0},
    /* output */
    {"--verbose", NULL, T | S, p_verbose, "one line per epoch", 0},
    {"--quiet", NULL, T | E | P | S | X, p_quiet, "only results and errors", 0},
    {"--mpi", NULL, T, p_mpi,
     "train over the ranks of mpirun, each parsing its own part of the file (docs/mpi.md)", 0},
};
#define N_OPTIONS (sizeof OPTIONS / sizeof OPTIONS[0])

static const char *const CMD_NAMES[CMD_COUNT] = {"train", "eval", "predict", "sweep", "export"};
static const char *const CMD_SYNOPSIS[CMD_COUNT] = {
    "nn train [options]        train a net, report its test score; --out saves it",
    "nn eval MODEL --data FILE [options]   score, loss and per-class metrics on every row",
    "nn predict MODEL --data FILE [options]   predictions for every row, as CSV or .npy",
    ("nn sweep [options]        test accuracy against hidden size, in the tutorial's setup "
     "(normal init, SGD at 0.001, batch 10, 100 epochs, features not standardized)"),
    "nn export MODEL --c FILE.h | --onnx FILE.onnx [options]   the model for use without libnn",
};

/* Help lines of one command where the table's would mislead: what eval
 * and predict read, what train does with --test-fraction 0, and sweep's own
 * defaults (it runs the tutorial's setup, cli_defaults). */
static const struct {
    cli_cmd cmd;
    const char *flag, *help;
} CMD_HELP[] = {
    {CMD_TRAIN, "--test-fraction",
     "share of --data held out for testing (0.25); 0 trains on every row, no test score"},
    {CMD_EVAL, "--data",
     "the rows to score, a CSV or .npy file (or moons): every row unless --split"},
    {CMD_EVAL, "--test", "the same as --data"},
    {CMD_EVAL, "--test-fraction", "with --split: the share nn train held out for testing (0.25)"},
    {CMD_EVAL, "--split-seed", "with --split: the seed of nn train's split (42)"},
    {CMD_PREDICT, "--data", "the rows to predict, a CSV file or a .npy file of features"},
    {CMD_SWEEP, "--init", "he, xavier, normal or orthogonal (normal, the tutorial's)"},
    {CMD_SWEEP, "--no-scale",
     "do not standardize features: sweep's default (the tutorial's setup), so this changes "
     "nothing"},
    {CMD_SWEEP, "--optimizer", "sgd, momentum or adam (sgd)"},
    {CMD_SWEEP, "--batch", "minibatch size (10)"},
    {CMD_SWEEP, "--epochs",
     "epochs (100); auto: early stopping on the validation split finds them (up to "
     "--max-epochs), then the net is refit on every training row"},
    {CMD_SWEEP, "--validation-fraction",
     "share of the training split held out for validation (none; 0.2 with auto or --patience)"},
    {CMD_SWEEP, "--patience",
     "stop after N epochs without a better validation loss and keep that net (off; 20 with "
     "auto)"},
};

/* The help line of op in cmd's help. */
static const char *help_of(const option *op, cli_cmd cmd)
{
    for (size_t i = 0; i < sizeof CMD_HELP / sizeof CMD_HELP[0]; i++)
        if (CMD_HELP[i].cmd == cmd && strcmp(CMD_HELP[i].flag, op->flag) == 0)
            return CMD_HELP[i].help;
    return op->help;
}

const char *cli_cmd_name(cli_cmd cmd)
{
    return CMD_NAMES[cmd];
}

void cli_defaults(cli_opts *o, cli_cmd cmd)
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
    o->data = cmd == CMD_PREDICT || cmd == CMD_EVAL ? NULL : "moons";
    o->all_rows = cmd == CMD_EVAL; /* eval scores every row unless --split */
    o->csv = nn_csv_defaults();
    o->noise = 0.1;
    o->test_fraction = 0.25;
    o->split_seed = 42;
    o->seed = 1;
    o->hidden[0] = 64;
    o->n_hidden = 1;
    /* Tuned on scikit-learn's bundled data sets (README, "nn on real data"):
     * Xavier initialisation and Adam at 0.001, as scikit-learn's MLP. */
    o->init = NN_INIT_XAVIER;
    o->train = nn_train_defaults();
    o->train.learning_rate = 1e-3;
    o->epochs_auto = true;
    o->max_epochs = 500;
    o->runs = 1;
    o->from = 3;
    o->to = 39;
    o->step = 3;
    o->trials = 3;
    if (cmd == CMD_SWEEP) {
        /* The tutorial's sweep, unless options say otherwise. */
        o->init = NN_INIT_NORMAL;
        o->train.optimizer = NN_SGD;
        o->train.learning_rate = 1e-3;
        o->train.batch_size = 10;
        o->train.epochs = 100;
        o->epochs_auto = false;
        o->no_scale = true;
    }
}

void cli_usage(FILE *f)
{
    fputs("usage: nn COMMAND [options]     (nn COMMAND --help for its options)\n\ncommands:\n", f);
    for (int c = 0; c < CMD_COUNT; c++)
        fprintf(f, "  %s\n", CMD_SYNOPSIS[c]);
    fputs("  nn --version              libnn's version and kernel path\n"
          "\nexit status: 0 success, 1 a data, training or file failure, 2 a usage error\n"
          "every option: nn COMMAND --help, man nn, or docs/cli.md (installed under\n"
          "share/doc/libnn/docs/)\n",
          f);
}

void cli_help(FILE *f, cli_cmd cmd)
{
    fprintf(f, "usage: %s\n\noptions:\n", CMD_SYNOPSIS[cmd]);
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const option *op = &OPTIONS[i];
        if (!(op->cmds & (1u << cmd)))
            continue;
        char lhs[64];
        snprintf(lhs, sizeof lhs, "%s%s%s", op->flag, op->value ? " " : "",
                 op->value ? op->value : "");
        fprintf(f, "  %-26s %s", lhs, help_of(op, cmd));
        if (op->max)
            fprintf(f, "; at most %zu", op->max);
        fputc('\n', f);
    }
    fputs("  -h, --help                 this help\n"
          "\nexit status: 0 success, 1 a data, training or file failure, 2 a usage error\n",
          f);
}

/* Levenshtein distance of a and b, at most 3 (enough to tell "within 2"). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 3;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t d = prev[j - 1] + (a[i - 1] != b[j - 1]);
            d = prev[j] + 1 < d ? prev[j] + 1 : d;
            cur[j] = cur[j - 1] + 1 < d ? cur[j - 1] + 1 : d;
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb] < 3 ? prev[lb] : 3;
}

/* The option of cmd nearest to k, within an edit distance of 2; NULL if
 * none is. */
static const char *nearest_flag(cli_cmd cmd, const char *k)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t j = 0; j < N_OPTIONS; j++) {
        if (!(OPTIONS[j].cmds & (1u << cmd)))
            continue;
        size_t d = edit_distance(k, OPTIONS[j].flag);
        if (d < best_d) {
            best_d = d;
            best = OPTIONS[j].flag;
        }
    }
    return best;
}

/* What a value of op must look like, for the message of a bad one. */
static const char *expected(const option *op)
{
    static const struct {
        parse_fn fn;
        const char *what;
    } KINDS[] = {
        {p_lr, "a number above 0"},
        {p_decay, "a number, 0 or more"},
        {p_noise, "a number, 0 or more"},
        {p_momentum, "a number in [0, 1)"},
        {p_slope, "a number in (0, 1]"},
        {p_test_fraction, "a number in [0, 1)"},
        {p_val_fraction, "a number in [0, 1)"},
        {p_batch, "a whole number above 0"},
        {p_runs, "a whole number above 0"},
        {p_from, "a whole number above 0"},
        {p_to, "a whole number above 0"},
        {p_step, "a whole number above 0"},
        {p_trials, "a whole number above 0"},
        {p_max_epochs, "a whole number above 0"},
        {p_targets, "a whole number above 0"},
        {p_epochs, "a whole number above 0, or auto"},
        {p_patience, "a whole number"},
        {p_seed, "a whole number"},
        {p_split_seed, "a whole number"},
        {p_shuffle_seed, "a whole number"},
        {p_label_col, "a column number from 1, or last"},
        {p_id_col, "a column number from 1"},
        {p_hidden, "layer sizes above 0 separated by commas (64,32), or none"},
        {p_delim, "one character other than a quote, a line end, '.', '+', '-' or a digit; or "
                  "tab"},
        {p_task, "classify, multilabel or regress"},
        {p_init, "he, xavier, normal or orthogonal"},
        {p_dtype, "f64 or f32"},
        {p_optimizer, "sgd, momentum or adam"},
        {p_activation, "relu, leaky_relu, tanh, sigmoid, gelu or identity, one or one per "
                       "hidden layer separated by commas"},
    };
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (KINDS[i].fn == op->parse)
            return KINDS[i].what;
    return op->help;
}

int cli_parse(cli_opts *o, int argc, char **argv, int first)
{
    for (int i = first; i < argc; i++) {
        const char *k = argv[i];
        if (strcmp(k, "-h") == 0 || strcmp(k, "--help") == 0) {
            cli_help(stdout, o->cmd);
            return -1;
        }
        const option *op = NULL;
        for (size_t j = 0; j < N_OPTIONS && !op; j++)
            if (strcmp(k, OPTIONS[j].flag) == 0)
                op = &OPTIONS[j];
        if (!op) {
            const char *near = nearest_flag(o->cmd, k);
            if (strcmp(k, "--label-column") == 0)
                fprintf(stderr, "nn %s: --label-column is now --label-col N (1-based)\n",
                        CMD_NAMES[o->cmd]);
            else if (near)
                fprintf(stderr, "nn %s: unknown option '%s': did you mean %s?\n",
                        CMD_NAMES[o->cmd], k, near);
            else
                fprintf(stderr, "nn %s: unknown option '%s' (nn %s --help lists them)\n",
                        CMD_NAMES[o->cmd], k, CMD_NAMES[o->cmd]);
            return CLI_EXIT_USAGE;
        }
        if (!(op->cmds & (1u << o->cmd))) {
            fprintf(stderr, "nn %s: %s is not an option of this command\n", CMD_NAMES[o->cmd], k);
            return CLI_EXIT_USAGE;
        }
        const char *v = "";
        if (op->value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "nn %s: %s needs a value (%s)\n", CMD_NAMES[o->cmd], k, op->value);
                return CLI_EXIT_USAGE;
            }
            v = argv[++i];
        }
        if (over_limit(v, op->max)) {
            fprintf(stderr, "nn %s: %s: at most %zu (got %s)\n", CMD_NAMES[o->cmd], k, op->max,
                    v);
            return CLI_EXIT_USAGE;
        }
        if (!op->parse(o, v)) {
            fprintf(stderr, "nn %s: bad value '%s' for %s: expected %s\n", CMD_NAMES[o->cmd], v,
                    k, expected(op));
            return CLI_EXIT_USAGE;
        }
    }
    /* Checks across options. */
    if (o->n_act > 1 && o->n_act != o->n_hidden) {
        fprintf(stderr, "nn %s: --activation lists %zu activations for %zu hidden layers\n",
                CMD_NAMES[o->cmd], o->n_act, o->n_hidden);
        return CLI_EXIT_USAGE;
    }
    if (o->from > o->to) {
        fprintf(stderr, "nn sweep: --from %zu is above --to %zu\n", o->from, o->to);
        return CLI_EXIT_USAGE;
    }
    if (o->cmd == CMD_SWEEP && (o->to - o->from) / o->step >= CLI_MAX_SWEEP) {
        fprintf(stderr, "nn sweep: --from %zu --to %zu --step %zu: at most %u hidden sizes\n",
                o->from, o->to, o->step, CLI_MAX_SWEEP);
        return CLI_EXIT_USAGE;
    }
    size_t params;
    if (!cli_param_count(1, o->n_hidden, o->hidden, 1, &params)) {
        fprintf(stderr, "nn %s: --hidden: more than %u parameters (weights and biases) between "
                        "the hidden layers alone\n",
                CMD_NAMES[o->cmd], CLI_MAX_PARAMS);
        return CLI_EXIT_USAGE;
    }
    if (o->csv.task == NN_TASK_CLASSIFY && o->csv.n_targets > 1) {
        fprintf(stderr, "nn %s: --targets %zu needs --task multilabel or regress\n",
                CMD_NAMES[o->cmd], o->csv.n_targets);
        return CLI_EXIT_USAGE;
    }
    if (o->cmd == CMD_EXPORT && !o->export_c && !o->export_onnx) {
        fprintf(stderr, "nn export: say what to write: --c FILE.h and/or --onnx FILE.onnx\n");
        return CLI_EXIT_USAGE;
    }
    if (o->cmd == CMD_EXPORT && !o->export_c && (o->prefix || o->single)) {
        fprintf(stderr, "nn export: %s applies to the C header: add --c FILE.h\n",
                o->prefix ? "--prefix" : "--float");
        return CLI_EXIT_USAGE;
    }
    if (o->cmd == CMD_EVAL && o->test_data) { /* eval --test FILE: --data FILE */
        if (o->data) {
            fprintf(stderr, "nn eval: --data and --test both name the rows to score: give "
                            "one\n");
            return CLI_EXIT_USAGE;
        }
        o->data = o->test_data;
        o->test_data = NULL;
    }
    if (o->cmd == CMD_EVAL && !o->data) {
        fprintf(stderr, "nn eval: --data FILE is required (the rows to score; --data moons "
                        "for the tutorial's data)\n");
        return CLI_EXIT_USAGE;
    }
    if (o->cmd == CMD_PREDICT && !o->data) {
        fprintf(stderr, "nn predict: --data FILE is required (the rows to predict)\n");
        return CLI_EXIT_USAGE;
    }
    if (o->test_data && strcmp(o->data ? o->data : "", "moons") == 0) {
        fprintf(stderr, "nn %s: --test needs --data FILE\n", CMD_NAMES[o->cmd]);
        return CLI_EXIT_USAGE;
    }
    int rc = cli_check_npy(o);
    if (rc)
        return rc;
    if (o->test_fraction == 0 && !o->test_data &&
        (o->cmd == CMD_SWEEP || (o->cmd == CMD_EVAL && !o->all_rows) || o->mpi)) {
        fprintf(stderr, "nn %s: --test-fraction 0 leaves no test rows%s\n", CMD_NAMES[o->cmd],
                o->mpi ? " (not available with --mpi)" : " to score");
        return CLI_EXIT_USAGE;
    }
    if (o->epochs_auto) {
        o->train.epochs = o->max_epochs;
        if (o->train.patience == 0)
            o->train.patience = 20;
    }
    if (o->train.patience > 0 && o->train.validation_fraction == 0.0)
        o->train.validation_fraction = 0.2;
    return 0;
}

int cli_param_count(size_t n_in, size_t n_hidden, const size_t *hidden, size_t n_out,
                    size_t *count)
{
    size_t total = 0, prev = n_in;
    for (size_t l = 0; l <= n_hidden; l++) {
        size_t w = l < n_hidden ? hidden[l] : n_out;
        /* (prev + 1) * w weights and biases, each step bounded first */
        if (prev >= CLI_MAX_PARAMS || w > CLI_MAX_PARAMS / (prev + 1))
            return 0;
        total += (prev + 1) * w;
        if (total > CLI_MAX_PARAMS)
            return 0;
        prev = w;
    }
    *count = total;
    return 1;
}

/* s with every '|' written as '\|', which a markdown table cell needs. */
static void md_cell(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s, f);
    }
}

void cli_markdown(FILE *f)
{
    for (int c = 0; c < CMD_COUNT; c++) {
        fprintf(f, "\n### nn %s\n\n`%s`\n\n| option | meaning |\n|---|---|\n", CMD_NAMES[c],
                CMD_SYNOPSIS[c]);
        for (size_t i = 0; i < N_OPTIONS; i++) {
            const option *op = &OPTIONS[i];
            if (!(op->cmds & (1u << c)))
                continue;
            fprintf(f, "| `%s%s", op->flag, op->value ? " " : "");
            md_cell(f, op->value);
            fputs("` | ", f);
            md_cell(f, help_of(op, (cli_cmd)c));
            if (op->max)
                fprintf(f, "; at most %zu", op->max);
            fputs(" |\n", f);
        }
    }
}
