#!/bin/sh
# README's first command: install what is missing, build the release preset,
# then run the main job: the tutorial's network (replication and libnn's
# defaults) and the epoch benchmark on the tutorial's cells.
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" >/dev/null
if [ -x build/release/examples/seed_replication ]; then
    build/release/examples/seed_replication
fi
if [ -x build/release/bench/epoch_bench ]; then
    build/release/bench/epoch_bench --shape tutorial --batch 10,32,128 --hidden 64
fi
if [ ! -x build/release/examples/seed_replication ]; then
    echo "built libnn $(sed -n 's/^#define NN_VERSION_MAJOR //p' include/nn/version.h).x; running the tests' demo"
    ctest --preset release -R test_matrix
fi
