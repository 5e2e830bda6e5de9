#!/bin/sh
# Build the fuzz preset (clang, libFuzzer + ASan + UBSan) and run each fuzz
# target for a bounded time, starting from the seed corpus and the saved
# regression inputs. Fails on any crash, leak, timeout (an input taking more
# than 10 s), memory blow-up (above 2 GB) or sanitizer report; the input that
# did it is kept as build/fuzz/run/<target>-<kind>-<hash>: add it to
# tests/fuzz/regressions/<target>/ once fixed, so ctest replays it forever.
# Usage: tools/fuzz.sh [seconds per target (60)] [target ...]   (csv load predict cli train export npy)
set -eu
cd "$(dirname "$0")/.."
secs="${1:-60}"
[ $# -gt 0 ] && shift
targets="${*:-csv load predict cli train export npy}"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"$(nproc)"
out=build/fuzz/run
rm -rf "$out"
mkdir -p "$out"
status=0
for t in $targets; do
    mkdir -p "$out/corpus-$t"
    log="$out/$t.log"
    # The option parser prints a line for each refused option: keep the
    # target's own output out of the log (libFuzzer's stays).
    quiet=""
    [ "$t" = cli ] && quiet="-close_fd_mask=3"
    # New inputs go to $out/corpus-$t; the seeds in the tree are only read.
    if OPENBLAS_NUM_THREADS=1 "build/fuzz/tests/fuzz/fuzz_$t" $quiet \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$out/$t-" \
        "$out/corpus-$t" "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
        echo "fuzz_$t: $runs inputs in $secs s ($cov), no finding"
    else
        status=1
        echo "fuzz_$t: FAILED; the end of its log ($log):"
        tail -n 60 "$log"
        for a in "$out/$t-"*; do
            [ -e "$a" ] && echo "fuzz_$t: reproduce with build/fuzz/tests/fuzz/fuzz_$t $a"
        done
    fi
done
exit $status
