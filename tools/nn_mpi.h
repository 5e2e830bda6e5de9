/* nn train --mpi: the part of the nn tool that needs MPI (tools/nn_mpi.c,
 * compiled in only when libnn_mpi is built; NN_HAVE_MPI is then defined). */
#ifndef NN_TOOL_MPI_H
#define NN_TOOL_MPI_H

#include <stdint.h>

#include <nn.h>

/* What nn train passes on: its parsed options. */
typedef struct nn_mpi_train_args {
    const char *data;         /* "moons" or a CSV path */
    nn_csv_options csv;
    double noise;             /* moons only */
    double test_fraction;
    uint64_t split_seed, seed;
    const size_t *hidden;
    size_t n_hidden;
    nn_init init;
    nn_train_options train;   /* batch_size is the global batch over all ranks;
                                 on_epoch is called on rank 0 only */
    size_t runs;
    const char *out;          /* written by rank 0, or NULL */
} nn_mpi_train_args;

/* Initialize MPI, train over the ranks of MPI_COMM_WORLD, finalize MPI.
 * Every rank reads the rows rank::size of the data; rank 0 prints and
 * writes the model. Returns the process exit code (0, or 1 on failure). */
int nn_mpi_train(const nn_mpi_train_args *a);

#endif
