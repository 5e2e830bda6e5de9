/* CSV loading (nn_load_csv) and one column as text (nn_csv_read_column).
 *
 * The parsing itself is csv_range.c's, over the lines of csv_lines.c: a
 * regular file is read through a bounded window in two passes (count the
 * data lines, then parse them into a data set allocated once at its final
 * size), so memory is the data set plus the window, never the file. A
 * stream (FIFO, device, stdin), which cannot be read twice, is read into
 * memory first (nn__csv_read) and parsed there. Every error names the file,
 * the 1-based line and the 1-based field, which is the column a spreadsheet
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csv_internal.h"
#include "dataset.h"

/* nn_load_csv reading chunk bytes at a time (0: NN_CSV_CHUNK). */
nn_status nn__csv_load_chunked(nn_dataset *out, const char *path, const nn_csv_options *opt,
                               size_t chunk)
{
    nn_csv_options o;
    NN_TRY(nn__csv_prepare(out, path, opt, "nn_load_csv", &o));
    char delim = o.delimiter;
    nn__csv_part part;
    struct stat st;
    nn_status s;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        s = nn__csv_load_range(&part, path, &o, 0, UINT64_MAX, chunk);
    } else {
        char *text = NULL;
        size_t len = 0;
        NN_TRY(nn__csv_read(path, nn__csv_budget(), delim, &text, &len));
        nn__csv c;
        nn__csv_open_text(&c, path, delim, text, len);
        s = nn__csv_load(&c, &o, 1, chunk, &part);
        nn__csv_close(&c);
        free(text);
    }
    return s == NN_OK ? nn__csv_part_finish(&part, path, out) : s;
}

nn_status nn_load_csv(nn_dataset *out, const char *path, const nn_csv_options *opt)
{
    return nn__csv_load_chunked(out, path, opt, 0);
}

/* ---- one column as text (nn_csv_read_column) ------------------------------ */

/* The data lines of a text in memory, as csv_range.c counts them: up to
 * and with the first line of another width or that the split refuses. */
static size_t count_rows(nn__csv c, int has_header)
{
    char *line, *end;
    size_t n = 0, width = 0;
    nn_status s;
    while (nn__csv_next_line(&c, &line, &end, &s) == 1) {
        if (nn__csv_line_is_blank(line, end))
            continue;
        if (has_header) {
            has_header = 0;
            continue;
        }
        if (nn__csv_split_line(&c, line, end, 0) != NN_OK)
            return n + 1;
        if (n++ == 0)
            width = c.n_f;
        else if (c.n_f != width)
            return n;
    }
    return n;
}

/* Walk the data rows of c as parse does, copying field column (1-based; 0:
 * none) of each into texts (rows_max entries). */
static nn_status read_column(nn__csv *c, int has_header, size_t column, char **texts,
                             size_t *n_rows, size_t *n_fields)
{
    int header_pending = has_header;
    size_t row = 0, width = 0;
    char *line, *end;
    nn_status s = NN_OK;
    while (nn__csv_next_line(c, &line, &end, &s) == 1) {
        if (nn__csv_line_is_blank(line, end))
            continue;
        if (header_pending) {
            header_pending = 0;
            continue;
        }
        if ((s = nn__csv_split_line(c, line, end, 1)) != NN_OK)
            return s;
        if (row == 0) {
            width = c->n_f;
            if (column > width)
                return nn__csv_fail(c, c->line_no, 1, "column %zu asked for, but a row has %zu fields",
                                column, width);
        } else if (c->n_f != width) {
            size_t at = (c->n_f > width ? width : c->n_f) + 1;
            return nn__csv_fail(c, c->line_no, at, "expected %zu fields, found %zu", width, c->n_f);
        }
        if (column > 0) {
            const nn__csv_field *f = &c->f[column - 1];
            if (!(texts[row] = malloc(f->len + 1)))
                return nn__fail(NN_ENOMEM, "%s:%zu: out of memory", c->path, c->line_no);
            memcpy(texts[row], f->s, f->len + 1);
        }
        row++;
    }
    if (row == 0)
        return nn__csv_fail(c, c->line_no ? c->line_no : 1, 1, "no data rows%s",
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
    nn_status s = nn__csv_check_options(&o, delim, "nn_load_csv");
    char *text = NULL;
    size_t len = 0;
    if (s != NN_OK || (s = nn__csv_read(path, nn__csv_budget(), delim, &text, &len)) != NN_OK)
        return s;
    nn__csv c;
    nn__csv_open_text(&c, path, delim, text, len);
    size_t rows_max = count_rows(c, o.has_header), rows = 0, width = 0;
    char **t = column > 0 ? calloc(rows_max ? rows_max : 1, sizeof *t) : NULL;
    const char *nul = memchr(text, '\0', len);
    if (column > 0 && !t)
        s = nn__fail(NN_ENOMEM, "%s: out of memory", path);
    else
        s = nul ? nn__csv_nul_fail(path, delim, text, nul, 1)
                : read_column(&c, o.has_header, column, t, &rows, &width);
    nn__csv_close(&c);
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
