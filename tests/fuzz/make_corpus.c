/* Writes the seed corpus of the fuzz targets: valid CSVs of each kind (and
 * a few invalid ones) with their option bytes, and model files saved by the
 * library itself, so re-running it after a format change (model format v2,
 * CSV v2 options) refreshes the seeds. Run through make_corpus.sh.
 * Usage: fuzz_make_corpus <corpus dir> [model file ...]
 * (writes <dir>/csv, /load, /predict, /cli; the model files given are added
 * to the model seeds as they are, e.g. the version 1 file in tests/data) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

static const char *out_dir;

static void die(const char *what)
{
    fprintf(stderr, "make_corpus: %s: %s\n", what, nn_last_error());
    exit(1);
}

static void make_dir(const char *sub)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", out_dir, sub);
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        die(p);
}

static void write_file(const char *sub, const char *name, const void *a, size_t na,
                       const void *b, size_t nb)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s/%s", out_dir, sub, name);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(a, 1, na, f) != na || (nb && fwrite(b, 1, nb, f) != nb) || fclose(f))
        die(p);
}

/* ---- CSV seeds ----------------------------------------------------------- */

static char text[1 << 16];

/* A CSV seed: the option bytes for o, then the text. */
static void csv_seed(const char *name, const nn_csv_options *o, const char *body)
{
    uint8_t h[FUZZ_CSV_HEADER];
    fuzz_csv_encode(h, o);
    write_file("csv", name, h, sizeof h, body, strlen(body));
}

/* Moons rows as text: features with %.6g, then the extra columns written
 * by tail(i, label, buf). */
static const char *moons_text(size_t n, char delim, const char *header, const char *eol,
                              void (*tail)(size_t i, int32_t y, double x0, char delim,
                                           char *buf, size_t cap))
{
    nn_dataset d;
    if (nn_make_moons(&d, n, 0.1, 7) != NN_OK)
        die("nn_make_moons");
    size_t at = 0;
    if (header)
        at += (size_t)snprintf(text + at, sizeof text - at, "%s%s", header, eol);
    for (size_t i = 0; i < n; i++) {
        double x0 = d.x.data[i * d.x.ld], x1 = d.x.data[i * d.x.ld + 1];
        at += (size_t)snprintf(text + at, sizeof text - at, "%.6g%c%.6g", x0, delim, x1);
        char extra[128];
        tail(i, d.y[i], x0, delim, extra, sizeof extra);
        at += (size_t)snprintf(text + at, sizeof text - at, "%s%s", extra, eol);
    }
    nn_dataset_free(&d);
    return text;
}

static void tail_label(size_t i, int32_t y, double x0, char delim, char *buf, size_t cap)
{
    (void)i, (void)x0;
    snprintf(buf, cap, "%c%d", delim, (int)y);
}

static void tail_name(size_t i, int32_t y, double x0, char delim, char *buf, size_t cap)
{
    (void)i, (void)x0;
    snprintf(buf, cap, "%c%s", delim, y ? "lower" : "upper");
}

static void tail_multilabel(size_t i, int32_t y, double x0, char delim, char *buf, size_t cap)
{
    snprintf(buf, cap, "%c%d%c%d", delim, (int)y, delim, (int)(i % 3 == 0 || x0 > 0.5));
}

static void tail_regress(size_t i, int32_t y, double x0, char delim, char *buf, size_t cap)
{
    (void)i;
    snprintf(buf, cap, "%c%.6g%c%.6g", delim, 2.0 * x0 + y, delim, -x0);
}

static void tail_none(size_t i, int32_t y, double x0, char delim, char *buf, size_t cap)
{
    (void)i, (void)y, (void)x0, (void)delim, (void)cap;
    buf[0] = '\0';
}

static void csv_corpus(void)
{
    make_dir("csv");
    nn_csv_options o = nn_csv_defaults();
    csv_seed("classify_default", &o, moons_text(24, ',', NULL, "\n", tail_label));
    o.has_header = true;
    o.delimiter = ';';
    csv_seed("classify_header_semicolon", &o,
             moons_text(16, ';', "x0;x1;label", "\r\n", tail_label));
    o = nn_csv_defaults();
    o.label_column = 0;
    o.delimiter = '\t';
    csv_seed("classify_label_first_tab", &o,
             "0\t 1.5\t2\n1\t-0.25 \t3.75\n\n2\t1e-3\t-4E2\n0\t+7\t.5\n");
    o = nn_csv_defaults();
    o.has_header = true;
    csv_seed("classify_string_labels", &o,
             moons_text(16, ',', "x0,x1,side", "\n", tail_name));
    o = nn_csv_defaults();
    o.task = NN_TASK_MULTILABEL;
    o.n_targets = 2;
    csv_seed("multilabel_last2", &o, moons_text(16, ',', NULL, "\n", tail_multilabel));
    o = nn_csv_defaults();
    o.task = NN_TASK_REGRESS;
    o.n_targets = 2;
    o.has_header = true;
    o.delimiter = '|';
    csv_seed("regress_last2_pipe", &o,
             moons_text(16, '|', "a|b|y1|y2", "\n", tail_regress));
    o = nn_csv_defaults();
    o.task = NN_TASK_REGRESS;
    o.label_column = 1;
    csv_seed("regress_middle", &o, "1.0,10.5,2\n2.0,20.25,3\n3.5,-1,4\n");
    o = nn_csv_defaults();
    o.no_labels = true;
    csv_seed("no_labels", &o, moons_text(12, ',', NULL, "\n", tail_none));
    o = nn_csv_defaults();
    o.has_header = true;
    o.ignore_column = 1;
    csv_seed("classify_row_ids_quoted", &o,
             "id,\"x, 1\",x2,label\n\"r1\",1.5,2,\"a \"\"b\"\"\"\n"
             "r2,-1,0.5,c\nr3,\"3\",1e2,\"a \"\"b\"\"\"\n");
    /* Invalid ones, so the error paths are seeded too. */
    o = nn_csv_defaults();
    csv_seed("bad_ragged", &o, "1,2,0\n3,4\n");
    csv_seed("bad_nan", &o, "1,nan,0\n");
    csv_seed("bad_label_range", &o, "1,2,70000\n");
    csv_seed("bad_empty", &o, "");
    o.has_header = true;
    csv_seed("bad_header_only", &o, "a,b,c\n");
    /* A first line of 4,000 fields, then 4,000 rows of one: refused at line
     * 2 before the data set is allocated for the first line's width. */
    o = nn_csv_defaults();
    char *w = text;
    for (size_t j = 0; j < 4000; j++)
        w += sprintf(w, j + 1 < 4000 ? "1," : "1\n");
    for (size_t i = 0; i < 4000; i++)
        w += sprintf(w, "1\n");
    csv_seed("bad_wide_first_line", &o, text);
    /* NULL options (the defaults). */
    uint8_t h[FUZZ_CSV_HEADER] = {0x10, 0xff, 0, 1, 0};
    write_file("csv", "null_options", h, sizeof h, "0.5,1,1\n-2,3e1,0\n", 17);
}

/* ---- model seeds --------------------------------------------------------- */

static uint8_t *read_all(const char *p, size_t *n)
{
    FILE *f = fopen(p, "rb");
    if (!f)
        die(p);
    static uint8_t buf[1 << 16];
    *n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

/* A load seed (the file as it is) and a predict seed (u16 length, the
 * file, then a row selector and doubles). */
static void model_seeds(const char *name, const uint8_t *file, size_t n)
{
    write_file("load", name, file, n, NULL, 0);
    uint8_t rows[1 + 8 * 12];
    rows[0] = 3; /* 1 + 3 % 4 = 4 rows */
    for (size_t i = 0; i < 12; i++) {
        double v = (double)i * 0.37 - 1.5;
        memcpy(rows + 1 + 8 * i, &v, 8);
    }
    uint8_t *seed = malloc(FUZZ_PREDICT_HEADER + n);
    if (!seed || n > 0xffff)
        die("model seed");
    seed[0] = (uint8_t)(n & 0xff);
    seed[1] = (uint8_t)(n >> 8);
    memcpy(seed + FUZZ_PREDICT_HEADER, file, n);
    write_file("predict", name, seed, FUZZ_PREDICT_HEADER + n, rows, sizeof rows);
    free(seed);
}

/* Save net (freed here) with nn_net_save and make both seeds of it. */
static void save_seeds(const char *name, nn_net *net)
{
    char p[512];
    snprintf(p, sizeof p, "%s/load/%s", out_dir, name);
    if (nn_net_save(net, p) != NN_OK)
        die("nn_net_save");
    nn_net_free(net);
    size_t n;
    uint8_t *file = read_all(p, &n);
    model_seeds(name, file, n);
}

static nn_net *make_net(size_t in, size_t outputs, size_t n_hidden, const size_t *hidden,
                        nn_init init, const nn_activation *acts, nn_task task)
{
    nn_net_config cfg = {.n_inputs = in, .n_classes = outputs, .n_hidden_layers = n_hidden,
                         .hidden = hidden, .init = init, .seed = 3, .activations = acts,
                         .leaky_slope = 0.1, .task = task};
    nn_net *net;
    if (nn_net_create(&net, &cfg) != NN_OK)
        die("nn_net_create");
    return net;
}

/* n bytes of file with its checksum (the last 8 bytes) made right. */
static void fix_checksum(uint8_t *file, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i + 8 < n; i++)
        h = (h ^ file[i]) * 0x100000001b3u;
    for (int i = 0; i < 8; i++)
        file[n - 8 + (size_t)i] = (uint8_t)(h >> (8 * i));
}

/* Files a forger makes: a version 1 header announcing 2 x 32768 x 32768 x 2
 * (1.07e9 parameters) over 100 bytes, and a net whose last parameter is NaN
 * under a right checksum. */
static void forged_seeds(void)
{
    static const uint64_t units[4] = {2, 32768, 32768, 2};
    uint8_t lie[100] = {'L', 'I', 'B', 'N', 'N', 0, 'N', 'T', 1, 0, 0, 0, 0, 0, 0, 0};
    uint64_t head[6] = {7, 3, units[0], units[1], units[2], units[3]}, P = 0;
    for (int l = 0; l < 3; l++)
        P += units[l] * units[l + 1] + units[l + 1];
    for (int k = 0; k < 7; k++)
        for (int i = 0; i < 8; i++)
            lie[16 + 8 * k + i] = (uint8_t)((k < 6 ? head[k] : P) >> (8 * i));
    model_seeds("bad_header_lies", lie, sizeof lie);
    size_t h1[1] = {4}, n;
    char p[512];
    snprintf(p, sizeof p, "%s/load/bad_nan_weight", out_dir);
    nn_net *net = make_net(2, 2, 1, h1, NN_INIT_HE, NULL, NN_TASK_CLASSIFY);
    if (nn_net_save(net, p) != NN_OK)
        die("nn_net_save");
    nn_net_free(net);
    uint8_t *file = read_all(p, &n);
    static const uint8_t nan_bits[8] = {0, 0, 0, 0, 0, 0, 0xf8, 0x7f};
    memcpy(file + n - 16, nan_bits, 8);
    fix_checksum(file, n);
    model_seeds("bad_nan_weight", file, n);
}

static void model_corpus(int n_files, char **files)
{
    make_dir("load");
    make_dir("predict");
    size_t h1[1] = {4}, h2[2] = {7, 5}, h3[3] = {3, 3, 3};
    save_seeds("net_2_2", make_net(2, 2, 0, NULL, NN_INIT_HE, NULL, NN_TASK_CLASSIFY));
    save_seeds("net_2_4_2_normal",
               make_net(2, 2, 1, h1, NN_INIT_NORMAL, NULL, NN_TASK_CLASSIFY));
    save_seeds("net_3_7_5_4_xavier",
               make_net(3, 4, 2, h2, NN_INIT_XAVIER, NULL, NN_TASK_CLASSIFY));
    save_seeds("net_1_3_3_3_3_orthogonal",
               make_net(1, 3, 3, h3, NN_INIT_ORTHOGONAL, NULL, NN_TASK_CLASSIFY));
    /* Version 2 content: activations, scalers, class names, other tasks. */
    nn_activation acts[3] = {NN_ACT_TANH, NN_ACT_LEAKY_RELU, NN_ACT_GELU};
    double mean[3] = {0.5, -1, 2}, scale[3] = {2, 0.25, 1};
    nn_scaler sc = {3, mean, scale};
    const char *names[4] = {"setosa", "versicolor", "virginica", "a \"quoted\", name"};
    nn_net *net = make_net(3, 4, 2, h2, NN_INIT_XAVIER, acts, NN_TASK_CLASSIFY);
    if (nn_net_set_scaler(net, &sc) != NN_OK || nn_net_set_class_names(net, names) != NN_OK)
        die("classify extras");
    save_seeds("v2_classify_scaler_names", net);
    net = make_net(3, 2, 3, h3, NN_INIT_HE, acts, NN_TASK_MULTILABEL);
    if (nn_net_set_scaler(net, &sc) != NN_OK || nn_net_set_class_names(net, names) != NN_OK)
        die("multilabel extras");
    save_seeds("v2_multilabel", net);
    net = make_net(3, 3, 1, h1, NN_INIT_NORMAL, acts + 2, NN_TASK_REGRESS);
    if (nn_net_set_scaler(net, &sc) != NN_OK || nn_net_set_target_scaler(net, &sc) != NN_OK)
        die("regress extras");
    save_seeds("v2_regress_target_scaler", net);
    /* Version 3: single-precision nets (float32 parameters). */
    nn_net *f32 = NULL;
    net = make_net(3, 4, 2, h2, NN_INIT_XAVIER, acts, NN_TASK_CLASSIFY);
    if (nn_net_set_scaler(net, &sc) != NN_OK || nn_net_set_class_names(net, names) != NN_OK ||
        nn_net_convert(&f32, net, NN_F32) != NN_OK)
        die("f32 classify");
    nn_net_free(net);
    save_seeds("v3_f32_classify", f32);
    net = make_net(3, 3, 1, h1, NN_INIT_NORMAL, acts + 2, NN_TASK_REGRESS);
    if (nn_net_set_target_scaler(net, &sc) != NN_OK || nn_net_convert(&f32, net, NN_F32) != NN_OK)
        die("f32 regress");
    nn_net_free(net);
    save_seeds("v3_f32_regress", f32);
    forged_seeds();
    /* Files given on the command line (e.g. a version 1 file), as they are. */
    for (int i = 0; i < n_files; i++) {
        size_t n;
        uint8_t *file = read_all(files[i], &n);
        const char *base = strrchr(files[i], '/');
        char name[256];
        snprintf(name, sizeof name, "file_%s", base ? base + 1 : files[i]);
        for (char *c = name; *c; c++)
            *c = *c == '.' ? '_' : *c; /* no ".nnet": .gitignore would hide it */
        model_seeds(name, file, n);
    }
}

/* ---- nn's option parser (fuzz_cli) ----------------------------------------- */

/* A fuzz_cli seed: the command byte, then the arguments, each NUL-ended
 * except the last (fuzz_cli splits the rest at NUL bytes). */
static void cli_seed(const char *name, uint8_t cmd, const char *const *args, size_t n)
{
    size_t len = 0;
    text[len++] = (char)cmd;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(args[i]) + (i + 1 < n);
        if (len + k > sizeof text)
            die(name);
        memcpy(text + len, args[i], k); /* with its NUL, but for the last */
        len += k;
    }
    write_file("cli", name, text, len, NULL, 0);
}

#define CLI_SEED(name, cmd, ...)                                                              \
    do {                                                                                      \
        const char *const a_[] = {__VA_ARGS__};                                               \
        cli_seed(name, cmd, a_, sizeof a_ / sizeof a_[0]);                                    \
    } while (0)

static void cli_corpus(void)
{
    make_dir("cli");
    enum { TRAIN, EVAL, PREDICT, SWEEP, EXPORT }; /* cli_cmd's order */
    CLI_SEED("eval_all", EVAL, "m.nnet", "--data", "x.csv", "--header", "--all");
    CLI_SEED("predict_ids", PREDICT, "m.nnet", "--data", "new.csv", "--id-col", "1", "--proba",
             "--out", "p.csv");
    CLI_SEED("sweep_plot", SWEEP, "--from", "3", "--to", "39", "--plot", "s.png");
    CLI_SEED("train_bad", TRAIN, "--batch", "0", "--hidden", "");
    CLI_SEED("train_net", TRAIN, "--hidden", "64,32", "--activation", "tanh,gelu", "--epochs",
             "auto", "--out", "m.nnet");
    CLI_SEED("train_regress", TRAIN, "--task", "regress", "--targets", "2", "--label-col", "last",
             "--lr", "0.01", "--patience", "5");
    /* hostile: counts that once wrapped an allocation, an injecting plot
     * path, outputs that name an input */
    CLI_SEED("train_epochs_2p59", TRAIN, "--epochs", "576460752303423488");
    CLI_SEED("train_epochs_huge", TRAIN, "--max-epochs", "99999999999999999999999999");
    CLI_SEED("sweep_to_2p61", SWEEP, "--from", "1", "--to", "2305843009213693952");
    CLI_SEED("sweep_many", SWEEP, "--from", "1", "--to", "1000000", "--step", "1", "--trials",
             "10000");
    CLI_SEED("train_runs_huge", TRAIN, "--runs", "18446744073709551615");
    CLI_SEED("train_hidden_budget", TRAIN, "--hidden", "20000,20000");
    CLI_SEED("train_hidden_wide", TRAIN, "--hidden", "64,4294967296,3");
    CLI_SEED("train_plot_inject", TRAIN, "--plot",
             "p.png'; system \"id > pwned.txt\"; set output 'q.png\n\"; system(\"id\") #");
    CLI_SEED("train_out_is_data", TRAIN, "--data", "d.csv", "--out", "d.csv");
    CLI_SEED("predict_out_is_model", PREDICT, "m.nnm", "--data", "d.csv", "--out", "m.nnm",
             "--id-col", "1");
    CLI_SEED("export_c_is_model", EXPORT, "m.nnm", "--c", "m.nnm", "--onnx", "m.nnm");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <corpus dir> [model file ...]\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    if (mkdir(out_dir, 0755) != 0 && errno != EEXIST)
        die(out_dir);
    csv_corpus();
    model_corpus(argc - 2, argv + 2);
    cli_corpus();
    return 0;
}
