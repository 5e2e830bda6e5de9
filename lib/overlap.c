/* The gradient reduction of a data-parallel step, overlapped with the
 * backward pass.
 *
 * The backward pass produces the gradient of the last layer first and of
 * the first layer last. Layer l's gradient is final as soon as its weight
 * gradient product is done (dW = Aᵀ dZ, db = column sums of dZ), while the
 * input gradient of the layers below still has to be computed. So the step
 * (lib/net/backprop.inc) calls ready(l) there, and the layers' gradients,
 * which lie in the gradient block in layer order ([W_0 b_0 W_1 b_1 ...]),
 * are summed over the participants in buckets of adjacent layers while the
 * layers below compute: a bucket is started once it holds
 * NN__BUCKET_BYTES (or at layer 0), and between the backward products the
 * step calls progress, so that the transport can advance the sums that
 * are in flight. The first bucket also carries the two spare elements
 * after the gradients, the step's row count and summed loss. The update
 * waits for every bucket (finish), and then is the same as after one
 * blocking all-reduce: each element is the same sum over the participants.
 */
#include <string.h>

#include "overlap.h"

typedef struct overlap {
    nn_net *net;
    const nn_fit_hooks *h;
    size_t end;   /* gradient elements [.., end) not yet in a started bucket */
    size_t rows;  /* this step's rows */
    int spares;   /* the spare elements are written */
    int failed;
} overlap;

static size_t elem_size(const nn_net *net)
{
    return net->spec.dtype == NN_F32 ? sizeof(float) : sizeof(double);
}

/* The offset of layer l's weights in the parameter (and gradient) block. */
static size_t layer_offset(const nn_net *net, size_t l)
{
    size_t off = 0;
    for (size_t k = 0; k < l; k++)
        off += net->units[k] * net->units[k + 1] + net->units[k + 1];
    return off;
}

int nn__overlap_pays(const nn_net *net)
{
    size_t above_first = net->n_params + 2 - layer_offset(net, 1);
    return net->n_layers > 1 && above_first * elem_size(net) >= NN__BUCKET_BYTES;
}

static void write_spares(overlap *ov, double loss)
{
    nn_net *net = ov->net;
    size_t P = net->n_params;
    if (net->spec.dtype == NN_F32) {
        net->grads_f32[P] = (float)ov->rows;
        net->grads_f32[P + 1] = (float)loss;
    } else {
        net->grads[P] = (double)ov->rows;
        net->grads[P + 1] = loss;
    }
    ov->spares = 1;
}

static void ready(void *ctx, size_t l, double loss)
{
    overlap *ov = ctx;
    if (!ov->spares)
        write_spares(ov, loss);
    size_t begin = layer_offset(ov->net, l);
    if (l > 0 && (ov->end - begin) * elem_size(ov->net) < NN__BUCKET_BYTES)
        return;
    char *g = nn__net_grads(ov->net);
    if (ov->h->reduce_start(g + begin * elem_size(ov->net), ov->end - begin, ov->net->spec.dtype,
                            ov->h->ctx) != 0)
        ov->failed = 1;
    ov->end = begin;
}

static void progress(void *ctx)
{
    overlap *ov = ctx;
    if (ov->h->reduce_progress && ov->h->reduce_progress(ov->h->ctx) != 0)
        ov->failed = 1;
}

int nn__overlap_step(nn_net *net, const nn_fit_hooks *h, const double *x, size_t ldx,
                     size_t rows, nn__targets t, double *loss)
{
    overlap ov = {.net = net, .h = h, .end = net->n_params + 2, .rows = rows};
    *loss = 0.0;
    if (rows > 0) {
        const nn__grad_hook hook = {.ready = ready, .progress = progress, .ctx = &ov};
        *loss = nn__net_step_grads_hooked(net, x, ldx, rows, t, 1.0, &hook);
    } else {
        /* No rows: zeros, in the same buckets as every other participant. */
        memset(nn__net_grads(net), 0, nn__net_param_bytes(net));
        for (size_t l = net->n_layers; l-- > 0;)
            ready(&ov, l, 0.0);
    }
    if (h->reduce_finish(h->ctx) != 0)
        ov.failed = 1;
    return ov.failed ? -1 : 0;
}
