#ifndef NN_CLI_H
#define NN_CLI_H

/* The nn command-line tool: what its files share.
 *
 *   nn.c          main: subcommands, --version, help
 *   cli_args.c    the option table, parsing, per-command help
 *   cli_data.c    reading and splitting data, checks and warnings, row ids
 *   cli_report.c  progress lines, metrics tables, gnuplot plots
 *   cmd_train.c   nn train and nn sweep
 *   cmd_use.c     nn eval and nn predict
 *   cmd_export.c  nn export
 *   nn_mpi.c      nn train --mpi (built with libnn_mpi; else nn_nompi.c)
 *
 * Exit codes: 0 success, 1 a runtime failure (data, training, I/O), 2 a
 * usage error (unknown option, bad value, missing argument). */

#include <stdbool.h>
#include <stdio.h>

#include <nn.h>

#define CLI_MAX_HIDDEN 16
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

typedef enum cli_cmd { CMD_TRAIN, CMD_EVAL, CMD_PREDICT, CMD_SWEEP, CMD_EXPORT, CMD_COUNT } cli_cmd;

typedef struct cli_opts {
    cli_cmd cmd;
    const char *model; /* eval, predict, export: the model file */
    /* data */
    const char *data, *test_data; /* "moons" or a CSV; --test FILE */
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
    uint64_t seed;
    bool no_scale;
    /* training */
    nn_train_options train;
    bool epochs_auto;
    size_t max_epochs; /* the cap of --epochs auto */
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

/* ---- cli_data.c ---- */
/* Print "nn: WHAT: status: detail" and return CLI_EXIT_FAIL. */
int cli_fail(const char *what, nn_status s);
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
/* The number of fields of the first data line of path, or 0 (message
 * printed) when it cannot be read. */
size_t cli_count_fields(const cli_opts *o, const char *path);
/* The text of 1-based column col of each data row of path (n rows
 * expected), for nn predict --id-col. Free with cli_free_ids. */
char **cli_read_ids(const cli_opts *o, const char *path, size_t col, size_t n);
void cli_free_ids(char **ids, size_t n);
/* Warnings about a training set (stderr), e.g. constant features. */
void cli_warn_data(const cli_opts *o, const nn_dataset *train);
/* The nn_csv_options the options describe, for a file read with labels. */
nn_csv_options cli_csv(const cli_opts *o);
/* Fail early when path cannot be written (before a long training). */
int cli_check_writable(const char *path, const char *flag);

/* ---- cli_report.c ---- */
typedef struct cli_progress {
    const cli_opts *o;
    size_t epochs; /* the cap */
    int tty;       /* draw one updating line */
    double started;
    double *curve; /* epochs x 4: train loss, val loss, val score, seconds */
    size_t n_curve;
} cli_progress;
double cli_now(void);
int cli_on_epoch(const nn_epoch_stats *s, void *user);
void cli_progress_end(cli_progress *p);
/* Score name of a task: "accuracy", "subset accuracy", "R^2". */
const char *cli_score_name(nn_task t);
/* Plots with gnuplot (a clear message when it is not installed). */
int cli_plot_curve(const cli_progress *p, const char *path, nn_task task);
int cli_plot_sweep(const double *rows, size_t n, const char *path);
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

/* ---- cmd_train.c ---- */
/* The net the options describe for this data, with its scalers (fit on
 * train unless --no-scale) and class names. */
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
