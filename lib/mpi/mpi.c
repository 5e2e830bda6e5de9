/* libnn_mpi: nn_net_fit_mpi, the MPI transport of nn_net_fit_distributed.
 *
 * The training loop lives in libnn (lib/train.c); this file only turns
 * MPI_Allreduce into the two reductions it asks for and maps MPI's failures
 * to nn_status, without ever aborting the job.
 */
#include <limits.h>
#include <stddef.h>

#include "nn/mpi.h"

typedef struct mpi_ctx {
    MPI_Comm comm;
    int err; /* the first MPI error code, MPI_SUCCESS while none */
} mpi_ctx;

/* buf[0..n) = op over every rank, in place. MPI counts are int, so a
 * longer buffer goes in chunks (every rank has the same n, so the chunks
 * match). Returns 0, or -1 with the MPI error kept in the context. */
static int allreduce(double *buf, size_t n, mpi_ctx *c, MPI_Op op)
{
    while (n > 0) {
        int chunk = n > (size_t)INT_MAX ? INT_MAX : (int)n;
        int rc = MPI_Allreduce(MPI_IN_PLACE, buf, chunk, MPI_DOUBLE, op, c->comm);
        if (rc != MPI_SUCCESS) {
            if (c->err == MPI_SUCCESS)
                c->err = rc;
            return -1;
        }
        buf += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}

static int allreduce_sum(double *buf, size_t n, void *ctx)
{
    return allreduce(buf, n, ctx, MPI_SUM);
}

static int allreduce_max(double *buf, size_t n, void *ctx)
{
    return allreduce(buf, n, ctx, MPI_MAX);
}

/* NN_EIO with MPI's own text for the error code. */
static nn_status mpi_fail(const char *what, int code)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS || len <= 0)
        return nn_set_last_error(NN_EIO, "nn_net_fit_mpi: %s failed (MPI error %d)", what, code);
    return nn_set_last_error(NN_EIO, "nn_net_fit_mpi: %s failed: %.*s", what, len, text);
}

nn_status nn_net_fit_mpi(nn_net *net, const nn_dataset *shard, const nn_train_options *opt,
                         MPI_Comm comm)
{
    /* Calling MPI before MPI_Init or after MPI_Finalize is erroneous (Open
     * MPI aborts); these two queries are allowed at any time. */
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (!initialized || finalized)
        return nn_set_last_error(NN_EINVAL, "nn_net_fit_mpi: MPI is %s",
                                 finalized ? "already finalized" : "not initialized (MPI_Init)");
    if (comm == MPI_COMM_NULL)
        return nn_set_last_error(NN_EINVAL, "nn_net_fit_mpi: comm is MPI_COMM_NULL");

    MPI_Errhandler old;
    int rc = MPI_Comm_get_errhandler(comm, &old);
    if (rc != MPI_SUCCESS)
        return mpi_fail("MPI_Comm_get_errhandler", rc);
    if ((rc = MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN)) != MPI_SUCCESS) {
        MPI_Errhandler_free(&old);
        return mpi_fail("MPI_Comm_set_errhandler", rc);
    }
    int inter = 0, rank = 0;
    nn_status s = NN_OK;
    if ((rc = MPI_Comm_test_inter(comm, &inter)) != MPI_SUCCESS)
        s = mpi_fail("MPI_Comm_test_inter", rc);
    else if (inter)
        s = nn_set_last_error(NN_EINVAL, "nn_net_fit_mpi: comm is an inter-communicator");
    else if ((rc = MPI_Comm_rank(comm, &rank)) != MPI_SUCCESS)
        s = mpi_fail("MPI_Comm_rank", rc);
    if (s == NN_OK) {
        mpi_ctx c = {comm, MPI_SUCCESS};
        nn_fit_hooks h = {allreduce_sum, allreduce_max, &c, rank};
        s = nn_net_fit_distributed(net, shard, opt, &h);
        if (c.err != MPI_SUCCESS)
            s = mpi_fail("MPI_Allreduce", c.err);
    }
    /* Restore the caller's handler; get_errhandler took a reference. */
    MPI_Comm_set_errhandler(comm, old);
    MPI_Errhandler_free(&old);
    return s;
}
