#ifndef NN_CLI_H
#define NN_CLI_H

/* The nn command-line tool: what its files share.
 *
 *   nn.c          main: subcommands, --version, help, stdout checked at exit
 *   cli_args.c    the option table, parsing, limits, per-command help
 *   cli_data.c    reading and splitting data, checks and warnings, row ids,
 *                 models
 *   cli_npy.c     which data files are NumPy .npy, and the options they take
 *   cli_out.c     outputs: checked before any work, written atomically;
 *                 text from files made safe for a terminal
 *   cli_plot.c    plots through gnuplot (no user text in its script)
 *   cli_report.c  progress lines, metrics tables
 *   cmd_train.c   nn train (and the net it describes)
 *   cmd_sweep.c   nn sweep
 *   cmd_eval.c    nn eval
 *   cmd_predict.c nn predict
 *   cmd_export.c  nn export
 *   nn_mpi.c      nn train --mpi (built with libnn_mpi; else nn_nompi.c)
 *
 * Everything a file holds is read through the library (nn_load_csv,
 * nn_csv_read_column, nn_load_npy*, nn_net_load), and every file written
 * goes through its atomic writer (nn_net_save, nn_save_npy,
 * nn_atomic_file_*, the exporters).
 *
 * Exit codes: 0 success, 1 a runtime failure (data, training, I/O), 2 a
 * usage error (unknown option, bad value, missing argument). */

#include <stdbool.h>
#include <stdio.h>

#include <nn.h>

#define CLI_MAX_HIDDEN 16
/* Limits of counts a user gives (docs/cli.md, "Limits"). */
#define CLI_MAX_EPOCHS 1000000u     /* --epochs, --max-epochs, --patience */
#define CLI_MAX_RUNS 10000u         /* --runs, --trials */
#define CLI_MAX_WIDTH 1000000u      /* a hidden layer, --from, --to */
#define CLI_MAX_SWEEP 10000u        /* hidden sizes in one sweep */
#define CLI_MAX_BATCH 1000000u      /* --batch */
#define CLI_MAX_PARAMS 100000000u   /* weights and biases of one net */
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

typedef enum cli_cmd { CMD_TRAIN, CMD_EVAL, CMD_PREDICT, CMD_SWEEP, CMD_EXPORT, CMD_COUNT } cli_cmd;

typedef struct cli_opts {
    cli_cmd cmd;
    const char *model; /* eval, predict, export: the model file */
    /* data */
    const char *data, *test_data; /* "moons", a CSV or a .npy; --test FILE */
    const char *labels, *test_labels; /* .npy data: --labels, --test-labels */
    nn_csv_options csv;
    long label_col; /* 1-based; 0 = the last column(s) */
    long id_col;    /* predict: 1-based column of row ids; 0 = none */
    bool all_rows;  /* eval: every row of --data, no split */
    double noise, test_fraction;
    uint64_t split_seed;
    bool allow_many_classes;
    /* net */
    size_t hidden[CLI_MAX_HIDDEN], n_hidden;
    nn_activation act[CLI_MAX_HIDDEN];
    size_t n_act;
    double leaky_slope;
    nn_init init;
    nn_dtype dtype;
    uint64_t seed;
    bool no_scale;
    /* training */
    nn_train_options train;
    bool epochs_auto;
    size_t max_epochs;            /* the cap of --epochs auto */
    bool patience_set, val_set;   /* --patience, --validation-fraction given */
    size_t runs, from, to, step, trials;
    const char *out, *plot;
    /* predict */
    bool proba;
    /* export */
    const char *export_c, *export_onnx, *prefix;
    bool single;
    /* output */
    int verbose, quiet;
    /* train --mpi: over the ranks of mpirun (cmd_train_mpi, nn_mpi.c) */
    bool mpi;
} cli_opts;

/* ---- cli_args.c ---- */
/* Defaults for cmd (sweep starts from the tutorial's setup). */
void cli_defaults(cli_opts *o, cli_cmd cmd);
/* Parse argv[first..]; on a usage error print it and return CLI_EXIT_USAGE;
 * -h/--help prints the command's help and returns -1; else 0. */
int cli_parse(cli_opts *o, int argc, char **argv, int first);
void cli_help(FILE *f, cli_cmd cmd);
void cli_usage(FILE *f);
const char *cli_cmd_name(cli_cmd cmd);
/* Every command's options as markdown tables (nn --markdown-options), from
 * which docs/cli.md's reference is made. */
void cli_markdown(FILE *f);
/* The weights and biases of a net of n_in inputs, these hidden layers and
 * n_out outputs into *count; 0 when that exceeds CLI_MAX_PARAMS (or size_t). */
int cli_param_count(size_t n_in, size_t n_hidden, const size_t *hidden, size_t n_out,
                    size_t *count);

/* ---- cli_data.c ---- */
/* Print "nn: WHAT: status: detail" (nn_last_error, escaped as
 * cli_put_escaped) and return CLI_EXIT_FAIL; cli_fail_flag: "nn: FLAG
 * WHAT: ...". */
int cli_fail(const char *what, nn_status s);
int cli_fail_flag(const char *flag, const char *what, nn_status s);
/* The data of train/sweep/eval: --data (and --test) read and split as the
 * options say; checks that a classification makes sense. */
int cli_load_split(const cli_opts *o, nn_dataset *train, nn_dataset *test);
/* A separate test set (--test FILE) against the training data: string
 * labels renumbered as the training data's (by name), the feature count and
 * label range checked, test->n_classes set to train's. test's rows are rows
 * rank::size of the file (nn train --mpi; 0 and 1 otherwise): messages give
 * the file's row numbers, and what every rank would find alike only rank 0
 * prints. */
int cli_match_test(const cli_opts *o, const nn_dataset *train, nn_dataset *test, size_t rank,
                   size_t size);
/* Whether path is a pipe, a terminal, a socket or another device: data
 * that can be read only once (nn_load_csv reads it into memory). Nothing
 * but the one load opens such a path: no width check, hint or header name
 * reads it again (which would wait on a FIFO for a writer that is gone). */
int cli_is_stream(const char *path);
/* After a failure to read path (or a wrong width): a hint on stderr for
 * the usual mistakes, a file separated by another delimiter than --delimiter
 * or a header line without --header; 1 when one was printed. */
int cli_hint_format(const cli_opts *o, const char *path);
/* nn eval and predict (m: the options as the model reads files): whether
 * path's width fits the model (eval: its features and label columns;
 * predict: with or without them, besides an id column); else a message
 * naming both widths, and CLI_EXIT_FAIL. */
int cli_check_width(const cli_opts *m, nn_net *net, const char *path, int id_col);
/* The number of fields of the data rows of path, or 0 (message printed)
 * when it cannot be read. */
size_t cli_count_fields(const cli_opts *o, const char *path);
/* The text of 1-based column col of each data row of path (n rows
 * expected), for nn predict --id-col; NULL (message printed) on failure.
 * Free with cli_free_ids. */
char **cli_read_ids(const cli_opts *o, const char *path, size_t col, size_t n);
void cli_free_ids(char **ids, size_t n);
/* Renumber d's named classes as names (nn_dataset_match_classes); a row
 * of a class that names lacks fails with a message giving its line in path
 * (d holds rows rank::size of the file, after a header line when header)
 * and whose names they are. */
int cli_match_names(nn_dataset *d, const char *const *names, size_t n_names, const char *path,
                    const char *whose, bool header, size_t rank, size_t size);
/* nn eval, predict, export: load MODEL (message printed on failure). */
int cli_load_model(const cli_opts *o, nn_net **net);
/* The options, with data files read as the model's task and outputs. */
cli_opts cli_as_model(const cli_opts *o, const nn_net *net);
/* For a regression or multi-label training set read with --header: the
 * header's names of its target columns (read once, kept until exit); NULL
 * without them. */
const char *const *cli_target_names(const cli_opts *o, const nn_dataset *train);
/* x_path and y_path (its labels or targets) as o's task reads them
 * (nn_load_npy_dataset); a message naming the file on failure. */
int cli_load_npy(const cli_opts *o, const char *x_path, const char *y_path, nn_dataset *d);
/* nn predict: the features of path (no labels) into d->x, checked against
 * the model's inputs; a message naming the file on failure. */
int cli_load_npy_features(const nn_net *net, const char *path, nn_dataset *d);
/* nn eval: whether the features and targets loaded from path (and labels;
 * a .npy file, or a CSV stream read as the model's data) fit the model;
 * else a message naming both widths, CLI_EXIT_FAIL. */
int cli_npy_fits(nn_net *net, const nn_dataset *d, const char *path, const char *labels);
/* Warnings about a training set (stderr), e.g. constant features. */
void cli_warn_data(const cli_opts *o, const nn_dataset *train);
/* The nn_csv_options the options describe, for a file read with labels. */
nn_csv_options cli_csv(const cli_opts *o);
/* Fail early when path cannot be written (before a long training). */
int cli_check_writable(const char *path, const char *flag);

/* ---- cli_npy.c ---- */
/* Whether path names a .npy file by its name (it ends in ".npy", any
 * case): how an output's format is chosen. */
int cli_npy_name(const char *path);
/* Whether the data file path is a .npy: by its name, or by NumPy's magic
 * bytes at the start of a regular file. */
int cli_is_npy(const char *path);
/* After parsing: .npy data has its --labels (--test-labels) and no
 * CSV-only option (given with a value other than its default); --labels
 * is only for .npy data. A usage error names the flag: CLI_EXIT_USAGE. */
int cli_check_npy(const cli_opts *o);

/* ---- cli_out.c ---- */
/* Before any work: no output names an input or another output (the same
 * file by device and inode, or the same resolved path), every output can
 * be written, and --plot can be drawn. A message names both flags. */
int cli_check_outputs(const cli_opts *o);
/* s as a terminal may show it: each control character (below 0x20, and
 * 0x7f) as \xHH. cli_escaped returns s itself when it has none, else its
 * escaped form in buf (n bytes), cut with "..." when it does not fit. */
const char *cli_escaped(const char *s, char *buf, size_t n);
void cli_put_escaped(FILE *f, const char *s);
/* An output stream: path through the library's atomic writer, or stdout
 * (path NULL). cli_output_close commits (or, with ok 0, abandons) it and
 * reports a write failure naming flag and path. */
typedef struct cli_output {
    FILE *f;
    nn_atomic_file *af;
    const char *path, *flag;
} cli_output;
int cli_output_open(cli_output *out, const char *path, const char *flag);
int cli_output_close(cli_output *out, int ok);
/* At exit: stdout flushed and checked; a failure is printed, exit 1. */
int cli_stdout_done(int rc);

/* ---- cli_report.c ---- */
typedef struct cli_progress {
    const cli_opts *o;
    size_t epochs; /* the cap */
    int tty;       /* draw one updating line */
    double started;
    double *curve; /* 4 a recorded epoch: train loss, val loss, val score,
                      seconds; room for `epochs` of them (or, as
                      cli_train_one grows it, for epoch n_curve) */
    size_t n_curve;
    /* --epochs auto (cli_train_one): how the epochs were found */
    size_t refit; /* --epochs auto: the epochs of the refit on every
                     training row (cli_train_one); 0: none */
} cli_progress;
/* A validation split of fewer rows than this is noise (a warning). */
#define CLI_MIN_VAL_ROWS 50
double cli_now(void);
int cli_on_epoch(const nn_epoch_stats *s, void *user);
void cli_progress_end(cli_progress *p);
/* The 1-based epoch of p's curve with the lowest validation loss (the one
 * early stopping keeps). */
size_t cli_best_epoch(const cli_progress *p);
/* Score name of a task: "accuracy", "subset accuracy", "R^2". */
const char *cli_score_name(nn_task t);
/* After run r of nn train: its line (with --runs), the learning curve plot
 * (the first run, --plot) and the model saved to --out (net, which may be
 * NULL, is freed here). show: this process prints (rank 0 under MPI). */
int cli_finish_run(const cli_opts *o, const cli_progress *p, size_t r, double score, nn_net *net,
                   int show);
/* The head of nn train's result line: "test accuracy 0.97 (std ... over N
 * runs)" or "... mean loss L" for one run, from the runs' score sums. */
void cli_print_score(const cli_opts *o, double sum, double sum2, double loss);
/* nn eval's report of net on d. */
int cli_report_eval(nn_net *net, const nn_dataset *d, const char *what);

/* ---- cli_plot.c ---- */
/* Before training: gnuplot can be run and path's directory written. */
int cli_check_plot(const char *path);
/* Plots with gnuplot, written to path atomically (a clear message when it
 * is not installed). */
int cli_plot_curve(const cli_progress *p, const char *path, nn_task task);
int cli_plot_sweep(const double *rows, size_t n, const char *path);

/* ---- cmd_train.c ---- */
/* Train one net (the progress in prog) and score it on test (NaN when test
 * has no rows); *out, when out is not NULL, gets the net. Under --epochs
 * auto (without an explicit --patience or --validation-fraction) early
 * stopping on the validation split finds the epoch count, then a fresh net
 * of the same seed is fit on every training row for that many epochs: that
 * is the net scored and returned (prog->refit). */
int cli_train_one(const cli_opts *o, const nn_dataset *train, const nn_dataset *test,
                  size_t n_hidden, const size_t *hidden, uint64_t seed, cli_progress *prog,
                  nn_net **out, double *score, double *loss);
/* The net the options describe for this data, with its scalers (fit on
 * train unless --no-scale) and class names; a net above CLI_MAX_PARAMS is
 * refused before it is created. */
int cli_make_net(const cli_opts *o, const nn_dataset *train, const nn_dataset *test,
                 size_t n_hidden, const size_t *hidden, uint64_t seed, nn_net **out);

/* ---- commands ---- */
int cmd_train(const cli_opts *o);
/* nn train --mpi; without libnn_mpi, a usage error (exit 2). */
int cmd_train_mpi(const cli_opts *o);
int cmd_sweep(const cli_opts *o);
int cmd_eval(const cli_opts *o);
int cmd_predict(const cli_opts *o);
int cmd_export(const cli_opts *o);

#endif /* NN_CLI_H */
