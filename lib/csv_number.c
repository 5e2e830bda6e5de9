/* Numbers in CSV fields: a finite decimal, read exactly as strtod reads it,
 * with a fast path for the short decimals that make up most numeric files
 * (nn__csv_parse_number, csv_internal.h). */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "csv_internal.h"

/* Powers of ten that a double holds exactly. */
static const double exact_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Clinger's fast path for the common short decimal: when the digits, read
 * as an integer m, are at most 2^53 and the decimal exponent e is within
 * +-22, both m and 10^|e| are exact doubles, so the one multiplication or
 * division m * 10^e is correctly rounded, the same double strtod returns.
 * Returns 0 (undecided) for anything else, well-formed or not, and leaves it
 * to strtod; it never rejects. Parsing is half the time of loading a large
 * numeric file, and glibc's strtod is several times slower than this on
 * such numbers. Needs double arithmetic without extended precision, which
 * FLT_EVAL_METHOD == 0 promises. */
static int parse_simple(const char *p, const char *end, double *out)
{
#if FLT_EVAL_METHOD == 0
    int neg = 0;
    if (p < end && (*p == '+' || *p == '-'))
        neg = *p++ == '-';
    uint64_t m = 0;
    long e = 0;
    size_t digits = 0;
    for (int frac = 0; p < end; p++) {
        if (*p == '.' && !frac) {
            frac = 1;
            continue;
        }
        if (*p < '0' || *p > '9')
            break;
        if (m > ((uint64_t)1 << 53) / 10)
            return 0; /* too many digits for an exact m */
        m = 10 * m + (uint64_t)(*p - '0');
        e -= frac;
        digits++;
    }
    if (digits == 0)
        return 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        int eneg = 0;
        long x = 0;
        size_t xdigits = 0;
        if (++p < end && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        for (; p < end && *p >= '0' && *p <= '9' && xdigits < 4; p++, xdigits++)
            x = 10 * x + (*p - '0');
        if (xdigits == 0)
            return 0;
        e += eneg ? -x : x;
    }
    if (p != end || m > ((uint64_t)1 << 53) || e < -22 || e > 22)
        return 0;
    double v = (double)m;
    v = e < 0 ? v / exact_pow10[-e] : v * exact_pow10[e];
    *out = neg ? -v : v;
    return 1;
#else
    (void)p;
    (void)end;
    (void)out;
    return 0;
#endif
}

/* Parse a field as a finite decimal number. Only digits, signs, the point
 * and the exponent letter may appear, which keeps out what strtod would
 * also take: hex floats, "nan", "inf" and leading blanks. */
int nn__csv_parse_number(const char *s, size_t len, double *out)
{
    if (len == 0)
        return 0;
    if (parse_simple(s, s + len, out))
        return 1;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (!((ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '+' || ch == 'e' ||
              ch == 'E'))
            return 0;
    }
    char *stop;
    errno = 0;
    double v = strtod(s, &stop);
    if (stop != s + len || !isfinite(v) || (errno == ERANGE && fabs(v) > 1.0))
        return 0;
    *out = v;
    return 1;
}
