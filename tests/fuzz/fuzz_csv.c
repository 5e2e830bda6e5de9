/* Fuzz target: nn_load_csv on any bytes, under any combination of options
 * (decoded from the first FUZZ_CSV_HEADER bytes, see fuzz_common.c), then
 * the data functions on whatever loaded. Checks the loader's contract: a
 * failure leaves *out as it was and explains itself; a success gives a
 * consistent data set (labels in range, targets or labels as the options
 * ask) that the rest of the API accepts. */
#include <math.h>
#include <string.h>

#include "csv_internal.h"
#include "fuzz_common.h"

/* Read every element the data set claims to have (ASan checks the reads)
 * and check its invariants. */
static void check_dataset(const nn_dataset *d)
{
    FUZZ_CHECK(d->x.data && d->x.rows > 0 && d->x.ld >= d->x.cols);
    double sum = 0;
    for (size_t i = 0; i < d->x.rows; i++)
        for (size_t j = 0; j < d->x.cols; j++)
            sum += d->x.data[i * d->x.ld + j];
    (void)sum;
    if (d->y)
        for (size_t i = 0; i < d->x.rows; i++)
            FUZZ_CHECK(d->y[i] >= 0 && (size_t)d->y[i] < d->n_classes);
    if (d->t.data) {
        FUZZ_CHECK(d->t.rows == d->x.rows && d->t.ld >= d->t.cols);
        for (size_t i = 0; i < d->t.rows; i++)
            for (size_t j = 0; j < d->t.cols; j++)
                FUZZ_CHECK(isfinite(d->t.data[i * d->t.ld + j]));
    }
    if (d->class_names)
        for (size_t k = 0; k < d->n_classes; k++)
            FUZZ_CHECK(d->class_names[k] != NULL && strlen(d->class_names[k]) < (1u << 30));
}

/* The rest of the data API on a loaded set: split, stratified split,
 * shards, scaler. Each either works or fails cleanly. */
static void use_dataset(const nn_dataset *d)
{
    nn_status (*const split[2])(const nn_dataset *, double, uint64_t, nn_dataset *,
                                nn_dataset *) = {nn_train_test_split,
                                                 nn_train_test_split_stratified};
    for (int k = 0; k < 2; k++) {
        nn_dataset train, test;
        nn_status s = split[k](d, 0.25 * (k + 1), (uint64_t)k, &train, &test);
        if (s == NN_OK) {
            FUZZ_CHECK(train.x.rows + test.x.rows == d->x.rows);
            nn_dataset_free(&train);
            nn_dataset_free(&test);
        } else {
            fuzz_check_failure(s);
        }
    }
    /* Shards of 1..3 participants partition the rows. */
    for (size_t size = 1; size <= 3; size++) {
        size_t rows = 0;
        for (size_t rank = 0; rank < size; rank++) {
            nn_dataset part;
            nn_status s = nn_dataset_shard(d, rank, size, &part);
            if (s != NN_OK) {
                fuzz_check_failure(s);
                FUZZ_CHECK(s == NN_ENOMEM);
                return;
            }
            rows += part.x.rows;
            FUZZ_CHECK(part.n_classes == d->n_classes);
            nn_dataset_free(&part);
        }
        FUZZ_CHECK(rows == d->x.rows);
    }
    nn_scaler sc;
    nn_status s = nn_scaler_fit(&sc, d->x);
    if (s == NN_OK) {
        s = nn_scaler_apply(&sc, d->x);
        FUZZ_CHECK(s == NN_OK);
        nn_scaler_free(&sc);
    } else {
        fuzz_check_failure(s);
    }
}

/* Row i of a against row j of b: the same features, and the same label
 * (by name when a has names; b's pending labels are part names/values). */
static int same_row(const nn_dataset *a, size_t i, const nn__csv_part *b, size_t j)
{
    if (memcmp(a->x.data + i * a->x.ld, b->d.x.data + j * b->d.x.ld, a->x.cols * sizeof(double)))
        return 0;
    if (a->t.data && memcmp(a->t.data + i * a->t.ld, b->d.t.data + j * b->d.t.ld,
                            a->t.cols * sizeof(double)))
        return 0;
    if (!a->y)
        return 1;
    int32_t k = b->d.y[j];
    return a->class_names ? strcmp(a->class_names[a->y[i]], b->names[k]) == 0
                          : a->y[i] == b->values[k];
}

/* The parts of the file cut at 1..2 points (chosen from the data) hold,
 * in order, exactly the whole file's rows; and a small window (chunk
 * from the data) loads what the default one loads. One input in eight
 * takes a window of 1-64 bytes (lines split across many reads: a read per
 * few bytes, slow), the others 4 KiB, so that the target keeps its pace. */
static void check_parts(const char *path, const nn_csv_options *opt, const nn_dataset *d,
                        const uint8_t *data, size_t len)
{
    uint64_t cut[4] = {0, len / 2, UINT64_MAX, UINT64_MAX};
    if (len > 2) {
        cut[1] = data[len - 1] % (len / 2 + 1);
        cut[2] = cut[1] + data[len - 2] % (len - cut[1] + 1);
    }
    size_t row = 0;
    for (int k = 0; k < 3; k++) {
        nn__csv_part part;
        size_t window = len && (data[len / 2] & 7) == 0 ? 1 + (size_t)data[0] % 64 : 4096;
        nn_status s = nn__csv_load_range(&part, path, opt, cut[k], cut[k + 1], window);
        if (s != NN_OK) {
            FUZZ_CHECK(s == NN_ENOMEM);
            return;
        }
        FUZZ_CHECK(part.d.x.cols == d->x.cols && row + part.d.x.rows <= d->x.rows);
        for (size_t i = 0; i < part.d.x.rows; i++, row++)
            FUZZ_CHECK(same_row(d, row, &part, i));
        nn__csv_part_free(&part);
    }
    FUZZ_CHECK(row == d->x.rows);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < FUZZ_CSV_HEADER)
        return 0;
    nn_csv_options opt;
    int use_null;
    fuzz_csv_decode(data, &opt, &use_null);
    const char *path = fuzz_write_temp(data + FUZZ_CSV_HEADER, size - FUZZ_CSV_HEADER);
    nn_dataset d, before;
    memset(&d, 0xA5, sizeof d);
    before = d;
    nn_status s = nn_load_csv(&d, path, use_null ? NULL : &opt);
    if (s != NN_OK) {
        fuzz_check_failure(s);
        FUZZ_CHECK(memcmp(&d, &before, sizeof d) == 0);
        return 0;
    }
    check_dataset(&d);
    check_parts(path, use_null ? NULL : &opt, &d, data + FUZZ_CSV_HEADER, size - FUZZ_CSV_HEADER);
    use_dataset(&d);
    nn_dataset_free(&d);
    return 0;
}
