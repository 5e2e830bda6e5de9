/* The AVX-512 build's small gemm, runnable on any machine: the blocked
 * kernels of lib/kernels/gemm_blocked.inc with NN_GB_VBYTES 64 (tiles of
 * 8-double vectors, 4-, 2- and 1-column tails, its dot products and
 * epilogues), compiled here without target flags. GCC and clang lower a
 * 64-byte vector extension that the ISA lacks to pieces of the vectors it
 * has, so the indexing, tails and epilogues that an AVX-512 machine runs
 * are checked by test_net and test_step wherever the tests run; only the
 * instruction selection differs (and FMA contraction, hence rounding).
 * gemm_vw8_f32.c is the float instance (16-float vectors). */
#include "support.h"

#include "real.h"

#define NN_GEMM_SMALL_NAME R_(ts_gemm_small_vw8)
#define NN_GEMM_FUSED_NAME R_(ts_gemm_fused_vw8)
#define NN_GEMM_SMALL_CORE R_(ts_gemm_small_core_vw8)
#define NN_GEMM_SMALL_LOOPS R_(ts_gemm_small_loops_vw8)
#include "kernels/gemm_small.inc"
#define NN_GB_VBYTES 64
#include "kernels/gemm_blocked.inc"
