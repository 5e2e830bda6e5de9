#ifndef NN_IO_H
#define NN_IO_H

#include <stdbool.h>
#include <stdio.h>

#include "nn/export.h"
#include "nn/net.h"
#include "nn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write the net's architecture and parameters to path in libnn's binary
 * format (little-endian IEEE doubles, versioned header, checksum): format
 * version 2 for an NN_F64 net, version 3 (its dtype, float32 parameters:
 * half the size) for an NN_F32 net. nn_net_load reads versions 1 to 3 and
 * gives back a net of the file's dtype. docs/model-format.md has the format.
 *
 * The save is atomic: the content goes to a temporary file beside the
 * destination (path.tmp.PID-HOST-XXXXXX), which is flushed to disk (fsync)
 * and renamed over path; the directory is then synced. path
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

/* ---- any file, written as nn_net_save writes ---------------------------- *
 * For a program's own outputs (predictions, reports, plots): the content
 * goes to a temporary file beside path, and only a successful commit puts
 * it in place, so path holds either its old content or the complete new
 * one. What path may be is as for nn_net_save (absent, a regular file, a
 * link to one; anything else is refused with NN_EIO).
 *     nn_atomic_file *af; FILE *f;
 *     if (nn_atomic_file_open(&af, path, &f) != NN_OK) ...
 *     fprintf(f, ...);  (or write to fileno(f): the file is not read back)
 *     s = nn_atomic_file_commit(af);   or nn_atomic_file_abort(af)
 * Do not fclose f: the commit or the abort closes it. */
typedef struct nn_atomic_file nn_atomic_file;

/* Create the temporary file beside path; *f is open for writing.
 * @return NN_OK; NN_EINVAL for NULL arguments or an empty path; NN_EIO when
 *         path is not a regular file (or a link to one) or the temporary
 *         file cannot be created; NN_ENOMEM. Nothing to release on failure. */
NN_API nn_status nn_atomic_file_open(nn_atomic_file **af, const char *path, FILE **f);
/* Flush and sync the file and rename it over path; af is released either
 * way. A write error seen on f (ferror) fails the commit: commit right after
 * writing, so that errno still holds the reason.
 * @return NN_OK; NN_EINVAL for NULL af; NN_EIO on any failure, the old path
 *         intact (except when only the final directory sync failed: the new
 *         content is in place and the message says so). */
NN_API nn_status nn_atomic_file_commit(nn_atomic_file *af);
/* Remove the temporary file and release af; path is untouched. Accepts NULL. */
NN_API void nn_atomic_file_abort(nn_atomic_file *af);

/* Read a net written by nn_net_save.
 * @return NN_OK; NN_EINVAL for NULL arguments; NN_EIO if the file cannot be
 *         read; NN_EFORMAT for a bad magic, version, size or checksum;
 *         NN_ENOMEM. *out is written only on success. */
NN_API nn_status nn_net_load(nn_net **out, const char *path);

/* ---- shipping a trained net: export (lib/export/) ----------------------- *
 * Both writers read the net only through the public getters, and write path
 * atomically (a temporary file beside it, flushed and renamed over it): path
 * holds either its old content or the complete new file. docs/export.md
 * shows both in use. */

/* Options of nn_net_export_c. A NULL options pointer means all defaults. */
typedef struct nn_export_c_options {
    const char *prefix;    /* names in the header: PREFIX_predict, PREFIX_W0 ...,
                              and the macros UPPER(PREFIX)_N_INPUTS ...; a C
                              identifier ([A-Za-z_][A-Za-z0-9_]*, at most 64
                              characters); NULL means "model" */
    bool single_precision; /* T = float (weights rounded to float, float
                              arithmetic, expf/tanhf); false: T = double.
                              An NN_F32 net is always written with T =
                              float, its parameters exactly. */
} nn_export_c_options;

/* Write the net as one self-contained C99 header (also valid C++) for
 * running it without libnn: no allocation, no BLAS, only <math.h>'s
 * exp/tanh (expf/tanhf) and only when an activation or the output needs
 * them. It defines
 *     UPPER_N_INPUTS, UPPER_N_OUTPUTS      the net's input and output widths
 *     UPPER_MAX_WIDTH, UPPER_STACK_BYTES   largest intermediate vector, and
 *                                          the stack used by predict for
 *                                          them: 2 * MAX_WIDTH * sizeof(T)
 *     static const T PREFIX_W<l>[in*out], PREFIX_b<l>[out]   the parameters
 *                                          (W row-major, in x out), printed
 *                                          with %.17g (%.9g for float) so
 *                                          they read back exactly
 *     static const char *const PREFIX_class_names[N_OUTPUTS]  when the net
 *                                          has class names (UPPER_HAS_CLASS_NAMES 1)
 *     static inline int PREFIX_predict(const T *x, T *out)
 * where UPPER is the prefix in upper case. PREFIX_predict computes, for one
 * row x of N_INPUTS raw features, what nn_net_forward computes: the input
 * scaler as constants applied first, x' = (x - mean) / scale (the same
 * operations as the library, not folded into W_0), each dense layer
 * z = a W + b with its hidden activation, then the output: CLASSIFY softmax
 * probabilities (max subtracted), MULTILABEL a sigmoid per output, REGRESS
 * the values mapped back through the target scaler (z * scale + mean). out
 * receives N_OUTPUTS values and must not overlap x; no input check is made
 * (NaN gives NaN). It returns 0, or 1 when x or out is NULL. With T =
 * double it agrees with nn_net_forward to about 1e-14 relative (tests
 * require <= 1e-12); with float to <= 1e-5.
 * Everything is static, so the header may be included in several files
 * (each then holds a copy of the weights).
 * @param net   the net (not modified)
 * @param path  the header file to write
 * @param opt   NULL for the defaults
 * @return NN_OK; NN_EINVAL for a NULL net or path, an empty path, or a
 *         prefix that is not a C identifier (the message says why);
 *         NN_ENUMERIC when a parameter or scaler value is NaN or infinite
 *         (a C literal cannot hold it; the message names it); NN_EIO when
 *         path cannot be written (the message names it and the reason; the
 *         old file, if any, is intact); NN_ENOMEM. */
NN_API nn_status nn_net_export_c(const nn_net *net, const char *path,
                                 const nn_export_c_options *opt);

/* Write the net as an ONNX model (protobuf; IR version 7, opset 13, domain
 * ai.onnx, float32) that computes what nn_net_forward computes:
 *     input  "x"  float [N, n_inputs], N symbolic (any batch size)
 *     output "y"  float [N, n_outputs]
 *     nodes  Sub, Div (input scaler, when the net has one); per dense layer
 *            Gemm(h, W, b) with W in x out; hidden activations Relu,
 *            LeakyRelu(alpha = slope), Tanh, Sigmoid, Identity, and GELU
 *            (tanh form) as x * Sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3))
 *            from Mul/Add/Sigmoid (Gelu itself needs opset 20); output
 *            Softmax(axis = -1) for CLASSIFY, Sigmoid for MULTILABEL, and
 *            for REGRESS Mul, Add (target scaler) or Identity.
 * Metadata (metadata_props): "task" (classify, multilabel, regress) and,
 * when the net has class names, "class_names" (a JSON array of strings).
 * Parameters are rounded to float32 (an NN_F32 net's are stored exactly:
 * the export is lossless).
 * @return NN_OK; NN_EINVAL for a NULL net or path, an empty path, a net
 *         too large for one protobuf message (about 500 million
 *         parameters: protobuf's 2 GiB limit), or when libnn was built
 *         without ONNX support (CMake option NN_WITH_ONNX; the message says
 *         so); NN_EIO when path cannot be written (the old file, if any, is
 *         intact); NN_ENOMEM. */
NN_API nn_status nn_net_export_onnx(const nn_net *net, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* NN_IO_H */
