#ifndef NN_CSV_INTERNAL_H
#define NN_CSV_INTERNAL_H

/* For the CSV loader's files (csv.c, csv_read.c, csv_number.c,
 * csv_labels.c) and the tests that reach their internals. */

#include "internal.h"

/* Read all of path into a new NUL-terminated buffer (*len bytes before the
 * NUL), refusing more than max_bytes: a regular file by its fstat size,
 * before reading; a stream (FIFO, device, stdin) once that much has been
 * read. A NUL byte (binary content, /dev/zero) stops the reading at the
 * chunk that holds it: NN_EFORMAT naming its line and field. */
nn_status nn__csv_read(const char *path, size_t max_bytes, char delim, char **out, size_t *len);

/* The loader's budget: the most bytes a CSV file may have, half of this
 * machine's physical memory (at least 64 MiB). */
size_t nn__csv_budget(void);

/* Number the distinct strings of text[0..n) in sorted (strcmp) order, as
 * nn_load_csv numbers string labels: y[i] = the rank of text[i], *names =
 * copies of the distinct strings in that order (n_names of them). *probes
 * (when not NULL) gets the number of hash-table slots looked at, which a
 * keyed hash keeps near n whatever the strings. */
nn_status nn__csv_string_classes(const char *path, char *const *text, size_t n, int32_t *y,
                                 char ***names, size_t *n_names, size_t *probes);

/* Parse s[0..len) as a finite decimal number into *out: digits, one point,
 * a sign and an exponent only (no hex, "nan", "inf" or blanks), rounded as
 * strtod rounds. Returns 1, or 0 (and *out untouched) for anything else. */
int nn__csv_parse_number(const char *s, size_t len, double *out);

/* NN_EFORMAT at the line and field of the NUL byte at nul in text (the
 * file's first byte at text; fields split at delim, quotes respected). */
nn_status nn__csv_nul_fail(const char *path, char delim, const char *text,
                          const char *nul);

#endif /* NN_CSV_INTERNAL_H */
