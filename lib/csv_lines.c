/* The CSV loader's lines and fields (csv_internal.h): a bounded window over
 * a file (or a text in memory) that hands out one line at a time, the split
 * of a line into fields in place, and the error messages at
 * path:line:field.
 *
 * The window holds at most a chunk plus the line being read: a line that
 * spans the end of a chunk is moved to the window's start and the rest is
 * read after it; only a line longer than the window grows it. So loading a
 * file costs the window, not the file. Each chunk is checked for a NUL
 * byte (binary content) as it arrives. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv_internal.h"

/* ---- the window ------------------------------------------------------------ */

/* Read from the file into the window after the unread bytes (moved to its
 * start first; grown when they fill it). Sets eof at the end of the part's
 * bytes. Returns NN_OK or the failure (read error, NUL byte, no memory). */
static nn_status refill(nn__csv *c)
{
    size_t kept = (size_t)(c->limit - c->next);
    if (c->next > c->buf) {
        memmove(c->buf, c->next, kept);
        c->off += (uint64_t)(c->next - c->buf);
        c->next = c->buf;
        c->limit = c->buf + kept;
    }
    if (kept + c->chunk > c->cap) {
        if (kept > c->max_line)
            return nn__fail(NN_ENOMEM,
                            "%s:%zu: a line of more than %zu bytes (half of this machine's "
                            "memory)",
                            c->path, nn__csv_abs_line(c, c->line_no + 1), c->max_line);
        /* Doubling: a long line costs a few copies, not one per chunk. */
        size_t cap = kept + c->chunk > 2 * c->cap ? kept + c->chunk : 2 * c->cap;
        char *p = cap < SIZE_MAX - 1 ? realloc(c->buf, cap + 1) : NULL;
        if (!p)
            return nn__fail(NN_ENOMEM, "%s: out of memory for a line of %zu bytes", c->path, kept);
        c->next = p;
        c->limit = p + kept;
        c->buf = p;
        c->cap = cap;
    }
    uint64_t at = c->off + kept;
    size_t want = c->chunk;
    if (c->size - at < want)
        want = (size_t)(c->size - at);
    ssize_t got = 0;
    while (want > 0 && (got = pread(c->fd, c->limit, want, (off_t)at)) < 0 && errno == EINTR)
        ;
    if (got < 0)
        return nn__fail(NN_EIO, "%s: read error: %s", c->path, strerror(errno));
    if (got == 0) {
        c->eof = 1;
        return NN_OK;
    }
    const char *nul = memchr(c->limit, '\0', (size_t)got);
    c->limit += got;
    *c->limit = '\0';
    /* The unread bytes start a line: the one after line_no. */
    if (nul)
        return nn__csv_nul_fail(c->path, c->delim, c->next, nul,
                                nn__csv_abs_line(c, c->line_no + 1));
    return NN_OK;
}

static nn_status too_big(const char *path, size_t max_bytes)
{
    return nn__fail(NN_ENOMEM,
                    "%s: holds more than %zu bytes, the most a CSV file may have (half of this "
                    "machine's memory; a byte range of a file: the most the range may have)",
                    path, max_bytes);
}

nn_status nn__csv_open_range(nn__csv *c, const char *path, char delim, uint64_t begin,
                             uint64_t stop, size_t chunk, size_t max_bytes)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    c->delim = delim;
    c->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (c->fd < 0)
        return nn__fail(NN_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    nn_status s = NN_OK;
    if (fstat(c->fd, &st) != 0)
        s = nn__fail(NN_EIO, "%s: cannot stat: %s", path, strerror(errno));
    else if (S_ISDIR(st.st_mode))
        s = nn__fail(NN_EIO, "%s: cannot read: a directory", path);
    else if (!S_ISREG(st.st_mode))
        s = nn__fail(NN_EIO, "%s: not a regular file (a byte range needs one)", path);
    if (s == NN_OK) {
        c->size = (uint64_t)st.st_size;
        uint64_t lo = begin < c->size ? begin : c->size, hi = stop < c->size ? stop : c->size;
        if (hi - lo > max_bytes)
            s = too_big(path, max_bytes);
    }
    /* A file smaller than the window needs no more (a small file then costs
     * a small buffer); the window works at any size, so a file that grows
     * meanwhile is still read whole. */
    c->chunk = chunk ? chunk : NN_CSV_CHUNK;
    if (!chunk && s == NN_OK && c->size < NN_CSV_CHUNK)
        c->chunk = c->size < 4096 ? 4096 : (size_t)c->size + 1;
    c->max_line = max_bytes;
    c->stop = stop;
    c->base = begin == 0 ? 0 : SIZE_MAX;
    /* The part's first line: at begin when a line ends just before it,
     * else after the next line end (that line is the previous part's). */
    c->off = begin > 0 ? begin - 1 : 0;
    if (s == NN_OK && !(c->buf = malloc(c->chunk + 1)))
        s = nn__fail(NN_ENOMEM, "%s: out of memory", path);
    if (s != NN_OK) {
        nn__csv_close(c);
        return s;
    }
    c->cap = c->chunk;
    c->next = c->limit = c->buf;
    if (begin > 0) {
        for (;;) {
            ssize_t got = 0;
            if (c->off < c->size)
                while ((got = pread(c->fd, c->buf, c->chunk, (off_t)c->off)) < 0 && errno == EINTR)
                    ;
            if (got < 0) {
                s = nn__fail(NN_EIO, "%s: read error: %s", path, strerror(errno));
                nn__csv_close(c);
                return s;
            }
            char *eol = got > 0 ? memchr(c->buf, '\n', (size_t)got) : NULL;
            if (got == 0 || eol) {
                c->off = got == 0 ? c->size : c->off + (uint64_t)(eol + 1 - c->buf);
                break;
            }
            c->off += (uint64_t)got;
        }
    }
    c->first = c->off;
    return NN_OK;
}

void nn__csv_open_text(nn__csv *c, const char *path, char delim, char *text, size_t len)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    c->delim = delim;
    c->fd = -1;
    c->next = text;
    c->limit = text + len;
    c->size = len;
    c->stop = UINT64_MAX;
    c->eof = 1;
}

void nn__csv_rewind(nn__csv *c)
{
    if (c->fd >= 0) {
        c->off = c->first;
        c->next = c->limit = c->buf;
        c->eof = 0;
        c->scanned = 0;
    } else {
        c->next = c->limit - c->size;
    }
    c->line_no = 0;
}

void nn__csv_close(nn__csv *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->f);
    c->f = NULL;
    if (c->buf)
        free(c->buf);
    c->buf = NULL;
}

int nn__csv_next_line(nn__csv *c, char **line, char **end, nn_status *s)
{
    char *eol;
    for (;;) {
        /* Only the bytes not yet searched: a long line is scanned once. */
        char *from = c->next + c->scanned;
        eol = from < c->limit ? memchr(from, '\n', (size_t)(c->limit - from)) : NULL;
        if (eol || c->eof)
            break;
        c->scanned = (size_t)(c->limit - c->next);
        if ((*s = refill(c)) != NN_OK)
            return -1;
    }
    c->scanned = 0;
    if (c->next >= c->limit)
        return 0;
    if (c->fd >= 0 && c->off + (uint64_t)(c->next - c->buf) >= c->stop)
        return 0;
    char *p = c->next;
    char *e = eol ? eol : c->limit;
    c->next = eol ? eol + 1 : c->limit;
    if (e > p && e[-1] == '\r')
        e--;
    /* A UTF-8 byte order mark (what spreadsheets put before "CSV UTF-8")
     * is not part of the file's first field. */
    int at_start = c->fd >= 0 ? c->off + (uint64_t)(p - c->buf) == 0 : p == c->limit - c->size;
    if (at_start && e - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    c->line_no++;
    *line = p;
    *end = e;
    return 1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int nn__csv_line_is_blank(const char *p, const char *end)
{
    while (p < end && is_blank(*p))
        p++;
    return p == end;
}

/* ---- messages ---------------------------------------------------------------- */

/* The lines before the part: the line ends in the file's bytes before its
 * first line, counted once (an error is being reported). */
static size_t count_base(const nn__csv *c)
{
    int fd = open(c->path, O_RDONLY | O_CLOEXEC);
    char *buf = fd >= 0 ? malloc(NN_CSV_CHUNK) : NULL;
    size_t n = 0;
    for (uint64_t at = 0; buf && at < c->first;) {
        size_t want = c->first - at < NN_CSV_CHUNK ? (size_t)(c->first - at) : NN_CSV_CHUNK;
        ssize_t got = pread(fd, buf, want, (off_t)at);
        if (got <= 0)
            break;
        for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + got - p))); p++)
            n++;
        at += (uint64_t)got;
    }
    free(buf);
    if (fd >= 0)
        close(fd);
    return n;
}

size_t nn__csv_abs_line(nn__csv *c, size_t line)
{
    if (c->base == SIZE_MAX)
        c->base = count_base(c);
    return c->base + line;
}

static void vformat(nn__csv *c, char *buf, size_t cap, size_t line, size_t field, const char *fmt,
                    va_list ap)
{
    char reason[400];
    vsnprintf(reason, sizeof reason, fmt, ap);
    snprintf(buf, cap, "%s:%zu:%zu: %s", c->path, nn__csv_abs_line(c, line), field, reason);
}

void nn__csv_format(nn__csv *c, char *buf, size_t cap, size_t line, size_t field,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vformat(c, buf, cap, line, field, fmt, ap);
    va_end(ap);
}

/* Every syntax and content error goes through here, so the prefix is the
 * same everywhere. */
nn_status nn__csv_fail(nn__csv *c, size_t line, size_t field, const char *fmt, ...)
{
    char text[480];
    va_list ap;
    va_start(ap, fmt);
    vformat(c, text, sizeof text, line, field, fmt, ap);
    va_end(ap);
    return nn__fail(NN_EFORMAT, "%s", text);
}

/* "an empty field", or the text in single quotes, cut after NN_CSV_EXCERPT
 * bytes (at a UTF-8 character boundary, marked "...") so a runaway field
 * cannot fill the message, and with control characters shown as '?'. */
const char *nn__csv_describe(const nn__csv_field *f, char *buf)
{
    if (f->len == 0)
        return "an empty field";
    size_t k = f->len > NN_CSV_EXCERPT ? NN_CSV_EXCERPT : f->len;
    if (k < f->len)
        while (k > 0 && ((unsigned char)f->s[k] & 0xC0) == 0x80)
            k--;
    char *w = buf;
    *w++ = '\'';
    for (size_t i = 0; i < k; i++)
        *w++ = (unsigned char)f->s[i] < 0x20 ? '?' : f->s[i];
    strcpy(w, k < f->len ? "...'" : "'");
    return buf;
}

nn_status nn__csv_field_fail(nn__csv *c, size_t j, const char *what)
{
    char buf[NN_CSV_EXCERPT + 6];
    return nn__csv_fail(c, c->line_no, j + 1, "%s, found %s", what,
                        nn__csv_describe(&c->f[j], buf));
}

/* ---- fields ------------------------------------------------------------------- */

static int grow_fields(nn__csv *c)
{
    size_t cap = c->cap_f ? 2 * c->cap_f : 16;
    nn__csv_field *p = cap < SIZE_MAX / sizeof *p ? realloc(c->f, cap * sizeof *p) : NULL;
    if (!p)
        return 0;
    c->f = p;
    c->cap_f = cap;
    return 1;
}

/* Blanks around a field are dropped. A field may be double-quoted: the
 * delimiter is then an ordinary character inside it, "" stands for one
 * quote, and blanks inside the quotes are kept; a quoted field cannot span
 * lines. Removing the quotes only ever moves text left, and each field's
 * NUL is written at or before the delimiter that ends it, after the scan
 * has moved past it, so the rest of the line is never disturbed. */
nn_status nn__csv_split_line(nn__csv *c, char *line, char *end, int store)
{
    const char delim = c->delim;
    char *p = line;
    c->n_f = 0;
    for (;;) {
        if (store && c->n_f == c->cap_f && !grow_fields(c))
            return nn__fail(NN_ENOMEM, "%s:%zu: out of memory", c->path,
                            nn__csv_abs_line(c, c->line_no));
        size_t field = c->n_f + 1;
        while (p < end && *p != delim && is_blank(*p))
            p++;
        char *s = p, *w;
        if (p < end && *p == '"') {
            s = w = ++p;
            for (;;) {
                if (p == end)
                    return nn__csv_fail(c, c->line_no, field,
                                        "unterminated quoted field (no closing quote on this "
                                        "line)");
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        if (store)
                            *w = '"';
                        w++;
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (store)
                    *w = *p;
                w++;
                p++;
            }
            while (p < end && *p != delim && is_blank(*p))
                p++;
            if (p < end && *p != delim)
                return nn__csv_fail(c, c->line_no, field,
                                    "unexpected text after the closing quote: '%c'", *p);
        } else {
            while (p < end && *p != delim)
                p++;
            w = p;
            while (w > s && is_blank(w[-1]))
                w--;
        }
        int last = p == end;
        if (store) {
            *w = '\0';
            c->f[c->n_f].s = s;
            c->f[c->n_f].len = (size_t)(w - s);
        }
        c->n_f++;
        if (last)
            return NN_OK;
        p++;
    }
}

nn_csv_options nn_csv_defaults(void)
{
    nn_csv_options o;
    memset(&o, 0, sizeof o);
    o.label_column = -1;
    o.delimiter = ',';
    o.n_targets = 1;
    return o;
}

nn_status nn__csv_check_options(const nn_csv_options *o, char delim, const char *func)
{
    if (o->label_column < -1)
        return nn__fail(NN_EINVAL,
                        "%s: label_column %ld is invalid (0-based, or -1 for the last)", func,
                        o->label_column);
    if (!nn_task_name(o->task))
        return nn__fail(NN_EINVAL, "%s: task %d is not an nn_task", func, (int)o->task);
    if (o->task == NN_TASK_CLASSIFY && o->n_targets > 1)
        return nn__fail(NN_EINVAL,
                        "%s: n_targets %zu with the classify task, which reads one "
                        "label column (multilabel and regress read several)",
                        func, o->n_targets);
    if (delim == '\n' || delim == '\r' || delim == '"' || delim == '.' || delim == '-' ||
        delim == '+' || (delim >= '0' && delim <= '9'))
        return (unsigned char)delim < 0x20
                   ? nn__fail(NN_EINVAL, "%s: delimiter %d (a line end) is not usable", func,
                              delim)
                   : nn__fail(NN_EINVAL, "%s: delimiter '%c' is not usable", func, delim);
    return NN_OK;
}

nn_status nn__csv_prepare(const void *out, const char *path, const nn_csv_options *opt,
                          const char *func, nn_csv_options *o)
{
    if (!out || !path)
        return nn__fail(NN_EINVAL, "%s: %s is NULL", func, !out ? "out" : "path");
    *o = opt ? *opt : nn_csv_defaults();
    o->delimiter = o->delimiter ? o->delimiter : ',';
    return nn__csv_check_options(o, o->delimiter, func);
}
