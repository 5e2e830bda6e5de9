/* Fuzz target: the nn tool's option parser (tools/cli_args.c). The first
 * byte picks the command; the rest, split at NUL bytes, is argv (for eval, predict
 * and export its first string is the MODEL, as nn.c takes it). Parsing
 * must never crash, must return 0, -1 (help printed) or the usage status 2,
 * and a successful parse must leave options the commands can trust, within
 * the limits of cli.h (counts that would overflow an allocation refused).
 * make_corpus.c writes the seeds, hostile ones included. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz_common.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    cli_cmd cmd = (cli_cmd)(data[0] % CMD_COUNT);
    char *text = malloc(size); /* the rest, NUL-terminated: argv's strings */
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    char *argv[MAX_ARGS + 2] = {"nn", (char *)(uintptr_t)cli_cmd_name(cmd)};
    int argc = 2;
    for (size_t i = 0; i < size - 1 && argc < MAX_ARGS + 2; i++) {
        argv[argc++] = text + i;
        i += strlen(text + i);
    }
    cli_opts o;
    cli_defaults(&o, cmd);
    int first = 2;
    if ((cmd == CMD_EVAL || cmd == CMD_PREDICT || cmd == CMD_EXPORT) && argc > 2) {
        o.model = argv[2]; /* as nn.c: the MODEL comes first */
        first = 3;
    }
    int rc = cli_parse(&o, argc, argv, first);
    FUZZ_CHECK(rc == 0 || rc == -1 || rc == CLI_EXIT_USAGE);
    if (rc == 0) {
        FUZZ_CHECK(o.n_hidden <= CLI_MAX_HIDDEN && o.n_act <= CLI_MAX_HIDDEN);
        FUZZ_CHECK(o.n_act <= 1 || o.n_act == o.n_hidden);
        FUZZ_CHECK(o.train.batch_size > 0 && o.train.epochs > 0);
        FUZZ_CHECK(o.test_fraction >= 0 && o.test_fraction < 1);
        FUZZ_CHECK(o.train.validation_fraction >= 0 && o.train.validation_fraction < 1);
        FUZZ_CHECK(!o.epochs_auto || o.train.patience > 0);
        FUZZ_CHECK(o.train.patience == 0 || o.train.validation_fraction > 0);
        FUZZ_CHECK((unsigned)o.csv.task <= NN_TASK_REGRESS && o.csv.n_targets >= 1);
        FUZZ_CHECK(o.csv.task != NN_TASK_CLASSIFY || o.csv.n_targets == 1);
        FUZZ_CHECK(o.from <= o.to && o.step > 0 && o.trials > 0 && o.runs > 0);
        for (size_t l = 0; l < o.n_hidden; l++)
            FUZZ_CHECK(o.hidden[l] > 0 && o.hidden[l] <= CLI_MAX_WIDTH);
        /* the limits that keep every size computation from overflowing */
        FUZZ_CHECK(o.train.epochs <= CLI_MAX_EPOCHS && o.max_epochs <= CLI_MAX_EPOCHS);
        FUZZ_CHECK(o.train.patience <= CLI_MAX_EPOCHS && o.train.batch_size <= CLI_MAX_BATCH);
        FUZZ_CHECK(o.runs <= CLI_MAX_RUNS && o.trials <= CLI_MAX_RUNS);
        FUZZ_CHECK(o.to <= CLI_MAX_WIDTH && (o.to - o.from) / o.step < CLI_MAX_SWEEP);
        size_t params;
        FUZZ_CHECK(cli_param_count(1, o.n_hidden, o.hidden, 1, &params));
        for (size_t l = 0; l < o.n_act; l++)
            FUZZ_CHECK((unsigned)o.act[l] <= NN_ACT_IDENTITY);
        FUZZ_CHECK(cmd != CMD_PREDICT || o.data != NULL);
    }
    free(text);
    return 0;
}
