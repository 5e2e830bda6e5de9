#!/bin/sh
# README's first command: install what is missing, build the release preset,
# then run the main job: the tutorial's network (replication and libnn's
# defaults) and the epoch benchmark on the tutorial's cells. Each stage says
# what it does; the end says what to try next.
set -eu
cd "$(dirname "$0")/.."
root=$PWD
log=build/quickstart-build.log

stage() {
    printf '\n==> %s\n' "$*"
}

stage "1/4 Checking the Debian packages libnn needs (tools/deps.sh), installing any that are missing"
sh tools/deps.sh

stage "2/4 Building libnn, the nn tool, tests and benchmarks into build/release: this takes a few minutes (log: $log)"
mkdir -p build
if ! { cmake --preset release && cmake --build --preset release -j"$(nproc)"; } > "$log" 2>&1; then
    tail -n 30 "$log"
    echo "quickstart: the build failed; the whole log is $root/$log" >&2
    exit 1
fi
echo "built build/release/tools/nn and build/release/lib/libnn.so"

if [ -x build/release/examples/seed_replication ]; then
    stage "3/4 The tutorial's experiment: its 2-64-2 net on make_moons trained 100 times as the tutorial does, then with libnn's defaults (a few seconds)"
    build/release/examples/seed_replication
else
    stage "3/4 Built without examples/: running a quick test instead"
    ctest --preset release -R test_matrix
fi

if [ -x build/release/bench/epoch_bench ]; then
    stage "4/4 Timing a training epoch of the same net at batch 10, 32 and 128 (bench/epoch_bench)"
    build/release/bench/epoch_bench --shape tutorial --batch 10,32,128 --hidden 64
    echo "(epoch ms: one pass over the 3750 training rows; ratio: against the same epoch's BLAS calls alone," \
        "lower is faster; docs/performance.md explains every column)"
fi

cat <<EOF

Done. Next, from $root:
  export PATH=\$PWD/build/release/tools:\$PATH
  nn train --data examples/data/iris.csv --header --out iris.nnet   # a classifier for the iris sample
  nn eval iris.nnet --data examples/data/iris.csv --header          # its confusion matrix and F1
  sh tools/test.sh                                                  # build and run every test
README's "The nn tool in a few commands" has more; docs/cli.md every option, docs/api.md the C API.
EOF
