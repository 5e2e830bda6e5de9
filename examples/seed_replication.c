/* The tutorial's experiment, then the same with libnn's defaults.
 *
 * The tutorial ("Building Neural Network From Scratch", numpy) trains a
 * 2-64-2 ReLU/softmax net on make_moons(5000, noise 0.1), 3750/1250 split,
 * with weights and biases drawn from N(0, 1), plain SGD, batch 10, 10
 * epochs, and a step of 1e-4 on the gradient SUMMED over the batch. Over
 * 100 fresh nets it reports a mean test accuracy of 0.94541 (std 0.019558).
 *
 * libnn applies the learning rate to the MEAN gradient, so the tutorial's
 * step is learning_rate = 1e-4 * batch = 1e-3 here. Each run gets its own
 * init and shuffle seed; the data and split are fixed, as in the tutorial.
 *
 * Usage: seed_replication [runs]   (default 100)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <nn.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int check(nn_status s, const char *what)
{
    if (s != NN_OK)
        fprintf(stderr, "seed_replication: %s: %s (%s)\n", what, nn_status_str(s), nn_last_error());
    return s == NN_OK;
}

typedef struct result {
    double mean, sd, min, max, seconds;
} result;

/* Train `runs` fresh nets (init seeds 1..runs) and summarise test accuracy. */
static int experiment(const nn_dataset *train, const nn_dataset *test, nn_init init,
                      const nn_train_options *base, size_t runs, result *out)
{
    size_t hidden[1] = {64};
    double sum = 0, sum2 = 0, lo = 1, hi = 0, t0 = now();
    for (size_t r = 0; r < runs; r++) {
        nn_net_config cfg = {.n_inputs = 2,
                             .n_classes = 2,
                             .n_hidden_layers = 1,
                             .hidden = hidden,
                             .init = init,
                             .seed = 1000 + r};
        nn_net *net;
        if (!check(nn_net_create(&net, &cfg), "nn_net_create"))
            return 0;
        nn_train_options opt = *base;
        opt.seed = 5000 + r;
        double acc = 0;
        int ok = check(nn_net_fit(net, train, &opt), "nn_net_fit") &&
                 check(nn_net_evaluate(net, test, &acc, NULL), "nn_net_evaluate");
        nn_net_free(net);
        if (!ok)
            return 0;
        sum += acc;
        sum2 += acc * acc;
        lo = acc < lo ? acc : lo;
        hi = acc > hi ? acc : hi;
    }
    out->seconds = now() - t0;
    out->mean = sum / (double)runs;
    /* Population standard deviation, as numpy's std() computes it. */
    out->sd = sqrt(fmax(0.0, sum2 / (double)runs - out->mean * out->mean));
    out->min = lo;
    out->max = hi;
    return 1;
}

int main(int argc, char **argv)
{
    size_t runs = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 100;
    if (runs == 0) {
        fprintf(stderr, "usage: seed_replication [runs > 0]\n");
        return 2;
    }
    nn_dataset all, train, test;
    if (!check(nn_make_moons(&all, 5000, 0.1, 42), "nn_make_moons") ||
        !check(nn_train_test_split(&all, 0.25, 42, &train, &test), "nn_train_test_split"))
        return 1;

    nn_train_options tut = nn_train_defaults();
    tut.optimizer = NN_SGD;
    tut.batch_size = 10;
    tut.epochs = 10;
    tut.learning_rate = 1e-4 * 10; /* the tutorial's 1e-4 on the summed gradient */

    nn_train_options def = nn_train_defaults();

    result a, b;
    if (!experiment(&train, &test, NN_INIT_NORMAL, &tut, runs, &a) ||
        !experiment(&train, &test, NN_INIT_HE, &def, runs, &b))
        return 1;

    printf("libnn %s, kernels: %s; make_moons(5000, noise 0.1), %zu train / %zu test rows\n",
           nn_version_string(), nn_simd_path(), train.x.rows, test.x.rows);
    printf("%zu runs of a fresh 2-64-2 net each; test accuracy:\n\n", runs);
    printf("%-44s %8s %8s %8s %8s %9s\n", "setup", "mean", "std", "min", "max", "time (s)");
    printf("%-44s %8.5f %8.6f %8s %8s %9s\n", "tutorial as reported (numpy)", 0.94541, 0.019558,
           "-", "-", "-");
    printf("%-44s %8.5f %8.6f %8.4f %8.4f %9.3f\n",
           "libnn, tutorial setup (N(0,1), SGD, b=10, 10 ep)", a.mean, a.sd, a.min, a.max,
           a.seconds);
    printf("%-44s %8.5f %8.6f %8.4f %8.4f %9.3f\n", "libnn defaults (He, Adam .003, b=32, 40 ep)",
           b.mean, b.sd, b.min, b.max, b.seconds);
    nn_dataset_free(&all);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    return 0;
}
