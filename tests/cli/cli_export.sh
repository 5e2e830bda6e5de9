#!/bin/sh
# nn export, as docs/export.md shows it: train, export both ways, compile the
# page's predict.c (extracted from the page, so the documented program is the
# tested one) against the header, and compare its output with nn predict;
# run the page's check.py on the ONNX file when python3-onnx is installed.
# Then the misuses of nn export, with their exit status and message.
# Usage: cli_export.sh NN CC DOC WORKDIR [ONNX(0|1)]
set -u
nn=$1 cc=$2 doc=$3 dir=$4 onnx=${5:-1}
rm -rf "$dir" && mkdir -p "$dir" || exit 1
. "$(dirname "$0")/lib.sh"
cd "$dir" || exit 1

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

finish
