/* libnn_mpi: nn_net_fit_mpi, the MPI transport of nn_net_fit_distributed,
 * and the collectives around it: the ranks' agreement on their data
 * (nn_dataset_agree_mpi) and the score over every rank's rows
 * (nn_net_evaluate_mpi).
 *
 * The training loop lives in libnn (lib/train.c); this file only turns
 * MPI_Allreduce into the two reductions it asks for and maps MPI's failures
 * to nn_status, without ever aborting the job. Every function here runs the
 * same sequence of collectives on every rank whatever its data (an empty or
 * invalid shard included): a local failure is agreed on (agree) before the
 * next collective, so no rank is left waiting.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

/* Sums a step may have in flight: one per layer bucket, at most
 * NN__MAX_LAYERS (64). */
#define MAX_PENDING 64

typedef struct mpi_ctx {
    MPI_Comm comm;
    int err; /* the first MPI error code, MPI_SUCCESS while none */
    int n_req;
    MPI_Request req[MAX_PENDING]; /* the started, unfinished sums */
} mpi_ctx;

/* buf[0..n) = op over every rank, in place. MPI counts are int, so a
 * longer buffer goes in chunks (every rank has the same n, so the chunks
 * match). Returns 0, or -1 with the MPI error kept in the context. */
static int allreduce(void *buf, size_t n, MPI_Datatype type, size_t size, mpi_ctx *c,
                     MPI_Op op)
{
    char *p = buf;
    while (n > 0) {
        int chunk = n > (size_t)INT_MAX ? INT_MAX : (int)n;
        int rc = MPI_Allreduce(MPI_IN_PLACE, p, chunk, type, op, c->comm);
        if (rc != MPI_SUCCESS) {
            if (c->err == MPI_SUCCESS)
                c->err = rc;
            return -1;
        }
        p += (size_t)chunk * size;
        n -= (size_t)chunk;
    }
    return 0;
}

static int allreduce_sum(double *buf, size_t n, void *ctx)
{
    return allreduce(buf, n, MPI_DOUBLE, sizeof *buf, ctx, MPI_SUM);
}

static int allreduce_max(double *buf, size_t n, void *ctx)
{
    return allreduce(buf, n, MPI_DOUBLE, sizeof *buf, ctx, MPI_MAX);
}

/* An F32 net's parameters and gradients travel as float. */
static int allreduce_sum_f32(float *buf, size_t n, void *ctx)
{
    return allreduce(buf, n, MPI_FLOAT, sizeof *buf, ctx, MPI_SUM);
}

/* The overlapped gradient reduction: MPI_Iallreduce per bucket, MPI_Testall
 * between the backward pass's products, MPI_Waitall before the update. */
static int keep_error(mpi_ctx *c, int rc)
{
    if (rc != MPI_SUCCESS && c->err == MPI_SUCCESS)
        c->err = rc;
    return rc == MPI_SUCCESS ? 0 : -1;
}

static int reduce_start(void *buf, size_t n, nn_dtype dtype, void *ctx)
{
    mpi_ctx *c = ctx;
    if (c->n_req == MAX_PENDING || n > (size_t)INT_MAX)
        return keep_error(c, MPI_ERR_COUNT);
    MPI_Datatype t = dtype == NN_F32 ? MPI_FLOAT : MPI_DOUBLE;
    return keep_error(c, MPI_Iallreduce(MPI_IN_PLACE, buf, (int)n, t, MPI_SUM, c->comm,
                                        &c->req[c->n_req++]));
}

static int reduce_progress(void *ctx)
{
    mpi_ctx *c = ctx;
    int done;
    return keep_error(c, MPI_Testall(c->n_req, c->req, &done, MPI_STATUSES_IGNORE));
}

static int reduce_finish(void *ctx)
{
    mpi_ctx *c = ctx;
    int rc = MPI_Waitall(c->n_req, c->req, MPI_STATUSES_IGNORE);
    c->n_req = 0;
    return keep_error(c, rc);
}

/* Whether comm's ranks are on more than one node (the same answer on every
 * rank): only then is the gradient reduction overlapped with the backward
 * pass. Within one node Open MPI moves the data with copies made by the
 * ranks' own cores inside the MPI calls, so there is nothing to overlap and
 * the non-blocking calls only cost more (docs/mpi.md measures it); across
 * nodes the network can move data while the cores compute. An MPI failure
 * here counts as one node, and is kept for the caller. */
static int spans_nodes(mpi_ctx *c)
{
    MPI_Comm node;
    int size = 0, node_size = 0;
    if (keep_error(c, MPI_Comm_split_type(c->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL,
                                          &node)) != 0)
        return 0;
    int ok = keep_error(c, MPI_Comm_size(node, &node_size)) == 0 &&
             keep_error(c, MPI_Comm_size(c->comm, &size)) == 0;
    MPI_Comm_free(&node);
    double split = ok && node_size < size ? 1.0 : 0.0;
    return allreduce_max(&split, 1, c) == 0 && split > 0.0;
}

/* NN_EIO with MPI's own text for the error code. */
nn_status nn__mpi_fail(const char *func, const char *what, int code)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS || len <= 0)
        return nn_set_last_error(NN_EIO, "%s: %s failed (MPI error %d)", func, what, code);
    return nn_set_last_error(NN_EIO, "%s: %s failed: %.*s", func, what, len, text);
}

/* Start a call on comm: the checks each rank makes alone, before any
 * communication (MPI initialized, an intra-communicator). */
nn_status nn__mpi_begin(comm_call *c, MPI_Comm comm, const char *func)
{
    /* Calling MPI before MPI_Init or after MPI_Finalize is erroneous (Open
     * MPI aborts); these two queries are allowed at any time. */
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (!initialized || finalized)
        return nn_set_last_error(NN_EINVAL, "%s: MPI is %s", func,
                                 finalized ? "already finalized" : "not initialized (MPI_Init)");
    if (comm == MPI_COMM_NULL)
        return nn_set_last_error(NN_EINVAL, "%s: comm is MPI_COMM_NULL", func);
    c->comm = comm;
    c->func = func;
    int rc = MPI_Comm_get_errhandler(comm, &c->old);
    if (rc != MPI_SUCCESS)
        return nn__mpi_fail(func, "MPI_Comm_get_errhandler", rc);
    if ((rc = MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN)) != MPI_SUCCESS) {
        MPI_Errhandler_free(&c->old);
        return nn__mpi_fail(func, "MPI_Comm_set_errhandler", rc);
    }
    int inter = 0;
    nn_status s = NN_OK;
    if ((rc = MPI_Comm_test_inter(comm, &inter)) != MPI_SUCCESS)
        s = nn__mpi_fail(func, "MPI_Comm_test_inter", rc);
    else if (inter)
        s = nn_set_last_error(NN_EINVAL, "%s: comm is an inter-communicator", func);
    else if ((rc = MPI_Comm_rank(comm, &c->rank)) != MPI_SUCCESS)
        s = nn__mpi_fail(func, "MPI_Comm_rank", rc);
    if (s != NN_OK) {
        MPI_Comm_set_errhandler(comm, c->old);
        MPI_Errhandler_free(&c->old);
    }
    return s;
}

/* Restore the caller's handler (get_errhandler took a reference); s passes
 * through. */
nn_status nn__mpi_end(comm_call *c, nn_status s)
{
    MPI_Comm_set_errhandler(c->comm, c->old);
    MPI_Errhandler_free(&c->old);
    return s;
}

/* A failure of inner (a core function this one calls) as the caller's:
 * "inner: why" becomes "func: why", so the message names the function the
 * caller called. */
static nn_status as_caller(nn_status s, const char *inner, const char *func)
{
    char text[512];
    snprintf(text, sizeof text, "%s", nn_last_error());
    size_t n = strlen(inner);
    if (strncmp(text, inner, n) != 0 || text[n] != ':')
        return s;
    return nn_set_last_error(s, "%s%s", func, text + n);
}

/* fn(hooks, arg) with hooks over comm's MPI_Allreduce, inside a comm_call:
 * how nn_net_fit_distributed and nn_scaler_fit_distributed (inner, the
 * name their messages carry) run over MPI. */
static nn_status with_hooks(MPI_Comm comm, const char *func, const char *inner,
                            nn_status (*fn)(const nn_fit_hooks *h, void *arg), void *arg)
{
    comm_call cc;
    nn_status s = nn__mpi_begin(&cc, comm, func);
    if (s != NN_OK)
        return s;
    mpi_ctx c = {.comm = comm, .err = MPI_SUCCESS, .n_req = 0};
    nn_fit_hooks h = {.allreduce_sum = allreduce_sum,
                      .allreduce_max = allreduce_max,
                      .ctx = &c,
                      .rank = cc.rank,
                      .allreduce_sum_f32 = allreduce_sum_f32};
    if (spans_nodes(&c)) {
        h.reduce_start = reduce_start;
        h.reduce_progress = reduce_progress;
        h.reduce_finish = reduce_finish;
    }
    s = fn(&h, arg);
    if (c.err != MPI_SUCCESS)
        s = nn__mpi_fail(cc.func, "MPI_Allreduce", c.err);
    else if (s != NN_OK)
        s = as_caller(s, inner, cc.func);
    return nn__mpi_end(&cc, s);
}

typedef struct fit_args {
    nn_net *net;
    const nn_dataset *shard;
    const nn_train_options *opt;
} fit_args;

static nn_status fit_hooked(const nn_fit_hooks *h, void *arg)
{
    fit_args *a = arg;
    return nn_net_fit_distributed(a->net, a->shard, a->opt, h);
}

nn_status nn_net_fit_mpi(nn_net *net, const nn_dataset *shard, const nn_train_options *opt,
                         MPI_Comm comm)
{
    fit_args a = {net, shard, opt};
    return with_hooks(comm, "nn_net_fit_mpi", "nn_net_fit_distributed", fit_hooked, &a);
}

typedef struct scaler_args {
    nn_scaler *s;
    nn_mat x;
} scaler_args;

static nn_status scaler_hooked(const nn_fit_hooks *h, void *arg)
{
    scaler_args *a = arg;
    return nn_scaler_fit_distributed(a->s, a->x, h);
}

nn_status nn_scaler_fit_mpi(nn_scaler *s, nn_mat x, MPI_Comm comm)
{
    scaler_args a = {s, x};
    return with_hooks(comm, "nn_scaler_fit_mpi", "nn_scaler_fit_distributed", scaler_hooked, &a);
}

/* ---- agreement ----------------------------------------------------------------- */

#define AGREE_TEXT 512 /* bytes of nn_last_error() text a failing rank sends */

/* The status of a step every rank took (mpi_internal.h). */
static nn_status agree_as(const comm_call *c, nn_status s, int name_rank)
{
    int first = s != NN_OK ? c->rank : INT_MAX;
    int rc = MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, c->comm);
    if (rc != MPI_SUCCESS)
        return nn__mpi_fail(c->func, "MPI_Allreduce", rc);
    if (first == INT_MAX)
        return NN_OK;
    char msg[sizeof(int) + AGREE_TEXT];
    if (c->rank == first) {
        int code = (int)s;
        memcpy(msg, &code, sizeof code);
        snprintf(msg + sizeof code, AGREE_TEXT, "%s", nn_last_error());
    }
    if ((rc = MPI_Bcast(msg, (int)sizeof msg, MPI_CHAR, first, c->comm)) != MPI_SUCCESS)
        return nn__mpi_fail(c->func, "MPI_Bcast", rc);
    int code;
    memcpy(&code, msg, sizeof code);
    msg[sizeof msg - 1] = '\0';
    if (name_rank && c->rank != first)
        return nn_set_last_error((nn_status)code, "%s: rank %d failed: %s", c->func, first,
                                 msg + sizeof code);
    return nn_set_last_error((nn_status)code, "%s", msg + sizeof code);
}

nn_status nn__mpi_agree(const comm_call *c, nn_status s)
{
    return agree_as(c, s, 0);
}

nn_status nn__mpi_agree_named(const comm_call *c, nn_status s)
{
    return agree_as(c, s, 1);
}

/* What a shard holds beside its features: labels, targets or nothing (an
 * empty shard keeps n_classes, t.cols and the names of its file). */
enum { KIND_NONE, KIND_LABELS, KIND_TARGETS };

static int shard_kind(const nn_dataset *d)
{
    return d->t.cols > 0 ? KIND_TARGETS : d->n_classes > 0 ? KIND_LABELS : KIND_NONE;
}

static const char *kind_text(uint64_t kind)
{
    return kind == KIND_TARGETS ? "targets" : kind == KIND_LABELS ? "class labels" : "no labels";
}

/* buf[0..n) from root to every rank, in chunks of at most INT_MAX. */
int nn__mpi_bcast_bytes(char *buf, size_t n, int root, MPI_Comm comm)
{
    for (size_t at = 0; at < n;) {
        int chunk = n - at > (size_t)INT_MAX ? INT_MAX : (int)(n - at);
        int rc = MPI_Bcast(buf + at, chunk, MPI_CHAR, root, comm);
        if (rc != MPI_SUCCESS)
            return rc;
        at += (size_t)chunk;
    }
    return MPI_SUCCESS;
}

/* This rank's data against rank 0's header h (features, kind, targets,
 * classes, bytes of the names with their NULs). */
static nn_status compare_header(const comm_call *c, const uint64_t *h, const uint64_t *mine)
{
    const char *f = c->func;
    int r = c->rank;
    if (mine[0] != h[0])
        return nn_set_last_error(NN_ESHAPE, "%s: rank %d's data has %llu features, rank 0's has "
                                 "%llu", f, r, (unsigned long long)mine[0],
                                 (unsigned long long)h[0]);
    if (mine[1] != h[1])
        return nn_set_last_error(NN_EINVAL, "%s: rank %d's data has %s, rank 0's has %s", f, r,
                                 kind_text(mine[1]), kind_text(h[1]));
    if (mine[2] != h[2])
        return nn_set_last_error(NN_ESHAPE, "%s: rank %d's data has %llu targets, rank 0's has "
                                 "%llu", f, r, (unsigned long long)mine[2],
                                 (unsigned long long)h[2]);
    if ((mine[4] > 0) != (h[4] > 0))
        return nn_set_last_error(NN_EFORMAT, "%s: rank %d's class labels are %s, rank 0's are %s",
                                 f, r, mine[4] ? "names" : "numbers", h[4] ? "names" : "numbers");
    if (h[4] > 0 && mine[3] != h[3])
        return nn_set_last_error(NN_EFORMAT, "%s: rank %d's data has %llu classes, rank 0's has "
                                 "%llu", f, r, (unsigned long long)mine[3],
                                 (unsigned long long)h[3]);
    return NN_OK;
}

/* Rank 0's class names (n, NUL-separated in blob) against this rank's. */
static nn_status compare_names(const comm_call *c, const nn_dataset *d, const char *blob,
                               size_t n)
{
    const char *p = blob;
    for (size_t k = 0; k < n; k++) {
        if (strcmp(p, d->class_names[k]) != 0)
            return nn_set_last_error(NN_EFORMAT,
                                     "%s: rank %d's class %zu is '%.100s', rank 0's is '%.100s' "
                                     "(the ranks' files name different classes)",
                                     c->func, c->rank, k, d->class_names[k], p);
        p += strlen(p) + 1;
    }
    return NN_OK;
}

nn_status nn__mpi_agree_data(const comm_call *c, nn_dataset *d)
{
    nn_status s = NN_OK;
    if (!d)
        s = nn_set_last_error(NN_EINVAL, "%s: rank %d's shard is NULL", c->func, c->rank);
    else if (d->x.rows > 0 && (!d->x.data || (shard_kind(d) == KIND_LABELS && !d->y)))
        s = nn_set_last_error(NN_EINVAL, "%s: rank %d's shard has rows but no data", c->func,
                              c->rank);
    if ((s = nn__mpi_agree(c, s)) != NN_OK)
        return s;
    uint64_t mine[5] = {d->x.cols, (uint64_t)shard_kind(d), d->t.cols, d->n_classes, 0}, h[5];
    for (size_t k = 0; d->class_names && k < d->n_classes; k++)
        mine[4] += strlen(d->class_names[k]) + 1;
    memcpy(h, mine, sizeof h);
    int rc = MPI_Bcast(h, 5, MPI_UINT64_T, 0, c->comm);
    if (rc != MPI_SUCCESS)
        return nn__mpi_fail(c->func, "MPI_Bcast", rc);
    if ((s = nn__mpi_agree(c, compare_header(c, h, mine))) != NN_OK)
        return s;
    if (h[1] == KIND_LABELS && h[4] == 0) {
        /* Integer labels: the net needs outputs for the largest on any rank. */
        uint64_t n = d->n_classes;
        if ((rc = MPI_Allreduce(MPI_IN_PLACE, &n, 1, MPI_UINT64_T, MPI_MAX, c->comm)) !=
            MPI_SUCCESS)
            return nn__mpi_fail(c->func, "MPI_Allreduce", rc);
        d->n_classes = (size_t)n;
        return NN_OK;
    }
    if (h[4] == 0)
        return NN_OK;
    char *blob = malloc((size_t)h[4]);
    s = blob ? NN_OK : nn_set_last_error(NN_ENOMEM, "%s: out of memory", c->func);
    if ((s = nn__mpi_agree(c, s)) != NN_OK)
        return s;
    if (c->rank == 0)
        for (size_t k = 0, at = 0; k < d->n_classes; k++) {
            size_t len = strlen(d->class_names[k]) + 1;
            memcpy(blob + at, d->class_names[k], len);
            at += len;
        }
    if ((rc = nn__mpi_bcast_bytes(blob, (size_t)h[4], 0, c->comm)) != MPI_SUCCESS)
        s = nn__mpi_fail(c->func, "MPI_Bcast", rc);
    else
        s = nn__mpi_agree(c, compare_names(c, d, blob, d->n_classes));
    free(blob);
    return s;
}

nn_status nn_dataset_agree_mpi(nn_dataset *shard, MPI_Comm comm)
{
    comm_call cc;
    nn_status s = nn__mpi_begin(&cc, comm, "nn_dataset_agree_mpi");
    return s != NN_OK ? s : nn__mpi_end(&cc, nn__mpi_agree_data(&cc, shard));
}

/* ---- scores over every rank's rows ------------------------------------------------ */

static nn_status sum_doubles(const comm_call *c, double *v, size_t n)
{
    mpi_ctx m = {.comm = c->comm, .err = MPI_SUCCESS, .n_req = 0};
    return allreduce_sum(v, n, &m) == 0 ? NN_OK : nn__mpi_fail(c->func, "MPI_Allreduce", m.err);
}

/* R^2 averaged over the outputs, scikit-learn's r2_score as nn_net_evaluate
 * computes it for one process, from sums over the ranks: the global mean of
 * each output first, then the squared deviations about it. rows: the rows
 * of every rank. */
static nn_status global_r2(const comm_call *c, nn_net *net, const nn_dataset *d, double rows,
                           double *r2)
{
    size_t n = d->x.rows, C = nn_net_n_outputs(net);
    nn_mat z = {NULL, 0, 0, 0};
    double *acc = calloc(3 * C, sizeof *acc); /* sum t, SS_res, SS_tot */
    nn_status s = acc ? NN_OK : nn_set_last_error(NN_ENOMEM, "%s: out of memory", c->func);
    if (s == NN_OK && n > 0 && (s = nn_mat_alloc(&z, n, C)) == NN_OK)
        s = nn_net_forward(net, d->x, z);
    if ((s = nn__mpi_agree(c, s)) == NN_OK) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < C; j++) {
                double t = d->t.data[i * d->t.ld + j], e = z.data[i * z.ld + j] - t;
                acc[j] += t;
                acc[C + j] += e * e;
            }
        s = sum_doubles(c, acc, 2 * C);
    }
    if (s == NN_OK) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < C; j++) {
                double e = d->t.data[i * d->t.ld + j] - acc[j] / rows;
                acc[2 * C + j] += e * e;
            }
        s = sum_doubles(c, acc + 2 * C, C);
    }
    if (s == NN_OK) {
        double sum = 0.0;
        for (size_t j = 0; j < C; j++) {
            double res = acc[C + j], tot = acc[2 * C + j];
            sum += tot > 0.0 ? 1.0 - res / tot : res == 0.0 ? 1.0 : 0.0;
        }
        *r2 = sum / (double)C;
    }
    free(acc);
    nn_mat_free(&z);
    return s;
}

static nn_status evaluate(const comm_call *c, nn_net *net, const nn_dataset *d, double *score,
                          double *mean_loss)
{
    double v[3] = {0.0, 0.0, 0.0}, sc = 0.0, lo = 0.0; /* rows, score sum, loss sum */
    nn_status s = NN_OK;
    if (!net || !d)
        s = nn_set_last_error(NN_EINVAL, "%s: rank %d's %s is NULL", c->func, c->rank,
                              !net ? "net" : "shard");
    else if (d->x.rows > 0 && (s = nn_net_evaluate(net, d, &sc, &lo)) == NN_OK) {
        v[0] = (double)d->x.rows;
        v[1] = sc * v[0];
        v[2] = lo * v[0];
    }
    if ((s = nn__mpi_agree(c, s)) != NN_OK || (s = sum_doubles(c, v, 3)) != NN_OK)
        return s;
    if (v[0] == 0.0)
        return nn_set_last_error(NN_EINVAL, "%s: every rank's shard is empty", c->func);
    double r = v[1] / v[0];
    if (nn_net_task(net) == NN_TASK_REGRESS && (s = global_r2(c, net, d, v[0], &r)) != NN_OK)
        return s;
    if (score)
        *score = r;
    if (mean_loss)
        *mean_loss = v[2] / v[0];
    return NN_OK;
}

nn_status nn_net_evaluate_mpi(nn_net *net, const nn_dataset *shard, double *score,
                              double *mean_loss, MPI_Comm comm)
{
    comm_call cc;
    nn_status s = nn__mpi_begin(&cc, comm, "nn_net_evaluate_mpi");
    return s != NN_OK ? s : nn__mpi_end(&cc, evaluate(&cc, net, shard, score, mean_loss));
}
