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
                         .task = o->csv.task};
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
    if (s == NN_OK && train->class_names && train->n_classes == outputs)
        s = nn_net_set_class_names(net, (const char *const *)train->class_names);
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

int cli_train_one(const cli_opts *o, const nn_dataset *train, const nn_dataset *test,
                  size_t n_hidden, const size_t *hidden, uint64_t seed, cli_progress *prog,
                  nn_net **out, double *score, double *loss)
{
    nn_net *net = NULL;
    int rc = cli_make_net(o, train, test, n_hidden, hidden, seed, &net);
    if (rc)
        return rc;
    nn_train_options opt = o->train;
    prog->n_curve = 0;
    prog->started = cli_now();
    opt.on_epoch = on_epoch;
    opt.user = prog;
    nn_status s = nn_net_fit(net, train, &opt);
    cli_progress_end(prog);
    if (s == NN_OK)
        s = nn_net_evaluate(net, test, score, loss);
    if (s != NN_OK) {
        nn_net_free(net);
        return cli_fail("training", s);
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

/* The epoch with the lowest validation loss (what early stopping keeps). */
static size_t best_epoch(const cli_progress *p)
{
    size_t best = 0;
    for (size_t e = 1; e < p->n_curve; e++)
        if (p->curve[4 * e + 1] < p->curve[4 * best + 1])
            best = e;
    return best + 1;
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
    cli_progress prog = {o, o->train.epochs, isatty(2), 0, NULL, 0};
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
        epochs_run += prog.n_curve;
        rc = cli_finish_run(o, &prog, r, score, net, 1);
    }
    if (!rc) {
        cli_print_score(o, sum, sum2, loss);
        printf("  [%zu train / %zu test rows, ", train.x.rows, test.x.rows);
        if (o->runs == 1 && o->train.patience > 0 && prog.n_curve > 0)
            printf("%zu epochs (best validation loss at %zu), ", prog.n_curve, best_epoch(&prog));
        else
            printf("%.1f epochs a run, ", (double)epochs_run / (double)o->runs);
        printf("%.2f s]\n", cli_now() - t0);
    }
    free(prog.curve);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    return rc;
}
