#!/bin/sh
# Each misuse of the nn tool gets its exit status (2 usage, 1 failure) and a
# message naming the flag, or the file with its line and field.
# Usage: cli_misuse.sh NN WORKDIR
set -u
nn=$1
dir=$2
rm -rf "$dir" && mkdir -p "$dir" || exit 1
. "$(dirname "$0")/lib.sh"

printf '1,2,0\n3,4,0\n5,6,0\n' > "$dir/one_class.csv"
printf '1,2,3.5\n3,4,7.25\n5,6,1.5\n' > "$dir/real.csv"
printf '1,2,0\n3,4,65535\n5,6,1\n' > "$dir/big_label.csv"
printf 'a,b,y\n1,2,0\n3,x,1\n' > "$dir/bad_field.csv"
printf '1,2,0\n3,4\n' > "$dir/ragged.csv"
awk 'BEGIN { srand(3); for (i = 0; i < 400; i++) { v = int(rand() * 300); printf "%d,%d,%d\n", i % 7, i % 11, v } }' > "$dir/many.csv"

# A separate --test file against the training data (cli_match_test).
awk 'BEGIN { for (i = 0; i < 40; i++) printf "%d,%d,%s\n", i, 40 - i, i < 20 ? "left" : "right" }' > "$dir/named.csv"
printf '1,2,left\n3,4,middle\n' > "$dir/named_test.csv"
printf '1,2,0\n3,4,1\n' > "$dir/numbered_test.csv"
printf '1,2,3,left\n' > "$dir/wide_test.csv"
awk 'BEGIN { for (i = 0; i < 40; i++) printf "%d,%d,%d\n", i, 40 - i, i < 20 }' > "$dir/two.csv"
printf '1,2,5\n' > "$dir/label5_test.csv"

expect 1 "named_test.csv: line 2 has the class 'middle', which the training data" -- \
    train --data "$dir/named.csv" --test "$dir/named_test.csv" --epochs 1
expect 1 'numbered_test.csv: labels are numbers here but names in the training data' -- \
    train --data "$dir/named.csv" --test "$dir/numbered_test.csv" --epochs 1
expect 1 'wide_test.csv has 3 features but .*named.csv has 2' -- \
    train --data "$dir/named.csv" --test "$dir/wide_test.csv" --epochs 1
expect 1 "label5_test.csv has label 5, above the training data's largest \\(1\\)" -- \
    train --data "$dir/two.csv" --test "$dir/label5_test.csv" --epochs 1

# nn predict's --id-col and --label-col against the file: in the options'
# words (the library's are ignore_column and a 0-based label_column)
"$nn" train --data "$dir/named.csv" --epochs 1 --out "$dir/named.nnet" --quiet > /dev/null 2>&1
awk 'BEGIN { for (i = 0; i < 4; i++) printf "r%d,%d,%d,%s\n", i, i, 4 - i, i < 2 ? "left" : "right" }' > "$dir/ids.csv"
expect 0 '^id,label' -- predict "$dir/named.nnet" --data "$dir/ids.csv" --id-col 1
expect 2 'id-col 4 is also the label column of .*ids.csv \(the last, as no --label-col' -- \
    predict "$dir/named.nnet" --data "$dir/ids.csv" --id-col 4
expect 2 'id-col 1 is also the label column of .*ids.csv \(--label-col\)' -- \
    predict "$dir/named.nnet" --data "$dir/ids.csv" --id-col 1 --label-col 1
expect 2 'label-col 9, but .*named.csv has 3 columns' -- \
    predict "$dir/named.nnet" --data "$dir/named.csv" --label-col 9
refuse 2 'ignore_column|label_column' -- predict "$dir/named.nnet" --data "$dir/ids.csv" --id-col 4
refuse 2 'ignore_column|label_column' -- \
    predict "$dir/named.nnet" --data "$dir/named.csv" --label-col 9

expect 0 'libnn' -- --version
expect 0 '--activation' -- train --help
expect 0 '--proba' -- predict -h
expect 0 'usage: nn COMMAND' -- --help
expect 2 'usage' --
expect 2 "unknown command 'trian'" -- trian
expect 2 "unknown option '--nope'" -- train --nope
expect 2 "bad value 'nope' for --lr" -- train --lr nope
expect 2 "bad value '' for --hidden" -- train --hidden ""
expect 2 "bad value '0' for --batch" -- train --batch 0
expect 2 "bad value '\"' for --delimiter: expected one character other than a quote" -- \
    train --delimiter '"'
expect 2 "bad value '.' for --delimiter" -- predict m.nnet --data x.csv --delimiter .
expect 2 "bad value '7' for --delimiter" -- eval m.nnet --data x.csv --delimiter 7
expect 2 "bad value '1.5' for --test-fraction" -- train --test-fraction 1.5
expect 2 '--epochs needs a value' -- train --epochs
expect 2 "bad value 'swish' for --activation" -- train --activation swish
expect 2 '--activation lists 2 activations for 1 hidden layers' -- train --activation tanh,relu
expect 2 '--targets 3 needs --task multilabel or regress' -- train --targets 3
expect 2 '--label-column is now --label-col' -- train --label-column 2
expect 2 'is not an option of this command' -- eval m.nnet --hidden 3
expect 2 'first argument is the MODEL' -- predict --data x.csv
expect 2 '--data FILE is required' -- predict m.nnet
expect 2 '--data moons is a classification' -- train --task regress
expect 1 'moons: noise 1e\+308 is too large' -- train --noise 1e308
expect 1 'nothing to learn' -- train --data "$dir/one_class.csv"
expect 1 'task regress' -- train --data "$dir/real.csv"
expect 1 'looks like a real-valued target' -- train --data "$dir/big_label.csv"
expect 1 'looks like a real-valued target' -- train --data "$dir/many.csv"
expect 1 'bad_field.csv:3:2' -- train --data "$dir/bad_field.csv" --header
expect 1 'ragged.csv:2' -- train --data "$dir/ragged.csv"
expect 1 '--out /nonexistent/dir/m.nnet: cannot write there' -- train --out /nonexistent/dir/m.nnet
expect 1 "--out $dir: not a regular file" -- train --out "$dir"
expect 1 'cannot open' -- train --data "$dir/missing.csv"
expect 1 'cannot open /nonexistent.nnet' -- eval /nonexistent.nnet --data "$dir/two.csv"
expect 1 'not a libnn net file' -- eval "$dir/one_class.csv" --data "$dir/two.csv"

finish
