/* Saving and loading a net.
 *
 * File format, version 1, all integers unsigned little-endian, all doubles
 * IEEE-754 binary64 little-endian:
 *
 *     8 bytes   magic "LIBNN\0NT"
 *     u32       format version (1)
 *     u32       init scheme (nn_init)
 *     u64       seed
 *     u64       L, the number of dense layers (1 .. NN__MAX_LAYERS)
 *     u64 x L+1 units: n_inputs, hidden sizes..., n_classes
 *     u64       P, the number of parameters (must match the units)
 *     f64 x P   parameters in the order W_0 (row-major, in x out), b_0, W_1 ...
 *     u64       FNV-1a 64 checksum of every byte above
 *
 * nn_net_save writes to a temporary file in the same directory, flushes it
 * to disk and renames it over the destination, so a reader sees either the
 * old file or the whole new one, never a torn write.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net_internal.h"

static const unsigned char MAGIC[8] = {'L', 'I', 'B', 'N', 'N', 0, 'N', 'T'};
#define FORMAT_VERSION 1u

/* ---- a checksummed byte stream ---------------------------------------------- */

typedef struct stream {
    FILE *f;
    uint64_t hash; /* FNV-1a over every byte written or read so far */
    int failed;
} stream;

static void hash_bytes(stream *s, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s->hash ^= p[i];
        s->hash *= 0x100000001b3u;
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

nn_status nn_net_save(const nn_net *net, const char *path)
{
    if (!net || !path || !*path)
        return nn__fail(NN_EINVAL, "nn_net_save: %s",
                        !net ? "net is NULL" : !path ? "path is NULL" : "path is empty");
    nn__atomic_file af;
    nn_status s = nn__atomic_open(&af, path, "nn_net_save");
    if (s != NN_OK)
        return s;
    stream st = {af.f, 0xcbf29ce484222325u, 0};
    put_bytes(&st, MAGIC, sizeof MAGIC);
    put_u32(&st, FORMAT_VERSION);
    put_u32(&st, (uint32_t)net->init);
    put_u64(&st, net->seed);
    put_u64(&st, net->n_layers);
    for (size_t l = 0; l <= net->n_layers; l++)
        put_u64(&st, net->units[l]);
    put_u64(&st, net->n_params);
    for (size_t i = 0; i < net->n_params; i++)
        put_u64(&st, double_bits(net->params[i]));
    put_u64(&st, st.hash);
    /* A failed write left the error flag on af.f: the commit sees it. */
    return nn__atomic_commit(&af);
}

/* ---- load ---------------------------------------------------------------- */

static nn_status load_stream(nn_net **out, stream *st, const char *path)
{
    unsigned char magic[8];
    if (!get_bytes(st, magic, sizeof magic) || memcmp(magic, MAGIC, sizeof magic) != 0)
        return nn__fail(NN_EFORMAT, "%s: not a libnn net file (bad magic)", path);
    uint32_t version = get_u32(st);
    uint32_t init = get_u32(st);
    uint64_t seed = get_u64(st);
    uint64_t L = get_u64(st);
    if (st->failed)
        return nn__fail(NN_EFORMAT, "%s: truncated header", path);
    if (version != FORMAT_VERSION)
        return nn__fail(NN_EFORMAT, "%s: format version %u, this libnn reads version %u", path,
                        (unsigned)version, FORMAT_VERSION);
    if (init > (uint32_t)NN_INIT_ORTHOGONAL)
        return nn__fail(NN_EFORMAT, "%s: unknown init scheme %u", path, (unsigned)init);
    if (L < 1 || L > NN__MAX_LAYERS)
        return nn__fail(NN_EFORMAT, "%s: %llu layers (must be 1..%d)", path,
                        (unsigned long long)L, NN__MAX_LAYERS);
    size_t units[NN__MAX_LAYERS + 1];
    for (size_t l = 0; l <= L; l++) {
        uint64_t u = get_u64(st);
        if (st->failed)
            return nn__fail(NN_EFORMAT, "%s: truncated header", path);
        if (u < 1 || u > INT_MAX || (l == L && u < 2))
            return nn__fail(NN_EFORMAT, "%s: layer size %llu is invalid", path,
                            (unsigned long long)u);
        units[l] = (size_t)u;
    }
    uint64_t P = get_u64(st);
    if (st->failed)
        return nn__fail(NN_EFORMAT, "%s: truncated header", path);
    /* Before allocating anything, make sure the header agrees with itself
     * and with the file's length, so a corrupt size can never make us
     * allocate gigabytes. */
    uint64_t need = 0;
    for (size_t l = 0; l < L; l++) {
        uint64_t layer = (uint64_t)units[l] * units[l + 1] + units[l + 1];
        if (layer > UINT64_MAX / 16 - need)
            return nn__fail(NN_EFORMAT, "%s: layer sizes overflow", path);
        need += layer;
    }
    if (P != need)
        return nn__fail(NN_EFORMAT, "%s: %llu parameters stored, the layer sizes need %llu",
                        path, (unsigned long long)P, (unsigned long long)need);
    long here = ftell(st->f);
    if (here < 0 || fseek(st->f, 0, SEEK_END) != 0)
        return nn__fail(NN_EIO, "%s: cannot seek", path);
    long end = ftell(st->f);
    if (end < 0 || fseek(st->f, here, SEEK_SET) != 0)
        return nn__fail(NN_EIO, "%s: cannot seek", path);
    if ((uint64_t)(end - here) != P * 8 + 8)
        return nn__fail(NN_EFORMAT, "%s: the file holds %ld bytes of parameters, expected %llu",
                        path, end - here, (unsigned long long)(P * 8 + 8));
    nn_net *net;
    nn_status s = nn__net_alloc(&net, units, (size_t)L, (nn_init)init, seed);
    if (s != NN_OK)
        return s;
    for (size_t i = 0; i < net->n_params && !st->failed; i++)
        net->params[i] = bits_double(get_u64(st));
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
