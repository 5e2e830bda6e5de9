#include <math.h>

#include "rng.h"

/* xoshiro256** (Blackman and Vigna), seeded by running splitmix64 over the
 * user's 64-bit seed, so that nearby seeds give unrelated streams. */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void nn__rng_seed(nn__rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t nn__rng_u64(nn__rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double nn__rng_uniform(nn__rng *r)
{
    return (double)(nn__rng_u64(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n) without modulo bias. For n below 2^32 (every shuffle
 * libnn does), Lemire's multiply-shift: the top 32 bits of a 32x32-bit
 * product, rejecting the few low words that would bias it; no division in
 * the common case. Larger n fall back to rejecting the biased top range. */
uint64_t nn__rng_below(nn__rng *r, uint64_t n)
{
    if (n <= UINT32_MAX) {
        uint64_t m = (nn__rng_u64(r) >> 32) * n;
        uint32_t low = (uint32_t)m;
        if (low < (uint32_t)n) {
            uint32_t threshold = (uint32_t)(-(uint32_t)n) % (uint32_t)n;
            while (low < threshold) {
                m = (nn__rng_u64(r) >> 32) * n;
                low = (uint32_t)m;
            }
        }
        return m >> 32;
    }
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = nn__rng_u64(r);
    while (x >= limit);
    return x % n;
}

/* Marsaglia's polar method. It makes two normals per accepted pair; we keep
 * no cached second value so that the generator's state stays a plain
 * 256-bit word and a draw never depends on hidden history. */
double nn__rng_normal(nn__rng *r)
{
    double u, v, s;
    do {
        u = 2.0 * nn__rng_uniform(r) - 1.0;
        v = 2.0 * nn__rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt(-2.0 * log(s) / s);
}

void nn__rng_permutation(nn__rng *r, size_t *perm, size_t n)
{
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)nn__rng_below(r, i);
        size_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}
