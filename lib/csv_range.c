/* Parsing the data rows of a CSV file, or of the lines of it that start in
 * a byte range (nn__csv_load_range, csv_internal.h): feature columns, plus
 * a label column read as integers or strings (CLASSIFY), target columns
 * (MULTILABEL, REGRESS), or nothing but features (no_labels).
 *
 * Two passes over the part's lines through the bounded window of
 * csv_lines.c: the first counts the data lines (and stops at the first line
 * of another width, so no data set is allocated for rows after it), the
 * second parses each line into the data set, allocated once at its final
 * size. Memory is the data set plus the window; nothing is reallocated
 * while parsing and no step is worse than linear in the part's size.
 * String labels are kept as the distinct strings (numbered as first seen),
 * never a copy per row; whether the column is integers or strings is
 * decided when every part is read (nn__csv_part_finish for one part).
 *
 * A part that starts after the file's first byte reads the file's first
 * lines too (the header, and the first data line, which fixes the width and
 * where the labels are), so every part of a file agrees on them and an
 * error names the same line whichever part finds it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_internal.h"
#include "dataset.h"

#define NN_CSV_MAX_LABEL 65535

/* Which columns of a row of n_fields fields hold the label or the targets:
 * [*first, *first + *count), or none (*count = 0) with no_labels. Checked
 * against the first data row, so an error points at it (field 1: the row as
 * a whole). */
static nn_status plan_columns(nn__csv *c, const nn_csv_options *o, size_t n_fields,
                              size_t *first, size_t *count)
{
    *first = 0;
    *count = 0;
    if (o->no_labels)
        return NN_OK;
    size_t n_t = o->n_targets ? o->n_targets : 1, at = c->line_no;
    if (o->label_column >= 0 && (size_t)o->label_column >= n_fields)
        return nn__csv_fail(c, at, 1, "label_column %ld is out of range: rows have %zu fields",
                            o->label_column, n_fields);
    if (o->label_column >= 0 && n_t > n_fields - (size_t)o->label_column)
        return nn__csv_fail(c, at, 1,
                            "label_column %ld + n_targets %zu is past the last field: rows have "
                            "%zu fields",
                            o->label_column, n_t, n_fields);
    if (n_t >= n_fields)
        return nn__csv_fail(c, at, 1,
                            "rows have %zu field%s, which leaves no feature column beside %zu "
                            "label column%s (n_targets %zu; no_labels reads features only)",
                            n_fields, n_fields == 1 ? "" : "s", n_t, n_t == 1 ? "" : "s", n_t);
    *first = o->label_column < 0 ? n_fields - n_t : (size_t)o->label_column;
    *count = n_t;
    return NN_OK;
}

/* The column to skip (ignore_column, 1-based) as a 0-based index, or
 * SIZE_MAX; it must be in the row, not a label column, and leave a feature. */
static nn_status plan_ignore(nn__csv *c, const nn_csv_options *o, size_t n_fields, size_t first,
                             size_t count, size_t *ignore)
{
    *ignore = SIZE_MAX;
    if (o->ignore_column == 0)
        return NN_OK;
    size_t ig = o->ignore_column - 1, at = c->line_no;
    if (ig >= n_fields)
        return nn__csv_fail(c, at, 1, "ignore_column %zu is out of range: rows have %zu fields",
                            o->ignore_column, n_fields);
    if (count > 0 && ig >= first && ig < first + count)
        return nn__csv_fail(c, at, 1, "ignore_column %zu is also a label column",
                            o->ignore_column);
    if (n_fields - count < 2)
        return nn__csv_fail(c, at, 1,
                            "rows have %zu fields, which leaves no feature column beside the "
                            "ignored column and %zu label column%s",
                            n_fields, count, count == 1 ? "" : "s");
    *ignore = ig;
    return NN_OK;
}

/* How the rows are read: the width, the label columns, the skipped one. */
typedef struct plan {
    size_t n_fields, first, count, ignore;
    int classify;
} plan;

static nn_status make_plan(nn__csv *c, const nn_csv_options *o, plan *p)
{
    p->n_fields = c->n_f;
    NN_TRY(plan_columns(c, o, p->n_fields, &p->first, &p->count));
    NN_TRY(plan_ignore(c, o, p->n_fields, p->first, p->count, &p->ignore));
    p->classify = p->count > 0 && o->task == NN_TASK_CLASSIFY;
    return NN_OK;
}

/* The growing list of a part's label values (one per distinct name). */
static nn_status add_value(nn__csv_part *pt, size_t k, int32_t v, const char *path)
{
    if (k == 0 || (k >= 16 && (k & (k - 1)) == 0)) { /* 16, 32, 64, ... */
        size_t cap = k ? 2 * k : 16;
        int32_t *more = realloc(pt->values, cap * sizeof *more);
        if (!more)
            return nn__fail(NN_ENOMEM, "%s: out of memory", path);
        pt->values = more;
    }
    pt->values[k] = v;
    return NN_OK;
}

/* Record the row's label (field j): its name's number in y. A new name is
 * parsed once as a number; whether a number is a valid integer label can
 * only be judged once every label is known to be numeric, so the first
 * invalid one's message is kept, not reported. */
static nn_status read_label(nn__csv *c, nn__csv_part *pt, nn__csv_classes *cl, size_t j,
                            int32_t *y)
{
    const nn__csv_field *f = &c->f[j];
    if (f->len == 0)
        return nn__csv_fail(c, c->line_no, j + 1, "empty label");
    int added;
    NN_TRY(nn__csv_classes_add(cl, c->path, f->s, y, &added));
    if (!added)
        return NN_OK;
    double v;
    int32_t value = -1;
    if (!nn__csv_parse_number(f->s, f->len, &v)) {
        pt->numeric = 0;
    } else if (v != floor(v) || v < 0 || v > NN_CSV_MAX_LABEL) {
        char buf[NN_CSV_EXCERPT + 6];
        if (!pt->bad[0])
            nn__csv_format(c, pt->bad, sizeof pt->bad, c->line_no, j + 1,
                           "a label must be an integer in [0, %d], found %s", NN_CSV_MAX_LABEL,
                           nn__csv_describe(f, buf));
    } else {
        value = (int32_t)v;
        if ((size_t)v > pt->max)
            pt->max = (size_t)v;
    }
    return add_value(pt, (size_t)*y, value, c->path);
}

/* Parse the fields of the current line (already split, with the plan's
 * width) into row `row` of the part. */
static nn_status parse_row(nn__csv *c, nn_task task, const plan *p, nn__csv_part *pt,
                           nn__csv_classes *cl, size_t row)
{
    nn_dataset *d = &pt->d;
    double *x = d->x.data + row * d->x.ld, v;
    for (size_t j = 0, k = 0; j < c->n_f; j++) {
        size_t tj = j - p->first; /* wraps to a huge value left of the targets */
        if (j == p->ignore)
            continue;
        if (tj >= p->count) {
            if (!nn__csv_parse_number(c->f[j].s, c->f[j].len, &v))
                return nn__csv_field_fail(c, j, "expected a number");
            x[k++] = v;
        } else if (task == NN_TASK_CLASSIFY) {
            NN_TRY(read_label(c, pt, cl, j, d->y + row));
        } else if (task == NN_TASK_MULTILABEL) {
            if (!nn__csv_parse_number(c->f[j].s, c->f[j].len, &v) || (v != 0.0 && v != 1.0))
                return nn__csv_field_fail(c, j, "expected 0 or 1 (a multilabel target)");
            d->t.data[row * d->t.ld + tj] = v;
        } else {
            if (!nn__csv_parse_number(c->f[j].s, c->f[j].len, &v))
                return nn__csv_field_fail(c, j, "expected a number (a regression target)");
            d->t.data[row * d->t.ld + tj] = v;
        }
    }
    return NN_OK;
}

/* Allocate the part's data set for rows rows (0: the shape only). */
static nn_status alloc_part(const char *path, nn__csv_part *pt, size_t rows, const plan *p,
                            nn_task task)
{
    nn_dataset *d = &pt->d;
    size_t n_features = p->n_fields - p->count - (p->ignore != SIZE_MAX);
    nn_status s = NN_OK;
    if (p->count > 0 && task != NN_TASK_CLASSIFY)
        d->n_classes = p->count;
    if (rows == 0) {
        d->x = (nn_mat){NULL, 0, n_features, n_features};
        if (p->count > 0 && task != NN_TASK_CLASSIFY)
            d->t = (nn_mat){NULL, 0, p->count, p->count};
        return NN_OK;
    }
    s = nn_mat_alloc(&d->x, rows, n_features);
    if (s == NN_OK && p->classify) {
        d->y = calloc(rows, sizeof *d->y);
        s = d->y ? NN_OK : NN_ENOMEM;
    } else if (s == NN_OK && p->count > 0) {
        s = nn_mat_alloc(&d->t, rows, p->count);
    }
    if (s == NN_OK)
        return NN_OK;
    nn_dataset_free(d);
    return nn__fail(s, "%s: cannot allocate a data set of %zu rows", path, rows);
}

/* The data lines of the part that the parse may fill: lines that are not
 * blank, less the header, up to and with the first whose field count is
 * not width (the first data line's when width is 0) or that the split
 * refuses, where the parse will stop with its error. The same walk and
 * split as the parse, so the counts agree. */
static nn_status count_data_lines(nn__csv *c, uint64_t header, int has_header, size_t width,
                                  size_t *n)
{
    char *line, *end;
    nn_status s = NN_OK;
    int got;
    *n = 0;
    while ((got = nn__csv_next_line(c, &line, &end, &s)) == 1) {
        if (nn__csv_line_is_blank(line, end))
            continue;
        if (has_header && (header == UINT64_MAX || c->off + (uint64_t)(line - c->buf) == header)) {
            has_header = 0;
            continue;
        }
        if (nn__csv_split_line(c, line, end, 0) != NN_OK) {
            ++*n;
            break;
        }
        if (width == 0)
            width = c->n_f;
        ++*n;
        if (c->n_f != width)
            break;
    }
    nn__csv_rewind(c);
    return got < 0 ? s : NN_OK;
}

/* Where the header line starts (UINT64_MAX: none) and the first data
 * line's plan, from the file's first lines (a window of its own from byte
 * 0): what a part that starts later needs to read its rows as the first
 * part does. *found = 0 when the file has no data line. */
static nn_status read_head(const char *path, char delim, const nn_csv_options *o, size_t chunk,
                           uint64_t *header, plan *p, int *found)
{
    nn__csv h;
    /* Any file size (only its first lines are read), but no longer a line
     * than the budget. */
    NN_TRY(nn__csv_open_range(&h, path, delim, 0, UINT64_MAX, chunk, SIZE_MAX));
    h.max_line = nn__csv_budget();
    char *line, *end;
    nn_status s = NN_OK;
    int got, pending = o->has_header;
    *header = UINT64_MAX;
    *found = 0;
    while ((got = nn__csv_next_line(&h, &line, &end, &s)) == 1) {
        if (nn__csv_line_is_blank(line, end))
            continue;
        if (pending) {
            pending = 0;
            *header = h.off + (uint64_t)(line - h.buf);
            continue;
        }
        if ((s = nn__csv_split_line(&h, line, end, 1)) == NN_OK)
            s = make_plan(&h, o, p);
        *found = 1;
        break;
    }
    if (s == NN_OK && !*found)
        s = nn__csv_fail(&h, h.line_no ? h.line_no : 1, 1, "no data rows%s",
                         *header != UINT64_MAX ? " after the header" : "");
    nn__csv_close(&h);
    (void)got;
    return s;
}

/* Parse the part's lines into pt (count first). from_start: the part is
 * the whole file, so its first data line is the file's; else the head is
 * read first. */
static nn_status parse(nn__csv *c, const nn_csv_options *o, int from_start, size_t chunk,
                       nn__csv_part *pt)
{
    plan p = {0, 0, 0, SIZE_MAX, 0};
    uint64_t header = UINT64_MAX;
    int found = 1;
    if (!from_start)
        NN_TRY(read_head(c->path, c->delim, o, chunk, &header, &p, &found));
    size_t rows_max;
    NN_TRY(count_data_lines(c, header, o->has_header, p.n_fields, &rows_max));
    nn__csv_classes *cl = NULL;
    int header_pending = o->has_header, got;
    size_t row = 0;
    nn_status s = NN_OK;
    char *line, *end;
    if (!from_start && (s = alloc_part(c->path, pt, rows_max, &p, o->task)) == NN_OK &&
        p.classify && !(cl = nn__csv_classes_new()))
        s = nn__fail(NN_ENOMEM, "%s: out of memory", c->path);
    while (s == NN_OK && (got = nn__csv_next_line(c, &line, &end, &s)) == 1) {
        if (nn__csv_line_is_blank(line, end))
            continue;
        if (header_pending &&
            (header == UINT64_MAX || c->off + (uint64_t)(line - c->buf) == header)) {
            header_pending = 0;
            continue;
        }
        if (row == rows_max) { /* cannot happen: count_data_lines stops at the error */
            s = nn__csv_fail(c, c->line_no, 1, "more rows than counted");
            break;
        }
        if ((s = nn__csv_split_line(c, line, end, 1)) != NN_OK)
            break;
        if (row == 0 && from_start) {
            /* The first data row fixes the width and where the labels are. */
            if ((s = make_plan(c, o, &p)) != NN_OK ||
                (s = alloc_part(c->path, pt, rows_max, &p, o->task)) != NN_OK)
                break;
            if (p.classify && !(cl = nn__csv_classes_new())) {
                s = nn__fail(NN_ENOMEM, "%s: out of memory", c->path);
                break;
            }
        } else if (c->n_f != p.n_fields) {
            /* Too many: point at the first extra field; too few: at the
             * first missing one. */
            size_t at = (c->n_f > p.n_fields ? p.n_fields : c->n_f) + 1;
            s = nn__csv_fail(c, c->line_no, at, "expected %zu fields, found %zu", p.n_fields,
                             c->n_f);
            break;
        }
        s = parse_row(c, o->task, &p, pt, cl, row);
        row++;
    }
    if (s == NN_OK && row == 0 && from_start)
        s = nn__csv_fail(c, c->line_no ? c->line_no : 1, 1, "no data rows%s",
                         o->has_header && !header_pending ? " after the header" : "");
    else if (s == NN_OK && row != rows_max) /* the file was cut short between the passes */
        s = nn__fail(NN_EIO, "%s: changed while it was read (%zu data lines, then %zu)", c->path,
                     rows_max, row);
    if (s == NN_OK && cl) {
        pt->pending = 1;
        pt->n_names = nn__csv_classes_count(cl);
        char *const *names = nn__csv_classes_names(cl);
        if (!(pt->names = nn__strings_dup((const char *const *)names, pt->n_names)) &&
            pt->n_names > 0)
            s = nn__fail(NN_ENOMEM, "%s: out of memory", c->path);
    } else if (s == NN_OK && p.classify) {
        pt->pending = 1; /* a part without rows: no names */
    }
    nn__csv_classes_free(cl);
    return s;
}

nn_status nn__csv_load(nn__csv *c, const nn_csv_options *o, int from_start, size_t chunk,
                       nn__csv_part *out)
{
    nn__csv_part pt;
    memset(&pt, 0, sizeof pt);
    pt.numeric = 1;
    nn_status s = parse(c, o, from_start, chunk, &pt);
    if (s != NN_OK) {
        nn__csv_part_free(&pt);
        return s;
    }
    *out = pt;
    return NN_OK;
}

nn_status nn__csv_load_range(nn__csv_part *out, const char *path, const nn_csv_options *opt,
                             uint64_t begin, uint64_t end, size_t chunk)
{
    nn_csv_options o;
    NN_TRY(nn__csv_prepare(out, path, opt, "nn_load_csv", &o));
    char delim = o.delimiter;
    nn__csv c;
    NN_TRY(nn__csv_open_range(&c, path, delim, begin, end, chunk, nn__csv_budget()));
    nn_status s = nn__csv_load(&c, &o, begin == 0 && end == UINT64_MAX, chunk, out);
    nn__csv_close(&c);
    return s;
}

void nn__csv_part_free(nn__csv_part *p)
{
    if (!p)
        return;
    nn_dataset_free(&p->d);
    nn__strings_free(p->names, p->n_names);
    free(p->values);
    memset(p, 0, sizeof *p);
}

nn_status nn__csv_part_finish(nn__csv_part *p, const char *path, nn_dataset *d)
{
    nn_status s = NN_OK;
    size_t n = p->d.x.rows;
    if (p->pending && !p->numeric) {
        s = nn__csv_rank_names(path, p->names, p->n_names, p->d.y, n, &p->d.class_names);
        p->d.n_classes = p->n_names;
    } else if (p->pending && p->bad[0]) {
        s = nn__fail(NN_EFORMAT, "%s", p->bad);
    } else if (p->pending) {
        for (size_t i = 0; i < n; i++)
            p->d.y[i] = p->values[p->d.y[i]];
        p->d.n_classes = p->max + 1 < 2 ? 2 : p->max + 1;
    }
    if (s == NN_OK) {
        *d = p->d;
        memset(&p->d, 0, sizeof p->d);
    }
    nn__csv_part_free(p);
    return s;
}
