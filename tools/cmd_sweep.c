/* nn sweep: test accuracy against the size of one hidden layer, the
 * tutorial's experiment. */
#include <math.h>
#include <stdlib.h>

#include "cli.h"

int cmd_sweep(const cli_opts *o)
{
    nn_dataset train, test;
    int rc = cli_load_split(o, &train, &test);
    if (rc)
        return rc;
    /* at most CLI_MAX_SWEEP sizes (cli_parse), 3 doubles each */
    size_t n_rows = (o->to - o->from) / o->step + 1;
    double *rows = malloc(3 * n_rows * sizeof *rows);
    cli_progress prog = {.o = o, .epochs = o->train.epochs};
    if (!rows) {
        nn_dataset_free(&train);
        nn_dataset_free(&test);
        return cli_fail("sweep", NN_ENOMEM);
    }
    /* the score's name: "mean acc", "mean subset acc", "mean R^2" */
    const char *score_name = o->csv.task == NN_TASK_REGRESS      ? "mean R^2"
                       : o->csv.task == NN_TASK_MULTILABEL ? "mean subset acc"
                                                           : "mean acc";
    printf("%8s %*s %10s %10s\n", "hidden", o->csv.task == NN_TASK_MULTILABEL ? 15 : 10, score_name,
           "std", "seconds");
    size_t done = 0;
    for (size_t h = o->from; h <= o->to && !rc && done < n_rows; h += o->step) {
        double sum = 0, sum2 = 0, t0 = cli_now();
        for (size_t t = 0; t < o->trials && !rc; t++) {
            double acc, loss;
            rc = cli_train_one(o, &train, &test, 1, &h, o->seed + t, &prog, NULL, &acc, &loss);
            sum += acc;
            sum2 += acc * acc;
        }
        if (!rc) {
            double mean = sum / (double)o->trials;
            double sd = sqrt(fmax(0, sum2 / (double)o->trials - mean * mean));
            printf("%8zu %*.5f %10.5f %10.3f\n", h, o->csv.task == NN_TASK_MULTILABEL ? 15 : 10,
                   mean, sd, cli_now() - t0);
            fflush(stdout);
            rows[3 * done] = (double)h;
            rows[3 * done + 1] = mean;
            rows[3 * done + 2] = sd;
            done++;
        }
    }
    if (!rc && o->plot)
        rc = cli_plot_sweep(rows, done, o->plot);
    free(rows);
    free(prog.curve);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    return rc;
}
