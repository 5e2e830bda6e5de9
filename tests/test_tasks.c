/* Contract v2 in the net: every activation and output task against central
 * finite differences, forward and evaluate against direct computations,
 * scalers, class names, clone, and the errors of a task mismatch. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_internal.h"
#include "rng.h"
#include "support.h"

static const nn_activation ACTS[] = {NN_ACT_RELU,    NN_ACT_LEAKY_RELU, NN_ACT_TANH,
                                     NN_ACT_SIGMOID, NN_ACT_GELU,       NN_ACT_IDENTITY};
#define N_ACTS (sizeof ACTS / sizeof ACTS[0])

static nn_net *make(size_t in, size_t n_hidden, const size_t *hidden, const nn_activation *acts,
                    size_t out, nn_task task, uint64_t seed)
{
    nn_net_config cfg = {.n_inputs = in,
                         .n_classes = out,
                         .n_hidden_layers = n_hidden,
                         .hidden = hidden,
                         .init = NN_INIT_XAVIER,
                         .seed = seed,
                         .activations = acts,
                         .leaky_slope = 0.1,
                         .task = task};
    nn_net *net = NULL;
    ts_ok(nn_net_create(&net, &cfg));
    return net;
}

/* A batch for a task: random x, and labels or targets (0/1 for MULTILABEL,
 * real for REGRESS). */
typedef struct batch {
    nn_mat x, t;
    int32_t y[16];
} batch;

static void make_batch(batch *b, nn__rng *r, size_t n, size_t in, size_t out, nn_task task)
{
    memset(b, 0, sizeof *b);
    ts_ok(nn_mat_alloc(&b->x, n, in));
    ts_fill_uniform(r, b->x, -2, 2, 0);
    if (task == NN_TASK_CLASSIFY) {
        for (size_t i = 0; i < n; i++)
            b->y[i] = (int32_t)nn__rng_below(r, out);
        return;
    }
    ts_ok(nn_mat_alloc(&b->t, n, out));
    for (size_t i = 0; i < n * out; i++)
        b->t.data[i] = task == NN_TASK_MULTILABEL ? (double)nn__rng_below(r, 2)
                                                  : 3.0 * nn__rng_normal(r) + 1.0;
}

static void free_batch(batch *b)
{
    nn_mat_free(&b->x);
    nn_mat_free(&b->t);
}

static double loss_at(nn_net *net, const batch *b)
{
    double l;
    if (nn_net_task(net) == NN_TASK_CLASSIFY)
        ts_ok(nn_net_gradients(net, b->x, b->y, &l));
    else
        ts_ok(nn_net_gradients_targets(net, b->x, b->t, &l));
    return l;
}

/* Worst mixed error of the analytic gradient of every parameter against
 * central differences, h = 1e-5 * max(1, |p|). */
static double grad_check(nn_net *net, const batch *b)
{
    double worst = 0.0;
    for (size_t l = 0; l < nn_net_n_layers(net); l++)
        for (int part = 0; part < 2; part++) {
            loss_at(net, b);
            nn_mat p = part ? nn_net_bias(net, l) : nn_net_weights(net, l);
            nn_mat g = part ? nn_net_bias_grad(net, l) : nn_net_weight_grad(net, l);
            size_t len = p.rows * p.cols;
            double *ga = malloc(len * sizeof *ga);
            assert_non_null(ga);
            memcpy(ga, g.data, len * sizeof *ga);
            for (size_t i = 0; i < len; i++) {
                double p0 = p.data[i], h = 1e-5 * fmax(1.0, fabs(p0));
                p.data[i] = p0 + h;
                double lp = loss_at(net, b);
                p.data[i] = p0 - h;
                double lm = loss_at(net, b);
                p.data[i] = p0;
                double num = (lp - lm) / (2 * h);
                double err = fabs(ga[i] - num) / (1e-9 + 1e-6 * fmax(fabs(ga[i]), fabs(num)));
                worst = err > worst ? err : worst;
            }
            free(ga);
        }
    return worst;
}

/* Every activation x every task x depth 1-3 hidden layers: the analytic
 * gradient within 1e-6 relative (+1e-9 absolute) of central differences.
 * Biases are non-zero so their gradients are exercised. */
static void test_gradient_every_activation_and_task(void **state)
{
    (void)state;
    nn__rng r;
    nn__rng_seed(&r, 5);
    const nn_task tasks[] = {NN_TASK_CLASSIFY, NN_TASK_MULTILABEL, NN_TASK_REGRESS};
    const size_t hidden[3] = {5, 4, 3};
    double worst = 0.0;
    for (size_t a = 0; a < N_ACTS; a++)
        for (size_t t = 0; t < 3; t++)
            for (size_t depth = 1; depth <= 3; depth++) {
                nn_activation acts[3] = {ACTS[a], ACTS[a], ACTS[a]};
                size_t out = tasks[t] == NN_TASK_CLASSIFY ? 3 : 2;
                nn_net *net = make(3, depth, hidden, acts, out, tasks[t], 10 * a + t + depth);
                for (size_t l = 0; l < nn_net_n_layers(net); l++)
                    ts_fill_uniform(&r, nn_net_bias(net, l), -0.5, 0.5, 0);
                batch b;
                make_batch(&b, &r, 6, 3, out, tasks[t]);
                double w = grad_check(net, &b);
                if (w > 1.0)
                    print_message("%s / %s / depth %zu: error %.3g\n",
                                  nn_activation_name(ACTS[a]), nn_task_name(tasks[t]), depth, w);
                worst = w > worst ? w : worst;
                free_batch(&b);
                nn_net_free(net);
            }
    print_message("worst mixed gradient error (1 = 1e-6 rel + 1e-9 abs): %.3g\n", worst);
    assert_true(worst <= 1.0);
}

/* Mixed activations in one net, with input and target scalers: the
 * gradient is that of the loss on standardized targets. */
static void test_gradient_mixed_with_scalers(void **state)
{
    (void)state;
    nn__rng r;
    nn__rng_seed(&r, 9);
    const size_t hidden[3] = {6, 5, 4};
    const nn_activation acts[3] = {NN_ACT_GELU, NN_ACT_TANH, NN_ACT_LEAKY_RELU};
    nn_net *net = make(3, 3, hidden, acts, 2, NN_TASK_REGRESS, 3);
    double m[3] = {1, -2, 0.5}, sc[3] = {2, 0.5, 3}, tm[2] = {10, -5}, ts[2] = {4, 0.25};
    nn_scaler s = {3, m, sc}, t = {2, tm, ts};
    ts_ok(nn_net_set_scaler(net, &s));
    ts_ok(nn_net_set_target_scaler(net, &t));
    batch b;
    make_batch(&b, &r, 7, 3, 2, NN_TASK_REGRESS);
    assert_true(grad_check(net, &b) <= 1.0);
    free_batch(&b);
    nn_net_free(net);
}

/* Stable BCE: logits of +-1000 give a finite loss (0 when right, 1000 per
 * element when wrong, averaged) and a finite gradient. */
static void test_bce_extreme_logits(void **state)
{
    (void)state;
    nn_net *net = make(1, 0, NULL, NULL, 2, NN_TASK_MULTILABEL, 1);
    nn_mat w = nn_net_weights(net, 0);
    w.data[0] = 1000.0;
    w.data[1] = -1000.0;
    double x[2] = {1.0, -1.0}, tt[4] = {1, 0, 0, 1};
    double l;
    ts_ok(nn_net_gradients_targets(net, nn_mat_view(x, 2, 1, 1), nn_mat_view(tt, 2, 2, 2), &l));
    assert_true(ts_close(l, 0.0, 1e-300, 0));
    double wrong[4] = {0, 1, 1, 0};
    ts_ok(nn_net_gradients_targets(net, nn_mat_view(x, 2, 1, 1), nn_mat_view(wrong, 2, 2, 2), &l));
    assert_true(ts_close(l, 1000.0, 0, 1e-15));
    for (size_t i = 0; i < 2; i++)
        assert_true(isfinite(nn_net_weight_grad(net, 0).data[i]));
    nn_net_free(net);
}

/* Forward of each task against a direct computation on a 2-3-2 net; the
 * regression output mapped back through the target scaler. */
static void test_forward_each_task(void **state)
{
    (void)state;
    const double W1[6] = {1, -1, 0.5, 2, 0.25, -1}, b1[3] = {0.1, 0.2, -0.3};
    const double W2[6] = {1, -1, 0.5, 0.5, -2, 1}, b2[2] = {0.05, -0.05};
    double xs[4] = {0.3, -0.7, -1.0, 2.0};
    const size_t hidden[1] = {3};
    for (size_t a = 0; a < N_ACTS; a++)
        for (int task = 0; task < 3; task++) {
            nn_activation act[1] = {ACTS[a]};
            nn_net *net = make(2, 1, hidden, act, 2, (nn_task)task, 1);
            memcpy(nn_net_weights(net, 0).data, W1, sizeof W1);
            memcpy(nn_net_bias(net, 0).data, b1, sizeof b1);
            memcpy(nn_net_weights(net, 1).data, W2, sizeof W2);
            memcpy(nn_net_bias(net, 1).data, b2, sizeof b2);
            double tm[2] = {3, -1}, tsc[2] = {2, 5};
            nn_scaler ts = {2, tm, tsc};
            if (task == NN_TASK_REGRESS)
                ts_ok(nn_net_set_target_scaler(net, &ts));
            double out[4];
            ts_ok(nn_net_forward(net, nn_mat_view(xs, 2, 2, 2), nn_mat_view(out, 2, 2, 2)));
            for (int i = 0; i < 2; i++) {
                double h[3], z[2];
                for (int j = 0; j < 3; j++) {
                    double v = xs[2 * i] * W1[j] + xs[2 * i + 1] * W1[3 + j] + b1[j];
                    switch (ACTS[a]) {
                    case NN_ACT_RELU: h[j] = v > 0 ? v : 0; break;
                    case NN_ACT_LEAKY_RELU: h[j] = v > 0 ? v : 0.1 * v; break;
                    case NN_ACT_TANH: h[j] = tanh(v); break;
                    case NN_ACT_SIGMOID: h[j] = 1 / (1 + exp(-v)); break;
                    case NN_ACT_GELU:
                        h[j] = 0.5 * v * (1 + tanh(sqrt(2 / 3.14159265358979323846) * (v + 0.044715 * v * v * v)));
                        break;
                    default: h[j] = v;
                    }
                }
                for (int j = 0; j < 2; j++)
                    z[j] = h[0] * W2[j] + h[1] * W2[2 + j] + h[2] * W2[4 + j] + b2[j];
                for (int j = 0; j < 2; j++) {
                    double want = z[j];
                    if (task == NN_TASK_CLASSIFY)
                        want = 1 / (1 + exp(z[1 - j] - z[j]));
                    else if (task == NN_TASK_MULTILABEL)
                        want = 1 / (1 + exp(-z[j]));
                    else
                        want = z[j] * tsc[j] + tm[j];
                    assert_true(ts_close(out[2 * i + j], want, 1e-15, 1e-13));
                }
            }
            nn_net_free(net);
        }
}

/* evaluate: subset accuracy and mean BCE for MULTILABEL, R^2 and MSE for
 * REGRESS, each against a direct computation from nn_net_forward. */
static void test_evaluate_scores(void **state)
{
    (void)state;
    nn__rng r;
    nn__rng_seed(&r, 21);
    const size_t hidden[1] = {8}, n = 300; /* more rows than one chunk */
    for (int task = NN_TASK_MULTILABEL; task <= NN_TASK_REGRESS; task++) {
        nn_net *net = make(4, 1, hidden, NULL, 3, (nn_task)task, 2);
        nn_dataset d;
        memset(&d, 0, sizeof d);
        ts_ok(nn_mat_alloc(&d.x, n, 4));
        ts_ok(nn_mat_alloc(&d.t, n, 3));
        d.n_classes = 3;
        ts_fill_uniform(&r, d.x, -1, 1, 0);
        nn_mat out;
        ts_ok(nn_mat_alloc(&out, n, 3));
        ts_ok(nn_net_forward(net, d.x, out));
        for (size_t i = 0; i < n * 3; i++)
            d.t.data[i] = task == NN_TASK_MULTILABEL
                              ? (nn__rng_uniform(&r) < 0.8 ? out.data[i] >= 0.5
                                                           : out.data[i] < 0.5)
                              : 1e6 + out.data[i] + 0.3 * nn__rng_normal(&r);
        double score, loss, want_score = 0, want_loss = 0;
        ts_ok(nn_net_evaluate(net, &d, &score, &loss));
        if (task == NN_TASK_MULTILABEL) {
            size_t hits = 0;
            for (size_t i = 0; i < n; i++) {
                int all = 1;
                for (size_t j = 0; j < 3; j++) {
                    double p = out.data[i * 3 + j], t = d.t.data[i * 3 + j];
                    all &= (p >= 0.5) == (t == 1.0);
                    want_loss -= t * log(p) + (1 - t) * log(1 - p);
                }
                hits += (size_t)all;
            }
            want_score = (double)hits / (double)n;
            want_loss /= 3.0 * (double)n;
        } else {
            for (size_t j = 0; j < 3; j++) {
                double mean = 0, res = 0, tot = 0;
                for (size_t i = 0; i < n; i++)
                    mean += d.t.data[i * 3 + j] / (double)n;
                for (size_t i = 0; i < n; i++) {
                    double t = d.t.data[i * 3 + j], e = out.data[i * 3 + j] - t;
                    res += e * e;
                    tot += (t - mean) * (t - mean);
                }
                want_score += (1 - res / tot) / 3.0;
                want_loss += res / (3.0 * (double)n);
            }
        }
        assert_true(ts_close(score, want_score, 1e-12, 1e-9));
        assert_true(ts_close(loss, want_loss, 1e-12, 1e-9));
        nn_mat_free(&out);
        nn_dataset_free(&d);
        nn_net_free(net);
    }
}

/* The input scaler is applied by the net: a net with a scaler on raw x
 * equals the same net without it on standardized x. Clone keeps scalers,
 * names, task and activations. */
static void test_scaler_names_clone(void **state)
{
    (void)state;
    nn__rng r;
    nn__rng_seed(&r, 4);
    const size_t hidden[2] = {5, 4};
    const nn_activation acts[2] = {NN_ACT_TANH, NN_ACT_GELU};
    nn_net *net = make(3, 2, hidden, acts, 3, NN_TASK_CLASSIFY, 8);
    nn_mat x, xs, p1, p2;
    ts_ok(nn_mat_alloc(&x, 10, 3));
    ts_ok(nn_mat_alloc(&xs, 10, 3));
    ts_ok(nn_mat_alloc(&p1, 10, 3));
    ts_ok(nn_mat_alloc(&p2, 10, 3));
    ts_fill_uniform(&r, x, -50, 50, 0);
    nn_scaler s;
    ts_ok(nn_scaler_fit(&s, x));
    memcpy(xs.data, x.data, 30 * sizeof(double));
    ts_ok(nn_scaler_apply(&s, xs));
    ts_ok(nn_net_forward(net, xs, p1));
    ts_ok(nn_net_set_scaler(net, &s));
    nn_scaler_free(&s); /* the net keeps its own copy */
    ts_ok(nn_net_forward(net, x, p2));
    assert_true(ts_max_err(p1, p2, 1e-15, 1e-13) <= 1.0);
    const char *names[3] = {"cat", "dog", "emu"};
    ts_ok(nn_net_set_class_names(net, names));
    nn_net *c;
    ts_ok(nn_net_clone(&c, net));
    assert_string_equal(nn_net_class_name(c, 2), "emu");
    assert_null(nn_net_class_name(c, 3));
    assert_int_equal(nn_net_activation(c, 1), NN_ACT_GELU);
    assert_non_null(nn_net_scaler(c));
    ts_ok(nn_net_forward(c, x, p1));
    assert_true(ts_max_err(p1, p2, 0, 0) == 0.0);
    ts_ok(nn_net_set_class_names(net, NULL));
    assert_null(nn_net_class_name(net, 0));
    ts_ok(nn_net_set_scaler(net, NULL));
    assert_null(nn_net_scaler(net));
    nn_net_free(c);
    nn_net_free(net);
    nn_mat_free(&x);
    nn_mat_free(&xs);
    nn_mat_free(&p1);
    nn_mat_free(&p2);
}

/* Misuse across tasks: the documented status, a message, outputs unchanged. */
static void test_task_mismatch_errors(void **state)
{
    (void)state;
    const size_t hidden[1] = {4};
    nn_net *reg = make(2, 1, hidden, NULL, 2, NN_TASK_REGRESS, 1);
    nn_net *cls = make(2, 1, hidden, NULL, 2, NN_TASK_CLASSIFY, 1);
    nn_net *ml = make(2, 1, hidden, NULL, 2, NN_TASK_MULTILABEL, 1);
    double x[4] = {0, 1, 2, 3}, t[4] = {1, 0, 0, 1}, half[4] = {0.5, 0, 0, 1};
    int32_t y[2] = {0, 1}, pred[2] = {-7, -7};
    nn_mat X = nn_mat_view(x, 2, 2, 2), T = nn_mat_view(t, 2, 2, 2);
    ts_assert_status(nn_net_gradients(reg, X, y, NULL), NN_EINVAL); /* labels to regress */
    assert_non_null(strstr(nn_last_error(), "regress"));
    ts_assert_status(nn_net_gradients_targets(cls, X, T, NULL), NN_EINVAL);
    ts_assert_status(nn_net_predict(reg, X, pred), NN_EINVAL);
    assert_int_equal(pred[0], -7);
    ts_assert_status(nn_net_predict_multilabel(cls, X, T), NN_EINVAL);
    assert_true(t[0] == 1.0);
    ts_assert_status(nn_net_gradients_targets(ml, X, nn_mat_view(half, 2, 2, 2), NULL),
                     NN_EINVAL); /* multilabel targets must be 0/1 */
    assert_non_null(strstr(nn_last_error(), "0 or 1"));
    double bad[4] = {1, NAN, 0, 1};
    ts_assert_status(nn_net_gradients_targets(reg, X, nn_mat_view(bad, 2, 2, 2), NULL),
                     NN_ENUMERIC);
    ts_assert_status(nn_net_gradients_targets(reg, X, nn_mat_view(t, 2, 1, 2), NULL), NN_ESHAPE);
    nn_scaler s1 = {2, t, t};
    ts_assert_status(nn_net_set_target_scaler(cls, &s1), NN_EINVAL); /* classify: none */
    ts_assert_status(nn_net_set_target_scaler(reg, &s1), NN_EINVAL); /* scale 0 */
    assert_null(nn_net_target_scaler(reg));
    double one[3] = {1, 1, 1};
    nn_scaler s3 = {3, one, one};
    ts_assert_status(nn_net_set_scaler(reg, &s3), NN_ESHAPE);
    const char *names[2] = {"a", ""};
    ts_assert_status(nn_net_set_class_names(cls, names), NN_EINVAL);
    assert_null(nn_net_class_name(cls, 0));
    /* NaN or inf in x: NN_ENUMERIC naming the row; output untouched. */
    double xn[4] = {0, 1, INFINITY, 3}, out[4] = {-7, -7, -7, -7};
    ts_assert_status(nn_net_forward(cls, nn_mat_view(xn, 2, 2, 2), nn_mat_view(out, 2, 2, 2)),
                     NN_ENUMERIC);
    assert_non_null(strstr(nn_last_error(), "row 1"));
    assert_true(out[0] == -7 && out[3] == -7);
    /* Config: bad task, activation, slope, too few outputs. */
    nn_net *net = NULL;
    nn_activation badact[1] = {(nn_activation)6};
    nn_net_config cfg = {.n_inputs = 2, .n_classes = 1, .n_hidden_layers = 1, .hidden = hidden};
    ts_assert_status(nn_net_create(&net, &cfg), NN_EINVAL); /* classify needs 2 */
    cfg.task = (nn_task)3;
    ts_assert_status(nn_net_create(&net, &cfg), NN_EINVAL);
    cfg.task = NN_TASK_REGRESS;
    cfg.activations = badact;
    ts_assert_status(nn_net_create(&net, &cfg), NN_EINVAL);
    cfg.activations = NULL;
    cfg.leaky_slope = -0.5;
    ts_assert_status(nn_net_create(&net, &cfg), NN_EINVAL);
    cfg.leaky_slope = NAN;
    ts_assert_status(nn_net_create(&net, &cfg), NN_EINVAL);
    assert_null(net);
    cfg.leaky_slope = 0;
    ts_ok(nn_net_create(&net, &cfg)); /* one regression output is fine */
    assert_true(nn_net_leaky_slope(net) == 0.01);
    nn_net_free(net);
    nn_net_free(reg);
    nn_net_free(cls);
    nn_net_free(ml);
}

static void test_names_parse(void **state)
{
    (void)state;
    for (size_t a = 0; a < N_ACTS; a++) {
        nn_activation back;
        ts_ok(nn_activation_parse(nn_activation_name(ACTS[a]), &back));
        assert_int_equal(back, ACTS[a]);
    }
    for (int t = 0; t < 3; t++) {
        nn_task back;
        ts_ok(nn_task_parse(nn_task_name((nn_task)t), &back));
        assert_int_equal(back, t);
    }
    nn_activation a = NN_ACT_TANH;
    ts_assert_status(nn_activation_parse("swish", &a), NN_EINVAL);
    assert_int_equal(a, NN_ACT_TANH);
    assert_non_null(strstr(nn_last_error(), "swish"));
    nn_task t = NN_TASK_REGRESS;
    ts_assert_status(nn_task_parse(NULL, &t), NN_EINVAL);
    assert_null(nn_activation_name((nn_activation)99));
    assert_null(nn_task_name((nn_task)-1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradient_every_activation_and_task),
        cmocka_unit_test(test_gradient_mixed_with_scalers),
        cmocka_unit_test(test_bce_extreme_logits),
        cmocka_unit_test(test_forward_each_task),
        cmocka_unit_test(test_evaluate_scores),
        cmocka_unit_test(test_scaler_names_clone),
        cmocka_unit_test(test_task_mismatch_errors),
        cmocka_unit_test(test_names_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
