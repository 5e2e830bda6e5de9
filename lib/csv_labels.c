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

/* Number the distinct strings (csv_internal.h). A hash table gives every
 * row its string's first-seen number in O(1) expected, under this load's
 * key, so the cost is linear in the rows plus a sort of the distinct
 * strings, which are usually a handful. */
nn_status nn__csv_string_classes(const char *path, char *const *text, size_t n, int32_t *y,
                                 char ***names, size_t *n_names, size_t *probes)
{
    size_t cap = 64, k = 0, ent_cap = 16, probed = 0;
    label_key key = new_key();
    size_t *slot = malloc(cap * sizeof *slot);
    class_entry *ent = malloc(ent_cap * sizeof *ent);
    const char **sorted = NULL;
    nn_status s = NN_OK;
    if (!slot || !ent)
        goto nomem;
    memset(slot, 0xFF, cap * sizeof *slot); /* every slot SIZE_MAX: empty */
    for (size_t i = 0; i < n; i++) {
        uint64_t h = hash_string(&key, text[i]);
        size_t at = find_slot(slot, cap, ent, text[i], h, &probed);
        size_t id = slot[at];
        if (id == SIZE_MAX) {
            if (k == (size_t)INT32_MAX) {
                s = nn__fail(NN_EFORMAT, "%s: more than %ld distinct labels", path,
                             (long)INT32_MAX);
                goto done;
            }
            if (k == ent_cap) {
                class_entry *more = realloc(ent, 2 * ent_cap * sizeof *ent);
                if (!more)
                    goto nomem;
                ent = more;
                ent_cap *= 2;
            }
            ent[k] = (class_entry){text[i], h, k};
            id = slot[at] = k++;
            if (2 * k > cap) { /* keep the table at most half full */
                size_t *bigger = malloc(2 * cap * sizeof *bigger);
                if (!bigger)
                    goto nomem;
                free(slot);
                slot = bigger;
                cap *= 2;
                memset(slot, 0xFF, cap * sizeof *slot);
                for (size_t e = 0; e < k; e++)
                    slot[find_slot(slot, cap, ent, ent[e].name, ent[e].hash, &probed)] = e;
            }
        }
        y[i] = (int32_t)id;
    }
    /* Sort the distinct strings, then turn first-seen numbers into ranks;
     * the slot array (at least k long) is reused as the rank table. */
    qsort(ent, k, sizeof *ent, entry_cmp);
    sorted = malloc(k * sizeof *sorted);
    if (!sorted)
        goto nomem;
    for (size_t r = 0; r < k; r++) {
        slot[ent[r].id] = r;
        sorted[r] = ent[r].name;
    }
    for (size_t i = 0; i < n; i++)
        y[i] = (int32_t)slot[y[i]];
    *names = nn__strings_dup(sorted, k);
    if (!*names)
        goto nomem;
    *n_names = k;
    goto done;
nomem:
    s = nn__fail(NN_ENOMEM, "%s: out of memory numbering the class names", path);
done:
    if (probes)
        *probes = probed;
    free(slot);
    free(ent);
    free(sorted);
    return s;
}
