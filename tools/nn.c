/* nn: train, evaluate, predict and sweep from the command line.
 *
 *   nn train   [options]                  train a net, report its test score
 *   nn eval    MODEL [options]            score a saved net on data
 *   nn predict MODEL --data FILE [opts]   predictions for new rows, CSV or .npy
 *   nn sweep   [options]                  test accuracy against hidden size
 *   nn export  MODEL --c F.h | --onnx F   the model as a C header or ONNX
 *
 * `nn COMMAND --help` (or `nn help COMMAND`) lists a command's options; docs/cli.md documents them
 * all. The files of the tool are listed in cli.h.
 */
#include <string.h>

#include "cli.h"

/* The commands, in cli_cmd's order. */
static int (*const COMMANDS[CMD_COUNT])(const cli_opts *) = {cmd_train, cmd_eval, cmd_predict,
                                                             cmd_sweep, cmd_export};

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 && argc > 2) { /* nn help CMD: nn CMD --help */
        for (int c = 0; c < CMD_COUNT; c++)
            if (strcmp(argv[2], cli_cmd_name((cli_cmd)c)) == 0) {
                cli_help(stdout, (cli_cmd)c);
                return cli_stdout_done(0);
            }
        char buf[256];
        fprintf(stderr, "nn help: unknown command '%s'\n\n", cli_escaped(argv[2], buf, sizeof buf));
        cli_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(name, "help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
        cli_usage(stdout);
        return cli_stdout_done(0);
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("nn (libnn) %s, kernels: %s\n", nn_version_string(), nn_simd_path());
        return cli_stdout_done(0);
    }
    if (strcmp(name, "--markdown-options") == 0) {
        cli_markdown(stdout);
        return cli_stdout_done(0);
    }
    int cmd = 0;
    while (cmd < CMD_COUNT && strcmp(name, cli_cmd_name((cli_cmd)cmd)) != 0)
        cmd++;
    if (cmd == CMD_COUNT) {
        fprintf(stderr, "nn: unknown command '%s'\n\n", name);
        cli_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    cli_opts o;
    cli_defaults(&o, (cli_cmd)cmd);
    int first = 2;
    if (cmd == CMD_EVAL || cmd == CMD_PREDICT || cmd == CMD_EXPORT) {
        if (argc > 2 && (strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "--help") == 0)) {
            cli_help(stdout, (cli_cmd)cmd);
            return cli_stdout_done(0);
        }
        if (argc < 3 || argv[2][0] == '-') {
            fprintf(stderr, "nn %s: the first argument is the MODEL file (nn %s --help)\n", name,
                    name);
            return CLI_EXIT_USAGE;
        }
        o.model = argv[2];
        first = 3;
    }
    int rc = cli_parse(&o, argc, argv, first);
    if (rc)
        return cli_stdout_done(rc < 0 ? 0 : rc);
    /* Outputs are checked before any work: none replaces an input, each
     * can be written, a plot can be drawn. */
    rc = cli_check_outputs(&o);
    if (rc)
        return rc;
    rc = COMMANDS[o.cmd](&o);
    return cli_stdout_done(rc);
}
