/* CSV loading for every task: feature columns, plus a label column read as
 * integers or strings (CLASSIFY), target columns (MULTILABEL, REGRESS), or
 * nothing but features (no_labels).
 *
 * The whole file is read into memory and parsed in place: each line is split
 * into fields, quotes are removed and every field is NUL-terminated inside
 * the buffer, so a field is a C string without a copy. A first cheap pass
 * counts the data lines, so the data set is allocated once at its final size
 * and the values are written straight into it: nothing is reallocated while
 * parsing and no step is worse than linear in the file size (string labels
 * add a sort of the distinct strings only). Every error names the file, the
 * 1-based line and the 1-based field, which is the column a spreadsheet
 * shows.
 *
 * Hostile input costs little: the file may be at most nn__csv_budget()
 * bytes (a regular file is refused by its size before any reading, a
 * stream once it has sent that much); a NUL byte stops the reading at the
 * chunk that holds it; the first pass checks that every data line has the
 * first one's field count, so the data set is never allocated for more rows
 * than come before the first line of another width; and string labels are
 * hashed with a key drawn for each load, so no set of labels chosen in
 * advance can make the table probe long chains. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_internal.h"
#include "dataset.h"

#define NN_CSV_MAX_LABEL 65535
#define NN_CSV_EXCERPT 20 /* bytes of a field quoted in an error message */

nn_csv_options nn_csv_defaults(void)
{
    nn_csv_options o;
    memset(&o, 0, sizeof o);
    o.label_column = -1;
    o.delimiter = ',';
    o.n_targets = 1;
    return o;
}

/* ---- lines and fields ---------------------------------------------------- */

/* One field of the current line: s points into the file buffer and is
 * NUL-terminated there, len = strlen(s). */
typedef struct csv_field {
    char *s;
    size_t len;
} csv_field;

/* The parser: where the unread rest of the buffer starts, the number of the
 * line last returned, and the fields of that line (a buffer reused for every
 * line, grown only when a line has more fields than any before it). */
typedef struct csv {
    const char *path;
    char delim;
    char *next, *limit;
    size_t line_no;
    csv_field *f;
    size_t n_f, cap_f;
} csv;

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Return the next line as [*line, *end), without its LF or CRLF, or 0 at the
 * end of the buffer. A final line without a line end counts as a line. */
static int next_line(csv *c, char **line, char **end)
{
    if (c->next >= c->limit)
        return 0;
    char *p = c->next;
    char *eol = memchr(p, '\n', (size_t)(c->limit - p));
    char *e = eol ? eol : c->limit;
    c->next = eol ? eol + 1 : c->limit;
    if (e > p && e[-1] == '\r')
        e--;
    c->line_no++;
    *line = p;
    *end = e;
    return 1;
}

static int line_is_blank(const char *p, const char *end)
{
    while (p < end && is_blank(*p))
        p++;
    return p == end;
}

/* Fail with NN_EFORMAT and "path:line:field: reason". Every syntax and
 * content error goes through here, so the prefix is the same everywhere. */
static nn_status csv_fail(const csv *c, size_t line, size_t field, const char *fmt, ...)
    NN_PRINTF(4, 5);
static nn_status csv_fail(const csv *c, size_t line, size_t field, const char *fmt, ...)
{
    char reason[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return nn__fail(NN_EFORMAT, "%s:%zu:%zu: %s", c->path, line, field, reason);
}

/* How an error message shows a field: "an empty field", or the text in
 * single quotes, cut after NN_CSV_EXCERPT bytes (at a UTF-8 character
 * boundary, marked "...") so a runaway field cannot fill the message, and
 * with control characters shown as '?'. buf needs NN_CSV_EXCERPT + 6 bytes. */
static const char *describe(const csv_field *f, char *buf)
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

/* Fail on field j (0-based) of the current line: "<what>, found <field>". */
static nn_status field_fail(const csv *c, size_t j, const char *what)
{
    char buf[NN_CSV_EXCERPT + 6];
    return csv_fail(c, c->line_no, j + 1, "%s, found %s", what, describe(&c->f[j], buf));
}

static int grow_fields(csv *c)
{
    size_t cap = c->cap_f ? 2 * c->cap_f : 16;
    csv_field *p = cap < SIZE_MAX / sizeof *p ? realloc(c->f, cap * sizeof *p) : NULL;
    if (!p)
        return 0;
    c->f = p;
    c->cap_f = cap;
    return 1;
}

/* Split the line [line, end) into c->f at the delimiter, in place; with
 * store 0, only count its fields into c->n_f (the line and c->f are left
 * alone, and the result is the same count or the same error). Blanks
 * around a field are dropped. A field may be double-quoted: the delimiter
 * is then an ordinary character inside it, "" stands for one quote, and
 * blanks inside the quotes are kept; a quoted field cannot span lines.
 * Removing the quotes only ever moves text left, and each field's NUL is
 * written at or before the delimiter that ends it, after the scan has moved
 * past it, so the rest of the line is never disturbed. */
static nn_status split_line(csv *c, char *line, char *end, int store)
{
    const char delim = c->delim;
    char *p = line;
    c->n_f = 0;
    for (;;) {
        if (store && c->n_f == c->cap_f && !grow_fields(c))
            return nn__fail(NN_ENOMEM, "%s:%zu: out of memory", c->path, c->line_no);
        size_t field = c->n_f + 1;
        while (p < end && *p != delim && is_blank(*p))
            p++;
        char *s = p, *w;
        if (p < end && *p == '"') {
            s = w = ++p;
            for (;;) {
                if (p == end)
                    return csv_fail(c, c->line_no, field,
                                    "unterminated quoted field (no closing quote on this line)");
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
                return csv_fail(c, c->line_no, field,
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

/* A field as a finite decimal number (csv_number.c). */
static int parse_number(const csv_field *f, double *out)
{
    return nn__csv_parse_number(f->s, f->len, out);
}

/* ---- the loader ---------------------------------------------------------- */

/* The options that are wrong whatever the file holds (NN_EINVAL). Those that
 * depend on the width of its rows are checked in plan_columns. */
static nn_status check_options(const nn_csv_options *o, char delim)
{
    if (o->label_column < -1)
        return nn__fail(NN_EINVAL,
                        "nn_load_csv: label_column %ld is invalid (0-based, or -1 for the last)",
                        o->label_column);
    if (!nn_task_name(o->task))
        return nn__fail(NN_EINVAL, "nn_load_csv: task %d is not an nn_task", (int)o->task);
    if (o->task == NN_TASK_CLASSIFY && o->n_targets > 1)
        return nn__fail(NN_EINVAL,
                        "nn_load_csv: n_targets %zu with the classify task, which reads one "
                        "label column (multilabel and regress read several)",
                        o->n_targets);
    if (delim == '\n' || delim == '\r' || delim == '"' || delim == '.' || delim == '-' ||
        delim == '+' || (delim >= '0' && delim <= '9'))
        return (unsigned char)delim < 0x20
                   ? nn__fail(NN_EINVAL, "nn_load_csv: delimiter %d (a line end) is not usable",
                              delim)
                   : nn__fail(NN_EINVAL, "nn_load_csv: delimiter '%c' is not usable", delim);
    return NN_OK;
}

/* Which columns of a row of n_fields fields hold the label or the targets:
 * [*first, *first + *count), or none (*count = 0) with no_labels. Checked
 * against the first data row, so an error points at it (field 1: the row as
 * a whole). */
static nn_status plan_columns(const csv *c, const nn_csv_options *o, size_t n_fields,
                              size_t *first, size_t *count)
{
    *first = 0;
    *count = 0;
    if (o->no_labels)
        return NN_OK;
    size_t n_t = o->n_targets ? o->n_targets : 1;
    if (o->label_column >= 0 && (size_t)o->label_column >= n_fields)
        return csv_fail(c, c->line_no, 1, "label_column %ld is out of range: rows have %zu fields",
                        o->label_column, n_fields);
    if (o->label_column >= 0 && n_t > n_fields - (size_t)o->label_column)
        return csv_fail(c, c->line_no, 1,
                        "label_column %ld + n_targets %zu is past the last field: rows have %zu "
                        "fields",
                        o->label_column, n_t, n_fields);
    if (n_t >= n_fields)
        return csv_fail(c, c->line_no, 1,
                        "rows have %zu field%s, which leaves no feature column beside %zu "
                        "label column%s (n_targets %zu; no_labels reads features only)",
                        n_fields, n_fields == 1 ? "" : "s", n_t, n_t == 1 ? "" : "s", n_t);
    *first = o->label_column < 0 ? n_fields - n_t : (size_t)o->label_column;
    *count = n_t;
    return NN_OK;
}

/* The column to skip (ignore_column, 1-based) as a 0-based index, or
 * SIZE_MAX; it must be in the row, not a label column, and leave a feature. */
static nn_status plan_ignore(const csv *c, const nn_csv_options *o, size_t n_fields, size_t first,
                             size_t count, size_t *ignore)
{
    *ignore = SIZE_MAX;
    if (o->ignore_column == 0)
        return NN_OK;
    size_t ig = o->ignore_column - 1;
    if (ig >= n_fields)
        return csv_fail(c, c->line_no, 1, "ignore_column %zu is out of range: rows have %zu fields",
                        o->ignore_column, n_fields);
    if (count > 0 && ig >= first && ig < first + count)
        return csv_fail(c, c->line_no, 1, "ignore_column %zu is also a label column",
                        o->ignore_column);
    if (n_fields - count < 2)
        return csv_fail(c, c->line_no, 1,
                        "rows have %zu fields, which leaves no feature column beside the "
                        "ignored column and %zu label column%s",
                        n_fields, count, count == 1 ? "" : "s");
    *ignore = ig;
    return NN_OK;
}

/* What the loader keeps about a CLASSIFY label column until the last row
 * says whether it holds integers or strings. */
typedef struct label_state {
    char **text;     /* every row's label field, inside the file buffer */
    int numeric;     /* every label so far is a number */
    size_t max;      /* the largest integer label so far */
    size_t bad_line; /* first number that is not a valid label (0: none) ... */
    size_t bad_field;
    csv_field bad; /* ... and its text */
} label_state;

/* Record row's label (field j). Whether a number is a valid integer label
 * can only be judged once the whole column is known to be numeric, so the
 * first invalid one is remembered, not reported. */
static nn_status read_label(const csv *c, label_state *lc, size_t row, size_t j, int32_t *y)
{
    const csv_field *f = &c->f[j];
    if (f->len == 0)
        return csv_fail(c, c->line_no, j + 1, "empty label");
    lc->text[row] = f->s;
    double v;
    if (!lc->numeric)
        return NN_OK;
    if (!parse_number(f, &v)) {
        lc->numeric = 0; /* strings from now on: numbers are no longer parsed */
    } else if (v != floor(v) || v < 0 || v > NN_CSV_MAX_LABEL) {
        if (!lc->bad_line) {
            lc->bad_line = c->line_no;
            lc->bad_field = j + 1;
            lc->bad = *f;
        }
    } else {
        y[row] = (int32_t)v;
        if ((size_t)v > lc->max)
            lc->max = (size_t)v;
    }
    return NN_OK;
}

/* Parse the fields of the current line (already split, with the right
 * count) into row `row` of d: features into x, targets into t, labels
 * through read_label. Target columns are [first, first + count); column
 * ignore is skipped. */
static nn_status parse_row(const csv *c, nn_task task, size_t first, size_t count, size_t ignore,
                           nn_dataset *d, label_state *lc, size_t row)
{
    double *x = d->x.data + row * d->x.ld, v;
    for (size_t j = 0, k = 0; j < c->n_f; j++) {
        size_t tj = j - first; /* wraps to a huge value left of the targets */
        if (j == ignore)
            continue;
        if (tj >= count) {
            if (!parse_number(&c->f[j], &v))
                return field_fail(c, j, "expected a number");
            x[k++] = v;
        } else if (task == NN_TASK_CLASSIFY) {
            nn_status s = read_label(c, lc, row, j, d->y);
            if (s != NN_OK)
                return s;
        } else if (task == NN_TASK_MULTILABEL) {
            if (!parse_number(&c->f[j], &v) || (v != 0.0 && v != 1.0))
                return field_fail(c, j, "expected 0 or 1 (a multilabel target)");
            d->t.data[row * d->t.ld + tj] = v;
        } else {
            if (!parse_number(&c->f[j], &v))
                return field_fail(c, j, "expected a number (a regression target)");
            d->t.data[row * d->t.ld + tj] = v;
        }
    }
    return NN_OK;
}

/* Allocate the data set for rows rows: x, and y (CLASSIFY) or t (the other
 * tasks) when there are count label columns. */
static nn_status alloc_dataset(const char *path, nn_dataset *d, size_t rows, size_t n_features,
                               nn_task task, size_t count)
{
    memset(d, 0, sizeof *d);
    nn_status s = nn_mat_alloc(&d->x, rows, n_features);
    if (s == NN_OK && count > 0 && task == NN_TASK_CLASSIFY) {
        d->y = calloc(rows, sizeof *d->y);
        s = d->y ? NN_OK : NN_ENOMEM;
    } else if (s == NN_OK && count > 0) {
        s = nn_mat_alloc(&d->t, rows, count);
        d->n_classes = count;
    }
    if (s == NN_OK)
        return NN_OK;
    nn_dataset_free(d);
    return nn__fail(s, "%s: cannot allocate a data set of %zu rows", path, rows);
}

/* The data lines from c's position that the parse may fill: lines that are
 * not blank, less the header, up to and with the first whose field count is
 * not the first data line's (or that split_line refuses), where the parse
 * will stop with its error. The same line walk and field split as the
 * parse, so the counts agree; no data set is ever allocated for rows after
 * a line of another width, however wide the first line. */
static size_t count_data_lines(csv c, int has_header)
{
    char *line, *end;
    size_t n = 0, width = 0;
    while (next_line(&c, &line, &end)) {
        if (line_is_blank(line, end))
            continue;
        if (has_header) {
            has_header = 0;
            continue;
        }
        if (split_line(&c, line, end, 0) != NN_OK)
            return n + 1;
        if (n++ == 0)
            width = c.n_f;
        else if (c.n_f != width)
            return n;
    }
    return n;
}

/* Parse the whole buffer into *d (written only on success). */
static nn_status parse(csv *c, const nn_csv_options *o, nn_dataset *d)
{
    size_t rows_max = count_data_lines(*c, o->has_header);
    int header_pending = o->has_header;
    size_t n_fields = 0, first = 0, count = 0, row = 0, ignore = SIZE_MAX;
    label_state lc = {NULL, 1, 0, 0, 0, {NULL, 0}};
    nn_dataset t;
    memset(&t, 0, sizeof t);
    nn_status s = NN_OK;
    char *line, *end;
    while (s == NN_OK && next_line(c, &line, &end)) {
        if (line_is_blank(line, end))
            continue;
        if (header_pending) {
            header_pending = 0;
            continue;
        }
        if (row == rows_max) { /* cannot happen: count_data_lines stops at the error */
            s = csv_fail(c, c->line_no, 1, "more rows than counted");
            break;
        }
        if ((s = split_line(c, line, end, 1)) != NN_OK)
            break;
        if (row == 0) {
            /* The first data row fixes the width and where the labels are. */
            n_fields = c->n_f;
            if ((s = plan_columns(c, o, n_fields, &first, &count)) != NN_OK ||
                (s = plan_ignore(c, o, n_fields, first, count, &ignore)) != NN_OK ||
                (s = alloc_dataset(c->path, &t, rows_max,
                                   n_fields - count - (ignore != SIZE_MAX), o->task, count)) !=
                    NN_OK)
                break;
            int classify = count > 0 && o->task == NN_TASK_CLASSIFY;
            if (classify && !(lc.text = calloc(rows_max, sizeof *lc.text))) {
                s = nn__fail(NN_ENOMEM, "%s: out of memory", c->path);
                break;
            }
        } else if (c->n_f != n_fields) {
            /* Too many: point at the first extra field; too few: at the
             * first missing one. */
            size_t at = (c->n_f > n_fields ? n_fields : c->n_f) + 1;
            s = csv_fail(c, c->line_no, at, "expected %zu fields, found %zu", n_fields, c->n_f);
            break;
        }
        s = parse_row(c, o->task, first, count, ignore, &t, &lc, row);
        row++;
    }
    if (s == NN_OK && row == 0)
        s = csv_fail(c, c->line_no ? c->line_no : 1, 1, "no data rows%s",
                     o->has_header && !header_pending ? " after the header" : "");
    if (s == NN_OK && lc.text) {
        if (!lc.numeric)
            s = nn__csv_string_classes(c->path, lc.text, row, t.y, &t.class_names, &t.n_classes,
                                       NULL);
        else if (lc.bad_line) {
            char buf[NN_CSV_EXCERPT + 6];
            s = csv_fail(c, lc.bad_line, lc.bad_field,
                         "a label must be an integer in [0, %d], found %s", NN_CSV_MAX_LABEL,
                         describe(&lc.bad, buf));
        } else
            t.n_classes = lc.max + 1 < 2 ? 2 : lc.max + 1;
    }
    free(lc.text);
    if (s != NN_OK) {
        nn_dataset_free(&t);
        return s;
    }
    *d = t;
    return NN_OK;
}

nn_status nn_load_csv(nn_dataset *out, const char *path, const nn_csv_options *opt)
{
    if (!out || !path)
        return nn__fail(NN_EINVAL, "nn_load_csv: %s is NULL", !out ? "out" : "path");
    nn_csv_options o = opt ? *opt : nn_csv_defaults();
    char delim = o.delimiter ? o.delimiter : ',';
    nn_status s = check_options(&o, delim);
    if (s != NN_OK)
        return s;
    char *text = NULL;
    size_t len = 0;
    if ((s = nn__csv_read(path, nn__csv_budget(), delim, &text, &len)) != NN_OK)
        return s;
    csv c = {path, delim, text, text + len, 0, NULL, 0, 0};
    s = parse(&c, &o, out);
    free(c.f);
    free(text);
    return s;
}

/* ---- one column as text (nn_csv_read_column) ------------------------------ */

/* Walk the data rows of c as parse does, copying field column (1-based; 0:
 * none) of each into texts (rows_max entries). */
static nn_status read_column(csv *c, int has_header, size_t column, char **texts,
                             size_t *n_rows, size_t *n_fields)
{
    int header_pending = has_header;
    size_t row = 0, width = 0;
    char *line, *end;
    while (next_line(c, &line, &end)) {
        if (line_is_blank(line, end))
            continue;
        if (header_pending) {
            header_pending = 0;
            continue;
        }
        nn_status s = split_line(c, line, end, 1);
        if (s != NN_OK)
            return s;
        if (row == 0) {
            width = c->n_f;
            if (column > width)
                return csv_fail(c, c->line_no, 1, "column %zu asked for, but a row has %zu fields",
                                column, width);
        } else if (c->n_f != width) {
            size_t at = (c->n_f > width ? width : c->n_f) + 1;
            return csv_fail(c, c->line_no, at, "expected %zu fields, found %zu", width, c->n_f);
        }
        if (column > 0) {
            const csv_field *f = &c->f[column - 1];
            if (!(texts[row] = malloc(f->len + 1)))
                return nn__fail(NN_ENOMEM, "%s:%zu: out of memory", c->path, c->line_no);
            memcpy(texts[row], f->s, f->len + 1);
        }
        row++;
    }
    if (row == 0)
        return csv_fail(c, c->line_no ? c->line_no : 1, 1, "no data rows%s",
                        has_header && !header_pending ? " after the header" : "");
    *n_rows = row;
    *n_fields = width;
    return NN_OK;
}

nn_status nn_csv_read_column(const char *path, const nn_csv_options *opt, size_t column,
                             char ***texts, size_t *n_rows, size_t *n_fields)
{
    if (!path || (column > 0 && !texts))
        return nn__fail(NN_EINVAL, "nn_csv_read_column: %s is NULL", !path ? "path" : "texts");
    nn_csv_options o = nn_csv_defaults();
    if (opt) {
        o.has_header = opt->has_header;
        o.delimiter = opt->delimiter;
    }
    char delim = o.delimiter ? o.delimiter : ',';
    nn_status s = check_options(&o, delim);
    char *text = NULL;
    size_t len = 0;
    if (s != NN_OK || (s = nn__csv_read(path, nn__csv_budget(), delim, &text, &len)) != NN_OK)
        return s;
    csv c = {path, delim, text, text + len, 0, NULL, 0, 0};
    size_t rows_max = count_data_lines(c, o.has_header), rows = 0, width = 0;
    char **t = column > 0 ? calloc(rows_max ? rows_max : 1, sizeof *t) : NULL;
    const char *nul = memchr(text, '\0', len);
    if (column > 0 && !t)
        s = nn__fail(NN_ENOMEM, "%s: out of memory", path);
    else
        s = nul ? nn__csv_nul_fail(path, delim, text, nul)
                : read_column(&c, o.has_header, column, t, &rows, &width);
    free(c.f);
    free(text);
    if (s != NN_OK) {
        nn__strings_free(t, rows_max);
        return s;
    }
    if (column > 0)
        *texts = t;
    if (n_rows)
        *n_rows = rows;
    if (n_fields)
        *n_fields = width;
    return NN_OK;
}

void nn_csv_column_free(char **texts, size_t n_rows)
{
    nn__strings_free(texts, n_rows);
}
