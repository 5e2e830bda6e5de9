#ifndef NN_LIB_RNG_H
#define NN_LIB_RNG_H

/* For any file under lib/ that draws random numbers (rng.c): data sets, init,
 * training, and tests. */

#include <stddef.h>
#include <stdint.h>

/* xoshiro256** seeded through splitmix64. Held by value by its owner; there
 * is no global generator. */
typedef struct nn__rng {
    uint64_t s[4];
} nn__rng;

void nn__rng_seed(nn__rng *r, uint64_t seed);
uint64_t nn__rng_u64(nn__rng *r);
double nn__rng_uniform(nn__rng *r);           /* [0, 1), 53 random bits */
uint64_t nn__rng_below(nn__rng *r, uint64_t n); /* uniform in [0, n), unbiased; n > 0 */
double nn__rng_normal(nn__rng *r);            /* N(0, 1), Marsaglia polar method */
void nn__rng_permutation(nn__rng *r, size_t *perm, size_t n); /* Fisher-Yates of 0..n-1 */

#endif /* NN_LIB_RNG_H */
