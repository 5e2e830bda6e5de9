/* A second translation unit including the same exported header: everything
 * in it is static, so the program links without duplicate symbols. Compiled
 * with the same -D flags and language as predict_check.c. */
#include HEADER

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

int predict_from_tu2(const REAL *x, REAL *out);

int predict_from_tu2(const REAL *x, REAL *out)
{
    return CAT(PFX, _predict)(x, out);
}
