/* Placeholder: filled in by its issue. */
#include "internal.h"

typedef int nn__data_placeholder;
