#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

/* The only thread-local state in libnn: the detail text of this thread's
 * last failure. */
static _Thread_local char last_error[512];

const char *nn_status_str(nn_status s)
{
    switch (s) {
#define NN_STATUS_CASE_(name, text) \
    case name:                      \
        return text;
        NN_STATUS_MAP(NN_STATUS_CASE_)
#undef NN_STATUS_CASE_
    }
    return "unknown status";
}

const char *nn_last_error(void)
{
    return last_error;
}

nn_status nn__fail(nn_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return s;
}

/* The public twin of nn__fail, for optional components (libnn_mpi). */
nn_status nn_set_last_error(nn_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char text[sizeof last_error];
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return nn__fail(s, "%s", text);
}
