#ifndef NN_IO_H
#define NN_IO_H

#include "nn/export.h"
#include "nn/net.h"
#include "nn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write the net's architecture and parameters to path in libnn's binary
 * format (little-endian IEEE doubles, versioned header, checksum).
 *
 * The save is atomic: the content goes to a temporary file beside the
 * destination (path + ".tmp." + 6 characters), which is flushed to disk
 * (fsync) and renamed over path; the directory is then synced. path
 * therefore always holds either its old content or the complete new one,
 * and on every failure the old file is intact and no temporary file remains.
 * What path may be:
 *   - absent: a new file is created with mode 0666 & ~umask, as fopen does;
 *   - a regular file: replaced; the new file keeps its permission bits (and
 *     its owner and group where the process is allowed to set them);
 *   - a symbolic link: followed (through a chain of links) and its final
 *     target replaced as above, so the link itself stays a link pointing to
 *     the new file; a dangling link creates its target;
 *   - anything else (directory, FIFO, device such as /dev/null, socket):
 *     refused with NN_EIO and a message naming path and what it is; it is
 *     left untouched.
 * The directory of the (final) destination must be writable.
 * @return NN_OK; NN_EINVAL for NULL arguments or an empty path; NN_EIO when
 *         path is not a regular file, a link to one, or absent, or on any
 *         write failure (the message names path and the reason); NN_ENOMEM.
 *         In one case NN_EIO comes with the new content already in place:
 *         when only the final sync of the directory fails (the message
 *         says so). */
NN_API nn_status nn_net_save(const nn_net *net, const char *path);

/* Read a net written by nn_net_save.
 * @return NN_OK; NN_EINVAL for NULL arguments; NN_EIO if the file cannot be
 *         read; NN_EFORMAT for a bad magic, version, size or checksum;
 *         NN_ENOMEM. *out is written only on success. */
NN_API nn_status nn_net_load(nn_net **out, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* NN_IO_H */
