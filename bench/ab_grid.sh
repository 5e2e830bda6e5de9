#!/bin/sh
# Before/after grid of epoch_bench on one machine: each command runs
# alternately on two builds, ROUNDS times, so that load changes hit both;
# odd rounds run the before build first, even rounds the after build.
# With "quick" as the fifth argument: the tutorial cells and the deep cell
# at batch 128 only (about a minute for 3 rounds on a 2-core machine).
# Usage: bench/ab_grid.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR OUT_DIR [ROUNDS] [quick]
#   e.g. bench/ab_grid.sh ../old/build/release build/release /tmp/ab 3
# then:  python3 bench/ab_table.py /tmp/ab     (the README's table)
set -eu
[ $# -ge 3 ] || { echo "usage: $0 BEFORE_BUILD AFTER_BUILD OUT_DIR [ROUNDS]" >&2; exit 2; }
before=$1 after=$2 out=$3 rounds=${4:-3} cells=${5:-all}
mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
    order="before after"
    [ $((r % 2)) -eq 0 ] && order="after before"
    for v in $order; do
        if [ $v = before ]; then b=$before; else b=$after; fi
        eb=$b/bench/epoch_bench
        $eb --shape tutorial --hidden 16,64,256,1024 --batch 1,10,32,128,1024 --threads 1 \
            --epochs 7 --csv "$out/tut-$v-$r.csv" > "$out/tut-$v-$r.txt"
        if [ "$cells" = quick ]; then
            $eb --shape deep --hidden 1024 --batch 128 --threads 2 --epochs 5 \
                --csv "$out/deep-$v-$r.csv" > "$out/deep-$v-$r.txt"
            continue
        fi
        $eb --shape deep --hidden 256,1024 --batch 32,128,1024 --threads 2 --epochs 5 \
            --csv "$out/deep-$v-$r.csv" > "$out/deep-$v-$r.txt"
        $eb --shape deep --hidden 4096 --batch 1024 --threads 2 --epochs 3 \
            --csv "$out/big-$v-$r.csv" > "$out/big-$v-$r.txt"
    done
done
