/* Helpers shared by the fuzz targets; see fuzz_common.h. */
#include "fuzz_common.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: contract broken: %s (last error: \"%s\")\n", file, line, what,
            nn_last_error());
    abort();
}

static char temp_path[256];
static int temp_fd = -1;

static void remove_temp(void)
{
    if (temp_fd >= 0) {
        close(temp_fd);
        unlink(temp_path);
    }
}

const char *fuzz_write_temp(const uint8_t *data, size_t size)
{
    if (temp_fd < 0) {
        /* A file in memory (/dev/shm) is 10x faster than one on disk and
         * spares the disk a write per input; $TMPDIR overrides. */
        const char *dir = getenv("TMPDIR");
        if (!dir || !*dir)
            dir = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(temp_path, sizeof temp_path, "%s/nn_fuzz.XXXXXX", dir);
        temp_fd = mkstemp(temp_path);
        FUZZ_CHECK(temp_fd >= 0);
        atexit(remove_temp);
    }
    FUZZ_CHECK(ftruncate(temp_fd, 0) == 0);
    for (size_t done = 0; done < size;) {
        ssize_t n = pwrite(temp_fd, data + done, size - done, (off_t)done);
        FUZZ_CHECK(n > 0);
        done += (size_t)n;
    }
    return temp_path;
}

void fuzz_check_failure(nn_status s)
{
    FUZZ_CHECK(s == NN_EINVAL || s == NN_EIO || s == NN_EFORMAT || s == NN_ENOMEM ||
               s == NN_ESHAPE || s == NN_ENUMERIC);
    FUZZ_CHECK(nn_last_error()[0] != '\0');
}

/* Byte 0: bit 0 has_header, bit 1 no_labels, bits 2-3 task (3 is not a
 * task: must be refused), bit 4 pass NULL options.
 * Byte 1: label_column: (signed) -2..15 as it is; other values pick one of
 * the extremes below.
 * Byte 2: delimiter: below 0x80 one of DELIMS (0 = default ','); else the
 * byte itself (control characters, digits, '\n', bytes >= 0x80 ...).
 * Byte 3: n_targets: below 0xf0 that value mod 6; else an extreme.
 * Byte 4: ignore_column (1-based, 0 = none): below 0xf0 that value mod 6;
 * else an extreme. */
static const char DELIMS[8] = {0, ',', ';', '\t', ' ', '|', ':', '.'};
static const long LABEL_EXTREMES[3] = {LONG_MAX, LONG_MIN, 1000000};
static const size_t TARGET_EXTREMES[3] = {SIZE_MAX, (size_t)INT_MAX + 1, 65536};

void fuzz_csv_decode(const uint8_t h[FUZZ_CSV_HEADER], nn_csv_options *opt, int *use_null)
{
    memset(opt, 0, sizeof *opt);
    opt->has_header = h[0] & 1;
    opt->no_labels = (h[0] >> 1) & 1;
    opt->task = (nn_task)((h[0] >> 2) & 3);
    *use_null = (h[0] >> 4) & 1;
    int lc = (int)(signed char)h[1];
    opt->label_column = lc >= -2 && lc <= 15 ? lc : LABEL_EXTREMES[(unsigned)h[1] % 3];
    opt->delimiter = h[2] < 0x80 ? DELIMS[h[2] % 8] : (char)h[2];
    opt->n_targets = h[3] < 0xf0 ? (size_t)(h[3] % 6) : TARGET_EXTREMES[h[3] % 3];
    opt->ignore_column = h[4] < 0xf0 ? (size_t)(h[4] % 6) : TARGET_EXTREMES[h[4] % 3];
}

void fuzz_csv_encode(uint8_t h[FUZZ_CSV_HEADER], const nn_csv_options *o)
{
    h[0] = (uint8_t)((o->has_header ? 1 : 0) | (o->no_labels ? 2 : 0) |
                     (((unsigned)o->task & 3) << 2));
    h[1] = (uint8_t)(signed char)o->label_column;
    h[2] = 0;
    for (uint8_t i = 0; i < 8; i++)
        if (DELIMS[i] == o->delimiter)
            h[2] = i;
    h[3] = (uint8_t)(o->n_targets % 6);
    h[4] = (uint8_t)(o->ignore_column % 6);
}

void fuzz_fix_checksum(uint8_t *file, size_t size)
{
    if (size < 8)
        return;
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < size - 8; i++) {
        h ^= file[i];
        h *= 0x100000001b3u;
    }
    for (int i = 0; i < 8; i++)
        file[size - 8 + (size_t)i] = (uint8_t)(h >> (8 * i));
}

nn_net *fuzz_load_fixed(const uint8_t *data, size_t size, const char **path)
{
    uint8_t *model = malloc(size ? size : 1);
    FUZZ_CHECK(model != NULL);
    if (size)
        memcpy(model, data, size);
    fuzz_fix_checksum(model, size);
    const char *p = fuzz_write_temp(model, size);
    free(model);
    if (path)
        *path = p;
    nn_net *net = NULL;
    nn_status s = nn_net_load(&net, p);
    if (s != NN_OK) {
        fuzz_check_failure(s);
        return NULL;
    }
    return net;
}
