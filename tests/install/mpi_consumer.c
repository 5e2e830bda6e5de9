/* Built against an installed libnn_mpi (nn::mpi or pkg-config nn-mpi): one
 * short data-parallel fit on however many ranks it is started with. */
#include <stdio.h>

#include <nn.h>
#include <nn/mpi.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    nn_dataset all, shard;
    size_t hidden = 8;
    nn_net_config cfg = {.n_inputs = 2, .n_classes = 2, .n_hidden_layers = 1, .hidden = &hidden};
    nn_net *net = NULL;
    nn_train_options o = nn_train_defaults();
    o.epochs = 2;
    nn_status s = nn_make_moons(&all, 200, 0.1, 1);
    if (s == NN_OK)
        s = nn_dataset_shard(&all, (size_t)rank, (size_t)size, &shard);
    if (s == NN_OK)
        s = nn_net_create(&net, &cfg);
    if (s == NN_OK)
        s = nn_net_fit_mpi(net, &shard, &o, MPI_COMM_WORLD);
    if (rank == 0)
        printf("nn_net_fit_mpi on %d rank(s): %s\n", size, nn_status_str(s));
    nn_net_free(net);
    nn_dataset_free(&shard);
    nn_dataset_free(&all);
    MPI_Finalize();
    return s == NN_OK ? 0 : 1;
}
