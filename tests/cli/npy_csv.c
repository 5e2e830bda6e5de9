/* A test helper of the nn tool's .npy tests (cli_npy.sh), through the
 * library alone:
 *   npy_csv to-npy IN.csv OUT.npy   every field of IN (numbers, no header)
 *                                   as a float64 .npy (nn_save_npy)
 *   npy_csv to-csv IN.npy           IN's values on stdout, one row a line,
 *                                   as %.17g (exact for a double)
 * Exit 0 on success, 1 with the library's message on failure. */
#include <stdio.h>
#include <string.h>

#include <nn.h>

static int fail(const char *what, nn_status s)
{
    fprintf(stderr, "npy_csv: %s: %s: %s\n", what, nn_status_str(s), nn_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "to-npy") == 0) {
        nn_csv_options c = nn_csv_defaults();
        c.no_labels = true;
        nn_dataset d;
        nn_status s = nn_load_csv(&d, argv[2], &c);
        if (s != NN_OK)
            return fail(argv[2], s);
        s = nn_save_npy(argv[3], d.x);
        nn_dataset_free(&d);
        return s == NN_OK ? 0 : fail(argv[3], s);
    }
    if (argc == 3 && strcmp(argv[1], "to-csv") == 0) {
        nn_mat m;
        nn_status s = nn_load_npy(&m, argv[2]);
        if (s != NN_OK)
            return fail(argv[2], s);
        for (size_t i = 0; i < m.rows; i++)
            for (size_t j = 0; j < m.cols; j++)
                printf("%.17g%c", m.data[i * m.ld + j], j + 1 < m.cols ? ',' : '\n');
        nn_mat_free(&m);
        return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
    }
    fputs("usage: npy_csv to-npy IN.csv OUT.npy | npy_csv to-csv IN.npy\n", stderr);
    return 2;
}
