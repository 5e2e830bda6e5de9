/* nn train --mpi in a tool built without libnn_mpi: a clear usage error. */
#include "cli.h"

int cmd_train_mpi(const cli_opts *o)
{
    (void)o;
    fputs("nn train: --mpi: this nn was built without MPI (install Open MPI, libopenmpi-dev, "
          "and configure libnn with -DNN_WITH_MPI=ON)\n",
          stderr);
    return CLI_EXIT_USAGE;
}
