#ifndef NN_H
#define NN_H

/*
 * libnn: train and run multilayer perceptrons on the CPU, from C.
 *
 * Walk-through:
 *
 *     nn_dataset all, train, test;
 *     nn_make_moons(&all, 5000, 0.1, 42);
 *     nn_train_test_split(&all, 0.25, 42, &train, &test);
 *     size_t hidden[] = {64};
 *     nn_net_config cfg = {.n_inputs = 2, .n_classes = 2, .n_hidden_layers = 1,
 *                          .hidden = hidden, .init = NN_INIT_HE, .seed = 1};
 *     nn_net *net;
 *     if (nn_net_create(&net, &cfg) != NN_OK) { puts(nn_last_error()); ... }
 *     nn_train_options opt = nn_train_defaults();
 *     nn_net_fit(net, &train, &opt);
 *     double acc;
 *     nn_net_evaluate(net, &test, &acc, NULL);
 *     nn_net_free(net);
 *     nn_dataset_free(&all); nn_dataset_free(&train); nn_dataset_free(&test);
 *
 * Errors: every fallible function returns an nn_status (NN_OK = 0); the
 * thread's nn_last_error() holds a precise message. libnn never prints,
 * exits or aborts, and leaves the caller's objects unchanged on error.
 *
 * Memory: nn_mat is a row-major view, element (i, j) at data[i*ld + j]. A view
 * never owns memory; nn_mat_alloc gives owned storage freed by nn_mat_free.
 * Every _free function accepts NULL. Handles (nn_net) are opaque.
 *
 * Threads: different handles may be used concurrently from different threads.
 * One net may serve inference (forward, predict, evaluate: the calls that
 * take a const nn_net *) from many threads at once; a call that changes a
 * net (fit, gradients, setters, free) must not overlap any other call on it.
 * Functions on views are reentrant. libnn has no mutable global state; BLAS threading is the
 * application's choice (OPENBLAS_NUM_THREADS).
 */

#include "nn/data.h"
#include "nn/export.h"
#include "nn/io.h"
#include "nn/kernels.h"
#include "nn/matrix.h"
#include "nn/net.h"
#include "nn/status.h"
#include "nn/task.h"
#include "nn/version.h"

#endif /* NN_H */
