/* What the nn tool shows: progress while training, nn train's result
 * lines, nn eval's metrics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *cli_score_name(nn_task t)
{
    return t == NN_TASK_REGRESS ? "R^2" : t == NN_TASK_MULTILABEL ? "subset accuracy" : "accuracy";
}

/* ---- progress ---------------------------------------------------------------- */

/* Called after every epoch: keeps the learning curve for --plot, and shows
 * progress on stderr: one redrawn line on a terminal (epoch, losses, the
 * validation score, time left at the cap's pace), one line per epoch with
 * --verbose or when stderr is not a terminal and --verbose is given. */
int cli_on_epoch(const nn_epoch_stats *s, void *user)
{
    cli_progress *p = user;
    if (p->curve && p->n_curve < p->epochs) {
        double *c = p->curve + 4 * p->n_curve++;
        c[0] = s->train_loss;
        c[1] = s->val_loss;
        c[2] = s->val_accuracy;
        c[3] = s->seconds;
    }
    const cli_opts *o = p->o;
    if (o->quiet || (!p->tty && !o->verbose))
        return 0;
    double elapsed = cli_now() - p->started;
    double eta = elapsed / (double)s->epoch * (double)(p->epochs - s->epoch);
    char val[96] = "";
    if (!isnan(s->val_loss))
        snprintf(val, sizeof val, "  val loss %.5f  val %s %.4f", s->val_loss,
                 o->csv.task == NN_TASK_REGRESS ? "R^2" : "score", s->val_accuracy);
    if (o->verbose || !p->tty) {
        fprintf(stderr, "epoch %4zu  loss %.6f%s  %.3f s\n", s->epoch, s->train_loss, val,
                s->seconds);
        return 0;
    }
    int width = 24, done = (int)((double)width * (double)s->epoch / (double)p->epochs);
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < done ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r[%s] epoch %zu/%zu  loss %.5f%s  eta %.0fs \033[K", bar, s->epoch, p->epochs,
            s->train_loss, val, eta);
    fflush(stderr);
    return 0;
}

size_t cli_best_epoch(const cli_progress *p)
{
    size_t best = 0;
    for (size_t e = 1; e < p->n_curve; e++)
        if (p->curve[4 * e + 1] < p->curve[4 * best + 1])
            best = e;
    return best + 1;
}

void cli_progress_end(cli_progress *p)
{
    if (p->tty && !p->o->quiet && !p->o->verbose)
        fputs("\r\033[K", stderr);
}

/* ---- nn train's runs ------------------------------------------------------------ */

int cli_finish_run(const cli_opts *o, const cli_progress *p, size_t r, double score, nn_net *net,
                   int show)
{
    int rc = 0;
    size_t epochs = p->refit ? p->refit : p->n_curve;
    if (show && o->runs > 1 && !o->quiet && isnan(score))
        printf("run %zu: %zu epochs\n", r + 1, epochs);
    else if (show && o->runs > 1 && !o->quiet)
        printf("run %zu: test %s %.4f  (%zu epochs)\n", r + 1, cli_score_name(o->csv.task),
               score, epochs);
    if (show && r == 0 && o->plot)
        rc = cli_plot_curve(p, o->plot, o->csv.task);
    if (net) {
        nn_status s = nn_net_save(net, o->out);
        nn_net_free(net);
        if (s != NN_OK)
            rc = cli_fail("saving the model", s);
        else if (!o->quiet && o->runs > 1)
            printf("saved %s (run %zu, seed %llu)\n", o->out, r + 1,
                   (unsigned long long)(o->seed + r));
        else if (!o->quiet)
            printf("saved %s\n", o->out);
    }
    return rc;
}

void cli_print_score(const cli_opts *o, double sum, double sum2, double loss)
{
    double mean = sum / (double)o->runs;
    printf("test %s %.5f", cli_score_name(o->csv.task), mean);
    if (o->runs > 1)
        printf(" (std %.5f over %zu runs)", sqrt(fmax(0, sum2 / (double)o->runs - mean * mean)),
               o->runs);
    else
        printf("  mean loss %.6f", loss);
}

/* ---- nn eval ------------------------------------------------------------------ */

/* Class k's name as a terminal may show it, or its number. */
static const char *class_label(nn_net *net, size_t k, char *buf, size_t n)
{
    const char *name = nn_net_class_name(net, k);
    if (name)
        return cli_escaped(name, buf, n);
    snprintf(buf, n, "%zu", k);
    return buf;
}

/* Confusion matrix (rows: true class, columns: predicted) and precision,
 * recall and F1 per class. */
static int report_classes(nn_net *net, const nn_dataset *d)
{
    size_t C = nn_net_n_outputs(net), n = d->x.rows;
    int32_t *pred = malloc(n * sizeof *pred);
    size_t *cm = calloc(C * C, sizeof *cm);
    nn_status s = pred && cm ? nn_net_predict(net, d->x, pred) : NN_ENOMEM;
    if (s != NN_OK) {
        free(pred);
        free(cm);
        return cli_fail("predicting", s);
    }
    for (size_t i = 0; i < n; i++)
        cm[(size_t)d->y[i] * C + (size_t)pred[i]]++;
    char a[32], b[32];
    int w = 6;
    for (size_t k = 0; k < C; k++) {
        int len = (int)strlen(class_label(net, k, a, sizeof a));
        w = len > w ? len : w;
    }
    w = w > 24 ? 24 : w;
    printf("\nconfusion matrix (rows: true class, columns: predicted)\n%*s", w, "");
    for (size_t k = 0; k < C; k++)
        printf(" %*.*s", w, w, class_label(net, k, a, sizeof a));
    printf("\n");
    for (size_t t = 0; t < C; t++) {
        printf("%*.*s", w, w, class_label(net, t, a, sizeof a));
        for (size_t k = 0; k < C; k++)
            printf(" %*zu", w, cm[t * C + k]);
        printf("\n");
    }
    printf("\n%*s %9s %9s %9s %9s\n", w, "class", "precision", "recall", "f1", "support");
    for (size_t k = 0; k < C; k++) {
        size_t tp = cm[k * C + k], pred_k = 0, true_k = 0;
        for (size_t j = 0; j < C; j++) {
            pred_k += cm[j * C + k];
            true_k += cm[k * C + j];
        }
        double p = pred_k ? (double)tp / (double)pred_k : 0.0;
        double r = true_k ? (double)tp / (double)true_k : 0.0;
        double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0.0;
        printf("%*.*s %9.4f %9.4f %9.4f %9zu\n", w, w, class_label(net, k, b, sizeof b), p, r, f1,
               true_k);
    }
    free(pred);
    free(cm);
    return 0;
}

/* net's outputs for d's rows into *out (allocated): the forward values,
 * or with labels01 the 0/1 of each label (multi-label). */
static int net_outputs(nn_net *net, const nn_dataset *d, int labels01, nn_mat *out)
{
    nn_status s = nn_mat_alloc(out, d->x.rows, nn_net_n_outputs(net));
    if (s == NN_OK)
        s = labels01 ? nn_net_predict_multilabel(net, d->x, *out)
                     : nn_net_forward(net, d->x, *out);
    if (s != NN_OK) {
        nn_mat_free(out);
        return cli_fail("predicting", s);
    }
    return 0;
}

/* MAE and RMSE per output, in the units of the targets. */
static int report_regression(nn_net *net, const nn_dataset *d)
{
    size_t C = nn_net_n_outputs(net), n = d->x.rows;
    nn_mat out;
    if (net_outputs(net, d, 0, &out))
        return CLI_EXIT_FAIL;
    char a[32];
    printf("\n%12s %12s %12s\n", "output", "MAE", "RMSE");
    for (size_t j = 0; j < C; j++) {
        double mae = 0, mse = 0;
        for (size_t i = 0; i < n; i++) {
            double e = out.data[i * out.ld + j] - d->t.data[i * d->t.ld + j];
            mae += fabs(e);
            mse += e * e;
        }
        if (nn_net_class_name(net, j))
            printf("%12.12s", class_label(net, j, a, sizeof a));
        else
            printf("%12zu", j + 1);
        printf(" %12.6g %12.6g\n", mae / (double)n, sqrt(mse / (double)n));
    }
    nn_mat_free(&out);
    return 0;
}

/* Accuracy of each label on its own, for a multi-label net. */
static int report_labels(nn_net *net, const nn_dataset *d)
{
    size_t C = nn_net_n_outputs(net), n = d->x.rows;
    nn_mat out;
    if (net_outputs(net, d, 1, &out))
        return CLI_EXIT_FAIL;
    char a[32];
    printf("\n%12s %9s %9s\n", "label", "accuracy", "positive");
    for (size_t j = 0; j < C; j++) {
        size_t right = 0, pos = 0;
        for (size_t i = 0; i < n; i++) {
            right += out.data[i * out.ld + j] == d->t.data[i * d->t.ld + j];
            pos += d->t.data[i * d->t.ld + j] == 1.0;
        }
        printf("%12.12s %9.4f %9zu\n", class_label(net, j, a, sizeof a), (double)right / (double)n,
               pos);
    }
    nn_mat_free(&out);
    return 0;
}

int cli_report_eval(nn_net *net, const nn_dataset *d, const char *what)
{
    double score, loss;
    nn_status s = nn_net_evaluate(net, d, &score, &loss);
    if (s != NN_OK)
        return cli_fail(what, s);
    nn_task task = nn_net_task(net);
    printf("%s %.5f  mean loss %.6f  [%zu rows of %s]\n", cli_score_name(task), score, loss,
           d->x.rows, what);
    if (task == NN_TASK_CLASSIFY)
        return report_classes(net, d);
    if (task == NN_TASK_REGRESS)
        return report_regression(net, d);
    return report_labels(net, d);
}
