/* Reading a CSV file into memory within a budget (nn__csv_read,
 * csv_internal.h): a regular file is refused by its size before any
 * reading, a stream once it has sent too much, and binary content at the
 * chunk that holds its first NUL byte. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv_internal.h"

/* NN_EFORMAT at the line and field of the NUL byte, counted as split_line
 * (csv.c) would count them, with the quotes toggling in and out of a
 * quoted field (an escaped "" toggles twice). */
nn_status nn__csv_nul_fail(const char *path, char delim, const char *text, const char *nul,
                           size_t first_line)
{
    size_t line_no = first_line, field = 1;
    int quoted = 0;
    for (const char *p = text; p < nul; p++) {
        if (*p == '\n') {
            line_no++;
            field = 1;
            quoted = 0;
        } else if (*p == '"') {
            quoted = !quoted;
        } else if (*p == delim && !quoted) {
            field++;
        }
    }
    return nn__fail(NN_EFORMAT, "%s:%zu:%zu: binary content (a NUL byte)", path, line_no, field);
}

#define CSV_MIN_BUDGET ((size_t)64 << 20) /* the budget on a machine of little memory */

size_t nn__csv_budget(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    double half = pages > 0 && page > 0 ? (double)pages * (double)page / 2.0 : 0.0;
    if (half >= (double)(SIZE_MAX / 4))
        return SIZE_MAX / 4;
    return half < (double)CSV_MIN_BUDGET ? CSV_MIN_BUDGET : (size_t)half;
}

static nn_status too_big(const char *path, size_t max_bytes, const char *what)
{
    return nn__fail(NN_ENOMEM,
                    "%s: %s more than %zu bytes, the most a CSV file may have (half of this "
                    "machine's memory: the file and its parsed rows are held in memory)",
                    path, what, max_bytes);
}

nn_status nn__csv_read(const char *path, size_t max_bytes, char delim, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return nn__fail(NN_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    nn_status s = NN_OK;
    if (fstat(fd, &st) != 0)
        s = nn__fail(NN_EIO, "%s: cannot stat: %s", path, strerror(errno));
    else if (S_ISDIR(st.st_mode))
        s = nn__fail(NN_EIO, "%s: cannot read: a directory", path);
    else if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max_bytes)
        s = too_big(path, max_bytes, "holds");
    /* A regular file is read into one buffer of its size (one more byte
     * shows whether it grew meanwhile); a stream into a doubling one. */
    size_t cap = S_ISREG(st.st_mode) && s == NN_OK ? (size_t)st.st_size + 2 : (size_t)1 << 16;
    size_t n = 0;
    char *buf = s == NN_OK ? malloc(cap) : NULL;
    if (s == NN_OK && !buf)
        s = nn__fail(NN_ENOMEM, "%s: out of memory reading the file", path);
    while (s == NN_OK) {
        if (n + 1 == cap) {
            size_t grown = cap - 1 > max_bytes / 2 ? max_bytes + 2 : 2 * cap;
            char *bigger = grown > cap ? realloc(buf, grown) : NULL;
            if (!bigger) {
                s = grown > cap ? nn__fail(NN_ENOMEM, "%s: out of memory reading the file", path)
                                : too_big(path, max_bytes, "sends");
                break;
            }
            buf = bigger;
            cap = grown;
        }
        size_t want = cap - 1 - n < NN_CSV_CHUNK ? cap - 1 - n : NN_CSV_CHUNK;
        ssize_t got = read(fd, buf + n, want);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            s = nn__fail(NN_EIO, "%s: read error: %s", path, strerror(errno));
            break;
        }
        if (got == 0)
            break;
        const char *nul = memchr(buf + n, '\0', (size_t)got);
        n += (size_t)got;
        if (nul) {
            s = nn__csv_nul_fail(path, delim, buf, nul, 1);
        } else if (n > max_bytes) {
            s = too_big(path, max_bytes, "sends");
        }
    }
    close(fd);
    if (s != NN_OK) {
        free(buf);
        return s;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return NN_OK;
}
