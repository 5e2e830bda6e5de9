#ifndef NN_MPI_H
#define NN_MPI_H

/* libnn_mpi: data-parallel training over MPI.
 *
 * An optional component, built when libnn is configured with NN_WITH_MPI
 * (CMake target nn::mpi, pkg-config nn-mpi); it links libnn and the MPI
 * library, and the core libnn keeps no MPI dependency. This is the only
 * libnn header that includes <mpi.h>; nn.h does not include it.
 *
 * Usage: every rank of a communicator builds a net of the same architecture
 * (its parameters need not agree: rank 0's are broadcast), loads its own
 * shard of the data, and calls nn_net_fit_mpi with the same options:
 *
 *     MPI_Init(&argc, &argv);
 *     int rank, size;
 *     MPI_Comm_rank(MPI_COMM_WORLD, &rank);
 *     MPI_Comm_size(MPI_COMM_WORLD, &size);
 *     nn_dataset shard;    // this rank's contiguous part of the file
 *     nn_load_csv_mpi(&shard, "big.csv", NULL, MPI_COMM_WORLD);
 *     nn_net *net;         // same config on every rank
 *     nn_net_create(&net, &cfg);
 *     nn_train_options o = nn_train_defaults();
 *     o.batch_size = 32;   // per rank: a step reduces size * 32 rows
 *     nn_status s = nn_net_fit_mpi(net, &shard, &o, MPI_COMM_WORLD);
 *     if (s == NN_OK && rank == 0) nn_net_save(net, "m.nnet");
 *     ...
 *     MPI_Finalize();
 *
 * libnn never calls MPI_Init, MPI_Finalize, MPI_Abort or exit. docs/mpi.md
 * has the command line (`mpirun -np 4 nn train --mpi ...`), the measured
 * cost of a step and a cost model for more nodes. */

#include <mpi.h>

#include "nn/data.h"
#include "nn/export.h"
#include "nn/net.h"
#include "nn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Data-parallel nn_net_fit: every rank of comm calls it with its own shard
 * and the same options (and the same scaler on the net, if any).
 *
 * Rank 0's parameters are broadcast first. Each step every rank takes
 * opt->batch_size rows of its (shuffled) shard, computes the gradient of the
 * SUM of the loss over them, and one MPI_Allreduce (MPI_SUM on MPI_DOUBLE,
 * in place) over one flat buffer [gradients, row count, loss sum] (the
 * net's n_params + 2 doubles) gives every rank
 *     g = (1 / R) * sum over ranks r of sum over rows i of rank r's batch of
 *         dloss_i/dparams,       R = rows of the step over all ranks
 * (for MULTILABEL / REGRESS, R also counts the outputs), exactly the mean
 * gradient one process computes on the concatenated batch (up to rounding).
 * Every rank then applies the same optimizer update (SGD, momentum or Adam,
 * with weight decay), so the parameters stay identical on every rank (this
 * relies on MPI_Allreduce giving every rank the same bits, which Open MPI
 * and MPICH do for MPI_SUM on doubles; the MPI standard recommends it).
 * The global batch is therefore (number of ranks) x batch_size rows; scale
 * the learning rate accordingly, or divide batch_size by the rank count to
 * keep a single-process run's batch.
 *
 * Unequal shards: steps per epoch = ceil(largest shard / batch_size); a
 * rank whose shard is used up for the epoch (or empty) contributes no rows,
 * so smaller shards are not repeated. At least one shard must hold a row.
 * Validation (opt->validation, or opt->validation_fraction of each shard):
 * every rank scores its own validation set, and loss and score are averaged
 * weighted by rows (R^2 for REGRESS: the row-weighted mean of the ranks'
 * R^2, an approximation); either every rank has a validation set or none.
 * Early stopping, an on_epoch stop on any rank, a NaN loss or failures are
 * agreed on by a reduction, so every rank returns the same status and ends
 * with the same parameters. on_epoch is called on every rank, with the
 * same statistics (train_loss is the mean over all ranks' rows).
 *
 * Collectives per call: a few at the start, one per step, and one or two
 * per epoch, all on comm; no other communication on comm may run
 * concurrently from another thread. For the call's duration comm's error
 * handler is MPI_ERRORS_RETURN (the previous one is restored), so an MPI
 * failure becomes NN_EIO instead of aborting the job. A failing transport
 * may still leave other ranks waiting inside MPI; libnn cannot prevent that.
 *
 * @param net   the rank's net; the same architecture and task on every rank
 * @param shard this rank's rows (labels or targets as for nn_net_fit); may
 *              have 0 rows (x.data NULL, x.cols = n_inputs)
 * @param opt   the same options on every rank (seed included: each rank
 *              derives its own shuffling stream from seed and its rank)
 * @param comm  an intra-communicator; MPI must be initialized
 * @return NN_OK on every rank, or the same error on every rank:
 *         NN_EINVAL when MPI is not initialized (or already finalized),
 *         comm is MPI_COMM_NULL or an inter-communicator (these three are
 *         detected by each rank alone, before any communication), a NULL
 *         argument or invalid options or shard on any rank, every shard
 *         empty, or validation on only some ranks; NN_ESHAPE for a shard of
 *         the wrong width; NN_ENUMERIC for NaN or +-inf in any rank's shard,
 *         or when the loss or a weight becomes NaN or infinite (weights
 *         restored to the end of the last finite epoch on every rank);
 *         NN_ENOMEM; NN_EIO when an MPI call fails (nn_last_error() gives
 *         MPI's error string). */
NN_API nn_status nn_net_fit_mpi(nn_net *net, const nn_dataset *shard, const nn_train_options *opt,
                                MPI_Comm comm);

/* Collective nn_scaler_fit over the rows of x of every rank of comm
 * (nn_scaler_fit_distributed over MPI): every rank gets the scaler of all
 * the rows, as nn_net_fit_mpi needs the same scaler everywhere. x may have
 * 0 rows on some ranks (x.data NULL, x.cols the width).
 * @return as nn_scaler_fit_distributed, the same on every rank; NN_EIO when
 *         an MPI call fails; MPI not initialized, MPI_COMM_NULL or an
 *         inter-communicator: NN_EINVAL before any communication. */
NN_API nn_status nn_scaler_fit_mpi(nn_scaler *s, nn_mat x, MPI_Comm comm);

/* Collective: check that the shards of every rank of comm describe the
 * same data before they are used together, and fail alike on every rank
 * when they do not (ranks may have read different files).
 *
 * Compared with rank 0's shard: the number of features (x.cols), what the
 * rows carry (class labels, targets or nothing), the number of targets
 * (t.cols) and, for string labels, the class names (the same names in the
 * same order; a rank whose file names other classes is an error, never a
 * silent renumbering). Integer labels: every rank's n_classes becomes the
 * largest over the ranks, so that every rank builds the same net. An empty
 * shard (0 rows) takes part with what its file said (x.cols, n_classes,
 * t.cols, class_names, as nn_dataset_shard leaves them).
 *
 * @return NN_OK on every rank, or on every rank the status and the
 *         nn_last_error() text of the lowest rank that disagrees, e.g.
 *         "nn_dataset_agree_mpi: rank 2's data has 3 features, rank 0's has
 *         4": NN_ESHAPE (features, targets), NN_EINVAL (labels against
 *         targets, a NULL shard), NN_EFORMAT (class names or their count),
 *         NN_ENOMEM; NN_EIO when an MPI call fails. MPI not initialized,
 *         MPI_COMM_NULL or an inter-communicator: NN_EINVAL before any
 *         communication, as nn_net_fit_mpi. */
NN_API nn_status nn_dataset_agree_mpi(nn_dataset *shard, MPI_Comm comm);

/* Collective nn_net_evaluate over the rows of every rank's shard (a shard
 * may be empty): the score and mean loss one process gets from
 * nn_net_evaluate on the concatenation of the shards, up to rounding:
 * accuracy and subset accuracy from the ranks' row counts, the mean loss
 * weighted by rows, R^2 (REGRESS) from sums over the ranks (the global mean
 * of each output first, then the squared deviations about it). Every rank
 * gets the same values. net: the same parameters on every rank.
 *
 * @return NN_OK on every rank, or the same status on every rank: a rank's
 *         own failure (nn_net_evaluate's: NN_ESHAPE, NN_EINVAL,
 *         NN_ENUMERIC, NN_ENOMEM) with that rank's message; NN_EINVAL when
 *         every shard is empty; NN_EIO when an MPI call fails. score or
 *         mean_loss may be NULL. */
NN_API nn_status nn_net_evaluate_mpi(nn_net *net, const nn_dataset *shard, double *score,
                                     double *mean_loss, MPI_Comm comm);

/* Collective CSV loading: every rank of comm calls it with the same path
 * and options, and each parses only its own contiguous part of the file,
 * so a rank's memory follows its part, not the file.
 *
 * The file's S bytes are cut into size contiguous byte ranges (rank r:
 * [r q + min(r, m), (r + 1) q + min(r + 1, m)), q = S / size, m = S % size)
 * and a rank keeps the rows whose lines start in its range. So every row
 * of the file is on exactly one rank, and rank 0's rows, then rank 1's,
 * ..., are the file's rows in order; a rank may have none (a file smaller
 * than the rank count). The header and the first data line (the width and
 * where the labels are) are read by every rank from the file's start. A
 * quoted field cannot span lines (as for nn_load_csv), so a range that
 * starts inside a quoted field starts inside a line, which is the rank's
 * before it.
 *
 * Then the ranks agree on what nn_load_csv decides from the whole file:
 * CLASSIFY labels are integers only when every rank's are, n_classes being
 * the largest over all ranks + 1 (at least 2); otherwise they are strings,
 * the classes the sorted union of every rank's names (class_names the same
 * on every rank, y numbered into it): nn_load_csv's numbering. The width
 * and what the rows carry are checked as nn_dataset_agree_mpi checks them.
 * The ranks must read the same file: its size and first 64 KiB are
 * compared with rank 0's.
 *
 * @param out  this rank's rows, an owned data set (free with
 *             nn_dataset_free); 0 rows: x.data NULL, x.cols the features,
 *             n_classes, t.cols and class_names as for the file
 * @param path a regular file (a stream cannot be cut into ranges: use
 *             nn_load_csv)
 * @param opt  as nn_load_csv's (NULL: nn_csv_defaults()); the same on every
 *             rank
 * @param comm an intra-communicator; MPI must be initialized
 * @return NN_OK on every rank, or the same status on every rank: the
 *         failing rank (the lowest, if several) has its own message, e.g.
 *         "big.csv:1834:3: expected a number, found 'x'" with the file's
 *         real line, the others "nn_load_csv_mpi: rank 1 failed: big.csv:
 *         1834:3: ..."; the statuses of nn_load_csv (NN_EINVAL, NN_EIO,
 *         NN_EFORMAT, NN_ENOMEM: a rank's part is limited to half of its
 *         machine's memory), NN_EINVAL when a rank's file is not rank 0's,
 *         NN_EIO for a path that is not a regular file or when an MPI call
 *         fails. MPI not
 *         initialized, MPI_COMM_NULL or an inter-communicator: NN_EINVAL
 *         before any communication. *out is written only on success. */
NN_API nn_status nn_load_csv_mpi(nn_dataset *out, const char *path, const nn_csv_options *opt,
                                 MPI_Comm comm);

#ifdef __cplusplus
}
#endif

#endif /* NN_MPI_H */
