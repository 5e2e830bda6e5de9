/* The double instance of the layer loop (layers.inc, backprop.inc): the
 * computation of F64 nets. */
#include <math.h>

#include <cblas.h>

#include "net/net_internal.h"

#include "real.h"

#include "layers.inc"
#include "backprop.inc"
