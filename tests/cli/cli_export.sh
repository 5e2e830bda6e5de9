#!/bin/sh
# nn export, as docs/export.md shows it: train, export both ways, compile the
# page's predict.c (extracted from the page, so the documented program is the
# tested one) against the header, and compare its output with nn predict;
# run the page's check.py on the ONNX file when python3-onnx is installed.
# Then the misuses of nn export, with their exit status and message.
# Usage: cli_export.sh NN CC DOC WORKDIR [ONNX(0|1)]
set -u
nn=$1 cc=$2 doc=$3 dir=$4 onnx=${5:-1}
. "$(dirname "$0")/lib.sh"
workdir "$dir"

# The fenced block that follows the marker "<!-- test: NAME -->" in the page.
extract() {
    awk -v m="<!-- test: $1 -->" '
        $0 == m { found = 1; next }
        found == 1 && /^```/ { found = 2; next }
        found == 2 && /^```/ { exit }
        found == 2 { print }' "$doc"
}

extract predict.c > predict.c
extract check.py > check.py
[ -s predict.c ] && [ -s check.py ] || { echo "FAIL: $doc lacks the test blocks"; exit 1; }

"$nn" train --data moons --epochs 5 --quiet --out moons.nnet > /dev/null || fail "nn train"
if [ "$onnx" = 1 ]; then
    "$nn" export moons.nnet --c moons.h --prefix moons --onnx moons.onnx 2> export.log ||
        fail "nn export: $(cat export.log)"
else
    "$nn" export moons.nnet --c moons.h --prefix moons 2> export.log ||
        fail "nn export: $(cat export.log)"
fi
grep -q 'moons_predict(x, out) maps 2 inputs' export.log || fail "nn export's report: $(cat export.log)"

if "$cc" -std=c99 -O2 -Wall -Wextra -Wpedantic -Werror predict.c -lm -o predict 2> cc.log; then
    for row in "0.5 0.25" "-1 0.5" "2 -0.5" "0.1 0.9"; do
        got=$(./predict $row)
        printf '%s\n' "$row" | tr ' ' ',' > row.csv
        want=$("$nn" predict moons.nnet --data row.csv --proba | tail -1 | cut -d, -f3-)
        [ "$got" = "$want" ] || fail "predict $row printed '$got', nn predict '$want'"
    done
    ./predict 1 > /dev/null 2>&1
    [ $? -eq 2 ] || fail "predict with one feature should exit 2"
else
    fail "predict.c does not compile: $(cat cc.log)"
fi

if [ "$onnx" = 1 ] && /usr/bin/python3 -c 'import onnx' 2> /dev/null; then
    /usr/bin/python3 check.py moons.onnx > check.log 2>&1 || fail "check.py: $(cat check.log)"
    grep -q "^x \['N', 2\]" check.log && grep -q 'Softmax' check.log ||
        fail "check.py printed: $(cat check.log)"
fi

expect 2 'first argument is the MODEL' -- export --c x.h
expect 2 'say what to write' -- export moons.nnet
expect 2 '--prefix applies to the C header' -- export moons.nnet --onnx x.onnx --prefix p
expect 2 '--float applies to the C header' -- export moons.nnet --onnx x.onnx --float
expect 2 "bad value 'my-model' for --prefix: .*character 3 \('-'\)" -- \
    export moons.nnet --c x.h --prefix my-model
expect 2 'starts with a digit' -- export moons.nnet --c x.h --prefix 2nd
expect 1 '--c /nonexistent-dir/x.h: cannot write there: No such file' -- \
    export moons.nnet --c /nonexistent-dir/x.h
expect 1 'cannot open /nonexistent.nnet' -- export /nonexistent.nnet --c x.h
expect 2 'is not an option of this command' -- export moons.nnet --c x.h --hidden 3
[ -e x.h ] && fail "a failed export left x.h"
ls ./*.tmp.* > /dev/null 2>&1 && fail "a temporary file was left"

# A single-precision net (--dtype f32): a smaller model file, the same
# predictions' format, and a float header whatever --float says.
"$nn" train --data moons --epochs 5 --quiet --dtype f32 --out m32.nnet > /dev/null ||
    fail "nn train --dtype f32"
s64=$(wc -c < moons.nnet) s32=$(wc -c < m32.nnet)
[ "$s32" -lt "$s64" ] || fail "the f32 model ($s32 bytes) is not smaller than f64 ($s64)"
check 'nn export of an f32 net' "$nn" export m32.nnet --c m32.h --prefix m32
grep -q 'static const float m32_W0' m32.h || fail "the f32 net's header is not in float"
grep -q 'static const double' m32.h && fail "the f32 net's header holds a double table"
p64=$("$nn" predict moons.nnet --data row.csv | tail -1 | cut -d, -f1)
p32=$("$nn" predict m32.nnet --data row.csv | tail -1 | cut -d, -f1)
[ -n "$p32" ] && [ "$p32" = "$p64" ] || fail "f32 predicts '$p32', f64 '$p64'"
expect 2 "bad value 'f16' for --dtype: expected f64 or f32" -- train --data moons --dtype f16

finish
