/* A program that knows libnn only through its installed headers and library. */
#include <stdio.h>

#include <nn.h>

int main(void)
{
    double a[4] = {1, 2, 3, 4}, b[4] = {1, 0, 0, 1}, c[4];
    nn_status s = nn_gemm(false, false, 1.0, nn_mat_view(a, 2, 2, 2), nn_mat_view(b, 2, 2, 2),
                          0.0, nn_mat_view(c, 2, 2, 2));
    if (s != NN_OK || c[3] != 4.0) {
        fprintf(stderr, "consumer: nn_gemm failed: %s\n", nn_last_error());
        return 1;
    }
    if (nn_version_number() != NN_VERSION_NUMBER) {
        fprintf(stderr, "consumer: header/library version mismatch\n");
        return 1;
    }
    printf("consumer ok: libnn %s\n", nn_version_string());
    return 0;
}
