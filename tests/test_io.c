/* Save and load: round trip, atomic replacement, every corruption detected,
 * and a save that respects the user: modes kept, special files refused,
 * symlinks followed, and a failure part-way leaves the old file and no
 * temporary behind.
 *
 * This binary is linked with -Wl,--wrap=fsync,--wrap=rename so that a test
 * can make either fail on demand (see inject below). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

/* ---- fault injection ---------------------------------------------------- */

int __real_fsync(int fd);
int __real_rename(const char *from, const char *to);
int __wrap_fsync(int fd);
int __wrap_rename(const char *from, const char *to);

/* The n-th next call (1-based) of each fails with EIO; 0 = never. */
static int fsync_fail_at, rename_fail_at;

int __wrap_fsync(int fd)
{
    if (fsync_fail_at > 0 && --fsync_fail_at == 0) {
        errno = EIO;
        return -1;
    }
    return __real_fsync(fd);
}

int __wrap_rename(const char *from, const char *to)
{
    if (rename_fail_at > 0 && --rename_fail_at == 0) {
        errno = EIO;
        return -1;
    }
    return __real_rename(from, to);
}

static char dir[64];

static int setup(void **state)
{
    (void)state;
    return ts_temp_dir(dir, sizeof dir, "io");
}

static int teardown(void **state)
{
    (void)state;
    return ts_remove_dir(dir);
}

static void path_of(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
}

static nn_net *sample_net(uint64_t seed)
{
    size_t hidden[2] = {7, 5};
    nn_net_config cfg = {.n_inputs = 3,
                         .n_classes = 4,
                         .n_hidden_layers = 2,
                         .hidden = hidden,
                         .init = NN_INIT_NORMAL,
                         .seed = seed};
    nn_net *net;
    ts_ok(nn_net_create(&net, &cfg));
    return net;
}

static void assert_same_net(nn_net *a, nn_net *b)
{
    assert_int_equal(nn_net_n_layers(a), nn_net_n_layers(b));
    assert_int_equal(nn_net_n_params(a), nn_net_n_params(b));
    for (size_t l = 0; l < nn_net_n_layers(a); l++) {
        nn_mat wa = nn_net_weights(a, l), wb = nn_net_weights(b, l);
        assert_true(wa.rows == wb.rows && wa.cols == wb.cols);
        assert_memory_equal(wa.data, wb.data, wa.rows * wa.cols * sizeof(double));
        nn_mat ba = nn_net_bias(a, l), bb = nn_net_bias(b, l);
        assert_memory_equal(ba.data, bb.data, ba.cols * sizeof(double));
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "a.nnet");
    nn_net *net = sample_net(1), *back = NULL;
    ts_ok(nn_net_save(net, p));
    ts_ok(nn_net_load(&back, p));
    assert_same_net(net, back);
    /* The loaded net computes the same probabilities, bit for bit. */
    double x[6] = {0.1, -0.2, 0.3, 1.5, 0.0, -2.0}, pa[8], pb[8];
    ts_ok(nn_net_forward(net, nn_mat_view(x, 2, 3, 3), nn_mat_view(pa, 2, 4, 4)));
    ts_ok(nn_net_forward(back, nn_mat_view(x, 2, 3, 3), nn_mat_view(pb, 2, 4, 4)));
    assert_memory_equal(pa, pb, sizeof pa);
    nn_net_free(back);
    /* Saving over an existing file replaces it and leaves no temporary. */
    nn_net *other = sample_net(2);
    ts_ok(nn_net_save(other, p));
    ts_ok(nn_net_load(&back, p));
    assert_same_net(other, back);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s | grep -q tmp", dir);
    assert_int_not_equal(system(cmd), 0);
    nn_net_free(back);
    nn_net_free(other);
    nn_net_free(net);
}

static long file_size(const char *p)
{
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void flip_byte(const char *p, long at)
{
    FILE *f = fopen(p, "r+b");
    assert_non_null(f);
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(c ^ 0x40, f);
    fclose(f);
}

/* Every single-byte corruption and every truncation of net's file is
 * NN_EFORMAT, and *out is never written. */
static void check_corruption(nn_net *net)
{
    char p[128], q[128];
    path_of(p, sizeof p, "good.nnet");
    path_of(q, sizeof q, "bad.nnet");
    ts_ok(nn_net_save(net, p));
    long n = file_size(p);
    char cmd[512];
    nn_net *sentinel = (nn_net *)(uintptr_t)0x1234, *out;
    for (long at = 0; at < n; at += (at < 80 ? 1 : 37)) {
        snprintf(cmd, sizeof cmd, "cp %s %s", p, q);
        assert_int_equal(system(cmd), 0);
        flip_byte(q, at);
        out = sentinel;
        nn_status s = nn_net_load(&out, q);
        assert_int_equal(s, NN_EFORMAT);
        assert_true(out == sentinel);
        assert_non_null(strstr(nn_last_error(), "bad.nnet"));
    }
    for (long keep = 0; keep < n; keep += (keep < 80 ? 3 : 101)) {
        snprintf(cmd, sizeof cmd, "head -c %ld %s > %s", keep, p, q);
        assert_int_equal(system(cmd), 0);
        out = sentinel;
        ts_assert_status(nn_net_load(&out, q), NN_EFORMAT);
        assert_true(out == sentinel);
    }
    /* Trailing garbage. */
    snprintf(cmd, sizeof cmd, "cp %s %s && printf x >> %s", p, q, q);
    assert_int_equal(system(cmd), 0);
    ts_assert_status(nn_net_load(&out, q), NN_EFORMAT);
}

static void test_corruption_detected(void **state)
{
    (void)state;
    nn_net *net = sample_net(3);
    check_corruption(net);
    nn_net_free(net);
}

static void test_io_errors(void **state)
{
    (void)state;
    nn_net *net = sample_net(4), *out = NULL;
    char p[128];
    path_of(p, sizeof p, "missing.nnet");
    ts_assert_status(nn_net_load(&out, p), NN_EIO);
    assert_null(out);
    ts_assert_status(nn_net_save(net, "/nonexistent-dir/x.nnet"), NN_EIO);
    ts_assert_status(nn_net_save(NULL, p), NN_EINVAL);
    ts_assert_status(nn_net_save(net, NULL), NN_EINVAL);
    ts_assert_status(nn_net_save(net, ""), NN_EINVAL);
    ts_assert_status(nn_net_load(NULL, p), NN_EINVAL);
    ts_assert_status(nn_net_load(&out, NULL), NN_EINVAL);
    /* A directory is not a net file. */
    ts_assert_status(nn_net_load(&out, dir), NN_EIO);
    nn_net_free(net);
}

/* ---- a save that respects the user ------------------------------------- */

/* True when some entry of dir holds ".tmp." in its name: a temporary file
 * left behind. */
static int temp_left(void)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int found = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        found |= strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return found;
}

static unsigned mode_of(const char *p)
{
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    return (unsigned)(st.st_mode & 07777);
}

/* The net in p equals want. */
static void assert_file_holds(const char *p, nn_net *want)
{
    nn_net *back = NULL;
    ts_ok(nn_net_load(&back, p));
    assert_same_net(want, back);
    nn_net_free(back);
}

static void test_modes(void **state)
{
    (void)state;
    char p[128], q[128];
    path_of(p, sizeof p, "mode_new.nnet");
    path_of(q, sizeof q, "mode_077.nnet");
    nn_net *net = sample_net(5);
    mode_t old = umask(022);
    ts_ok(nn_net_save(net, p));
    assert_int_equal(mode_of(p), 0644); /* 0666 & ~022, not mkstemp's 0600 */
    umask(077);
    ts_ok(nn_net_save(net, q));
    assert_int_equal(mode_of(q), 0600);
    /* Replacing keeps the existing file's mode, whatever the umask. */
    umask(022);
    assert_int_equal(chmod(p, 0640), 0);
    ts_ok(nn_net_save(net, p));
    assert_int_equal(mode_of(p), 0640);
    assert_int_equal(chmod(p, 0604), 0);
    umask(077);
    ts_ok(nn_net_save(net, p));
    assert_int_equal(mode_of(p), 0604);
    /* A read-only file is replaced too (like an editor), still read-only. */
    assert_int_equal(chmod(p, 0444), 0);
    ts_ok(nn_net_save(net, p));
    assert_int_equal(mode_of(p), 0444);
    umask(old);
    assert_false(temp_left());
    nn_net_free(net);
}

/* Saving to p must fail with NN_EIO and a message holding what (the kind
 * of file) and name (a part of the path), leaving p as it was. */
static void assert_refused(const char *p, const char *what, const char *name)
{
    struct stat before, after;
    assert_int_equal(lstat(p, &before), 0);
    nn_net *net = sample_net(6);
    ts_assert_status(nn_net_save(net, p), NN_EIO);
    assert_non_null(strstr(nn_last_error(), what));
    assert_non_null(strstr(nn_last_error(), name));
    nn_net_free(net);
    assert_int_equal(lstat(p, &after), 0);
    assert_int_equal(before.st_mode, after.st_mode);
    assert_true(before.st_ino == after.st_ino && before.st_dev == after.st_dev);
    assert_false(temp_left());
}

static void test_special_files_refused(void **state)
{
    (void)state;
    char p[128], inner[160];
    path_of(p, sizeof p, "fifo");
    assert_int_equal(mkfifo(p, 0644), 0);
    assert_refused(p, "is a FIFO", "fifo");

    path_of(p, sizeof p, "a_dir");
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(inner, sizeof inner, "%s/keep", p);
    FILE *f = fopen(inner, "w");
    assert_non_null(f);
    fclose(f);
    assert_refused(p, "is a directory", "a_dir");
    assert_int_equal(access(inner, F_OK), 0); /* its content is still there */
    snprintf(inner, sizeof inner, "%s/", p);  /* also spelled with a slash */
    assert_refused(inner, "is a directory", "a_dir");

    assert_refused("/dev/null", "is a character device", "/dev/null");

    path_of(p, sizeof p, "sock");
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    assert_true(strlen(p) < sizeof addr.sun_path);
    memcpy(addr.sun_path, p, strlen(p) + 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_refused(p, "is a socket", "sock");
    close(fd);

    /* A link to a special file is refused too, naming both. */
    path_of(p, sizeof p, "to_null");
    assert_int_equal(symlink("/dev/null", p), 0);
    assert_refused(p, "which is a character device", "to_null");
    assert_non_null(strstr(nn_last_error(), "/dev/null"));
}

static void test_symlinks_followed(void **state)
{
    (void)state;
    char real[128], link1[128], link2[128], sub[128], real2[160], abs_link[128];
    path_of(real, sizeof real, "real.nnet");
    path_of(link1, sizeof link1, "link.nnet");
    path_of(link2, sizeof link2, "link2.nnet");
    nn_net *a = sample_net(7), *b = sample_net(8), *c = sample_net(9);
    ts_ok(nn_net_save(a, real));
    assert_int_equal(chmod(real, 0640), 0);
    assert_int_equal(symlink("real.nnet", link1), 0); /* relative */
    assert_int_equal(symlink("link.nnet", link2), 0); /* a chain */

    /* Saving through the link replaces the target; the link stays a link. */
    ts_ok(nn_net_save(b, link1));
    struct stat st;
    assert_int_equal(lstat(link1, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    char buf[128];
    ssize_t n = readlink(link1, buf, sizeof buf - 1);
    assert_int_equal(n, 9);
    buf[n] = '\0';
    assert_string_equal(buf, "real.nnet");
    assert_file_holds(real, b);
    assert_int_equal(mode_of(real), 0640);
    ts_ok(nn_net_save(c, link2));
    assert_int_equal(lstat(link2, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_file_holds(real, c);

    /* A relative link is resolved against its own directory, and an
     * absolute one as it is. */
    path_of(sub, sizeof sub, "sub");
    assert_int_equal(mkdir(sub, 0755), 0);
    snprintf(real2, sizeof real2, "%s/real2.nnet", sub);
    path_of(link1, sizeof link1, "sub/up.nnet");
    assert_int_equal(symlink("../real.nnet", link1), 0);
    ts_ok(nn_net_save(a, link1));
    assert_file_holds(real, a);
    path_of(abs_link, sizeof abs_link, "abs.nnet");
    assert_int_equal(symlink(real2, abs_link), 0); /* dangling: creates real2 */
    ts_ok(nn_net_save(b, abs_link));
    assert_int_equal(lstat(abs_link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_file_holds(real2, b);

    /* A loop is an error, not a hang. */
    path_of(link1, sizeof link1, "loop_a");
    path_of(link2, sizeof link2, "loop_b");
    assert_int_equal(symlink("loop_b", link1), 0);
    assert_int_equal(symlink("loop_a", link2), 0);
    ts_assert_status(nn_net_save(a, link1), NN_EIO);
    assert_non_null(strstr(nn_last_error(), "symbolic links"));
    assert_false(temp_left());
    nn_net_free(a);
    nn_net_free(b);
    nn_net_free(c);
}

static nn_net *big_net(uint64_t seed)
{
    size_t hidden[1] = {300}; /* 3*300+300+300*4+4 = 2404 params, ~19 KB */
    nn_net_config cfg = {.n_inputs = 3, .n_classes = 4, .n_hidden_layers = 1,
                         .hidden = hidden, .init = NN_INIT_NORMAL, .seed = seed};
    nn_net *net;
    ts_ok(nn_net_create(&net, &cfg));
    return net;
}

/* The write fails part-way through (the file size limit stops it after
 * limit bytes, with EFBIG as on a full disk): NN_EIO, the old file intact,
 * no temporary left. */
static void test_fault_partial_write(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "fault.nnet");
    nn_net *old = big_net(10), *new = big_net(11);
    ts_ok(nn_net_save(old, p));
    struct rlimit saved, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    void (*handler)(int) = signal(SIGXFSZ, SIG_IGN);
    rlim_t limits[3] = {0, 100, 6000}; /* nothing written, inside the header,
                                          past the first stdio buffer */
    for (size_t i = 0; i < 3; i++) {
        lim = saved;
        lim.rlim_cur = limits[i];
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
        nn_status s = nn_net_save(new, p);
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
        ts_assert_status(s, NN_EIO);
        assert_non_null(strstr(nn_last_error(), "fault.nnet"));
        assert_non_null(strstr(nn_last_error(), strerror(EFBIG)));
        assert_file_holds(p, old);
        assert_false(temp_left());
    }
    signal(SIGXFSZ, handler);
    ts_ok(nn_net_save(new, p)); /* and it works again */
    assert_file_holds(p, new);
    nn_net_free(old);
    nn_net_free(new);
}

/* fsync of the file or the rename fails: NN_EIO, old file intact, no
 * temporary. Only the last step, syncing the directory after the rename,
 * reports a failure with the new content in place (documented). */
static void test_fault_sync_rename(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "sync.nnet");
    nn_net *old = sample_net(12), *new = sample_net(13);
    ts_ok(nn_net_save(old, p));
    fsync_fail_at = 1;
    ts_assert_status(nn_net_save(new, p), NN_EIO);
    assert_non_null(strstr(nn_last_error(), "cannot write"));
    assert_file_holds(p, old);
    assert_false(temp_left());
    rename_fail_at = 1;
    ts_assert_status(nn_net_save(new, p), NN_EIO);
    assert_file_holds(p, old);
    assert_false(temp_left());
    fsync_fail_at = 2;
    ts_assert_status(nn_net_save(new, p), NN_EIO);
    assert_non_null(strstr(nn_last_error(), "syncing its directory"));
    assert_file_holds(p, new);
    assert_false(temp_left());
    assert_int_equal(fsync_fail_at + rename_fail_at, 0);
    nn_net_free(old);
    nn_net_free(new);
}

/* The internal API the writers share (nn_net_save, the exporters): a
 * NULL or empty path, abort, and a commit after a failed write. */
static void test_atomic_api(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "api.txt");
    nn__atomic_file af;
    ts_assert_status(nn__atomic_open(&af, NULL, "t"), NN_EINVAL);
    assert_non_null(strstr(nn_last_error(), "t: path is NULL"));
    nn__atomic_abort(&af); /* a failed open leaves nothing to release */
    ts_assert_status(nn__atomic_open(&af, "", "t"), NN_EINVAL);
    nn__atomic_abort(NULL);
    /* Abort: the destination keeps its content, no temporary is left. */
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("old", f);
    fclose(f);
    ts_ok(nn__atomic_open(&af, p, "t"));
    fputs("new content", af.f);
    nn__atomic_abort(&af);
    nn__atomic_abort(&af); /* twice is harmless */
    char buf[16] = {0};
    f = fopen(p, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_string_equal(buf, "old");
    assert_false(temp_left());
    /* Commit replaces it. */
    ts_ok(nn__atomic_open(&af, p, "t"));
    fputs("new", af.f);
    ts_ok(nn__atomic_commit(&af));
    f = fopen(p, "r");
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_string_equal(buf, "new");
    assert_false(temp_left());
}

/* The public wrapper (nn/io.h) for a program's own outputs: open, write,
 * commit replaces; abort keeps the old content; a write error fails the
 * commit; bad arguments and a directory are refused. */
static void test_atomic_public(void **state)
{
    (void)state;
    char p[128], buf[16] = {0};
    path_of(p, sizeof p, "public.txt");
    nn_atomic_file *af = NULL;
    FILE *f = NULL;
    ts_ok(nn_atomic_file_open(&af, p, &f));
    fputs("one", f);
    ts_ok(nn_atomic_file_commit(af));
    ts_ok(nn_atomic_file_open(&af, p, &f));
    fputs("two", f);
    nn_atomic_file_abort(af);
    nn_atomic_file_abort(NULL);
    FILE *r = fopen(p, "r");
    assert_non_null(r);
    assert_non_null(fgets(buf, sizeof buf, r));
    fclose(r);
    assert_string_equal(buf, "one");
    assert_false(temp_left());
    /* a write error seen on f: the commit fails, the old file stays */
    ts_ok(nn_atomic_file_open(&af, p, &f));
    close(fileno(f)); /* the next write fails (EBADF) */
    fputs("three", f);
    fflush(f);
    assert_true(ferror(f));
    ts_assert_status(nn_atomic_file_commit(af), NN_EIO);
    r = fopen(p, "r");
    assert_non_null(fgets(buf, sizeof buf, r));
    fclose(r);
    assert_string_equal(buf, "one");
    assert_false(temp_left());
    ts_assert_status(nn_atomic_file_open(NULL, p, &f), NN_EINVAL);
    ts_assert_status(nn_atomic_file_open(&af, p, NULL), NN_EINVAL);
    ts_assert_status(nn_atomic_file_open(&af, "", &f), NN_EINVAL);
    ts_assert_status(nn_atomic_file_open(&af, dir, &f), NN_EIO);
    ts_assert_status(nn_atomic_file_commit(NULL), NN_EINVAL);
}

/* A net with every version 2 feature: activations, a task, scalers and
 * class names. */
static nn_net *rich_net(nn_task task)
{
    size_t hidden[3] = {6, 5, 4};
    nn_activation acts[3] = {NN_ACT_GELU, NN_ACT_LEAKY_RELU, NN_ACT_SIGMOID};
    nn_net_config cfg = {.n_inputs = 3,
                         .n_classes = 3,
                         .n_hidden_layers = 3,
                         .hidden = hidden,
                         .init = NN_INIT_XAVIER,
                         .seed = 17,
                         .activations = acts,
                         .leaky_slope = 0.2,
                         .task = task};
    nn_net *net;
    ts_ok(nn_net_create(&net, &cfg));
    double m[3] = {1, 2, 3}, sc[3] = {0.5, 4, 9};
    nn_scaler s = {3, m, sc};
    ts_ok(nn_net_set_scaler(net, &s));
    if (task == NN_TASK_REGRESS)
        ts_ok(nn_net_set_target_scaler(net, &s));
    else {
        const char *names[3] = {"Iris-setosa", "Iris versicolor", "\"virginica\""};
        ts_ok(nn_net_set_class_names(net, names));
    }
    return net;
}

/* Version 2 round trip: the loaded net has the same parameters, task,
 * activations, slope, scalers and names, and the same outputs. */
static void test_v2_round_trip(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "v2.nnet");
    for (int task = 0; task < 3; task++) {
        nn_net *net = rich_net((nn_task)task), *back;
        ts_ok(nn_net_save(net, p));
        ts_ok(nn_net_load(&back, p));
        assert_same_net(net, back);
        assert_int_equal(nn_net_task(back), task);
        assert_int_equal(nn_net_activation(back, 0), NN_ACT_GELU);
        assert_int_equal(nn_net_activation(back, 2), NN_ACT_SIGMOID);
        assert_true(nn_net_leaky_slope(back) == 0.2);
        assert_memory_equal(nn_net_scaler(back)->scale, nn_net_scaler(net)->scale,
                            3 * sizeof(double));
        if (task == NN_TASK_REGRESS)
            assert_memory_equal(nn_net_target_scaler(back)->mean,
                                nn_net_target_scaler(net)->mean, 3 * sizeof(double));
        else
            assert_string_equal(nn_net_class_name(back, 2), "\"virginica\"");
        double x[6] = {1, -2, 3, 0.5, 7, -1}, o1[6], o2[6];
        ts_ok(nn_net_forward(net, nn_mat_view(x, 2, 3, 3), nn_mat_view(o1, 2, 3, 3)));
        ts_ok(nn_net_forward(back, nn_mat_view(x, 2, 3, 3), nn_mat_view(o2, 2, 3, 3)));
        assert_memory_equal(o1, o2, sizeof o1);
        if (task == NN_TASK_CLASSIFY)
            check_corruption(net);
        nn_net_free(back);
        nn_net_free(net);
    }
}

/* A file written by libnn 0.1.0 (format version 1, tests/data) still loads
 * and predicts as it did then: the same classes, and the same probabilities
 * (bit for bit on the kernel path that wrote the fixture, AVX-512; within
 * 1e-13 on another path, whose exp may round differently). */
static void test_v1_file_loads(void **state)
{
    (void)state;
    const char *data = getenv("NN_TEST_DATA");
    assert_non_null(data);
    char p[512];
    snprintf(p, sizeof p, "%s/v1_moons.nnet", data);
    nn_net *net;
    ts_ok(nn_net_load(&net, p));
    assert_int_equal(nn_net_task(net), NN_TASK_CLASSIFY);
    assert_int_equal(nn_net_activation(net, 0), NN_ACT_RELU);
    assert_null(nn_net_scaler(net));
    snprintf(p, sizeof p, "%s/v1_moons_probs.txt", data);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    char line[512];
    assert_non_null(fgets(line, sizeof line, f)); /* comment */
    size_t rows = 0;
    double v[4];
    while (fscanf(f, "%la %la %la %la", &v[0], &v[1], &v[2], &v[3]) == 4) {
        double prob[2];
        ts_ok(nn_net_forward(net, nn_mat_view(v, 1, 2, 2), nn_mat_view(prob, 1, 2, 2)));
        assert_true(ts_close(prob[0], v[2], 1e-300, 1e-13));
        assert_true(ts_close(prob[1], v[3], 1e-300, 1e-13));
        assert_int_equal(prob[1] > prob[0], v[3] > v[2]);
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, 16);
    nn_net_free(net);
}

/* ---- hostile model files -------------------------------------------------- */

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifndef TEST_ASAN
#define TEST_ASAN 0
#endif

static void put_le(unsigned char *b, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        b[i] = (unsigned char)(v >> (8 * i));
}

/* Rewrite p's checksum to match its content (a forger's file). */
static void fix_checksum(const char *p)
{
    long n = file_size(p);
    FILE *f = fopen(p, "r+b");
    assert_non_null(f);
    uint64_t h = 0xcbf29ce484222325u;
    for (long i = 0; i < n - 8; i++)
        h = (h ^ (unsigned char)fgetc(f)) * 0x100000001b3u;
    unsigned char b[8];
    put_le(b, h, 8);
    assert_int_equal(fwrite(b, 1, 8, f), 8);
    fclose(f);
}

/* A NaN or an infinity among the parameters: nn_net_save refuses it (and
 * writes nothing), nn_net_load refuses a file that holds one even with a
 * right checksum; both name the layer, the part and the element. */
static void test_non_finite_refused(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "nan.nnet");
    unlink(p);
    nn_net *net = sample_net(3), *out = NULL;
    nn_net_weights(net, 1).data[2 * nn_net_weights(net, 1).ld + 4] = NAN;
    ts_assert_status(nn_net_save(net, p), NN_ENUMERIC);
    assert_non_null(strstr(nn_last_error(), "layer 1's weight [2][4] is NaN"));
    assert_int_equal(access(p, F_OK), -1);
    nn_net_weights(net, 1).data[2 * nn_net_weights(net, 1).ld + 4] = 0.5;
    ts_ok(nn_net_save(net, p));
    /* The last parameter (layer 2's bias [0][3]) becomes +inf. */
    long n = file_size(p);
    FILE *f = fopen(p, "r+b");
    assert_non_null(f);
    unsigned char b[8];
    put_le(b, 0x7ff0000000000000u, 8);
    fseek(f, n - 16, SEEK_SET);
    assert_int_equal(fwrite(b, 1, 8, f), 8);
    fclose(f);
    fix_checksum(p);
    ts_assert_status(nn_net_load(&out, p), NN_ENUMERIC);
    assert_non_null(strstr(nn_last_error(), "layer 2's bias [0][3] is infinite"));
    assert_null(out);
    nn_net_free(net);
}

/* A header that announces a net of 2 x 32768 x 32768 x 2 (1.07e9
 * parameters, 8.6 GB) over a sparse file of that size holding 4 KB: refused
 * by the checksum, computed over the file before anything is allocated
 * (its holes hashed without reading them). Checked in a child limited to
 * 1 GB of address space, where the old loader's allocation failed. */
static void test_sparse_lie_refused(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "sparse.nnet");
    const uint64_t units[4] = {2, 32768, 32768, 2};
    uint64_t P = 0;
    for (int l = 0; l < 3; l++)
        P += units[l] * units[l + 1] + units[l + 1];
    unsigned char h[256], *w = h;
    memcpy(w, "LIBNN\0NT", 8);
    w += 8;
    put_le(w, 1, 4); /* version 1 */
    put_le(w + 4, 0, 4);
    put_le(w + 8, 7, 8);
    put_le(w + 16, 3, 8);
    w += 24;
    for (int l = 0; l < 4; l++, w += 8)
        put_le(w, units[l], 8);
    put_le(w, P, 8);
    w += 8;
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(h, 1, (size_t)(w - h), f), (size_t)(w - h));
    fclose(f);
    assert_int_equal(truncate(p, (off_t)(w - h) + (off_t)(P * 8 + 8)), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
#if !TEST_ASAN /* AddressSanitizer reserves terabytes of address space */
        struct rlimit lim = {(rlim_t)1 << 30, (rlim_t)1 << 30};
        setrlimit(RLIMIT_AS, &lim);
#endif
        nn_net *out = NULL;
        nn_status s = nn_net_load(&out, p);
        _exit(s == NN_EFORMAT && strstr(nn_last_error(), "checksum mismatch") ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    unlink(p);
}

/* ---- temporary files of killed saves -------------------------------------- */

/* Create dir/name (empty), last modified age seconds ago. */
static void touch_aged(const char *name, long age)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    struct timespec t[2] = {{time(NULL) - age, 0}, {time(NULL) - age, 0}};
    assert_int_equal(utimensat(AT_FDCWD, p, t, 0), 0);
}

static int exists_in_dir(const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

/* A save killed midway (a child that opens the temporary file and exits
 * without a word, as kill -9 leaves it) leaves its temporary file; the
 * next save of the same path removes it, and also another host's or the
 * older form's older than a day, but never a live process's, a recent one
 * from another host, or a file of another pattern. */
static void test_stale_temps_removed(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "stale.nnet");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        nn__atomic_file af;
        if (nn__atomic_open(&af, p, "t") == NN_OK)
            fputs("half a model", af.f);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    char killed[256] = "", host[7] = "";
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strncmp(e->d_name, "stale.nnet.tmp.", 15) == 0)
            snprintf(killed, sizeof killed, "%s", e->d_name);
    closedir(d);
    const char *tag = strchr(killed + 15, '-');
    assert_non_null(tag); /* stale.nnet.tmp.PID-HOST-XXXXXX */
    memcpy(host, tag + 1, 6);
    char live[256], other_new[256], other_old[256];
    snprintf(live, sizeof live, "stale.nnet.tmp.%ld-%s-aaaaaa", (long)getppid(), host);
    const char *elsewhere = strcmp(host, "zzzzzz") ? "zzzzzz" : "yyyyyy";
    snprintf(other_new, sizeof other_new, "stale.nnet.tmp.1-%s-aaaaaa", elsewhere);
    snprintf(other_old, sizeof other_old, "stale.nnet.tmp.1-%s-bbbbbb", elsewhere);
    const long day = 24 * 3600;
    touch_aged(live, 3 * day);
    touch_aged(other_new, 3600);
    touch_aged(other_old, 2 * day);
    touch_aged("stale.nnet.tmp.abcdef", 2 * day);
    touch_aged("stale.nnet.tmp.ghijkl", 60);
    touch_aged("stale.nnet.tmp.notes", 2 * day);
    touch_aged("other.nnet.tmp.abcdef", 2 * day);
    nn_net *net = sample_net(5);
    ts_ok(nn_net_save(net, p));
    assert_false(exists_in_dir(killed));
    assert_false(exists_in_dir(other_old));
    assert_false(exists_in_dir("stale.nnet.tmp.abcdef"));
    assert_true(exists_in_dir(live));
    assert_true(exists_in_dir(other_new));
    assert_true(exists_in_dir("stale.nnet.tmp.ghijkl"));
    assert_true(exists_in_dir("stale.nnet.tmp.notes"));
    assert_true(exists_in_dir("other.nnet.tmp.abcdef")); /* another target's */
    assert_file_holds(p, net);
    const char *left[] = {live, other_new, "stale.nnet.tmp.ghijkl", "stale.nnet.tmp.notes",
                          "other.nnet.tmp.abcdef"};
    for (size_t i = 0; i < sizeof left / sizeof *left; i++) {
        char q[512];
        snprintf(q, sizeof q, "%s/%s", dir, left[i]);
        unlink(q);
    }
    nn_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_corruption_detected),
        cmocka_unit_test(test_io_errors),
        cmocka_unit_test(test_v2_round_trip),
        cmocka_unit_test(test_v1_file_loads),
        cmocka_unit_test(test_modes),
        cmocka_unit_test(test_special_files_refused),
        cmocka_unit_test(test_symlinks_followed),
        cmocka_unit_test(test_fault_partial_write),
        cmocka_unit_test(test_fault_sync_rename),
        cmocka_unit_test(test_atomic_api),
        cmocka_unit_test(test_atomic_public),
        cmocka_unit_test(test_non_finite_refused),
        cmocka_unit_test(test_sparse_lie_refused),
        cmocka_unit_test(test_stale_temps_removed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
