#!/bin/sh
# Before/after grid of epoch_bench on one machine: each command runs
# alternately on two builds, ROUNDS times, so that load changes hit both.
# Usage: bench/ab_grid.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR OUT_DIR [ROUNDS]
#   e.g. bench/ab_grid.sh ../old/build/release build/release /tmp/ab 3
# then:  python3 bench/ab_table.py /tmp/ab     (the README's table)
set -eu
[ $# -ge 3 ] || { echo "usage: $0 BEFORE_BUILD AFTER_BUILD OUT_DIR [ROUNDS]" >&2; exit 2; }
before=$1 after=$2 out=$3 rounds=${4:-3}
mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
    for v in before after; do
        if [ $v = before ]; then b=$before; else b=$after; fi
        eb=$b/bench/epoch_bench
        $eb --shape tutorial --hidden 16,64,256,1024 --batch 1,10,32,128,1024 --threads 1 \
            --epochs 7 --csv "$out/tut-$v-$r.csv" > "$out/tut-$v-$r.txt"
        $eb --shape deep --hidden 256,1024 --batch 32,128,1024 --threads 2 --epochs 5 \
            --csv "$out/deep-$v-$r.csv" > "$out/deep-$v-$r.txt"
        $eb --shape deep --hidden 4096 --batch 1024 --threads 2 --epochs 3 \
            --csv "$out/big-$v-$r.csv" > "$out/big-$v-$r.txt"
    done
done
