/* Placeholder until its issue lands: checks only that the library links. */
#include "support.h"

static void test_links(void **state)
{
    (void)state;
    assert_int_equal(nn_version_number(), NN_VERSION_NUMBER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_links)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
