/* nn_net_export_onnx: the net as an ONNX model.
 *
 * The model is built as protobuf-c messages (C code generated at build time
 * by protoc-c from lib/export/onnx.proto, the subset of the ONNX schema we
 * write) and packed by libprotobuf-c. The graph, for a net with an input
 * scaler, hidden layers l = 0 .. L-2 and the output layer L-1:
 *
 *     x [N, n_in] -Sub(in_mean)-> x_centered -Div(in_scale)-> x_scaled
 *     -Gemm(W0, b0)-> z0 -act0-> h0 -Gemm(W1, b1)-> z1 ... -Gemm-> z<L-1>
 *     -Softmax(axis -1) | Sigmoid | Mul(out_scale), Add(out_mean) | Identity-> y
 *
 * GELU (tanh form) has no operator before opset 20; it is spelled out the
 * way libnn computes it, x * sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3)):
 *     c = Mul(Mul(z, z), z); i = Add(z, Mul(c, 0.044715));
 *     h = Mul(z, Sigmoid(Mul(i, 2 sqrt(2/pi))))
 *
 * Every message lives in one arena (a list of allocations freed together),
 * so that an allocation failure anywhere unwinds in one place.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"

#if defined(NN_HAVE_ONNX)

#include "onnx.pb-c.h"

#define IR_VERSION 7 /* ONNX 1.8, the IR of opset 13 */
#define OPSET 13
/* protobuf messages are limited to 2 GiB; leave room for everything but
 * the float32 parameters. */
#define MAX_PARAMS ((size_t)(INT32_MAX - (1 << 24)) / sizeof(float))

/* ---- arena ------------------------------------------------------------------- */

typedef struct arena {
    void **ptr;
    size_t n, cap;
    int oom; /* an allocation failed: every later one returns NULL too */
} arena;

static void *arena_alloc(arena *a, size_t size)
{
    if (a->oom)
        return NULL;
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 64;
        void **p = realloc(a->ptr, cap * sizeof *p);
        if (!p) {
            a->oom = 1;
            return NULL;
        }
        a->ptr = p;
        a->cap = cap;
    }
    void *m = calloc(1, size ? size : 1);
    if (!m) {
        a->oom = 1;
        return NULL;
    }
    a->ptr[a->n++] = m;
    return m;
}

static void arena_free(arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->ptr[i]);
    free(a->ptr);
}

static char *arena_printf(arena *a, const char *fmt, ...) NN_PRINTF(2, 3);
static char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? arena_alloc(a, (size_t)n + 1) : NULL;
    if (s) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return s;
}

/* ---- graph builder --------------------------------------------------------------- */

typedef struct builder {
    arena a;
    Onnx__NodeProto **node;
    size_t n_node, cap_node;
    Onnx__TensorProto **init;
    size_t n_init, cap_init;
} builder;

/* Append p to the array *v (n used, cap allocated, both bounded in advance
 * by the caller's counts). */
static int push(void **v, size_t *n, size_t cap, void *p)
{
    if (!p || *n == cap)
        return 0;
    v[(*n)++] = p;
    return 1;
}

/* A float32 initializer named name with the given dims, from a rows x cols
 * block of doubles at stride ld (rows = 1 for a vector; ndims 0 makes a
 * scalar of v[0]). Returns its name (NULL on allocation failure). */
static const char *tensor(builder *b, const char *name, const int64_t *dims, size_t ndims,
                          const double *v, size_t rows, size_t cols, size_t ld)
{
    Onnx__TensorProto *t = arena_alloc(&b->a, sizeof *t);
    int64_t *d = arena_alloc(&b->a, (ndims ? ndims : 1) * sizeof *d);
    float *f = arena_alloc(&b->a, rows * cols * sizeof *f);
    char *nm = arena_printf(&b->a, "%s", name);
    if (!t || !d || !f || !nm)
        return NULL;
    onnx__tensor_proto__init(t);
    if (ndims)
        memcpy(d, dims, ndims * sizeof *d);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            f[i * cols + j] = (float)v[i * ld + j];
    t->n_dims = ndims;
    t->dims = d;
    t->has_data_type = 1;
    t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    t->n_float_data = rows * cols;
    t->float_data = f;
    t->name = nm;
    return push((void **)b->init, &b->n_init, b->cap_init, t) ? nm : NULL;
}

static const char *vector(builder *b, const char *name, const double *v, size_t n)
{
    int64_t dim = (int64_t)n;
    return tensor(b, name, &dim, 1, v, 1, n, n);
}

static const char *scalar(builder *b, const char *name, double v)
{
    return tensor(b, name, NULL, 0, &v, 1, 1, 1);
}

/* A node op(in0, in1, in2) -> out (in1, in2 may be NULL; a NULL in0 means
 * an earlier failure and gives NULL). Returns the node, for attributes. */
static Onnx__NodeProto *node(builder *b, const char *op, const char *out, const char *in0,
                             const char *in1, const char *in2)
{
    if (!in0 || !out)
        return NULL;
    Onnx__NodeProto *n = arena_alloc(&b->a, sizeof *n);
    char **in = arena_alloc(&b->a, 3 * sizeof *in);
    char **o = arena_alloc(&b->a, sizeof *o);
    char *name = arena_printf(&b->a, "%s_%zu", op, b->n_node);
    char *op_type = arena_printf(&b->a, "%s", op);
    char *out_name = arena_printf(&b->a, "%s", out);
    if (!n || !in || !o || !name || !op_type || !out_name)
        return NULL;
    onnx__node_proto__init(n);
    const char *ins[3] = {in0, in1, in2};
    for (int k = 0; k < 3 && ins[k]; k++)
        if (!(in[n->n_input++] = arena_printf(&b->a, "%s", ins[k])))
            return NULL;
    o[0] = out_name;
    n->input = in;
    n->n_output = 1;
    n->output = o;
    n->name = name;
    n->op_type = op_type;
    return push((void **)b->node, &b->n_node, b->cap_node, n) ? n : NULL;
}

/* The output name of node n, or NULL when building it failed. */
static const char *out_of(const Onnx__NodeProto *n)
{
    return n ? n->output[0] : NULL;
}

/* One scalar attribute (float or int) on node n. */
static int attribute(builder *b, Onnx__NodeProto *n, const char *name, int is_float, double f,
                     int64_t i)
{
    Onnx__AttributeProto *at = arena_alloc(&b->a, sizeof *at);
    Onnx__AttributeProto **list = arena_alloc(&b->a, sizeof *list);
    char *nm = arena_printf(&b->a, "%s", name);
    if (!n || !at || !list || !nm)
        return 0;
    onnx__attribute_proto__init(at);
    at->name = nm;
    at->has_type = 1;
    if (is_float) {
        at->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
        at->has_f = 1;
        at->f = (float)f;
    } else {
        at->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
        at->has_i = 1;
        at->i = i;
    }
    list[0] = at;
    n->n_attribute = 1;
    n->attribute = list;
    return 1;
}

/* The hidden activation a of layer l, from z to the name it returns. */
static const char *activation(builder *b, nn_activation a, double slope, size_t l, const char *z)
{
    char h[32];
    snprintf(h, sizeof h, "h%zu", l);
    switch (a) {
    case NN_ACT_RELU:
        return out_of(node(b, "Relu", h, z, NULL, NULL));
    case NN_ACT_LEAKY_RELU: {
        Onnx__NodeProto *n = node(b, "LeakyRelu", h, z, NULL, NULL);
        return attribute(b, n, "alpha", 1, slope, 0) ? out_of(n) : NULL;
    }
    case NN_ACT_TANH:
        return out_of(node(b, "Tanh", h, z, NULL, NULL));
    case NN_ACT_SIGMOID:
        return out_of(node(b, "Sigmoid", h, z, NULL, NULL));
    case NN_ACT_GELU: {
        /* x * sigmoid(2c (x + k x^3)), the constants shared by every layer */
        const char *k = "gelu_k", *c2 = "gelu_2c";
        char t[6][48];
        for (int i = 0; i < 6; i++)
            snprintf(t[i], sizeof t[i], "h%zu_gelu_%d", l, i);
        const char *sq = out_of(node(b, "Mul", t[0], z, z, NULL));
        const char *cube = out_of(node(b, "Mul", t[1], sq, z, NULL));
        const char *kc = out_of(node(b, "Mul", t[2], cube, k, NULL));
        const char *inner = out_of(node(b, "Add", t[3], z, kc, NULL));
        const char *u = out_of(node(b, "Mul", t[4], inner, c2, NULL));
        const char *s = out_of(node(b, "Sigmoid", t[5], u, NULL, NULL));
        return out_of(node(b, "Mul", h, z, s, NULL));
    }
    case NN_ACT_IDENTITY:
    default:
        return out_of(node(b, "Identity", h, z, NULL, NULL));
    }
}

/* The whole graph's nodes and initializers; returns the output value's
 * name ("y"), NULL on allocation failure. */
static const char *build_graph(builder *b, const nn_net *net)
{
    nn_net *view = nn__export_net(net);
    size_t L = nn_net_n_layers(net);
    const nn_scaler *sc = nn_net_scaler(net), *ts = nn_net_target_scaler(net);
    const char *h = "x";
    if (sc) {
        const char *mean = vector(b, "in_mean", sc->mean, sc->n_features);
        const char *scale = vector(b, "in_scale", sc->scale, sc->n_features);
        h = out_of(node(b, "Sub", "x_centered", h, mean, NULL));
        h = out_of(node(b, "Div", "x_scaled", h, scale, NULL));
    }
    if (nn_net_n_layers(net) > 1) {
        int gelu = 0;
        for (size_t l = 0; l + 1 < L; l++)
            gelu |= nn_net_activation(net, l) == NN_ACT_GELU;
        if (gelu && (!scalar(b, "gelu_k", 0.044715) ||
                     !scalar(b, "gelu_2c", 2.0 * 0.79788456080286535588)))
            return NULL;
    }
    for (size_t l = 0; l < L; l++) {
        nn_mat w = nn_net_weights(view, l), bias = nn_net_bias(view, l);
        char wn[32], bn[32], zn[32];
        snprintf(wn, sizeof wn, "W%zu", l);
        snprintf(bn, sizeof bn, "b%zu", l);
        snprintf(zn, sizeof zn, "z%zu", l);
        int64_t dims[2] = {(int64_t)w.rows, (int64_t)w.cols};
        const char *wt = tensor(b, wn, dims, 2, w.data, w.rows, w.cols, w.ld);
        const char *bt = vector(b, bn, bias.data, bias.cols);
        if (!wt || !bt)
            return NULL;
        /* Gemm: Y = alpha A B + beta C with the defaults alpha = beta = 1,
         * no transposes: z = h W + b, b broadcast over the rows. */
        h = out_of(node(b, "Gemm", zn, h, wt, bt));
        if (l + 1 < L)
            h = activation(b, nn_net_activation(net, l), nn_net_leaky_slope(net), l, h);
    }
    switch (nn_net_task(net)) {
    case NN_TASK_CLASSIFY: {
        Onnx__NodeProto *n = node(b, "Softmax", "y", h, NULL, NULL);
        return attribute(b, n, "axis", 0, 0.0, -1) ? out_of(n) : NULL;
    }
    case NN_TASK_MULTILABEL:
        return out_of(node(b, "Sigmoid", "y", h, NULL, NULL));
    case NN_TASK_REGRESS:
    default:
        if (!ts)
            return out_of(node(b, "Identity", "y", h, NULL, NULL));
        h = out_of(node(b, "Mul", "y_scaled", h, vector(b, "out_scale", ts->scale, ts->n_features),
                        NULL));
        return out_of(node(b, "Add", "y", h, vector(b, "out_mean", ts->mean, ts->n_features),
                           NULL));
    }
}

/* A graph input or output: float [N, width], N symbolic. */
static Onnx__ValueInfoProto *value_info(arena *a, const char *name, size_t width)
{
    Onnx__ValueInfoProto *v = arena_alloc(a, sizeof *v);
    Onnx__TypeProto *t = arena_alloc(a, sizeof *t);
    Onnx__TypeProto__Tensor *tt = arena_alloc(a, sizeof *tt);
    Onnx__TensorShapeProto *sh = arena_alloc(a, sizeof *sh);
    Onnx__TensorShapeProto__Dimension *d0 = arena_alloc(a, sizeof *d0);
    Onnx__TensorShapeProto__Dimension *d1 = arena_alloc(a, sizeof *d1);
    Onnx__TensorShapeProto__Dimension **dims = arena_alloc(a, 2 * sizeof *dims);
    char *nm = arena_printf(a, "%s", name), *batch = arena_printf(a, "N");
    if (!v || !t || !tt || !sh || !d0 || !d1 || !dims || !nm || !batch)
        return NULL;
    onnx__value_info_proto__init(v);
    onnx__type_proto__init(t);
    onnx__type_proto__tensor__init(tt);
    onnx__tensor_shape_proto__init(sh);
    onnx__tensor_shape_proto__dimension__init(d0);
    onnx__tensor_shape_proto__dimension__init(d1);
    d0->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
    d0->dim_param = batch;
    d1->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    d1->dim_value = (int64_t)width;
    dims[0] = d0;
    dims[1] = d1;
    sh->n_dim = 2;
    sh->dim = dims;
    tt->has_elem_type = 1;
    tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    tt->shape = sh;
    t->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    t->tensor_type = tt;
    v->name = nm;
    v->type = t;
    return v;
}

/* The length of the valid UTF-8 sequence at c (2 to 4 bytes; c[0] >= 0x80),
 * or 0 when it is not one: a stray continuation byte, a truncated sequence,
 * an overlong form, a surrogate or a value above U+10FFFF. */
static size_t utf8_len(const unsigned char *c)
{
    size_t n = c[0] >= 0xf0 ? 4 : c[0] >= 0xe0 ? 3 : c[0] >= 0xc0 ? 2 : 0;
    if (n == 0 || c[0] >= 0xf5 || c[0] == 0xc0 || c[0] == 0xc1)
        return 0;
    for (size_t k = 1; k < n; k++)
        if ((c[k] & 0xc0) != 0x80) /* also stops at the terminating NUL */
            return 0;
    if ((c[0] == 0xe0 && c[1] < 0xa0) || (c[0] == 0xed && c[1] >= 0xa0) ||
        (c[0] == 0xf0 && c[1] < 0x90) || (c[0] == 0xf4 && c[1] >= 0x90))
        return 0;
    return n;
}

/* s as a JSON string written at buf (at most 6 bytes per byte of s plus 2):
 * quotes, backslashes and control characters escaped, valid UTF-8 kept as
 * it is, and each byte that is not valid UTF-8 (a name read from a Latin-1
 * file, say) replaced by U+FFFD, since protobuf strings and JSON are UTF-8.
 * Returns the length written. */
static size_t json_string(char *buf, const char *s)
{
    size_t n = 0;
    buf[n++] = '"';
    for (const unsigned char *c = (const unsigned char *)s; *c;) {
        size_t len = *c < 0x80 ? 1 : utf8_len(c);
        if (*c == '"' || *c == '\\') {
            buf[n++] = '\\';
            buf[n++] = (char)*c;
        } else if (*c < 0x20) {
            n += (size_t)snprintf(buf + n, 7, "\\u%04x", *c);
        } else if (len == 0) {
            memcpy(buf + n, "\\ufffd", 6);
            n += 6;
            len = 1;
        } else {
            memcpy(buf + n, c, len);
            n += len;
        }
        c += len;
    }
    buf[n++] = '"';
    return n;
}

/* The class names as a JSON array, or NULL when the net has none (or on
 * allocation failure, which sets a->oom). */
static char *class_names_json(arena *a, const nn_net *net)
{
    size_t C = nn_net_n_outputs(net), cap = 3;
    if (!nn_net_class_name(net, 0))
        return NULL;
    for (size_t k = 0; k < C; k++)
        cap += 6 * strlen(nn_net_class_name(net, k)) + 3; /* \u00XX per byte at worst */
    char *json = arena_alloc(a, cap);
    if (!json)
        return NULL;
    size_t n = 0;
    json[n++] = '[';
    for (size_t k = 0; k < C; k++) {
        if (k)
            json[n++] = ',';
        n += json_string(json + n, nn_net_class_name(net, k));
    }
    json[n++] = ']';
    json[n] = '\0';
    return json;
}

static Onnx__StringStringEntryProto *entry(arena *a, const char *key, char *value)
{
    Onnx__StringStringEntryProto *e = arena_alloc(a, sizeof *e);
    char *k = arena_printf(a, "%s", key);
    if (!e || !k || !value)
        return NULL;
    onnx__string_string_entry_proto__init(e);
    e->key = k;
    e->value = value;
    return e;
}

/* The model message: graph, opset, producer, metadata; NULL on failure. */
static Onnx__ModelProto *build_model(builder *b, const nn_net *net)
{
    arena *a = &b->a;
    Onnx__ModelProto *m = arena_alloc(a, sizeof *m);
    Onnx__GraphProto *g = arena_alloc(a, sizeof *g);
    Onnx__OperatorSetIdProto *op = arena_alloc(a, sizeof *op);
    Onnx__OperatorSetIdProto **ops = arena_alloc(a, sizeof *ops);
    Onnx__ValueInfoProto **in = arena_alloc(a, sizeof *in), **out = arena_alloc(a, sizeof *out);
    Onnx__StringStringEntryProto **meta = arena_alloc(a, 2 * sizeof *meta);
    char *json = class_names_json(a, net);
    if (!m || !g || !op || !ops || !in || !out || !meta || a->oom || !build_graph(b, net))
        return NULL;
    onnx__model_proto__init(m);
    onnx__graph_proto__init(g);
    onnx__operator_set_id_proto__init(op);
    op->domain = arena_printf(a, "%s", "");
    op->has_version = 1;
    op->version = OPSET;
    ops[0] = op;
    in[0] = value_info(a, "x", nn_net_n_inputs(net));
    out[0] = value_info(a, "y", nn_net_n_outputs(net));
    meta[0] = entry(a, "task", arena_printf(a, "%s", nn_task_name(nn_net_task(net))));
    meta[1] = json ? entry(a, "class_names", json) : NULL;
    g->name = arena_printf(a, "libnn");
    g->doc_string = arena_printf(a, "multilayer perceptron (%s), exported by libnn %s",
                                 nn_task_name(nn_net_task(net)), nn_version_string());
    g->n_node = b->n_node;
    g->node = b->node;
    g->n_initializer = b->n_init;
    g->initializer = b->init;
    g->n_input = 1;
    g->input = in;
    g->n_output = 1;
    g->output = out;
    m->has_ir_version = 1;
    m->ir_version = IR_VERSION;
    m->producer_name = arena_printf(a, "libnn");
    m->producer_version = arena_printf(a, "%s", nn_version_string());
    m->graph = g;
    m->n_opset_import = 1;
    m->opset_import = ops;
    m->n_metadata_props = json ? 2 : 1;
    m->metadata_props = meta;
    return a->oom || !in[0] || !out[0] || !meta[0] ? NULL : m;
}

/* The model of net (an F64 net). */
static nn_status export_onnx(const nn_net *net, const char *path)
{
    static const char FUNC[] = "nn_net_export_onnx";
    if (nn_net_n_params(net) > MAX_PARAMS)
        return nn__fail(NN_EINVAL,
                        "%s: the net has %zu parameters; one ONNX file holds at most %zu "
                        "(protobuf's 2 GiB message limit)",
                        FUNC, nn_net_n_params(net), MAX_PARAMS);
    nn_status s = nn__export_check_values(net, 1, FUNC);
    if (s != NN_OK)
        return s;
    /* Bounds on the graph's size: per layer a Gemm and at most 7 activation
     * nodes (GELU), plus the scalers' and output's nodes. */
    size_t L = nn_net_n_layers(net);
    builder b = {.a = {.ptr = NULL, .n = 0, .cap = 0, .oom = 0},
                 .node = NULL,
                 .n_node = 0,
                 .cap_node = 8 * L + 8,
                 .init = NULL,
                 .n_init = 0,
                 .cap_init = 2 * L + 8};
    b.node = arena_alloc(&b.a, b.cap_node * sizeof *b.node);
    b.init = arena_alloc(&b.a, b.cap_init * sizeof *b.init);
    Onnx__ModelProto *m = b.node && b.init ? build_model(&b, net) : NULL;
    size_t size = m ? onnx__model_proto__get_packed_size(m) : 0;
    uint8_t *buf = m ? malloc(size) : NULL;
    if (!buf) {
        arena_free(&b.a);
        return nn__fail(NN_ENOMEM, "%s: out of memory", FUNC);
    }
    onnx__model_proto__pack(m, buf);
    arena_free(&b.a);
    nn__atomic_file af;
    if ((s = nn__atomic_open(&af, path, FUNC)) == NN_OK) {
        fwrite(buf, 1, size, af.f);
        s = nn__atomic_commit(&af);
    }
    free(buf);
    return s;
}

nn_status nn_net_export_onnx(const nn_net *net, const char *path)
{
    if (!net || !path)
        return nn__fail(NN_EINVAL, "nn_net_export_onnx: %s is NULL", !net ? "net" : "path");
    /* An F32 net's float32 initializers hold its parameters exactly. */
    nn_net *wide;
    const nn_net *src = nn__export_source(net, &wide, "nn_net_export_onnx");
    nn_status s = src ? export_onnx(src, path) : NN_ENOMEM;
    nn_net_free(wide);
    return s;
}

#else /* !NN_HAVE_ONNX */

nn_status nn_net_export_onnx(const nn_net *net, const char *path)
{
    if (!net || !path)
        return nn__fail(NN_EINVAL, "nn_net_export_onnx: %s is NULL", !net ? "net" : "path");
    return nn__fail(NN_EINVAL, "nn_net_export_onnx: libnn was built without ONNX support "
                               "(configure with -DNN_WITH_ONNX=ON; needs libprotobuf-c-dev and "
                               "protobuf-c-compiler)");
}

#endif /* NN_HAVE_ONNX */
