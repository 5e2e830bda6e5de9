/* NumPy .npy data for the nn tool: which files are .npy, and the options
 * that go with them (checked when parsing; cli_data.c reads the files). A
 * .npy data file holds only numbers: its labels or targets come from a
 * second file (--labels), so CSV's options that say where the labels are,
 * or how text is split, do not apply to it. Paths are printed as the
 * parser prints arguments: they are the user's own. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

int cli_npy_name(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    if (n < 4)
        return 0;
    const char *e = path + n - 4;
    return e[0] == '.' && (e[1] | 0x20) == 'n' && (e[2] | 0x20) == 'p' && (e[3] | 0x20) == 'y';
}

int cli_is_npy(const char *path)
{
    if (!path || strcmp(path, "moons") == 0)
        return 0;
    if (cli_npy_name(path))
        return 1;
    /* Only a regular file is opened: a FIFO would block here. */
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    unsigned char magic[6];
    int npy = fread(magic, 1, sizeof magic, f) == sizeof magic &&
              memcmp(magic, "\x93NUMPY", sizeof magic) == 0;
    fclose(f);
    return npy;
}

/* The first CSV-only option o holds a value other than its default, or
 * NULL. */
static const char *csv_only_flag(const cli_opts *o)
{
    if (o->csv.has_header)
        return "--header";
    if (o->csv.delimiter != ',')
        return "--delimiter";
    if (o->label_col != 0)
        return "--label-col";
    if (o->csv.n_targets > 1)
        return "--targets";
    if (o->id_col != 0)
        return "--id-col";
    if (o->csv.no_labels)
        return "--no-labels";
    return NULL;
}

/* One file of data (flag) and its labels (labels_flag): a .npy needs them
 * (nn predict excepted), anything else refuses them. */
static int check_pair(const cli_opts *o, const char *flag, const char *path,
                      const char *labels_flag, const char *labels)
{
    const char *cmd = cli_cmd_name(o->cmd);
    int npy = cli_is_npy(path);
    if (labels && !path) {
        fprintf(stderr, "nn %s: %s needs %s FILE.npy\n", cmd, labels_flag, flag);
        return CLI_EXIT_USAGE;
    }
    if (labels && !npy) {
        fprintf(stderr,
                "nn %s: %s is for .npy data, but %s %s is %s\n", cmd, labels_flag, flag,
                path, strcmp(path, "moons") == 0 ? "the generated moons, which has its labels"
                                           : "CSV: its labels are its own column(s) "
                                             "(--label-col)");
        return CLI_EXIT_USAGE;
    }
    if (npy && !labels && o->cmd != CMD_PREDICT) {
        fprintf(stderr,
                "nn %s: %s %s is a .npy file, which holds no labels: %s FILE.npy is required "
                "(the labels or targets of its rows)\n",
                cmd, flag, path, labels_flag);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

int cli_check_npy(const cli_opts *o)
{
    int rc = check_pair(o, "--data", o->data, "--labels", o->labels);
    if (!rc)
        rc = check_pair(o, "--test", o->test_data, "--test-labels", o->test_labels);
    if (rc)
        return rc;
    int npy = cli_is_npy(o->data), test_npy = cli_is_npy(o->test_data);
    const char *cmd = cli_cmd_name(o->cmd), *flag = csv_only_flag(o);
    if (npy && flag) {
        fprintf(stderr, "nn %s: %s applies to CSV data, but --data %s is a .npy file%s\n", cmd,
                flag, o->data,
                o->cmd == CMD_PREDICT ? " (of features only)"
                                      : " (its labels or targets are the --labels file)");
        return CLI_EXIT_USAGE;
    }
    if (o->mpi && (npy || test_npy)) {
        fprintf(stderr, "nn %s: --mpi reads CSV data; a .npy file is not available with "
                        "--mpi\n",
                cmd);
        return CLI_EXIT_USAGE;
    }
    return 0;
}
