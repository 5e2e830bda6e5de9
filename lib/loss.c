/* Output tasks as loss modules. (Filled in by the v2 net; names first.) */
#include <string.h>

#include "internal.h"

static const char *const TASKS[] = {"classify", "multilabel", "regress"};

const char *nn_task_name(nn_task t)
{
    return (unsigned)t <= NN_TASK_REGRESS ? TASKS[t] : NULL;
}

nn_status nn_task_parse(const char *name, nn_task *out)
{
    if (!name || !out)
        return nn__fail(NN_EINVAL, "nn_task_parse: %s is NULL", !name ? "name" : "out");
    for (int t = 0; t <= NN_TASK_REGRESS; t++)
        if (strcmp(name, TASKS[t]) == 0) {
            *out = (nn_task)t;
            return NN_OK;
        }
    return nn__fail(NN_EINVAL, "unknown task '%s' (classify, multilabel, regress)", name);
}
