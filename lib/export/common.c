/* What the export writers share (see writer.h): writing a file atomically,
 * and the check that every value fits the exported type.
 *
 * The file goes to a temporary file created beside the destination (same
 * directory, so the same filesystem, where rename(2) is atomic), which is
 * flushed and fsync'ed, then renamed over it.
 *
 * The temporary file is created with open(O_CREAT | O_EXCL, 0666) under a
 * name of our own rather than with mkstemp, which would give mode 0600: the
 * kernel applies the umask to 0666, so an exported header or model gets the
 * mode any new file of the user gets, and the umask is never read (reading
 * it means setting it, a process-wide race). */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "writer.h"

#define TMP_ATTEMPTS 100

/* Create path + ".tmp.<pid>.<n>" exclusively; a name that exists already
 * (a concurrent export, a leftover) is skipped. The suffix mixes the clock
 * with the attempt number so that two threads of one process differ too.
 * @return the descriptor, or -1 with errno set. */
static int create_tmp(char *tmp, size_t cap, const char *path)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (uintptr_t)tmp;
    for (int i = 0; i < TMP_ATTEMPTS; i++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        snprintf(tmp, cap, "%s.tmp.%ld.%06x", path, (long)getpid(),
                 (unsigned)(seed >> 40) & 0xffffffu);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

nn_status nn__export_open(nn__export_file *ef, const char *path, const char *func)
{
    memset(ef, 0, sizeof *ef);
    if (!path || !*path)
        return nn__fail(NN_EINVAL, "%s: path is %s", func, path ? "empty" : "NULL");
    size_t cap = strlen(path) + 48;
    char *tmp = malloc(cap);
    if (!tmp)
        return nn__fail(NN_ENOMEM, "%s: out of memory", func);
    int fd = create_tmp(tmp, cap, path);
    if (fd < 0) {
        nn_status s = nn__fail(NN_EIO, "%s: cannot create a temporary file beside %s: %s", func,
                               path, strerror(errno));
        free(tmp);
        return s;
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        nn_status s = nn__fail(NN_EIO, "%s: %s: %s", func, path, strerror(errno));
        close(fd);
        unlink(tmp);
        free(tmp);
        return s;
    }
    ef->f = f;
    ef->func = func;
    ef->path = path;
    ef->tmp = tmp;
    return NN_OK;
}

nn_status nn__export_commit(nn__export_file *ef)
{
    int err = ferror(ef->f) != 0;
    int saved = err ? (errno ? errno : EIO) : 0;
    if (!err && (fflush(ef->f) != 0 || fsync(fileno(ef->f)) != 0)) {
        err = 1;
        saved = errno;
    }
    if (fclose(ef->f) != 0 && !err) {
        err = 1;
        saved = errno;
    }
    ef->f = NULL;
    if (!err && rename(ef->tmp, ef->path) != 0) {
        err = 1;
        saved = errno;
    }
    nn_status s = NN_OK;
    if (err) {
        unlink(ef->tmp);
        s = nn__fail(NN_EIO, "%s: cannot write %s: %s", ef->func, ef->path,
                     strerror(saved ? saved : EIO));
    }
    free(ef->tmp);
    ef->tmp = NULL;
    return s;
}

void nn__export_abort(nn__export_file *ef)
{
    if (ef->f)
        fclose(ef->f);
    if (ef->tmp)
        unlink(ef->tmp);
    free(ef->tmp);
    ef->f = NULL;
    ef->tmp = NULL;
}

/* ---- values a writer can hold --------------------------------------------- */

/* Whether v can be written as a value of the export's type: finite, and
 * for float within float's range (a nonzero scale must stay nonzero). */
static int representable(double v, int single, int is_scale)
{
    if (!isfinite(v))
        return 0;
    if (!single)
        return 1;
    if (fabs(v) > FLT_MAX)
        return 0;
    return !is_scale || (float)v != 0.0f;
}

static nn_status bad_value(const char *func, size_t l, const char *what, size_t i, size_t j,
                           double v)
{
    return nn__fail(NN_ENUMERIC, "%s: layer %zu %s (%zu, %zu) is %g, which %s", func, l, what, i,
                    j, v, isfinite(v) ? "does not fit in a float" : "is not a finite number");
}

nn_status nn__export_check_values(const nn_net *net, int single, const char *func)
{
    nn_net *view = nn__export_net(net);
    for (size_t l = 0; l < nn_net_n_layers(net); l++) {
        nn_mat w = nn_net_weights(view, l), b = nn_net_bias(view, l);
        for (size_t i = 0; i < w.rows; i++)
            for (size_t j = 0; j < w.cols; j++)
                if (!representable(w.data[i * w.ld + j], single, 0))
                    return bad_value(func, l, "weight", i, j, w.data[i * w.ld + j]);
        for (size_t j = 0; j < b.cols; j++)
            if (!representable(b.data[j], single, 0))
                return bad_value(func, l, "bias", 0, j, b.data[j]);
    }
    const nn_scaler *sc[2] = {nn_net_scaler(net), nn_net_target_scaler(net)};
    for (int k = 0; k < 2; k++)
        for (size_t j = 0; sc[k] && j < sc[k]->n_features; j++)
            if (!representable(sc[k]->mean[j], single, 0) ||
                !representable(sc[k]->scale[j], single, 1))
                return nn__fail(NN_ENUMERIC,
                                "%s: the %s scaler's mean %g / scale %g of feature %zu does not "
                                "fit in a %s",
                                func, k ? "target" : "input", sc[k]->mean[j], sc[k]->scale[j], j,
                                single ? "float" : "double");
    return NN_OK;
}
