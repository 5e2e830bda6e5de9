#!/bin/sh
# Build the tsan preset (clang, ThreadSanitizer) and run the tests labelled
# threads: distinct nets trained at once, and one net serving inference to
# many threads. Any data race reported fails the run.
set -eu
cd "$(dirname "$0")/.."
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j"$(nproc)" --target test_threads test_shared_net
ctest --preset tsan
