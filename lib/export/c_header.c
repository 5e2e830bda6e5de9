/* nn_net_export_c: the net as one self-contained C99 header.
 *
 * The header holds the parameters as static const arrays and one inference
 * function for one row, PREFIX_predict, built from a few static inline
 * helpers (dense layer, each activation used, the output function). It
 * computes what nn_net_forward computes, with the same formulas as the
 * reference kernels (lib/kernels/ref.c) in the same order where the order
 * matters for rounding:
 *   scaler     x' = (x - mean) / scale, as nn__scale_rows (not folded
 *              into W_0: folding would change the rounding of every input)
 *   dense      z = sum_i a_i W[i, j], then + b_j (gemm, then the bias)
 *   sigmoid    1 / (1 + exp(-z))
 *   GELU       z * sigmoid(2 sqrt(2/pi) (z + 0.044715 z^3))
 *   softmax    exp(z - max) * (1 / sum)
 *   REGRESS    z * scale + mean
 * Doubles are printed with %.17g and floats with %.9g, both enough digits
 * to read back the same binary value, so the header's parameters are the
 * net's exactly (rounded to float once with single_precision).
 *
 * Only the public getters are used to read the net (DESIGN.md).
 */
#include <ctype.h>
#include <string.h>

#include "writer.h"

#define PREFIX_MAX 64
#define PER_LINE 4 /* numbers per line in the arrays */

typedef struct gen {
    FILE *f;
    const nn_net *net;
    nn_net *view;            /* the same net, for the view getters (writer.h) */
    const char *p;           /* prefix */
    char up[PREFIX_MAX + 1]; /* prefix in upper case */
    int single;              /* T = float */
    const char *T;           /* "double" or "float" */
    const char *fs;          /* math function suffix: "" or "f" */
    size_t L;                /* dense layers */
} gen;

/* ---- checks ------------------------------------------------------------------ */

/* A C identifier of at most PREFIX_MAX characters. */
static nn_status check_prefix(const char *p)
{
    if (!*p)
        return nn__fail(NN_EINVAL, "nn_net_export_c: the prefix is empty");
    size_t n = strlen(p);
    if (n > PREFIX_MAX)
        return nn__fail(NN_EINVAL,
                        "nn_net_export_c: the prefix is %zu characters long (at most %d)", n,
                        PREFIX_MAX);
    if (isdigit((unsigned char)p[0]))
        return nn__fail(NN_EINVAL,
                        "nn_net_export_c: the prefix '%s' is not a C identifier: it starts "
                        "with a digit",
                        p);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c != '_' && !(c < 128 && isalnum(c)))
            return nn__fail(NN_EINVAL,
                            "nn_net_export_c: the prefix '%s' is not a C identifier: character "
                            "%zu ('%c') is not a letter, digit or '_'",
                            p, i + 1, isprint(c) ? c : '?');
    }
    return NN_OK;
}

/* ---- printing ------------------------------------------------------------------ */

/* A literal of type T that reads back as v exactly: %.17g for a double,
 * %.9g plus 'f' for a float (both round-trip); a '.0' is added to a bare
 * integer so that the float suffix is valid and every literal reads as a
 * floating value. */
static void put_num(const gen *g, double v)
{
    char buf[40];
    if (g->single)
        snprintf(buf, sizeof buf, "%.9g", (double)(float)v);
    else
        snprintf(buf, sizeof buf, "%.17g", v);
    fputs(buf, g->f);
    if (!strpbrk(buf, ".e"))
        fputs(".0", g->f);
    if (g->single)
        fputc('f', g->f);
}

/* static const T PREFIX_name[n] = {...}; from n values at stride 1 over
 * rows of a view (rows x cols at ld), row-major. */
static void put_array(const gen *g, const char *name, const double *v, size_t rows, size_t cols,
                      size_t ld)
{
    fprintf(g->f, "static const %s %s_%s[%zu] = {", g->T, g->p, name, rows * cols);
    size_t k = 0;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++, k++) {
            fputs(k % PER_LINE ? ", " : k ? ",\n    " : "\n    ", g->f);
            put_num(g, v[i * ld + j]);
        }
    fputs("\n};\n", g->f);
}

/* A C string literal: quotes, backslashes and '?' (trigraphs) escaped,
 * other bytes outside printable ASCII as three-digit octal escapes (which
 * cannot run into the next character, unlike \x). */
static void put_c_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\' || *c == '?')
            fprintf(f, "\\%c", *c);
        else if (*c < 32 || *c > 126)
            fprintf(f, "\\%03o", *c);
        else
            fputc(*c, f);
    }
    fputc('"', f);
}

/* ---- the header, top to bottom ------------------------------------------------- */

static size_t units(const gen *g, size_t l) /* width after layer l-1; 0: inputs */
{
    return l == 0 ? nn_net_n_inputs(g->net) : nn_net_weights(g->view, l - 1).cols;
}

static const char *output_text(nn_task t)
{
    return t == NN_TASK_CLASSIFY     ? "softmax probabilities"
           : t == NN_TASK_MULTILABEL ? "a sigmoid per output (probability of each label)"
                                     : "the predicted values";
}

/* Intermediate vectors of predict: the scaled input, then one per hidden
 * layer. They alternate between two stack buffers. */
static size_t n_intermediates(const gen *g)
{
    return (nn_net_scaler(g->net) ? 1 : 0) + g->L - 1;
}

static size_t max_width(const gen *g)
{
    size_t m = nn_net_scaler(g->net) ? units(g, 0) : 0;
    for (size_t l = 1; l < g->L; l++)
        m = units(g, l) > m ? units(g, l) : m;
    return m;
}

static int uses_activation(const gen *g, nn_activation a)
{
    for (size_t l = 0; l + 1 < g->L; l++)
        if (nn_net_activation(g->net, l) == a)
            return 1;
    return 0;
}

/* The libm functions the header calls ("exp", "exp, tanh"), "" for none. */
static const char *libm_used(const gen *g)
{
    int e = nn_net_task(g->net) != NN_TASK_REGRESS || uses_activation(g, NN_ACT_SIGMOID) ||
            uses_activation(g, NN_ACT_GELU);
    int t = uses_activation(g, NN_ACT_TANH);
    return e && t ? (g->single ? "expf, tanhf" : "exp, tanh")
           : e    ? (g->single ? "expf" : "exp")
           : t    ? (g->single ? "tanhf" : "tanh")
                  : "";
}

static const char *output_name(nn_task t)
{
    return t == NN_TASK_CLASSIFY ? "softmax" : t == NN_TASK_MULTILABEL ? "sigmoid" : "identity";
}

static void put_intro(const gen *g)
{
    const nn_net *net = g->net;
    const char *p = g->p, *up = g->up, *T = g->T, *libm = libm_used(g);
    size_t n_buf = n_intermediates(g) < 2 ? n_intermediates(g) : 2;
    fprintf(g->f,
            "/* A multilayer perceptron exported by libnn %s (nn_net_export_c).\n"
            " *\n"
            " * Self-contained C99, also valid C++: no allocation, no BLAS, no libnn.\n"
            " *     %s out[%s_N_OUTPUTS];\n"
            " *     int rc = %s_predict(x, out);   x: %s_N_INPUTS raw features\n"
            " * computes one row; rc is 0 (1 when x or out is NULL) and out receives\n"
            " * %s.\n",
            nn_version_string(), T, up, p, up, output_text(nn_net_task(net)));
    if (nn_net_class_name(net, 0))
        fprintf(g->f, " * %s_class_names[k] names output k.\n", p);
    if (*libm)
        fprintf(g->f, " * Uses <math.h>'s %s: link with -lm.\n", libm);
    else
        fputs(" * Uses no libm function.\n", g->f);
    fprintf(g->f, " *\n * Task: %s. Layers: %zu", nn_task_name(nn_net_task(net)), units(g, 0));
    for (size_t l = 1; l < g->L; l++)
        fprintf(g->f, " -> %zu %s", units(g, l), nn_activation_name(nn_net_activation(net, l - 1)));
    fprintf(g->f, " -> %zu %s.\n", units(g, g->L), output_name(nn_net_task(net)));
    if (nn_net_scaler(net))
        fprintf(g->f, " * The input scaler comes first: x' = (x - %s_in_mean) / %s_in_scale.\n",
                p, p);
    if (nn_net_target_scaler(net))
        fprintf(g->f, " * Outputs in target units: out = z * %s_out_scale + %s_out_mean.\n", p,
                p);
    fprintf(g->f,
            " * Weights are row-major, in x out: z_j = sum_i a_i W<l>[i * out + j] + b<l>_j.\n"
            " *\n"
            " * Stack: %s_predict keeps %zu vector%s of %s_MAX_WIDTH %ss,\n"
            " * %s_STACK_BYTES bytes (at most 2 * MAX_WIDTH * sizeof(%s)), and a few\n"
            " * scalars. Everything is static: each file that includes this header\n"
            " * holds its own copy of the weights.\n"
            " */\n",
            p, n_buf, n_buf == 1 ? "" : "s", up, T, up, T);
    fprintf(g->f, "#ifndef %s_NN_MODEL_H\n#define %s_NN_MODEL_H\n\n#include <stddef.h>\n", up,
            up);
    if (*libm)
        fputs("#include <math.h>\n", g->f);
    size_t mw = max_width(g);
    fprintf(g->f,
            "\n#define %s_N_INPUTS %zu\n#define %s_N_OUTPUTS %zu\n#define %s_MAX_WIDTH %zu\n"
            "#define %s_STACK_BYTES %zu\n",
            up, units(g, 0), up, units(g, g->L), up, mw, up,
            n_buf * mw * (g->single ? sizeof(float) : sizeof(double)));
}

static void put_names(const gen *g)
{
    size_t C = units(g, g->L);
    if (!nn_net_class_name(g->net, 0))
        return;
    fprintf(g->f, "#define %s_HAS_CLASS_NAMES 1\n\nstatic const char *const "
                  "%s_class_names[%s_N_OUTPUTS] = {\n",
            g->up, g->p, g->up);
    for (size_t k = 0; k < C; k++) {
        fputs("    ", g->f);
        put_c_string(g->f, nn_net_class_name(g->net, k));
        fputs(k + 1 < C ? ",\n" : "\n", g->f);
    }
    fputs("};\n", g->f);
}

static void put_params(const gen *g)
{
    const nn_scaler *s = nn_net_scaler(g->net), *ts = nn_net_target_scaler(g->net);
    if (s) {
        fputs("\n/* input scaler: x' = (x - in_mean) / in_scale */\n", g->f);
        put_array(g, "in_mean", s->mean, 1, s->n_features, s->n_features);
        put_array(g, "in_scale", s->scale, 1, s->n_features, s->n_features);
    }
    for (size_t l = 0; l < g->L; l++) {
        nn_mat w = nn_net_weights(g->view, l), b = nn_net_bias(g->view, l);
        char name[32];
        fprintf(g->f, "\n/* layer %zu: %zu -> %zu, %s */\n", l, w.rows, w.cols,
                l + 1 < g->L ? nn_activation_name(nn_net_activation(g->net, l)) : "output");
        snprintf(name, sizeof name, "W%zu", l);
        put_array(g, name, w.data, w.rows, w.cols, w.ld);
        snprintf(name, sizeof name, "b%zu", l);
        put_array(g, name, b.data, 1, b.cols, b.ld);
    }
    if (ts) {
        fputs("\n/* target scaler: out = z * out_scale + out_mean */\n", g->f);
        put_array(g, "out_mean", ts->mean, 1, ts->n_features, ts->n_features);
        put_array(g, "out_scale", ts->scale, 1, ts->n_features, ts->n_features);
    }
}

/* The helpers predict calls: the dense layer always, each activation the
 * net uses, the output function. All are static inline, so an unused one
 * costs nothing and draws no warning. */
static void put_helpers(const gen *g)
{
    const char *T = g->T, *p = g->p, *fs = g->fs, *one = g->single ? "1.0f" : "1.0";
    fprintf(g->f,
            "\n/* z = v W + bias: v has n_in values, W is n_in x n_out row-major, z has n_out. */\n"
            "static inline void %s_dense(const %s *v, size_t n_in, const %s *w,\n"
            "    const %s *bias, size_t n_out, %s *z)\n"
            "{\n"
            "    size_t i, j;\n"
            "    for (j = 0; j < n_out; j++)\n"
            "        z[j] = 0;\n"
            "    for (i = 0; i < n_in; i++) {\n"
            "        const %s vi = v[i], *wi = w + i * n_out;\n"
            "        for (j = 0; j < n_out; j++)\n"
            "            z[j] += vi * wi[j];\n"
            "    }\n"
            "    for (j = 0; j < n_out; j++)\n"
            "        z[j] += bias[j];\n"
            "}\n",
            p, T, T, T, T, T);
    if (uses_activation(g, NN_ACT_RELU))
        fprintf(g->f, "\nstatic inline void %s_relu(%s *z, size_t n)\n{\n"
                      "    size_t j;\n    for (j = 0; j < n; j++)\n"
                      "        z[j] = z[j] > 0 ? z[j] : 0;\n}\n",
                p, T);
    if (uses_activation(g, NN_ACT_LEAKY_RELU)) {
        fprintf(g->f, "\nstatic inline void %s_leaky_relu(%s *z, size_t n)\n{\n"
                      "    size_t j;\n    for (j = 0; j < n; j++)\n"
                      "        z[j] = z[j] > 0 ? z[j] : ",
                p, T);
        put_num(g, nn_net_leaky_slope(g->net));
        fputs(" * z[j];\n}\n", g->f);
    }
    if (uses_activation(g, NN_ACT_TANH))
        fprintf(g->f, "\nstatic inline void %s_tanh(%s *z, size_t n)\n{\n"
                      "    size_t j;\n    for (j = 0; j < n; j++)\n"
                      "        z[j] = tanh%s(z[j]);\n}\n",
                p, T, fs);
    if (uses_activation(g, NN_ACT_SIGMOID) || nn_net_task(g->net) == NN_TASK_MULTILABEL)
        fprintf(g->f, "\nstatic inline void %s_sigmoid(%s *z, size_t n)\n{\n"
                      "    size_t j;\n    for (j = 0; j < n; j++)\n"
                      "        z[j] = %s / (%s + exp%s(-z[j]));\n}\n",
                p, T, one, one, fs);
    if (uses_activation(g, NN_ACT_GELU)) {
        fprintf(g->f, "\n/* GELU, tanh form, as z * sigmoid(2 sqrt(2/pi) (z + 0.044715 z^3)). */\n"
                      "static inline void %s_gelu(%s *z, size_t n)\n{\n"
                      "    size_t j;\n    for (j = 0; j < n; j++) {\n"
                      "        const %s x = z[j], u = %s * ",
                p, T, T, g->single ? "2.0f" : "2.0");
        put_num(g, 0.79788456080286535588);
        fputs(" * (x + ", g->f);
        put_num(g, 0.044715);
        fprintf(g->f, " * x * x * x);\n        z[j] = x * (%s / (%s + exp%s(-u)));\n    }\n}\n",
                one, one, fs);
    }
    if (nn_net_task(g->net) == NN_TASK_CLASSIFY)
        fprintf(g->f,
                "\n/* softmax, the row maximum subtracted first so that no exp overflows. */\n"
                "static inline void %s_softmax(%s *z, size_t n)\n{\n"
                "    size_t j;\n    %s m = z[0], sum = 0, inv;\n"
                "    for (j = 1; j < n; j++)\n        m = z[j] > m ? z[j] : m;\n"
                "    for (j = 0; j < n; j++) {\n        z[j] = exp%s(z[j] - m);\n"
                "        sum += z[j];\n    }\n    inv = %s / sum;\n"
                "    for (j = 0; j < n; j++)\n        z[j] *= inv;\n}\n",
                p, T, T, fs, one);
}

static void put_predict(const gen *g)
{
    const char *T = g->T, *p = g->p;
    size_t n_mid = n_intermediates(g);
    fprintf(g->f, "\n/* One row: x has %s_N_INPUTS raw features, out receives %s_N_OUTPUTS\n"
                  " * values (%s). Returns 0, or 1 for a NULL argument. */\n"
                  "static inline int %s_predict(const %s *x, %s *out)\n{\n",
            g->up, g->up, output_text(nn_net_task(g->net)), p, T, T);
    for (size_t k = 0; k < n_mid && k < 2; k++)
        fprintf(g->f, "    %s %s_h%zu[%s_MAX_WIDTH];\n", T, p, k, g->up);
    fputs("    if (!x || !out)\n        return 1;\n", g->f);
    /* src names the vector the next layer reads. */
    char src[PREFIX_MAX + 8] = "x", dst[PREFIX_MAX + 8];
    size_t k = 0;
    if (nn_net_scaler(g->net)) {
        snprintf(dst, sizeof dst, "%s_h%zu", p, k++ % 2);
        fprintf(g->f, "    {\n        size_t j;\n        for (j = 0; j < %zu; j++)\n"
                      "            %s[j] = (x[j] - %s_in_mean[j]) / %s_in_scale[j];\n    }\n",
                units(g, 0), dst, p, p);
        strcpy(src, dst);
    }
    for (size_t l = 0; l < g->L; l++) {
        int last = l + 1 == g->L;
        if (last)
            strcpy(dst, "out");
        else
            snprintf(dst, sizeof dst, "%s_h%zu", p, k++ % 2);
        fprintf(g->f, "    %s_dense(%s, %zu, %s_W%zu, %s_b%zu, %zu, %s);\n", p, src, units(g, l),
                p, l, p, l, units(g, l + 1), dst);
        if (!last) {
            nn_activation a = nn_net_activation(g->net, l);
            if (a == NN_ACT_IDENTITY)
                fputs("    /* identity activation */\n", g->f);
            else
                fprintf(g->f, "    %s_%s(%s, %zu);\n", p, nn_activation_name(a), dst,
                        units(g, l + 1));
        }
        strcpy(src, dst);
    }
    size_t C = units(g, g->L);
    switch (nn_net_task(g->net)) {
    case NN_TASK_CLASSIFY:
        fprintf(g->f, "    %s_softmax(out, %zu);\n", p, C);
        break;
    case NN_TASK_MULTILABEL:
        fprintf(g->f, "    %s_sigmoid(out, %zu);\n", p, C);
        break;
    case NN_TASK_REGRESS:
        if (nn_net_target_scaler(g->net))
            fprintf(g->f, "    {\n        size_t j;\n        for (j = 0; j < %zu; j++)\n"
                          "            out[j] = out[j] * %s_out_scale[j] + %s_out_mean[j];\n"
                          "    }\n",
                    C, p, p);
        break;
    }
    fprintf(g->f, "    return 0;\n}\n\n#endif /* %s_NN_MODEL_H */\n", g->up);
}

/* The header of net (an F64 net; single: T = float). */
static nn_status export_c(const nn_net *net, const char *path, const nn_export_c_options *opt,
                          int single)
{
    static const char FUNC[] = "nn_net_export_c";
    gen g = {0};
    g.net = net;
    g.view = nn__export_net(net);
    g.p = opt && opt->prefix ? opt->prefix : "model";
    g.single = single;
    g.T = g.single ? "float" : "double";
    g.fs = g.single ? "f" : "";
    g.L = nn_net_n_layers(net);
    nn_status s = check_prefix(g.p);
    if (s != NN_OK)
        return s;
    for (size_t i = 0; g.p[i]; i++)
        g.up[i] = (char)toupper((unsigned char)g.p[i]);
    if ((s = nn__export_check_values(net, g.single, FUNC)) != NN_OK)
        return s;
    nn__atomic_file af;
    if ((s = nn__atomic_open(&af, path, FUNC)) != NN_OK)
        return s;
    g.f = af.f;
    put_intro(&g);
    put_names(&g);
    put_params(&g);
    put_helpers(&g);
    put_predict(&g);
    return nn__atomic_commit(&af);
}

nn_status nn_net_export_c(const nn_net *net, const char *path, const nn_export_c_options *opt)
{
    if (!net || !path)
        return nn__fail(NN_EINVAL, "nn_net_export_c: %s is NULL", !net ? "net" : "path");
    /* An F32 net is written in float, its own values exactly. */
    int single = (opt && opt->single_precision) || nn_net_dtype(net) == NN_F32;
    nn_net *wide;
    const nn_net *src = nn__export_source(net, &wide, "nn_net_export_c");
    nn_status s = src ? export_c(src, path, opt, single) : NN_ENOMEM;
    nn_net_free(wide);
    return s;
}
