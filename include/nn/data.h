#ifndef NN_DATA_H
#define NN_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "nn/export.h"
#include "nn/matrix.h"
#include "nn/status.h"
#include "nn/task.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A data set: x is n_samples x n_features (owned, from nn_mat_alloc), and
 * either labels or targets:
 *   y   n_samples class labels in [0, n_classes) (classification), or NULL
 *   t   n_samples x n_targets real targets (multi-label 0/1, or regression
 *       values), owned; t.data is NULL for a labelled set
 *   class_names  n_classes names (owned, NUL-terminated) when the labels were
 *       strings in the file, else NULL
 * For a data set with targets, n_classes = t.cols. A data set with neither y
 * nor t holds only features (nn_csv_options.no_labels). Release with
 * nn_dataset_free. */
typedef struct nn_dataset {
    nn_mat x;
    int32_t *y;
    size_t n_classes;
    /* v2 */
    nn_mat t;
    char **class_names;
} nn_dataset;

/* scikit-learn's make_moons: n_samples/2 (rounded down) points on the upper
 * half circle (cos t, sin t), t = linspace(0, pi), class 0; the rest on the
 * lower one (1 - cos t, 0.5 - sin t), class 1; rows shuffled; then N(0, noise^2)
 * added to every coordinate. Deterministic for a given seed (libnn's own RNG,
 * so the points differ from scikit-learn's, the distribution does not).
 * @return NN_OK; NN_EINVAL for NULL out, n_samples < 2, noise < 0 or not
 *         finite, or a noise so large that a point overflows ("noise 1e+308
 *         is too large: row 15 is not finite", the first such row);
 *         NN_ENOMEM. *out is written only on success. */
NN_API nn_status nn_make_moons(nn_dataset *out, size_t n_samples, double noise, uint64_t seed);

/* Shuffle the rows of all (seeded) and put round(test_fraction * n) of them
 * (at least 1, at most n - 1) in *test and the rest in *train, both new
 * owned copies (features, labels or targets, and class names).
 * scikit-learn's default is test_fraction = 0.25.
 * @return NN_OK; NN_EINVAL for NULL pointers, an invalid data set, fewer than
 *         2 rows, or test_fraction outside (0, 1); NN_ENOMEM. */
NN_API nn_status nn_train_test_split(const nn_dataset *all, double test_fraction, uint64_t seed,
                                     nn_dataset *train, nn_dataset *test);

/* As nn_train_test_split, but each class is split in the same proportion.
 * A data set without labels (targets only) is split as nn_train_test_split. */
NN_API nn_status nn_train_test_split_stratified(const nn_dataset *all, double test_fraction,
                                                uint64_t seed, nn_dataset *train,
                                                nn_dataset *test);

/* *out = an n x n_classes matrix (allocated here, free with nn_mat_free) with
 * out[i, labels[i]] = 1 and 0 elsewhere.
 * @return NN_OK; NN_EINVAL for NULL pointers, n or n_classes 0, or a label
 *         outside [0, n_classes); NN_ENOMEM. */
NN_API nn_status nn_one_hot(const int32_t *labels, size_t n, size_t n_classes, nn_mat *out);

/* How nn_load_csv reads a file. A zeroed v2 field means v1 behaviour. */
typedef struct nn_csv_options {
    long label_column; /* 0-based column holding the label (the first target
                          column); -1 = the last column (the last n_targets) */
    bool has_header;   /* skip the first line */
    char delimiter;    /* field separator, e.g. ',' (0 means ',') */
    /* v2 */
    nn_task task;      /* how to read the label column(s); CLASSIFY by default */
    size_t n_targets;  /* MULTILABEL / REGRESS: consecutive target columns from
                          label_column; 0 means 1 */
    bool no_labels;    /* every column is a feature (data to predict on) */
    size_t ignore_column; /* 1-based number of a column to skip entirely (row
                          ids, names); 0 = none. label_column counts it. */
} nn_csv_options;

/* { label_column = -1, has_header = false, delimiter = ',', CLASSIFY,
 *   n_targets = 1, no_labels = false, ignore_column = 0 (none) } */
NN_API nn_csv_options nn_csv_defaults(void);

/* Load a CSV: one row per line, the same number of fields on every line.
 * Feature fields are decimal numbers (no hex, nan or inf). The label
 * column(s), by task:
 *   CLASSIFY    integers in [0, 65535] ("3" or "3.0"; n_classes = max + 1,
 *               at least 2), or strings: then the classes are the distinct
 *               strings in sorted (strcmp) order, y their indices, and
 *               class_names their names (n_classes = their count, which may
 *               be 1: whether that is enough is the caller's decision). A
 *               column is read as strings when any of its fields is not a
 *               number; numbers in it are then names too ("3.0" stays
 *               "3.0"). An empty label is an error.
 *   MULTILABEL  n_targets columns of 0 or 1, into t; n_classes = n_targets
 *   REGRESS     n_targets columns of finite numbers, into t;
 *               n_classes = n_targets
 * With no_labels every field is a feature: y, t.data and class_names are
 * NULL and n_classes is 0; label_column and n_targets are not used (the
 * NN_EINVAL checks below still apply). ignore_column skips one column of
 * any text (row ids) everywhere; it must not be a label column. There must
 * be at least one feature column. Blank lines are skipped (the header
 * is the first line that is not blank); CRLF line ends are accepted, and a
 * UTF-8 byte order mark at the file's start is skipped; blanks
 * around fields are ignored. A field may be double-quoted, as in RFC 4180:
 * the delimiter is then part of the field, "" stands for one quote, blanks
 * inside the quotes are kept, but a quoted field cannot span lines. opt may
 * be NULL for the defaults.
 * Memory: a regular file is read through a 1 MiB window in two passes
 * (count the data lines, then parse into the data set, allocated once), so
 * loading needs the data set plus the window (and the distinct label
 * names), not the file; a stream (pipe, /dev/stdin, a device) is read into
 * memory first. Either may be at most half of the machine's memory
 * (NN_ENOMEM before reading a larger regular file). A regular file that
 * loses lines between the passes is NN_EIO.
 * @return NN_OK; NN_EINVAL for NULL out or path, or an option that is wrong
 *         for any file (label_column < -1, task out of range, n_targets > 1
 *         with CLASSIFY, delimiter '"', '\n', '\r', '.', '+', '-' or a
 *         digit), with "nn_load_csv: ..." naming the option; NN_EIO if the
 *         file cannot be opened or read; NN_EFORMAT for an empty file, a
 *         ragged row, a field that is not a number, a bad label or target, a
 *         quote error, a NUL byte, or a label_column / n_targets /
 *         ignore_column that does not fit the rows (reported at field 1 of the first data row), with
 *         "path:line:field: reason" in nn_last_error() (line and field
 *         1-based; field counts the delimited fields of the line, so it is
 *         the column a spreadsheet shows). A bad field is quoted in the
 *         reason, cut after 20 bytes: "iris.csv:17:3: expected a number,
 *         found 'abc'". A ragged row points at its first extra or first
 *         missing field: "data.csv:4:6: expected 5 fields, found 6";
 *         NN_ENOMEM. *out is written only on success. */
NN_API nn_status nn_load_csv(nn_dataset *out, const char *path, const nn_csv_options *opt);

/* NumPy .npy files: format 1.0-3.0, C order; little- or big-endian
 * f8 f4 i8 i4 i2 i1 u1 b1; a 1-D array is n x 1. Fortran order, object arrays and
 * anything else are NN_EFORMAT with the reason. Row ranges read only their bytes.
 *
 * nn_load_npy: *out = the whole array as doubles, rows x cols (a 1-D array of n
 * elements: n x 1), allocated as nn_mat_alloc allocates (ld = cols; free with
 * nn_mat_free). An array of 0 rows gives {NULL, 0, cols, cols}, which
 * nn_mat_free accepts. Every value must be finite, and an i8 value within
 * +-2^53 (so the double holds it exactly); b1 is 0 or 1. The header (at most
 * 64 KiB), the shape (1-D or 2-D, at least one column, rows and columns at
 * most INT_MAX) and the file's size are checked before anything is allocated.
 * @return NN_OK; NN_EINVAL for NULL out or path; NN_EIO if the file cannot be
 *         opened or read, or is not a regular file; NN_EFORMAT for a file
 *         that is not a supported .npy (bad magic or version, a malformed,
 *         truncated or oversized header, a missing key, Fortran order, an
 *         unsupported dtype, a 0-D or 3-D+ shape, no columns, truncated data
 *         or trailing bytes); NN_ENUMERIC for a NaN or infinite value or an
 *         i8 beyond 2^53 (naming its 0-based row and column); NN_ENOMEM.
 *         nn_last_error() names the path: "x.npy: truncated data: ...".
 *         *out is written only on success. */
NN_API nn_status nn_load_npy(nn_mat *out, const char *path);
/* As nn_load_npy, but only rows [first_row, first_row + n_rows), read with
 * pread from their place in the file: *out is n_rows x cols (n_rows 0 gives
 * the empty {NULL, 0, cols, cols}). Only the header and these rows are read
 * and checked.
 * @return as nn_load_npy; also NN_EINVAL for a range past the array's rows
 *         ("nn_load_npy_rows: x.npy: 4 rows from row 8 are out of range: the
 *         file has 10"). *out is written only on success. */
NN_API nn_status nn_load_npy_rows(nn_mat *out, const char *path, size_t first_row,
                                  size_t n_rows);
/* Write m (its rows x cols elements; a view with ld > cols writes only the cols
 * of each row) to path as NumPy writes a C-order float64 array: '<f8', format
 * 1.0, the header padded with spaces and ended with '\n' so that the data
 * starts at a multiple of 64 bytes. The file is replaced atomically (a
 * temporary file beside it, renamed over it), so a failure leaves the old
 * file intact. m is not modified.
 * @return NN_OK; NN_EINVAL for a NULL or empty path or an invalid view
 *         (NULL data, a zero dimension, ld < cols, a dimension above
 *         INT_MAX); NN_ENUMERIC for a NaN or infinite element (which
 *         nn_load_npy would refuse); NN_EIO if the file cannot be written;
 *         NN_ENOMEM. */
NN_API nn_status nn_save_npy(const char *path, nn_mat m);                 /* little-endian f8 */
/* x_path: n x F features; y_path: CLASSIFY n integer labels (1-D, or n x 1), MULTILABEL
 * and REGRESS n x T targets (1-D: T = 1); n_classes set as nn_load_csv sets it.
 *
 * Both files are read as nn_load_npy reads them (any supported dtype). *out
 * gets x (owned), and by task:
 *   CLASSIFY    y: whole numbers (an integer dtype, or floats holding whole
 *               values) in [0, 65535]; n_classes = max + 1, at least 2
 *   MULTILABEL  t = the targets, every one 0 or 1; n_classes = T
 *   REGRESS     t = the targets (finite, as every loaded value); n_classes = T
 * class_names is NULL. Release with nn_dataset_free.
 * @return NN_OK; NN_EINVAL for NULL pointers or a task out of range, and as
 *         nn_load_npy for either file; NN_ESHAPE when the files' row counts
 *         differ ("nn_load_npy_dataset: x.npy has 100 rows but y.npy has
 *         99"); NN_EFORMAT for x with no rows, CLASSIFY labels of more than
 *         one column, a label that is not a whole number in [0, 65535] or a
 *         multilabel target not 0 or 1 (naming the file and its 0-based row);
 *         NN_EIO, NN_ENUMERIC, NN_ENOMEM as nn_load_npy. *out is written only
 *         on success. */
NN_API nn_status nn_load_npy_dataset(nn_dataset *out, const char *x_path, const char *y_path,
                                     nn_task task);

/* One participant's shard for data-parallel training (nn/mpi.h): the rows
 * rank, rank + size, rank + 2 size, ... of all (row i goes to rank
 * i % size), in their order, as a new owned data set. The shards of one set
 * partition its rows and differ in size by at most one. Labels or targets,
 * n_classes and class names are copied, so every shard agrees on them.
 * When rank >= rows the shard is empty: x (and t, for targets) has 0 rows,
 * the same columns and data NULL, and y is NULL; nn_dataset_free accepts it.
 * @return NN_OK; NN_EINVAL for NULL pointers, an invalid data set, size 0 or
 *         rank >= size; NN_ENOMEM. *out is written only on success. */
NN_API nn_status nn_dataset_shard(const nn_dataset *all, size_t rank, size_t size,
                                  nn_dataset *out);

/* nn_load_csv(path, opt) then nn_dataset_shard(rank, size): the rows
 * i % size == rank of the file, counting data lines from 0 (header and
 * blank lines not counted). The whole file is parsed by every caller, so
 * that string labels get the same class numbers in every shard; a caller
 * needs memory for the whole data set once, while it is being loaded.
 * nn_load_csv_mpi (nn/mpi.h) parses only each rank's part.
 * @return as nn_load_csv and nn_dataset_shard. */
NN_API nn_status nn_load_csv_shard(nn_dataset *out, const char *path, const nn_csv_options *opt,
                                   size_t rank, size_t size);

/* Renumber d's labels so that label k means names[k]: each row's class is
 * looked up by name (strcmp) among names[0 .. n_names), and d's class names
 * become a copy of names, n_classes = n_names. Use it to give a test set
 * read from another file the class numbers of the training set (string
 * labels are numbered by sorting each file's own set), or of a model
 * (nn_net_class_name). A class of d that no row has is dropped. An empty
 * data set (no rows, as an empty nn_dataset_shard) only takes the names.
 * @return NN_OK; NN_EINVAL for NULL pointers, n_names 0 or above INT32_MAX,
 *         a NULL name, an invalid data set, a data set without named classes
 *         (numeric labels or none), or a row whose class is not among names:
 *         "nn_dataset_match_classes: row 2 has the class 'middle', which
 *         names lacks" (rows 1-based); NN_ENOMEM. On failure d is unchanged. */
NN_API nn_status nn_dataset_match_classes(nn_dataset *d, const char *const *names,
                                          size_t n_names);

/* The text of one column of every data row of a CSV file, split as
 * nn_load_csv splits fields (opt's has_header and delimiter; the same
 * quoting, blank, blank-line and line-end rules; a field of any length), for
 * row ids or names beside nn_load_csv's numbers. column is 1-based; 0 reads
 * no text, only the counts. *texts (when column > 0) = *n_rows owned
 * strings, free with nn_csv_column_free; *n_fields = the fields of a row.
 * texts may be NULL when column is 0; n_rows and n_fields may be NULL.
 * @return NN_OK; NN_EINVAL for NULL path, a bad delimiter (as nn_load_csv),
 *         or a NULL texts with column > 0; NN_EIO if the file cannot be
 *         read; NN_EFORMAT as nn_load_csv for an empty file, a ragged row, a
 *         quote error or a NUL byte, and for a column beyond the rows'
 *         fields; NN_ENOMEM. The outputs are written only on success. */
NN_API nn_status nn_csv_read_column(const char *path, const nn_csv_options *opt, size_t column,
                                    char ***texts, size_t *n_rows, size_t *n_fields);
/* Free what nn_csv_read_column returned. Accepts NULL. */
NN_API void nn_csv_column_free(char **texts, size_t n_rows);

/* Release a data set's storage and zero it. Accepts NULL, and a zeroed or
 * already freed data set. */
NN_API void nn_dataset_free(nn_dataset *d);

/* Per-feature standardization, z = (x - mean) / scale. Fit on the training
 * set, apply the same to training, test and any later input. */
typedef struct nn_scaler {
    size_t n_features;
    double *mean;  /* n_features, owned */
    double *scale; /* n_features, owned; the standard deviation, or 1 where it is 0 */
} nn_scaler;

/* Fit *s to the columns of x. *s is output only (its old content is not
 * read or freed); release it with nn_scaler_free.
 * @return NN_OK; NN_EINVAL for NULL s, an invalid view, or non-finite data;
 *         NN_ENOMEM. */
NN_API nn_status nn_scaler_fit(nn_scaler *s, nn_mat x);
/* x = (x - mean) / scale, in place.
 * @return NN_OK; NN_EINVAL for a NULL or unfitted scaler; NN_ESHAPE if
 *         x.cols != s->n_features. */
NN_API nn_status nn_scaler_apply(const nn_scaler *s, nn_mat x);
/* Accepts NULL and a zeroed or already freed scaler. */
NN_API void nn_scaler_free(nn_scaler *s);

#ifdef __cplusplus
}
#endif

#endif /* NN_DATA_H */
