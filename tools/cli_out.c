/* Outputs of the nn tool: checked before any work (none of them an input,
 * each writable), written through the library's atomic writer, stdout
 * checked at exit; and text from files (class names, row ids) made safe to
 * show on a terminal. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* ---- the same file ------------------------------------------------------------ */

/* path resolved: realpath when it exists, else its directory's realpath and
 * its last component (an output not written yet). NULL when neither
 * resolves. */
static char *resolved(const char *path)
{
    char *r = realpath(path, NULL);
    if (r || errno != ENOENT)
        return r;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    char *rd = dir ? realpath(dir, NULL) : NULL;
    free(dir);
    if (!rd)
        return NULL;
    size_t n = strlen(rd) + strlen(base) + 2;
    r = malloc(n);
    if (r)
        snprintf(r, n, "%s/%s", rd, base);
    free(rd);
    return r;
}

/* Whether a and b name one file: the same device and inode when both
 * exist (links and other spellings included), else the same resolved path. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if (ea && eb)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (ea != eb)
        return 0;
    char *ra = resolved(a), *rb = resolved(b);
    int same = ra && rb && strcmp(ra, rb) == 0;
    free(ra);
    free(rb);
    return same;
}

typedef struct named_path {
    const char *flag, *path;
} named_path;

int cli_check_outputs(const cli_opts *o)
{
    const char *name = cli_cmd_name(o->cmd);
    named_path in[5], out[4];
    size_t n_in = 0, n_out = 0;
    if (o->model)
        in[n_in++] = (named_path){"MODEL", o->model};
    if (o->data && !(o->cmd != CMD_PREDICT && strcmp(o->data, "moons") == 0))
        in[n_in++] = (named_path){"--data", o->data};
    if (o->test_data)
        in[n_in++] = (named_path){"--test", o->test_data};
    if (o->labels)
        in[n_in++] = (named_path){"--labels", o->labels};
    if (o->test_labels)
        in[n_in++] = (named_path){"--test-labels", o->test_labels};
    if (o->out)
        out[n_out++] = (named_path){"--out", o->out};
    if (o->plot)
        out[n_out++] = (named_path){"--plot", o->plot};
    if (o->export_c)
        out[n_out++] = (named_path){"--c", o->export_c};
    if (o->export_onnx)
        out[n_out++] = (named_path){"--onnx", o->export_onnx};
    for (size_t i = 0; i < n_out; i++) {
        for (size_t j = 0; j < n_in + i; j++) {
            const named_path *other = j < n_in ? &in[j] : &out[j - n_in];
            if (same_file(out[i].path, other->path)) {
                fprintf(stderr, "nn %s: %s %s is the same file as %s %s: %s\n", name,
                        out[i].flag, out[i].path, other->flag, other->path,
                        j < n_in ? "an output never replaces an input"
                                 : "two outputs cannot share a file");
                return CLI_EXIT_USAGE;
            }
        }
    }
    for (size_t i = 0; i < n_out; i++)
        if (cli_check_writable(out[i].path, out[i].flag))
            return CLI_EXIT_FAIL;
    return o->plot ? cli_check_plot(o->plot) : 0;
}

int cli_check_writable(const char *path, const char *flag)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        fprintf(stderr, "nn: %s %s: not a regular file\n", flag, path);
        return CLI_EXIT_USAGE;
    }
    /* The writer that will write it, opened and abandoned: it creates the
     * same temporary file beside path as the real write, whose name is
     * longer than path's (a name that fits NAME_MAX may leave no room for
     * it), so what passes here can be written after a long training. */
    nn_atomic_file *af;
    FILE *f;
    nn_status s = nn_atomic_file_open(&af, path, &f);
    if (s == NN_OK) {
        nn_atomic_file_abort(af);
        return 0;
    }
    /* The library's reason is its message's last part ("...: File name too
     * long"). */
    const char *msg = nn_last_error(), *colon = strrchr(msg, ':');
    fprintf(stderr, "nn: %s %s: cannot write there: %s\n", flag, path,
            colon && colon[1] == ' ' ? colon + 2 : msg);
    return CLI_EXIT_FAIL;
}

/* ---- writing ------------------------------------------------------------------ */

int cli_output_open(cli_output *out, const char *path, const char *flag)
{
    memset(out, 0, sizeof *out);
    out->path = path;
    out->flag = flag;
    if (!path) {
        out->f = stdout;
        return 0;
    }
    nn_status s = nn_atomic_file_open(&out->af, path, &out->f);
    return s == NN_OK ? 0 : cli_fail_flag(flag, path, s);
}

int cli_output_close(cli_output *out, int ok)
{
    if (!out->af) {
        /* stdout: flushed now, so that a full disk is seen before exit */
        return ok ? cli_stdout_done(0) : CLI_EXIT_FAIL;
    }
    if (!ok) {
        nn_atomic_file_abort(out->af);
        return CLI_EXIT_FAIL;
    }
    nn_status s = nn_atomic_file_commit(out->af);
    return s == NN_OK ? 0 : cli_fail_flag(out->flag, out->path, s);
}

int cli_stdout_done(int rc)
{
    errno = 0;
    int failed = fflush(stdout) != 0 || ferror(stdout);
    if (!failed)
        return rc;
    int e = errno ? errno : EIO;
    fprintf(stderr, "nn: writing to stdout failed: %s\n", strerror(e));
    clearerr(stdout);
    return rc ? rc : CLI_EXIT_FAIL;
}

/* ---- text from files on a terminal --------------------------------------------- */

static int is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

const char *cli_escaped(const char *s, char *buf, size_t n)
{
    const char *p = s;
    while (*p && !is_control((unsigned char)*p))
        p++;
    if (!*p || n < 8)
        return *p ? "?" : s;
    size_t len = 0;
    for (p = s; *p; p++) {
        size_t need = is_control((unsigned char)*p) ? 4 : 1;
        if (len + need + 4 > n) { /* room for "..." and the NUL */
            memcpy(buf + len, "...", 4);
            return buf;
        }
        if (need == 4)
            snprintf(buf + len, 5, "\\x%02x", (unsigned char)*p);
        else
            buf[len] = *p;
        len += need;
    }
    buf[len] = '\0';
    return buf;
}

void cli_put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (is_control((unsigned char)*s))
            fprintf(f, "\\x%02x", (unsigned char)*s);
        else
            fputc(*s, f);
    }
}
