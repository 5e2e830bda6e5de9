/* Replacing a file atomically, the way a user expects a save to behave.
 *
 * The new content goes to a temporary file created beside the destination
 * (same directory, so the same filesystem), which is flushed to disk and then
 * renamed over the destination; the directory is synced after the rename so
 * the new name survives a power cut. A reader sees either the old file or the
 * whole new one, never a torn write.
 *
 * What the destination may be:
 *   absent        a new file is created with mode 0666 & ~umask (the kernel
 *                 applies the umask, and any default ACL, when the temporary
 *                 file is created with 0666, so the umask is never read or
 *                 changed: reading it is a process-wide race);
 *   regular file  replaced; the new file keeps the old one's mode bits, and
 *                 its owner and group where the process may set them;
 *   symlink       followed (through chains, up to 40 links) and its final
 *                 target replaced, so the link stays a link; a dangling link
 *                 creates its target;
 *   other         (directory, FIFO, device, socket) refused with NN_EIO: a
 *                 rename would silently replace it, and a save must never
 *                 turn /dev/null or a pipe into a regular file.
 * On every failure the destination keeps its old content and the temporary
 * file is removed.
 *
 * A save killed before it could remove its temporary file (kill -9, a
 * crash, a power cut) leaves TARGET.tmp.PID-HOST-XXXXXX behind: the writer's
 * process id, a tag of its host name and a random part. The next save of
 * the same target removes those that are provably stale: written on this
 * host by a process that no longer exists (kill(pid, 0) fails with ESRCH),
 * or, from another host or in the older TARGET.tmp.XXXXXX form, last
 * modified more than NN__TMP_STALE_SECONDS ago. A live writer's file is
 * never touched, so concurrent saves stay safe. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"

#define NN__MAX_LINKS 40       /* Linux's limit on symlinks followed in a path */
#define NN__TMP_ATTEMPTS 100   /* temporary names tried before giving up */
#define NN__TMP_STALE_SECONDS (24 * 3600) /* age that makes another host's temporary stale */
#define NN__TMP_MAX_SUFFIX 40  /* ".tmp." + pid + "-" + host tag + "-" + random part */

/* What kind of non-regular file st describes, for the refusal message. */
static const char *kind_of(const struct stat *st)
{
    if (S_ISDIR(st->st_mode))
        return "a directory";
    if (S_ISFIFO(st->st_mode))
        return "a FIFO";
    if (S_ISCHR(st->st_mode))
        return "a character device";
    if (S_ISBLK(st->st_mode))
        return "a block device";
    if (S_ISSOCK(st->st_mode))
        return "a socket";
    return "not a regular file";
}

/* The directory part of path ("." when it has none), newly allocated. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

/* The content of the symlink at link (lstat size hint st_size), resolved
 * against link's directory when relative. NULL with errno set on failure. */
static char *follow_link(const char *link, size_t hint)
{
    size_t cap = hint ? hint + 1 : 256;
    char *buf = NULL;
    ssize_t n;
    for (;;) {
        char *bigger = realloc(buf, cap);
        if (!bigger) {
            free(buf);
            errno = ENOMEM;
            return NULL;
        }
        buf = bigger;
        n = readlink(link, buf, cap);
        if (n < 0) {
            free(buf);
            return NULL;
        }
        if ((size_t)n < cap)
            break;
        if (cap > SIZE_MAX / 2) { /* a link that long cannot be real */
            free(buf);
            errno = ENAMETOOLONG;
            return NULL;
        }
        cap *= 2; /* the link grew since lstat: read it again */
    }
    buf[n] = '\0';
    const char *slash = strrchr(link, '/');
    if (buf[0] == '/' || !slash)
        return buf;
    size_t dlen = (size_t)(slash - link) + 1; /* keep the slash */
    char *joined = malloc(dlen + (size_t)n + 1);
    if (joined) {
        memcpy(joined, link, dlen);
        memcpy(joined + dlen, buf, (size_t)n + 1);
    } else {
        errno = ENOMEM;
    }
    free(buf);
    return joined;
}

/* Follow path through symlinks to the file that a save replaces: *target
 * (allocated) and, when it exists, its lstat in *st with *exists = 1. */
static nn_status resolve(const char *path, const char *func, char **target, struct stat *st,
                         int *exists)
{
    char *cur = strdup(path);
    if (!cur)
        return nn__fail(NN_ENOMEM, "%s: out of memory", func);
    for (int hops = 0;; hops++) {
        if (lstat(cur, st) != 0) {
            int e = errno;
            if (e == ENOENT) { /* absent: created (its directory is checked later) */
                *exists = 0;
                *target = cur;
                return NN_OK;
            }
            nn_status s = nn__fail(NN_EIO, "%s: cannot inspect %s: %s", func, cur, strerror(e));
            free(cur);
            return s;
        }
        if (!S_ISLNK(st->st_mode)) {
            *exists = 1;
            *target = cur;
            return NN_OK;
        }
        if (hops == NN__MAX_LINKS) {
            free(cur);
            return nn__fail(NN_EIO, "%s: %s: more than %d symbolic links in a chain", func,
                            path, NN__MAX_LINKS);
        }
        char *next = follow_link(cur, (size_t)st->st_size);
        if (!next) {
            int e = errno;
            nn_status s = nn__fail(e == ENOMEM ? NN_ENOMEM : NN_EIO,
                                   "%s: cannot read the symbolic link %s: %s", func, cur,
                                   strerror(e));
            free(cur);
            return s;
        }
        free(cur);
        cur = next;
    }
}

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";

/* Six characters of alphabet from h into out. */
static void base36(uint64_t h, char *out)
{
    for (size_t i = 0; i < 6; i++) {
        out[i] = alphabet[h % 36];
        h /= 36;
    }
}

/* This host's tag: six characters from a hash of its name. */
static void host_tag(char *out)
{
    char name[256] = {0};
    if (gethostname(name, sizeof name - 1) != 0)
        name[0] = '\0';
    uint64_t h = 0xcbf29ce484222325u;
    for (const char *c = name; *c; c++)
        h = (h ^ (unsigned char)*c) * 0x100000001b3u;
    base36(h, out);
}

/* A fresh temporary name for try number attempt: target + ".tmp." + the
 * process id, the host tag and six characters mixed from the clock and the
 * attempt, so two processes (or threads) saving at once pick different
 * names; O_EXCL settles any collision that remains. */
static void tmp_name(char *buf, size_t len, size_t attempt)
{
    struct timespec ts = {0, 0};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t h = 0xcbf29ce484222325u;
    uint64_t parts[4] = {(uint64_t)getpid(), (uint64_t)ts.tv_sec, (uint64_t)ts.tv_nsec,
                         (uint64_t)attempt ^ (uint64_t)(uintptr_t)buf};
    for (size_t i = 0; i < 4; i++) {
        h ^= parts[i];
        h *= 0x100000001b3u;
        h ^= h >> 29;
    }
    char host[7] = {0}, rnd[7] = {0};
    host_tag(host);
    base36(h, rnd);
    snprintf(buf + len, NN__TMP_MAX_SUFFIX, ".tmp.%ld-%s-%s", (long)getpid(), host, rnd);
}

/* n characters of alphabet at s. */
static int is_tag(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i] || !strchr(alphabet, s[i]))
            return 0;
    return 1;
}

/* Whether the entry name of directory dfd is a temporary file of base (the
 * target's last component) that no save will ever finish (see the file
 * comment). */
static int is_stale(int dfd, const char *name, const char *base, const char *host, time_t now)
{
    size_t n = strlen(base);
    if (strncmp(name, base, n) != 0 || strncmp(name + n, ".tmp.", 5) != 0)
        return 0;
    const char *t = name + n + 5;
    int old_form = is_tag(t, 6) && t[6] == '\0';
    long pid = 0;
    const char *dash = t;
    while (*dash >= '0' && *dash <= '9' && pid < 1000000000L)
        pid = 10 * pid + (*dash++ - '0');
    int new_form = dash > t && *dash == '-' && is_tag(dash + 1, 6) && dash[7] == '-' &&
                   is_tag(dash + 8, 6) && dash[14] == '\0';
    if (!old_form && !new_form)
        return 0;
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
        return 0;
    if (new_form && strncmp(dash + 1, host, 6) == 0)
        return pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
    return now - st.st_mtime > NN__TMP_STALE_SECONDS;
}

/* Remove the stale temporary files of target (best effort: a failure here
 * never fails the save). */
static void remove_stale(const char *target)
{
    char *dir = dir_of(target);
    const char *slash = strrchr(target, '/'), *base = slash ? slash + 1 : target;
    DIR *d = dir ? opendir(dir) : NULL;
    free(dir);
    if (!d)
        return;
    char host[7] = {0};
    host_tag(host);
    time_t now = time(NULL);
    int dfd = dirfd(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (is_stale(dfd, e->d_name, base, host, now))
            unlinkat(dfd, e->d_name, 0);
    closedir(d);
}

/* Release what af holds; the caller has already closed or removed what had
 * to be. Leaves af zeroed. */
static void release(nn__atomic_file *af)
{
    free(af->target);
    free(af->tmp);
    memset(af, 0, sizeof *af);
}

nn_status nn__atomic_open(nn__atomic_file *af, const char *path, const char *func)
{
    memset(af, 0, sizeof *af);
    if (!path || !*path)
        return nn__fail(NN_EINVAL, "%s: path is %s", func, path ? "empty" : "NULL");
    af->func = func;
    af->path = path;
    struct stat st;
    int exists = 0;
    nn_status s = resolve(path, func, &af->target, &st, &exists);
    if (s != NN_OK)
        return s;
    if (exists && !S_ISREG(st.st_mode)) {
        if (strcmp(af->target, path) != 0)
            s = nn__fail(NN_EIO,
                         "%s: %s is a link to %s, which is %s: only a regular file is replaced",
                         func, path, af->target, kind_of(&st));
        else
            s = nn__fail(NN_EIO, "%s: %s is %s: only a regular file is replaced", func, path,
                         kind_of(&st));
        release(af);
        return s;
    }
    remove_stale(af->target);
    size_t len = strlen(af->target);
    af->tmp = malloc(len + NN__TMP_MAX_SUFFIX);
    if (!af->tmp) {
        release(af);
        return nn__fail(NN_ENOMEM, "%s: out of memory", func);
    }
    memcpy(af->tmp, af->target, len);
    int fd = -1, e = 0;
    for (size_t attempt = 0; attempt < NN__TMP_ATTEMPTS && fd < 0; attempt++) {
        tmp_name(af->tmp, len, attempt);
        fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        e = errno;
        if (fd < 0 && e != EEXIST)
            break;
    }
    if (fd < 0) {
        s = nn__fail(NN_EIO, "%s: cannot create a temporary file beside %s: %s", func,
                     af->target, strerror(e));
        release(af);
        return s;
    }
    if (exists) {
        /* Keep the replaced file's owner (where allowed: root may give it
         * away, anyone may pick one of their own groups; otherwise the
         * process's ids stay) and its mode bits, set after the owner since
         * chown clears set-user-ID. */
        if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
            fchown(fd, st.st_uid, st.st_gid) != 0 && fchown(fd, (uid_t)-1, st.st_gid) != 0) {
            /* Best effort: the new file stays owned by the process. */
        }
        if (fchmod(fd, st.st_mode & 07777) != 0) {
            e = errno;
            close(fd);
            unlink(af->tmp);
            s = nn__fail(NN_EIO, "%s: cannot set the mode of a temporary file beside %s: %s",
                         func, af->target, strerror(e));
            release(af);
            return s;
        }
    }
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        e = errno;
        close(fd);
        unlink(af->tmp);
        release(af);
        return nn__fail(e == ENOMEM ? NN_ENOMEM : NN_EIO, "%s: %s: %s", func, path,
                        strerror(e));
    }
    return NN_OK;
}

void nn__atomic_abort(nn__atomic_file *af)
{
    if (!af)
        return;
    if (af->f)
        fclose(af->f);
    if (af->tmp)
        unlink(af->tmp);
    release(af);
}

/* fsync the directory holding target, so that the rename is durable. A
 * filesystem that cannot sync directories (EINVAL) or a directory that
 * cannot be opened for reading (mode -r) is not an error: the rename has
 * happened and nothing better can be done. */
static int sync_dir(const char *target)
{
    char *dir = dir_of(target);
    if (!dir)
        return ENOMEM;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return 0;
    int e = fsync(fd) != 0 ? errno : 0;
    close(fd);
    return e == EINVAL ? 0 : e;
}

nn_status nn__atomic_commit(nn__atomic_file *af)
{
    /* After a failed write glibc drops the buffer, so fflush succeeds and
     * only the error flag is left; errno still holds the write's reason
     * (EFBIG, ENOSPC ...) when the caller commits right after writing. */
    int e = ferror(af->f) ? (errno ? errno : EIO) : 0;
    if (!e && fflush(af->f) != 0)
        e = errno ? errno : EIO;
    if (!e && fsync(fileno(af->f)) != 0)
        e = errno;
    if (fclose(af->f) != 0 && !e)
        e = errno;
    af->f = NULL;
    if (!e && rename(af->tmp, af->target) != 0)
        e = errno;
    if (e) {
        unlink(af->tmp);
        nn_status s = nn__fail(NN_EIO, "%s: cannot write %s: %s", af->func, af->path,
                               strerror(e));
        release(af);
        return s;
    }
    e = sync_dir(af->target);
    nn_status s = NN_OK;
    if (e)
        s = nn__fail(NN_EIO, "%s: %s was written, but syncing its directory failed: %s",
                     af->func, af->path, strerror(e));
    release(af);
    return s;
}
