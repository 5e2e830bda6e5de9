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
 * file is removed. */
#include <errno.h>
#include <fcntl.h>
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

/* A fresh temporary name for try number attempt: target + ".tmp." + six
 * characters mixed from the process id, the clock and the attempt, so two
 * processes (or threads) saving at once pick different names; O_EXCL settles
 * any collision that remains. */
static void tmp_name(char *buf, size_t len, size_t attempt)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
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
    memcpy(buf + len, ".tmp.", 5);
    for (size_t i = 0; i < 6; i++) {
        buf[len + 5 + i] = alphabet[h % 36];
        h /= 36;
    }
    buf[len + 11] = '\0';
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
    size_t len = strlen(af->target);
    af->tmp = malloc(len + 12);
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
