#ifndef NN_LIB_DATASET_H
#define NN_LIB_DATASET_H

/* For the files that build or check data sets and class names (data.c,
 * csv.c, shard.c, lib/net/): helpers of data.c. */

#include "internal.h"

/* A valid data set: a valid view x; targets t, if any, a valid view with as
 * many rows; labels y, if any, every one in [0, n_classes). Whether the set
 * has what a net needs is checked by the net. */
nn_status nn__dataset_check(const nn_dataset *d, const char *func);
/* Allocate x (rows x cols, zeroed) and y; *d is written only on success. */
nn_status nn__dataset_alloc(nn_dataset *d, size_t rows, size_t cols, size_t n_classes);
/* A copy of n strings (NULL on allocation failure); free with
 * nn__strings_free(names, n), which accepts NULL. */
char **nn__strings_dup(const char *const *names, size_t n);
void nn__strings_free(char **names, size_t n);

#endif /* NN_LIB_DATASET_H */
