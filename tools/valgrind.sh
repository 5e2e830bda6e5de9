#!/bin/sh
# The ctest suite under valgrind memcheck (CI runs it beside the ASan preset).
# The valgrind preset sets CMAKE_CROSSCOMPILING_EMULATOR, so every test whose
# command is one of our executables runs as
#     valgrind --error-exitcode=1 --leak-check=full \
#              --errors-for-leak-kinds=definite,indirect,possible <test>
# with one log file per process in build/valgrind/logs. A test fails on any
# valgrind error or leak (exit code 1); then every log is checked for a
# non-zero "ERROR SUMMARY", which also catches the tests whose verdict is a
# regular expression on their output (cli_*) or an expected failure
# (cli_bad_option, WILL_FAIL), where the exit code alone would hide a report.
# Not run under valgrind (the valgrind test preset filters them out):
#  - test_install (label install): it runs cmake, a compiler and pkg-config
#    on the installed tree, none of which is libnn code; the programs it
#    builds are the examples the other tests cover.
#  - the MPI tests (label mpi): they start through mpiexec, so valgrind
#    would watch mpiexec, not the test; and Open MPI needs its own
#    suppressions (the ASan run uses tests/lsan_mpi.supp).
#  - test_kernels: valgrind computes long double with 64-bit precision
#    (its x87 emulation), and test_kernels measures the kernels' error in
#    ulp against long-double libm: the oracle itself is off there (tanh
#    shows 4.000 ulp, over the bound). Its memory use is checked by ASan,
#    and the kernels run under valgrind inside every other test.
# A test may take up to an hour (test_train takes 5-12 min under valgrind
# on 2 shared cores).
# Usage: tools/valgrind.sh [ctest arguments, e.g. -R test_io]
# (exit status 0 only when everything run is clean)
set -eu
cd "$(dirname "$0")/.."
logs=build/valgrind/logs
if ! command -v valgrind >/dev/null; then
    echo "valgrind.sh: valgrind is not installed (tools/deps.sh)" >&2
    exit 1
fi
cmake --preset valgrind >/dev/null
cmake --build --preset valgrind -j"$(nproc)"
rm -rf "$logs"
mkdir -p "$logs"
status=0
ctest --preset valgrind -j2 "$@" || status=1
# One log per process; a test's own process ends its log with an ERROR
# SUMMARY. (Logs without one are the forks tests make for system("rm ..."),
# silent until they exec the shell, which valgrind does not follow.)
checked=$(grep -l "ERROR SUMMARY:" "$logs"/*.log 2>/dev/null | wc -l)
if [ "$checked" -eq 0 ]; then
    echo "valgrind.sh: no valgrind summaries: the tests did not run under valgrind" >&2
    exit 1
fi
bad=$(grep -l "ERROR SUMMARY: [1-9]" "$logs"/*.log || true)
if [ -n "$bad" ]; then
    for f in $bad; do
        echo "==== $f" >&2
        cat "$f" >&2
    done
    echo "valgrind.sh: valgrind reported errors or leaks (logs above)" >&2
    status=1
fi
echo "valgrind.sh: $checked processes checked under valgrind"
exit $status
