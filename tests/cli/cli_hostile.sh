#!/bin/sh
# Hostile input to the nn tool, as an adversary would give it: counts that
# would overflow an allocation, a --plot path that tries to inject gnuplot
# commands, outputs that name an input, data from a FIFO or a pipe (read
# once, never waited on), a full disk on stdout, row ids and
# class names with quotes, long text and escape codes. Each case checks the
# exit status and the words that must appear, and what must (not) be on
# disk afterwards.
# Usage: cli_hostile.sh NN WORKDIR
set -u
nn=$1
dir=$2
. "$(dirname "$0")/lib.sh"
workdir "$dir"

awk 'BEGIN { for (i = 0; i < 60; i++) printf "%d,%d,%s\n", i, 60 - i, i < 30 ? "left" : "right" }' > d.csv

# ---- counts that would overflow an allocation: refused, naming the limit
expect 2 '--epochs: at most 1000000' -- train --epochs 576460752303423488
expect 2 '--epochs: at most 1000000' -- train --epochs 99999999999999999999999999
expect 2 '--max-epochs: at most 1000000' -- train --max-epochs 18446744073709551615
expect 2 '--to: at most 1000000' -- sweep --from 1 --to 2305843009213693952
expect 2 'at most 10000 hidden sizes' -- sweep --from 1 --to 1000000
expect 2 '--runs: at most 10000' -- train --runs 1000000
expect 2 '--trials: at most 10000' -- sweep --trials 4294967297
expect 2 '--batch: at most 1000000' -- train --batch 4294967296
expect 2 '--hidden: at most 1000000' -- train --hidden 64,4294967296
expect 2 '--hidden: more than 100000000 parameters' -- train --hidden 20000,20000
awk 'BEGIN { for (i = 0; i < 4; i++) { for (j = 0; j < 200; j++) printf "%d,", i * j; print i % 2 } }' > wide.csv
expect 2 '--hidden: a net of 200 inputs, these hidden layers and 2 outputs has more than' -- \
    train --data wide.csv --hidden 1000000 --epochs 1
# a large --epochs that is allowed costs nothing up front
expect 0 'test accuracy' -- train --epochs 1000000 --patience 1 --max-epochs 1000000 --quiet

# ---- --plot: no command injection, the file where asked, checked up front
inj="p.png'; system \"touch pwned\"; set output 'q.png
"'"; system("touch pwned2"); #'
if command -v gnuplot >/dev/null 2>&1; then
    expect 0 'test accuracy' -- train --epochs 3 --plot "$inj"
    check 'no gnuplot command ran' test ! -e pwned -a ! -e pwned2 -a ! -e q.png
    check 'the plot is at the path given' test -s "$inj"
    check 'the plot is a PNG' sh -c 'head -c 4 "$1" | grep -q PNG' sh "$inj"
    expect 0 'test accuracy' -- train --epochs 3 --plot "bob's.png"
    check "bob's.png written" test -s "bob's.png"
    expect 0 'hidden' -- sweep --from 3 --to 6 --trials 1 --epochs 2 --plot "s;\"'.png"
    check 'the sweep plot written' test -s "s;\"'.png"
    # nothing binary on stdout
    "$nn" train --epochs 2 --plot p2.png > stdout.txt 2>/dev/null
    check 'no PNG on stdout' sh -c '! grep -q PNG stdout.txt'
else
    echo "gnuplot not installed: the plots themselves are not drawn here"
fi
# without gnuplot (PATH without it): refused before training, nothing saved
printf '#!/bin/sh\nPATH=/nonexistent exec "%s" "$@"\n' "$nn" > nn_nogp
chmod +x nn_nogp
nn_real=$nn
nn=./nn_nogp
expect 1 'gnuplot is not installed' -- train --plot x.png --out m0.nnet
expect 1 'gnuplot is not installed' -- sweep --plot x.png
nn=$nn_real
check 'no model saved when --plot cannot be drawn' test ! -e m0.nnet
# a gnuplot that fails: nothing at the path, no temporary file left
mkdir -p fakebin
printf '#!/bin/sh\ncat > /dev/null\necho partial\nexit 3\n' > fakebin/gnuplot
chmod +x fakebin/gnuplot
printf '#!/bin/sh\nPATH="%s/fakebin:$PATH" exec "%s" "$@"\n' "$(pwd)" "$nn_real" > nn_badgp
chmod +x nn_badgp
nn=./nn_badgp
expect 1 '--plot bad.png: gnuplot failed .*nothing written' -- train --epochs 2 --plot bad.png
nn=$nn_real
check 'a failed plot leaves no file' test ! -e bad.png
check 'a failed plot leaves no temporary file' sh -c '! ls | grep -q "bad.png.tmp"'
expect 1 '--plot /missing/dir/p.png: cannot write there' -- \
    train --plot /missing/dir/p.png --out m1.nnet
check 'no model saved when --plot cannot be written' test ! -e m1.nnet
# a name of 241 bytes fits NAME_MAX (255), the writer's temporary name
# beside it does not: refused before training, not after it
b241=$(awk 'BEGIN { for (i = 0; i < 236; i++) printf "b"; printf ".nnet" }')
expect 1 "--out $b241: cannot write there: File name too long" -- \
    train --data d.csv --epochs 2 --out "$b241"
refuse 1 'test accuracy' -- train --data d.csv --epochs 2 --out "$b241"

# ---- an output that is an input (or another output): refused before work
cp d.csv keep.csv
expect 2 '--out d.csv is the same file as --data d.csv' -- train --data d.csv --out d.csv
check 'the data file is intact' cmp -s d.csv keep.csv
expect 0 'saved m.nnet' -- train --data d.csv --epochs 20 --out m.nnet
cp m.nnet keep.nnet
expect 2 '--out m.nnet is the same file as MODEL m.nnet' -- predict m.nnet --data d.csv --out m.nnet
expect 2 '--c m.nnet is the same file as MODEL m.nnet' -- export m.nnet --c m.nnet
expect 2 '--out ./d.csv is the same file as --data d.csv' -- predict m.nnet --data d.csv --out ./d.csv
ln -s d.csv link.csv
expect 2 '--out link.csv is the same file as --data d.csv' -- predict m.nnet --data d.csv --out link.csv
expect 2 '--plot d.csv is the same file as --data d.csv' -- train --data d.csv --plot d.csv
expect 2 '--onnx ./x.h is the same file as --c x.h' -- export m.nnet --c x.h --onnx ./x.h
check 'the model is intact' cmp -s m.nnet keep.nnet
check 'the data file is intact' cmp -s d.csv keep.csv

# ---- data from a FIFO or a pipe: read once, never opened again (a second
# open of a FIFO waits for a writer that is gone)
printf '#!/bin/sh\nexec timeout 60 "%s" "$@"\n' "$nn" > nn_60s
chmod +x nn_60s
awk 'BEGIN { print "a,b,target"; for (i = 0; i < 60; i++) printf "%d,%d,%d\n", i, 60 - i, 2 * i + 1 }' > reg.csv
awk 'BEGIN { print "a,b,y"; for (i = 0; i < 60; i++) printf "5,%d,%d\n", 60 - i, i % 2 }' > const.csv
printf '1;2;0\n3;4;1\n' > semi.csv
awk 'BEGIN { for (i = 0; i < 60; i++) printf "%d,%d,%d,%d\n", i, 60 - i, i % 3, i % 2 }' > w3.csv
expect 0 'saved m3.nnet' -- train --data w3.csv --epochs 2 --out m3.nnet
# fifo FILE: a FIFO named fifo that FILE is written into, once, by the
# process $writer
fifo() {
    rm -f fifo && mkfifo fifo || return 1
    timeout 60 sh -c 'cat "$1" > fifo' sh "$1" >/dev/null 2>&1 &
    writer=$!
}
nn=./nn_60s
fifo d.csv
expect 0 'accuracy' -- eval m.nnet --data fifo
fifo d.csv
expect 1 '--data fifo is a pipe or a device, .*save it to a file first' -- \
    predict m.nnet --data fifo
kill "$writer" 2>/dev/null
fifo reg.csv
expect 0 'test R\^2' -- train --data fifo --header --task regress --epochs 2
fifo semi.csv
expect 1 'fifo:1:1: rows have 1 field' -- train --data fifo
fifo const.csv
expect 0 'constant in the training rows of fifo' -- train --data fifo --header --epochs 2
fifo d.csv
expect 1 'fifo has 2 columns, the model takes 3 features' -- eval m3.nnet --data fifo
wait
nn=$nn_real
out=$(cat d.csv | "$nn" eval m.nnet --data /dev/stdin 2>&1)
check 'nn eval reads /dev/stdin, a pipe' sh -c 'printf "%s" "$1" | grep -q "accuracy"' sh "$out"

# ---- write errors: stdout on a full disk, --out replaced atomically
if [ -w /dev/full ]; then
    err=$("$nn" predict m.nnet --data d.csv 2>&1 >/dev/full)
    check 'predict > /dev/full says why' test "$err" = "nn: writing to stdout failed: No space left on device"
    "$nn" predict m.nnet --data d.csv > /dev/full 2>/dev/null
    check 'predict > /dev/full exits 1' test $? -eq 1
    "$nn" eval m.nnet --data d.csv > /dev/full 2>/dev/null
    check 'eval > /dev/full exits 1' test $? -eq 1
    "$nn" train --data d.csv --epochs 2 > /dev/full 2>/dev/null
    check 'train > /dev/full exits 1' test $? -eq 1
fi
expect 0 '60 rows written to p.csv' -- predict m.nnet --data d.csv --out p.csv
check 'no temporary file left' sh -c '! ls | grep -q "\.tmp\."'

# ---- row ids: the CSV loader's quoting, no length cut
long=$(awk 'BEGIN { for (i = 0; i < 300; i++) printf "x" }')
printf 'id,a,b\n"q,""1"" ",1,2\n %s ,3,4\nplain,5,6\n"  pad ",7,8\n' "$long" > ids.csv
"$nn" predict m.nnet --data ids.csv --header --id-col 1 > ids_out.csv 2>&1
check 'predict --id-col exits 0' test $? -eq 0
check 'a quoted id with a comma and quotes' grep -q '^"q,""1"" ",' ids_out.csv
check 'a 300-byte id, whole' grep -q "^$long,left" ids_out.csv
check 'a plain id' grep -q '^plain,' ids_out.csv
check 'an id with blanks at its ends, quoted as read' grep -q '^"  pad ",' ids_out.csv
# class names that need quotes: each header cell of --proba is one quoted
# field, "p_" inside the quotes
awk 'BEGIN { for (i = 0; i < 60; i++) printf "%d,%d,%s\n", i, 60 - i, i < 30 ? "\"a,b\"" : "\"say \"\"hi\"\"\"" }' > qn.csv
expect 0 'saved qn.nnet' -- train --data qn.csv --epochs 5 --out qn.nnet
"$nn" predict qn.nnet --data qn.csv --proba > qn_out.csv 2>&1
check 'the --proba header quotes whole fields' \
    test "$(head -n 1 qn_out.csv)" = 'row,label,"p_a,b","p_say ""hi"""'
check 'a predicted class name quoted' grep -Eq '^1,"(a,b|say ""hi"")",' qn_out.csv
printf '"a,1,2\n' > badq.csv
expect 1 'badq.csv:1:1: unterminated quoted field' -- predict m.nnet --data badq.csv --id-col 1

# ---- escape codes in class names: escaped on the terminal and in messages
esc=$(printf '\033')
awk -v e="$esc" 'BEGIN { for (i = 0; i < 60; i++) printf "%d,%d,%s\n", i, 60 - i, i < 30 ? e "[31mred" : "blue" }' > esc.csv
expect 0 'saved e.nnet' -- train --data esc.csv --epochs 20 --out e.nnet
expect 0 '\\x1b\[31mred' -- eval e.nnet --data esc.csv --all
check 'no raw ESC in nn eval' sh -c '! "$1" eval e.nnet --data esc.csv --all 2>&1 | grep -q "$2"' sh "$nn" "$esc"
printf '1,2,%s[31mred\n' "$esc" > esc_test.csv
expect 1 "line 1 has the class '\\\\x1b\\[31mred', which the training data does not have" -- \
    train --data d.csv --test esc_test.csv --epochs 1
check 'no raw ESC in the message' sh -c '! "$1" train --data d.csv --test esc_test.csv --epochs 1 2>&1 | grep -q "$2"' sh "$nn" "$esc"
expect 1 "line 1 has the class '\\\\x1b\\[31mred', which the model does not have" -- \
    eval m.nnet --data esc_test.csv --all
# predictions written to a file keep the names as they are
"$nn" predict e.nnet --data esc.csv --out esc_pred.csv 2>/dev/null
check 'a file keeps the class names as they are' grep -q "$esc" esc_pred.csv

finish
