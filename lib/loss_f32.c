/* The float instance of the output tasks' functions (loss_tasks.inc). */
#define NN_REAL_F32
#include <math.h>

#include "loss.h"

#include "real.h"

#include "loss_tasks.inc"
