#ifndef NN_IO_H
#define NN_IO_H

#include "nn/export.h"
#include "nn/net.h"
#include "nn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write the net's architecture and parameters to path in libnn's binary
 * format (little-endian IEEE doubles, versioned header, checksum). The file
 * is written to a temporary name beside path and renamed, so path always
 * holds either the old content or the complete new one.
 * @return NN_OK; NN_EINVAL for NULL arguments; NN_EIO on a write failure. */
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
