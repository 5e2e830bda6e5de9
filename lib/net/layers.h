#ifndef NN_NET_LAYERS_H
#define NN_NET_LAYERS_H

/* For lib/net/ only, through net/net_internal.h (after the net's types):
 * the entry points of the layer loop's two instances, layers.c (_f64) and
 * layers_f32.c (_f32), which net_internal.h's nn__net_* functions call by
 * the net's dtype. */

#ifndef NN__MAX_LAYERS
#error "include net/net_internal.h, not net/layers.h"
#endif

#define NN__LAYERS_DECLS(S)                                                                 \
    void nn__layers_forward##S(const nn_net *net, nn__ws *ws, const double *x, size_t ldx,  \
                               size_t n, nn__fwd_mode mode);                                \
    void nn__layers_infer##S(const nn_net *net, nn__ws *ws, nn_mat x, nn__fwd_mode mode,    \
                             nn__emit what, nn_mat out, int32_t *labels);                   \
    void nn__layers_score##S(const nn_net *net, nn__ws *ws, const nn_dataset *d,            \
                             double *score, double *mean_loss);                             \
    double nn__layers_step##S(nn_net *net, const double *x, size_t ldx, size_t n,           \
                              nn__targets t, double scale, nn__optim *o, double wd);        \
    double nn__layers_gradients##S(nn_net *net, nn_mat x, const int32_t *labels,           \
                                   nn_mat targets, double scale);                           \
    void nn__layers_update_all##S(nn_net *net, nn__optim *o, double wd, double grad_scale);
NN__LAYERS_DECLS(_f64)
NN__LAYERS_DECLS(_f32)
#undef NN__LAYERS_DECLS

#endif /* NN_NET_LAYERS_H */
