/* Workspaces: the buffers the layer loop runs in. A net owns one training
 * workspace (fit and the gradients API use it; they change the net anyway)
 * and NN__INFER_SLOTS inference workspaces, so that forward, predict and
 * evaluate may run on one const net from many threads at once. A call takes
 * the first free slot by an atomic test-and-set of its flag: the slot's
 * workspace is then the call's alone until it clears the flag. A slot's
 * workspace is allocated on its first use and grown when a call needs more
 * rows, so calls after the first allocate nothing; when all slots are busy,
 * a call allocates a workspace of its own and frees it on return. */
#include <limits.h>
#include <stdlib.h>

#include "net/net_internal.h"

void nn__ws_free(nn__ws *ws)
{
    nn__free(ws->block);
    free(ws->labels);
    nn__free(ws->scratch);
    *ws = (nn__ws){0};
}

/* The rows x cols view at element off of ws's block, in the dtype's field
 * (an F32 net's in *f, an F64 net's in *d); the other stays empty. */
static void carve(const nn__ws *ws, int f32, nn_mat *d, nn_matf *f, size_t off, size_t rows,
                  size_t cols)
{
    *d = (nn_mat){0};
    *f = (nn_matf){0};
    if (f32)
        *f = (nn_matf){(float *)(void *)ws->block + off, rows, cols, cols};
    else
        *d = nn_mat_view(ws->block + off, rows, cols, cols);
}

nn_status nn__ws_reserve(const nn_net *net, nn__ws *ws, size_t rows, int train, const char *func)
{
    if (rows <= ws->cap && (ws->train || !train) && ws->scratch)
        return NN_OK;
    if (rows < ws->cap)
        rows = ws->cap;
    train |= ws->train;
    size_t L = net->n_layers, C = net->units[L];
    size_t per_row = net->units[0] + C, max_hidden = 0;
    for (size_t l = 0; l < L; l++) {
        per_row += net->units[l + 1];
        if (train && l + 1 < L && nn__act_needs_pre(net->spec.act[l]))
            per_row += net->units[l + 1];
    }
    for (size_t l = 1; train && l < L; l++)
        if (net->units[l] > max_hidden)
            max_hidden = net->units[l];
    per_row += 2 * max_hidden;
    /* The views take rows * per_row elements of the net's type; an F32
     * net's take half as many doubles of the block. eval follows. */
    const int f32 = net->spec.dtype == NN_F32;
    if (rows > INT_MAX || per_row > (SIZE_MAX / sizeof(double) - 4 * C - 1) / rows)
        return nn__fail(NN_ENOMEM, "%s: a workspace of %zu rows is too large", func, rows);
    size_t elems = rows * per_row, n_dbl = f32 ? elems / 2 + 1 : elems;
    double *block = nn__alloc_doubles(n_dbl + 4 * C);
    int32_t *labels = malloc(rows * sizeof *labels);
    double *scratch = ws->scratch ? ws->scratch : nn__alloc_doubles(NN__GEMM_SCRATCH);
    if (!block || !labels || !scratch) {
        nn__free(block);
        free(labels);
        if (scratch != ws->scratch)
            nn__free(scratch);
        return nn__fail(NN_ENOMEM, "%s: cannot allocate a workspace of %zu rows", func, rows);
    }
    ws->scratch = NULL; /* kept */
    nn__ws_free(ws);
    ws->scratch = scratch;
    ws->scratch_f32 = (float *)(void *)scratch;
    ws->block = block;
    ws->labels = labels;
    ws->cap = rows;
    ws->train = train;
    ws->eval = block + n_dbl;
    /* Carve the views: offsets in elements, the same for both types. */
    size_t off = 0;
    for (size_t l = 0; l < L; l++) {
        size_t o = net->units[l + 1];
        int pre = train && l + 1 < L && nn__act_needs_pre(net->spec.act[l]);
        carve(ws, f32, &ws->act[l], &ws->act_f32[l], off, rows, o);
        off += rows * o;
        if (pre) {
            carve(ws, f32, &ws->pre[l], &ws->pre_f32[l], off, rows, o);
            off += rows * o;
        }
    }
    for (int i = 0; i < 2 && train; i++) {
        nn_mat d;
        nn_matf df;
        carve(ws, f32, &d, &df, off + (size_t)i * rows * max_hidden, rows, max_hidden);
        ws->delta[i] = d.data;
        ws->delta_f32[i] = df.data;
    }
    off += 2 * rows * max_hidden;
    carve(ws, f32, &ws->x, &ws->x_f32, off, rows, net->units[0]);
    off += rows * net->units[0];
    carve(ws, f32, &ws->t, &ws->t_f32, off, rows, C);
    return NN_OK;
}

nn__ws_slot *nn__ws_slots_new(void)
{
    nn__ws_slot *slots = calloc(NN__INFER_SLOTS, sizeof *slots);
    for (size_t i = 0; slots && i < NN__INFER_SLOTS; i++)
        atomic_flag_clear(&slots[i].busy);
    return slots;
}

void nn__ws_slots_free(nn__ws_slot *slots)
{
    for (size_t i = 0; slots && i < NN__INFER_SLOTS; i++)
        nn__ws_free(&slots[i].ws);
    free(slots);
}

nn__ws *nn__ws_acquire(const nn_net *net, size_t rows, const char *func)
{
    for (size_t i = 0; i < NN__INFER_SLOTS; i++) {
        nn__ws_slot *slot = &net->slots[i];
        if (atomic_flag_test_and_set_explicit(&slot->busy, memory_order_acquire))
            continue;
        if (nn__ws_reserve(net, &slot->ws, rows, 0, func) != NN_OK) {
            atomic_flag_clear_explicit(&slot->busy, memory_order_release);
            return NULL;
        }
        return &slot->ws;
    }
    nn__ws *ws = calloc(1, sizeof *ws);
    if (!ws) {
        nn__fail(NN_ENOMEM, "%s: cannot allocate a workspace", func);
        return NULL;
    }
    if (nn__ws_reserve(net, ws, rows, 0, func) != NN_OK) {
        free(ws);
        return NULL;
    }
    return ws;
}

void nn__ws_release(const nn_net *net, nn__ws *ws)
{
    for (size_t i = 0; i < NN__INFER_SLOTS; i++)
        if (ws == &net->slots[i].ws) {
            atomic_flag_clear_explicit(&net->slots[i].busy, memory_order_release);
            return;
        }
    nn__ws_free(ws);
    free(ws);
}
