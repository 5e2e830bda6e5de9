#ifndef NN_VERSION_H
#define NN_VERSION_H

#include "nn/export.h"

/* Same major version means ABI compatible; a new major version bumps the
 * SOVERSION of libnn.so. Before 1.0 the SOVERSION counts ABI breaks on its
 * own: 0.1 was libnn.so.0; 0.2 (contract v2: struct layouts changed) is
 * libnn.so.1; 0.3 (contract v3: nn_net_config and nn_fit_hooks gained
 * fields) is libnn.so.2. CMake parses the numbers below. */
#define NN_VERSION_MAJOR 0
#define NN_VERSION_MINOR 3
#define NN_VERSION_PATCH 0
#define NN_SOVERSION 2

#define NN_VERSION_NUMBER \
    (NN_VERSION_MAJOR * 10000 + NN_VERSION_MINOR * 100 + NN_VERSION_PATCH)
#define NN_VERSION_STR_(x) #x
#define NN_VERSION_STR(x) NN_VERSION_STR_(x)
#define NN_VERSION_STRING \
    NN_VERSION_STR(NN_VERSION_MAJOR) "." NN_VERSION_STR(NN_VERSION_MINOR) "." \
    NN_VERSION_STR(NN_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the library actually linked, to catch a header/library mismatch:
 * compare with NN_VERSION_NUMBER. */
NN_API unsigned nn_version_number(void);
NN_API const char *nn_version_string(void);

#ifdef __cplusplus
}
#endif

#endif /* NN_VERSION_H */
