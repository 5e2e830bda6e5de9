#ifndef NN_FUZZ_COMMON_H
#define NN_FUZZ_COMMON_H

/* Shared by the libFuzzer targets (fuzz_*.c), their replay driver
 * (replay_main.c, which runs the same LLVMFuzzerTestOneInput without
 * libFuzzer) and the seed corpus writer (make_corpus.c). */
#include <stddef.h>
#include <stdint.h>

#include "nn.h"

/* The entry point every target defines (libFuzzer's name and signature). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stop the run with a crash libFuzzer reports: an API contract was broken
 * (e.g. an output changed on error, or an empty error message). */
#define FUZZ_CHECK(cond)                                                        \
    do {                                                                        \
        if (!(cond))                                                            \
            fuzz_fail(__FILE__, __LINE__, #cond);                               \
    } while (0)
void fuzz_fail(const char *file, int line, const char *what);

/* Write data to this process's scratch file (created on first use under
 * $TMPDIR, else /dev/shm, else /tmp; removed at exit) and return its path:
 * libnn's loaders take paths. */
const char *fuzz_write_temp(const uint8_t *data, size_t size);

/* A status a loader may return for bad input, with a non-empty message. */
void fuzz_check_failure(nn_status s);

/* ---- fuzz_csv input: 5 option bytes, then the file ----------------------- */

#define FUZZ_CSV_HEADER 5
/* Decode the options from the first FUZZ_CSV_HEADER bytes; *use_null is set
 * when the target should pass opt = NULL (the defaults). */
void fuzz_csv_decode(const uint8_t h[FUZZ_CSV_HEADER], nn_csv_options *opt, int *use_null);
/* The header bytes that decode to o (every ordinary option value: label
 * column -2..15, delimiter one of ",;\t |:." or 0, n_targets 0..5,
 * ignore_column 0..5). */
void fuzz_csv_encode(uint8_t h[FUZZ_CSV_HEADER], const nn_csv_options *o);

/* ---- model files ------------------------------------------------------- */

/* Rewrite the trailing FNV-1a 64 checksum of a model file image (the last
 * 8 bytes, over every byte before them), so mutated files get past the
 * checksum to the code behind it. No-op below 8 bytes. */
void fuzz_fix_checksum(uint8_t *file, size_t size);

/* Load the model file image data[0..size) with its checksum made right
 * (through fuzz_write_temp, whose path goes to *path when not NULL): the
 * net, or NULL after checking that the failure explains itself. */
nn_net *fuzz_load_fixed(const uint8_t *data, size_t size, const char **path);

/* fuzz_predict input: u16 little-endian model length, the model file, then
 * the bytes rows and labels are drawn from. */
#define FUZZ_PREDICT_HEADER 2

#endif
