#ifndef NN_NET_LAYERS_H
#define NN_NET_LAYERS_H

/* Through net/net_internal.h only (after the net's types): the entry
 * points of the layer loop's two instances, layers.c (_f64) and
 * layers_f32.c (_f32), which net_internal.h's nn__net_* functions call by
 * the net's dtype; and the hooked gradient step of a data-parallel step
 * (train.c, overlap.c). */

#ifndef NN__MAX_LAYERS
#error "include net/net_internal.h, not net/layers.h"
#endif

/* What a gradient step (no optimizer) tells its caller as the backward pass
 * goes, so that a data-parallel step can reduce each layer's gradient while
 * the layers below are still computing: ready(ctx, l, loss) once per layer,
 * from the last to the first, as soon as layer l's weight and bias
 * gradients are complete (loss: the step's summed loss); progress(ctx)
 * after each product of the backward pass. */
typedef struct nn__grad_hook {
    void (*ready)(void *ctx, size_t layer, double loss);
    void (*progress)(void *ctx);
    void *ctx;
} nn__grad_hook;
/* nn__net_step_grads with hook's calls (hook may be NULL). */
double nn__net_step_grads_hooked(nn_net *net, const double *x, size_t ldx, size_t n,
                                 nn__targets t, double scale, const nn__grad_hook *hook);

#define NN__LAYERS_DECLS(S)                                                                 \
    void nn__layers_forward##S(const nn_net *net, nn__ws *ws, const double *x, size_t ldx,  \
                               size_t n, nn__fwd_mode mode);                                \
    void nn__layers_infer##S(const nn_net *net, nn__ws *ws, nn_mat x, nn__fwd_mode mode,    \
                             nn__emit what, nn_mat out, int32_t *labels);                   \
    void nn__layers_score##S(const nn_net *net, nn__ws *ws, const nn_dataset *d,            \
                             double *score, double *mean_loss);                             \
    double nn__layers_step##S(nn_net *net, const double *x, size_t ldx, size_t n,           \
                              nn__targets t, double scale, nn__optim *o, double wd,         \
                              const nn__grad_hook *hook);                                   \
    double nn__layers_gradients##S(nn_net *net, nn_mat x, const int32_t *labels,           \
                                   nn_mat targets, double scale);                           \
    void nn__layers_update_all##S(nn_net *net, nn__optim *o, double wd, double grad_scale);
NN__LAYERS_DECLS(_f64)
NN__LAYERS_DECLS(_f32)
#undef NN__LAYERS_DECLS

#endif /* NN_NET_LAYERS_H */
