/* The double instance of the scalar reference kernels (ref.inc), the
 * scalar path's table, and the scalar formulas loss.c shares. */
#include "kernels/ref.h"

#include "real.h"

#include "ref.inc"

/* 1 / (1 + exp(-z)): for z < -709 exp overflows to +inf and the result is
 * +0, the correctly rounded value for z < -745. */
double nn__sigmoid(double z)
{
    return sigm(z);
}

/* Binary cross-entropy of target t against sigmoid(z), from the logit:
 *   -t log s - (1-t) log(1-s) = max(z,0) - z t + log1p(exp(-|z|)),
 * which never overflows and is exact to rounding for any z (z = +-1000
 * gives 0 or 1000 as it should). */
double nn__bce_logit(double z, double t)
{
    return (z > 0.0 ? z : 0.0) - z * t + log1p(exp(-fabs(z)));
}
