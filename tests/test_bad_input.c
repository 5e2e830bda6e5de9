/* Bad input to every public function: the exact status, a non-empty message,
 * no crash, and outputs left as they were. (test_data covers the data and
 * CSV functions in more depth, test_train the training options.) */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "support.h"

static double buf[64];
static const size_t BIG = (size_t)INT_MAX + 1;

/* Views that every function taking a matrix must refuse with NN_EINVAL. */
static nn_mat bad_views[6];

static void make_bad_views(size_t rows, size_t cols)
{
    bad_views[0] = nn_mat_view(NULL, rows, cols, cols);    /* NULL data */
    bad_views[1] = nn_mat_view(buf, 0, cols, cols);        /* zero rows */
    bad_views[2] = nn_mat_view(buf, rows, 0, cols);        /* zero cols */
    bad_views[3] = nn_mat_view(buf, rows, cols, cols - 1); /* ld < cols */
    bad_views[4] = nn_mat_view(buf, BIG, cols, cols);      /* rows > INT_MAX */
    bad_views[5] = nn_mat_view(buf, rows, cols, BIG);      /* ld > INT_MAX */
}

static void test_kernels_bad_views(void **state)
{
    (void)state;
    int32_t labels[4] = {0, 1, 0, 1};
    double loss = 42.0;
    make_bad_views(4, 2);
    for (size_t i = 0; i < 6; i++) {
        nn_mat v = bad_views[i];
        ts_assert_status(nn_relu(v), NN_EINVAL);
        ts_assert_status(nn_softmax_rows(v), NN_EINVAL);
        ts_assert_status(nn_relu_backward(v, nn_mat_view(buf, 4, 2, 2)), NN_EINVAL);
        ts_assert_status(nn_relu_backward(nn_mat_view(buf, 4, 2, 2), v), NN_EINVAL);
        ts_assert_status(nn_cross_entropy(v, labels, &loss), NN_EINVAL);
        ts_assert_status(nn_softmax_xent_grad(v, labels, 1.0), NN_EINVAL);
        ts_assert_status(nn_gemm(false, false, 1, v, nn_mat_view(buf, 2, 2, 2), 0,
                                 nn_mat_view(buf + 8, 4, 2, 2)),
                         NN_EINVAL);
    }
    assert_true(loss == 42.0);
    nn_mat p = nn_mat_view(buf, 4, 2, 2);
    for (int i = 0; i < 8; i++)
        buf[i] = 0.5;
    ts_assert_status(nn_cross_entropy(p, NULL, &loss), NN_EINVAL);
    ts_assert_status(nn_cross_entropy(p, labels, NULL), NN_EINVAL);
    int32_t bad[4] = {0, 2, 0, 1}, neg[4] = {0, -1, 0, 1};
    ts_assert_status(nn_cross_entropy(p, bad, &loss), NN_EINVAL);
    ts_assert_status(nn_cross_entropy(p, neg, &loss), NN_EINVAL);
    ts_assert_status(nn_softmax_xent_grad(p, bad, 1.0), NN_EINVAL);
    ts_assert_status(nn_softmax_xent_grad(p, labels, NAN), NN_EINVAL);
    for (int i = 0; i < 8; i++)
        assert_true(buf[i] == 0.5); /* untouched by the refused calls */
    assert_true(loss == 42.0);
    ts_assert_status(nn_relu_backward(p, nn_mat_view(buf + 8, 2, 4, 4)), NN_ESHAPE);
}

static void test_net_create_bad(void **state)
{
    (void)state;
    size_t hidden[2] = {4, 0}, big[1] = {BIG};
    nn_net *net = (nn_net *)(uintptr_t)0x1;
    nn_net_config good = {.n_inputs = 2,
                          .n_classes = 2,
                          .n_hidden_layers = 1,
                          .hidden = hidden,
                          .init = NN_INIT_HE,
                          .seed = 1},
                  c;
#define BAD(field, value)                                                                          \
    do {                                                                                           \
        c = good;                                                                                  \
        c.field = value;                                                                           \
        ts_assert_status(nn_net_create(&net, &c), NN_EINVAL);                                      \
        assert_true(net == (nn_net *)(uintptr_t)0x1);                                              \
    } while (0)
    BAD(n_inputs, 0);
    BAD(n_inputs, BIG);
    BAD(n_classes, 1);
    BAD(n_classes, 0);
    BAD(hidden, NULL);
    BAD(n_hidden_layers, 2); /* hidden[1] is 0 */
    BAD(n_hidden_layers, 1000);
    BAD(hidden, big);
    BAD(init, (nn_init)9);
#undef BAD
    ts_assert_status(nn_net_create(NULL, &good), NN_EINVAL);
    ts_assert_status(nn_net_create(&net, NULL), NN_EINVAL);
    /* A net too large to allocate is NN_ENOMEM, not a crash. */
    size_t huge[2] = {INT_MAX, INT_MAX};
    c = good;
    c.n_inputs = INT_MAX;
    c.n_hidden_layers = 2;
    c.hidden = huge;
    nn_status s = nn_net_create(&net, &c);
    assert_int_equal(s, NN_ENOMEM);
    ts_assert_status(nn_net_clone(NULL, NULL), NN_EINVAL);
}

static void test_net_calls_bad(void **state)
{
    (void)state;
    size_t hidden[1] = {5};
    nn_net_config cfg = {.n_inputs = 3,
                         .n_classes = 2,
                         .n_hidden_layers = 1,
                         .hidden = hidden,
                         .init = NN_INIT_HE,
                         .seed = 1};
    nn_net *net;
    ts_ok(nn_net_create(&net, &cfg));
    double x[12] = {0}, probs[8];
    int32_t labels[4] = {0, 1, 1, 0};
    for (int i = 0; i < 8; i++)
        probs[i] = -1;
    nn_mat X = nn_mat_view(x, 4, 3, 3), P = nn_mat_view(probs, 4, 2, 2);
    make_bad_views(4, 3);
    for (size_t i = 0; i < 6; i++) {
        ts_assert_status(nn_net_forward(net, bad_views[i], P), NN_EINVAL);
        ts_assert_status(nn_net_predict(net, bad_views[i], labels), NN_EINVAL);
        ts_assert_status(nn_net_gradients(net, bad_views[i], labels, NULL), NN_EINVAL);
    }
    ts_assert_status(nn_net_forward(NULL, X, P), NN_EINVAL);
    ts_assert_status(nn_net_forward(net, nn_mat_view(x, 4, 2, 3), P), NN_ESHAPE);
    ts_assert_status(nn_net_forward(net, X, nn_mat_view(probs, 3, 2, 2)), NN_ESHAPE);
    ts_assert_status(nn_net_forward(net, X, nn_mat_view(probs, 2, 3, 3)), NN_ESHAPE);
    ts_assert_status(nn_net_forward(net, X, nn_mat_view(NULL, 4, 2, 2)), NN_EINVAL);
    for (int i = 0; i < 8; i++)
        assert_true(probs[i] == -1);
    ts_assert_status(nn_net_predict(net, X, NULL), NN_EINVAL);
    ts_assert_status(nn_net_predict(NULL, X, labels), NN_EINVAL);
    ts_assert_status(nn_net_gradients(net, X, NULL, NULL), NN_EINVAL);
    int32_t bad[4] = {0, 1, 2, 0};
    ts_assert_status(nn_net_gradients(net, X, bad, NULL), NN_EINVAL);
    ts_assert_status(nn_net_gradients(NULL, X, labels, NULL), NN_EINVAL);
    nn_dataset d = {.x = X, .y = labels, .n_classes = 2};
    double acc = 7;
    ts_assert_status(nn_net_evaluate(NULL, &d, &acc, NULL), NN_EINVAL);
    ts_assert_status(nn_net_evaluate(net, NULL, &acc, NULL), NN_EINVAL);
    d.y = bad;
    ts_assert_status(nn_net_evaluate(net, &d, &acc, NULL), NN_EINVAL);
    d.y = NULL;
    ts_assert_status(nn_net_evaluate(net, &d, &acc, NULL), NN_EINVAL);
    d.y = labels;
    d.x.cols = 2;
    ts_assert_status(nn_net_evaluate(net, &d, &acc, NULL), NN_ESHAPE);
    assert_true(acc == 7);
    /* The good calls still work after all that. */
    ts_ok(nn_net_forward(net, X, P));
    ts_ok(nn_net_gradients(net, X, labels, NULL));
    nn_net_free(net);
}

static void test_empty_views_from_rows(void **state)
{
    (void)state;
    nn_mat m = nn_mat_view(buf, 4, 2, 2);
    nn_mat e = nn_mat_rows(m, 2, 5); /* out of range: the empty view */
    ts_assert_status(nn_relu(e), NN_EINVAL);
    e = nn_mat_rows(m, 4, 0); /* in range but empty: refused when used */
    ts_assert_status(nn_softmax_rows(e), NN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernels_bad_views),
        cmocka_unit_test(test_net_create_bad),
        cmocka_unit_test(test_net_calls_bad),
        cmocka_unit_test(test_empty_views_from_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
