/* nn train, and the net and the training that nn sweep shares. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The net the options describe for this data. The model carries its
 * preprocessing: the features' scaler (unless --no-scale), for regression
 * the targets' scaler too, and the class names read from the file. */
int cli_make_net(const cli_opts *o, const nn_dataset *train, const nn_dataset *test,
                 size_t n_hidden, const size_t *hidden, uint64_t seed, nn_net **out)
{
    nn_activation acts[CLI_MAX_HIDDEN];
    for (size_t l = 0; l < n_hidden; l++)
        acts[l] = o->n_act == 0 ? NN_ACT_RELU : o->act[o->n_act == 1 ? 0 : l];
    size_t outputs = train->t.data ? train->t.cols : train->n_classes;
    if (train->y && test->n_classes > outputs)
        outputs = test->n_classes;
    size_t params;
    if (!cli_param_count(train->x.cols, n_hidden, hidden, outputs, &params)) {
        fprintf(stderr,
                "nn: --hidden: a net of %zu inputs, these hidden layers and %zu outputs has "
                "more than %u parameters (weights and biases)\n",
                train->x.cols, outputs, CLI_MAX_PARAMS);
        return CLI_EXIT_USAGE;
    }
    nn_net_config cfg = {.n_inputs = train->x.cols,
                         .n_classes = outputs,
                         .n_hidden_layers = n_hidden,
                         .hidden = hidden,
                         .init = o->init,
                         .seed = seed,
                         .activations = acts,
                         .leaky_slope = o->leaky_slope,
                         .task = o->csv.task,
                         .dtype = o->dtype};
    nn_net *net;
    nn_status s = nn_net_create(&net, &cfg);
    if (s != NN_OK)
        return cli_fail("creating the net", s);
    nn_scaler sc;
    if (!o->no_scale && (s = nn_scaler_fit(&sc, train->x)) == NN_OK) {
        s = nn_net_set_scaler(net, &sc);
        nn_scaler_free(&sc);
    }
    if (s == NN_OK && !o->no_scale && o->csv.task == NN_TASK_REGRESS &&
        (s = nn_scaler_fit(&sc, train->t)) == NN_OK) {
        s = nn_net_set_target_scaler(net, &sc);
        nn_scaler_free(&sc);
    }
    const char *const *targets = cli_target_names(o, train);
    if (s == NN_OK && train->class_names && train->n_classes == outputs)
        s = nn_net_set_class_names(net, (const char *const *)train->class_names);
    else if (s == NN_OK && targets && train->t.cols == outputs)
        s = nn_net_set_class_names(net, targets); /* the header's target names */
    if (s != NN_OK) {
        nn_net_free(net);
        return cli_fail("preparing the net", s);
    }
    *out = net;
    return 0;
}

/* Before cli_on_epoch records epoch n_curve: room for it. The learning
 * curve grows by doubling, never beyond the epochs asked for, so a large
 * --epochs costs memory only for the epochs that run. Its capacity follows
 * from n_curve alone: min(64, epochs) entries up to 64, then the next power
 * of two (a later run starts again from 0 in the same buffer). */
static int on_epoch(const nn_epoch_stats *s, void *user)
{
    cli_progress *p = user;
    size_t n = p->n_curve;
    if ((n == 0 && !p->curve) || (n >= 64 && (n & (n - 1)) == 0)) {
        size_t cap = n == 0 ? 64 : 2 * n; /* epochs <= CLI_MAX_EPOCHS: no overflow */
        cap = cap < p->epochs ? cap : p->epochs;
        double *c = realloc(p->curve, 4 * cap * sizeof *c);
        if (!c) {
            free(p->curve);
            p->curve = NULL; /* no curve: nothing more recorded */
            p->n_curve = 0;
            fprintf(stderr, "nn: warning: out of memory for the learning curve\n");
        } else {
            p->curve = c;
        }
    }
    return cli_on_epoch(s, user);
}

/* A fresh net of seed fit on train with opt into *out (message printed on
 * failure). */
static int fit_net(const cli_opts *o, const nn_dataset *train, const nn_dataset *test,
                   size_t n_hidden, const size_t *hidden, uint64_t seed,
                   const nn_train_options *opt, nn_net **out)
{
    int rc = cli_make_net(o, train, test, n_hidden, hidden, seed, out);
    if (rc)
        return rc;
    nn_status s = nn_net_fit(*out, train, opt);
    if (s != NN_OK) {
        nn_net_free(*out);
        *out = NULL;
        return cli_fail("training", s);
    }
    return 0;
}

int cli_train_one(const cli_opts *o, const nn_dataset *train, const nn_dataset *test,
                  size_t n_hidden, const size_t *hidden, uint64_t seed, cli_progress *prog,
                  nn_net **out, double *score, double *loss)
{
    nn_net *net = NULL;
    nn_train_options opt = o->train;
    /* --epochs auto: early stopping on the validation split finds the
     * epochs, then a refit on every training row makes the model. An
     * explicit --patience or --validation-fraction keeps the early-stopped
     * net itself (the validation rows never train it). */
    int refit = o->epochs_auto && !o->patience_set && !o->val_set &&
                opt.validation_fraction > 0;
    prog->n_curve = 0;
    prog->refit = 0;
    prog->started = cli_now();
    opt.on_epoch = on_epoch;
    opt.user = prog;
    int rc = fit_net(o, train, test, n_hidden, hidden, seed, &opt, &net);
    cli_progress_end(prog);
    if (!rc && refit && prog->curve && prog->n_curve > 0) {
        /* The epochs early stopping found, on every training row: a fresh
         * net of the same seed (its progress shown, no curve recorded). */
        size_t epochs = cli_best_epoch(prog);
        nn_net_free(net);
        net = NULL;
        cli_progress again = *prog;
        again.curve = NULL;
        again.n_curve = 0;
        again.epochs = epochs;
        again.started = cli_now();
        opt.epochs = epochs;
        opt.patience = 0;
        opt.validation_fraction = 0;
        opt.on_epoch = cli_on_epoch;
        opt.user = &again;
        if (o->verbose && !o->quiet)
            fprintf(stderr, "refit on all %zu training rows for %zu epochs\n", train->x.rows,
                    epochs);
        rc = fit_net(o, train, test, n_hidden, hidden, seed, &opt, &net);
        cli_progress_end(&again);
        prog->refit = epochs;
    }
    if (rc)
        return rc;
    *score = NAN;
    *loss = NAN;
    nn_status s = test->x.rows > 0 ? nn_net_evaluate(net, test, score, loss) : NN_OK;
    if (s != NN_OK) {
        nn_net_free(net);
        return cli_fail("scoring the test rows", s);
    }
    if (out)
        *out = net;
    else
        nn_net_free(net);
    return 0;
}

/* A process of a job of several that mpirun (Open MPI: OMPI_COMM_WORLD_SIZE)
 * or a PMI launcher (PMI_SIZE: MPICH, Slurm) started: without --mpi each
 * would train alone and write the same --out, and an MPI process of the job
 * would wait for it forever, so refuse. */
static int launched_without_mpi(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && strtol(v, NULL, 10) > 1) {
            fprintf(stderr, "nn train: started as one of %s processes (%s) without --mpi: each "
                    "would train alone on all the data; add --mpi to train together\n", v,
                    vars[i]);
            return 1;
        }
    }
    return 0;
}

/* The rows of the validation split the library holds out of train (the
 * same split, so the same count); 0 without one. */
static size_t validation_rows(const cli_opts *o, const nn_dataset *train)
{
    double f = o->train.validation_fraction;
    if (f <= 0 || o->train.patience == 0 || train->x.rows < 2)
        return 0;
    nn_dataset a, b;
    nn_status s = train->y ? nn_train_test_split_stratified(train, f, 1, &a, &b)
                           : nn_train_test_split(train, f, 1, &a, &b);
    if (s != NN_OK)
        return 0;
    size_t n = b.x.rows;
    nn_dataset_free(&a);
    nn_dataset_free(&b);
    return n;
}

/* How the epochs of the run in p were found, for nn train's summary. */
static void print_epochs(const cli_opts *o, const cli_progress *p, size_t train_rows,
                         size_t val_rows)
{
    if (p->refit) {
        printf("%zu epochs (the best on a %zu-row validation split), then refit on all %zu "
               "training rows, ",
               p->refit, val_rows, train_rows);
    } else if (o->train.patience > 0 && p->n_curve > 0) {
        printf("%zu epochs (best validation loss at %zu), ", p->n_curve, cli_best_epoch(p));
    } else {
        printf("%zu epochs, ", p->n_curve);
    }
}

int cmd_train(const cli_opts *o)
{
    if (o->mpi)
        return cmd_train_mpi(o);
    if (launched_without_mpi())
        return CLI_EXIT_USAGE;
    nn_dataset train, test;
    int rc = cli_load_split(o, &train, &test);
    if (rc)
        return rc;
    cli_warn_data(o, &train);
    size_t val_rows = validation_rows(o, &train);
    int refits = o->epochs_auto && !o->patience_set && !o->val_set;
    if (val_rows > 0 && val_rows < CLI_MIN_VAL_ROWS && !refits && !o->quiet)
        fprintf(stderr,
                "nn: warning: the validation split has %zu rows, too few to tell one epoch "
                "from another; the model stops on noise (--epochs auto without --patience "
                "or --validation-fraction refits on every row, or give --epochs N)\n",
                val_rows);
    cli_progress prog = {.o = o, .epochs = o->train.epochs, .tty = isatty(2)};
    double sum = 0, sum2 = 0, t0 = cli_now(), loss = 0;
    size_t epochs_run = 0;
    for (size_t r = 0; r < o->runs && !rc; r++) {
        nn_net *net = NULL;
        double score;
        rc = cli_train_one(o, &train, &test, o->n_hidden, o->hidden, o->seed + r, &prog,
                           o->out && r == 0 ? &net : NULL, &score, &loss);
        if (rc)
            break;
        sum += score;
        sum2 += score * score;
        epochs_run += prog.refit ? prog.refit : prog.n_curve;
        rc = cli_finish_run(o, &prog, r, score, net, 1);
    }
    if (!rc) {
        if (test.x.rows > 0)
            cli_print_score(o, sum, sum2, loss);
        else
            printf("no test score (--test-fraction 0: every row trains the model)");
        printf("  [%zu train / %zu test rows, ", train.x.rows, test.x.rows);
        if (o->runs == 1) {
            print_epochs(o, &prog, train.x.rows, val_rows);
        } else {
            double mean = (double)epochs_run / (double)o->runs;
            printf(mean == floor(mean) ? "%.0f epochs a run, " : "%.1f epochs a run, ", mean);
        }
        printf("%.2f s]\n", cli_now() - t0);
    }
    free(prog.curve);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    return rc;
}
