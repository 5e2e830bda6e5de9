#ifndef NN_LIB_ATOMIC_FILE_H
#define NN_LIB_ATOMIC_FILE_H

/* For the files that replace a file on disk (io.c, npy.c, lib/export/), and tests:
 * atomic file replacement (atomic_file.c). */

#include <stdio.h>

#include "internal.h"

/* A file being written to replace a path atomically (see atomic_file.c for
 * what the destination may be: absent, a regular file, or a symlink, which
 * is followed). Usage:
 *     nn__atomic_file af;
 *     nn_status s = nn__atomic_open(&af, path, "nn_net_save");
 *     if (s != NN_OK) return s;
 *     ... fwrite(..., af.f) ...
 *     return nn__atomic_commit(&af);   (or nn__atomic_abort(&af) to give up)
 * Until the commit, path keeps its old content; after any failure, too. */
typedef struct nn__atomic_file {
    FILE *f;          /* write the new content here */
    const char *func; /* the caller's name, for messages */
    const char *path; /* the destination as given (borrowed until commit/abort) */
    char *target;     /* path with symlinks followed: the file replaced */
    char *tmp;        /* the temporary file beside target */
} nn__atomic_file;

/* Check the destination and create the temporary file (mode 0666 & ~umask
 * for a new file, the old file's mode for a replaced one).
 * @return NN_OK with af->f open; NN_EINVAL for a NULL or empty path; NN_EIO
 *         when path exists and is not a regular file (or a link to one), or
 *         the temporary file cannot be created; NN_ENOMEM. On failure af
 *         holds nothing to release (nn__atomic_abort accepts it). */
nn_status nn__atomic_open(nn__atomic_file *af, const char *path, const char *func);
/* Flush, fsync and close af->f, rename the temporary over the destination,
 * fsync the directory. A write error seen on af->f (ferror) fails the
 * commit, with errno as the reason given: commit right after writing.
 * af is released either way.
 * @return NN_OK; NN_EIO, with the old destination intact and the temporary
 *         removed (except when only the final directory sync failed: the
 *         new content is then in place and the message says so). */
nn_status nn__atomic_commit(nn__atomic_file *af);
/* Close and remove the temporary file; the destination is untouched.
 * Accepts NULL and a released handle. */
void nn__atomic_abort(nn__atomic_file *af);

#endif /* NN_LIB_ATOMIC_FILE_H */
