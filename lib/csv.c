/* CSV loading: numbers only, one integer label column.
 *
 * The whole file is read into memory, then parsed once into a growing array
 * of values; every error names the file, line and column (1-based, in
 * bytes) of the field at fault. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define NN_CSV_MAX_LABEL 65535

nn_csv_options nn_csv_defaults(void)
{
    nn_csv_options o;
    memset(&o, 0, sizeof o);
    o.label_column = -1;
    o.delimiter = ',';
    o.n_targets = 1;
    return o;
}

/* Read all of path into a NUL-terminated buffer. */
static nn_status read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return nn__fail(NN_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *bigger = cap < SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf)
        return nn__fail(NN_ENOMEM, "%s: out of memory reading the file", path);
    if (err) {
        free(buf);
        return nn__fail(NN_EIO, "%s: read error", path);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return NN_OK;
}

typedef struct values {
    double *v;
    size_t n, cap;
} values;

static int push(values *vs, double x)
{
    if (vs->n == vs->cap) {
        size_t cap = vs->cap ? vs->cap * 2 : 1024;
        double *p = cap < SIZE_MAX / sizeof *p ? realloc(vs->v, cap * sizeof *p) : NULL;
        if (!p)
            return 0;
        vs->v = p;
        vs->cap = cap;
    }
    vs->v[vs->n++] = x;
    return 1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Parse one field [p, end) as a finite decimal number. Leading and trailing
 * blanks are allowed; hex floats, "nan" and "inf" are not. */
static int parse_number(const char *p, const char *end, double *out)
{
    while (p < end && is_blank(*p))
        p++;
    while (end > p && is_blank(end[-1]))
        end--;
    if (p == end)
        return 0;
    for (const char *q = p; q < end; q++)
        if (!strchr("0123456789+-.eE", *q))
            return 0;
    char tmp[64];
    size_t len = (size_t)(end - p);
    if (len >= sizeof tmp)
        return 0;
    memcpy(tmp, p, len);
    tmp[len] = '\0';
    char *stop;
    errno = 0;
    double v = strtod(tmp, &stop);
    if (*stop || !isfinite(v) || (errno == ERANGE && fabs(v) > 1.0))
        return 0;
    *out = v;
    return 1;
}

nn_status nn_load_csv(nn_dataset *out, const char *path, const nn_csv_options *opt)
{
    if (!out || !path)
        return nn__fail(NN_EINVAL, "nn_load_csv: %s is NULL", !out ? "out" : "path");
    nn_csv_options o = opt ? *opt : nn_csv_defaults();
    char delim = o.delimiter ? o.delimiter : ',';
    if (o.label_column < -1)
        return nn__fail(NN_EINVAL, "nn_load_csv: label_column %ld is invalid (-1 = last)",
                        o.label_column);
    if (delim == '\n' || delim == '\r' || delim == '.' || delim == '-' || delim == '+' ||
        (delim >= '0' && delim <= '9'))
        return nn__fail(NN_EINVAL, "nn_load_csv: delimiter '%c' is not usable", delim);
    char *text = NULL;
    size_t len = 0;
    nn_status s = read_file(path, &text, &len);
    if (s != NN_OK)
        return s;
    if (memchr(text, '\0', len)) {
        free(text);
        return nn__fail(NN_EFORMAT, "%s: binary content (a NUL byte)", path);
    }

    values vs = {NULL, 0, 0};
    size_t n_fields = 0, rows = 0, label_col = 0, line_no = 0, max_label = 0;
    int header_skipped = !o.has_header;
    s = NN_OK;
    for (char *line = text; *line && s == NN_OK;) {
        char *eol = strchr(line, '\n');
        char *next = eol ? eol + 1 : line + strlen(line);
        char *end = eol ? eol : next;
        if (end > line && end[-1] == '\r')
            end--;
        line_no++;
        const char *q = line;
        while (q < end && is_blank(*q))
            q++;
        if (q == end) { /* blank line */
            line = next;
            continue;
        }
        if (!header_skipped) {
            header_skipped = 1;
            line = next;
            continue;
        }
        size_t field = 0;
        const char *start = line;
        for (;;) {
            const char *stop = start;
            while (stop < end && *stop != delim)
                stop++;
            size_t col = (size_t)(start - line) + 1;
            double v;
            if (!parse_number(start, stop, &v)) {
                s = nn__fail(NN_EFORMAT, "%s:%zu:%zu: expected a number", path, line_no, col);
                break;
            }
            if (rows == 0 && field == 0 && n_fields == 0) {
                /* First data line: count its fields to fix the width. */
                size_t k = 1;
                for (const char *c = line; c < end; c++)
                    k += *c == delim;
                n_fields = k;
                if (n_fields < 2) {
                    s = nn__fail(NN_EFORMAT, "%s:%zu:1: only one column (need features and a label)",
                                 path, line_no);
                    break;
                }
                if (o.label_column >= 0 && (size_t)o.label_column >= n_fields) {
                    s = nn__fail(NN_EFORMAT, "%s:%zu:1: label column %ld but only %zu columns",
                                 path, line_no, o.label_column, n_fields);
                    break;
                }
                label_col = o.label_column < 0 ? n_fields - 1 : (size_t)o.label_column;
            }
            if (field >= n_fields) {
                s = nn__fail(NN_EFORMAT, "%s:%zu:%zu: expected %zu fields, found more", path,
                             line_no, col, n_fields);
                break;
            }
            if (field == label_col) {
                if (v != floor(v) || v < 0 || v > NN_CSV_MAX_LABEL) {
                    s = nn__fail(NN_EFORMAT,
                                 "%s:%zu:%zu: a label must be an integer in [0, %d]", path,
                                 line_no, col, NN_CSV_MAX_LABEL);
                    break;
                }
                if ((size_t)v > max_label)
                    max_label = (size_t)v;
            }
            if (!push(&vs, v)) {
                s = nn__fail(NN_ENOMEM, "%s: out of memory", path);
                break;
            }
            field++;
            if (stop == end)
                break;
            start = stop + 1;
        }
        if (s == NN_OK && field != n_fields)
            s = nn__fail(NN_EFORMAT, "%s:%zu:%zu: expected %zu fields, found %zu", path, line_no,
                         (size_t)(end - line) + 1, n_fields, field);
        rows++;
        line = next;
    }
    free(text);
    if (s == NN_OK && rows == 0)
        s = nn__fail(NN_EFORMAT, "%s:%zu:1: no data rows", path, line_no ? line_no : 1);
    nn_dataset d;
    if (s == NN_OK)
        s = nn__dataset_alloc(&d, rows, n_fields - 1, max_label + 1 < 2 ? 2 : max_label + 1);
    if (s == NN_OK) {
        for (size_t i = 0; i < rows; i++) {
            const double *src = vs.v + i * n_fields;
            double *dst = d.x.data + i * d.x.ld;
            for (size_t j = 0, k = 0; j < n_fields; j++) {
                if (j == label_col)
                    d.y[i] = (int32_t)src[j];
                else
                    dst[k++] = src[j];
            }
        }
        *out = d;
    }
    free(vs.v);
    return s;
}
