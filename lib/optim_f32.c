/* The float instance of the optimizers' passes (optim_passes.inc). */
#define NN_REAL_F32
#include <math.h>

#include "optim.h"

#include "real.h"

#include "optim_passes.inc"
