/* NumPy .npy files: reading (every row, or a range of rows) and writing a
 * matrix, and reading a data set from a features file and a labels or
 * targets file.
 *
 * The format (numpy.lib.format): the magic "\x93NUMPY", a major and a minor
 * version byte, the header length (u16 little-endian in 1.0, u32 in 2.0 and
 * 3.0; 3.0 says the header is UTF-8), then the header, a Python dict literal
 *     {'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }
 * padded with spaces and ended with '\n' so that the data starts at a
 * multiple of 64 bytes; then the elements, in C order here.
 *
 * Loading checks the whole header, the shape and the file's size (fstat)
 * against each other before it allocates anything sized by the file, and
 * reads only the bytes of the rows asked for (pread), a large chunk at a
 * time straight into the new matrix, converting each element to double in
 * place. Non-finite floats and 64-bit integers that a double does not hold
 * exactly are refused, so that what is loaded is exactly what the file
 * says and every value is finite, as the CSV loader's are.
 */
#define _POSIX_C_SOURCE 200809L /* pread */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_HEADER_MAX 65536 /* bytes of header at most (numpy writes 118 for 2-D) */
#define NPY_ALIGN 64
#define NPY_MAX_LABEL 65535 /* as nn_load_csv */
#define NPY_CHUNK 65536     /* bytes written, or labels converted, at a time */
#define NPY_READ 1048576    /* bytes of doubles read at a time: checked while in cache */

/* What a header says, once checked: elements of `size` bytes of `kind`
 * ('f' float, 'i' signed, 'u' unsigned, 'b' bool), big-endian or not, a
 * rows x cols array whose first element is at byte `offset`. */
typedef struct npy_info {
    char kind;
    size_t size;
    int big;
    size_t rows, cols;
    size_t offset;
    char descr[24];
} npy_info;

/* ---- the header ---------------------------------------------------------- */

/* A cursor over the header's dict text, for the small parser below. */
typedef struct hcur {
    const char *p, *end;
} hcur;

static void skip_blanks(hcur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

/* Accept the character ch (after blanks). */
static int accept(hcur *c, char ch)
{
    skip_blanks(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* A quoted Python string ('...' or "...", no escapes) into buf. */
static int parse_str(hcur *c, char *buf, size_t cap)
{
    skip_blanks(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return 0;
    char q = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\' || n + 1 >= cap)
            return 0;
        buf[n++] = *c->p++;
    }
    if (c->p >= c->end)
        return 0;
    c->p++;
    buf[n] = '\0';
    return 1;
}

/* A non-negative integer (Python 2's "3L" accepted) up to SIZE_MAX. */
static int parse_dim(hcur *c, size_t *out)
{
    skip_blanks(c);
    size_t v = 0;
    const char *start = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        size_t d = (size_t)(*c->p++ - '0');
        if (v > (SIZE_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    if (c->p == start)
        return 0;
    if (c->p < c->end && *c->p == 'L')
        c->p++;
    *out = v;
    return 1;
}

/* Why a descr is not one of the supported dtypes, or NULL when it is one
 * (then *info's kind, size and big are set). */
static const char *check_descr(const char *d, npy_info *info)
{
    char order = d[0], kind = order ? d[1] : 0;
    char *end = NULL;
    if (!order || !kind)
        return "an empty dtype";
    if (kind == 'O')
        return "object arrays are not supported";
    if (kind == 'U' || kind == 'S' || kind == 'a')
        return "string arrays are not supported";
    if (kind == 'c')
        return "complex numbers are not supported";
    if (kind == 'V')
        return "structured dtypes are not supported";
    errno = 0;
    unsigned long size = d[2] >= '0' && d[2] <= '9' ? strtoul(d + 2, &end, 10) : 0;
    int ok = (order == '<' || order == '>' || order == '|') && size > 0 && !*end && !errno &&
             ((kind == 'f' && (size == 8 || size == 4)) ||
              (kind == 'i' && (size == 8 || size == 4 || size == 2 || size == 1)) ||
              ((kind == 'u' || kind == 'b') && size == 1));
    if (!ok || (size > 1 && order == '|'))
        return "the dtype is not supported (f8 f4 i8 i4 i2 i1 u1 b1 are)";
    info->kind = kind;
    info->size = size;
    info->big = order == '>' && size > 1;
    return NULL;
}

/* The header's keys, each required once. */
static const char *const KEYS[3] = {"descr", "fortran_order", "shape"};

/* Parse the header dict text[0..len) into *info (kind, size, rows, cols),
 * or fail naming the file and the reason. */
static nn_status parse_header(const char *path, const char *text, size_t len, npy_info *info)
{
    hcur c = {text, text + len};
    char key[32], descr[sizeof info->descr] = "";
    int seen[3] = {0, 0, 0}, fortran = 0;
    size_t dims[3], nd = 0;
    if (!accept(&c, '{'))
        return nn__fail(NN_EFORMAT, "%s: the header is not a dict", path);
    while (!accept(&c, '}')) {
        if (!parse_str(&c, key, sizeof key) || !accept(&c, ':'))
            return nn__fail(NN_EFORMAT, "%s: the header's dict is malformed", path);
        int k = 0;
        while (k < 3 && strcmp(key, KEYS[k]) != 0)
            k++;
        k = k < 3 ? k : -1;
        if (k < 0 || seen[k])
            return nn__fail(NN_EFORMAT, "%s: the header has %s key '%s'", path,
                            k < 0 ? "an unknown" : "a repeated", key);
        seen[k] = 1;
        skip_blanks(&c);
        if (k == 0 && c.p < c.end && *c.p == '[')
            return nn__fail(NN_EFORMAT, "%s: structured dtypes are not supported", path);
        if (k == 0 && !parse_str(&c, descr, sizeof descr))
            return nn__fail(NN_EFORMAT, "%s: 'descr' is not a dtype string", path);
        if (k == 1) {
            size_t left = (size_t)(c.end - c.p);
            if (left >= 4 && !memcmp(c.p, "True", 4))
                fortran = 1, c.p += 4;
            else if (left >= 5 && !memcmp(c.p, "False", 5))
                c.p += 5;
            else
                return nn__fail(NN_EFORMAT, "%s: 'fortran_order' is not True or False", path);
        }
        if (k == 2) {
            if (!accept(&c, '('))
                return nn__fail(NN_EFORMAT, "%s: 'shape' is not a tuple", path);
            while (!accept(&c, ')')) {
                size_t v;
                if (!parse_dim(&c, &v))
                    return nn__fail(NN_EFORMAT, "%s: 'shape' is not a tuple of sizes", path);
                if (nd < 3)
                    dims[nd] = v;
                nd++;
                if (!accept(&c, ',') && (skip_blanks(&c), c.p >= c.end || *c.p != ')'))
                    return nn__fail(NN_EFORMAT, "%s: 'shape' is not a tuple of sizes", path);
            }
        }
        if (!accept(&c, ',') && (skip_blanks(&c), c.p >= c.end || *c.p != '}'))
            return nn__fail(NN_EFORMAT, "%s: the header's dict is malformed", path);
    }
    skip_blanks(&c);
    if (c.p != c.end)
        return nn__fail(NN_EFORMAT, "%s: text after the header's dict", path);
    for (int k = 0; k < 3; k++)
        if (!seen[k])
            return nn__fail(NN_EFORMAT, "%s: the header lacks the key '%s'", path, KEYS[k]);
    const char *why = check_descr(descr, info);
    if (why)
        return nn__fail(NN_EFORMAT, "%s: %s (dtype '%s')", path, why, descr);
    memcpy(info->descr, descr, sizeof descr);
    if (fortran)
        return nn__fail(NN_EFORMAT,
                        "%s: Fortran order is not supported (save a C-order array, "
                        "numpy.ascontiguousarray)",
                        path);
    if (nd == 0 || nd > 2)
        return nn__fail(NN_EFORMAT, "%s: a %zu-D array is not supported (1-D or 2-D only)", path,
                        nd);
    info->rows = dims[0];
    info->cols = nd == 2 ? dims[1] : 1;
    if (info->cols == 0)
        return nn__fail(NN_EFORMAT, "%s: the array has no columns (shape (%zu, 0))", path,
                        info->rows);
    if (info->rows > INT_MAX || info->cols > INT_MAX)
        return nn__fail(NN_EFORMAT, "%s: %zu x %zu is over the limit of %d rows and columns", path,
                        info->rows, info->cols, INT_MAX);
    return NN_OK;
}

/* pread exactly n bytes at off; 0, or -1 with errno (0 for end of file). */
static int read_at(int fd, void *buf, size_t n, off_t off)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = 0;
            return -1;
        }
        p += r, n -= (size_t)r, off += r;
    }
    return 0;
}

/* Read and check the file's preamble and header into *info, the data's
 * size against the file's. */
static nn_status read_header(const char *path, int fd, npy_info *info)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return nn__fail(NN_EIO, "%s: cannot read: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return nn__fail(NN_EIO, "%s: not a regular file", path);
    size_t fsize = (size_t)sb.st_size;
    unsigned char pre[12];
    if (fsize < 10 || read_at(fd, pre, fsize < 12 ? 10 : 12, 0) != 0) {
        if (fsize >= 10)
            return nn__fail(NN_EIO, "%s: cannot read: %s", path, strerror(errno));
        return nn__fail(NN_EFORMAT, "%s: not a .npy file (%zu bytes, too short)", path, fsize);
    }
    if (memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
        return nn__fail(NN_EFORMAT, "%s: not a .npy file (no \\x93NUMPY magic)", path);
    unsigned major = pre[6], minor = pre[7];
    if (major < 1 || major > 3 || minor != 0)
        return nn__fail(NN_EFORMAT, "%s: format version %u.%u is not supported (1.0, 2.0, 3.0 are)",
                        path, major, minor);
    size_t hlen, at = major == 1 ? 10 : 12;
    if (major == 1)
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
    else if (fsize < 12)
        return nn__fail(NN_EFORMAT, "%s: the header is truncated", path);
    else
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    if (hlen > NPY_HEADER_MAX)
        return nn__fail(NN_EFORMAT, "%s: a header of %zu bytes is over the limit of %d", path, hlen,
                        NPY_HEADER_MAX);
    if (hlen > fsize - at)
        return nn__fail(NN_EFORMAT, "%s: the header is truncated (%zu bytes, the file has %zu)",
                        path, hlen, fsize - at);
    char *text = malloc(hlen + 1);
    if (!text)
        return nn__fail(NN_ENOMEM, "%s: out of memory", path);
    nn_status s = NN_OK;
    if (read_at(fd, text, hlen, (off_t)at) != 0)
        s = nn__fail(NN_EIO, "%s: cannot read: %s", path, strerror(errno));
    if (s == NN_OK && memchr(text, '\0', hlen))
        s = nn__fail(NN_EFORMAT, "%s: a NUL byte in the header", path);
    if (s == NN_OK)
        s = parse_header(path, text, hlen, info);
    free(text);
    if (s != NN_OK)
        return s;
    info->offset = at + hlen;
    size_t have = fsize - info->offset, row_bytes = info->cols * info->size;
    if (info->rows > SIZE_MAX / row_bytes || info->rows * row_bytes > (size_t)INT64_MAX)
        return nn__fail(NN_EFORMAT, "%s: %zu x %zu elements overflow the file size", path,
                        info->rows, info->cols);
    size_t need = info->rows * row_bytes;
    if (need != have)
        return nn__fail(NN_EFORMAT,
                        "%s: %s: shape %zu x %zu of '%s' is %zu data bytes, the file "
                        "has %zu",
                        path, need > have ? "truncated data" : "trailing bytes", info->rows,
                        info->cols, info->descr, need, have);
    return NN_OK;
}

/* ---- elements -------------------------------------------------------------- */

/* The unsigned integer of n bytes at p in the file's byte order. */
static uint64_t get_bits(const unsigned char *p, size_t n, int big)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[big ? n - 1 - i : i] << (8 * i);
    return v;
}

/* Element p of the dtype (kind, size, big) as a double into *out; 0, or 1
 * when it is not finite, 2 when it is an integer a double does not hold
 * exactly (then *out and the bytes at p are untouched). */
static inline int get_elem(char kind, size_t size, int big, const unsigned char *p, double *out)
{
    uint64_t bits = get_bits(p, size, big);
    if (kind == 'f') {
        if (size == 8) {
            memcpy(out, &bits, 8);
        } else {
            uint32_t b32 = (uint32_t)bits;
            float f;
            memcpy(&f, &b32, 4);
            *out = f;
        }
        return isfinite(*out) ? 0 : 1;
    }
    if (kind == 'u' || kind == 'b') {
        *out = kind == 'b' ? (bits != 0) : (double)bits;
        return 0;
    }
    /* Sign-extend from size bytes. */
    unsigned shift = (unsigned)(64 - 8 * size);
    int64_t v = (int64_t)(bits << shift) >> shift;
    if (v > (INT64_C(1) << 53) || v < -(INT64_C(1) << 53))
        return 2;
    *out = (double)v;
    return 0;
}

/* Elements [0, k) at src (laid out in place as read_elems lays them out)
 * as doubles into out[0, k), each checked: the index of the first bad one
 * with its get_elem code in *bad, or k. */
static inline size_t convert_as(char kind, size_t size, int big, const unsigned char *src, size_t k,
                                double *out, int *bad)
{
    for (size_t i = 0; i < k; i++)
        if ((*bad = get_elem(kind, size, big, src + i * size, &out[i])) != 0)
            return i;
    return k;
}

/* convert_as for *info's dtype, with its size and byte order made
 * constants: then get_bits is one load (and a byte swap). */
static size_t convert(const npy_info *info, const unsigned char *src, size_t k, double *out,
                      int *bad)
{
    char t = info->kind;
    switch (info->size * 2 + (size_t)info->big) {
    case 2:
        return convert_as(t, 1, 0, src, k, out, bad);
    case 4:
        return convert_as(t, 2, 0, src, k, out, bad);
    case 5:
        return convert_as(t, 2, 1, src, k, out, bad);
    case 8:
        return convert_as(t, 4, 0, src, k, out, bad);
    case 9:
        return convert_as(t, 4, 1, src, k, out, bad);
    case 16:
        return convert_as(t, 8, 0, src, k, out, bad);
    default:
        return convert_as(t, 8, 1, src, k, out, bad);
    }
}

/* Whether the n doubles at p are all finite, with no branch per element so
 * that the loop vectorizes: a double is NaN or infinite when its 11 exponent
 * bits are all set, and only then does adding 1 to that field carry into
 * bit 63. Four accumulators, to keep four vectors in flight. */
static int all_finite(const double *p, size_t n)
{
    const uint64_t exp = UINT64_C(0x7ff0000000000000), one = UINT64_C(1) << 52;
    uint64_t acc[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (size_t k = 0; k < 4; k++) {
            uint64_t b;
            memcpy(&b, p + i + k, 8);
            acc[k] |= (b & exp) + one;
        }
    for (; i < n; i++) {
        uint64_t b;
        memcpy(&b, p + i, 8);
        acc[0] |= (b & exp) + one;
    }
    return ((acc[0] | acc[1] | acc[2] | acc[3]) >> 63) == 0;
}

/* Elements [e0, e0 + n) of the checked file fd (element e is row e / cols,
 * column e % cols) as doubles into dst[0, n), each checked; on failure dst
 * holds anything. A chunk of k elements is read (pread, one call) into the
 * last k * size bytes of its own k doubles and converted front to back in
 * place: the double of element i ends at byte 8 (i + 1), where the bytes of
 * element i + 1 begin at the earliest (size <= 8), so no element is
 * overwritten before it is read. A little-endian '<f8' file on a
 * little-endian host (what numpy.save writes there) is the doubles already:
 * a chunk is only checked, while it is still in cache. */
static nn_status read_elems(int fd, const char *path, const npy_info *info, size_t e0, size_t n,
                            double *dst)
{
    const uint16_t one = 1;
    const int raw = info->kind == 'f' && info->size == 8 && !info->big &&
                    *(const unsigned char *)&one == 1;
    const size_t per = NPY_READ / sizeof(double);
    off_t off = (off_t)(info->offset + e0 * info->size);
    for (size_t e = 0; e < n; e += per) {
        size_t k = n - e < per ? n - e : per;
        double *out = dst + e;
        unsigned char *src = (unsigned char *)(out + k) - k * info->size;
        if (read_at(fd, src, k * info->size, off) != 0)
            return nn__fail(NN_EIO, "%s: cannot read: %s", path,
                            errno ? strerror(errno) : "the file shrank");
        off += (off_t)(k * info->size);
        if (raw && all_finite(out, k))
            continue;
        int bad = 1;
        size_t i = 0;
        if (raw)
            while (isfinite(out[i]))
                i++;
        else if ((i = convert(info, src, k, out, &bad)) == k)
            continue;
        size_t r = (e0 + e + i) / info->cols, col = (e0 + e + i) % info->cols;
        if (bad == 1)
            return nn__fail(NN_ENUMERIC, "%s: row %zu, column %zu (0-based) is %s", path, r, col,
                            isnan(out[i]) ? "NaN" : "infinite");
        return nn__fail(NN_ENUMERIC,
                        "%s: row %zu, column %zu (0-based) is %lld, "
                        "beyond 2^53: a double does not hold it exactly",
                        path, r, col,
                        (long long)(int64_t)get_bits(src + i * info->size, 8, info->big));
    }
    return NN_OK;
}

/* Rows [first, first + n) (within the shape) of the checked file fd into
 * *out, written only on success; n == 0 gives the empty {NULL, 0, cols,
 * cols}. The matrix is not zeroed first: read_elems writes every element,
 * and it is freed on failure. */
static nn_status read_rows(int fd, const char *path, const npy_info *info, size_t first, size_t n,
                           nn_mat *out)
{
    nn_mat m = {NULL, 0, info->cols, info->cols};
    if (n == 0) {
        *out = m;
        return NN_OK;
    }
    nn_status s = nn__mat_alloc_uninit(&m, n, info->cols);
    if (s != NN_OK)
        return nn__fail(s, "%s: cannot allocate %zu x %zu doubles", path, n, info->cols);
    s = read_elems(fd, path, info, first * info->cols, n * info->cols, m.data);
    if (s != NN_OK) {
        nn_mat_free(&m);
        return s;
    }
    *out = m;
    return NN_OK;
}

/* Open path and read and check its header into *info; *fd is the open file
 * on success (the caller closes it). */
static nn_status open_npy(const char *path, int *fd, npy_info *info)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return nn__fail(NN_EIO, "%s: cannot open: %s", path, strerror(errno));
    nn_status s = read_header(path, *fd, info);
    if (s != NN_OK)
        close(*fd);
    return s;
}

/* Open path and read rows [first, first + n) into *out (written only on
 * success), or with `all` every row. */
static nn_status load_rows(nn_mat *out, const char *path, int all, size_t first, size_t n,
                           const char *func)
{
    if (!out || !path)
        return nn__fail(NN_EINVAL, "%s: %s is NULL", func, !out ? "out" : "path");
    int fd;
    npy_info info;
    NN_TRY(open_npy(path, &fd, &info));
    nn_status s = NN_OK;
    if (all)
        n = info.rows;
    if (first > info.rows || n > info.rows - first)
        s = nn__fail(NN_EINVAL, "%s: %s: %zu rows from row %zu are out of range: the file has %zu",
                     func, path, n, first, info.rows);
    if (s == NN_OK)
        s = read_rows(fd, path, &info, first, n, out);
    close(fd);
    return s;
}

nn_status nn_load_npy(nn_mat *out, const char *path)
{
    return load_rows(out, path, 1, 0, 0, "nn_load_npy");
}

nn_status nn_load_npy_rows(nn_mat *out, const char *path, size_t first_row, size_t n_rows)
{
    return load_rows(out, path, 0, first_row, n_rows, "nn_load_npy_rows");
}

/* ---- saving ---------------------------------------------------------------- */

/* The header numpy writes for a rows x cols '<f8' C-order array (with its
 * spare room for a growing first axis), into h; its length. Format 1.0
 * when the header fits a u16 length, else 2.0. */
static size_t make_header(char *h, size_t cap, size_t rows, size_t cols)
{
    char dict[160], rows_text[24];
    int nr = snprintf(rows_text, sizeof rows_text, "%zu", rows);
    int nd = snprintf(dict, sizeof dict,
                      "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu, %zu), }%*s", rows,
                      cols, 21 - nr, "");
    size_t dlen = (size_t)nd + 1; /* with the '\n' */
    int v2 = 10 + dlen + NPY_ALIGN > 65535;
    size_t pre = v2 ? 12 : 10;
    size_t pad = (NPY_ALIGN - (pre + dlen) % NPY_ALIGN) % NPY_ALIGN;
    size_t hlen = dlen + pad, n = pre + hlen;
    if (n > cap)
        return 0;
    memcpy(h, NPY_MAGIC, NPY_MAGIC_LEN);
    h[6] = v2 ? 2 : 1;
    h[7] = 0;
    for (size_t i = 0; i < pre - 8; i++)
        h[8 + i] = (char)(unsigned char)(hlen >> (8 * i));
    memcpy(h + pre, dict, (size_t)nd);
    memset(h + pre + nd, ' ', pad);
    h[n - 1] = '\n';
    return n;
}

nn_status nn_save_npy(const char *path, nn_mat m)
{
    if (!path || !*path)
        return nn__fail(NN_EINVAL, "nn_save_npy: path is %s", !path ? "NULL" : "empty");
    NN_TRY(nn__check_view(m, "nn_save_npy", "m"));
    for (size_t i = 0; i < m.rows; i++)
        for (size_t j = 0; j < m.cols; j++)
            if (!isfinite(m.data[i * m.ld + j]))
                return nn__fail(NN_ENUMERIC, "nn_save_npy: m[%zu, %zu] is %s", i, j,
                                isnan(m.data[i * m.ld + j]) ? "NaN" : "infinite");
    char head[256];
    size_t hn = make_header(head, sizeof head, m.rows, m.cols);
    unsigned char *buf = malloc(NPY_CHUNK);
    if (!buf)
        return nn__fail(NN_ENOMEM, "nn_save_npy: out of memory");
    nn__atomic_file af;
    nn_status s = nn__atomic_open(&af, path, "nn_save_npy");
    if (s != NN_OK) {
        free(buf);
        return s;
    }
    fwrite(head, 1, hn, af.f);
    /* Little-endian bytes of each row's cols elements (not the ld - cols
     * after them), a chunk at a time. */
    size_t used = 0;
    for (size_t i = 0; i < m.rows; i++)
        for (size_t j = 0; j < m.cols; j++) {
            uint64_t bits;
            memcpy(&bits, &m.data[i * m.ld + j], 8);
            for (int b = 0; b < 8; b++)
                buf[used++] = (unsigned char)(bits >> (8 * b));
            if (used == NPY_CHUNK) {
                fwrite(buf, 1, used, af.f);
                used = 0;
            }
        }
    fwrite(buf, 1, used, af.f);
    free(buf);
    /* A failed write left the error flag on af.f: the commit sees it. */
    return nn__atomic_commit(&af);
}

/* ---- data sets ------------------------------------------------------------- */

/* The labels column of the checked file fd, n x 1 (whole numbers in [0,
 * NPY_MAX_LABEL]), into d's y and n_classes as nn_load_csv numbers integer
 * labels; d is written only on success. The labels go through a block of
 * doubles, never a whole column of them. */
static nn_status read_labels(int fd, const char *path, const npy_info *info, nn_dataset *d)
{
    if (info->cols != 1)
        return nn__fail(NN_EFORMAT,
                        "%s: classification labels must be 1-D or n x 1, found "
                        "%zu x %zu",
                        path, info->rows, info->cols);
    const size_t n = info->rows, per = NPY_CHUNK / sizeof(double);
    int32_t *lab = malloc(n * sizeof *lab);
    double *v = malloc(per * sizeof *v);
    nn_status s = lab && v ? NN_OK : nn__fail(NN_ENOMEM, "%s: out of memory", path);
    size_t max = 0;
    for (size_t e = 0; s == NN_OK && e < n; e += per) {
        size_t k = n - e < per ? n - e : per;
        s = read_elems(fd, path, info, e, k, v);
        for (size_t i = 0; s == NN_OK && i < k; i++) {
            if (v[i] != floor(v[i]) || v[i] < 0 || v[i] > NPY_MAX_LABEL) {
                s = nn__fail(NN_EFORMAT,
                             "%s: row %zu (0-based): a label must be an integer in "
                             "[0, %d], found %.17g",
                             path, e + i, NPY_MAX_LABEL, v[i]);
                break;
            }
            lab[e + i] = (int32_t)v[i];
            max = (size_t)lab[e + i] > max ? (size_t)lab[e + i] : max;
        }
    }
    free(v);
    if (s != NN_OK) {
        free(lab);
        return s;
    }
    d->y = lab;
    d->n_classes = max + 1 < 2 ? 2 : max + 1;
    return NN_OK;
}

nn_status nn_load_npy_dataset(nn_dataset *out, const char *x_path, const char *y_path, nn_task task)
{
    const char *func = "nn_load_npy_dataset";
    if (!out || !x_path || !y_path)
        return nn__fail(NN_EINVAL, "%s: %s is NULL", func,
                        !out      ? "out"
                        : !x_path ? "x_path"
                                  : "y_path");
    if (task != NN_TASK_CLASSIFY && task != NN_TASK_MULTILABEL && task != NN_TASK_REGRESS)
        return nn__fail(NN_EINVAL, "%s: task %d is out of range", func, (int)task);
    nn_dataset d;
    memset(&d, 0, sizeof d);
    NN_TRY(load_rows(&d.x, x_path, 1, 0, 0, func));
    /* The labels' or targets' shape is checked against x's before their
     * elements are read. */
    int fd;
    npy_info yi;
    nn_status s = open_npy(y_path, &fd, &yi);
    if (s != NN_OK) {
        nn_dataset_free(&d);
        return s;
    }
    if (d.x.rows == 0)
        s = nn__fail(NN_EFORMAT, "%s: no rows", x_path);
    else if (yi.rows != d.x.rows)
        s = nn__fail(NN_ESHAPE, "%s: %s has %zu rows but %s has %zu", func, x_path, d.x.rows,
                     y_path, yi.rows);
    else if (task == NN_TASK_CLASSIFY)
        s = read_labels(fd, y_path, &yi, &d);
    else
        s = read_rows(fd, y_path, &yi, 0, yi.rows, &d.t);
    close(fd);
    for (size_t i = 0; s == NN_OK && task == NN_TASK_MULTILABEL && i < d.t.rows * d.t.cols; i++)
        if (d.t.data[i] != 0.0 && d.t.data[i] != 1.0)
            s = nn__fail(NN_EFORMAT,
                         "%s: row %zu, column %zu (0-based): expected 0 or 1 "
                         "(a multilabel target), found %.17g",
                         y_path, i / d.t.cols, i % d.t.cols, d.t.data[i]);
    if (s == NN_OK && task != NN_TASK_CLASSIFY)
        d.n_classes = d.t.cols;
    if (s != NN_OK) {
        nn_dataset_free(&d);
        return s;
    }
    *out = d;
    return NN_OK;
}
