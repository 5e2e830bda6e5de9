#ifndef NN_MPI_INTERNAL_H
#define NN_MPI_INTERNAL_H

/* For lib/mpi/ only (mpi.c, load.c): a collective call's hold on its
 * communicator and the agreement on a failure, which every function of
 * libnn_mpi goes through. */

#include <stddef.h>

#include "nn/mpi.h"

/* A call's hold on comm: its error handler MPI_ERRORS_RETURN until
 * nn__mpi_end restores the caller's, the public function's name, the rank. */
typedef struct comm_call {
    MPI_Comm comm;
    const char *func;
    MPI_Errhandler old;
    int rank;
} comm_call;

/* Start a call on comm: the checks each rank makes alone, before any
 * communication (MPI initialized, an intra-communicator). */
nn_status nn__mpi_begin(comm_call *c, MPI_Comm comm, const char *func);
/* Restore the caller's error handler; s passes through. */
nn_status nn__mpi_end(comm_call *c, nn_status s);
/* NN_EIO "func: what failed: <MPI's text>". */
nn_status nn__mpi_fail(const char *func, const char *what, int code);

/* The status of a step every rank took: NN_OK when s is NN_OK on every
 * rank; else, on every rank, the status and nn_last_error() text of the
 * lowest rank that failed. Collective. _named: the ranks other than that
 * one get "func: rank R failed: <its text>". */
nn_status nn__mpi_agree(const comm_call *c, nn_status s);
nn_status nn__mpi_agree_named(const comm_call *c, nn_status s);

/* buf[0..n) from root to every rank, in chunks of at most INT_MAX. */
int nn__mpi_bcast_bytes(char *buf, size_t n, int root, MPI_Comm comm);

/* nn_dataset_agree_mpi inside a call already begun. */
nn_status nn__mpi_agree_data(const comm_call *c, nn_dataset *d);

#endif /* NN_MPI_INTERNAL_H */
