/* nn eval: a saved model scored on data, every row of --data (or with
 * --split the test split nn train made of it). The model decides how the
 * file is read: its task, its number of inputs and outputs, its class
 * names; its scaler is applied by the library. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Renumber d's string labels to the model's classes, matched by name. */
static int labels_to_model(nn_net *net, nn_dataset *d, const char *path, bool header)
{
    if (!d->y || !d->class_names)
        return 0;
    size_t C = nn_net_n_outputs(net);
    if (!nn_net_class_name(net, 0)) {
        fprintf(stderr, "nn: %s has class names but the model was trained on numeric labels\n",
                path);
        return CLI_EXIT_FAIL;
    }
    const char **names = malloc(C * sizeof *names);
    if (!names)
        return cli_fail(path, NN_ENOMEM);
    for (size_t k = 0; k < C; k++)
        names[k] = nn_net_class_name(net, k);
    int rc = cli_match_names(d, names, C, path, "the model", header, 0, 1);
    free(names);
    return rc;
}

int cmd_eval(const cli_opts *o)
{
    nn_net *net;
    if (cli_load_model(o, &net))
        return CLI_EXIT_FAIL;
    cli_opts m = cli_as_model(o, net);
    m.allow_many_classes = true; /* the model decides the classes */
    nn_dataset train, test;
    int npy = cli_is_npy(o->data), stream = cli_is_stream(o->data);
    /* A stream is read once, by the load: its widths are checked after. */
    int rc = strcmp(o->data, "moons") == 0 || npy || stream
                 ? 0
                 : cli_check_width(&m, net, o->data, 0);
    if (rc) {
        nn_net_free(net);
        return rc;
    }
    rc = cli_load_split(&m, &train, &test);
    if (!rc) {
        rc = npy || stream ? cli_npy_fits(net, &test, o->data, npy ? o->labels : o->data) : 0;
        if (!rc)
            rc = labels_to_model(net, &test, o->data, o->csv.has_header);
        if (!rc && test.y && test.n_classes > nn_net_n_outputs(net)) {
            fprintf(stderr, "nn: %s has labels up to %zu but the model has %zu classes\n", o->data,
                    test.n_classes - 1, nn_net_n_outputs(net));
            rc = CLI_EXIT_FAIL;
        }
        char what[512];
        if (o->all_rows)
            snprintf(what, sizeof what, "%s", o->data);
        else
            snprintf(what, sizeof what, "the test split of %s", o->data);
        if (!rc)
            rc = cli_report_eval(net, &test, what);
        nn_dataset_free(&train);
        nn_dataset_free(&test);
    }
    nn_net_free(net);
    return rc;
}

