/* nn: train, evaluate, predict and sweep from the command line.
 *
 *   nn train   [data options] [net options] [train options] [--runs N] [--out FILE]
 *   nn eval    MODEL [data options]
 *   nn predict MODEL [data options]
 *   nn sweep   [data options] [train options] [--from 3 --to 39 --step 3 --trials 3]
 *
 * Data: --data moons (default: make_moons(5000, noise, 42)) or --data FILE.csv
 * (--label-column N, --header, --delimiter C), split with --test-fraction
 * (0.25) and --split-seed (42). Run `nn help` for every option.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nn.h>
#ifdef NN_HAVE_MPI
#include "nn_mpi.h"
#endif

typedef struct args {
    const char *data, *out, *model;
    nn_csv_options csv;
    double noise, test_fraction;
    uint64_t split_seed, seed;
    size_t hidden[16], n_hidden;
    nn_init init;
    nn_train_options train;
    size_t runs, from, to, step, trials;
    int verbose;
    int mpi;
} args;

static void usage(FILE *f)
{
    fputs("usage: nn COMMAND [options]\n"
          "commands:\n"
          "  train            train a net, report test accuracy; --out FILE saves it\n"
          "  eval MODEL       accuracy and loss of a saved net on the test split of the\n"
          "                   data (give the same data and split options as for train)\n"
          "  predict MODEL    print the predicted class of every test-split row\n"
          "  sweep            test accuracy against hidden size (the tutorial's sweep)\n"
          "data options:\n"
          "  --data moons|FILE.csv   (moons)      --noise X (0.1, moons only)\n"
          "  --label-column N (-1 = last)  --header  --delimiter C\n"
          "  --test-fraction F (0.25)      --split-seed N (42)\n"
          "net options:\n"
          "  --hidden 64[,64...] (64)  --init he|xavier|normal|orthogonal (he)  --seed N (1)\n"
          "train options (defaults: nn_train_defaults):\n"
          "  --optimizer sgd|momentum|adam  --lr X  --batch N  --epochs N  --momentum X\n"
          "  --weight-decay X  --patience N (validates on the test split)  --shuffle-seed N\n"
          "  --runs N (train: repeat with seeds seed..seed+N-1, report mean and std)\n"
          "  --verbose (print every epoch)\n"
          "  --mpi (train: under mpirun, over the ranks; --batch is the global batch;\n"
          "         each rank reads rows rank::size; rank 0 prints and saves)\n"
          "sweep options: --from 3 --to 39 --step 3 --trials 3\n"
          "  (sweep defaults to the tutorial: --init normal --optimizer sgd --lr 0.001\n"
          "   --batch 10 --epochs 100)\n",
          f);
}

static int fail(const char *what, nn_status s)
{
    fprintf(stderr, "nn: %s: %s: %s\n", what, nn_status_str(s), nn_last_error());
    return 1;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return 0;
    *out = v;
    return 1;
}

static int parse_size(const char *s, size_t *out)
{
    uint64_t v;
    if (!parse_u64(s, &v) || v > SIZE_MAX)
        return 0;
    *out = (size_t)v;
    return 1;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    if (!s || !*s)
        return 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

static int parse_hidden(const char *s, args *a)
{
    a->n_hidden = 0;
    char buf[256];
    if (!s || strlen(s) >= sizeof buf)
        return 0;
    strcpy(buf, s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (a->n_hidden == 16 || !parse_size(tok, &a->hidden[a->n_hidden]))
            return 0;
        a->n_hidden++;
    }
    return 1;
}

static int parse_name(const char *s, const char *const *names, int n, int *out)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return 1;
        }
    return 0;
}

/* Parse argv[first..] into a; returns 0 and prints a message on error. */
static int parse_args(int argc, char **argv, int first, args *a)
{
    static const char *const inits[] = {"he", "xavier", "normal", "orthogonal"};
    static const char *const optims[] = {"sgd", "momentum", "adam"};
    for (int i = first; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = 1, takes = 1, tmp;
        long col;
        char *end;
        if (strcmp(k, "--header") == 0) {
            a->csv.has_header = true;
            takes = 0;
        } else if (strcmp(k, "--verbose") == 0) {
            a->verbose = 1;
            takes = 0;
        } else if (strcmp(k, "--mpi") == 0) {
            a->mpi = 1;
            takes = 0;
        } else if (strcmp(k, "--data") == 0)
            a->data = v, ok = v != NULL;
        else if (strcmp(k, "--out") == 0)
            a->out = v, ok = v != NULL;
        else if (strcmp(k, "--label-column") == 0) {
            ok = v && (col = strtol(v, &end, 10), *v && !*end && col >= -1);
            if (ok)
                a->csv.label_column = col;
        } else if (strcmp(k, "--delimiter") == 0)
            ok = v && strlen(v) == 1 && (a->csv.delimiter = v[0], 1);
        else if (strcmp(k, "--noise") == 0)
            ok = parse_double(v, &a->noise);
        else if (strcmp(k, "--test-fraction") == 0)
            ok = parse_double(v, &a->test_fraction);
        else if (strcmp(k, "--split-seed") == 0)
            ok = parse_u64(v, &a->split_seed);
        else if (strcmp(k, "--seed") == 0)
            ok = parse_u64(v, &a->seed);
        else if (strcmp(k, "--shuffle-seed") == 0)
            ok = parse_u64(v, &a->train.seed);
        else if (strcmp(k, "--hidden") == 0)
            ok = parse_hidden(v, a);
        else if (strcmp(k, "--init") == 0)
            ok = parse_name(v, inits, 4, &tmp) && (a->init = (nn_init)tmp, 1);
        else if (strcmp(k, "--optimizer") == 0)
            ok = parse_name(v, optims, 3, &tmp) && (a->train.optimizer = (nn_optimizer)tmp, 1);
        else if (strcmp(k, "--lr") == 0)
            ok = parse_double(v, &a->train.learning_rate);
        else if (strcmp(k, "--momentum") == 0)
            ok = parse_double(v, &a->train.momentum);
        else if (strcmp(k, "--weight-decay") == 0)
            ok = parse_double(v, &a->train.weight_decay);
        else if (strcmp(k, "--batch") == 0)
            ok = parse_size(v, &a->train.batch_size);
        else if (strcmp(k, "--epochs") == 0)
            ok = parse_size(v, &a->train.epochs);
        else if (strcmp(k, "--patience") == 0)
            ok = parse_size(v, &a->train.patience);
        else if (strcmp(k, "--runs") == 0)
            ok = parse_size(v, &a->runs) && a->runs > 0;
        else if (strcmp(k, "--from") == 0)
            ok = parse_size(v, &a->from) && a->from > 0;
        else if (strcmp(k, "--to") == 0)
            ok = parse_size(v, &a->to);
        else if (strcmp(k, "--step") == 0)
            ok = parse_size(v, &a->step) && a->step > 0;
        else if (strcmp(k, "--trials") == 0)
            ok = parse_size(v, &a->trials) && a->trials > 0;
        else {
            fprintf(stderr, "nn: unknown option '%s' (see nn help)\n", k);
            return 0;
        }
        if (!ok) {
            fprintf(stderr, "nn: bad or missing value for %s%s%s\n", k, v ? ": " : "", v ? v : "");
            return 0;
        }
        i += takes;
    }
    return 1;
}

static int load_split(const args *a, nn_dataset *train, nn_dataset *test)
{
    nn_dataset all;
    nn_status s = strcmp(a->data, "moons") == 0 ? nn_make_moons(&all, 5000, a->noise, 42)
                                                : nn_load_csv(&all, a->data, &a->csv);
    if (s != NN_OK)
        return fail(a->data, s);
    s = nn_train_test_split(&all, a->test_fraction, a->split_seed, train, test);
    nn_dataset_free(&all);
    return s == NN_OK ? 0 : fail("split", s);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int print_epoch(const nn_epoch_stats *s, void *user)
{
    (void)user;
    printf("epoch %4zu  train loss %.6f", s->epoch, s->train_loss);
    if (!isnan(s->val_loss))
        printf("  val loss %.6f  val acc %.4f", s->val_loss, s->val_accuracy);
    printf("  %.3f s\n", s->seconds);
    return 0;
}

/* Train one net on train; report its test accuracy in *acc. */
static int train_one(const args *a, uint64_t seed, const nn_dataset *train, const nn_dataset *test,
                     size_t n_hidden, const size_t *hidden, nn_net **out, double *acc)
{
    size_t n_classes = train->n_classes > test->n_classes ? train->n_classes : test->n_classes;
    nn_net_config cfg = {.n_inputs = train->x.cols,
                         .n_classes = n_classes < 2 ? 2 : n_classes,
                         .n_hidden_layers = n_hidden,
                         .hidden = hidden,
                         .init = a->init,
                         .seed = seed};
    nn_net *net;
    nn_status s = nn_net_create(&net, &cfg);
    if (s != NN_OK)
        return fail("create", s);
    nn_train_options opt = a->train;
    if (opt.patience)
        opt.validation = test;
    if (a->verbose)
        opt.on_epoch = print_epoch;
    if ((s = nn_net_fit(net, train, &opt)) != NN_OK ||
        (s = nn_net_evaluate(net, test, acc, NULL)) != NN_OK) {
        nn_net_free(net);
        return fail("train", s);
    }
    if (out)
        *out = net;
    else
        nn_net_free(net);
    return 0;
}

static int cmd_train(const args *a)
{
    nn_dataset train, test;
    if (load_split(a, &train, &test))
        return 1;
    double sum = 0, sum2 = 0, t0 = now();
    int rc = 0;
    for (size_t r = 0; r < a->runs && !rc; r++) {
        nn_net *net = NULL;
        double acc;
        rc = train_one(a, a->seed + r, &train, &test, a->n_hidden, a->hidden,
                       a->out && r == 0 ? &net : NULL, &acc);
        if (rc)
            break;
        sum += acc;
        sum2 += acc * acc;
        if (a->runs > 1)
            printf("run %zu: test accuracy %.4f\n", r + 1, acc);
        if (net) {
            nn_status s = nn_net_save(net, a->out);
            nn_net_free(net);
            if (s != NN_OK)
                rc = fail("save", s);
            else
                printf("saved %s\n", a->out);
        }
    }
    if (!rc) {
        double mean = sum / (double)a->runs;
        double sd = sqrt(fmax(0, sum2 / (double)a->runs - mean * mean));
        printf("test accuracy %.5f", mean);
        if (a->runs > 1)
            printf(" (std %.5f over %zu runs)", sd, a->runs);
        printf("  [%zu train / %zu test rows, %.2f s]\n", train.x.rows, test.x.rows, now() - t0);
    }
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    return rc;
}

/* nn train --mpi: tools/nn_mpi.c, when built with libnn_mpi. */
static int cmd_train_mpi(const args *a)
{
#ifdef NN_HAVE_MPI
    nn_mpi_train_args m = {a->data, a->csv, a->noise, a->test_fraction, a->split_seed, a->seed,
                           a->hidden, a->n_hidden, a->init, a->train, a->runs, a->out};
    if (a->verbose)
        m.train.on_epoch = print_epoch;
    return nn_mpi_train(&m);
#else
    (void)a;
    fputs("nn: --mpi: this nn was built without MPI (configure libnn with -DNN_WITH_MPI=ON "
          "and Open MPI installed)\n", stderr);
    return 2;
#endif
}

static int cmd_eval_or_predict(const args *a, int predict)
{
    nn_net *net;
    nn_status s = nn_net_load(&net, a->model);
    if (s != NN_OK)
        return fail(a->model, s);
    nn_dataset train, test;
    if (load_split(a, &train, &test)) {
        nn_net_free(net);
        return 1;
    }
    int rc = 0;
    if (predict) {
        int32_t *labels = malloc(test.x.rows * sizeof *labels);
        if (!labels || (s = nn_net_predict(net, test.x, labels)) != NN_OK)
            rc = labels ? fail("predict", s) : fail("predict", NN_ENOMEM);
        for (size_t i = 0; !rc && i < test.x.rows; i++)
            printf("%ld\n", (long)labels[i]);
        free(labels);
    } else {
        double acc, loss;
        if ((s = nn_net_evaluate(net, &test, &acc, &loss)) != NN_OK)
            rc = fail("eval", s);
        else
            printf("test accuracy %.5f  mean loss %.6f  [%zu rows]\n", acc, loss, test.x.rows);
    }
    nn_net_free(net);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    return rc;
}

static int cmd_sweep(const args *a)
{
    nn_dataset train, test;
    if (load_split(a, &train, &test))
        return 1;
    printf("%8s %10s %10s %10s\n", "hidden", "mean acc", "std", "seconds");
    int rc = 0;
    for (size_t h = a->from; h <= a->to && !rc; h += a->step) {
        double sum = 0, sum2 = 0, t0 = now();
        for (size_t t = 0; t < a->trials && !rc; t++) {
            double acc;
            rc = train_one(a, a->seed + t, &train, &test, 1, &h, NULL, &acc);
            sum += acc;
            sum2 += acc * acc;
        }
        if (!rc) {
            double mean = sum / (double)a->trials;
            printf("%8zu %10.5f %10.5f %10.3f\n", h, mean,
                   sqrt(fmax(0, sum2 / (double)a->trials - mean * mean)), now() - t0);
            fflush(stdout);
        }
    }
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    args a;
    memset(&a, 0, sizeof a);
    a.data = "moons";
    a.csv = nn_csv_defaults();
    a.noise = 0.1;
    a.test_fraction = 0.25;
    a.split_seed = 42;
    a.seed = 1;
    a.hidden[0] = 64;
    a.n_hidden = 1;
    a.init = NN_INIT_HE;
    a.train = nn_train_defaults();
    a.runs = 1;
    a.from = 3;
    a.to = 39;
    a.step = 3;
    a.trials = 3;
    const char *cmd = argv[1];
    int first = 2;
    if (strcmp(cmd, "sweep") == 0) {
        /* The tutorial's sweep, unless options say otherwise. */
        a.init = NN_INIT_NORMAL;
        a.train.optimizer = NN_SGD;
        a.train.learning_rate = 1e-3;
        a.train.batch_size = 10;
        a.train.epochs = 100;
    }
    if (strcmp(cmd, "eval") == 0 || strcmp(cmd, "predict") == 0) {
        if (argc < 3 || argv[2][0] == '-') {
            fprintf(stderr, "nn: %s needs a MODEL file\n", cmd);
            return 2;
        }
        a.model = argv[2];
        first = 3;
    }
    if (!parse_args(argc, argv, first, &a))
        return 2;
    if (a.mpi && strcmp(cmd, "train") != 0) {
        fprintf(stderr, "nn: --mpi works with train only\n");
        return 2;
    }
    if (strcmp(cmd, "train") == 0)
        return a.mpi ? cmd_train_mpi(&a) : cmd_train(&a);
    if (strcmp(cmd, "eval") == 0)
        return cmd_eval_or_predict(&a, 0);
    if (strcmp(cmd, "predict") == 0)
        return cmd_eval_or_predict(&a, 1);
    if (strcmp(cmd, "sweep") == 0)
        return cmd_sweep(&a);
    fprintf(stderr, "nn: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
