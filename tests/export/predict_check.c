/* Compiled by run_export_c.cmake against one exported header (as C99 or as
 * C++), with -DHEADER="case_d.h" -DPFX=case -DPFX_UP=CASE -DREAL=double
 * -DTOL=1e-12: runs PFX_predict on every row of CASE.in and compares with
 * nn_net_forward's outputs in CASE.out.
 *
 * The error of an output is |got - want| / max(|want|, 1): relative for
 * values of magnitude >= 1, absolute below (probabilities, and regression
 * values near 0, whose relative error cancellation can make arbitrary).
 * The pure relative error over outputs with |want| >= 1e-300 is printed
 * too. Exits 1 when the error exceeds TOL or a check fails.
 *
 * Usage: predict_check CASE.in CASE.out ROWS */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include HEADER

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define PREDICT CAT(PFX, _predict)
#define N_IN CAT(PFX_UP, _N_INPUTS)
#define N_OUT CAT(PFX_UP, _N_OUTPUTS)

/* predict_tu2.c: the same header included in a second translation unit. */
int predict_from_tu2(const REAL *x, REAL *out);

static int read_row(FILE *f, double *v, int n)
{
    int j;
    for (j = 0; j < n; j++) {
        char buf[64];
        if (fscanf(f, "%63s", buf) != 1)
            return 0;
        v[j] = strtod(buf, NULL);
    }
    return 1;
}

int main(int argc, char **argv)
{
    FILE *fin, *fout;
    double xd[N_IN], want[N_OUT], max_err = 0, max_rel = 0;
    REAL x[N_IN], out[N_OUT], out2[N_OUT];
    int rows, i, j, bad = 0;
    if (argc != 4) {
        fprintf(stderr, "usage: predict_check CASE.in CASE.out ROWS\n");
        return 2;
    }
    fin = fopen(argv[1], "r");
    fout = fopen(argv[2], "r");
    rows = atoi(argv[3]);
    if (!fin || !fout) {
        fprintf(stderr, "predict_check: cannot open %s or %s\n", argv[1], argv[2]);
        return 2;
    }
    if (PREDICT(NULL, out) != 1 || PREDICT(x, NULL) != 1) {
        fprintf(stderr, "predict_check: a NULL argument did not return 1\n");
        bad = 1;
    }
    for (i = 0; i < rows; i++) {
        if (!read_row(fin, xd, N_IN) || !read_row(fout, want, N_OUT)) {
            fprintf(stderr, "predict_check: %s or %s ends at row %d\n", argv[1], argv[2], i + 1);
            return 2;
        }
        for (j = 0; j < N_IN; j++)
            x[j] = (REAL)xd[j];
        if (PREDICT(x, out) != 0 || predict_from_tu2(x, out2) != 0) {
            fprintf(stderr, "predict_check: predict failed on row %d\n", i + 1);
            return 1;
        }
        for (j = 0; j < N_OUT; j++) {
            double got = (double)out[j], w = want[j], d = fabs(got - w);
            double err = d / (fabs(w) > 1 ? fabs(w) : 1);
            if (!(err <= max_err))
                max_err = err; /* a NaN sticks */
            if (fabs(w) >= 1e-300 && d / fabs(w) > max_rel)
                max_rel = d / fabs(w);
            if (out2[j] != out[j]) {
                fprintf(stderr, "predict_check: the second translation unit differs\n");
                bad = 1;
            }
        }
    }
    printf("%s: max error %.3g (pure relative %.3g) over %d rows x %d outputs, tolerance %g\n",
           HEADER, max_err, max_rel, rows, N_OUT, (double)TOL);
    fclose(fin);
    fclose(fout);
    return bad || !(max_err <= TOL);
}
