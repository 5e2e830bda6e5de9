/* nn_load_csv_mpi: each rank of a communicator parses only its own byte
 * range of one CSV file, through the core's byte-range reader
 * (nn__csv_load_range, lib/csv_internal.h).
 *
 * The file's S bytes are cut into contiguous ranges, rank r's
 *     [r q + min(r, m), (r + 1) q + min(r + 1, m)),   q = S / size, m = S % size,
 * and a rank parses the lines that start in its range (the line that
 * straddles its start is the previous rank's; the one that straddles its
 * end is its own). Every line start is in exactly one range, so every row
 * is on exactly one rank, and rank order is file order. A quoted field
 * cannot span lines (as nn_load_csv reads it), so a line start is simply a
 * byte after a line feed, whichever rank looks: a split inside a quoted
 * field is one inside a line, and the line goes whole to the rank where it
 * starts. The header and the first data line (the width, the label
 * columns) every rank reads from the file's start.
 *
 * Then the ranks agree on what nn_load_csv decides over the whole file:
 * whether the labels are integers (every rank's are) or strings, n_classes
 * (the largest integer label + 1, or the sorted union of the names, each
 * rank's labels renumbered into it), and the width (nn__mpi_agree_data).
 * Every rank takes part in every collective whatever its range holds; a
 * failure on one rank is agreed on before the next step. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv_internal.h"
#include "mpi_internal.h"

#define ID_BYTES ((size_t)64 << 10) /* bytes of the file's start compared across ranks */

/* What says that two ranks read the same file: its size and a hash
 * (FNV-1a) of its first ID_BYTES bytes. A byte range needs a regular file. */
static nn_status file_id(const char *func, const char *path, uint64_t id[2])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return nn_set_last_error(NN_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    nn_status s = NN_OK;
    char *buf = NULL;
    if (fstat(fd, &st) != 0)
        s = nn_set_last_error(NN_EIO, "%s: cannot stat: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        s = nn_set_last_error(NN_EIO,
                              "%s: %s is not a regular file (each rank reads its own byte range "
                              "of it; load a stream with nn_load_csv)",
                              func, path);
    else if (!(buf = malloc(ID_BYTES)))
        s = nn_set_last_error(NN_ENOMEM, "%s: out of memory", func);
    ssize_t got = 0;
    if (s == NN_OK) {
        while ((got = pread(fd, buf, ID_BYTES, 0)) < 0 && errno == EINTR)
            ;
        if (got < 0)
            s = nn_set_last_error(NN_EIO, "%s: read error: %s", path, strerror(errno));
    }
    uint64_t h = 14695981039346656037u;
    for (ssize_t i = 0; i < got; i++)
        h = (h ^ (unsigned char)buf[i]) * 1099511628211u;
    id[0] = s == NN_OK ? (uint64_t)st.st_size : 0;
    id[1] = h;
    free(buf);
    close(fd);
    return s;
}

/* Integer labels on every rank: the values, n_classes = the largest + 1
 * over the ranks (at least 2); the first invalid one (lowest rank) fails. */
static nn_status finish_numbers(const comm_call *c, nn__csv_part *p)
{
    NN_TRY(nn__mpi_agree_named(c, p->bad[0] ? nn_set_last_error(NN_EFORMAT, "%s", p->bad)
                                            : NN_OK));
    uint64_t max = p->n_names > 0 ? p->max : 0;
    int rc = MPI_Allreduce(MPI_IN_PLACE, &max, 1, MPI_UINT64_T, MPI_MAX, c->comm);
    if (rc != MPI_SUCCESS)
        return nn__mpi_fail(c->func, "MPI_Allreduce", rc);
    for (size_t i = 0; i < p->d.x.rows; i++)
        p->d.y[i] = p->values[p->d.y[i]];
    p->d.n_classes = max + 1 < 2 ? 2 : (size_t)max + 1;
    return NN_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sorted distinct names of blob (n_bytes of NUL-terminated names) into
 * *u (pointers into blob), *n_u of them. */
static int sorted_union(char *blob, size_t n_bytes, const char ***u, size_t *n_u)
{
    size_t n = 0;
    for (size_t at = 0; at < n_bytes; at++)
        n += blob[at] == '\0';
    const char **v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return 0;
    for (size_t at = 0, k = 0; at < n_bytes; at += strlen(blob + at) + 1)
        v[k++] = blob + at;
    qsort(v, n, sizeof *v, cmp_names);
    size_t w = 0;
    for (size_t k = 0; k < n; k++)
        if (w == 0 || strcmp(v[w - 1], v[k]) != 0)
            v[w++] = v[k];
    *u = v;
    *n_u = w;
    return 1;
}

/* String labels: every rank's names gathered (MPI_Allgatherv of the
 * NUL-separated names), their sorted union the classes on every rank, and
 * each rank's labels renumbered into it. */
static nn_status finish_names(const comm_call *c, nn__csv_part *p, int size)
{
    size_t mine = 0;
    for (size_t k = 0; k < p->n_names; k++)
        mine += strlen(p->names[k]) + 1;
    int *counts = malloc((size_t)size * sizeof *counts);
    int *displs = malloc((size_t)size * sizeof *displs);
    char *local = malloc(mine ? mine : 1);
    nn_status s = counts && displs && local
                      ? NN_OK
                      : nn_set_last_error(NN_ENOMEM, "%s: out of memory", c->func);
    int count = mine > (size_t)INT_MAX ? -1 : (int)mine;
    if ((s = nn__mpi_agree_named(c, s)) == NN_OK) {
        int rc = MPI_Allgather(&count, 1, MPI_INT, counts, 1, MPI_INT, c->comm);
        if (rc != MPI_SUCCESS)
            s = nn__mpi_fail(c->func, "MPI_Allgather", rc);
    }
    size_t total = 0;
    for (int r = 0; s == NN_OK && r < size; r++) {
        if (counts[r] < 0 || total + (size_t)counts[r] > (size_t)INT_MAX)
            s = nn_set_last_error(NN_EFORMAT, "%s: the class names take more than %d bytes",
                                  c->func, INT_MAX);
        displs[r] = (int)total;
        total += s == NN_OK ? (size_t)counts[r] : 0;
    }
    char *blob = s == NN_OK ? malloc(total ? total : 1) : NULL;
    const char **u = NULL;
    size_t n_u = 0;
    if (s == NN_OK) { /* every rank has the same counts: the same outcome */
        s = nn__mpi_agree(c, blob ? NN_OK
                                  : nn_set_last_error(NN_ENOMEM, "%s: out of memory", c->func));
    }
    if (s == NN_OK) {
        for (size_t k = 0, at = 0; k < p->n_names; k++) {
            size_t len = strlen(p->names[k]) + 1;
            memcpy(local + at, p->names[k], len);
            at += len;
        }
        int rc = MPI_Allgatherv(local, count, MPI_CHAR, blob, counts, displs, MPI_CHAR, c->comm);
        if (rc != MPI_SUCCESS)
            s = nn__mpi_fail(c->func, "MPI_Allgatherv", rc);
        else if (!sorted_union(blob, total, &u, &n_u))
            s = nn_set_last_error(NN_ENOMEM, "%s: out of memory", c->func);
        s = nn__mpi_agree_named(c, s);
    }
    char **names = NULL;
    int32_t *map = NULL;
    if (s == NN_OK) {
        names = calloc(n_u ? n_u : 1, sizeof *names);
        map = malloc((p->n_names ? p->n_names : 1) * sizeof *map);
        int ok = names && map;
        for (size_t k = 0; ok && k < n_u; k++)
            ok = (names[k] = strdup(u[k])) != NULL;
        for (size_t k = 0; ok && k < p->n_names; k++) {
            const char *key = p->names[k];
            const char **at = bsearch(&key, u, n_u, sizeof *u, cmp_names);
            map[k] = (int32_t)(at - u);
        }
        for (size_t i = 0; ok && i < p->d.x.rows; i++)
            p->d.y[i] = map[p->d.y[i]];
        s = nn__mpi_agree_named(c, ok ? NN_OK
                                      : nn_set_last_error(NN_ENOMEM, "%s: out of memory",
                                                          c->func));
    }
    if (s == NN_OK) {
        p->d.class_names = names;
        p->d.n_classes = n_u;
    } else if (names) {
        for (size_t k = 0; k < n_u; k++)
            free(names[k]);
        free(names);
    }
    free(map);
    free(u);
    free(blob);
    free(local);
    free(counts);
    free(displs);
    return s;
}

/* The whole collective load into *out (written only on success). */
static nn_status load(const comm_call *c, nn_dataset *out, const char *path,
                      const nn_csv_options *opt)
{
    nn_csv_options o;
    uint64_t id[2] = {0, 0}, root[2];
    nn_status s = nn__csv_prepare(out, path, opt, c->func, &o);
    if (s == NN_OK)
        s = file_id(c->func, path, id);
    NN_TRY(nn__mpi_agree_named(c, s));
    memcpy(root, id, sizeof root);
    int size = 0, rc = MPI_Bcast(root, 2, MPI_UINT64_T, 0, c->comm);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_size(c->comm, &size);
    if (rc != MPI_SUCCESS)
        return nn__mpi_fail(c->func, "MPI_Bcast", rc);
    if (root[0] != id[0] || root[1] != id[1])
        s = nn_set_last_error(NN_EINVAL,
                              "%s: rank %d's %s is not the file rank 0 read (%llu bytes, rank "
                              "0's %llu%s): every rank must read the same file",
                              c->func, c->rank, path, (unsigned long long)id[0],
                              (unsigned long long)root[0],
                              root[0] == id[0] ? ", other first bytes" : "");
    NN_TRY(nn__mpi_agree(c, s));
    uint64_t n = (uint64_t)size, r = (uint64_t)c->rank, q = root[0] / n, m = root[0] % n;
    uint64_t begin = r * q + (r < m ? r : m), end = begin + q + (r < m);
    nn__csv_part part;
    nn_status mine = nn__csv_load_range(&part, path, &o, begin, end, 0);
    if ((s = nn__mpi_agree_named(c, mine)) != NN_OK) {
        if (mine == NN_OK) /* another rank failed */
            nn__csv_part_free(&part);
        return s;
    }
    /* pending (CLASSIFY labels) comes from the file's first data line: the
     * same on every rank. */
    if (part.pending) {
        int numeric = part.numeric;
        if ((rc = MPI_Allreduce(MPI_IN_PLACE, &numeric, 1, MPI_INT, MPI_MIN, c->comm)) !=
            MPI_SUCCESS)
            s = nn__mpi_fail(c->func, "MPI_Allreduce", rc);
        else
            s = numeric ? finish_numbers(c, &part) : finish_names(c, &part, size);
    }
    if (s == NN_OK)
        s = nn__mpi_agree_data(c, &part.d);
    if (s == NN_OK) {
        *out = part.d;
        memset(&part.d, 0, sizeof part.d);
    }
    nn__csv_part_free(&part);
    return s;
}

nn_status nn_load_csv_mpi(nn_dataset *out, const char *path, const nn_csv_options *opt,
                          MPI_Comm comm)
{
    comm_call cc;
    nn_status s = nn__mpi_begin(&cc, comm, "nn_load_csv_mpi");
    return s != NN_OK ? s : nn__mpi_end(&cc, load(&cc, out, path, opt));
}
