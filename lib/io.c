/* Saving and loading a net.
 *
 * The file format (version 2 for F64 nets, version 3 for F32 nets; every
 * version 1, 2 and 3 file is read) is specified in docs/model-format.md.
 * All integers unsigned little-endian, all doubles IEEE-754 binary64 and
 * floats binary32, little-endian:
 *
 *     8 bytes   magic "LIBNN\0NT"
 *     u32       format version (2, or 3 for an F32 net)
 *     u32       init scheme (nn_init)
 *     u64       seed
 *     u64       L, the number of dense layers (1 .. NN__MAX_LAYERS)
 *     u64 x L+1 units: n_inputs, hidden sizes..., n_outputs
 *     u64       P, the number of parameters (must match the units)
 *   versions 2 and 3:
 *     u32       task (nn_task)
 *     u32       (version 3 only) dtype (nn_dtype: 0 F64, 1 F32)
 *     f64       leaky ReLU slope
 *     u32 x L-1 hidden activations (nn_activation)
 *     u32       flags: 1 input scaler, 2 target scaler, 4 class names
 *     f64 x 2n  input scaler (flag 1): n_inputs means, then n_inputs scales
 *     f64 x 2C  target scaler (flag 2): C = n_outputs means, then scales
 *     names     (flag 4) C times: u32 length (1 .. 4096), then its bytes
 *   all:
 *     f64 x P   parameters in the order W_0 (row-major, in x out), b_0, W_1 ...
 *               (f32 x P for an F32 net)
 *     u64       FNV-1a 64 checksum of every byte above
 *
 * nn_net_save writes to a temporary file in the same directory, flushes it
 * to disk and renames it over the destination, so a reader sees either the
 * old file or the whole new one, never a torn write. Neither writes nor
 * reads a net with a NaN or infinite parameter.
 *
 * Loading checks before it allocates anything sized by the file: the header
 * against itself and against the file's size (fstat), and for a net of more
 * than 2^23 parameters (64 MiB) the checksum of the whole file, streamed
 * (holes of a sparse file hashed as the zeros they read as, without reading
 * them), so a header that lies about its sizes never makes it allocate more
 * than the file holds, and a large corrupt file is refused in one streaming
 * pass over its real bytes.
 */
#define _GNU_SOURCE /* SEEK_DATA, SEEK_HOLE (lseek) */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "net/net_internal.h"

static const unsigned char MAGIC[8] = {'L', 'I', 'B', 'N', 'N', 0, 'N', 'T'};
#define FORMAT_VERSION 2u     /* what an F64 net is written as */
#define FORMAT_VERSION_F32 3u /* an F32 net; the newest version read */
enum { HAS_SCALER = 1, HAS_TARGET_SCALER = 2, HAS_NAMES = 4 };

/* ---- a checksummed byte stream ---------------------------------------------- */

#define FNV_PRIME 0x100000001b3u
/* Nets of more parameters (64 MiB of them) have the whole file's checksum
 * verified before they are allocated. */
#define PRECHECK_PARAMS ((uint64_t)1 << 23)

typedef struct stream {
    FILE *f;
    uint64_t hash; /* FNV-1a over every byte written or read so far */
    int failed;
} stream;

static void hash_bytes(stream *s, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s->hash ^= p[i];
        s->hash *= FNV_PRIME;
    }
}

static void put_bytes(stream *s, const void *p, size_t n)
{
    hash_bytes(s, p, n);
    if (!s->failed && fwrite(p, 1, n, s->f) != n)
        s->failed = 1;
}

static void put_u64(stream *s, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    put_bytes(s, b, 8);
}

static void put_u32(stream *s, uint32_t v)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    put_bytes(s, b, 4);
}

static int get_bytes(stream *s, void *p, size_t n)
{
    if (s->failed || fread(p, 1, n, s->f) != n) {
        s->failed = 1;
        return 0;
    }
    hash_bytes(s, p, n);
    return 1;
}

static uint64_t get_u64(stream *s)
{
    unsigned char b[8] = {0};
    uint64_t v = 0;
    get_bytes(s, b, 8);
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static uint32_t get_u32(stream *s)
{
    unsigned char b[4] = {0};
    uint32_t v = 0;
    get_bytes(s, b, 4);
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)b[i] << (8 * i);
    return v;
}

static uint64_t double_bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static double bits_double(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* ---- save ---------------------------------------------------------------- */

static void put_doubles(stream *s, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_u64(s, double_bits(v[i]));
}

static void put_params(stream *s, const nn_net *net)
{
    if (net->spec.dtype != NN_F32) {
        put_doubles(s, net->params, net->n_params);
        return;
    }
    for (size_t i = 0; i < net->n_params; i++) {
        uint32_t u;
        memcpy(&u, &net->params_f32[i], sizeof u);
        put_u32(s, u);
    }
}

/* Parameter i of the block, of either dtype, as a double. */
static double param_at(const nn_net *net, size_t i)
{
    return net->spec.dtype == NN_F32 ? (double)net->params_f32[i] : net->params[i];
}

/* NN_ENUMERIC when a parameter of the net is NaN or infinite, naming the
 * layer (0-based, as nn_net_weights), the part and the element. */
static nn_status check_finite(const nn_net *net, const char *func, const char *path)
{
    const nn__net_spec *sp = &net->spec;
    size_t at = 0;
    for (size_t l = 0; l < sp->n_layers; l++) {
        size_t in = sp->units[l], out = sp->units[l + 1];
        for (int bias = 0; bias < 2; bias++) {
            size_t n = bias ? out : in * out;
            for (size_t i = 0; i < n; i++)
                if (!isfinite(param_at(net, at + i))) {
                    size_t r = bias ? 0 : i / out, c = bias ? i : i % out;
                    return nn__fail(NN_ENUMERIC, "%s: %s: layer %zu's %s [%zu][%zu] is %s",
                                    func, path, l, bias ? "bias" : "weight", r, c,
                                    isnan(param_at(net, at + i)) ? "NaN" : "infinite");
                }
            at += n;
        }
    }
    return NN_OK;
}

/* Everything before the checksum, in the order of the format above. */
static void write_body(stream *st, const nn_net *net)
{
    const nn__net_spec *sp = &net->spec;
    size_t L = sp->n_layers, C = sp->units[L];
    put_bytes(st, MAGIC, sizeof MAGIC);
    const int f32 = sp->dtype == NN_F32;
    put_u32(st, f32 ? FORMAT_VERSION_F32 : FORMAT_VERSION);
    put_u32(st, (uint32_t)sp->init);
    put_u64(st, sp->seed);
    put_u64(st, L);
    for (size_t l = 0; l <= L; l++)
        put_u64(st, sp->units[l]);
    put_u64(st, net->n_params);
    put_u32(st, (uint32_t)sp->task);
    if (f32)
        put_u32(st, (uint32_t)sp->dtype);
    put_u64(st, double_bits(sp->slope));
    for (size_t l = 0; l + 1 < L; l++)
        put_u32(st, (uint32_t)sp->act[l]);
    uint32_t flags = (net->scaler.mean ? HAS_SCALER : 0) |
                     (net->target_scaler.mean ? HAS_TARGET_SCALER : 0) |
                     (net->class_names ? HAS_NAMES : 0);
    put_u32(st, flags);
    if (flags & HAS_SCALER) {
        put_doubles(st, net->scaler.mean, sp->units[0]);
        put_doubles(st, net->scaler.scale, sp->units[0]);
    }
    if (flags & HAS_TARGET_SCALER) {
        put_doubles(st, net->target_scaler.mean, C);
        put_doubles(st, net->target_scaler.scale, C);
    }
    if (flags & HAS_NAMES)
        for (size_t k = 0; k < C; k++) {
            size_t len = strlen(net->class_names[k]);
            len = len > NN__MAX_NAME ? NN__MAX_NAME : len;
            put_u32(st, (uint32_t)len);
            put_bytes(st, net->class_names[k], len);
        }
    put_params(st, net);
}

nn_status nn_net_save(const nn_net *net, const char *path)
{
    if (!net || !path || !*path)
        return nn__fail(NN_EINVAL, "nn_net_save: %s",
                        !net ? "net is NULL" : !path ? "path is NULL" : "path is empty");
    nn_status s = check_finite(net, "nn_net_save", path);
    if (s != NN_OK)
        return s;
    nn__atomic_file af;
    s = nn__atomic_open(&af, path, "nn_net_save");
    if (s != NN_OK)
        return s;
    stream st = {af.f, 0xcbf29ce484222325u, 0};
    write_body(&st, net);
    put_u64(&st, st.hash);
    /* A failed write left the error flag on af.f: the commit sees it. */
    return nn__atomic_commit(&af);
}

/* ---- load ---------------------------------------------------------------- */

/* Bytes of one stored parameter. */
static uint64_t param_size(nn_dtype dtype)
{
    return dtype == NN_F32 ? 4 : 8;
}

/* Bytes left in the file after the current position (its fstat size), or
 * -1. */
static long bytes_left(FILE *f)
{
    struct stat sb;
    long here = ftell(f);
    if (here < 0 || fstat(fileno(f), &sb) != 0 || sb.st_size < here || sb.st_size > LONG_MAX)
        return -1;
    return (long)sb.st_size - here;
}

/* FNV-1a's state after n zero bytes from h: each multiplies by the prime. */
static uint64_t hash_zeros(uint64_t h, uint64_t n)
{
    for (uint64_t p = FNV_PRIME; n; n >>= 1, p *= p)
        if (n & 1)
            h *= p;
    return h;
}

/* FNV-1a over bytes [at, to) of fd, from *h; the holes of a sparse file
 * (SEEK_HOLE, where the filesystem knows them) cost O(log) each. 0, or -1
 * on a read error or a short file. Reads with pread: the FILE's position
 * must be set again (fseek) afterwards. */
static int hash_file(int fd, off_t at, off_t to, uint64_t *h)
{
    unsigned char buf[1 << 16];
    while (at < to) {
        off_t data = lseek(fd, at, SEEK_DATA);
        if (data < 0)
            data = errno == ENXIO ? to : at; /* ENXIO: a hole up to the end */
        if (data > at) {
            data = data < to ? data : to;
            *h = hash_zeros(*h, (uint64_t)(data - at));
            at = data;
            continue;
        }
        off_t hole = lseek(fd, at, SEEK_HOLE);
        hole = hole > at && hole < to ? hole : to;
        while (at < hole) {
            size_t want = hole - at < (off_t)sizeof buf ? (size_t)(hole - at) : sizeof buf;
            ssize_t got = pread(fd, buf, want, at);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                return -1;
            for (ssize_t i = 0; i < got; i++)
                *h = (*h ^ buf[i]) * FNV_PRIME;
            at += got;
        }
    }
    return 0;
}

/* The checksum of the whole file, from the stream's position on, before
 * anything sized by the header is allocated. The position is kept. */
static nn_status verify_checksum(stream *st, const char *path)
{
    int fd = fileno(st->f);
    long here = ftell(st->f);
    struct stat sb;
    if (here < 0 || fstat(fd, &sb) != 0 || sb.st_size < here + 8)
        return nn__fail(NN_EFORMAT, "%s: truncated file", path);
    uint64_t h = st->hash;
    unsigned char b[8];
    int ok = hash_file(fd, here, sb.st_size - 8, &h) == 0 &&
             pread(fd, b, 8, sb.st_size - 8) == 8;
    if (fseek(st->f, here, SEEK_SET) != 0 || !ok)
        return nn__fail(NN_EIO, "nn_net_load: cannot read %s", path);
    uint64_t sum = 0;
    for (int i = 0; i < 8; i++)
        sum |= (uint64_t)b[i] << (8 * i);
    if (sum != h)
        return nn__fail(NN_EFORMAT, "%s: checksum mismatch (the file is corrupt)", path);
    return NN_OK;
}

static void get_doubles(stream *s, double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = bits_double(get_u64(s));
}

/* A scaler of n features read from the file into the net: means, then
 * scales; each scale positive and finite, as nn_net_set_scaler demands. */
static nn_status read_scaler(stream *st, nn_scaler *sc, size_t n, const char *path,
                             const char *what)
{
    sc->mean = malloc(n * sizeof(double));
    sc->scale = malloc(n * sizeof(double));
    if (!sc->mean || !sc->scale)
        return nn__fail(NN_ENOMEM, "%s: out of memory", path);
    sc->n_features = n;
    get_doubles(st, sc->mean, n);
    get_doubles(st, sc->scale, n);
    for (size_t j = 0; j < n && !st->failed; j++)
        if (!isfinite(sc->mean[j]) || !(sc->scale[j] > 0.0) || !isfinite(sc->scale[j]))
            return nn__fail(NN_EFORMAT, "%s: %s feature %zu is invalid", path, what, j);
    return NN_OK;
}

static nn_status read_names(stream *st, nn_net *net, size_t C, long *left, const char *path)
{
    net->class_names = calloc(C, sizeof *net->class_names);
    if (!net->class_names)
        return nn__fail(NN_ENOMEM, "%s: out of memory", path);
    for (size_t k = 0; k < C; k++) {
        uint32_t len = get_u32(st);
        *left -= 4;
        if (st->failed || len == 0 || len > NN__MAX_NAME || (long)len > *left)
            return nn__fail(NN_EFORMAT, "%s: class name %zu has a bad length", path, k);
        char *name = malloc((size_t)len + 1);
        if (!name)
            return nn__fail(NN_ENOMEM, "%s: out of memory", path);
        net->class_names[k] = name;
        get_bytes(st, name, len);
        name[len] = '\0';
        *left -= (long)len;
        if (memchr(name, '\0', len))
            return nn__fail(NN_EFORMAT, "%s: class name %zu holds a NUL byte", path, k);
    }
    return NN_OK;
}

/* The version 2 fields between the header and the parameters. */
static nn_status read_v2(stream *st, nn_net *net, uint32_t *task, long *left, const char *path)
{
    nn__net_spec *sp = &net->spec;
    size_t L = sp->n_layers, C = sp->units[L];
    uint32_t flags = get_u32(st);
    *left -= 4;
    if (st->failed || flags > 7)
        return nn__fail(NN_EFORMAT, "%s: bad flags", path);
    /* Fixed-size parts first, checked against the file before allocating
     * (a class name takes 5 bytes at least: its length and one byte). */
    uint64_t need = (uint64_t)net->n_params * param_size(sp->dtype) + 8;
    if (flags & HAS_SCALER)
        need += 16 * (uint64_t)sp->units[0];
    if (flags & HAS_TARGET_SCALER)
        need += 16 * (uint64_t)C;
    if (flags & HAS_NAMES)
        need += 5 * (uint64_t)C;
    if (need > (uint64_t)*left)
        return nn__fail(NN_EFORMAT, "%s: the file is too short for its header (%ld bytes left,"
                        " at least %llu needed)", path, *left, (unsigned long long)need);
    nn_status s = NN_OK;
    if (flags & HAS_SCALER)
        s = read_scaler(st, &net->scaler, sp->units[0], path, "input scaler");
    if (s == NN_OK && (flags & HAS_TARGET_SCALER)) {
        if (*task != NN_TASK_REGRESS)
            return nn__fail(NN_EFORMAT, "%s: a target scaler on a %s net", path,
                            nn_task_name((nn_task)*task));
        s = read_scaler(st, &net->target_scaler, C, path, "target scaler");
    }
    if (s != NN_OK)
        return s;
    if (flags & HAS_SCALER)
        *left -= (long)(16 * sp->units[0]);
    if (flags & HAS_TARGET_SCALER)
        *left -= (long)(16 * C);
    if (flags & HAS_NAMES)
        s = read_names(st, net, C, left, path);
    return s;
}

static nn_status load_stream(nn_net **out, stream *st, const char *path)
{
    unsigned char magic[8];
    if (!get_bytes(st, magic, sizeof magic) || memcmp(magic, MAGIC, sizeof magic) != 0)
        return nn__fail(NN_EFORMAT, "%s: not a libnn net file (bad magic)", path);
    uint32_t version = get_u32(st);
    uint32_t init = get_u32(st);
    nn__net_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.seed = get_u64(st);
    uint64_t L = get_u64(st);
    if (st->failed)
        return nn__fail(NN_EFORMAT, "%s: truncated header", path);
    if (version < 1 || version > FORMAT_VERSION_F32)
        return nn__fail(NN_EFORMAT, "%s: format version %u, this libnn reads versions 1 to %u",
                        path, (unsigned)version, FORMAT_VERSION_F32);
    if (init > (uint32_t)NN_INIT_ORTHOGONAL)
        return nn__fail(NN_EFORMAT, "%s: unknown init scheme %u", path, (unsigned)init);
    if (L < 1 || L > NN__MAX_LAYERS)
        return nn__fail(NN_EFORMAT, "%s: %llu layers (must be 1..%d)", path,
                        (unsigned long long)L, NN__MAX_LAYERS);
    spec.n_layers = (size_t)L;
    spec.init = (nn_init)init;
    for (size_t l = 0; l <= L; l++) {
        uint64_t u = get_u64(st);
        if (st->failed)
            return nn__fail(NN_EFORMAT, "%s: truncated header", path);
        if (u < 1 || u > INT_MAX)
            return nn__fail(NN_EFORMAT, "%s: layer size %llu is invalid", path,
                            (unsigned long long)u);
        spec.units[l] = (size_t)u;
    }
    uint64_t P = get_u64(st);
    uint32_t task = NN_TASK_CLASSIFY;
    spec.slope = 0.01;
    if (version >= 2) {
        task = get_u32(st);
        uint32_t dtype = version >= 3 ? get_u32(st) : NN_F64;
        if (!st->failed && dtype > NN_F32)
            return nn__fail(NN_EFORMAT, "%s: unknown dtype %u", path, (unsigned)dtype);
        spec.dtype = (nn_dtype)dtype;
        spec.slope = bits_double(get_u64(st));
        for (size_t l = 0; l + 1 < L; l++) {
            uint32_t a = get_u32(st);
            if (a >= NN__N_ACT)
                return nn__fail(NN_EFORMAT, "%s: unknown activation %u", path, (unsigned)a);
            spec.act[l] = (nn_activation)a;
        }
    }
    if (st->failed)
        return nn__fail(NN_EFORMAT, "%s: truncated header", path);
    if (task > NN_TASK_REGRESS)
        return nn__fail(NN_EFORMAT, "%s: unknown task %u", path, (unsigned)task);
    if (spec.units[L] < nn__loss_for((nn_task)task)->min_outputs)
        return nn__fail(NN_EFORMAT, "%s: %zu outputs are too few for task %s", path,
                        spec.units[L], nn_task_name((nn_task)task));
    if (!(spec.slope > 0.0 && spec.slope <= 1.0))
        return nn__fail(NN_EFORMAT, "%s: leaky slope %g is invalid", path, spec.slope);
    spec.task = (nn_task)task;
    /* Before allocating anything, make sure the header agrees with itself
     * and with the file's length, so a corrupt size can never make us
     * allocate gigabytes. */
    uint64_t need = 0;
    for (size_t l = 0; l < L; l++) {
        uint64_t layer = (uint64_t)spec.units[l] * spec.units[l + 1] + spec.units[l + 1];
        if (layer > UINT64_MAX / 16 - need)
            return nn__fail(NN_EFORMAT, "%s: layer sizes overflow", path);
        need += layer;
    }
    if (P != need)
        return nn__fail(NN_EFORMAT, "%s: %llu parameters stored, the layer sizes need %llu",
                        path, (unsigned long long)P, (unsigned long long)need);
    long left = bytes_left(st->f);
    if (left < 0)
        return nn__fail(NN_EIO, "%s: cannot seek", path);
    const uint64_t body = P * param_size(spec.dtype) + 8;
    if ((uint64_t)left < body || (version == 1 && (uint64_t)left != body))
        return nn__fail(NN_EFORMAT,
                        "%s: the file holds %ld bytes after the header, expected %s%llu", path,
                        left, version == 1 ? "" : "at least ", (unsigned long long)body);
    /* A large net is allocated only once the file's checksum is known good
     * (a small one is checked as it is read, with finer messages). */
    nn_status s = P > PRECHECK_PARAMS ? verify_checksum(st, path) : NN_OK;
    if (s != NN_OK)
        return s;
    nn_net *net;
    if ((s = nn__net_alloc(&net, &spec, "nn_net_load")) != NN_OK)
        return s;
    if (version >= 2 && (s = read_v2(st, net, &task, &left, path)) != NN_OK) {
        nn_net_free(net);
        return s;
    }
    if (spec.dtype == NN_F32)
        for (size_t i = 0; i < net->n_params; i++) {
            uint32_t u = get_u32(st);
            memcpy(&net->params_f32[i], &u, sizeof u);
        }
    else
        get_doubles(st, net->params, net->n_params);
    uint64_t want = st->hash;
    uint64_t sum = get_u64(st);
    unsigned char extra;
    int trailing = !st->failed && fread(&extra, 1, 1, st->f) == 1;
    if (st->failed || trailing || sum != want) {
        nn_net_free(net);
        return nn__fail(NN_EFORMAT, "%s: %s", path,
                        st->failed ? "truncated file"
                        : trailing ? "unexpected data after the checksum"
                                   : "checksum mismatch (the file is corrupt)");
    }
    if ((s = check_finite(net, "nn_net_load", path)) != NN_OK) {
        nn_net_free(net);
        return s;
    }
    *out = net;
    return NN_OK;
}

nn_status nn_net_load(nn_net **out, const char *path)
{
    if (!out || !path)
        return nn__fail(NN_EINVAL, "nn_net_load: %s is NULL", !out ? "out" : "path");
    FILE *f = fopen(path, "rb");
    if (!f)
        return nn__fail(NN_EIO, "nn_net_load: cannot open %s: %s", path, strerror(errno));
    stream st = {f, 0xcbf29ce484222325u, 0};
    nn_status s = load_stream(out, &st, path);
    if (s == NN_EFORMAT && ferror(f))
        s = nn__fail(NN_EIO, "nn_net_load: cannot read %s", path);
    fclose(f);
    return s;
}
