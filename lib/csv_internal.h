#ifndef NN_CSV_INTERNAL_H
#define NN_CSV_INTERNAL_H

/* For the CSV loader's files (csv.c, csv_lines.c, csv_range.c, csv_read.c,
 * csv_number.c, csv_labels.c), the tests that reach their internals, and
 * lib/mpi/load.c, which calls nn__csv_load_range (exported from libnn for
 * libnn_mpi alone; not a public API). */

#include "internal.h"

/* ---- reading (csv_read.c) ------------------------------------------------ */

/* Read all of path into a new NUL-terminated buffer (*len bytes before the
 * NUL), refusing more than max_bytes: a regular file by its fstat size,
 * before reading; a stream (FIFO, device, stdin) once that much has been
 * read. A NUL byte (binary content, /dev/zero) stops the reading at the
 * chunk that holds it: NN_EFORMAT naming its line and field. */
nn_status nn__csv_read(const char *path, size_t max_bytes, char delim, char **out, size_t *len);

/* The loader's budget: the most bytes a CSV file may have, half of this
 * machine's physical memory (at least 64 MiB). */
size_t nn__csv_budget(void);

/* NN_EFORMAT "path:line:field: binary content (a NUL byte)" for the NUL at
 * nul in text, where text starts line first_line of the file (fields split
 * at delim, quotes respected). */
nn_status nn__csv_nul_fail(const char *path, char delim, const char *text, const char *nul,
                           size_t first_line);

/* ---- class names (csv_labels.c) ------------------------------------------- */

/* Distinct label strings, numbered in the order first seen, through a hash
 * table keyed for each table (so no set of labels chosen in advance makes
 * it probe long chains). Opaque. */
typedef struct nn__csv_classes nn__csv_classes;
nn__csv_classes *nn__csv_classes_new(void);
void nn__csv_classes_free(nn__csv_classes *t);
/* *id = the number of the string s (NUL-terminated, copied when new);
 * *added = 1 when it was new. NN_ENOMEM, NN_EFORMAT past INT32_MAX names. */
nn_status nn__csv_classes_add(nn__csv_classes *t, const char *path, const char *s, int32_t *id,
                              int *added);
size_t nn__csv_classes_count(const nn__csv_classes *t);
/* Hash-table slots looked at so far (a keyed hash keeps it near the adds). */
size_t nn__csv_classes_probes(const nn__csv_classes *t);
/* The names in first-seen order (owned by the table; NULL-free when n > 0). */
char *const *nn__csv_classes_names(const nn__csv_classes *t);

/* Number the distinct strings of text[0..n) in sorted (strcmp) order, as
 * nn_load_csv numbers string labels: y[i] = the rank of text[i], *names =
 * copies of the distinct strings in that order (n_names of them). *probes
 * (when not NULL) gets the number of hash-table slots looked at. */
nn_status nn__csv_string_classes(const char *path, char *const *text, size_t n, int32_t *y,
                                 char ***names, size_t *n_names, size_t *probes);

/* ids y[0..n) of first-seen names[0..k) -> their ranks in sorted order;
 * *sorted = copies of the names in that order. */
nn_status nn__csv_rank_names(const char *path, char *const *names, size_t k, int32_t *y, size_t n,
                             char ***sorted);

/* ---- numbers (csv_number.c) ------------------------------------------------ */

/* Parse s[0..len) as a finite decimal number into *out: digits, one point,
 * a sign and an exponent only (no hex, "nan", "inf" or blanks), rounded as
 * strtod rounds. Returns 1, or 0 (and *out untouched) for anything else. */
int nn__csv_parse_number(const char *s, size_t len, double *out);

/* ---- lines and fields (csv_lines.c) --------------------------------------- */

/* One field of the current line: s points into the window and is
 * NUL-terminated there, len = strlen(s). */
typedef struct nn__csv_field {
    char *s;
    size_t len;
} nn__csv_field;

#define NN_CSV_CHUNK ((size_t)1 << 20) /* bytes read at a time */

/* A parser over lines: either a bounded window over a regular file (fd >= 0,
 * read chunk bytes at a time with pread; a line longer than the window
 * grows it), or a whole text in memory (fd < 0). A line is returned when
 * its first byte is before stop; its bytes stay valid until the next line.
 * line_no counts the lines returned since the part's first line (the
 * file's first when base == 0); base, the lines before the part, is found
 * only when an error message needs it (SIZE_MAX until then). */
typedef struct nn__csv {
    const char *path;
    char delim;
    int fd;
    char *buf;                /* the window, cap bytes (+1 for a NUL) */
    size_t cap, chunk, max_line; /* a line may not be longer than max_line */
    char *next, *limit;       /* unread bytes of the window */
    size_t scanned;           /* bytes from next known to hold no line feed */
    uint64_t off;             /* file offset of buf[0] */
    uint64_t size;            /* bytes of the file read at most */
    uint64_t stop;            /* no line starting at or after it is returned */
    uint64_t first;           /* offset of the part's first line */
    int eof;
    size_t line_no, base;
    nn__csv_field *f;
    size_t n_f, cap_f;
} nn__csv;

/* Start c over path's bytes [begin, stop) (a line that starts in it is read
 * whole): opened, checked as a regular file of at most max_bytes in the
 * range, positioned at the first line starting at or after begin. chunk 0
 * means NN_CSV_CHUNK. NN_EIO, NN_ENOMEM (too big). */
nn_status nn__csv_open_range(nn__csv *c, const char *path, char delim, uint64_t begin,
                             uint64_t stop, size_t chunk, size_t max_bytes);
/* Start c over text[0..len) in memory (not copied; it must outlive c). */
void nn__csv_open_text(nn__csv *c, const char *path, char delim, char *text, size_t len);
/* Back to the part's first line, for a second pass. */
void nn__csv_rewind(nn__csv *c);
void nn__csv_close(nn__csv *c);

/* The next line as [*line, *end) without its LF or CRLF: 1, 0 at the end,
 * -1 on a failure (a read error, a NUL byte: its status in *s). A final
 * line without a line end counts as a line. */
int nn__csv_next_line(nn__csv *c, char **line, char **end, nn_status *s);
int nn__csv_line_is_blank(const char *p, const char *end);
/* Split [line, end) into c->f (store 1: quotes removed, NULs written in
 * place) or only count its fields into c->n_f (store 0). */
nn_status nn__csv_split_line(nn__csv *c, char *line, char *end, int store);

/* The file's line number of the part's line `line`. */
size_t nn__csv_abs_line(nn__csv *c, size_t line);
/* NN_EFORMAT "path:line:field: reason", line counted within the part. */
nn_status nn__csv_fail(nn__csv *c, size_t line, size_t field, const char *fmt, ...)
    NN_PRINTF(4, 5);
/* The same text into buf (cap bytes), for an error that may come later. */
void nn__csv_format(nn__csv *c, char *buf, size_t cap, size_t line, size_t field,
                    const char *fmt, ...) NN_PRINTF(6, 7);
#define NN_CSV_EXCERPT 20 /* bytes of a field quoted in an error message */
/* A field as an error message shows it (buf: NN_CSV_EXCERPT + 6 bytes). */
const char *nn__csv_describe(const nn__csv_field *f, char *buf);
/* Fail on field j (0-based) of the current line: "<what>, found <field>". */
nn_status nn__csv_field_fail(nn__csv *c, size_t j, const char *what);
/* The options that are wrong whatever the file holds (NN_EINVAL), in the
 * words of func. */
nn_status nn__csv_check_options(const nn_csv_options *o, char delim, const char *func);

/* The checks every loader makes first: out and path not NULL, the options
 * (opt NULL: the defaults) into *o with the delimiter resolved. Exported
 * for lib/mpi/load.c, as nn__csv_load_range and nn__csv_part_free. */
NN_API nn_status nn__csv_prepare(const void *out, const char *path, const nn_csv_options *opt,
                                 const char *func, nn_csv_options *o);

/* ---- a byte range of a file (csv_range.c) -------------------------------- */

/* What nn__csv_load_range read: the rows of the part; for CLASSIFY labels,
 * y holds the numbers of names (first-seen order) until a caller decides,
 * over every part, whether the labels are integers or strings. */
typedef struct nn__csv_part {
    nn_dataset d;      /* rows 0: x.data NULL, x.cols = the features */
    int pending;       /* CLASSIFY labels: y = indices into names */
    char **names;      /* n_names distinct label texts, first-seen order */
    int32_t *values;   /* each name as an integer label, -1 if not one */
    size_t n_names;
    int numeric;       /* every label is a number */
    size_t max;        /* the largest valid integer label */
    char bad[480];     /* "" or the error of the first number that is no label */
} nn__csv_part;

/* Parse the data rows of path whose lines start in [begin, end) (end
 * UINT64_MAX: to the end) into *out, as nn_load_csv parses them: the
 * header, the width and the label columns come from the file's first lines
 * (read from its start when begin > 0), errors name the file's real line.
 * chunk: bytes read at a time (0: NN_CSV_CHUNK; tests pass a few). A range
 * with no rows is not an error (begin > 0); a file with no data row is.
 * On failure *out is untouched. */
NN_API nn_status nn__csv_load_range(nn__csv_part *out, const char *path,
                                    const nn_csv_options *opt, uint64_t begin, uint64_t end,
                                    size_t chunk);
/* The same over c, opened by the caller (whole: c is the whole file or
 * text, else a part of a file that is read from its start for the head). */
nn_status nn__csv_load(nn__csv *c, const nn_csv_options *o, int whole, size_t chunk,
                       nn__csv_part *out);
/* Decide a part's pending labels alone (one part: the whole file) and move
 * its data set to *d. The part is freed either way. */
nn_status nn__csv_part_finish(nn__csv_part *p, const char *path, nn_dataset *d);
NN_API void nn__csv_part_free(nn__csv_part *p);

/* nn_load_csv reading chunk bytes at a time (0: NN_CSV_CHUNK), so tests can
 * make lines span many chunks. */
nn_status nn__csv_load_chunked(nn_dataset *out, const char *path, const nn_csv_options *opt,
                               size_t chunk);

#endif /* NN_CSV_INTERNAL_H */
