/* Plots through gnuplot. No text a user gave reaches gnuplot's script:
 * gnuplot runs without a shell (posix_spawnp), reads a script of constants
 * and numbers on a pipe, and writes the PNG to its standard output, which is
 * the library's atomic temporary file beside the --plot path; the PNG is put
 * in place only when gnuplot succeeded. Nothing goes to nn's stdout. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

#define GNUPLOT "gnuplot"

/* Whether gnuplot is an executable file in a directory of $PATH. */
static int have_gnuplot(void)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        return 0;
    char *dirs = strdup(path), *save = NULL;
    int found = 0;
    for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d && !found;
         d = strtok_r(NULL, ":", &save)) {
        size_t n = strlen(d) + sizeof "/" GNUPLOT;
        char *file = malloc(n);
        if (!file)
            break;
        snprintf(file, n, "%s/" GNUPLOT, d);
        struct stat st;
        found = stat(file, &st) == 0 && S_ISREG(st.st_mode) && access(file, X_OK) == 0;
        free(file);
    }
    free(dirs);
    return found;
}

static int not_installed(const char *path)
{
    fprintf(stderr,
            "nn: --plot %s: gnuplot is not installed (Debian: apt-get install gnuplot-nox)\n",
            path);
    return CLI_EXIT_FAIL;
}

int cli_check_plot(const char *path)
{
    return have_gnuplot() ? 0 : not_installed(path);
}

/* What a plot writes on gnuplot's stdin: the script, then its data. */
typedef void (*plot_writer)(FILE *g, const void *ctx);

/* Start gnuplot reading a pipe (*to: its write end) and writing to fd. */
static int spawn_gnuplot(int fd, pid_t *pid, FILE **to)
{
    int p[2];
    if (pipe(p) != 0)
        return errno;
    posix_spawn_file_actions_t fa;
    int e = posix_spawn_file_actions_init(&fa);
    if (!e) {
        (void)(posix_spawn_file_actions_adddup2(&fa, p[0], 0) ||
               posix_spawn_file_actions_adddup2(&fa, fd, 1) ||
               posix_spawn_file_actions_addclose(&fa, p[0]) ||
               posix_spawn_file_actions_addclose(&fa, p[1]));
        char *argv[] = {GNUPLOT, NULL};
        e = posix_spawnp(pid, GNUPLOT, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
    }
    close(p[0]);
    if (e || !(*to = fdopen(p[1], "w"))) {
        if (!e)
            e = errno;
        close(p[1]);
        return e;
    }
    return 0;
}

static int run_gnuplot(const char *path, plot_writer write, const void *ctx)
{
    cli_output out;
    if (cli_output_open(&out, path, "--plot"))
        return CLI_EXIT_FAIL;
    fflush(out.f);
    pid_t pid;
    FILE *g = NULL;
    int e = spawn_gnuplot(fileno(out.f), &pid, &g);
    if (e) {
        cli_output_close(&out, 0);
        if (e == ENOENT)
            return not_installed(path);
        fprintf(stderr, "nn: --plot %s: cannot run gnuplot: %s\n", path, strerror(e));
        return CLI_EXIT_FAIL;
    }
    /* gnuplot may stop reading early (a script error): no SIGPIPE then. */
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    write(g, ctx);
    int bad_pipe = ferror(g);
    fclose(g);
    signal(SIGPIPE, old);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    struct stat st;
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && !bad_pipe &&
             fstat(fileno(out.f), &st) == 0 && st.st_size > 0;
    if (!ok) {
        cli_output_close(&out, 0);
        fprintf(stderr, "nn: --plot %s: gnuplot failed (status %d): nothing written\n", path,
                status);
        return CLI_EXIT_FAIL;
    }
    return cli_output_close(&out, 1);
}

typedef struct curve {
    const cli_progress *p;
    nn_task task;
} curve;

static void curve_plot(FILE *g, const void *ctx)
{
    const cli_progress *p = ((const curve *)ctx)->p;
    size_t n = p->n_curve;
    int has_val = n > 0 && !isnan(p->curve[1]);
    fputs("set terminal png size 900,500\nset xlabel 'epoch'\nset ylabel 'loss'\n"
          "set key top center\nset grid\n",
          g);
    if (has_val) /* the score on a second axis (a constant name, not user text) */
        fprintf(g, "set y2label '%s'\nset y2tics\nset ytics nomirror\n",
                cli_score_name(((const curve *)ctx)->task));
    fprintf(g, "plot '-' with lines lw 2 title 'training loss'%s\n",
            has_val ? ", '-' with lines lw 2 title 'validation loss', '-' axes x1y2 with lines"
                      " lw 2 title 'validation score'"
                    : "");
    for (size_t block = 0; block < (has_val ? 3u : 1u); block++) {
        for (size_t e = 0; e < n; e++)
            fprintf(g, "%zu %.9g\n", e + 1, p->curve[4 * e + block]);
        fputs("e\n", g);
    }
}

int cli_plot_curve(const cli_progress *p, const char *path, nn_task task)
{
    curve c = {p, task};
    return run_gnuplot(path, curve_plot, &c);
}

typedef struct sweep_rows {
    const double *rows;
    size_t n;
} sweep_rows;

static void sweep_plot(FILE *g, const void *ctx)
{
    const sweep_rows *s = ctx;
    fputs("set terminal png size 900,500\nset xlabel 'hidden units'\n"
          "set ylabel 'test accuracy'\nset grid\n"
          "plot '-' using 1:2:3 with yerrorlines lw 2 title 'mean +- std'\n",
          g);
    for (size_t i = 0; i < s->n; i++)
        fprintf(g, "%g %.9g %.9g\n", s->rows[3 * i], s->rows[3 * i + 1], s->rows[3 * i + 2]);
    fputs("e\n", g);
}

int cli_plot_sweep(const double *rows, size_t n, const char *path)
{
    sweep_rows s = {rows, n};
    return run_gnuplot(path, sweep_plot, &s);
}
