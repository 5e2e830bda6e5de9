#ifndef NN_EXPORT_H
#define NN_EXPORT_H

/* NN_API marks every public declaration. The library is built with hidden
 * visibility by default, so only NN_API symbols are exported from libnn.so. */
#if defined(_WIN32)
#  if defined(NN_BUILDING)
#    define NN_API __declspec(dllexport)
#  else
#    define NN_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define NN_API __attribute__((visibility("default")))
#else
#  define NN_API
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define NN_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#  define NN_DEPRECATED(msg)
#endif

#endif /* NN_EXPORT_H */
