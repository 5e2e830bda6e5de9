#!/bin/sh
# README's second command: install what is missing, build, run every test.
# Usage: tools/test.sh [preset]   (release by default; also debug, asan, clang)
set -eu
cd "$(dirname "$0")/.."
preset="${1:-release}"
sh tools/deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j"$(nproc)"
ctest --preset "$preset" -j2
