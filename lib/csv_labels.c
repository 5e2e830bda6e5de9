/* String class labels: the distinct strings of a label column numbered in
 * sorted order (nn__csv_string_classes, csv_internal.h), through a hash
 * table keyed for each load. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "csv_internal.h"
#include "dataset.h"

/* A distinct label string, numbered in the order it was first seen. */
typedef struct class_entry {
    const char *name;
    uint64_t hash;
    size_t id;
} class_entry;

/* The key of one load's label hash, drawn for that load (getrandom, or the
 * clock and an address where it is unavailable): labels crafted to collide
 * under a hash known in advance (FNV-1a, say) spread like any others. The
 * numbering does not depend on it (classes go by sorted name). */
typedef struct label_key {
    uint64_t k0, k1;
} label_key;

static label_key new_key(void)
{
    label_key k = {0, 0};
    if (getrandom(&k, sizeof k, GRND_NONBLOCK) != (ssize_t)sizeof k) {
        struct timespec ts = {0, 0};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        k.k0 = ((uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15u) ^ (uint64_t)ts.tv_sec;
        k.k1 = (uint64_t)(uintptr_t)&k ^ ((uint64_t)getpid() << 32);
    }
    return k;
}

static uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static void sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = rotl(v[1], 13) ^ v[0];
    v[0] = rotl(v[0], 32);
    v[2] += v[3];
    v[3] = rotl(v[3], 16) ^ v[2];
    v[0] += v[3];
    v[3] = rotl(v[3], 21) ^ v[0];
    v[2] += v[1];
    v[1] = rotl(v[1], 17) ^ v[2];
    v[2] = rotl(v[2], 32);
}

/* SipHash-1-3 of the string s under key k (as Rust's HashMap and Python's
 * str hash use it against hash flooding). */
static uint64_t hash_string(const label_key *k, const char *s)
{
    uint64_t v[4] = {k->k0 ^ 0x736f6d6570736575u, k->k1 ^ 0x646f72616e646f6du,
                     k->k0 ^ 0x6c7967656e657261u, k->k1 ^ 0x7465646279746573u};
    size_t len = strlen(s), i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t m = 0;
        for (int b = 0; b < 8; b++)
            m |= (uint64_t)(unsigned char)s[i + (size_t)b] << (8 * b);
        v[3] ^= m;
        sip_round(v);
        v[0] ^= m;
    }
    uint64_t m = (uint64_t)len << 56;
    for (int b = 0; i + (size_t)b < len; b++)
        m |= (uint64_t)(unsigned char)s[i + (size_t)b] << (8 * b);
    v[3] ^= m;
    sip_round(v);
    v[0] ^= m;
    v[2] ^= 0xff;
    for (int r = 0; r < 3; r++)
        sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const class_entry *)a)->name, ((const class_entry *)b)->name);
}

/* Index of name's slot in the open-addressing table (cap a power of two):
 * the slot holding it, or the empty one where it belongs. */
static size_t find_slot(const size_t *slot, size_t cap, const class_entry *ent, const char *name,
                        uint64_t h, size_t *probes)
{
    size_t i = (size_t)h & (cap - 1);
    (*probes)++;
    while (slot[i] != SIZE_MAX && (ent[slot[i]].hash != h || strcmp(ent[slot[i]].name, name))) {
        i = (i + 1) & (cap - 1);
        (*probes)++;
    }
    return i;
}

/* The table: slot[cap] (entry numbers, SIZE_MAX empty, at most half full),
 * the entries in first-seen order, and their names apart for callers. */
struct nn__csv_classes {
    label_key key;
    size_t *slot, cap;
    class_entry *ent;
    char **names;
    size_t n, ent_cap, probes;
};

nn__csv_classes *nn__csv_classes_new(void)
{
    nn__csv_classes *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->key = new_key();
    t->cap = 64;
    t->ent_cap = 16;
    t->slot = malloc(t->cap * sizeof *t->slot);
    t->ent = malloc(t->ent_cap * sizeof *t->ent);
    t->names = malloc(t->ent_cap * sizeof *t->names);
    if (!t->slot || !t->ent || !t->names) {
        nn__csv_classes_free(t);
        return NULL;
    }
    memset(t->slot, 0xFF, t->cap * sizeof *t->slot); /* every slot SIZE_MAX: empty */
    return t;
}

void nn__csv_classes_free(nn__csv_classes *t)
{
    if (!t)
        return;
    for (size_t k = 0; k < t->n; k++)
        free(t->names[k]);
    free(t->slot);
    free(t->ent);
    free(t->names);
    free(t);
}

size_t nn__csv_classes_count(const nn__csv_classes *t)
{
    return t->n;
}

size_t nn__csv_classes_probes(const nn__csv_classes *t)
{
    return t->probes;
}

char *const *nn__csv_classes_names(const nn__csv_classes *t)
{
    return t->names;
}

/* A new name is copied and numbered next; past half full the slots double
 * and every entry is placed again. */
nn_status nn__csv_classes_add(nn__csv_classes *t, const char *path, const char *s, int32_t *id,
                              int *added)
{
    uint64_t h = hash_string(&t->key, s);
    size_t at = find_slot(t->slot, t->cap, t->ent, s, h, &t->probes);
    *added = t->slot[at] == SIZE_MAX;
    if (!*added) {
        *id = (int32_t)t->slot[at];
        return NN_OK;
    }
    if (t->n == (size_t)INT32_MAX)
        return nn__fail(NN_EFORMAT, "%s: more than %ld distinct labels", path, (long)INT32_MAX);
    if (t->n == t->ent_cap) {
        class_entry *more = realloc(t->ent, 2 * t->ent_cap * sizeof *more);
        if (more)
            t->ent = more;
        char **names = more ? realloc(t->names, 2 * t->ent_cap * sizeof *names) : NULL;
        if (!names)
            goto nomem;
        t->names = names;
        t->ent_cap *= 2;
    }
    size_t len = strlen(s) + 1;
    char *copy = malloc(len);
    if (!copy)
        goto nomem;
    memcpy(copy, s, len);
    if (2 * (t->n + 1) > t->cap) { /* keep the table at most half full */
        size_t *bigger = malloc(2 * t->cap * sizeof *bigger);
        if (!bigger) {
            free(copy);
            goto nomem;
        }
        free(t->slot);
        t->slot = bigger;
        t->cap *= 2;
        memset(t->slot, 0xFF, t->cap * sizeof *t->slot);
        for (size_t e = 0; e < t->n; e++)
            t->slot[find_slot(t->slot, t->cap, t->ent, t->ent[e].name, t->ent[e].hash,
                              &t->probes)] = e;
        at = find_slot(t->slot, t->cap, t->ent, s, h, &t->probes);
    }
    t->names[t->n] = copy;
    t->ent[t->n] = (class_entry){copy, h, t->n};
    t->slot[at] = t->n;
    *id = (int32_t)t->n++;
    return NN_OK;
nomem:
    return nn__fail(NN_ENOMEM, "%s: out of memory numbering the class names", path);
}

/* Sort the distinct strings, then turn first-seen numbers into ranks. */
nn_status nn__csv_rank_names(const char *path, char *const *names, size_t k, int32_t *y, size_t n,
                             char ***sorted)
{
    class_entry *ent = malloc((k ? k : 1) * sizeof *ent);
    size_t *rank = malloc((k ? k : 1) * sizeof *rank);
    const char **order = malloc((k ? k : 1) * sizeof *order);
    nn_status s = NN_OK;
    if (ent && rank && order) {
        for (size_t r = 0; r < k; r++)
            ent[r] = (class_entry){names[r], 0, r};
        qsort(ent, k, sizeof *ent, entry_cmp);
        for (size_t r = 0; r < k; r++) {
            rank[ent[r].id] = r;
            order[r] = ent[r].name;
        }
        for (size_t i = 0; i < n; i++)
            y[i] = (int32_t)rank[y[i]];
        if (!(*sorted = nn__strings_dup(order, k)) && k > 0)
            s = NN_ENOMEM;
    } else {
        s = NN_ENOMEM;
    }
    free(ent);
    free(rank);
    free(order);
    return s == NN_OK ? NN_OK
                      : nn__fail(NN_ENOMEM, "%s: out of memory numbering the class names", path);
}

/* Number the distinct strings (csv_internal.h): the table gives every row
 * its string's first-seen number in O(1) expected, under this table's key,
 * so the cost is linear in the rows plus a sort of the distinct strings. */
nn_status nn__csv_string_classes(const char *path, char *const *text, size_t n, int32_t *y,
                                 char ***names, size_t *n_names, size_t *probes)
{
    nn__csv_classes *t = nn__csv_classes_new();
    if (!t)
        return nn__fail(NN_ENOMEM, "%s: out of memory numbering the class names", path);
    nn_status s = NN_OK;
    int added;
    for (size_t i = 0; i < n && s == NN_OK; i++)
        s = nn__csv_classes_add(t, path, text[i], &y[i], &added);
    if (s == NN_OK)
        s = nn__csv_rank_names(path, t->names, t->n, y, n, names);
    if (s == NN_OK)
        *n_names = t->n;
    if (probes)
        *probes = t->probes;
    nn__csv_classes_free(t);
    return s;
}
